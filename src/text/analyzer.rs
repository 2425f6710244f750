//! The text-analysis chain: normalise, tokenise, expand teen code, segment, mark stop words.
//!
//! Every later stage (features, topics, routing, labels) sees the words this produces.
//! A word's `key` is a 64-bit hash of its folded, lowercased syllables, so the same word
//! typed with or without diacritics ("vay vốn", "vay von", "VAY VỐN") has one key.

use std::cell::RefCell;

use super::memo::{
    append_words, run_hash, ClauseMemo, Found, Remembered, RunCache, SegmentedRun, CLAUSE_MEMO_BYTES,
    RUN_CACHE_ENTRIES, RUN_CACHE_SYLLABLES,
};
use std::path::Path;

use rustc_hash::{FxHashMap, FxHashSet};

use super::normalize::{fold_char, has_diacritics, is_letter, normalize_into, push_lowercase, Normalized};
use super::perceptron::Perceptron;
use super::segment::{Dictionary, LongestMatch, Segmenter, Sentence};
use super::tokenize::{tokenize_into, Token, TokenKind};
use crate::error::{Error, Result};

/// One word of analysed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    /// Start byte in the original text.
    pub start: u32,
    /// End byte (exclusive) in the original text.
    pub end: u32,
    /// Hash of the folded, lowercased word: its identity as a feature.
    pub key: u64,
    /// What kind of token the word is made of.
    pub kind: TokenKind,
    /// A stop word (function word, pronoun, politeness formula).
    pub stop: bool,
    /// Number of syllables.
    pub syllables: u16,
    /// True when punctuation or a special token separates it from the previous word.
    pub phrase_start: bool,
    /// Index of its first syllable in [`Analysis::syllables`].
    pub first_syllable: u32,
}

impl Word {
    /// True for a word that can be a feature: letters, not a stop word.
    pub fn is_content(&self) -> bool {
        !self.stop && matches!(self.kind, TokenKind::Syllable | TokenKind::Alnum)
    }
    /// The word as the person wrote it.
    pub fn surface<'a>(&self, original: &'a str) -> &'a str {
        &original[self.start as usize..self.end as usize]
    }
}

/// The words of one text.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Words in text order.
    pub words: Vec<Word>,
    /// True when the text was typed without diacritics.
    pub folded: bool,
    /// Folded key of every syllable, in order (a special token counts as one syllable).
    pub syllables: Vec<u64>,
    /// Every syllable lowercased and normalised (diacritics kept), end to end; see `spans`.
    pub lower: String,
    /// Per syllable, in the order of `syllables`: where it lies in `lower` and in the original.
    pub spans: Vec<SyllableSpan>,
}

/// Where one syllable lies in [`Analysis::lower`] and in the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyllableSpan {
    /// Start byte in [`Analysis::lower`].
    pub lo: u32,
    /// End byte (exclusive) in [`Analysis::lower`].
    pub hi: u32,
    /// Start byte in the original text.
    pub start: u32,
    /// End byte (exclusive) in the original text.
    pub end: u32,
}

/// Whether `syllables` syllables, `accented` of them with diacritics, read as typed
/// without diacritics: fewer than one in ten carry any.
pub fn typed_plainly(syllables: usize, accented: usize) -> bool {
    syllables > 0 && accented * 10 < syllables
}

/// Whether a phrase (syllables between punctuation) inside a text typed with diacritics
/// reads as typed without them: four or more syllables, [`typed_plainly`].
pub fn phrase_typed_plainly(syllables: usize, accented: usize) -> bool {
    syllables >= 4 && typed_plainly(syllables, accented)
}

impl Analysis {
    /// Empties it for the next text, keeping its buffers.
    fn clear(&mut self) {
        self.words.clear();
        self.syllables.clear();
        self.lower.clear();
        self.spans.clear();
    }

    /// The lowercased, normalised text of syllable `i`.
    pub fn syllable_text(&self, i: usize) -> &str {
        let s = self.spans[i];
        &self.lower[s.lo as usize..s.hi as usize]
    }
}

impl Analysis {
    /// The content words (letters, not stop words), each with whether it follows the
    /// previous content word within the same phrase (stop words may lie between;
    /// punctuation and special tokens may not). Features, near-duplicate shingles,
    /// labels and reasons all read bigrams this one way.
    pub fn content_words(&self) -> impl Iterator<Item = (&Word, bool)> + '_ {
        let mut open = false;
        self.words.iter().filter_map(move |w| {
            if w.phrase_start || !matches!(w.kind, TokenKind::Syllable | TokenKind::Alnum) {
                open = false;
            }
            if !w.is_content() {
                return None;
            }
            let joined = open;
            open = true;
            Some((w, joined))
        })
    }
}

