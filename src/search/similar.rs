//! Submissions similar in content to one text, across every cluster: the index finds
//! candidates sharing its words, then each is scored by the words the two share.

use rustc_hash::FxHashSet;
use serde::Serialize;

use super::{SearchIndex, SearchRequest};
use crate::error::Result;
use crate::text::Analyzer;

/// Two texts whose word overlap reaches this are near-duplicates: the same request.
pub const NEAR_DUPLICATE: f32 = 0.8;

/// Words of a text the index is asked for at most.
const QUERY_WORDS: usize = 24;

/// A submission similar to another.
#[derive(Debug, Clone, Serialize)]
pub struct Similar {
    /// Its id.
    pub id: String,
    /// Its text as written.
    pub text: String,
    /// Overlap with the first text, 0 to 1: the cosine of their sets of syllable pairs and
    /// content words ([`content_keys`]), with or without diacritics.
    pub similarity: f32,
}

impl Similar {
    /// True for a near-duplicate ([`NEAR_DUPLICATE`]).
    pub fn near_duplicate(&self) -> bool {
        self.similarity >= NEAR_DUPLICATE
    }
}

/// What two texts are compared by: each pair of adjacent syllables, folded (so the same
/// words typed with or without diacritics, segmented either way, meet), and each content
/// word (so short texts have something).
pub fn content_keys(analyzer: &Analyzer, text: &str) -> FxHashSet<u64> {
    keys_of(&analyzer.analyze(text))
}

fn keys_of(a: &crate::text::Analysis) -> FxHashSet<u64> {
    let pairs = a.syllables.windows(2).map(|p| p[0].rotate_left(17) ^ p[1].wrapping_mul(0x9e37_79b9_7f4a_7c15));
    a.content_words().map(|(w, _)| w.key).chain(pairs).collect()
}

/// Cosine of two sets of words: shared words over the geometric mean of their sizes.
pub fn overlap(a: &FxHashSet<u64>, b: &FxHashSet<u64>) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.iter().filter(|k| b.contains(k)).count();
    shared as f32 / ((a.len() * b.len()) as f32).sqrt()
}

impl SearchIndex {
    /// Up to `limit` submissions most similar in content to `text`, most similar first
    /// (near-duplicates so first of all), leaving out `id` itself and any below `floor`.
    pub fn similar(&self, text: &str, id: &str, limit: usize, floor: f32) -> Result<Vec<Similar>> {
        let analyzer = self.analyzer();
        let a = analyzer.analyze(text);
        let mut seen = FxHashSet::default();
        let mut words: Vec<String> = Vec::new();
        for (w, _) in a.content_words() {
            if words.len() == QUERY_WORDS || !seen.insert(w.key) {
                continue;
            }
            let lo = w.first_syllable as usize;
            let form: Vec<String> =
                (lo..lo + w.syllables as usize).map(|s| crate::text::fold_lower(a.syllable_text(s))).collect();
            // Each word quoted, the words joined by OR: any shared word makes a candidate.
            words.push(format!("\"{}\"", form.join(" ").replace('"', "")));
        }
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = words.join(" OR ");
        while query.chars().count() > super::query::MAX_QUERY_CHARS {
            words.pop();
            query = words.join(" OR ");
        }
        let req = SearchRequest { query: &query, limit: 4 * limit + 10, ..Default::default() };
        let hits = self.search(&req)?.hits.into_iter().filter(|h| h.id != id).map(|h| (h.id, h.text));
        Ok(rank(analyzer, &keys_of(&a), hits, limit, floor))
    }
}

/// The `limit` candidates (id, text) most similar to a text of keys `mine` ([`content_keys`]),
/// most similar first, none below `floor`.
pub fn rank(
    analyzer: &Analyzer,
    mine: &FxHashSet<u64>,
    candidates: impl Iterator<Item = (String, String)>,
    limit: usize,
    floor: f32,
) -> Vec<Similar> {
    let mut out: Vec<Similar> = candidates
        .map(|(id, text)| {
            let similarity = overlap(mine, &content_keys(analyzer, &text));
            Similar { id, text, similarity }
        })
        .filter(|s| s.similarity >= floor)
        .collect();
    out.sort_by(|x, y| y.similarity.total_cmp(&x.similarity).then(x.id.cmp(&y.id)));
    out.truncate(limit);
    out
}
