//! Last year's answers: every answered submission stays in the data directory's archive
//! (table `archive`, by tracking code and body, with its run: the code's year), and a new
//! submission like an answered one is told "đã được trả lời" with the earlier answer.
//!
//! Two texts are alike when the cosine of their [`content_keys`] (folded syllable pairs and
//! content words, so diacritics, case and segmentation do not count), each key weighted
//! by its inverse document frequency over the archive, reaches [`TWIN_MIN`]. Candidates
//! come from an inverted index of the keys, so a new text is compared only with archived
//! texts that share a key with it.

use std::sync::Arc;

use rayon::prelude::*;
use rusqlite::params;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::db::Db;
use crate::error::Result;
use crate::search::similar::content_keys;
use crate::text::Analyzer;

/// The weighted cosine from which an archived submission counts as a new one's twin:
/// chosen on `corpus/twins.csv` (`ykien eval --twins`; benches/RESULTS.md).
pub const TWIN_MIN: f32 = 0.4;

/// The database's table for this module (migration 9): the archive, filled from the
/// answers already given, and the twin found for each submission.
pub(super) const MIGRATION: &str = r#"
CREATE TABLE archive (
    code TEXT NOT NULL,
    department TEXT NOT NULL,
    run TEXT NOT NULL,
    text TEXT NOT NULL,
    locality TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL,
    officer TEXT NOT NULL DEFAULT '',
    answered_at TEXT NOT NULL,
    PRIMARY KEY (code, department)
);
INSERT INTO archive (code, department, run, text, locality, answer, officer, answered_at)
    SELECT CASE s.code WHEN '' THEN s.id ELSE s.code END, a.department,
           CASE WHEN s.code LIKE 'YK-____-%' THEN substr(s.code, 4, 4) ELSE '' END,
           s.text, s.locality, a.answer, a.officer, a.at
    FROM answers a JOIN submissions s ON s.id = a.submission_id
    WHERE a.seq = (SELECT max(b.seq) FROM answers b WHERE b.submission_id = a.submission_id AND b.department = a.department);
ALTER TABLE submissions ADD COLUMN answered_before TEXT NOT NULL DEFAULT '';
"#;

/// An answer given before to a submission like this one.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct EarlierAnswer {
    /// The earlier submission's tracking code.
    pub code: String,
    /// Its run (the year of its code).
    pub run: String,
    /// The body that answered.
    pub department: String,
    /// The answer.
    pub answer: String,
    /// When it was answered (UTC, "YYYY-MM-DDTHH:MM:SSZ").
    pub answered_at: String,
    /// The earlier submission's text.
    pub text: String,
    /// How alike the two texts are (weighted cosine, 0 to 1).
    pub similarity: f32,
}

/// One archived answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Archived {
    /// Tracking code of the submission answered.
    pub code: String,
    /// The body that answered.
    pub department: String,
    /// The run it belongs to.
    pub run: String,
    /// The submission's text.
    pub text: String,
    /// The answer.
    pub answer: String,
    /// When it was answered.
    pub answered_at: String,
}

impl Db {
    /// Keeps `department`'s current answer to submission `id` in the archive (called with
    /// every answer recorded, inside its transaction).
    pub(super) fn archive_answer(
        conn: &rusqlite::Connection,
        id: &str,
        department: &str,
        answer: &str,
        officer: &str,
        at: &str,
    ) -> rusqlite::Result<()> {
        conn.execute(
            "INSERT INTO archive (code, department, run, text, locality, answer, officer, answered_at)
             SELECT CASE code WHEN '' THEN id ELSE code END, ?2,
                    CASE WHEN code LIKE 'YK-____-%' THEN substr(code, 4, 4) ELSE '' END, text, locality, ?3, ?4, ?5
             FROM submissions WHERE id = ?1
             ON CONFLICT (code, department) DO UPDATE SET answer = excluded.answer, officer = excluded.officer,
                 answered_at = excluded.answered_at, text = excluded.text",
            params![id, department, answer, officer, at],
        )
        .map(|_| ())
    }

