//! What each thread remembers of the texts it analysed, so that a clause, a syllable run
//! or a letter run seen before is copied instead of computed again. The rules:
//! - a memo never changes a result: the words of a text are the same with or without it
//!   (tested on the bundled corpus against a fresh thread);
//! - every memo is per thread and bounded (a clause memo of two generations, the others
//!   emptied when full), so nothing is shared or locked between threads;
//! - the pipeline empties them all once every text is analysed ([`forget_everywhere`]),
//!   giving their memory to the later stages; nothing else needs to clear them.

use rustc_hash::FxHashMap;

use super::analyzer::{Analysis, SyllableSpan, Word};

/// Clauses already analysed on this thread, by their text as written: most of a
/// submission is clauses that other submissions have too ("Em xin cảm ơn.", "đề nghị tỉnh
/// quan tâm,"), and a clause seen before costs a copy instead of normalising, tokenising
/// and segmenting. A clause ends after `,` `.` `;` `:` `!` or `?` and the spaces after
/// it: every token, syllable run and phrase then ends inside a clause, so the words of
/// a text are the words of its clauses one after another (tested against the whole
/// text analysed at once). What depends on the whole text, whether it was typed
/// without diacritics, is decided from each clause's counts first.
///
/// Two generations bound its size: when the current one is full it becomes the old one
/// and the older is emptied; a clause found in the old one moves back to the current.
/// A generation keeps its clauses' texts and words end to end in a few long buffers
/// (no allocation per clause; emptying one keeps its buffers for the next).
pub(super) struct ClauseMemo {
    pub(super) analyzer: u64,
    /// Clauses per generation.
    pub(super) capacity: usize,
    pub(super) cur: Generation,
    pub(super) old: Generation,
    /// The number the next generation started gets.
    pub(super) next_epoch: u64,
}

impl Default for ClauseMemo {
    fn default() -> Self {
        let old = Generation { epoch: 1, ..Generation::default() };
        ClauseMemo { analyzer: 0, capacity: CLAUSE_MEMO_ENTRIES, cur: Generation::default(), old, next_epoch: 2 }
    }
}

/// Where the memo held a clause's words when the text's first pass met it: the epoch of
/// the generation and the entry's fragments. Valid while that generation lives (its
/// buffers are only ever appended to until it is emptied, which gives it a new epoch), so
/// the second pass copies the words without looking the clause up again.
#[derive(Clone, Copy)]
pub(super) struct Found {
    pub(super) epoch: u64,
    pub(super) frags: [Option<Fragment>; 2],
}

/// Clauses per generation of the memo (a full generation holds about 30 MB).
pub(super) const CLAUSE_MEMO_ENTRIES: usize = 1 << 15;

/// Clauses longer than this (in bytes) are analysed every time and not remembered.
pub(super) const CLAUSE_MEMO_BYTES: usize = 256;

/// One generation of the memo: its clauses by hash, their data in shared buffers.
#[derive(Default)]
pub(super) struct Generation {
    /// Which generation this is: no two of one memo have had the same.
    pub(super) epoch: u64,
    pub(super) map: FxHashMap<u64, ClauseEntry>,
    pub(super) text: String,
    pub(super) words: Vec<Word>,
    pub(super) syllables: Vec<u64>,
    pub(super) lower: String,
    pub(super) spans: Vec<SyllableSpan>,
}

/// A remembered clause: where its text lies, its syllable counts, and its words as built
/// when the text around it was typed with diacritics (`frags[0]`) and without (`frags[1]`).
#[derive(Clone, Copy)]
pub(super) struct ClauseEntry {
    pub(super) text: (u32, u32),
    pub(super) total: u32,
    pub(super) accented: u32,
    pub(super) frags: [Option<Fragment>; 2],
}