/// 64-bit FNV-1a, fed one char at a time.
#[derive(Clone, Copy)]
struct Fnv(u64);
impl Fnv {
    const fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    #[inline]
    fn push(&mut self, c: char) {
        let mut b = [0u8; 4];
        for &x in c.encode_utf8(&mut b).as_bytes() {
            self.0 ^= x as u64;
            self.0 = self.0.wrapping_mul(0x100_0000_01b3);
        }
    }
}

/// The feature key of a word given its lowercased syllables: folded and hashed (low bits 00).
pub fn word_key<'s>(syllables: impl Iterator<Item = &'s str>) -> u64 {
    word_key_raw(syllables) & !3
}

/// True when a feature key is a bigram (low bits 01) rather than a word.
pub fn is_bigram(key: u64) -> bool {
    key & 3 == 1
}

/// The feature key of a syllable inside a compound word (low bits 10): shared by the
/// compounds that contain it, distinct from the syllable as a word of its own.
pub fn part_key(syllable_key: u64) -> u64 {
    (syllable_key & !3) | 2
}

/// True when a feature key is a syllable inside a compound (never shown as a label).
pub fn is_part(key: u64) -> bool {
    key & 3 == 2
}

fn word_key_raw<'s>(syllables: impl Iterator<Item = &'s str>) -> u64 {
    let mut h = Fnv::new();
    for (i, s) in syllables.enumerate() {
        if i > 0 {
            h.push(' ');
        }
        for c in s.chars() {
            h.push(fold_char(c));
        }
    }
    h.0
}

fn exact_key<'s>(syllables: impl Iterator<Item = &'s str>) -> u64 {
    let mut h = Fnv::new();
    for (i, s) in syllables.enumerate() {
        if i > 0 {
            h.push(' ');
        }
        s.chars().for_each(|c| h.push(c));
    }
    h.0
}

/// The feature key of the bigram (a, b) (low bits 01).
pub fn bigram_key(a: u64, b: u64) -> u64 {
    (mix(a, b) & !3) | 1
}

fn mix(a: u64, b: u64) -> u64 {
    let mut z = a.rotate_left(23) ^ b ^ 0x9e37_79b9_7f4a_7c15;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One clause as prepared for [`Analyzer::build`]: its text, normalised and tokenised, and
/// how the text around it reads.
#[derive(Clone, Copy)]
struct Clause<'a> {
    text: &'a str,
    norm: &'a Normalized,
    tokens: &'a [Token],
    /// Whether the text is read as typed without diacritics.
    folded: bool,
}

/// The buffers [`Analyzer::build`] reuses from clause to clause.
#[derive(Default)]
struct BuildBuffers {
    lower: String,
    /// Per syllable: range in `lower`, original span, capitalised.
    syls: Vec<(u32, u32, u32, u32, bool)>,
    starts: Vec<bool>,
}

/// Each thread's buffers and memos for analysis, reused from text to text.
#[derive(Default)]
struct Scratch {
    norm: Normalized,
    chars: Vec<char>,
    tokens: Vec<Token>,
    build: BuildBuffers,
    runs: RunCache,
    /// The clauses of the text being analysed: byte range and hash.
    clauses: Vec<(u32, u32, u64)>,
    /// One clause's words while they are built.
    frag: Analysis,
    /// This text's clauses too long to remember, in order, each built while it was first
    /// prepared and as it reads on its own (and which reading that was).
    long: Vec<(bool, Analysis)>,
    memo: ClauseMemo,
    /// Per clause of the text, where the memo held it after the first pass, if it did.
    found: Vec<Option<Found>>,
}

/// Splits `text` into clauses, each ending after `,` `.` `;` `:` `!` or `?` followed by
/// ASCII whitespace (the whitespace included), with each clause's hash.
fn split_clauses(text: &str, out: &mut Vec<(u32, u32, u64)>) {
    use std::hash::{Hash, Hasher};
    out.clear();
    let b = text.as_bytes();
    let hash = |s: usize, e: usize| {
        let mut h = rustc_hash::FxHasher::default();
        b[s..e].hash(&mut h);
        h.finish()
    };
    let (mut start, mut i) = (0usize, 0usize);
    while i + 1 < b.len() {
        if matches!(b[i], b',' | b'.' | b';' | b':' | b'!' | b'?') && b[i + 1].is_ascii_whitespace() {
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            out.push((start as u32, j as u32, hash(start, j)));
            start = j;
            i = j;
        } else {
            i += 1;
        }
    }
    if start < b.len() {
        out.push((start as u32, b.len() as u32, hash(start, b.len())));
    }
}

/// Normalises and tokenises `text` into the scratch buffers; returns its number of
/// syllables and of syllables with diacritics.
fn prepare(text: &str, norm: &mut Normalized, chars: &mut Vec<char>, tokens: &mut Vec<Token>) -> (usize, usize) {
    normalize_into(text, norm, chars);
    tokenize_into(&norm.text, tokens);
    let ntext = norm.text.as_str();
    let (mut total, mut accented) = (0usize, 0usize);
    for t in tokens.iter().filter(|t| t.kind == TokenKind::Syllable) {
        total += 1;
        accented += has_diacritics(t.text(ntext)) as usize;
    }
    (total, accented)
}

