//! Gold word segmentation from CoNLL-U files (UD Vietnamese VTB): a word is one FORM,
//! its syllables separated by spaces ("thanh niên"). Multi-word token lines are skipped.

use std::path::Path;

use crate::error::{Error, Location, Result};

/// A gold sentence: its syllables as written and where each word starts.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldSentence {
    /// Syllables as written (case kept).
    pub syllables: Vec<String>,
    /// For each syllable, whether a word starts there.
    pub starts: Vec<bool>,
}

impl GoldSentence {
    /// Word spans as (first syllable, end syllable) pairs.
    pub fn spans(&self) -> Vec<(usize, usize)> {
        spans(&self.starts)
    }
}

/// Word spans from word-start flags.
pub fn spans(starts: &[bool]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut a = 0;
    for i in 1..=starts.len() {
        if i == starts.len() || starts[i] {
            if i > a {
                out.push((a, i));
            }
            a = i;
        }
    }
    out
}

/// Reads every sentence of a CoNLL-U file.
pub fn read_conllu(path: &Path) -> Result<Vec<GoldSentence>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    let mut cur = GoldSentence { syllables: Vec::new(), starts: Vec::new() };
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            if !cur.syllables.is_empty() {
                out.push(std::mem::replace(&mut cur, GoldSentence { syllables: Vec::new(), starts: Vec::new() }));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let mut cols = line.split('\t');
        let (Some(id), Some(form)) = (cols.next(), cols.next()) else {
            return Err(Error::input(path, Location::Line(n as u64 + 1), "expected tab-separated CoNLL-U columns"));
        };
        if id.contains('-') || id.contains('.') {
            continue;
        }
        for (k, syl) in form.split(' ').filter(|s| !s.is_empty()).enumerate() {
            cur.syllables.push(syl.to_string());
            cur.starts.push(k == 0);
        }
    }
    if !cur.syllables.is_empty() {
        out.push(cur);
    }
    if out.is_empty() {
        return Err(Error::input(path, Location::File, "no sentences found"));
    }
    Ok(out)
}

/// Word-span precision, recall and F1 (a word is right when both boundaries are).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct SpanScore {
    /// Words predicted.
    pub predicted: usize,
    /// Words in the gold standard.
    pub gold: usize,
    /// Words with both boundaries right.
    pub correct: usize,
}

impl SpanScore {
    /// Adds one sentence's comparison.
    pub fn add(&mut self, pred: &[bool], gold: &[bool]) {
        let p = spans(pred);
        let g = spans(gold);
        let gs: std::collections::HashSet<_> = g.iter().collect();
        self.correct += p.iter().filter(|s| gs.contains(s)).count();
        self.predicted += p.len();
        self.gold += g.len();
    }
    /// Precision.
    pub fn precision(&self) -> f64 {
        self.correct as f64 / self.predicted.max(1) as f64
    }
    /// Recall.
    pub fn recall(&self) -> f64 {
        self.correct as f64 / self.gold.max(1) as f64
    }
    /// F1.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
}
