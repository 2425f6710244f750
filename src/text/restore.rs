//! Accent restoration: text typed without diacritics written back with them.
//!
//! A syllable typed without marks ("viec") may stand for several accented syllables
//! ("việc", "viếc", ...): the candidates are the accented syllables of the training text
//! that fold to it. A trigram language model over accented syllables (interpolated
//! Kneser-Ney, learned from news text and the treebank) scores each sequence of candidates
//! and a beam Viterbi search keeps the best. Accented words, numbers, URLs, teen code and
//! words the model does not know stay as typed; a line typed with diacritics is left whole.
//! The case of each letter is kept.

use std::path::Path;

use rustc_hash::FxHashMap;

use super::normalize::{fold_lower_into, has_diacritics, normalize_into, push_lowercase, Normalized};
use super::tokenize::{tokenize_into, Token, TokenKind};
use crate::error::{Error, Result};

/// Sentence boundary (both start and end) in the model's vocabulary.
const BOUNDARY: u32 = 0;
/// A syllable the model does not know.
const UNKNOWN: u32 = 1;
/// A number (amount, date, percentage) inside a sentence: "20 con", "năm 2024".
const NUMBER: u32 = 2;
/// Ids before the first syllable's.
const RESERVED: usize = 3;
/// A number in a training run, before ids are given.
const NUMBER_MARK: u32 = u32::MAX - 1;
/// The first bytes of a model file.
const MAGIC: &[u8] = b"YKIEN-RESTORER-3\n";
/// Quantisation step of stored log probabilities (natural log units).
const QUANTUM: f32 = 1.0 / 1024.0;
/// A token that ends the last run of a text in training.
const END: Token = Token { kind: TokenKind::Punct, start: 0, end: 0 };
/// Slots per stored trigram at least (a power of two above): most lookups are of trigrams
/// never seen, and a sparse table ends their probe chains at once (four slots an entry
/// made the search 1.6 times faster than two; measured in benches/RESULTS.md).
const TRIGRAM_SPREAD: usize = 4;
/// Slots per stored bigram at least.
const BIGRAM_SPREAD: usize = 2;
/// Most syllables a run may hold before it is cut (bounds the search on hostile input).
const MAX_RUN: usize = 512;

/// Parameters of [`Restorer`] training, validated by [`RestorerParams::train`].
#[derive(Debug, Clone)]
pub struct RestorerParams {
    /// A syllable seen fewer times is not a candidate (it counts as unknown).
    pub min_syllable_count: u32,
    /// A trigram seen fewer times is not stored (its probability comes from the bigram).
    pub min_trigram_count: u32,
    /// A bigram seen fewer times is not stored.
    pub min_bigram_count: u32,
}

impl Default for RestorerParams {
    fn default() -> Self {
        RestorerParams { min_syllable_count: 2, min_trigram_count: 2, min_bigram_count: 1 }
    }
}

/// How the search runs: beam width and candidates per syllable.
#[derive(Debug, Clone, Copy)]
pub struct SearchParams {
    /// States kept per position.
    pub beam: usize,
    /// Candidates tried per syllable, the commonest first.
    pub max_candidates: usize,
    /// States further than this below the best (natural log) are dropped.
    pub threshold: f32,
    /// A candidate less likely than this share of its commonest rival (unigram) is not tried.
    pub min_share: f32,
}

impl Default for SearchParams {
    fn default() -> Self {
        SearchParams { beam: 8, max_candidates: 16, threshold: 8.0, min_share: 1e-4 }
    }
}

/// An open-addressing hash table from non-zero `u64` keys to small values. A slot holds a
/// 32-bit fingerprint of its key beside the value (8 to 12 bytes: the tables are half the
/// size of keyed ones, so more of them stays in cache); a key absent but sharing a
/// fingerprint with one in its probe chain would read that one's value, about once in
/// four thousand million lookups. The keys themselves are kept only to save a trained model.
#[derive(Debug, Clone, Default)]
struct Probe<V: Copy + Default> {
    slots: Vec<(u32, V)>,
    mask: usize,
    len: usize,
    /// The entries, sorted by key, when the table was built to be saved.
    keys: Option<Vec<(u64, V)>>,
    /// One bit per hash of the keys stored, eight bits an entry (a 2 MB filter for 1.5 M
    /// trigrams): most lookups are of n-grams never seen, answered here from cache (about
    /// one in nine passes on to the table). Empty: no filter.
    filter: Vec<u64>,
}

