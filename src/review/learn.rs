//! Learning from reviewed decisions: the router relearns from the profile's training data
//! plus every decision, pending suggestions are refreshed, and the gain is measured.

use rayon::prelude::*;

use super::db::{Db, Resuggestion};
use crate::error::Result;
use crate::input::Submission;
use crate::pipeline::{route_one, Models};
use crate::routing::{Profile, Router};

/// Replaces the models' router with one that has also learned from `decisions`
/// (id, text, department). Returns how many decisions it learned from.
pub fn learn(models: &mut Models, decisions: &[(String, String, String)]) -> Result<usize> {
    let profile = Profile::load(&models.dir, &models.router.profile.name)?;
    let examples: Vec<(&str, &str)> = decisions.iter().map(|(_, t, d)| (t.as_str(), d.as_str())).collect();
    models.router = Router::with_examples(profile, &models.analyzer, &models.topics, &examples)?;
    Ok(examples.len())
}

fn submission(id: &str, text: &str) -> Submission {
    Submission {
        id: id.to_string(),
        id_given: true,
        text: text.to_string(),
        locality: None,
        submitted_at: None,
        group: None,
        extra: Default::default(),
    }
}

/// Learns from the database's decisions and refreshes every pending suggestion.
/// Returns (decisions learned from, pending suggestions changed).
pub fn retrain(models: &mut Models, db: &mut Db) -> Result<(usize, super::db::Resuggested)> {
    let decisions = db.decisions()?;
    let n = learn(models, &decisions)?;
    let pending = db.pending()?;
    let m: &Models = models;
    let rows: Vec<_> = pending
        .par_iter()
        .map(|(id, text)| {
            let r = route_one(m, &submission(id, text));
            let s = std::sync::Arc::unwrap_or_clone(r.suggestion);
            Resuggestion {
                id: id.clone(),
                suggested: s.department.to_string(),
                confidence: s.confidence as f64,
                runner_up: s.runner_up.to_string(),
                runner_up_confidence: s.runner_up_confidence as f64,
                also: s.also.as_deref().unwrap_or_default().to_string(),
                reasons: s.reasons.iter().map(|r| r.to_string()).collect(),
            }
        })
        .collect();
    let changed = db.resuggest(&rows)?;
    Ok((n, changed))
}

/// Routing accuracy on reviewed decisions before and after learning from them, by k-fold
/// cross-validation: each fold is held out while the router learns from the others.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LearningGain {
    /// Decisions measured.
    pub n: usize,
    /// Accuracy of the router that never saw any decision.
    pub before: f64,
    /// Accuracy of routers that learned from the other folds' decisions.
    pub after: f64,
}

/// Measures [`LearningGain`] with `folds` folds, three times over different assignments of
/// decisions to folds (by a hash of their id), averaged.
pub fn cross_validate(models: &Models, decisions: &[(String, String, String)], folds: usize) -> Result<LearningGain> {
    const REPEATS: u64 = 3;
    let folds = folds.max(2);
    let correct = |m: &Models, items: &[&(String, String, String)]| -> usize {
        items
            .par_iter()
            .filter(|(id, text, gold)| {
                let got = route_one(m, &submission(id, text)).suggestion.department.clone();
                m.router.profile.map_code(gold, None) == Some(&*got)
            })
            .count()
    };
    let all: Vec<&(String, String, String)> = decisions.iter().collect();
    let before = correct(models, &all);
    let mut after = 0;
    for rep in 0..REPEATS {
        let fold_of = |id: &str| {
            (crate::search::stable_hash([rep.to_le_bytes().as_slice(), id.as_bytes()]) % folds as u64) as usize
        };
        for f in 0..folds {
            let (held, learn_from): (Vec<_>, Vec<_>) = decisions.iter().partition(|d| fold_of(&d.0) == f);
            if held.is_empty() {
                continue;
            }
            let examples: Vec<(&str, &str)> = learn_from.iter().map(|(_, t, d)| (t.as_str(), d.as_str())).collect();
            let router = Router::with_examples(
                Profile::load(&models.dir, &models.router.profile.name)?,
                &models.analyzer,
                &models.topics,
                &examples,
            )?;
            let m = Models {
                dir: models.dir.clone(),
                analyzer: models.analyzer.clone(),
                topics: models.topics.clone(),
                router,
                places: models.places.clone(),
                restorer_slot: models.restorer_slot.clone(),
            };
            after += correct(&m, &held);
        }
    }
    let n = decisions.len().max(1) as f64;
    Ok(LearningGain { n: decisions.len(), before: before as f64 / n, after: after as f64 / (n * REPEATS as f64) })
}
