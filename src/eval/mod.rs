//! Measuring quality: clustering against gold topics (NMI, ARI, purity) and
//! classification against gold labels (accuracy, macro-F1, per-class precision and recall
//! from linfa's confusion matrix, and the confusion table).

use std::collections::BTreeMap;

use linfa::prelude::ToConfusionMatrix;
use ndarray::Array1;
use serde::Serialize;

mod corpus;
mod kinds;
pub mod places;
pub mod twins;
pub use corpus::{corpus_report, label_checks, reliability, reliability_figures};
pub use kinds::{kinds_of, render_by_kind, routing_by_kind, KindResult, LONG_LETTER};

/// Joint counts and the two marginal counts of a pair of labelings.
type Contingency<A, B> = (BTreeMap<(A, B), f64>, BTreeMap<A, f64>, BTreeMap<B, f64>);

fn contingency<A: Ord + Clone, B: Ord + Clone>(a: &[A], b: &[B]) -> Contingency<A, B> {
    let mut nij = BTreeMap::new();
    let mut ai = BTreeMap::new();
    let mut bj = BTreeMap::new();
    for (x, y) in a.iter().zip(b) {
        *nij.entry((x.clone(), y.clone())).or_insert(0.0) += 1.0;
        *ai.entry(x.clone()).or_insert(0.0) += 1.0;
        *bj.entry(y.clone()).or_insert(0.0) += 1.0;
    }
    (nij, ai, bj)
}

/// Normalised mutual information (arithmetic mean of entropies, as scikit-learn's default).
pub fn nmi<A: Ord + Clone, B: Ord + Clone>(pred: &[A], gold: &[B]) -> f64 {
    let n = pred.len() as f64;
    if n == 0.0 {
        return 0.0;
    }
    let (nij, ai, bj) = contingency(pred, gold);
    let h = |m: &dyn Fn() -> Vec<f64>| {
        -m().iter()
            .map(|&c| {
                let p = c / n;
                if p > 0.0 {
                    p * p.ln()
                } else {
                    0.0
                }
            })
            .sum::<f64>()
    };
    let ha = h(&|| ai.values().copied().collect());
    let hb = h(&|| bj.values().copied().collect());
    let mi: f64 = nij.iter().map(|((x, y), &c)| (c / n) * ((c * n) / (ai[x] * bj[y])).ln()).sum();
    if ha == 0.0 && hb == 0.0 {
        return 1.0;
    }
    let denom = (ha + hb) / 2.0;
    if denom <= 0.0 {
        0.0
    } else {
        (mi / denom).clamp(0.0, 1.0)
    }
}

/// Adjusted Rand index.
pub fn ari<A: Ord + Clone, B: Ord + Clone>(pred: &[A], gold: &[B]) -> f64 {
    let n = pred.len() as f64;
    let comb = |x: f64| x * (x - 1.0) / 2.0;
    let (nij, ai, bj) = contingency(pred, gold);
    let sum_ij: f64 = nij.values().map(|&c| comb(c)).sum();
    let sum_a: f64 = ai.values().map(|&c| comb(c)).sum();
    let sum_b: f64 = bj.values().map(|&c| comb(c)).sum();
    let expected = sum_a * sum_b / comb(n).max(1.0);
    let max = (sum_a + sum_b) / 2.0;
    if (max - expected).abs() < 1e-12 {
        1.0
    } else {
        (sum_ij - expected) / (max - expected)
    }
}

/// Purity: share of items in their cluster's majority gold class.
pub fn purity<A: Ord + Clone, B: Ord + Clone>(pred: &[A], gold: &[B]) -> f64 {
    let (nij, _, _) = contingency(pred, gold);
    let mut best: BTreeMap<A, f64> = BTreeMap::new();
    for ((x, _), &c) in &nij {
        let e = best.entry(x.clone()).or_insert(0.0);
        *e = e.max(c);
    }
    best.values().sum::<f64>() / pred.len().max(1) as f64
}

/// Per-class precision, recall, F1 and support.
#[derive(Debug, Clone, Serialize)]
pub struct ClassScore {
    /// Class name.
    pub class: String,
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Gold items of this class.
    pub support: usize,
}

/// A classification evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct ClassificationReport {
    /// Share predicted right.
    pub accuracy: f64,
    /// Mean of per-class F1 over classes present in gold or predictions.
    pub macro_f1: f64,
    /// Per-class scores.
    pub classes: Vec<ClassScore>,
    /// Class names in table order.
    pub labels: Vec<String>,
    /// confusion[gold][predicted] counts.
    pub confusion: Vec<Vec<usize>>,
}