impl<V: Copy + Default> Probe<V> {
    fn with_entries(entries: &[(u64, V)], keep: bool, spread: usize) -> Self {
        let cap = (entries.len() * spread).max(16).next_power_of_two();
        let bits = (entries.len() * 8).max(64).next_power_of_two();
        let mut p = Probe {
            slots: vec![(0, V::default()); cap],
            mask: cap - 1,
            len: entries.len(),
            keys: None,
            filter: vec![0; bits / 64],
        };
        for &(k, _) in entries {
            let b = p.filter_bit(k);
            p.filter[b / 64] |= 1 << (b % 64);
        }
        for &(k, v) in entries {
            let f = fingerprint(k);
            let mut i = slot(k) & p.mask;
            while p.slots[i].0 != 0 && p.slots[i].0 != f {
                i = (i + 1) & p.mask;
            }
            if p.slots[i].0 == 0 {
                p.slots[i] = (f, v);
            }
        }
        if keep {
            let mut e = entries.to_vec();
            e.sort_unstable_by_key(|x| x.0);
            p.keys = Some(e);
        }
        p
    }
    /// The filter bit of key `k`.
    #[inline]
    fn filter_bit(&self, k: u64) -> usize {
        (k.wrapping_mul(0xC2B2_AE3D_27D4_EB4F) >> 24) as usize & (self.filter.len() * 64 - 1)
    }
    /// False when `k` is surely absent.
    #[inline]
    fn may_hold(&self, k: u64) -> bool {
        let b = self.filter_bit(k);
        self.filter[b / 64] >> (b % 64) & 1 == 1
    }
    #[inline]
    fn get(&self, k: u64) -> Option<V> {
        if !self.may_hold(k) {
            return None;
        }
        let f = fingerprint(k);
        let mut i = slot(k) & self.mask;
        loop {
            let (ff, v) = self.slots[i];
            if ff == f {
                return Some(v);
            }
            if ff == 0 {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }
    /// Asks the processor to fetch `k`'s first slot ahead of a lookup: the search issues
    /// every lookup of a position first, so their cache misses overlap.
    #[inline]
    fn prefetch(&self, k: u64) {
        #[cfg(target_arch = "x86_64")]
        if self.may_hold(k) {
            let i = slot(k) & self.mask;
            // SAFETY: `i <= mask < slots.len()`, so the pointer is inside the table; a
            // prefetch reads nothing and has no effect on the program's state.
            unsafe {
                use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T1};
                _mm_prefetch::<_MM_HINT_T1>(self.slots.as_ptr().add(i) as *const i8);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = k;
    }
}

/// Where key `k`'s probe chain starts (before masking).
#[inline]
fn slot(k: u64) -> usize {
    (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20) as usize
}

/// Key `k`'s fingerprint: 32 bits of another hash, never zero (zero marks an empty slot).
#[inline]
fn fingerprint(k: u64) -> u32 {
    ((k.wrapping_mul(0xD6E8_FEB8_6659_FD93) >> 32) as u32) | 1
}

/// Packs two ids into a bigram key (never zero).
#[inline]
fn key2(a: u32, b: u32) -> u64 {
    ((a as u64 + 1) << 21) | (b as u64 + 1)
}

/// Packs three ids into a trigram key (never zero).
#[inline]
fn key3(a: u32, b: u32, c: u32) -> u64 {
    ((a as u64 + 1) << 42) | ((b as u64 + 1) << 21) | (c as u64 + 1)
}

/// The trained accent restorer.
#[derive(Debug, Clone)]
pub struct Restorer {
    /// Accented lowercase syllables by id, the commonest first (0 boundary, 1 unknown, 2 number).
    vocab: Vec<Box<str>>,
    /// Accented lowercase syllable -> id.
    ids: FxHashMap<Box<str>, u32>,
    /// Folded syllable -> its candidates' ids, commonest first (a range of `cand_ids`).
    cands: FxHashMap<Box<str>, (u32, u32)>,
    cand_ids: Vec<u32>,
    /// ln P(w) and the ln backoff weight of w as a bigram context.
    uni: Vec<(f32, f32)>,
    /// ln P(written capitalised | w) and ln P(written in lower case | w), inside a
    /// sentence: names ("Hải", "Diệp") are told from words ("hai", "diệp") by their case.
    case: Vec<(f32, f32)>,
    /// ln P(c | b) and the ln backoff weight of (b, c) as a trigram context.
    bi: Probe<(f32, f32)>,
    /// ln P(c | a, b).
    tri: Probe<f32>,
    /// Words left as typed (teen code), each with the id of what it stands for, as context.
    keep: FxHashMap<Box<str>, u32>,
    /// How the search runs.
    pub search: SearchParams,
}

/// What [`Restorer::restore`] made of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// The line with its syllables accented (the input itself when nothing changed).
    pub text: String,
    /// How many syllables were given marks.
    pub changed: usize,
}

/// Reusable buffers of the search (one per thread).
#[derive(Debug, Default)]
pub struct Scratch {
    norm: Normalized,
    chars: Vec<char>,
    tokens: Vec<Token>,
    key: String,
    /// Per syllable of the current run: (token index, candidate range or fixed id).
    run: Vec<(usize, Slot)>,
    layers: Vec<State>,
    layer_at: Vec<usize>,
    next: Vec<State>,
    choice: Vec<u32>,
    /// Chosen syllable id per token index (u32::MAX: left as typed).
    chosen: Vec<u32>,
}

/// One syllable of a run: candidates to choose from (with what its case says), or a fixed id.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Choose(u32, u32, Case),
    Fixed(u32),
}

/// How a syllable inside a sentence was written: a cue to names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    /// Sentence-initial, all capitals or mixed: says nothing.
    Silent,
    /// First letter capital, the rest lower case.
    Capital,
    /// All lower case.
    Lower,
}

