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
use std::borrow::Borrow;

use crate::text::{normalize, Analysis, Analyzer};

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

/// How people wrote the wanted feature keys, from texts and their analyses:
/// the most common lowercased spelling, preferring one with diacritics.
pub fn display_forms<'a, A: Borrow<Analysis>>(
    texts: impl IntoIterator<Item = (&'a str, A)>,
    wanted: &FxHashSet<u64>,
) -> FxHashMap<u64, String> {
    let mut counts: FxHashMap<u64, FxHashMap<String, u32>> = FxHashMap::default();
    for (text, a) in texts {
        let a = a.borrow();
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

/// Words a label phrase holds at most.
pub const PHRASE_WORDS: usize = 4;

/// Contiguous word sequences of some texts, as labels are made of: each starts and ends
/// with a content word (stop words may lie inside: "vay vốn cho thanh niên"), holds at
/// most [`PHRASE_WORDS`] words, and crosses no punctuation.
#[derive(Debug, Default)]
pub struct PhraseCounts {
    /// Texts read.
    pub n_texts: u32,
    /// Per phrase key: the texts holding it.
    pub df: FxHashMap<u64, u32>,
    /// Per phrase key: its content words' keys (to tell phrases inside phrases).
    pub words: FxHashMap<u64, Vec<u64>>,
    /// Per phrase key: its syllables.
    pub syllables: FxHashMap<u64, u32>,
    /// Per phrase key: how it was written (teen code expanded, lowercased), and how often.
    pub forms: FxHashMap<u64, FxHashMap<String, u32>>,
}

/// Counts the phrases of analysed texts; with `keep_forms`, also how each was written.
pub fn mine_phrases<A: Borrow<Analysis>>(analysed: impl IntoIterator<Item = A>, keep_forms: bool) -> PhraseCounts {
    let mut pc = PhraseCounts::default();
    let mut seen: FxHashSet<u64> = FxHashSet::default();
    for a in analysed {
        let a = a.borrow();
        pc.n_texts += 1;
        seen.clear();
        let w = &a.words;
        for i in 0..w.len() {
            if !w[i].is_content() {
                continue;
            }
            let (mut key, mut content) = (0xcbf2_9ce4_8422_2325u64, Vec::with_capacity(PHRASE_WORDS));
            for j in i..w.len() {
                let letters = matches!(w[j].kind, crate::text::TokenKind::Syllable | crate::text::TokenKind::Alnum);
                let full = content.len() == PHRASE_WORDS && w[j].is_content();
                if j > i && (w[j].phrase_start || !letters) || full || j - i >= 2 * PHRASE_WORDS {
                    break;
                }
                key = (key ^ w[j].key).wrapping_mul(0x100_0000_01b3);
                if !w[j].is_content() {
                    continue;
                }
                content.push(w[j].key);
                if !seen.insert(key) {
                    continue;
                }
                *pc.df.entry(key).or_default() += 1;
                pc.words.entry(key).or_insert_with(|| content.clone());
                let (lo, hi) = (w[i].first_syllable as usize, (w[j].first_syllable + w[j].syllables as u32) as usize);
                pc.syllables.insert(key, (hi - lo) as u32);
                if keep_forms {
                    let form: Vec<&str> = (lo..hi).map(|s| a.syllable_text(s)).collect();
                    *pc.forms.entry(key).or_default().entry(form.join(" ")).or_default() += 1;
                }
            }
        }
    }
    pc
}

/// The phrases a label may use, with the support they need: in at least 3 members, or a
/// tenth of a small cluster.
pub fn min_support(members: usize) -> u32 {
    (members.div_ceil(10) as u32).clamp(1, 3)
}

/// Up to `max` label phrases for a cluster, best first, from its members' phrases
/// (`inside`, with forms) against a sample of all submissions (`all`). A phrase must be in
/// [`min_support`] members, at least twice as common inside as outside (less for a cluster
/// that is much of the sample), and, alone as one
/// word, a word of two or more syllables found in at most a quarter of all submissions
/// ("tháng", "mở", "thanh niên" say nothing alone). A longer phrase replaces the shorter
/// one it holds when it is nearly as common. Shown in the most common spelling with
/// diacritics.
pub fn phrase_label(inside: &PhraseCounts, all: &PhraseCounts, max: usize) -> Vec<String> {
    let n_in = inside.n_texts.max(1) as f32;
    let n_all = all.n_texts.max(1) as f32;
    let need = min_support(inside.n_texts as usize);
    // At least twice as common inside, or half the largest lift this cluster's share of the
    // sample allows (a cluster of half the texts can be at most twice as common).
    let min_lift = 2.0f32.min(0.5 * n_all / n_in).max(1.0);
    let mut cands: Vec<(u64, f32, u32)> = inside
        .df
        .iter()
        .filter(|&(_, &d)| d >= need)
        .filter_map(|(&k, &d)| {
            let words = &inside.words[&k];
            let p_all = (all.df.get(&k).copied().unwrap_or(0) as f32 + 1.0) / (n_all + 1.0);
            if words.len() == 1 && (inside.syllables[&k] < 2 || p_all > 0.25) {
                return None;
            }
            let p_in = d as f32 / n_in;
            let lift = p_in / p_all;
            // A phrase as common inside as outside (a cluster of most of the texts) still ranks.
            let score = p_in * lift.ln().max(0.01) * (1.0 + 0.1 * (words.len() as f32 - 1.0));
            (lift >= min_lift).then_some((k, score, d))
        })
        .collect();
    cands.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let holds = |a: &[u64], b: &[u64]| b.len() <= a.len() && a.windows(b.len()).any(|w| w == b);
    let mut picked: Vec<(u64, u32)> = Vec::new();
    // Phrases of two or more words first ("vay vốn ưu đãi" says more than "vay vốn"), then
    // single words where room is left.
    let (multi, single): (Vec<_>, Vec<_>) = cands.iter().take(400).partition(|c| inside.words[&c.0].len() > 1);
    for &(k, _, d) in multi.into_iter().chain(single) {
        let words = &inside.words[&k];
        if picked.iter().any(|(p, _)| holds(&inside.words[p], words)) {
            continue;
        }
        // A longer phrase nearly as common as a picked one it holds takes its place.
        if let Some(i) = picked.iter().position(|(p, pd)| holds(words, &inside.words[p]) && d * 10 >= pd * 6) {
            picked[i] = (k, d);
            continue;
        }
        if picked.iter().any(|(p, _)| inside.words[p].iter().any(|x| words.contains(x))) {
            continue;
        }
        if picked.len() < max {
            picked.push((k, d));
        }
    }
    picked.iter().map(|(k, _)| best_form(&inside.forms[k])).collect()
}

/// The most common spelling, preferring one with diacritics.
fn best_form(forms: &FxHashMap<String, u32>) -> String {
    let acc = |s: &str| s.chars().any(crate::text::normalize::has_diacritic);
    forms
        .iter()
        .max_by(|a, b| (acc(a.0), a.1).cmp(&(acc(b.0), b.1)).then(b.0.cmp(a.0)))
        .map(|(s, _)| s.clone())
        .unwrap_or_default()
}

/// Which of the label checks a phrase passes (issue 28): what `ykien eval` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelCheck {
    /// Found, as a whole word sequence, in [`min_support`] of the cluster's members.
    pub shared: bool,
    /// Starts and ends with a content word, and is more than one lone syllable.
    pub words: bool,
    /// Has diacritics, unless the members using it were all typed without them.
    pub accents: bool,
    /// Has no teen code or abbreviation left unexpanded.
    pub expanded: bool,
}

impl LabelCheck {
    /// Every check passed.
    pub fn passes(&self) -> bool {
        self.shared && self.words && self.accents && self.expanded
    }
}

/// Checks label `phrase` against the cluster's members (`members`: text, typed without
/// diacritics).
pub fn check_label(analyzer: &Analyzer, phrase: &str, members: &[(&str, bool)]) -> LabelCheck {
    let a = analyzer.analyze(phrase);
    let folded = |t: &str| {
        format!(
            " {} ",
            crate::text::fold_lower(t)
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        )
    };
    let fp = folded(phrase);
    // Each member using the phrase, and whether it spells it as the label does.
    let literal = format!(" {} ", normalize(phrase).text.to_lowercase());
    let spaced = |t: &str| {
        let l = normalize(t).text.to_lowercase();
        format!(" {} ", l.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" "))
    };
    let using: Vec<bool> = members
        .iter()
        .filter(|(t, _)| folded(t).contains(&fp))
        .map(|&(t, plain)| plain || spaced(t).contains(&literal))
        .collect();
    let content: Vec<bool> = a.words.iter().map(|w| w.is_content()).collect();
    let words = !content.is_empty()
        && content[0]
        && content[content.len() - 1]
        && (a.words.len() > 1 || a.words[0].syllables > 1);
    let lowered: Vec<&str> = (0..a.spans.len()).map(|i| a.syllable_text(i)).collect();
    let expanded =
        lowered.join(" ") == normalize(phrase).text.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ");
    // Without diacritics only where no member wrote it with them (names, foreign words).
    let accents = phrase.chars().any(crate::text::normalize::has_diacritic) || using.iter().all(|&same| same);
    LabelCheck { shared: using.len() as u32 >= min_support(members.len()), words, accents, expanded }
}