/// Where one clause's words lie in its generation's buffers (start, end), offsets
/// relative to the clause. A syllable's span is stored beside it, so `syllables` is
/// also the range of the spans.
#[derive(Clone, Copy)]
pub(super) struct Fragment {
    pub(super) words: (u32, u32),
    pub(super) syllables: (u32, u32),
    pub(super) lower: (u32, u32),
}

/// What the memo holds of a clause for one reading of the text.
pub(super) enum Remembered {
    /// Its words were appended.
    Appended,
    /// The clause is remembered, but not as the text reads: build it and [`ClauseMemo::fill`] it.
    OtherReading,
    /// Not remembered.
    Unknown,
}

pub(super) fn range(r: (u32, u32)) -> std::ops::Range<usize> {
    r.0 as usize..r.1 as usize
}

impl Generation {
    pub(super) fn get(&self, h: u64, text: &str) -> Option<&ClauseEntry> {
        self.map.get(&h).filter(|e| &self.text[range(e.text)] == text)
    }

    pub(super) fn get_mut(&mut self, h: u64, text: &str) -> Option<&mut ClauseEntry> {
        let Generation { map, text: all, .. } = self;
        map.get_mut(&h).filter(|e| &all[range(e.text)] == text)
    }

    /// Copies the words of `a` into the buffers.
    pub(super) fn store(&mut self, a: &Analysis) -> Fragment {
        self.store_parts(&a.words, &a.syllables, &a.lower, &a.spans)
    }

    pub(super) fn store_parts(
        &mut self,
        words: &[Word],
        syllables: &[u64],
        lower: &str,
        spans: &[SyllableSpan],
    ) -> Fragment {
        let at = |n: usize, len: usize| (n as u32, (n + len) as u32);
        debug_assert_eq!(
            (syllables.len(), self.syllables.len()),
            (spans.len(), self.spans.len()),
            "a span per syllable"
        );
        let f = Fragment {
            words: at(self.words.len(), words.len()),
            syllables: at(self.syllables.len(), syllables.len()),
            lower: at(self.lower.len(), lower.len()),
        };
        self.words.extend_from_slice(words);
        self.syllables.extend_from_slice(syllables);
        self.lower.push_str(lower);
        self.spans.extend_from_slice(spans);
        f
    }

    /// The words of fragment `f`.
    pub(super) fn parts(&self, f: &Fragment) -> (&[Word], &[u64], &str, &[SyllableSpan]) {
        (
            &self.words[range(f.words)],
            &self.syllables[range(f.syllables)],
            &self.lower[range(f.lower)],
            &self.spans[range(f.syllables)],
        )
    }

    pub(super) fn add(&mut self, h: u64, text: &str, total: u32, accented: u32) -> &mut ClauseEntry {
        let start = self.text.len() as u32;
        self.text.push_str(text);
        let e = ClauseEntry { text: (start, self.text.len() as u32), total, accented, frags: [None, None] };
        self.map.entry(h).insert_entry(e).into_mut()
    }

    pub(super) fn clear(&mut self) {
        self.map.clear();
        self.text.clear();
        self.words.clear();
        self.syllables.clear();
        self.lower.clear();
        self.spans.clear();
    }
}

impl ClauseMemo {
    /// The (syllables, syllables with diacritics) of clause `text` with hash `h`, and where
    /// it is held, the clause moved to the current generation (unless that one is full).
    pub(super) fn promote(&mut self, h: u64, text: &str) -> Option<((usize, usize), Found)> {
        if let Some(e) = self.cur.get(h, text) {
            return Some(((e.total as usize, e.accented as usize), Found { epoch: self.cur.epoch, frags: e.frags }));
        }
        let e = *self.old.get(h, text)?;
        if self.cur.map.len() >= self.capacity {
            // Still found in the old generation until this one fills and turns over.
            return Some(((e.total as usize, e.accented as usize), Found { epoch: self.old.epoch, frags: e.frags }));
        }
        self.old.map.remove(&h);
        let mut frags = [None, None];
        for (slot, f) in frags.iter_mut().zip(e.frags) {
            if let Some(f) = f {
                let (w, sy, lo, sp) = self.old.parts(&f);
                *slot = Some(self.cur.store_parts(w, sy, lo, sp));
            }
        }
        self.cur.add(h, text, e.total, e.accented).frags = frags;
        Some(((e.total as usize, e.accented as usize), Found { epoch: self.cur.epoch, frags }))
    }