/// The case cue of syllable `w`; `initial` when it starts a sentence.
fn case_of(w: &str, initial: bool) -> Case {
    let mut chars = w.chars();
    match chars.next() {
        _ if initial => Case::Silent,
        Some(c) if c.is_uppercase() && chars.all(char::is_lowercase) => Case::Capital,
        Some(c) if c.is_lowercase() && chars.all(char::is_lowercase) => Case::Lower,
        _ => Case::Silent,
    }
}

/// Whether the token after `prev` (the previous token, if any) starts a sentence.
fn starts_sentence(prev: Option<&str>) -> bool {
    match prev {
        None => true,
        Some(p) => p.chars().any(|c| ".!?…:;\"“”«»()[]-–—".contains(c)),
    }
}

/// A search state: the last two syllables, the score, the parent and this syllable's id.
#[derive(Debug, Clone, Copy, Default)]
struct State {
    w1: u32,
    w2: u32,
    /// ln backoff weight of (w1, w2) as a trigram context.
    bo: f32,
    score: f32,
    parent: u32,
}

impl Restorer {
    /// ln P(c | a, b) given the backoff weight of (a, b), and the backoff weight of (b, c).
    #[inline]
    fn step(&self, a: u32, b: u32, bo3: f32, c: u32) -> (f32, f32) {
        let bc = self.bi.get(key2(b, c));
        let next_bo = bc.map_or(0.0, |e| e.1);
        if let Some(p) = self.tri.get(key3(a, b, c)) {
            return (p, next_bo);
        }
        match bc {
            Some(e) => (bo3 + e.0, next_bo),
            None => (bo3 + self.uni[b as usize].1 + self.uni[c as usize].0, next_bo),
        }
    }

    /// ln P(the case seen | c): names are capitalised inside sentences, words are not.
    #[inline]
    fn case_cost(&self, c: u32, cue: Case) -> f32 {
        match cue {
            Case::Silent => 0.0,
            Case::Capital => self.case[c as usize].0,
            Case::Lower => self.case[c as usize].1,
        }
    }

    /// The end of the candidates tried in `a..b`: at most `max_candidates`, none rarer
    /// than `min_share` of the first.
    #[inline]
    fn last_candidate(&self, a: u32, b: u32) -> u32 {
        let b = b.min(a + self.search.max_candidates.max(1) as u32);
        let floor = self.uni[self.cand_ids[a as usize] as usize].0 + self.search.min_share.max(1e-30).ln();
        let mut end = a + 1;
        while end < b && self.uni[self.cand_ids[end as usize] as usize].0 >= floor {
            end += 1;
        }
        end
    }

    /// How many syllables the model knows (candidates included).
    pub fn vocabulary_len(&self) -> usize {
        self.vocab.len() - RESERVED
    }

    /// Leaves these words as typed (teen code such as "ko", "dc"), each read as the
    /// standard words it stands for ("không", "được") by its neighbours.
    pub fn keep_as_typed<I: IntoIterator<Item = (S, S)>, S: AsRef<str>>(&mut self, words: I) {
        for (w, means) in words {
            let mut k = String::new();
            push_lowercase(&mut k, w.as_ref());
            let mut m = String::new();
            push_lowercase(&mut m, &super::normalize::normalize(means.as_ref()).text);
            let id = m.split_whitespace().last().and_then(|l| self.ids.get(l)).copied().unwrap_or(UNKNOWN);
            self.keep.insert(k.into_boxed_str(), id);
        }
    }

    /// Whether a line reads as typed without diacritics: some syllables, fewer than one in
    /// five with marks (accented Vietnamese has marks on most syllables).
    pub fn is_unaccented(text: &str) -> bool {
        let mut syl = 0usize;
        let mut marked = 0usize;
        for w in text.split(|c: char| !super::normalize::is_letter(c)).filter(|w| !w.is_empty()) {
            syl += 1;
            marked += has_diacritics(w) as usize;
        }
        syl > 0 && marked * 5 < syl
    }