/// What a cluster asks, in one sentence: the sentence of `text` that holds most of the
/// cluster's `label` phrases (the first such), else its first that is not a greeting or a
/// sign-off; without a closing "ạ", at most 200 characters.
pub fn summary_sentence(analyzer: &Analyzer, text: &str, label: &[String]) -> String {
    let sentences = text.split_inclusive(['.', '!', '?', '\n', '…']).map(str::trim).filter(|s| !s.is_empty());
    let is_formula = |s: &str| analyzer.is_formula(s);
    let folded_label: Vec<String> = label.iter().map(|l| crate::text::fold_lower(l)).collect();
    let hits = |s: &str| {
        let f = crate::text::fold_lower(s);
        folded_label.iter().filter(|l| f.contains(l.as_str())).count()
    };
    let best = sentences.clone().filter(|s| !is_formula(s)).max_by_key(|s| hits(s)).filter(|s| hits(s) > 0);
    // max_by_key keeps the last of equals: take the first sentence with that many hits.
    let best = best.and_then(|b| sentences.clone().find(|s| !is_formula(s) && hits(s) == hits(b)));
    let first =
        best.or_else(|| sentences.clone().find(|s| !is_formula(s))).or_else(|| sentences.clone().next()).unwrap_or("");
    let mut out = first.trim_end_matches(['.', '!', ' ']).to_string();
    for tail in [" ạ", " a"] {
        if out.ends_with(tail) && out.len() > tail.len() + 10 {
            out.truncate(out.len() - tail.len());
        }
    }
    if out.chars().count() > 200 {
        out = out.chars().take(199).collect::<String>().trim_end().to_string() + "…";
    }
    out
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