    /// Remembers clause `text` with its (syllables, syllables with diacritics) and its
    /// words `a` as built for the reading `folded`; a clause without syllables reads the
    /// same both ways.
    pub(super) fn insert(
        &mut self,
        h: u64,
        text: &str,
        (total, accented): (usize, usize),
        folded: bool,
        a: &Analysis,
    ) -> Found {
        if self.cur.map.len() >= self.capacity {
            std::mem::swap(&mut self.cur, &mut self.old);
            self.cur.clear();
            self.cur.epoch = self.next_epoch;
            self.next_epoch += 1;
        }
        let f = self.cur.store(a);
        let e = self.cur.add(h, text, total as u32, accented as u32);
        e.frags[folded as usize] = Some(f);
        if total == 0 {
            e.frags[!folded as usize] = Some(f);
        }
        let frags = e.frags;
        Found { epoch: self.cur.epoch, frags }
    }

    /// Appends the words of a clause the first pass found (`found`) as read `folded`, if
    /// its generation still lives and holds them so; false (nothing appended) otherwise.
    pub(super) fn append_found(&self, found: &Found, folded: bool, out: &mut Analysis, base: u32) -> bool {
        let Some(f) = &found.frags[folded as usize] else { return false };
        let g = if found.epoch == self.cur.epoch {
            &self.cur
        } else if found.epoch == self.old.epoch {
            &self.old
        } else {
            return false;
        };
        let (w, sy, lo, sp) = g.parts(f);
        append_words(w, sy, lo, sp, out, base);
        true
    }

    /// Appends the words of clause `text` as read `folded` to `out` (the clause starting at
    /// byte `base` of the text), if remembered so.
    pub(super) fn append_to(&self, h: u64, text: &str, folded: bool, out: &mut Analysis, base: u32) -> Remembered {
        for g in [&self.cur, &self.old] {
            if let Some(e) = g.get(h, text) {
                return match &e.frags[folded as usize] {
                    Some(f) => {
                        let (w, sy, lo, sp) = g.parts(f);
                        append_words(w, sy, lo, sp, out, base);
                        Remembered::Appended
                    }
                    None => Remembered::OtherReading,
                };
            }
        }
        Remembered::Unknown
    }

    /// Adds the words `a` of remembered clause `text` as read `folded`.
    pub(super) fn fill(&mut self, h: u64, text: &str, folded: bool, a: &Analysis) {
        let g = if self.cur.get(h, text).is_some() { &mut self.cur } else { &mut self.old };
        let f = g.store(a);
        if let Some(e) = g.get_mut(h, text) {
            e.frags[folded as usize] = Some(f);
        }
    }
}

/// Appends a clause's words to `out`, the clause starting at byte `base` of the text.
pub(super) fn append_words(
    words: &[Word],
    syllables: &[u64],
    lower: &str,
    spans: &[SyllableSpan],
    out: &mut Analysis,
    base: u32,
) {
    let (syl0, lo0) = (out.syllables.len() as u32, out.lower.len() as u32);
    out.words.extend(words.iter().map(|w| Word {
        start: w.start + base,
        end: w.end + base,
        first_syllable: w.first_syllable + syl0,
        ..*w
    }));
    out.syllables.extend_from_slice(syllables);
    out.lower.push_str(lower);
    out.spans.extend(spans.iter().map(|s| SyllableSpan {
        lo: s.lo + lo0,
        hi: s.hi + lo0,
        start: s.start + base,
        end: s.end + base,
    }));
}

