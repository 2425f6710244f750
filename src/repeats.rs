//! Texts sent again word for word: for each new submission, the earlier one whose text it
//! repeats exactly, so that a repeated text is analysed once.
//!
//! An open-addressing table from a hash of the text to where it was first read. A
//! million submissions make a table of tens of megabytes, and every lookup lands in a
//! random part of it and then of the earlier texts; looked up one after another, each
//! waits for memory. So a batch is looked up in passes, each asking the processor for
//! what a later lookup will read ([`prefetch`]): the table's slots, then the earlier
//! submissions, then their texts, and only the last pass compares the bytes.

use rayon::prelude::*;

use crate::input::Submission;

/// Lookups ahead of the one being made whose memory is fetched.
const AHEAD: usize = 12;
/// Lookups per parallel part of a batch.
const PART: usize = 2048;

/// Where each text was first read, by its hash.
#[derive(Debug, Default)]
pub struct Repeats {
    /// (hash, index of the submission + 1); 0 marks a free slot, so a table never
    /// written to is memory never touched.
    slots: Vec<(u64, u32)>,
    /// Slots in use.
    len: usize,
    /// 64 minus the number of bits of a slot position.
    shift: u32,
}

/// The hash a text is remembered by.
pub fn text_hash(t: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    t.hash(&mut h);
    h.finish()
}

/// Asks the processor to start loading the cache line at `p` (a hint only: nothing is read).
#[inline]
pub fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and reads nothing the program sees, whatever the address.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

impl Repeats {
    const FREE: u32 = 0;

    /// A table with room for `n` texts before it first grows.
    pub fn with_capacity(n: usize) -> Self {
        let bits = (n.saturating_mul(2)).max(16).next_power_of_two().trailing_zeros();
        Repeats { slots: vec![(0, Self::FREE); 1 << bits], len: 0, shift: 64 - bits }
    }