    /// Restores one line (a line typed with diacritics comes back as it is).
    pub fn restore(&self, line: &str, s: &mut Scratch) -> Restored {
        if !Self::is_unaccented(line) {
            return Restored { text: line.to_string(), changed: 0 };
        }
        normalize_into(line, &mut s.norm, &mut s.chars);
        let text = std::mem::take(&mut s.norm.text);
        tokenize_into(&text, &mut s.tokens);
        s.chosen.clear();
        s.chosen.resize(s.tokens.len(), u32::MAX);
        s.run.clear();
        for ti in 0..s.tokens.len() {
            let t = s.tokens[ti];
            if t.kind == TokenKind::Number {
                s.run.push((ti, Slot::Fixed(NUMBER)));
                continue;
            }
            if t.kind != TokenKind::Syllable {
                self.decode_run(s);
                continue;
            }
            let w = t.text(&text);
            s.key.clear();
            push_lowercase(&mut s.key, w);
            let slot = if let Some(&id) = self.keep.get(s.key.as_str()) {
                Slot::Fixed(id)
            } else if w.is_ascii() {
                let prev = ti.checked_sub(1).map(|p| s.tokens[p].text(&text));
                match self.cands.get(s.key.as_str()) {
                    Some(&(a, b)) => Slot::Choose(a, self.last_candidate(a, b), case_of(w, starts_sentence(prev))),
                    None => Slot::Fixed(UNKNOWN),
                }
            } else {
                Slot::Fixed(self.ids.get(s.key.as_str()).copied().unwrap_or(UNKNOWN))
            };
            s.run.push((ti, slot));
            if s.run.len() >= MAX_RUN {
                self.decode_run(s);
            }
        }
        self.decode_run(s);
        // Write the line back: the original between changed syllables, each chosen syllable
        // with the case of the letters typed.
        let mut out = String::with_capacity(line.len() + line.len() / 2);
        let mut pos = 0usize;
        let mut changed = 0usize;
        for (ti, &id) in s.chosen.iter().enumerate() {
            if id == u32::MAX {
                continue;
            }
            let t = s.tokens[ti];
            let start = s.norm.map.to_original(t.start as usize);
            let end = s.norm.map.to_original(t.end as usize);
            let typed = match line.get(start..end) {
                Some(x) if x.is_ascii() && start >= pos => x,
                _ => continue,
            };
            let accented = &self.vocab[id as usize];
            if accented.len() == typed.len() {
                continue; // nothing to add
            }
            out.push_str(&line[pos..start]);
            let mut letters = typed.chars();
            for c in accented.chars() {
                match letters.next() {
                    Some(l) if l.is_uppercase() => out.extend(c.to_uppercase()),
                    _ => out.push(c),
                }
            }
            pos = end;
            changed += 1;
        }
        out.push_str(&line[pos..]);
        s.norm.text = text;
        Restored { text: out, changed }
    }

