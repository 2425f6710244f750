//! Routing measured on kinds of text the models never saw: cross-validation that holds out
//! one whole kind at a time (a topic area, text typed without diacritics, teen code, long
//! letters), so that the figure says how routing holds on text unlike its training data.

use std::fmt::Write as _;

use rayon::prelude::*;

use super::corpus::reliability_figures;
use crate::error::{Error, Result};
use crate::input::Submission;
use crate::pipeline::{route_one, Models};
use crate::routing::{Profile, Router, TrainingText};

/// From this many syllables on, a submission is a long letter.
pub const LONG_LETTER: usize = 45;

/// The kinds a labelled submission belongs to: its topic area, and each of typed without
/// diacritics, teen code and long letter that applies.
pub fn kinds_of(models: &Models, s: &Submission) -> Vec<String> {
    let a = models.analyzer.analyze(&s.text);
    let mut k = vec![format!("chủ đề {}", s.field("topic").unwrap_or("?"))];
    if a.folded {
        k.push("gõ không dấu".into());
    }
    if models.analyzer.uses_teencode(&s.text) {
        k.push("teen code".into());
    }
    if a.syllables.len() >= LONG_LETTER {
        k.push("thư dài".into());
    }
    k
}

/// One held-out kind's result: how many texts, share routed right, expected calibration error.
#[derive(Debug, Clone)]
pub struct KindResult {
    /// The kind held out.
    pub kind: String,
    /// Texts of that kind.
    pub n: usize,
    /// Share routed to the gold department by models that learned from every other kind.
    pub accuracy: f64,
    /// Expected calibration error on them.
    pub ece: f64,
}

/// Routing accuracy per held-out kind over every labelled record of `subs` (gold
/// `department` and `topic`): for each kind, the router and the topic areas learn from
/// the records of the other kinds only, then route the kind's records.
pub fn routing_by_kind(models: &Models, subs: &[Submission]) -> Result<Vec<KindResult>> {
    let profile = &models.router.profile;
    let labelled: Vec<(&Submission, String, String)> = subs
        .iter()
        .filter_map(|s| {
            let topic = s.field("topic")?.to_string();
            let d = profile.map_code(s.field("department")?, Some(&topic))?.to_string();
            Some((s, d, topic))
        })
        .collect();
    if labelled.is_empty() {
        return Err(Error::Param("no record has both a gold 'department' and a gold 'topic'".into()));
    }
    let kinds: Vec<Vec<String>> = labelled.par_iter().map(|(s, _, _)| kinds_of(models, s)).collect();
    let mut names: Vec<&String> = kinds.iter().flatten().collect();
    names.sort();
    names.dedup();
    names
        .par_iter()
        .map(|kind| {
            let held: Vec<bool> = kinds.iter().map(|k| k.contains(kind)).collect();
            let rows: Vec<TrainingText> = labelled
                .iter()
                .zip(&held)
                .filter(|(_, h)| !**h)
                .map(|((s, d, t), _)| TrainingText {
                    text: s.text.clone(),
                    department: d.clone(),
                    topic: Some(t.clone()),
                })
                .collect();
            let topic_docs: Vec<Vec<u64>> =
                rows.iter().map(|t| crate::topics::features(&models.analyzer, &t.text)).collect();
            let topic_labels: Vec<String> = rows.iter().filter_map(|t| t.topic.clone()).collect();
            let topics = models.topics.refit(&topic_docs, &topic_labels)?;
            let router =
                Router::from_texts(Profile::load(&models.dir, &profile.name)?, &models.analyzer, &topics, &rows)?;
            let m = Models {
                dir: models.dir.clone(),
                analyzer: models.analyzer.clone(),
                topics,
                router,
                places: models.places.clone(),
                restorer_slot: models.restorer_slot.clone(),
            };
            let pairs: Vec<(f64, bool)> = labelled
                .iter()
                .zip(&held)
                .filter(|(_, h)| **h)
                .map(|((s, d, _), _)| {
                    let r = route_one(&m, s);
                    (r.suggestion.confidence as f64, *r.suggestion.department == **d)
                })
                .collect();
            let (accuracy, ece) = reliability_figures(&pairs);
            Ok(KindResult { kind: (*kind).clone(), n: pairs.len(), accuracy, ece })
        })
        .collect()
}

/// [`routing_by_kind`] as a table.
pub fn render_by_kind(results: &[KindResult]) -> String {
    let mut out = String::from("Routing on held-out kinds (models learn from every other kind):\n");
    let _ = writeln!(out, "  {:<24} {:>5}  {:>8}  {:>5}", "kind held out", "texts", "accuracy", "ECE");
    for r in results {
        let _ = writeln!(out, "  {:<24} {:>5}  {:>8.3}  {:>5.3}", r.kind, r.n, r.accuracy, r.ece);
    }
    let n: usize = results.iter().filter(|r| r.kind.starts_with("chủ đề")).map(|r| r.n).sum();
    let right: f64 = results.iter().filter(|r| r.kind.starts_with("chủ đề")).map(|r| r.accuracy * r.n as f64).sum();
    let _ = writeln!(out, "  every topic area held out in turn: {:.3} of {n}", right / n.max(1) as f64);
    out
}
