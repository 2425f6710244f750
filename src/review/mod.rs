//! The review desk: Home Affairs reviewers confirm or correct each suggested department,
//! in a browser, several at once; their decisions teach the router.

pub mod accounts;
pub mod auth;
pub mod db;
pub mod learn;
pub mod web;

pub use db::{
    AuditEntry, Db, Decision, Item, NewItem, Outcome, Progress, QueueFilter, Resuggested, Resuggestion, Role, Status,
    StatusFilter, DB_FILE,
};

use crate::error::Result;
use crate::input::ReadOutcome;
use crate::pipeline::Report;

/// Loads an analysis into the review database: every submission with its suggestion,
/// reasons, topic and cluster. Decisions already made are kept. Returns how many.
pub fn store_report(db: &mut Db, read: &ReadOutcome, report: &Report) -> Result<usize> {
    let items: Vec<NewItem> = report
        .rows(&read.submissions)
        .map(|r| NewItem {
            id: r.id,
            text: r.text,
            locality: r.locality.unwrap_or(""),
            submitted_at: r.submitted_at.unwrap_or(""),
            topic: r.topic,
            cluster: r.cluster.map(|c| c as i64),
            cluster_label: r.cluster_label,
            suggested: r.department,
            confidence: r.confidence as f64,
            runner_up: r.runner_up,
            runner_up_confidence: r.runner_up_confidence as f64,
            also: r.also.unwrap_or(""),
            reasons: r.reasons,
            columns: Some(r.columns),
        })
        .collect();
    db.set_meta("profile", &report.profile)?;
    db.load_items(&items)
}
