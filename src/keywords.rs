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

/// A set of keyword phrases indexed by how they start: a one-syllable phrase by its
/// syllable, a longer one by its first two (so a common first syllable such as "học"
/// does not make every phrase starting with it a candidate).
#[derive(Debug, Clone, Default)]
pub struct Keywords {
    phrases: Vec<Phrase>,
    /// Phrase indices (ascending) by [`start_key`].
    by_start: FxHashMap<u64, Vec<u32>>,
    /// A bit per hash bucket of start keys: most syllables start no phrase, and a clear
    /// bit says so without a map lookup.
    start_bits: Vec<u64>,
}

/// Buckets of [`Keywords::start_bits`] (a power of two; 2 KB, in cache).
const START_BUCKETS: usize = 1 << 14;

fn bucket(key: u64) -> (usize, u64) {
    let b = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 50) as usize % START_BUCKETS;
    (b / 64, 1u64 << (b % 64))
}

/// The index key of a phrase starting with `first`, then `second` if it is longer than one syllable.
fn start_key(first: u64, second: Option<u64>) -> u64 {
    match second {
        None => first,
        Some(s) => first.rotate_left(29) ^ s.wrapping_mul(0xD6E8_FEB8_6659_FD93),
    }
}

/// Per syllable of a text: a word starts there, a break (punctuation, a special token) does.
const WORD_START: u8 = 1;
const BREAK: u8 = 2;

impl Keywords {
    /// Builds the set from (label, phrase) pairs, analysing each phrase like a text.
    pub fn new<'a>(analyzer: &Analyzer, items: impl IntoIterator<Item = (usize, &'a str)>) -> Self {
        let mut k = Keywords { start_bits: vec![0; START_BUCKETS / 64], ..Keywords::default() };
        for (label, text) in items {
            let a = analyzer.analyze(text);
            if a.syllables.is_empty() {
                continue;
            }
            let idx = k.phrases.len() as u32;
            let key = start_key(a.syllables[0], a.syllables.get(1).copied());
            k.by_start.entry(key).or_default().push(idx);
            let (w, bit) = bucket(key);
            k.start_bits[w] |= bit;
            let forms = (0..a.syllables.len()).map(|i| a.syllable_text(i).into()).collect();
            k.phrases.push(Phrase { label, text: text.trim().to_string(), syllables: a.syllables, forms });
        }
        k
    }

    /// The phrases found in `a`, each once, in text order (phrases found at the same
    /// syllable in the order of the model file).
    pub fn find<'s>(&'s self, a: &Analysis) -> Vec<&'s Phrase> {
        thread_local! {
            static FLAGS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        FLAGS.with(|flags| self.find_with(a, &mut flags.borrow_mut()))
    }

    fn candidates(&self, key: u64) -> &[u32] {
        let (w, bit) = bucket(key);
        if self.start_bits.get(w).is_none_or(|b| b & bit == 0) {
            return &[];
        }
        self.by_start.get(&key).map_or(&[], Vec::as_slice)
    }

    fn find_with<'s>(&'s self, a: &Analysis, flags: &mut Vec<u8>) -> Vec<&'s Phrase> {
        let mut found: Vec<&Phrase> = Vec::new();
        let n = a.syllables.len();
        flags.clear();
        flags.resize(n + 1, 0);
        flags[n] = WORD_START;
        for w in &a.words {
            let brk = w.phrase_start || !matches!(w.kind, TokenKind::Syllable | TokenKind::Alnum);
            flags[w.first_syllable as usize] = WORD_START | if brk { BREAK } else { 0 };
        }
        let word_start = |j: usize| flags[j] & WORD_START != 0;
        // Phrases (by first syllable) already found typed, or not, without diacritics.
        let mut plain_phrases: Vec<(usize, bool)> = Vec::new();
        for i in 0..n {
            if !word_start(i) {
                continue;
            }
            let one = self.candidates(start_key(a.syllables[i], None));
            let more = match a.syllables.get(i + 1) {
                Some(&s) => self.candidates(start_key(a.syllables[i], Some(s))),
                None => &[],
            };
            if one.is_empty() && more.is_empty() {
                continue;
            }
            // Both lists ascend: merged, the candidates come in file order.
            let (mut x, mut y) = (0, 0);
            while x < one.len() || y < more.len() {
                let pi = if y == more.len() || (x < one.len() && one[x] < more[y]) {
                    x += 1;
                    one[x - 1]
                } else {
                    y += 1;
                    more[y - 1]
                };
                let p = &self.phrases[pi as usize];
                let len = p.syllables.len();
                if i + len > n || a.syllables[i..i + len] != p.syllables[..] {
                    continue;
                }
                if (i + 1..i + len).any(|j| flags[j] == WORD_START | BREAK) {
                    continue;
                }
                if len == 1 && !word_start(i + 1) {
                    continue;
                }
                if !(0..len)
                    .all(|j| a.syllable_text(i + j) == &*p.forms[j] || loose(a, flags, i + j, &mut plain_phrases))
                {
                    continue;
                }
                if !found.iter().any(|f| std::ptr::eq(*f, p)) {
                    found.push(p);
                }
            }
        }
        found
    }
}

/// Whether syllable `i` of `a` may meet a rule syllable by its folded form alone: it has
/// no diacritics and lies in text typed without them, the whole text or a phrase (between
/// breaks) of four or more syllables of which fewer than one in ten has diacritics.
/// Asked only where the forms differ; each phrase is counted once (`seen`).
fn loose(a: &Analysis, flags: &[u8], i: usize, seen: &mut Vec<(usize, bool)>) -> bool {
    let breaks = |j: usize| flags[j] & BREAK != 0;
    if has_diacritics(a.syllable_text(i)) {
        return false;
    }
    if a.folded {
        return true;
    }
    let mut start = i;
    while start > 0 && !breaks(start) {
        start -= 1;
    }
    if let Some(&(_, plain)) = seen.iter().find(|(s, _)| *s == start) {
        return plain;
    }
    let n = a.syllables.len();
    let mut end = i + 1;
    while end < n && !breaks(end) {
        end += 1;
    }
    let accented = (start..end).filter(|&j| has_diacritics(a.syllable_text(j))).count();
    let plain = phrase_typed_plainly(end - start, accented);
    seen.push((start, plain));
    plain
}
