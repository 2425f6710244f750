//! Vietnamese word segmentation: which adjacent syllables form one word ("thanh niên").
//!
//! [`Segmenter`] is the interface every segmenter implements; [`LongestMatch`] is the
//! dictionary segmenter (greedy longest match over the word lists in `models/dict/`).
//! Text typed without diacritics is matched against the folded dictionary, so
//! "thanh nien" segments like "thanh niên".

use std::path::Path;

use rustc_hash::FxHashMap;

use super::normalize::{fold_lower, normalize};
use crate::error::{Error, Result};

/// A run of syllables between punctuation, as a segmenter sees it.
pub struct Sentence<'a> {
    /// Each syllable lowercased and normalised (diacritics kept where typed).
    pub syllables: &'a [&'a str],
    /// Whether each syllable began with a capital letter in the original.
    pub capitalized: &'a [bool],
    /// True when the text was typed without diacritics: match on folded forms.
    pub folded: bool,
}

/// Splits a sentence's syllables into words.
pub trait Segmenter: Send + Sync {
    /// Writes, for each syllable, whether it begins a new word (`starts[0]` is always true).
    fn segment(&self, sentence: &Sentence<'_>, starts: &mut Vec<bool>);
}

/// A trie of words over interned syllables.
#[derive(Default)]
struct Trie {
    syllables: FxHashMap<Box<str>, u32>,
    edges: FxHashMap<(u32, u32), u32>,
    terminal: Vec<bool>,
    max_len: usize,
}

impl Trie {
    fn new() -> Self {
        Trie { terminal: vec![false], ..Default::default() }
    }

    fn insert<'s>(&mut self, word: impl Iterator<Item = &'s str>) {
        let mut node = 0u32;
        let mut len = 0;
        for syl in word {
            let next_id = self.syllables.len() as u32;
            let sid = *self.syllables.entry(syl.into()).or_insert(next_id);
            let fresh = self.terminal.len() as u32;
            node = *self.edges.entry((node, sid)).or_insert(fresh);
            if node == fresh {
                self.terminal.push(false);
            }
            len += 1;
        }
        if len > 1 {
            self.terminal[node as usize] = true;
            self.max_len = self.max_len.max(len);
        }
    }
}

/// A word list as two tries: exact (normalised, lowercased) and folded (no diacritics).
pub struct Dictionary {
    exact: Trie,
    folded: Trie,
}

impl Dictionary {
    /// Builds the dictionary from words (syllables separated by spaces), normalising each.
    pub fn from_words<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut exact = Trie::new();
        let mut folded = Trie::new();
        for w in words {
            let norm = normalize(w.trim()).text.to_lowercase();
            if norm.split_whitespace().count() < 2 {
                continue;
            }
            exact.insert(norm.split_whitespace());
            let f = fold_lower(&norm);
            folded.insert(f.split_whitespace());
        }
        Dictionary { exact, folded }
    }

    /// Loads every `*.txt` word list in `dir` (one word a line, `#` comments).
    fn load_dir_words(dir: &Path) -> Result<String> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(Error::model(dir, "no word lists (*.txt) found"));
        }
        let mut text = String::new();
        for f in &files {
            text.push_str(&std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?);
            text.push('\n');
        }
        Ok(text)
    }

    /// Loads every `*.txt` word list in `dir` (one word a line, `#` comments).
    pub fn load_dir(dir: &Path) -> Result<Self> {
        let text = Self::load_dir_words(dir)?;
        Ok(Self::from_words(text.lines().filter(|l| !l.trim_start().starts_with('#'))))
    }

    /// Each syllable of `syls` as the dictionary's id for it (its folded form when
    /// `folded`), [`NO_SYLLABLE`] where no word has it: looked up once per syllable, then
    /// matched from every start by [`Dictionary::matches_ids`].
    pub fn syllable_ids(&self, syls: &[&str], folded: bool, buf: &mut String, ids: &mut Vec<u32>) {
        let trie = self.trie(folded);
        ids.clear();
        ids.extend(syls.iter().map(|syl| {
            let s: &str = if folded && !syl.is_ascii() {
                buf.clear();
                super::normalize::fold_lower_into(syl, buf);
                buf.as_str()
            } else {
                syl
            };
            trie.syllables.get(s).copied().unwrap_or(NO_SYLLABLE)
        }));
    }

    /// Lengths (in syllables, at least 2) of every dictionary word starting at `ids[0]`,
    /// where `ids` came from [`Dictionary::syllable_ids`] with the same `folded`.
    pub fn matches_ids(&self, ids: &[u32], folded: bool, out: &mut Vec<usize>) {
        out.clear();
        let trie = self.trie(folded);
        let mut node = 0u32;
        for (k, &sid) in ids.iter().take(trie.max_len).enumerate() {
            if sid == NO_SYLLABLE {
                break;
            }
            let Some(&n) = trie.edges.get(&(node, sid)) else { break };
            node = n;
            if trie.terminal[node as usize] {
                out.push(k + 1);
            }
        }
    }

    fn trie(&self, folded: bool) -> &Trie {
        if folded {
            &self.folded
        } else {
            &self.exact
        }
    }
}

