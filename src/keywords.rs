//! Keyword rules shared by topics and routing: phrases from models/ matched in analysed text.
//!
//! A phrase matches a run of folded syllables that starts at a word boundary and does
//! not cross punctuation; a one-syllable phrase must be a whole word ("đường" does not
//! match inside "đường dây"). Matching on syllables keeps a rule working when the
//! segmenter glues the phrase into a longer word ("ngân hàng chính sách xã hội").
//!
//! Folded syllables meet only where the text was typed without diacritics (the whole
//! text, or a phrase of four or more syllables, as the analyzer reads them): in text
//! typed with them, "cho" (for) is not the rule word "chợ" (market), nor "ban" "bạn".

use rustc_hash::FxHashMap;

use crate::text::analyzer::phrase_typed_plainly;
use crate::text::normalize::has_diacritics;
use crate::text::{Analysis, Analyzer, TokenKind};

/// One rule phrase and the label (topic or department index) it points to.
#[derive(Debug, Clone)]
pub struct Phrase {
    /// Index of the label it supports.
    pub label: usize,
    /// The phrase as written in the model file.
    pub text: String,
    syllables: Vec<u64>,
    /// Each syllable lowercased with its diacritics, as the analyzer writes it.
    forms: Vec<Box<str>>,
}

/// A set of keyword phrases indexed by their first syllable.
#[derive(Debug, Clone, Default)]
pub struct Keywords {
    phrases: Vec<Phrase>,
    by_first: FxHashMap<u64, Vec<u32>>,
    /// A bit per hash bucket of first syllables: most syllables start no phrase, and a
    /// clear bit says so without a map lookup.
    first_bits: Vec<u64>,
}

/// Buckets of [`Keywords::first_bits`] (a power of two; 2 KB, in cache).
const FIRST_BUCKETS: usize = 1 << 14;

fn bucket(key: u64) -> (usize, u64) {
    let b = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 50) as usize % FIRST_BUCKETS;
    (b / 64, 1u64 << (b % 64))
}

impl Keywords {
    /// Builds the set from (label, phrase) pairs, analysing each phrase like a text.
    pub fn new<'a>(analyzer: &Analyzer, items: impl IntoIterator<Item = (usize, &'a str)>) -> Self {
        let mut k = Keywords { first_bits: vec![0; FIRST_BUCKETS / 64], ..Keywords::default() };
        for (label, text) in items {
            let a = analyzer.analyze(text);
            if a.syllables.is_empty() {
                continue;
            }
            let idx = k.phrases.len() as u32;
            k.by_first.entry(a.syllables[0]).or_default().push(idx);
            let (w, bit) = bucket(a.syllables[0]);
            k.first_bits[w] |= bit;
            let forms = (0..a.syllables.len()).map(|i| a.syllable_text(i).into()).collect();
            k.phrases.push(Phrase { label, text: text.trim().to_string(), syllables: a.syllables, forms });
        }
        k
    }

    /// The phrases found in `a`, each once, in text order.
    pub fn find<'s>(&'s self, a: &Analysis) -> Vec<&'s Phrase> {
        let mut found: Vec<u32> = Vec::new();
        let n = a.syllables.len();
        // Per syllable: does a word start here, does a phrase (punctuation) break start here.
        let mut word_start = vec![false; n + 1];
        let mut breaks = vec![false; n + 1];
        word_start[n] = true;
        for w in &a.words {
            let s = w.first_syllable as usize;
            word_start[s] = true;
            breaks[s] = w.phrase_start || !matches!(w.kind, TokenKind::Syllable | TokenKind::Alnum);
        }
        // Phrases (by first syllable) already found typed, or not, without diacritics.
        let mut plain_phrases: Vec<(usize, bool)> = Vec::new();
        for i in 0..n {
            if !word_start[i] {
                continue;
            }
            let (w, bit) = bucket(a.syllables[i]);
            if self.first_bits.get(w).is_none_or(|b| b & bit == 0) {
                continue;
            }
            let Some(cands) = self.by_first.get(&a.syllables[i]) else { continue };
            for &pi in cands {
                let p = &self.phrases[pi as usize];
                let len = p.syllables.len();
                if i + len > n || a.syllables[i..i + len] != p.syllables[..] {
                    continue;
                }
                if (i + 1..i + len).any(|j| breaks[j] && word_start[j]) {
                    continue;
                }
                if len == 1 && !word_start[i + 1] {
                    continue;
                }
                if !(0..len).all(|j| a.syllable_text(i + j) == &*p.forms[j] || loose(a, &breaks, i + j, &mut plain_phrases)) {
                    continue;
                }
                if !found.contains(&pi) {
                    found.push(pi);
                }
            }
        }
        found.into_iter().map(|i| &self.phrases[i as usize]).collect()
    }
}

/// Whether syllable `i` of `a` may meet a rule syllable by its folded form alone: it has
/// no diacritics and lies in text typed without them, the whole text or a phrase (between
/// `breaks`) of four or more syllables of which fewer than one in ten has diacritics.
/// Asked only where the forms differ; each phrase is counted once (`seen`).
fn loose(a: &Analysis, breaks: &[bool], i: usize, seen: &mut Vec<(usize, bool)>) -> bool {
    if has_diacritics(a.syllable_text(i)) {
        return false;
    }
    if a.folded {
        return true;
    }
    let mut start = i;
    while start > 0 && !breaks[start] {
        start -= 1;
    }
    if let Some(&(_, plain)) = seen.iter().find(|(s, _)| *s == start) {
        return plain;
    }
    let n = a.syllables.len();
    let mut end = i + 1;
    while end < n && !breaks[end] {
        end += 1;
    }
    let accented = (start..end).filter(|&j| has_diacritics(a.syllable_text(j))).count();
    let plain = phrase_typed_plainly(end - start, accented);
    seen.push((start, plain));
    plain
}
