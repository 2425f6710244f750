//! Cluster labels from their most distinctive words and phrases, and representative members.
//!
//! A term's distinctiveness for a cluster is p_in · ln(p_in / p_all), where p_in is the
//! share of the cluster's submissions that contain it and p_all the share of all
//! submissions: frequent inside, rare outside. Phrases (bigrams, multi-syllable words)
//! are shown as people wrote them, in their most common accented spelling.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::features::{CsrMatrix, Tfidf};
use crate::text::analyzer::bigram_key;
use crate::text::{normalize, Analyzer};

/// Distinctive columns of each cluster, best first, with their scores. `members[c]` lists
/// the submissions of cluster c; submission i has the terms of row `rows[i]` of `x`
/// (copies of one text share a row).
pub fn distinctive_terms(
    x: &CsrMatrix,
    rows: &[u32],
    tfidf: &Tfidf,
    members: &[Vec<usize>],
    top: usize,
) -> Vec<Vec<(u32, f32)>> {
    members
        .par_iter()
        .map(|inside| {
            let size = inside.len() as f32;
            // Counted in tables of the vocabulary's size, the rows of a large cluster in
            // parallel parts (one cluster can hold a quarter of a million submissions).
            let df_in = inside
                .par_chunks(16_384)
                .fold(
                    || vec![0u32; x.n_cols],
                    |mut df, part| {
                        for &i in part {
                            for &j in x.row(rows[i] as usize).indices {
                                df[j as usize] += 1;
                            }
                        }
                        df
                    },
                )
                .reduce_with(|mut a, b| {
                    a.iter_mut().zip(&b).for_each(|(a, b)| *a += b);
                    a
                })
                .unwrap_or_default();
            // At least 1: the columns no member has drop out with it.
            let min_in = if inside.len() <= 3 { 1 } else { 2.max((inside.len() as f32 * 0.05) as u32) };
            // A label word must be clearly more common inside than outside: at least twice,
            // or half the largest lift this cluster's size allows.
            let min_lift = 2.0f32.min(0.5 * tfidf.n_docs as f32 / size.max(1.0)).max(1.2);
            let mut scored: Vec<(u32, f32)> = df_in
                .into_iter()
                .enumerate()
                .map(|(j, d)| (j as u32, d))
                .filter(|&(j, d)| d >= min_in && !crate::text::analyzer::is_part(tfidf.keys[j as usize]))
                .map(|(j, d)| {
                    let p_in = d as f32 / size;
                    let p_all = tfidf.df[j as usize] as f32 / tfidf.n_docs.max(1) as f32;
                    let lift = p_in / p_all.max(1e-9);
                    (j, if lift >= min_lift { p_in * lift.ln() } else { 0.0 })
                })
                .filter(|&(_, s)| s > 0.0)
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            scored.truncate(top);
            scored
        })
        .collect()
}

/// How people wrote the wanted feature keys, found by re-analysing `texts`:
/// the most common lowercased spelling, preferring one with diacritics.
pub fn display_forms<'a>(
    analyzer: &Analyzer,
    texts: impl Iterator<Item = &'a str>,
    wanted: &FxHashSet<u64>,
) -> FxHashMap<u64, String> {
    let mut counts: FxHashMap<u64, FxHashMap<String, u32>> = FxHashMap::default();
    for text in texts {
        let a = analyzer.analyze(text);
        let mut prev: Option<(u64, String)> = None;
        for (w, joined) in a.content_words() {
            if !joined {
                prev = None;
            }
            let surf = || normalize(w.surface(text)).text.to_lowercase();
            let mut cur = None;
            if wanted.contains(&w.key) {
                let s = surf();
                *counts.entry(w.key).or_default().entry(s.clone()).or_default() += 1;
                cur = Some(s);
            }
            if let Some((pk, ps)) = &prev {
                let bk = bigram_key(*pk, w.key);
                if wanted.contains(&bk) {
                    let s = cur.clone().unwrap_or_else(surf);
                    *counts.entry(bk).or_default().entry(format!("{ps} {s}")).or_default() += 1;
                }
            }
            prev = Some((w.key, cur.unwrap_or_else(surf)));
        }
    }
    counts
        .into_iter()
        .map(|(k, forms)| {
            let best = forms
                .into_iter()
                .max_by(|a, b| {
                    let acc = |s: &str| s.chars().any(crate::text::normalize::has_diacritic);
                    (acc(&a.0), a.1).cmp(&(acc(&b.0), b.1)).then(b.0.cmp(&a.0))
                })
                .map(|(s, _)| s)
                .unwrap_or_default();
            (k, best)
        })
        .collect()
}

/// A label of up to `max` non-overlapping terms, given terms best first with display forms.
/// A term already said inside a picked phrase is skipped; a phrase that contains picked
/// terms takes their place.
pub fn make_label(terms: &[(u64, f32)], forms: &FxHashMap<u64, String>, max: usize) -> Vec<String> {
    let contains = |a: &str, b: &str| format!(" {a} ").contains(&format!(" {b} "));
    let mut picked: Vec<String> = Vec::new();
    for &(key, _) in terms {
        let Some(form) = forms.get(&key) else { continue };
        if picked.iter().any(|p| contains(p, form)) {
            continue;
        }
        let before = picked.len();
        picked.retain(|p| !contains(form, p));
        if picked.len() < before || picked.len() < max {
            picked.push(form.clone());
        }
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_prefers_phrases_and_never_repeats_a_word() {
        let forms: FxHashMap<u64, String> =
            [(1, "hỗ trợ"), (2, "hỗ trợ thanh niên"), (3, "khởi nghiệp"), (4, "thanh niên"), (5, "vay vốn")]
                .into_iter()
                .map(|(k, s)| (k, s.to_string()))
                .collect();
        let terms = [(1, 0.9), (2, 0.8), (3, 0.7), (4, 0.6), (5, 0.5)];
        assert_eq!(make_label(&terms, &forms, 3), ["hỗ trợ thanh niên", "khởi nghiệp", "vay vốn"]);
    }
}