/// A distinct number for every analyzer built, so that runs cached by one are never
/// replayed by another on the same thread.
/// The phrases of an optional list file of models/ (one a line; blank lines and `#`
/// comments skipped); none when the file is not there.
fn phrase_list(path: &Path) -> Result<Vec<String>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Ok(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from).collect())
}

fn next_analyzer_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Empties the memos this thread's scratch holds (see [`super::memo::forget_here`]).
pub(super) fn forget_scratch_memos() {
    SCRATCH.with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            s.memo = ClauseMemo::default();
            s.runs = RunCache::default();
            s.long = Vec::new();
        }
    });
}

/// Turns text into words. Built from the files in `models/`.
pub struct Analyzer {
    id: u64,
    segmenter: Box<dyn Segmenter>,
    fixed: Option<Dictionary>,
    stop_exact: FxHashSet<u64>,
    stop_folded: FxHashSet<u64>,
    teencode: FxHashMap<Box<str>, Vec<Box<str>>>,
    /// Opening and closing formulas (greetings, thanks), folded: models/formulas.txt.
    formulas: Vec<String>,
    /// Words that join two requests in one sentence, lowercased: models/connectives.txt.
    connectives: Vec<String>,
}

impl Analyzer {
    /// Loads the analyzer from a models directory: dict/, segmenter.bin (the trained
    /// segmenter; without it, longest match over dict/), stopwords.txt, teencode.tsv.
    pub fn load(models: &Path) -> Result<Self> {
        let dict = Dictionary::load_dir(&models.join("dict"))?;
        let words_path = models.join("words.txt");
        let words = std::fs::read_to_string(&words_path).map_err(|e| Error::io(&words_path, e))?;
        let stop_path = models.join("stopwords.txt");
        let stops = std::fs::read_to_string(&stop_path).map_err(|e| Error::io(&stop_path, e))?;
        // Multi-syllable stop words are kept whole too, so they are recognised however
        // the segmenter splits them ("cảm ơn", "kính gửi").
        let fixed = Dictionary::from_words(words.lines().chain(stops.lines()).filter(|l| !l.starts_with('#')));
        let model = models.join("segmenter.bin");
        let segmenter: Box<dyn Segmenter> = if model.exists() {
            Box::new(Perceptron::load(&model, dict)?)
        } else {
            Box::new(LongestMatch::from_dictionary(dict))
        };
        let tc_path = models.join("teencode.tsv");
        let tc = std::fs::read_to_string(&tc_path).map_err(|e| Error::io(&tc_path, e))?;
        let mut teencode = Vec::new();
        for (n, line) in tc.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (short, long) = line
                .split_once('\t')
                .ok_or_else(|| Error::model(&tc_path, format!("line {}: expected 'short<TAB>expansion'", n + 1)))?;
            teencode.push((short.to_string(), long.to_string()));
        }
        let mut a =
            Self::new(segmenter, stops.lines().filter(|l| !l.starts_with('#')), teencode).with_fixed_words(fixed);
        a.formulas = phrase_list(&models.join("formulas.txt"))?.iter().map(|l| crate::text::fold_lower(l)).collect();
        a.connectives = phrase_list(&models.join("connectives.txt"))?
            .iter()
            .map(|l| super::normalize::normalize(l).text.to_lowercase())
            .collect();
        Ok(a)
    }

    /// Byte offsets in `sentence` where a connective of models/connectives.txt starts, as
    /// whole words after a space (folded forms match only in text typed without diacritics).
    pub fn connective_starts(&self, sentence: &str) -> Vec<usize> {
        let plain = !super::normalize::has_diacritics(sentence);
        let mut out = Vec::new();
        for (i, _) in sentence.match_indices(' ') {
            let rest = &sentence[i + 1..];
            let hit = self.connectives.iter().any(|c| {
                let n = c.chars().count();
                let head: String = rest.chars().take(n).collect::<String>().to_lowercase();
                let whole = rest.chars().nth(n).is_none_or(|x| !x.is_alphanumeric());
                whole && (head == *c || plain && crate::text::fold_lower(&head) == crate::text::fold_lower(c))
            });
            if hit {
                out.push(i + 1);
            }
        }
        out
    }

    /// True when `sentence` is only an opening or closing formula ("Kính gửi Ban tổ chức",
    /// "Em xin cảm ơn ạ"): it starts with one of models/formulas.txt and is short.
    pub fn is_formula(&self, sentence: &str) -> bool {
        let f = crate::text::fold_lower(sentence);
        let f = f.trim_matches(|c: char| !c.is_alphanumeric());
        self.formulas.iter().any(|p| f == p || f.starts_with(&format!("{p} ")) && f.split_whitespace().count() <= 8)
    }

    /// Keeps these words whole after segmentation where they align with word boundaries.
    pub fn with_fixed_words(mut self, words: Dictionary) -> Self {
        self.fixed = Some(words);
        self.id = next_analyzer_id();
        self
    }

    /// Builds an analyzer from its parts: a segmenter, stop words and teen-code pairs.
    pub fn new<'a>(
        segmenter: Box<dyn Segmenter>,
        stop_words: impl IntoIterator<Item = &'a str>,
        teencode: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        let mut stop_exact = FxHashSet::default();
        let mut stop_folded = FxHashSet::default();
        for w in stop_words {
            let n = super::normalize::normalize(w.trim()).text.to_lowercase();
            if n.is_empty() {
                continue;
            }
            stop_exact.insert(exact_key(n.split_whitespace()));
            stop_folded.insert(word_key(n.split_whitespace()));
        }
        let teencode = teencode
            .into_iter()
            .map(|(s, l)| {
                let s = super::normalize::normalize(s.trim()).text.to_lowercase();
                let l = super::normalize::normalize(l.trim()).text.to_lowercase();
                (s.into_boxed_str(), l.split_whitespace().map(Box::from).collect())
            })
            .collect();
        Analyzer {
            id: next_analyzer_id(),
            segmenter,
            fixed: None,
            stop_exact,
            stop_folded,
            teencode,
            formulas: Vec::new(),
            connectives: Vec::new(),
        }
    }

    /// Whether `text` uses a teen-code spelling this analyzer expands ("ko", "đc").
    pub fn uses_teencode(&self, text: &str) -> bool {
        let lower = super::normalize::normalize(text).text.to_lowercase();
        lower.split(|c: char| !c.is_alphanumeric()).any(|w| !w.is_empty() && self.teencode.contains_key(w))
    }

    /// Analyses one text.
    pub fn analyze(&self, text: &str) -> Analysis {
        let mut out = Analysis::default();
        self.analyze_into(text, &mut out);
        out
    }

    /// Analyses one text into a reusable [`Analysis`].
    pub fn analyze_into(&self, text: &str, out: &mut Analysis) {
        SCRATCH.with(|s| self.run(text, &mut s.borrow_mut(), out));
    }

    fn run(&self, text: &str, sc: &mut Scratch, out: &mut Analysis) {
        out.clear();
        let Scratch { norm, chars, tokens, build: buf, runs, clauses, frag, long, memo, found } = sc;
        if memo.analyzer != self.id {
            *memo = ClauseMemo { analyzer: self.id, capacity: memo.capacity, ..ClauseMemo::default() };
        }
        found.clear();
        // Builds the words of clause `c`, already prepared, into `frag`.
        let mut build = |c: &str, norm: &Normalized, tokens: &[Token], folded: bool, frag: &mut Analysis| {
            frag.clear();
            self.build(Clause { text: c, norm, tokens, folded }, buf, runs, frag);
        };
        split_clauses(text, clauses);
        // Whether the text was typed without diacritics is decided over the whole text,
        // from every clause's count of syllables and of those with diacritics.
        let (mut total, mut accented) = (0usize, 0usize);
        let mut longs = 0usize;
        for &(s, e, h) in clauses.iter() {
            let c = &text[s as usize..e as usize];
            let counts = match memo.promote(h, c) {
                Some((counts, at)) => {
                    found.push(Some(at));
                    counts
                }
                None => {
                    let counts = prepare(c, norm, chars, tokens);
                    // Built now, while it is prepared, as the clause reads on its own;
                    // nearly always the text as a whole reads the same.
                    let own = typed_plainly(counts.0, counts.1);
                    if c.len() > CLAUSE_MEMO_BYTES {
                        if long.len() == longs {
                            long.push(Default::default());
                        }
                        long[longs].0 = own;
                        build(c, norm, tokens, own, &mut long[longs].1);
                        longs += 1;
                        found.push(None);
                    } else {
                        build(c, norm, tokens, own, frag);
                        found.push(Some(memo.insert(h, c, counts, own, frag)));
                    }
                    counts
                }
            };
            total += counts.0;
            accented += counts.1;
        }
        let folded = typed_plainly(total, accented);
        out.folded = folded;
        let mut longs = long[..longs].iter();
        for (&(s, e, h), at) in clauses.iter().zip(found.iter()) {
            let c = &text[s as usize..e as usize];
            if c.len() > CLAUSE_MEMO_BYTES {
                match longs.next() {
                    Some((own, built)) if *own == folded => {
                        append_words(&built.words, &built.syllables, &built.lower, &built.spans, out, s)
                    }
                    _ => {
                        prepare(c, norm, chars, tokens);
                        build(c, norm, tokens, folded, frag);
                        append_words(&frag.words, &frag.syllables, &frag.lower, &frag.spans, out, s);
                    }
                }
                continue;
            }
            if at.is_some_and(|at| memo.append_found(&at, folded, out, s)) {
                continue;
            }
            let remembered = memo.append_to(h, c, folded, out, s);
            if !matches!(remembered, Remembered::Appended) {
                prepare(c, norm, chars, tokens);
                build(c, norm, tokens, folded, frag);
                if matches!(remembered, Remembered::OtherReading) {
                    memo.fill(h, c, folded, frag);
                }
                append_words(&frag.words, &frag.syllables, &frag.lower, &frag.spans, out, s);
            }
        }
    }

    /// Appends the words of one prepared clause to `out`, offsets relative to its text.
    /// Long because it is the analysis chain's one pass over a clause's tokens (teen code,
    /// syllable runs, segmentation, fixed words, stop words) over shared buffers: the
    /// hottest loop of a run, kept free of allocation.
    fn build(&self, clause: Clause<'_>, buf: &mut BuildBuffers, runs: &mut RunCache, out: &mut Analysis) {
        let Clause { text, norm, tokens, folded: folded_text } = clause;
        let BuildBuffers { lower, syls, starts } = buf;
        let ntext = norm.text.as_str();
        let map = &norm.map;
        let orig = |p: u32| map.to_original(p as usize) as u32;
        let mut phrase_break = true;
        let mut i = 0;
        while i < tokens.len() {
            let t = tokens[i];
            if t.kind != TokenKind::Syllable {
                match t.kind {
                    TokenKind::Punct => phrase_break = true,
                    kind => {
                        lower.clear();
                        push_lowercase(lower, t.text(ntext));
                        let key = word_key(std::iter::once(lower.as_str()));
                        out.syllables.push(key);
                        push_span(out, lower, orig(t.start), orig(t.end));
                        out.words.push(Word {
                            first_syllable: out.syllables.len() as u32 - 1,
                            start: orig(t.start),
                            end: orig(t.end),
                            key,
                            kind,
                            stop: false,
                            syllables: 1,
                            phrase_start: phrase_break,
                        });
                        phrase_break = kind != TokenKind::Alnum;
                    }
                }
                i += 1;
                continue;
            }
            // A run of syllables: lowercase, expand teen code, segment.
            lower.clear();
            syls.clear();
            let mut run_accented = 0usize;
            let run_start = i;
            while i < tokens.len() && tokens[i].kind == TokenKind::Syllable {
                let t = tokens[i];
                let s = t.text(ntext);
                run_accented += has_diacritics(s) as usize;
                let cap = s.chars().next().is_some_and(char::is_uppercase);
                let a = lower.len() as u32;
                push_lowercase(lower, s);
                let (os, oe) = (orig(t.start), orig(t.end));
                if let Some(exp) = self.teencode.get(&lower[a as usize..]) {
                    lower.truncate(a as usize);
                    for part in exp {
                        let b = lower.len() as u32;
                        lower.push_str(part);
                        syls.push((b, lower.len() as u32, os, oe, cap));
                    }
                } else {
                    syls.push((a, lower.len() as u32, os, oe, cap));
                }
                i += 1;
            }
            if syls.is_empty() {
                continue; // only teen code that expands to nothing
            }
            let buf = lower.as_str();
            // A run typed in capitals is not a run of names: segment it as lowercase text.
            let shouting = syls.len() > 1
                && syls.iter().all(|&(_, _, os, oe, _)| {
                    let t = &text[os as usize..oe as usize];
                    t.chars().any(is_letter) && !t.chars().any(char::is_lowercase)
                });
            let caps: Vec<bool> = syls.iter().map(|s| s.4 && !shouting).collect();
            // Typed without diacritics: the whole text, or a phrase of four or more
            // syllables inside a text that has them (an unaccented request behind an
            // accented greeting).
            let run_len = i - run_start;
            let folded = folded_text || phrase_typed_plainly(run_len, run_accented);
            let run_text = &buf[syls[0].0 as usize..syls[syls.len() - 1].1 as usize];
            let h = run_hash(self.id, run_text, syls, &caps, folded);
            let cached = runs.map.get(&h).filter(|r| r.is(self.id, run_text, syls, &caps, folded));
            let seg = match cached {
                Some(r) => r,
                None => {
                    let sl: Vec<&str> = syls.iter().map(|&(a, b, ..)| &buf[a as usize..b as usize]).collect();
                    let seg = self.segment_run(&sl, &caps, folded, starts, syls, run_text);
                    if syls.len() > RUN_CACHE_SYLLABLES {
                        // A long run rarely recurs; kept out so that the memo's size stays bounded.
                        runs.long = seg;
                        &runs.long
                    } else {
                        if runs.map.len() >= RUN_CACHE_ENTRIES {
                            runs.map.clear();
                        }
                        runs.map.entry(h).insert_entry(seg).into_mut()
                    }
                }
            };
            let mut j = 0usize;
            for &(n, stop, key) in seg.words.iter() {
                let e = j + n as usize;
                let first_syllable = out.syllables.len() as u32;
                out.syllables.extend_from_slice(&seg.syllables[j..e]);
                for &(a, b, os, oe, _) in &syls[j..e] {
                    push_span(out, &buf[a as usize..b as usize], os, oe);
                }
                out.words.push(Word {
                    first_syllable,
                    start: syls[j].2,
                    end: syls[e - 1].3,
                    key,
                    kind: TokenKind::Syllable,
                    stop,
                    syllables: n,
                    phrase_start: phrase_break,
                });
                phrase_break = false;
                j = e;
            }
        }
    }

    /// Segments one run of lowercased syllables into words with their keys and stop flags.
    fn segment_run(
        &self,
        sl: &[&str],
        caps: &[bool],
        folded: bool,
        starts: &mut Vec<bool>,
        syls: &[(u32, u32, u32, u32, bool)],
        run_text: &str,
    ) -> SegmentedRun {
        self.segmenter.segment(&Sentence { syllables: sl, capitalized: caps, folded }, starts);
        if let Some(fixed) = &self.fixed {
            merge_fixed(fixed, sl, folded, starts);
        }
        let mut words = Vec::new();
        let mut w = 0;
        while w < sl.len() {
            let mut e = w + 1;
            while e < sl.len() && !starts[e] {
                e += 1;
            }
            let parts = || sl[w..e].iter().copied();
            let key = word_key(parts());
            let stop = self.stop_exact.contains(&exact_key(parts())) || (folded && self.stop_folded.contains(&key));
            words.push(((e - w) as u16, stop, key));
            w = e;
        }
        SegmentedRun {
            analyzer: self.id,
            text: run_text.into(),
            lens: syls.iter().map(|s| (s.1 - s.0) as u16).collect(),
            caps: caps.into(),
            folded,
            words: words.into(),
            syllables: sl.iter().map(|p| word_key(std::iter::once(*p))).collect(),
        }
    }
}