    /// Every archived answer, by code and body.
    pub fn archived(&self) -> Result<Vec<Archived>> {
        let mut st = self
            .conn()
            .prepare("SELECT code, department, run, text, answer, answered_at FROM archive ORDER BY code, department")
            .map_err(|e| self.error(e))?;
        let rows = st
            .query_map([], |r| {
                Ok(Archived {
                    code: r.get(0)?,
                    department: r.get(1)?,
                    run: r.get(2)?,
                    text: r.get(3)?,
                    answer: r.get(4)?,
                    answered_at: r.get(5)?,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.error(e))
    }

    /// The earlier answer found for submission `id`, as stored by the last analysis.
    pub fn answered_before(&self, id: &str) -> Result<Option<EarlierAnswer>> {
        let s: Option<String> = rusqlite::OptionalExtension::optional(self.conn().query_row(
            "SELECT answered_before FROM submissions WHERE id = ?1",
            [id],
            |r| r.get(0),
        ))
        .map_err(|e| self.error(e))?;
        Ok(s.filter(|s| !s.is_empty()).and_then(|s| serde_json::from_str(&s).ok()))
    }
}

/// The archive made searchable: each answered text's keys, their weights, and which texts
/// hold each key.
pub struct Twins {
    entries: Vec<Archived>,
    norms: Vec<f32>,
    idf: FxHashMap<u64, f32>,
    postings: FxHashMap<u64, Vec<u32>>,
}

impl Twins {
    /// Indexes `entries` (answers to the same submission by two bodies are two entries).
    pub fn new(analyzer: &Analyzer, entries: Vec<Archived>) -> Twins {
        let keys: Vec<Vec<u64>> =
            entries.par_iter().map(|e| content_keys(analyzer, &e.text).into_iter().collect()).collect();
        let mut postings: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
        for (i, ks) in keys.iter().enumerate() {
            for &k in ks {
                postings.entry(k).or_default().push(i as u32);
            }
        }
        // Document frequency over distinct texts, so a text answered by two bodies counts once.
        let n = entries.iter().map(|e| &e.code).collect::<rustc_hash::FxHashSet<_>>().len().max(1) as f32;
        let idf: FxHashMap<u64, f32> = postings
            .iter()
            .map(|(&k, list)| {
                let df = list.iter().map(|&i| &entries[i as usize].code).collect::<rustc_hash::FxHashSet<_>>().len();
                (k, (1.0 + n / df as f32).ln())
            })
            .collect();
        let unseen = (1.0 + n).ln();
        let norms = keys
            .iter()
            .map(|ks| ks.iter().map(|k| idf.get(k).copied().unwrap_or(unseen).powi(2)).sum::<f32>().sqrt())
            .collect();
        Twins { entries, norms, idf, postings }
    }

    /// How many answers are archived.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is archived.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The archived answer most like `text` at [`TWIN_MIN`] or more, leaving out those
    /// to submission `code` itself.
    pub fn find(&self, analyzer: &Analyzer, text: &str, code: &str) -> Option<EarlierAnswer> {
        self.best(analyzer, text, code).filter(|(_, s)| *s >= TWIN_MIN).map(|(i, s)| self.earlier(i, s))
    }

    /// The most alike archived answer and its similarity, whatever it is.
    pub fn best(&self, analyzer: &Analyzer, text: &str, code: &str) -> Option<(usize, f32)> {
        let mine = content_keys(analyzer, text);
        let unseen = (1.0 + self.entries.len() as f32).ln();
        let w = |k: &u64| self.idf.get(k).copied().unwrap_or(unseen);
        let norm = mine.iter().map(|k| w(k).powi(2)).sum::<f32>().sqrt();
        if norm == 0.0 {
            return None;
        }
        let mut shared: FxHashMap<u32, f32> = FxHashMap::default();
        for k in &mine {
            if let Some(list) = self.postings.get(k) {
                let wk = w(k).powi(2);
                for &i in list {
                    *shared.entry(i).or_default() += wk;
                }
            }
        }
        shared
            .into_iter()
            .filter(|(i, _)| self.entries[*i as usize].code != code)
            .map(|(i, dot)| (i as usize, dot / (norm * self.norms[i as usize])))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
    }

    /// The archived entry `i`.
    pub fn entry(&self, i: usize) -> &Archived {
        &self.entries[i]
    }

    fn earlier(&self, i: usize, similarity: f32) -> EarlierAnswer {
        let e = &self.entries[i];
        EarlierAnswer {
            code: e.code.clone(),
            run: e.run.clone(),
            department: e.department.clone(),
            answer: e.answer.clone(),
            answered_at: e.answered_at.clone(),
            text: e.text.clone(),
            similarity: (similarity * 1000.0).round() / 1000.0,
        }
    }

    /// For each of `texts` (with its tracking code), its earlier answer, in parallel.
    pub fn find_all(&self, analyzer: &Analyzer, texts: &[(&str, &str)]) -> Vec<Option<Arc<EarlierAnswer>>> {
        if self.is_empty() {
            return vec![None; texts.len()];
        }
        texts.par_iter().map(|(t, code)| self.find(analyzer, t, code).map(Arc::new)).collect()
    }
}
