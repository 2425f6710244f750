//! The review desk: Home Affairs reviewers confirm or correct each suggested department,
//! in a browser, several at once; their decisions teach the router.

pub mod accounts;
pub mod answers;
pub mod archive;
pub mod auth;
pub mod db;
pub mod drafts;
pub mod forward;
pub mod learn;
pub mod notice;
pub mod web;

pub use db::{
    AuditEntry, Db, Decision, Forwarded, Item, NewItem, Outcome, Progress, QueueFilter, Resuggested, Resuggestion,
    Role, Status, StatusFilter, DB_FILE,
};

use crate::error::Result;
use crate::input::ReadOutcome;
use crate::pipeline::edits::ClusterEdit;
use crate::pipeline::{Models, Report};

/// The headers of the input's own columns met in `items`, in the order first met: the
/// exports carry every column of the file the submissions came from.
pub fn input_columns(items: &[Item]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for it in items {
        for (h, _) in &it.columns {
            if !out.contains(h) {
                out.push(h.clone());
            }
        }
    }
    out
}

/// Loads an analysis into the review database: every submission with its suggestion,
/// reasons, topic and cluster. Decisions already made are kept. Returns how many.
pub fn store_report(db: &mut Db, read: &ReadOutcome, report: &Report) -> Result<usize> {
    let items: Vec<NewItem> = report
        .rows(&read.submissions)
        .enumerate()
        .map(|(i, r)| NewItem {
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
            answered_before: r.answered_before,
            place: report.place_rows.get(i).map_or("", |p| p.label.as_str()),
        })
        .collect();
    db.set_meta("profile", &report.profile)?;
    db.load_items(&items)
}

/// The edits that split stored cluster `cluster` into up to `k` parts, found by clustering
/// its members again: the parts after the first, and the first part's new label.
pub fn split_cluster(models: &Models, db: &Db, cluster: usize, k: usize) -> Result<Vec<ClusterEdit>> {
    let items = db.cluster(cluster as i64)?;
    let subs: Vec<crate::input::Submission> = items
        .iter()
        .map(|it| crate::input::Submission {
            id: it.id.clone(),
            id_given: true,
            text: it.text.clone(),
            locality: None,
            submitted_at: None,
            group: None,
            extra: Default::default(),
        })
        .collect();
    if subs.len() < 2 || k < 2 {
        return Err(crate::Error::Param(crate::t!("edits.cannot-split", n = subs.len())));
    }
    let settings = crate::pipeline::Settings { k: Some(k.min(subs.len())), ..Default::default() };
    let report = crate::pipeline::analyze(models, &subs, &settings, &indicatif::ProgressBar::hidden())?;
    let mut parts: Vec<(String, Vec<String>)> = report.clusters.iter().map(|c| (c.label.clone(), Vec::new())).collect();
    for (s, r) in subs.iter().zip(&report.records) {
        if let Some(c) = r.cluster {
            parts[c].1.push(s.id.clone());
        }
    }
    parts.retain(|p| !p.1.is_empty());
    if parts.len() < 2 {
        return Err(crate::Error::Param(crate::t!("edits.cannot-split", n = subs.len())));
    }
    let members: Vec<String> = subs.iter().map(|s| s.id.clone()).collect();
    let (first_label, first) = parts.remove(0);
    Ok(vec![ClusterEdit::Split { members, parts }, ClusterEdit::Rename { members: first, label: first_label }])
}
