//! Stage 1: each submission's own analysis, a batch at a time: feature keys, shingles,
//! topic and department; a text already seen is copied, not analysed again.

use indicatif::ProgressBar;
use rayon::prelude::*;
use std::sync::Arc;

use super::{Models, RecordResult, Routed, BATCH};
use crate::input::Submission;
use crate::repeats::{text_hash, Repeats};
use crate::text::Analyzer;

/// Every submission of `subs` analysed, [`BATCH`] at a time (as if they were read so).
pub(super) fn analyse_all(models: &Models, subs: &[Submission], pb: &ProgressBar, want_shingles: bool) -> Analysed {
    let mut done = Analysed::default();
    done.reserve(subs.len());
    let mut memo = Repeats::with_capacity(subs.len());
    for start in (0..subs.len()).step_by(BATCH) {
        let new = analyse_batch(
            models,
            &mut memo,
            &subs[..start],
            &done,
            &subs[start..(start + BATCH).min(subs.len())],
            pb,
            want_shingles,
        );
        done.extend(new);
    }
    done
}

/// Every submission's own analysis so far, column by column (a batch at a time is added,
/// so the whole run never exists twice in memory).
#[derive(Default)]
pub(super) struct Analysed {
    /// Each submission's feature keys (empty for a copy).
    pub keys: Vec<Vec<u64>>,
    /// Each submission's near-duplicate shingles (empty for a copy).
    pub shingles: Vec<Vec<u32>>,
    /// Routing, with the cluster filled in at the end.
    pub records: Vec<RecordResult>,
    /// The earlier submission each one repeats word for word.
    pub copy_of: Vec<Option<u32>>,
}

impl Analysed {
    /// Room for `n` submissions, where it can be had (columns then grow as needed).
    pub(super) fn reserve(&mut self, n: usize) {
        let _ = (
            self.keys.try_reserve(n),
            self.shingles.try_reserve(n),
            self.records.try_reserve(n),
            self.copy_of.try_reserve(n),
        );
    }

    /// Appends a batch's results.
    pub(super) fn extend(&mut self, batch: Vec<PerDoc>) {
        for d in batch {
            self.keys.push(d.keys);
            self.shingles.push(d.shingles);
            self.records.push(RecordResult { cluster: None, routed: d.routed });
            self.copy_of.push(d.copy_of);
        }
    }
}

/// What one submission's own analysis gives the later stages.
pub(super) struct PerDoc {
    /// Empty for a copy: its original's stand for it.
    keys: Vec<u64>,
    /// Empty for a copy: its original's stand for it.
    shingles: Vec<u32>,
    routed: Routed,
    /// The earlier submission (index in the run) whose text this one repeats exactly.
    copy_of: Option<u32>,
}