    /// Chooses the candidates of the run in `s.run` (then empties it).
    fn decode_run(&self, s: &mut Scratch) {
        if s.run.is_empty() {
            return;
        }
        if !s.run.iter().any(|(_, sl)| matches!(sl, Slot::Choose(..))) {
            s.run.clear();
            return;
        }
        s.layers.clear();
        s.layer_at.clear();
        let beam = self.search.beam.max(1);
        let bo = self.bi.get(key2(BOUNDARY, BOUNDARY)).map_or(0.0, |e| e.1);
        s.layers.push(State { w1: BOUNDARY, w2: BOUNDARY, bo, score: 0.0, parent: u32::MAX });
        s.layer_at.push(0);
        for &(_, slot) in &s.run {
            let prev = *s.layer_at.last().unwrap_or(&0);
            let prev_end = s.layers.len();
            s.next.clear();
            let (lo, hi, fixed, cue) = match slot {
                Slot::Choose(a, b, cue) => (a, b, None, cue),
                Slot::Fixed(id) => (0, 1, Some(id), Case::Silent),
            };
            for ci in lo..hi {
                let c = fixed.unwrap_or_else(|| self.cand_ids[ci as usize]);
                for st in &s.layers[prev..prev_end] {
                    self.tri.prefetch(key3(st.w1, st.w2, c));
                    self.bi.prefetch(key2(st.w2, c));
                }
            }
            for ci in lo..hi {
                let c = fixed.unwrap_or_else(|| self.cand_ids[ci as usize]);
                let start = s.next.len();
                for (pi, st) in s.layers[prev..prev_end].iter().enumerate() {
                    let (lp, bo) = self.step(st.w1, st.w2, st.bo, c);
                    let score = st.score + lp + self.case_cost(c, cue);
                    // States with the same last two syllables: keep the better one.
                    match s.next[start..].iter_mut().find(|n| n.w1 == st.w2) {
                        Some(n) if n.score >= score => {}
                        Some(n) => {
                            n.score = score;
                            n.parent = (prev + pi) as u32;
                        }
                        None => s.next.push(State { w1: st.w2, w2: c, bo, score, parent: (prev + pi) as u32 }),
                    }
                }
            }
            if s.next.len() > beam {
                s.next.select_nth_unstable_by(beam - 1, |a, b| b.score.total_cmp(&a.score));
                s.next.truncate(beam);
            }
            if s.next.len() > 1 {
                let best = s.next.iter().map(|n| n.score).fold(f32::NEG_INFINITY, f32::max);
                let floor = best - self.search.threshold;
                s.next.retain(|n| n.score >= floor);
            }
            s.layer_at.push(s.layers.len());
            s.layers.extend_from_slice(&s.next);
        }
        // The end of the run, then back through the parents.
        let last = *s.layer_at.last().unwrap_or(&0);
        let mut best = last;
        let mut best_score = f32::NEG_INFINITY;
        for (i, st) in s.layers[last..].iter().enumerate() {
            let sc = st.score + self.step(st.w1, st.w2, st.bo, BOUNDARY).0;
            if sc > best_score {
                best_score = sc;
                best = last + i;
            }
        }
        s.choice.clear();
        let mut at = best as u32;
        while at != u32::MAX && at != 0 {
            let st = s.layers[at as usize];
            s.choice.push(st.w2);
            at = st.parent;
        }
        s.choice.reverse();
        for (k, &(ti, slot)) in s.run.iter().enumerate() {
            if let (Slot::Choose(..), Some(&id)) = (slot, s.choice.get(k)) {
                s.chosen[ti] = id;
            }
        }
        s.run.clear();
    }

    /// Reads a model written by [`Restorer::save`].
    pub fn load(path: &Path) -> Result<Restorer> {
        let bytes = crate::output::read_gzip(path, "a restorer model")?;
        Self::from_bytes(&bytes).map_err(|m| Error::model(path, m))
    }

    fn from_bytes(bytes: &[u8]) -> std::result::Result<Restorer, String> {
        let mut r = Reader { b: bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err("not a restorer model (wrong header)".into());
        }
        let n = r.varint()? as usize;
        if !(RESERVED..(1 << 20)).contains(&n) {
            return Err(format!("vocabulary of {n} syllables"));
        }
        let mut vocab = Vec::with_capacity(n);
        let mut uni = Vec::with_capacity(n);
        let mut case = Vec::with_capacity(n);
        for _ in 0..n {
            let len = r.varint()? as usize;
            let s = std::str::from_utf8(r.take(len)?).map_err(|_| "a syllable is not UTF-8".to_string())?;
            vocab.push(Box::<str>::from(s));
            uni.push((r.logp()?, r.logp()?));
            case.push((r.logp()?, r.logp()?));
        }
        let nb = r.varint()? as usize;
        let mut bi = Vec::with_capacity(nb.min(1 << 24));
        let mut k = 0u64;
        for _ in 0..nb {
            k = k.checked_add(r.varint()?).ok_or("bigram keys overflow")?;
            bi.push((k, (r.logp()?, r.logp()?)));
        }
        let nt = r.varint()? as usize;
        let mut tri = Vec::with_capacity(nt.min(1 << 24));
        k = 0;
        for _ in 0..nt {
            k = k.checked_add(r.varint()?).ok_or("trigram keys overflow")?;
            tri.push((k, r.logp()?));
        }
        let valid = |k: u64, parts: u32| {
            k >> (21 * parts) == 0 && (0..parts).all(|i| (((k >> (21 * i)) & 0x1F_FFFF) as usize).wrapping_sub(1) < n)
        };
        if bi.iter().any(|&(k, _)| !valid(k, 2)) || tri.iter().any(|&(k, _)| !valid(k, 3)) {
            return Err("an n-gram names a syllable outside the vocabulary".into());
        }
        Ok(Self::assemble(false, vocab, uni, case, &bi, &tri))
    }

