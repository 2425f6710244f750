//! The review desk: Home Affairs reviewers confirm or correct each suggested department,
//! in a browser, several at once; their decisions teach the router.

pub mod auth;
pub mod db;
pub mod learn;
pub mod web;

pub use db::{AuditEntry, Db, Decision, Item, NewItem, Outcome, Progress, QueueFilter, Resuggestion, Role, DB_FILE};

use crate::error::Result;
use crate::input::ReadOutcome;
use crate::pipeline::Report;

/// Loads an analysis into the review database: every submission with its suggestion,
/// reasons, topic and cluster. Decisions already made are kept. Returns how many.
pub fn store_report(db: &mut Db, read: &ReadOutcome, report: &Report) -> Result<usize> {
    let label = |c: Option<usize>| c.and_then(|c| report.clusters.iter().find(|k| k.id == c)).map_or("", |k| k.label.as_str());
    let items: Vec<NewItem> = report
        .records
        .iter()
        .zip(&read.submissions)
        .map(|(r, s)| {
            let sug = &r.routed.suggestion;
            NewItem {
                id: &s.id,
                text: &s.text,
                locality: s.locality.as_deref().unwrap_or(""),
                submitted_at: s.submitted_at.as_deref().unwrap_or(""),
                topic: &r.routed.topic,
                cluster: r.cluster.map(|c| c as i64),
                cluster_label: label(r.cluster),
                suggested: &sug.department,
                confidence: sug.confidence as f64,
                runner_up: &sug.runner_up,
                runner_up_confidence: sug.runner_up_confidence as f64,
                also: sug.also.as_deref().unwrap_or(""),
                reasons: &sug.reasons,
            }
        })
        .collect();
    db.set_meta("profile", &report.profile)?;
    db.load_items(&items)
}
