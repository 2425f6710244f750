//! How well a new submission's earlier, answered twin is found ([`crate::review::archive`]):
//! a corpus is split into two "years" at a date, the first taken as answered, and labelled
//! texts (`corpus/twins.csv`) say which first-year submission each asks again, if any.

use std::path::Path;

use crate::error::{Error, Result};
use crate::input::Submission;
use crate::review::archive::{Archived, Twins, TWIN_MIN};
use crate::text::Analyzer;

/// One labelled text.
#[derive(Debug, Clone)]
pub struct TwinCase {
    /// The new text.
    pub text: String,
    /// The id of the earlier submission it asks again (`None`: none).
    pub earlier: Option<String>,
    /// Left out of the scores (a judgement call).
    pub unsure: bool,
    /// How it was made ("rewritten", "written", "corpus", "other").
    pub kind: String,
}

/// Precision and recall at one threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct TwinScore {
    /// The threshold.
    pub threshold: f32,
    /// Twins found that are the labelled one.
    pub right: usize,
    /// Twins found that are not (wrong one, or none labelled).
    pub wrong: usize,
    /// Labelled twins.
    pub labelled: usize,
}

impl TwinScore {
    /// Right over found.
    pub fn precision(&self) -> f64 {
        self.right as f64 / (self.right + self.wrong).max(1) as f64
    }
    /// Right over labelled.
    pub fn recall(&self) -> f64 {
        self.right as f64 / self.labelled.max(1) as f64
    }
}

/// Reads a twins file: columns `text`, `earlier` (an id, empty, or `?`), `kind`.
pub fn read_cases(path: &Path) -> Result<Vec<TwinCase>> {
    let mut r = csv::Reader::from_path(path).map_err(|e| Error::io(path, std::io::Error::other(e)))?;
    let headers = r.headers().map_err(|e| Error::io(path, std::io::Error::other(e)))?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::Param(format!("{}: no column '{name}'", path.display())))
    };
    let (t, e, k) = (col("text")?, col("earlier")?, col("kind")?);
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|err| Error::Param(format!("{}: record {}: {err}", path.display(), i + 1)))?;
        let earlier = rec.get(e).unwrap_or("").trim();
        out.push(TwinCase {
            text: rec.get(t).unwrap_or("").to_string(),
            earlier: (!earlier.is_empty() && earlier != "?").then(|| earlier.to_string()),
            unsure: earlier == "?",
            kind: rec.get(k).unwrap_or("").to_string(),
        });
    }
    Ok(out)
}

/// The first-year submissions (dated before `split`, as YYYY-MM-DD) as archived answers,
/// and the second-year ones as cases without a twin unless `cases` name them (by text).
pub fn split_years(subs: &[Submission], split: &str, cases: &[TwinCase]) -> (Vec<Archived>, Vec<TwinCase>) {
    let mut archive = Vec::new();
    let mut later = Vec::new();
    for s in subs {
        let date = s.submitted_at.as_deref().unwrap_or("");
        if date < split {
            archive.push(Archived {
                code: s.id.clone(),
                department: String::new(),
                run: "1".into(),
                text: s.text.clone(),
                answer: String::new(),
                answered_at: date.to_string(),
            });
        } else if !cases.iter().any(|c| c.text == s.text) {
            later.push(TwinCase { text: s.text.clone(), earlier: None, unsure: false, kind: "other".into() });
        }
    }
    (archive, later)
}

/// Scores at each threshold, overall and for cases of `kind` (all kinds when `None`).
pub fn score(
    analyzer: &Analyzer,
    archive: Vec<Archived>,
    cases: &[TwinCase],
    thresholds: &[f32],
    kind: Option<&str>,
) -> Vec<TwinScore> {
    let twins = Twins::new(analyzer, archive);
    let best: Vec<Option<(String, f32)>> = cases
        .iter()
        .map(|c| twins.best(analyzer, &c.text, "").map(|(i, s)| (twins.entry(i).code.clone(), s)))
        .collect();
    thresholds
        .iter()
        .map(|&t| {
            let mut sc = TwinScore { threshold: t, right: 0, wrong: 0, labelled: 0 };
            for (c, b) in cases.iter().zip(&best) {
                if c.unsure || kind.is_some_and(|k| k != c.kind) {
                    continue;
                }
                sc.labelled += c.earlier.is_some() as usize;
                if let Some((id, s)) = b {
                    if *s >= t {
                        if c.earlier.as_deref() == Some(id.as_str()) {
                            sc.right += 1;
                        } else {
                            sc.wrong += 1;
                        }
                    }
                }
            }
            sc
        })
        .collect()
}

/// The thresholds reported.
pub const THRESHOLDS: [f32; 10] = [0.3, 0.33, 0.35, 0.37, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7];

/// A table of [`score`]s, the product's threshold marked.
pub fn render(rows: &[(String, Vec<TwinScore>)]) -> String {
    let mut s = String::from("earlier twins found (threshold: precision / recall, right of found, labelled)\n");
    for (name, scores) in rows {
        s.push_str(&format!("{name}\n"));
        for sc in scores {
            let mark = if (sc.threshold - TWIN_MIN).abs() < 1e-6 { " ← ykien" } else { "" };
            s.push_str(&format!(
                "  {:.2}: {:.3} / {:.3} ({} of {}, {} labelled){mark}\n",
                sc.threshold,
                sc.precision(),
                sc.recall(),
                sc.right,
                sc.right + sc.wrong,
                sc.labelled
            ));
        }
    }
    s
}