    fn assemble(
        keep: bool,
        vocab: Vec<Box<str>>,
        uni: Vec<(f32, f32)>,
        case: Vec<(f32, f32)>,
        bi: &[(u64, (f32, f32))],
        tri: &[(u64, f32)],
    ) -> Restorer {
        let mut ids = FxHashMap::default();
        let mut groups: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        let mut folded = String::new();
        for (i, w) in vocab.iter().enumerate().skip(RESERVED) {
            ids.insert(w.clone(), i as u32);
            folded.clear();
            fold_lower_into(w, &mut folded);
            groups.entry(folded.as_str().into()).or_default().push(i as u32);
        }
        let mut cands = FxHashMap::default();
        let mut cand_ids = Vec::new();
        for (f, list) in groups {
            let a = cand_ids.len() as u32;
            cand_ids.extend(list); // ids ascend, so the commonest comes first
            cands.insert(f, (a, cand_ids.len() as u32));
        }
        Restorer {
            vocab,
            ids,
            cands,
            cand_ids,
            uni,
            case,
            bi: Probe::with_entries(bi, keep, BIGRAM_SPREAD),
            tri: Probe::with_entries(tri, keep, TRIGRAM_SPREAD),
            keep: Default::default(),
            search: SearchParams::default(),
        }
    }

    /// Writes the model (gzip; vocabulary, then n-grams with delta-coded keys and log
    /// probabilities quantised to 1/1024), through a temporary file and a rename.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut b = Vec::new();
        b.extend_from_slice(MAGIC);
        put_varint(&mut b, self.vocab.len() as u64);
        for ((w, &(p, bo)), &(cap, low)) in self.vocab.iter().zip(&self.uni).zip(&self.case) {
            put_varint(&mut b, w.len() as u64);
            b.extend_from_slice(w.as_bytes());
            put_logp(&mut b, p);
            put_logp(&mut b, bo);
            put_logp(&mut b, cap);
            put_logp(&mut b, low);
        }
        let (Some(bi), Some(tri)) = (&self.bi.keys, &self.tri.keys) else {
            return Err(Error::Param("only a model just trained can be saved (a loaded one keeps no keys)".into()));
        };
        put_varint(&mut b, bi.len() as u64);
        let mut last = 0;
        for &(k, (p, bo)) in bi {
            put_varint(&mut b, k - last);
            last = k;
            put_logp(&mut b, p);
            put_logp(&mut b, bo);
        }
        put_varint(&mut b, tri.len() as u64);
        last = 0;
        for &(k, p) in tri {
            put_varint(&mut b, k - last);
            last = k;
            put_logp(&mut b, p);
        }
        crate::output::write_gzip_atomic(path, &b)
    }
}

/// Appends an unsigned LEB128 integer.
fn put_varint(b: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        b.push((v as u8) | 0x80);
        v >>= 7;
    }
    b.push(v as u8);
}

/// Appends a log probability (at most 0) quantised to [`QUANTUM`].
fn put_logp(b: &mut Vec<u8>, p: f32) {
    put_varint(b, (-p / QUANTUM).round().clamp(0.0, 1e9) as u64);
}

/// Reads what the `put_` functions wrote, refusing truncated or oversized values.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> std::result::Result<&[u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.b.len()).ok_or("the model is cut short")?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn varint(&mut self) -> std::result::Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.b.get(self.at).ok_or("the model is cut short")?;
            self.at += 1;
            v |= ((byte & 0x7F) as u64) << shift;
            if byte < 0x80 {
                return Ok(v);
            }
        }
        Err("a number in the model is too long".into())
    }
    fn logp(&mut self) -> std::result::Result<f32, String> {
        Ok(-(self.varint()?.min(1 << 24) as f32) * QUANTUM)
    }
}

