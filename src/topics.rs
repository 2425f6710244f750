//! Topic areas: the taxonomy in models/topics.toml, and scoring a submission against it.
//!
//! A submission's topic probabilities combine a classifier learned from the taxonomy's
//! labelled data with its keyword rules: logit = ln P(topic) + rule_weight · hits.

use std::path::Path;

use serde::Deserialize;

use crate::classify::{softmax, Labelled, LinearClassifier, SoftmaxParams, TrainingSpec};
use crate::error::{Error, Result};
use crate::keywords::Keywords;
use crate::text::{Analysis, Analyzer};
use crate::traits::Fit;

#[derive(Deserialize)]
struct TaxonomyFile {
    name: String,
    fallback: String,
    rule_weight: f32,
    training: Option<TrainingSpec>,
    topic: Vec<TopicDef>,
}

/// One topic area.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct TopicDef {
    /// Short code ("vay-von"), shared by every submission given it.
    pub code: std::sync::Arc<str>,
    /// Vietnamese name.
    pub name: String,
    /// What it covers.
    pub description: String,
    /// Phrases that signal it.
    #[serde(default, skip_serializing)]
    pub keywords: Vec<String>,
}

/// The topic taxonomy with its rules and learned classifier.
#[derive(Debug, Clone)]
pub struct TopicModel {
    /// Taxonomy name.
    pub name: String,
    /// The topics, in file order.
    pub topics: Vec<TopicDef>,
    /// Index of the catch-all topic.
    pub fallback: usize,
    rule_weight: f32,
    keywords: Keywords,
    /// The learned classifier with the topic of each of its classes (matched once).
    classifier: Option<(LinearClassifier, Vec<Option<usize>>)>,
}

/// A submission's topic scores.
#[derive(Debug, Clone)]
pub struct TopicScores {
    /// Probability of each topic, in taxonomy order.
    pub probs: Vec<f32>,
}

impl TopicScores {
    /// The best topic and its probability.
    pub fn best(&self) -> (usize, f32) {
        self.probs.iter().enumerate().fold((0, f32::NEG_INFINITY), |b, (i, &p)| if p > b.1 { (i, p) } else { b })
    }
}

/// The (code, name) of every topic in a taxonomy file, without training anything.
pub fn topic_names(path: &Path) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let f: TaxonomyFile = toml::from_str(&text).map_err(|e| Error::model(path, e.to_string()))?;
    Ok(f.topic.into_iter().map(|t| (t.code.to_string(), t.name)).collect())
}

impl TopicModel {
    /// Loads the taxonomy and trains its classifier on the labelled data it names.
    pub fn load(path: &Path, analyzer: &Analyzer) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let f: TaxonomyFile = toml::from_str(&text).map_err(|e| Error::model(path, e.to_string()))?;
        let fallback = f
            .topic
            .iter()
            .position(|t| *t.code == *f.fallback)
            .ok_or_else(|| Error::model(path, format!("fallback topic '{}' is not defined", f.fallback)))?;
        let keywords = Keywords::new(
            analyzer,
            f.topic.iter().enumerate().flat_map(|(i, t)| t.keywords.iter().map(move |k| (i, k.as_str()))),
        );
        let mut m = TopicModel {
            name: f.name,
            topics: f.topic,
            fallback,
            rule_weight: f.rule_weight,
            keywords,
            classifier: None,
        };
        if let Some(spec) = f.training {
            let base = path.parent().unwrap_or(Path::new("."));
            let rows = spec.load(base)?;
            let docs: Vec<Vec<u64>> = rows.iter().map(|r| features(analyzer, &r.text)).collect();
            let mut labels = Vec::with_capacity(rows.len());
            for r in &rows {
                let l = r.field(&spec.label_column).unwrap_or_default();
                if m.index(l).is_none() {
                    return Err(Error::model(
                        &base.join(&spec.file),
                        format!("record {}: topic '{l}' is not in {}", r.id, path.display()),
                    ));
                }
                labels.push(l.to_string());
            }
            let c = SoftmaxParams::default().fit(&Labelled { docs: &docs, labels: &labels })?;
            let class_topic = c.classes.iter().map(|name| m.index(name)).collect();
            m.classifier = Some((c, class_topic));
        }
        Ok(m)
    }

    /// The same taxonomy with its classifier learned from `docs` (feature keys) and their
    /// topic codes instead: what cross-validation holds out from.
    pub fn refit(&self, docs: &[Vec<u64>], labels: &[String]) -> Result<TopicModel> {
        let c = SoftmaxParams::default().fit(&Labelled { docs, labels })?;
        let class_topic = c.classes.iter().map(|name| self.index(name)).collect();
        Ok(TopicModel {
            name: self.name.clone(),
            topics: self.topics.clone(),
            fallback: self.fallback,
            rule_weight: self.rule_weight,
            keywords: self.keywords.clone(),
            classifier: Some((c, class_topic)),
        })
    }

    /// Index of a topic code.
    pub fn index(&self, code: &str) -> Option<usize> {
        self.topics.iter().position(|t| &*t.code == code)
    }

    /// Scores one analysed submission (`keys` are its feature keys).
    pub fn score(&self, a: &Analysis, keys: &[u64]) -> TopicScores {
        let n = self.topics.len();
        let mut logits = vec![0.0f32; n];
        match &self.classifier {
            Some((c, class_topic)) => {
                let p = c.predict_proba(keys);
                for (&pc, t) in p.iter().zip(class_topic) {
                    if let Some(t) = *t {
                        logits[t] = (pc + 1e-4).ln();
                    }
                }
            }
            None => logits[self.fallback] = 0.5,
        }
        for p in self.keywords.find(a) {
            logits[p.label] += self.rule_weight;
        }
        softmax(&mut logits);
        TopicScores { probs: logits }
    }
}

/// The feature keys of a text (what clustering and the topic classifier read).
pub fn features(analyzer: &Analyzer, text: &str) -> Vec<u64> {
    let mut v = Vec::new();
    Analyzer::feature_keys(&analyzer.analyze(text), &mut v);
    v
}

/// The classifier keys of a text (what the routing classifier reads).
pub fn classifier_features(analyzer: &Analyzer, text: &str) -> Vec<u64> {
    classifier_features_with(analyzer, text, false)
}

/// [`classifier_features`], plus exact-form syllables when `exact` is set (for a model
/// trained with them: [`crate::classify::LinearClassifier::exact_forms`]).
pub fn classifier_features_with(analyzer: &Analyzer, text: &str, exact: bool) -> Vec<u64> {
    let a = analyzer.analyze(text);
    let mut v = Vec::new();
    Analyzer::classifier_keys(&a, &mut v);
    if exact {
        Analyzer::exact_syllable_keys(&a, &mut v);
    }
    v
}