/// Per submission of `batch`, in parallel: feature keys, near-duplicate shingles (when
/// asked), routing. `seen` and `done` are the submissions of earlier batches and their
/// results; a text equal to one already analysed (earlier or in this batch) is copied.
pub(super) fn analyse_batch(
    models: &Models,
    memo: &mut Repeats,
    seen: &[Submission],
    done: &Analysed,
    batch: &[Submission],
    pb: &ProgressBar,
    want_shingles: bool,
) -> Vec<PerDoc> {
    enum Src {
        Earlier(usize),
        Here(usize),
        New,
    }
    // Texts of earlier batches, looked up in parallel (the memo is only read here); then
    // repeats within the batch, in order.
    let hashes: Vec<u64> = batch.par_iter().map(|s| text_hash(&s.text)).collect();
    let earlier = memo.find_all(batch, &hashes, seen);
    let mut here: rustc_hash::FxHashMap<u64, usize> = rustc_hash::FxHashMap::default();
    let src: Vec<Src> = hashes
        .iter()
        .zip(earlier)
        .enumerate()
        .map(|(i, (&h, earlier))| match earlier {
            Some(g) => Src::Earlier(g as usize),
            None => match here.get(&h) {
                Some(&j) if batch[j].text == batch[i].text => Src::Here(j),
                Some(_) => Src::New, // a hash collision: analysed on its own
                None => {
                    here.insert(h, i);
                    Src::New
                }
            },
        })
        .collect();
    drop(hashes);
    // The new texts are analysed while the memo learns them (nothing analysed reads it).
    let offset = seen.len();
    let (fresh, ()) = rayon::join(
        || -> Vec<Option<PerDoc>> {
            batch
                .par_iter()
                .zip(&src)
                .map(|(s, src)| matches!(src, Src::New).then(|| analyse_one(models, s, want_shingles)))
                .collect()
        },
        || {
            for (h, i) in here {
                memo.insert(h, (offset + i) as u32);
            }
        },
    );
    // Then the copies, in parallel: each takes its original's routing (an original in this
    // batch was new, so it is its own original).
    let copy = |routed: &Routed, copy_of: u32| PerDoc {
        keys: Vec::new(),
        shingles: Vec::new(),
        routed: routed.clone(),
        copy_of: Some(copy_of),
    };
    let copies: Vec<Option<PerDoc>> = src
        .par_iter()
        .map(|src| match *src {
            Src::Earlier(g) => Some(copy(&done.records[g].routed, done.copy_of[g].unwrap_or(g as u32))),
            Src::Here(j) => fresh[j].as_ref().map(|d| copy(&d.routed, (offset + j) as u32)),
            Src::New => None,
        })
        .collect();
    // Progress moves a batch at a time: a bar's every step reads the clock and may lock it.
    pb.inc(batch.len() as u64);
    fresh.into_iter().zip(copies).map(|(f, c)| f.or(c).expect("every text is analysed or copied")).collect()
}

/// One submission's analysis: feature keys, shingles (when asked), topic and department.
fn analyse_one(models: &Models, s: &Submission, want_shingles: bool) -> PerDoc {
    /// Each thread's analysis and key buffers, reused from text to text (what is kept is copied out at its size).
    struct Buffers {
        analysis: crate::text::Analysis,
        keys: Vec<u64>,
        shingles: Vec<u32>,
    }
    thread_local! {
        static BUF: std::cell::RefCell<Buffers> = std::cell::RefCell::new(Buffers { analysis: Default::default(), keys: Vec::new(), shingles: Vec::new() });
    }
    BUF.with(|b| {
        let Buffers { analysis: a, keys, shingles: sh } = &mut *b.borrow_mut();
        models.analyzer.analyze_into(&s.text, a);
        keys.clear();
        Analyzer::feature_keys(a, keys);
        sh.clear();
        if want_shingles {
            crate::dedup::shingles(a, sh);
            // Kept as a sorted set: a million of them wait for near-duplicates.
            sh.sort_unstable();
            sh.dedup();
        }
        // A text typed without diacritics is routed with them restored (kept beside it);
        // it is clustered as typed: its folded keys already meet its accented twins, and a
        // restorer's mistake would only scatter it (benches/RESULTS.md).
        let routed = match models.restored(&s.text).map(Arc::<str>::from) {
            Some(text) => {
                keys.sort_unstable();
                route_text(models, &text, Some(text.clone()))
            }
            None => routed(models, &s.text, a, keys, None),
        };
        PerDoc { keys: keys.to_vec(), shingles: sh.to_vec(), routed, copy_of: None }
    })
}

/// Topic and department of `text` (the typed text, or `restored`), analysed here.
pub(super) fn route_text(models: &Models, text: &str, restored: Option<Arc<str>>) -> Routed {
    let a = models.analyzer.analyze(text);
    let mut keys = Vec::new();
    Analyzer::feature_keys(&a, &mut keys);
    routed(models, text, &a, &mut keys, restored)
}