impl Analyzer {
    /// Appends the feature keys of `a` to `out`: content words, bigrams of content words
    /// adjacent within a phrase, and the syllables of compound words (so that related
    /// compounds, "học nghề" and "dạy nghề", share a feature, "nghề").
    pub fn feature_keys(a: &Analysis, out: &mut Vec<u64>) {
        let mut prev = 0u64;
        for (w, joined) in a.content_words() {
            out.push(w.key);
            if w.syllables > 1 {
                let first = w.first_syllable as usize;
                out.extend(a.syllables[first..first + w.syllables as usize].iter().map(|&s| part_key(s)));
            }
            if joined {
                out.push(bigram_key(prev, w.key));
            }
            prev = w.key;
        }
    }
}

impl Analyzer {
    /// The features of a classifier: [`Analyzer::feature_keys`] plus every syllable and
    /// every pair of adjacent syllables within a phrase, content or not. Supervised models gain from
    /// the extra evidence; clustering is better without it.
    pub fn classifier_keys(a: &Analysis, out: &mut Vec<u64>) {
        Self::feature_keys(a, out);
        Self::classifier_extras(a, out);
    }

    /// What [`Analyzer::classifier_keys`] adds to [`Analyzer::feature_keys`]: every
    /// syllable and every pair of adjacent syllables within a phrase.
    pub fn classifier_extras(a: &Analysis, out: &mut Vec<u64>) {
        syllable_pairs(a, |i| a.syllables[i], |s| part_key(s ^ 0x5bd1_e995), |p, s| part_key(mix(p, s)), out);
    }
}