impl RestorerParams {
    /// Learns the restorer from accented text, one text per item (lines, sentences).
    pub fn train<I, S>(&self, texts: I) -> Result<Restorer>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        if self.min_syllable_count == 0 || self.min_trigram_count == 0 || self.min_bigram_count == 0 {
            return Err(Error::Param("counts below which n-grams are dropped must be at least 1".into()));
        }
        // Pass 1: the runs of lowercase syllables, interned.
        let mut intern: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut names: Vec<Box<str>> = Vec::new();
        let mut count: Vec<u64> = Vec::new();
        // Inside sentences: how often each syllable was capitalised, how often lower case.
        let mut cased: Vec<(u64, u64)> = Vec::new();
        let mut runs: Vec<u32> = Vec::new(); // runs separated by u32::MAX
        let mut norm = Normalized::default();
        let mut chars = Vec::new();
        let mut tokens = Vec::new();
        let mut key = String::new();
        for t in texts {
            normalize_into(t.as_ref(), &mut norm, &mut chars);
            tokenize_into(&norm.text, &mut tokens);
            let mut open = false;
            let mut run_start = runs.len();
            let (mut marked, mut syllables) = (0usize, 0usize);
            for (ti, tk) in tokens.iter().chain(std::iter::once(&END)).enumerate() {
                if tk.kind == TokenKind::Number {
                    runs.push(NUMBER_MARK);
                    open = true;
                    continue;
                }
                if tk.kind != TokenKind::Syllable {
                    if open {
                        // A run typed without diacritics (a reader's comment, say) would
                        // teach the model that unaccented text is right: left out.
                        if syllables >= 3 && marked * 5 < syllables {
                            runs.truncate(run_start);
                        } else {
                            runs.push(u32::MAX);
                        }
                        open = false;
                    }
                    run_start = runs.len();
                    (marked, syllables) = (0, 0);
                    continue;
                }
                marked += has_diacritics(tk.text(&norm.text)) as usize;
                syllables += 1;
                key.clear();
                push_lowercase(&mut key, tk.text(&norm.text));
                let id = match intern.get(key.as_str()) {
                    Some(&id) => id,
                    None => {
                        let id = names.len() as u32;
                        names.push(key.as_str().into());
                        intern.insert(key.as_str().into(), id);
                        count.push(0);
                        cased.push((0, 0));
                        id
                    }
                };
                count[id as usize] += 1;
                let prev = ti.checked_sub(1).map(|p| tokens[p].text(&norm.text));
                match case_of(tk.text(&norm.text), starts_sentence(prev)) {
                    Case::Capital => cased[id as usize].0 += 1,
                    Case::Lower => cased[id as usize].1 += 1,
                    Case::Silent => {}
                }
                runs.push(id);
                open = true;
            }
        }
        // The vocabulary: syllables seen often enough, the commonest first.
        let mut order: Vec<u32> =
            (0..names.len() as u32).filter(|&i| count[i as usize] >= self.min_syllable_count as u64).collect();
        order.sort_unstable_by(|&a, &b| {
            count[b as usize].cmp(&count[a as usize]).then(names[a as usize].cmp(&names[b as usize]))
        });
        if order.len() >= (1 << 20) - RESERVED {
            return Err(Error::Param(format!("{} syllables: more than the model holds", order.len())));
        }
        let mut remap = vec![UNKNOWN; names.len()];
        let mut vocab: Vec<Box<str>> = vec!["".into(); RESERVED];
        // P(case | w), drawn towards the capitalised share of all syllables.
        let (all_cap, all_low) = cased.iter().fold((0u64, 0u64), |a, c| (a.0 + c.0, a.1 + c.1));
        let prior = (all_cap as f64 + 1.0) / ((all_cap + all_low) as f64 + 2.0);
        let mut case = vec![(0.0f32, 0.0f32); RESERVED];
        for (k, &i) in order.iter().enumerate() {
            remap[i as usize] = (k + RESERVED) as u32;
            vocab.push(names[i as usize].clone());
            let (cap, low) = cased[i as usize];
            let p = (cap as f64 + 2.0 * prior) / ((cap + low) as f64 + 2.0);
            case.push((p.ln() as f32, (1.0 - p).ln() as f32));
        }
        drop(intern);
        // Pass 2: trigram counts, boundaries padded.
        let mut c3: FxHashMap<u64, u32> = FxHashMap::default();
        let (mut a, mut b) = (BOUNDARY, BOUNDARY);
        for &w in &runs {
            let c = match w {
                u32::MAX => BOUNDARY,
                NUMBER_MARK => NUMBER,
                _ => remap[w as usize],
            };
            *c3.entry(key3(a, b, c)).or_default() += 1;
            if w == u32::MAX {
                (a, b) = (BOUNDARY, BOUNDARY);
            } else {
                (a, b) = (b, c);
            }
        }
        drop(runs);
        Ok(kneser_ney(vocab, case, &c3, self))
    }
}

