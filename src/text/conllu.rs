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
    parse_conllu(path, &text)
}

/// Parses CoNLL-U text read from `path` (named in errors).
pub fn parse_conllu(path: &Path, text: &str) -> Result<Vec<GoldSentence>> {
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
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// A segmenter measured on gold sentences: the scores, the most frequent wrong words, the speed.
pub struct Measured {
    /// Whether the text had its diacritics removed.
    pub folded: bool,
    /// Sentences measured.
    pub sentences: usize,
    /// Syllables in them.
    pub syllables: usize,
    /// Word-span scores.
    pub score: SpanScore,
    /// The most frequent wrongly predicted words and their counts, most frequent first.
    pub errors: Vec<(String, usize)>,
    /// Syllables segmented a second on one thread.
    pub rate: f64,
}

/// Segments `gold` (with diacritics removed when `fold`) with `seg`, scores it, keeps the
/// `show_errors` most frequent wrong words, and times it (at least a second, one thread).
pub fn measure(seg: &dyn super::Segmenter, gold: &[GoldSentence], fold: bool, show_errors: usize) -> Measured {
    use super::perceptron::Prepared;
    let syllables: usize = gold.iter().map(|g| g.syllables.len()).sum();
    let prepared: Vec<Prepared> = gold.iter().map(|g| Prepared::new(g, fold)).collect();
    let mut score = SpanScore::default();
    let mut starts = Vec::new();
    let mut errors: std::collections::HashMap<String, usize> = Default::default();
    for (p, g) in prepared.iter().zip(gold) {
        p.with(|s| seg.segment(s, &mut starts));
        score.add(&starts, &g.starts);
        if show_errors > 0 {
            let gs = spans(&g.starts);
            for (a, b) in spans(&starts) {
                if !gs.contains(&(a, b)) {
                    *errors.entry(format!("predicted '{}'", g.syllables[a..b].join("_"))).or_default() += 1;
                }
            }
        }
    }
    let mut errors: Vec<(String, usize)> = errors.into_iter().collect();
    errors.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    errors.truncate(show_errors);
    let t = std::time::Instant::now();
    let mut rounds = 0usize;
    while rounds == 0 || t.elapsed().as_secs_f64() < 1.0 {
        for p in &prepared {
            p.with(|s| seg.segment(s, &mut starts));
        }
        rounds += 1;
    }
    let rate = (rounds * syllables) as f64 / t.elapsed().as_secs_f64();
    Measured { folded: fold, sentences: gold.len(), syllables, score, errors, rate }
}

impl Measured {
    /// The measurement as `ykien eval-segmenter` prints it (`load`: the model's load time).
    pub fn render(&self, file: &Path, load: std::time::Duration) -> String {
        let mut out = String::new();
        for (e, n) in &self.errors {
            out.push_str(&format!("{n:>4}  {e}\n"));
        }
        out.push_str(&format!(
            "{}{}: {} sentences, {} syllables, {} gold words\n  precision {:.2}  recall {:.2}  F1 {:.2}\n  {:.0} syllables/s on one thread (segmentation of prepared syllables); model load {:.0} ms\n",
            file.display(),
            if self.folded { " (diacritics removed)" } else { "" },
            self.sentences,
            self.syllables,
            self.score.gold,
            self.score.precision() * 100.0,
            self.score.recall() * 100.0,
            self.score.f1() * 100.0,
            self.rate,
            load.as_secs_f64() * 1000.0
        ));
        out
    }
}