/// Walks every syllable (key from `key`) and every pair of adjacent syllables within a
/// phrase, pushing `one(s)` for each syllable and `two(previous, s)` for each pair.
fn syllable_pairs(
    a: &Analysis,
    key: impl Fn(usize) -> u64,
    one: impl Fn(u64) -> u64,
    two: impl Fn(u64, u64) -> u64,
    out: &mut Vec<u64>,
) {
    let mut prev: Option<u64> = None;
    for w in &a.words {
        if w.phrase_start || !matches!(w.kind, TokenKind::Syllable | TokenKind::Alnum) {
            prev = None;
        }
        let first = w.first_syllable as usize;
        for i in first..first + w.syllables as usize {
            let s = key(i);
            out.push(one(s));
            if let Some(p) = prev {
                out.push(two(p, s));
            }
            prev = Some(s);
        }
    }
}

/// Appends one syllable's text to `out.lower` and its span to `out.spans`.
#[inline]
fn push_span(out: &mut Analysis, text: &str, start: u32, end: u32) {
    let lo = out.lower.len() as u32;
    out.lower.push_str(text);
    out.spans.push(SyllableSpan { lo, hi: out.lower.len() as u32, start, end });
}

impl Analyzer {
    /// Keys of the syllables as written (lowercase, diacritics kept) and of adjacent pairs
    /// of them within a phrase (low bits 11). Folded keys merge "bán", "bạn" and "bản";
    /// where texts are typed with diacritics, a classifier gains from telling them apart.
    pub fn exact_syllable_keys(a: &Analysis, out: &mut Vec<u64>) {
        syllable_pairs(a, |i| exact_key(std::iter::once(a.syllable_text(i))), |h| h | 3, |p, h| mix(p, h) | 3, out);
    }
}