/// The id [`Dictionary::syllable_ids`] gives a syllable no dictionary word has.
pub const NO_SYLLABLE: u32 = u32::MAX;

/// Greedy longest-match segmentation over a word list.
pub struct LongestMatch {
    dict: Dictionary,
}

impl LongestMatch {
    /// Builds the segmenter from words (syllables separated by spaces).
    pub fn from_words<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        LongestMatch { dict: Dictionary::from_words(words) }
    }

    /// Loads every `*.txt` word list in `dir`.
    pub fn load_dir(dir: &Path) -> Result<Self> {
        Ok(LongestMatch { dict: Dictionary::load_dir(dir)? })
    }

    /// The segmenter over an already loaded dictionary.
    pub fn from_dictionary(dict: Dictionary) -> Self {
        LongestMatch { dict }
    }
}

impl Segmenter for LongestMatch {
    fn segment(&self, s: &Sentence<'_>, starts: &mut Vec<bool>) {
        starts.clear();
        starts.resize(s.syllables.len(), false);
        let (mut buf, mut ids, mut lens) = (String::new(), Vec::new(), Vec::new());
        self.dict.syllable_ids(s.syllables, s.folded, &mut buf, &mut ids);
        let mut i = 0;
        while i < s.syllables.len() {
            starts[i] = true;
            self.dict.matches_ids(&ids[i..], s.folded, &mut lens);
            i += lens.last().copied().unwrap_or(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(m: &LongestMatch, text: &str, folded: bool) -> Vec<String> {
        let syls: Vec<&str> = text.split(' ').collect();
        let caps = vec![false; syls.len()];
        let mut starts = Vec::new();
        m.segment(&Sentence { syllables: &syls, capitalized: &caps, folded }, &mut starts);
        let mut words: Vec<String> = Vec::new();
        for (syl, st) in syls.iter().zip(&starts) {
            if *st {
                words.push(syl.to_string());
            } else {
                let last = words.last_mut().unwrap();
                last.push('_');
                last.push_str(syl);
            }
        }
        words
    }

    #[test]
    fn longest_match_with_and_without_diacritics() {
        let m = LongestMatch::from_words(["thanh niên", "vay vốn", "ngân hàng", "ngân hàng chính sách", "chính sách"]);
        assert_eq!(
            seg(&m, "thanh niên muốn vay vốn ngân hàng chính sách", false),
            ["thanh_niên", "muốn", "vay_vốn", "ngân_hàng_chính_sách"]
        );
        assert_eq!(seg(&m, "thanh nien muon vay von", true), ["thanh_nien", "muon", "vay_von"]);
    }

    #[test]
    fn every_word_starting_at_a_syllable_is_found_by_its_ids() {
        let d = Dictionary::from_words(["ngân hàng", "ngân hàng chính sách", "chính sách", "chính sách xã hội"]);
        let (mut buf, mut ids, mut lens) = (String::new(), Vec::new(), Vec::new());
        let syls = ["ngân", "hàng", "chính", "sách", "xã", "hội", "mới"];
        d.syllable_ids(&syls, false, &mut buf, &mut ids);
        assert_eq!(ids.len(), syls.len());
        assert_eq!(ids[6], NO_SYLLABLE, "no word has «mới»");
        let found: Vec<Vec<usize>> = (0..syls.len())
            .map(|i| {
                d.matches_ids(&ids[i..], false, &mut lens);
                lens.clone()
            })
            .collect();
        assert_eq!(found, [vec![2, 4], vec![], vec![2, 4], vec![], vec![], vec![], vec![]]);
        // Typed without diacritics (and one syllable typed with them): folded forms meet.
        d.syllable_ids(&["ngan", "hàng", "chinh", "sach"], true, &mut buf, &mut ids);
        d.matches_ids(&ids, true, &mut lens);
        assert_eq!(lens, [2, 4]);
        // Read exactly, a folded syllable is another syllable.
        d.syllable_ids(&["ngan", "hàng"], false, &mut buf, &mut ids);
        d.matches_ids(&ids, false, &mut lens);
        assert!(lens.is_empty());
    }
}