/// Runs of syllables already segmented on this thread, by a hash of what segmentation
/// reads (the analyzer, the lowercased syllables, their capitals, folded or not): the same
/// clause recurs across submissions ("em xin cảm ơn", "đề nghị tỉnh quan tâm") and is
/// segmented once. Bounded: emptied when full.
#[derive(Default)]
pub(super) struct RunCache {
    pub(super) map: FxHashMap<u64, SegmentedRun>,
    /// The last run too long to remember.
    pub(super) long: SegmentedRun,
}

/// A run's words as segmentation left them, and what identifies the run exactly.
#[derive(Default)]
pub(super) struct SegmentedRun {
    pub(super) analyzer: u64,
    pub(super) text: Box<str>,
    pub(super) lens: Box<[u16]>,
    pub(super) caps: Box<[bool]>,
    pub(super) folded: bool,
    /// Per word: syllable count, stop word, key.
    pub(super) words: Box<[(u16, bool, u64)]>,
    /// Folded key of every syllable.
    pub(super) syllables: Box<[u64]>,
}

pub(super) const RUN_CACHE_ENTRIES: usize = 1 << 16;

/// Runs of more syllables than this are segmented every time (at most about 3 MB of
/// memo per 1,000 entries).
pub(super) const RUN_CACHE_SYLLABLES: usize = 48;

impl SegmentedRun {
    pub(super) fn is(
        &self,
        analyzer: u64,
        text: &str,
        syls: &[(u32, u32, u32, u32, bool)],
        caps: &[bool],
        folded: bool,
    ) -> bool {
        self.analyzer == analyzer
            && self.folded == folded
            && &*self.text == text
            && *self.caps == *caps
            && self.lens.len() == syls.len()
            && self.lens.iter().zip(syls).all(|(&l, s)| l as u32 == s.1 - s.0)
    }
}

pub(super) fn run_hash(
    analyzer: u64,
    text: &str,
    syls: &[(u32, u32, u32, u32, bool)],
    caps: &[bool],
    folded: bool,
) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    analyzer.hash(&mut h);
    text.hash(&mut h);
    for (s, &c) in syls.iter().zip(caps) {
        ((s.1 - s.0) as u64 | (c as u64) << 32).hash(&mut h);
    }
    folded.hash(&mut h);
    h.finish()
}

// Letter runs already normalised on this thread. Vietnamese has a few thousand distinct
// syllables, so nearly every run of any text is one seen before. Bounded: emptied when full.
thread_local! {
    static NORMALIZED_RUNS: std::cell::RefCell<FxHashMap<Box<str>, Box<str>>> = std::cell::RefCell::new(Default::default());
}

/// Letter runs the normalisation memo holds at most.
const NORMALIZED_RUN_ENTRIES: usize = 1 << 15;

/// Appends the normal form of letter run `run` to `out`: remembered, or made by `make`
/// (and remembered when the run is short).
pub(super) fn normalized_run(run: &str, out: &mut String, make: impl FnOnce(&str) -> String) {
    NORMALIZED_RUNS.with(|m| {
        let mut m = m.borrow_mut();
        if let Some(n) = m.get(run) {
            out.push_str(n);
            return;
        }
        let n = make(run);
        out.push_str(&n);
        if run.len() <= 64 {
            if m.len() >= NORMALIZED_RUN_ENTRIES {
                m.clear();
            }
            m.insert(run.into(), n.into());
        }
    })
}

/// Empties what this thread remembers of texts it analysed (clauses, segmented runs,
/// normalised letter runs), giving its memory back; later analyses are the same.
pub fn forget_here() {
    super::analyzer::forget_scratch_memos();
    NORMALIZED_RUNS.with(|m| {
        if let Ok(mut m) = m.try_borrow_mut() {
            *m = Default::default();
        }
    });
}

/// Empties the memos of every thread of rayon's pool and of this thread: called once all
/// texts are analysed (the pipeline does, before clustering).
pub fn forget_everywhere() {
    rayon::broadcast(|_| forget_here());
    forget_here();
}