/// Joins syllables into a fixed word wherever its match starts and ends at word starts.
fn merge_fixed(fixed: &Dictionary, syls: &[&str], folded: bool, starts: &mut [bool]) {
    let (mut buf, mut ids, mut lens) = (String::new(), Vec::new(), Vec::new());
    fixed.syllable_ids(syls, folded, &mut buf, &mut ids);
    let mut i = 0;
    while i < syls.len() {
        if starts[i] {
            fixed.matches_ids(&ids[i..], folded, &mut lens);
            if let Some(&l) = lens.iter().rev().find(|&&l| i + l == syls.len() || starts[i + l]) {
                starts[i + 1..i + l].iter_mut().for_each(|s| *s = false);
                i += l;
                continue;
            }
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_clause_memo_turning_over_analyses_as_a_fresh_thread() {
        // Four clauses per generation: clauses move from the old generation back to the
        // current one, generations turn over mid-text, and a clause is asked for in the
        // other reading (the text around it typed without diacritics) after it was kept.
        let texts = [
            "Em muốn vay vốn ưu đãi, thanh niên không có việc làm, xin cảm ơn.",
            "thanh niên không có việc làm, Em muốn vay vốn ưu đãi, ngân hàng ở xa.",
            "em muon vay von uu dai, thanh nien khong co viec lam, ngân hàng ở xa.",
            "Ngân hàng ở xa, em muốn vay vốn ưu đãi, thanh niên không có việc làm.",
            "1, 2, 3, 4, 5, thanh niên không có việc làm, xin cảm ơn.",
            "EM MUỐN VAY VỐN ƯU ĐÃI, xin cảm ơn.",
        ];
        let an = analyzer();
        let fresh: Vec<Analysis> =
            texts.iter().map(|t| std::thread::scope(|s| s.spawn(|| an.analyze(t)).join().unwrap())).collect();
        let small = std::thread::scope(|s| {
            s.spawn(|| {
                SCRATCH.with(|sc| sc.borrow_mut().memo.capacity = 4);
                let once: Vec<Analysis> = texts.iter().map(|t| an.analyze(t)).collect();
                let again: Vec<Analysis> = texts.iter().rev().map(|t| an.analyze(t)).collect();
                let kept = SCRATCH.with(|sc| {
                    let sc = sc.borrow();
                    (sc.memo.cur.map.len(), sc.memo.old.map.len())
                });
                (once, again, kept)
            })
            .join()
            .unwrap()
        });
        let (once, again, (cur, old)) = small;
        assert!(cur <= 4 && old <= 4 && cur + old > 4, "generations hold {cur} and {old}");
        let view = |a: &Analysis| (a.words.clone(), a.syllables.clone(), a.lower.clone(), a.spans.clone(), a.folded);
        for (i, t) in texts.iter().enumerate() {
            assert_eq!(view(&once[i]), view(&fresh[i]), "{t}");
            assert_eq!(view(&again[texts.len() - 1 - i]), view(&fresh[i]), "{t} (again)");
        }
    }

    fn analyzer() -> Analyzer {
        let seg = LongestMatch::from_words(["thanh niên", "vay vốn", "ưu đãi", "ngân hàng", "không có"]);
        Analyzer::new(
            Box::new(seg),
            ["em", "muốn", "được"],
            vec![("ko".into(), "không".into()), ("dc".into(), "được".into())],
        )
    }

    fn keys(a: &Analyzer, s: &str) -> Vec<u64> {
        let mut v = Vec::new();
        Analyzer::feature_keys(&a.analyze(s), &mut v);
        v
    }

    #[test]
    fn no_diacritics_meet_accented_twin() {
        let a = analyzer();
        assert_eq!(keys(&a, "vay von uu dai"), keys(&a, "vay vốn ưu đãi"));
        assert_eq!(keys(&a, "VAY VỐN ƯU ĐÃI"), keys(&a, "vay vốn ưu đãi"));
        assert!(!keys(&a, "vay vốn ưu đãi").is_empty());
    }

    #[test]
    fn offsets_slice_the_original_and_teencode_expands() {
        let a = analyzer();
        let text = "Em ko dc vay vốn, thanh niên 😢";
        let an = a.analyze(text);
        let surf: Vec<&str> = an.words.iter().map(|w| w.surface(text)).collect();
        assert_eq!(surf, ["Em", "ko", "dc", "vay vốn", "thanh niên", "😢"]);
        assert!(an.words[0].stop && an.words[2].stop && !an.words[3].stop);
        // "ko" became "không", which is a feature word here.
        assert_eq!(an.words[1].key, word_key(["không"].into_iter()));
        assert_eq!(an.words[5].kind, TokenKind::Emoji);
        assert!(an.words[4].phrase_start);
        // Each syllable keeps its lowercased form (teen code expanded) and its original span.
        let syl: Vec<&str> = (0..an.spans.len()).map(|i| an.syllable_text(i)).collect();
        assert_eq!(syl, ["em", "không", "được", "vay", "vốn", "thanh", "niên", "😢"]);
        assert_eq!(&text[an.spans[4].start as usize..an.spans[4].end as usize], "vốn");
        assert_eq!(an.spans.len(), an.syllables.len());
    }

    #[test]
    fn exact_forms_tell_apart_what_folding_merges() {
        let a = analyzer();
        let exact = |s: &str| {
            let mut v = Vec::new();
            Analyzer::exact_syllable_keys(&a.analyze(s), &mut v);
            v
        };
        assert_eq!(keys(&a, "bán hàng"), keys(&a, "bạn hàng"));
        assert_ne!(exact("bán hàng"), exact("bạn hàng"));
        assert_eq!(exact("Bán hàng"), exact("bán hàng"));
        // Syllables and the pair between them; a comma breaks the pair.
        assert_eq!(exact("bán hàng").len(), 3);
        assert_eq!(exact("bán, hàng").len(), 2);
        assert!(exact("bán hàng").iter().all(|k| k & 3 == 3));
    }

    /// The text analysed at once, without splitting it into clauses or remembering them.
    fn whole(a: &Analyzer, text: &str) -> Analysis {
        let mut sc = Scratch::default();
        let mut out = Analysis::default();
        let Scratch { norm, chars, tokens, build, runs, .. } = &mut sc;
        let (total, accented) = prepare(text, norm, chars, tokens);
        out.folded = typed_plainly(total, accented);
        a.build(Clause { text, norm, tokens, folded: out.folded }, build, runs, &mut out);
        out
    }

    fn parts(x: &Analysis) -> (&[Word], &[u64], &str, &[SyllableSpan], bool) {
        (&x.words, &x.syllables, &x.lower, &x.spans, x.folded)
    }

    #[test]
    fn a_text_analyses_clause_by_clause_as_it_does_whole() {
        use unicode_normalization::UnicodeNormalization;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let a = Analyzer::load(&dir.join("models")).unwrap();
        let corpus = std::fs::read_to_string(dir.join("corpus/submissions.csv")).unwrap();
        let mut texts: Vec<String> = Vec::new();
        for line in corpus.lines().skip(1).take(300) {
            texts.push(line.to_string());
            texts.push(line.to_uppercase());
            texts.push(super::super::normalize::fold_lower(line));
            texts.push(line.nfd().collect());
        }
        // Tokens that punctuation and spaces sit next to, or inside.
        texts.extend(
            [
                "Liên hệ 0912 345 678, 0912.345.678. Hoặc +84 912 345 678; email: doan.thanh.nien@langson.gov.vn, web https://langson.gov.vn/tin-tuc?id=1, www.tinhdoan.vn.",
                "Ngày 12/3/2024, lãi suất 6,6%/năm; vay 100.000.000 đồng, 2,5 triệu... v.v. TP. Lạng Sơn!? (xã Yên Phúc, huyện Văn Quan) 😢, 😀!",
                "Xin chao cac anh chi, em muon hoi ve vay von. Cảm ơn ạ, ĐỀ NGHỊ TỈNH QUAN TÂM, ko dc hỗ trợ: e cần việc làm!",
                "thanh nien xa em, cac ban tre muon hoc nghe sua chua may nong nghiep, nhung chua co lop hoc. Em xin cảm ơn.",
                ", . ; : ! ?  ,,  ..  a, b. c; d: e! f? ",
                "",
                "   ",
            ]
            .map(String::from),
        );
        // Clauses too long to remember (over 256 bytes): alone; behind an accented greeting
        // in a text typed without diacritics; accented in a text that, as a whole, is not.
        let plain = "thanh nien xa em muon hoc nghe sua chua may nong nghiep nhung chua co lop hoc ".repeat(5);
        let accented =
            "thanh niên xã em muốn học nghề sửa chữa máy nông nghiệp bên hồ nhưng chưa có lớp học ".repeat(4);
        texts.push(plain.clone());
        texts.push(format!("Kính gửi lãnh đạo tỉnh, {plain}. Em xin cảm ơn."));
        texts.push(format!("{accented}, {}", "em can viec lam, ".repeat(300)));
        texts.push(format!("{accented}. {accented}"));
        let mut out = Analysis::default();
        for t in &texts {
            a.analyze_into(t, &mut out);
            let once = whole(&a, t);
            assert_eq!(parts(&out), parts(&once), "{t}");
            // Again, now that its clauses are remembered.
            a.analyze_into(t, &mut out);
            assert_eq!(parts(&out), parts(&once), "{t}");
        }
        assert!(texts.iter().map(|t| a.analyze(t).words.len()).sum::<usize>() > 10_000);
    }
}