/// Interpolated Kneser-Ney over trigram counts, stored ARPA-style (probability and backoff).
fn kneser_ney(vocab: Vec<Box<str>>, case: Vec<(f32, f32)>, c3: &FxHashMap<u64, u32>, p: &RestorerParams) -> Restorer {
    let v = vocab.len();
    let split = |k: u64| (((k >> 42) - 1) as u32, (((k >> 21) & 0x1F_FFFF) - 1) as u32, ((k & 0x1F_FFFF) - 1) as u32);
    // Trigram contexts: total count and distinct followers.
    let mut ctx3: FxHashMap<u64, (u64, u64)> = FxHashMap::default();
    // Bigram continuation counts N1+(. b c).
    let mut n2: FxHashMap<u64, u64> = FxHashMap::default();
    let (mut t1, mut t2) = (0u64, 0u64);
    for (&k, &n) in c3 {
        let (a, b, c) = split(k);
        let e = ctx3.entry(key2(a, b)).or_default();
        e.0 += n as u64;
        e.1 += 1;
        *n2.entry(key2(b, c)).or_default() += 1;
        t1 += (n == 1) as u64;
        t2 += (n == 2) as u64;
    }
    let d3 = discount(t1, t2);
    // Middle order: contexts N1+(. b .), N1+(b .); unigram continuation N1+(. c).
    let mut ctx2: Vec<(u64, u64)> = vec![(0, 0); v];
    let mut n1: Vec<u64> = vec![0; v];
    let (mut s1, mut s2) = (0u64, 0u64);
    for (&k, &n) in &n2 {
        let (b, c) = (((k >> 21) - 1) as usize, ((k & 0x1F_FFFF) - 1) as usize);
        ctx2[b].0 += n;
        ctx2[b].1 += 1;
        n1[c] += 1;
        s1 += (n == 1) as u64;
        s2 += (n == 2) as u64;
    }
    let d2 = discount(s1, s2);
    let total1: u64 = n1.iter().sum();
    let p1: Vec<f64> = n1.iter().map(|&n| (n as f64 + 0.5) / (total1 as f64 + 0.5 * v as f64)).collect();
    let bo1: Vec<f64> =
        ctx2.iter().map(|&(tot, distinct)| if tot == 0 { 1.0 } else { d2 * distinct as f64 / tot as f64 }).collect();
    let p2 = |b: usize, c: usize, n: u64| -> f64 {
        let (tot, _) = ctx2[b];
        if tot == 0 {
            return p1[c];
        }
        (n as f64 - d2).max(0.0) / tot as f64 + bo1[b] * p1[c]
    };
    let uni: Vec<(f32, f32)> = (0..v).map(|i| (p1[i].ln() as f32, bo1[i].ln() as f32)).collect();
    // Bigram entries: every continuation bigram kept by count, and every trigram context.
    let mut bi: FxHashMap<u64, (f32, f32)> = FxHashMap::default();
    for (&k, &n) in &n2 {
        if n < p.min_bigram_count as u64 && !ctx3.contains_key(&k) {
            continue;
        }
        let (b, c) = (((k >> 21) - 1) as usize, ((k & 0x1F_FFFF) - 1) as usize);
        bi.insert(k, (p2(b, c, n).ln() as f32, 0.0));
    }
    for (&k, &(tot, distinct)) in &ctx3 {
        let (b, c) = (((k >> 21) - 1) as usize, ((k & 0x1F_FFFF) - 1) as usize);
        let lp = match bi.get(&k) {
            Some(e) => e.0,
            None => (bo1[b] * p1[c]).ln() as f32,
        };
        bi.insert(k, (lp, (d3 * distinct as f64 / tot as f64).ln() as f32));
    }
    let mut tri: Vec<(u64, f32)> = Vec::new();
    for (&k, &n) in c3 {
        if n < p.min_trigram_count {
            continue;
        }
        let (a, b, c) = split(k);
        let (tot, distinct) = ctx3[&key2(a, b)];
        let lower = p2(b as usize, c as usize, n2.get(&key2(b, c)).copied().unwrap_or(0));
        let pr = (n as f64 - d3).max(0.0) / tot as f64 + d3 * distinct as f64 / tot as f64 * lower;
        tri.push((k, pr.ln() as f32));
    }
    let bi: Vec<(u64, (f32, f32))> = bi.into_iter().collect();
    Restorer::assemble(true, vocab, uni, case, &bi, &tri)
}

/// The absolute discount n1 / (n1 + 2 n2), within (0.1, 0.9).
fn discount(n1: u64, n2: u64) -> f64 {
    if n1 + n2 == 0 {
        return 0.5;
    }
    (n1 as f64 / (n1 as f64 + 2.0 * n2 as f64)).clamp(0.1, 0.9)
}

/// The model's file name in models/.
pub const MODEL_FILE: &str = "restorer.bin";

impl Restorer {
    /// Loads models/restorer.bin with the teen code of models/teencode.tsv left as typed.
    pub fn load_models(models: &Path) -> Result<Restorer> {
        Self::load_with_teencode(&models.join(MODEL_FILE), models)
    }

    /// Loads a model file, leaving the short forms of `models`/teencode.tsv as typed.
    pub fn load_with_teencode(model: &Path, models: &Path) -> Result<Restorer> {
        let mut r = Self::load(model)?;
        let tc_path = models.join("teencode.tsv");
        let tc = std::fs::read_to_string(&tc_path).map_err(|e| Error::io(&tc_path, e))?;
        r.keep_as_typed(
            tc.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).filter_map(|l| l.split_once('\t')),
        );
        Ok(r)
    }
}

impl Restorer {
    /// The n-grams stored, in words ("1,234 bigrams, 5,678 trigrams").
    pub fn sizes(&self) -> String {
        format!("{} bigrams, {} trigrams", self.bi.len, self.tri.len)
    }
}