    /// Texts remembered.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no text is remembered.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn home(&self, hash: u64) -> usize {
        (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Remembers that the text of hash `hash` was first read as submission `at` (below `u32::MAX`).
    pub fn insert(&mut self, hash: u64, at: u32) {
        if self.slots.is_empty() || (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(hash);
        while self.slots[i].1 != Self::FREE {
            i = (i + 1) & mask;
        }
        self.slots[i] = (hash, at + 1);
        self.len += 1;
    }

    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        *self = Repeats::with_capacity((old.len() / 2).max(8) * 2);
        for (h, at) in old.into_iter().filter(|s| s.1 != Self::FREE) {
            self.insert(h, at - 1);
        }
    }

    /// The first submission of `seen` whose text is `text` (of hash `hash`), probing from slot `i`.
    fn find_from(&self, mut i: usize, hash: u64, text: &str, seen: &[Submission]) -> Option<u32> {
        let mask = self.slots.len().wrapping_sub(1);
        loop {
            let &(h, at) = self.slots.get(i)?;
            if at == Self::FREE {
                return None;
            }
            if h == hash && seen.get(at as usize - 1).is_some_and(|s| s.text == text) {
                return Some(at - 1);
            }
            i = (i + 1) & mask;
        }
    }

    /// For each of `batch` (whose text hashes are `hashes`), the submission of `seen` it
    /// repeats word for word, if any; in parallel, a part at a time (see the module).
    pub fn find_all(&self, batch: &[Submission], hashes: &[u64], seen: &[Submission]) -> Vec<Option<u32>> {
        if self.is_empty() {
            return vec![None; batch.len()];
        }
        let mut out = vec![None; batch.len()];
        out.par_chunks_mut(PART).zip(batch.par_chunks(PART)).zip(hashes.par_chunks(PART)).for_each(
            |((out, batch), hashes)| {
                let n = batch.len();
                // The slot each lookup starts at; the first slot whose hash is the text's.
                let homes: Vec<usize> = hashes.iter().map(|&h| self.home(h)).collect();
                let mut cand: Vec<(usize, u32)> = Vec::with_capacity(n);
                for i in 0..n {
                    if let Some(&a) = homes.get(i + AHEAD) {
                        prefetch(&self.slots[a]);
                    }
                    let mask = self.slots.len() - 1;
                    let mut s = homes[i];
                    let at = loop {
                        let (h, at) = self.slots[s];
                        if at == Self::FREE || h == hashes[i] {
                            break at;
                        }
                        s = (s + 1) & mask;
                    };
                    cand.push((s, at));
                }
                // The earlier submissions named, then their texts, are fetched ahead of the comparing.
                let earlier = |i: usize| cand.get(i).and_then(|&(_, at)| seen.get((at as usize).wrapping_sub(1)));
                for i in 0..n + AHEAD {
                    if let Some(s) = earlier(i) {
                        prefetch(s);
                    }
                    if let Some(s) = i.checked_sub(AHEAD).and_then(earlier) {
                        prefetch(s.text.as_ptr());
                    }
                }
                for i in 0..n {
                    let (s, at) = cand[i];
                    if at == Self::FREE {
                        continue;
                    }
                    // From the candidate's slot on: the bytes decide, and the same hash for
                    // another text goes on along the probe.
                    out[i] = self.find_from(s, hashes[i], &batch[i].text, seen);
                }
            },
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(text: &str) -> Submission {
        Submission {
            id: String::new(),
            id_given: false,
            text: text.into(),
            locality: None,
            submitted_at: None,
            group: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn repeats_are_found_by_their_text_not_only_their_hash() {
        let texts = [
            "Em mong có thêm học bổng cho sinh viên nghèo",
            "Đề nghị mở lớp dạy nghề may công nghiệp",
            "Xin vay vốn ưu đãi để khởi nghiệp",
            "De nghi mo lop day nghe may cong nghiep",
        ];
        let seen: Vec<Submission> = texts.iter().map(|t| sub(t)).collect();
        let mut r = Repeats::with_capacity(0);
        for (i, s) in seen.iter().enumerate() {
            r.insert(text_hash(&s.text), i as u32);
        }
        // A text given the hash of another (as a collision would) is no repeat of it.
        r.insert(text_hash("Câu hỏi khác hẳn"), 2);
        assert_eq!(r.len(), 5);
        let batch: Vec<Submission> = [
            "Xin vay vốn ưu đãi để khởi nghiệp",
            "Câu hỏi khác hẳn",
            "Đề nghị mở lớp dạy nghề may công nghiệp",
            "de nghi mo lop day nghe may cong nghiep",
            "De nghi mo lop day nghe may cong nghiep",
        ]
        .iter()
        .map(|t| sub(t))
        .collect();
        let hashes: Vec<u64> = batch.iter().map(|s| text_hash(&s.text)).collect();
        assert_eq!(r.find_all(&batch, &hashes, &seen), vec![Some(2), None, Some(1), None, Some(3)]);
    }

    #[test]
    fn the_table_grows_and_every_text_is_found_where_first_read() {
        // Thousands of texts (more than one parallel part, several doublings), each read twice.
        let seen: Vec<Submission> = (0..5000)
            .map(|i| sub(&format!("Ý kiến số {} về việc làm cho thanh niên xã {}", i % 3000, i % 3000 % 17)))
            .collect();
        let mut r = Repeats::with_capacity(4);
        let mut first = std::collections::HashMap::new();
        for (i, s) in seen.iter().enumerate() {
            if !first.contains_key(&s.text) {
                first.insert(s.text.clone(), i as u32);
                r.insert(text_hash(&s.text), i as u32);
            }
        }
        let hashes: Vec<u64> = seen.iter().map(|s| text_hash(&s.text)).collect();
        let found = r.find_all(&seen, &hashes, &seen);
        for (s, f) in seen.iter().zip(&found) {
            assert_eq!(*f, first.get(&s.text).copied(), "{}", s.text);
        }
        let other = vec![sub("Ý kiến số 3001 về việc làm cho thanh niên xã 1")];
        assert_eq!(r.find_all(&other, &[text_hash(&other[0].text)], &seen), vec![None]);
    }
}