impl ClassificationReport {
    /// Compares predictions with gold labels (same length).
    pub fn new(pred: &[String], gold: &[String]) -> Self {
        let mut labels: Vec<String> = pred.iter().chain(gold).cloned().collect();
        labels.sort();
        labels.dedup();
        let mut confusion = vec![vec![0usize; labels.len()]; labels.len()];
        let idx = |s: &String| labels.binary_search(s).unwrap_or(0);
        for (p, g) in pred.iter().zip(gold) {
            confusion[idx(g)][idx(p)] += 1;
        }
        let support = |c: usize| confusion[c].iter().sum::<usize>();
        // Accuracy from linfa's confusion matrix. Per-class precision and recall are read
        // from our own table: linfa 0.8's one-vs-all split returns them transposed
        // (its binary precision() divides by the gold count).
        let accuracy = if pred.is_empty() {
            0.0
        } else {
            Array1::from(pred.to_vec())
                .confusion_matrix(Array1::from(gold.to_vec()))
                .map(|cm| cm.accuracy() as f64)
                .unwrap_or(0.0)
        };
        let pr: Vec<(f64, f64)> = (0..labels.len())
            .map(|c| {
                let tp = confusion[c][c] as f64;
                let predicted: usize = confusion.iter().map(|r| r[c]).sum();
                (
                    if predicted > 0 { tp / predicted as f64 } else { 0.0 },
                    if support(c) > 0 { tp / support(c) as f64 } else { 0.0 },
                )
            })
            .collect();
        let classes: Vec<ClassScore> = labels
            .iter()
            .zip(pr)
            .enumerate()
            .map(|(c, (l, (p, r)))| ClassScore {
                class: l.clone(),
                precision: p,
                recall: r,
                f1: if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 },
                support: support(c),
            })
            .collect();
        let macro_f1 = classes.iter().map(|c| c.f1).sum::<f64>() / classes.len().max(1) as f64;
        ClassificationReport { accuracy, macro_f1, classes, labels, confusion }
    }

    /// The report as a readable table.
    pub fn render(&self) -> String {
        let mut s = format!(
            "accuracy {:.3}   macro-F1 {:.3}\n\n{:<16} {:>9} {:>7} {:>6} {:>8}\n",
            self.accuracy, self.macro_f1, "class", "precision", "recall", "F1", "support"
        );
        for c in &self.classes {
            s += &format!("{:<16} {:>9.3} {:>7.3} {:>6.3} {:>8}\n", c.class, c.precision, c.recall, c.f1, c.support);
        }
        s += "\nconfusion (rows: gold, columns: predicted)\n";
        s += &format!("{:<16}", "");
        for i in 0..self.labels.len() {
            s += &format!("{:>4}", i);
        }
        s += "\n";
        for (i, row) in self.confusion.iter().enumerate() {
            s += &format!("{:>2} {:<13}", i, crate::output::truncate(&self.labels[i], 13));
            for v in row {
                s += &format!("{:>4}", if *v == 0 { ".".to_string() } else { v.to_string() });
            }
            s += "\n";
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clustering_scores_on_known_cases() {
        let gold = [0, 0, 0, 1, 1, 1];
        assert!((nmi(&[5, 5, 5, 9, 9, 9], &gold) - 1.0).abs() < 1e-9);
        assert!((ari(&[5, 5, 5, 9, 9, 9], &gold) - 1.0).abs() < 1e-9);
        // scikit-learn: adjusted_rand_score([0,0,1,1,2,2],[0,0,0,1,1,1]) = 0.2424..., NMI = 0.5158...
        assert!((ari(&[0, 0, 1, 1, 2, 2], &gold) - 0.242424).abs() < 1e-5);
        assert!((nmi(&[0, 0, 1, 1, 2, 2], &gold) - 0.515803).abs() < 1e-5);
        assert!((purity(&[0, 0, 1, 1, 2, 2], &gold) - 5.0 / 6.0).abs() < 1e-9);
    }

    #[test]
    fn classification_report_matches_hand_counts() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let gold = s(&["a", "a", "b", "b", "c", "c"]);
        let pred = s(&["a", "b", "b", "b", "c", "a"]);
        let r = ClassificationReport::new(&pred, &gold);
        assert!((r.accuracy - 4.0 / 6.0).abs() < 1e-6);
        let a = &r.classes[0];
        assert!((a.precision - 0.5).abs() < 1e-6 && (a.recall - 0.5).abs() < 1e-6);
        let b = &r.classes[1];
        assert!((b.precision - 2.0 / 3.0).abs() < 1e-6 && (b.recall - 1.0).abs() < 1e-6);
        assert_eq!(r.confusion[2], vec![1, 0, 1]);
    }
}