/// Topic and department of `text` from its analysis and feature keys. Routing reads richer
/// features than clustering and topics do: they are appended to `keys` and removed again.
/// The feature keys are left in ascending order: every vectoriser then reads them without
/// sorting (columns follow key order), here and in TF-IDF later.
pub(super) fn routed(
    models: &Models,
    text: &str,
    a: &crate::text::Analysis,
    keys: &mut Vec<u64>,
    restored: Option<Arc<str>>,
) -> Routed {
    let (ts, mut suggestion) = scored(models, text, a, keys);
    split_questions(models, text, &mut suggestion);
    let (t, topic_score) = ts.best();
    Routed {
        topic: models.topics.topics[t].code.clone(),
        topic_score,
        suggestion: Arc::new(suggestion),
        typed_without_diacritics: a.folded || restored.is_some(),
        restored,
    }
}

/// The topic scores and the suggestion of `text` from its analysis and its feature keys
/// (sorted here; the routing extras are appended for the router and removed again).
fn scored(
    models: &Models,
    text: &str,
    a: &crate::text::Analysis,
    keys: &mut Vec<u64>,
) -> (crate::topics::TopicScores, crate::routing::Suggestion) {
    keys.sort_unstable();
    let n = keys.len();
    Analyzer::classifier_extras(a, keys);
    let ts = models.topics.score(a, &keys[..n]);
    let suggestion = models.router.suggest(text, a, &[&keys[..n], &keys[n..]], &ts, &models.topics);
    keys.truncate(n);
    (ts, suggestion)
}

/// Sentences of a text routed one by one at most: a longer letter is one matter.
const MAX_PARTS: usize = 8;

/// Characters of a part quoted in a reason at most.
const QUOTED_PART: usize = 140;

/// When `text` asks two bodies two things ([`crate::routing::parts`]: its sentences, cut
/// again before a connective of models/connectives.txt), the second body
/// becomes `also` and a reason quotes the part of the text that concerns each.
fn split_questions(models: &Models, text: &str, s: &mut crate::routing::Suggestion) {
    use crate::routing::parts::{clauses, sentences, two_questions, RoutedPart};
    // Sentences are routed one by one; a sentence is cut again at a connective only where
    // the profile's keywords point to two bodies (a connective joins nouns far more often
    // than questions: "toán và tiếng Anh").
    let mut spans =
        if s.bodies_hit >= 2 { clauses(text, |s| models.analyzer.connective_starts(s)) } else { sentences(text) };
    if spans.len() < 2 {
        return;
    }
    // Greetings and thanks (models/formulas.txt) ask nothing.
    spans.retain(|&(a, b)| !models.analyzer.is_formula(&text[a..b]));
    if spans.len() < 2 || spans.len() > MAX_PARTS {
        return;
    }
    let mut keys = Vec::new();
    let parts: Vec<RoutedPart> = spans
        .iter()
        .map(|&(a, b)| {
            let part = &text[a..b];
            let an = models.analyzer.analyze(part);
            keys.clear();
            Analyzer::feature_keys(&an, &mut keys);
            let (_, sg) = scored(models, part, &an, &mut keys);
            RoutedPart {
                range: (a, b),
                department: sg.department,
                department_name: sg.department_name,
                confidence: sg.confidence,
            }
        })
        .collect();
    let Some((mine, other)) = two_questions(&s.department, &parts) else { return };
    let quote = |p: &RoutedPart| {
        let t = &text[p.range.0..p.range.1];
        match t.char_indices().nth(QUOTED_PART) {
            Some((i, _)) => format!("{}…", &t[..i]),
            None => t.to_string(),
        }
    };
    let (first, second) = if mine.range.0 <= other.range.0 { (mine, other) } else { (other, mine) };
    let reason = format!(
        "hai câu hỏi cho hai đơn vị: «{}» → {} ({}%); «{}» → {} ({}%)",
        quote(first),
        first.department_name,
        (first.confidence * 100.0).round(),
        quote(second),
        second.department_name,
        (second.confidence * 100.0).round()
    );
    s.also = Some(other.department.clone());
    use crate::routing::{REASON_ALSO, REASON_RUNNER_UP};
    s.reasons.retain(|r| !r.starts_with(REASON_ALSO) && !r.starts_with(REASON_RUNNER_UP));
    s.reasons.insert(0, Arc::from(reason));
}
