//! Near-duplicate submissions: the same request sent many times, with light edits.
//!
//! Each submission's shingles are the folded syllables of its content words and the
//! pairs of them that follow each other within a phrase ([`shingles`]): diacritics,
//! case, teen code, politeness words and word segmentation do not change them. MinHash
//! signatures (60 hashes) are banded for locality-sensitive hashing (20 bands of 3); a
//! submission is compared with the first member of every band bucket it falls in, and
//! joined to its group when the exact Jaccard similarity of the shingle sets reaches
//! the threshold. Groups are the connected components (union-find).

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::text::Analysis;

const BANDS: usize = 20;
const ROWS: usize = 3;
const HASHES: usize = BANDS * ROWS;
/// Pairs ahead of the one being checked whose sets are fetched.
const AHEAD: usize = 6;

/// The shingles of an analysed submission, appended to `out` (32-bit hashes: a million
/// submissions keep theirs until near-duplicates are found).
pub fn shingles(a: &Analysis, out: &mut Vec<u32>) {
    let mut prev: Option<u64> = None;
    for (w, joined) in a.content_words() {
        if !joined {
            prev = None;
        }
        let first = w.first_syllable as usize;
        for &s in &a.syllables[first..first + w.syllables as usize] {
            out.push((s >> 32) as u32);
            if let Some(p) = prev {
                out.push((mix(p, s) >> 32) as u32 | 1);
            }
            prev = Some(s);
        }
    }
}

/// Hyper-parameters of near-duplicate detection.
#[derive(Debug, Clone)]
pub struct DedupParams {
    /// Jaccard similarity of shingle sets at which two submissions are duplicates.
    pub threshold: f64,
    /// Submissions with fewer shingles are left alone (too short to judge).
    pub min_shingles: usize,
}

impl Default for DedupParams {
    fn default() -> Self {
        DedupParams { threshold: 0.6, min_shingles: 2 }
    }
}

fn mix(x: u64, seed: u64) -> u64 {
    let mut z = x ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Multipliers (odd) and addends of the MinHash functions, fixed.
fn hash_family() -> (&'static [u64; HASHES], &'static [u64; HASHES]) {
    static F: std::sync::OnceLock<([u64; HASHES], [u64; HASHES])> = std::sync::OnceLock::new();
    let f = F.get_or_init(|| {
        let mut mul = [0u64; HASHES];
        let mut add = [0u64; HASHES];
        for h in 0..HASHES {
            mul[h] = mix(h as u64, 0xa5) | 1;
            add[h] = mix(h as u64, 0x5a);
        }
        (mul, add)
    });
    (&f.0, &f.1)
}

/// The MinHash signature of a shingle set. Shingles are already well-mixed hashes, so each
/// of the 60 hash functions is a multiply-add with its own odd multiplier; the loop is
/// compiled for AVX-512 and AVX2 as well and the widest the processor has is used (the
/// same arithmetic, so the same signature everywhere).
fn signature(s: &[u32]) -> [u64; HASHES] {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512dq") {
            // SAFETY: the processor has the features the function is compiled for.
            return unsafe { signature_avx512(s) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above.
            return unsafe { signature_avx2(s) };
        }
    }
    signature_portable(s)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
unsafe fn signature_avx512(s: &[u32]) -> [u64; HASHES] {
    signature_portable(s)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn signature_avx2(s: &[u32]) -> [u64; HASHES] {
    signature_portable(s)
}

#[inline(always)]
fn signature_portable(s: &[u32]) -> [u64; HASHES] {
    let (mul, add) = hash_family();
    let mut sig = [u64::MAX; HASHES];
    for &x in s {
        let x = x as u64 | (x as u64) << 32;
        for ((m, &a), &b) in sig.iter_mut().zip(mul).zip(add) {
            *m = (*m).min(a.wrapping_mul(x).wrapping_add(b));
        }
    }
    sig
}

/// Whether the Jaccard similarity of two sorted sets is at least `t`, the same answer as
/// computing it, but the merge stops as soon as the shared elements left cannot reach the
/// count needed (most candidate pairs from the bands are far below the threshold).
fn similar_at_least(a: &[u32], b: &[u32], t: f64) -> bool {
    let total = a.len() + b.len();
    let jaccard = |inter: usize| if total == inter { 0.0 } else { inter as f64 / (total - inter) as f64 };
    // The fewest shared elements for which the similarity reaches t (it grows with them).
    let most = a.len().min(b.len());
    let mut need = ((t / (1.0 + t)) * total as f64).ceil().max(0.0) as usize;
    need = need.min(most + 1);
    while need > 0 && jaccard(need - 1) >= t {
        need -= 1;
    }
    while need <= most && jaccard(need) < t {
        need += 1;
    }
    if need > most {
        return false;
    }
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        if inter + (a.len() - i).min(b.len() - j) < need {
            return false;
        }
        // Without branches on the comparison (which way a merge steps is a coin toss).
        let (x, y) = (a[i], b[j]);
        inter += (x == y) as usize;
        i += (x <= y) as usize;
        j += (y <= x) as usize;
    }
    inter >= need
}

/// The sets of the documents that take part, end to end in a chosen order; a set is
/// found by its position in that order.
struct Layout {
    /// Where each set ends in `data` (it starts where the previous one ends).
    ends: Vec<usize>,
    data: Vec<u32>,
}

impl Layout {
    /// The sets of documents `order`, in that order.
    fn new(order: &[u32], sets: &[Vec<u32>]) -> Self {
        let mut ends = Vec::with_capacity(order.len());
        let mut total = 0;
        for &i in order {
            total += sets[i as usize].len();
            ends.push(total);
        }
        let mut data = vec![0u32; total];
        let mut rest = data.as_mut_slice();
        let mut parts = Vec::with_capacity(order.len());
        for &i in order {
            let (head, tail) = rest.split_at_mut(sets[i as usize].len());
            parts.push((head, i));
            rest = tail;
        }
        parts.into_par_iter().for_each(|(dst, i)| dst.copy_from_slice(&sets[i as usize]));
        Layout { ends, data }
    }

    /// Asks the processor to start loading the set at position `p`.
    #[inline]
    fn prefetch(&self, p: u32) {
        #[cfg(target_arch = "x86_64")]
        {
            let s = self.set(p);
            // SAFETY: prefetching is only a hint; the addresses lie inside `data`.
            unsafe {
                use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                _mm_prefetch::<_MM_HINT_T0>(s.as_ptr() as *const i8);
                _mm_prefetch::<_MM_HINT_T0>(s.as_ptr().wrapping_add(s.len().saturating_sub(1)) as *const i8);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = p;
    }

    /// The set at position `p`.
    fn set(&self, p: u32) -> &[u32] {
        let p = p as usize;
        let start = if p == 0 { 0 } else { self.ends[p - 1] };
        &self.data[start..self.ends[p]]
    }
}

/// `entries` in ascending order, as a full sort leaves them, for keys that are hashes
/// (uniform): scattered by the key's high bits into buckets of about eight entries, then
/// each bucket sorted, in parallel. Two passes over the entries instead of a sort's twenty.
/// `spare` and `next` are work space kept from call to call (the bands of a million
/// submissions sort twenty times: fresh buffers each time were 600 MB of pages zeroed
/// by the kernel); the sorted entries end in `entries` and the old ones in `spare`.
fn sort_hashed(entries: &mut Vec<(u64, u32, u32)>, spare: &mut Vec<(u64, u32, u32)>, next: &mut Vec<usize>) {
    let n = entries.len();
    if n < 64 {
        entries.sort_unstable();
        return;
    }
    let bits = (usize::BITS - n.leading_zeros()).saturating_sub(3).clamp(1, 24);
    let shift = 64 - bits;
    next.clear();
    next.resize((1 << bits) + 1, 0);
    for e in entries.iter() {
        next[(e.0 >> shift) as usize + 1] += 1;
    }
    for b in 1..next.len() {
        next[b] += next[b - 1];
    }
    spare.clear();
    spare.resize(n, (0, 0, 0));
    for e in entries.iter() {
        let slot = &mut next[(e.0 >> shift) as usize];
        spare[*slot] = *e;
        *slot += 1;
    }
    spare.par_chunk_by_mut(|a, b| a.0 >> shift == b.0 >> shift).for_each(<[_]>::sort_unstable);
    std::mem::swap(entries, spare);
}

/// The root of `x`'s set, read only.
fn root(parent: &[u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        x = parent[x as usize];
    }
    x
}

/// The root of `x`'s set, pointing every set on the way at it (path compression).
fn find(parent: &mut [u32], x: u32) -> u32 {
    let r = root(parent, x);
    let mut y = x;
    while parent[y as usize] != r {
        let next = parent[y as usize];
        parent[y as usize] = r;
        y = next;
    }
    r
}

impl DedupParams {
    /// Groups of near-duplicate documents (indices, ascending; groups ordered by their
    /// first member), given each document's shingles. Only groups of two or more.
    pub fn groups(&self, shingles: &[Vec<u32>]) -> Vec<Vec<usize>> {
        self.groups_with_copies(shingles.to_vec(), &[])
    }

    /// [`DedupParams::groups`] where some documents are known to repeat an earlier one
    /// word for word: `copy_of[i]` names the earlier document, whose shingles stand for
    /// both (document i's own are not read). The groups are those of the full sets. The
    /// shingles are freed once copied into the order the checks read them in.
    /// Long because MinHash, the twenty LSH bands, the confirming checks and the
    /// union-find share one layout of the sets and its buffers; each step is commented.
    pub fn groups_with_copies(&self, mut shingles: Vec<Vec<u32>>, copy_of: &[Option<u32>]) -> Vec<Vec<usize>> {
        let n_docs = shingles.len();
        let copy = |i: usize| copy_of.get(i).copied().flatten();
        shingles.par_iter_mut().filter(|s| !s.is_sorted_by(|a, b| a < b)).for_each(|s| {
            s.sort_unstable();
            s.dedup();
        });
        // Each submission that takes part keeps only its 20 band keys (a tenth of a kilobyte
        // less each than the signature); copies and too-short ones keep nothing.
        let takes_part = |i: usize| shingles[i].len() >= self.min_shingles && copy(i).is_none();
        let rows: Vec<u32> = (0..n_docs as u32).filter(|&i| takes_part(i as usize)).collect();
        let bands: Vec<[u64; BANDS]> = rows
            .par_iter()
            .map(|&i| {
                let sig = signature(&shingles[i as usize]);
                let mut keys = [0u64; BANDS];
                for (band, k) in keys.iter_mut().enumerate() {
                    *k = sig[band * ROWS..(band + 1) * ROWS].iter().fold(band as u64, |h, &x| mix(h ^ x, 7));
                }
                keys
            })
            .collect();
        // A band's buckets, by sorting (key, document) in parallel: within a bucket every
        // member pairs with its first (lowest) member. Each entry carries the document's
        // position in the layout (`u32::MAX` until the layout exists).
        // The band's entries, a spare buffer and the sort's bucket table are made once and
        // reused by every band.
        let (mut keyed, mut spare, mut next) = (Vec::with_capacity(rows.len()), Vec::new(), Vec::new());
        let mut band_keyed = |band: usize, at: &[u32], keyed: &mut Vec<(u64, u32, u32)>| {
            keyed.clear();
            keyed.par_extend(
                bands
                    .par_iter()
                    .zip(&rows)
                    .map(|(keys, &i)| (keys[band], i, at.get(i as usize).copied().unwrap_or(u32::MAX))),
            );
            sort_hashed(keyed, &mut spare, &mut next);
        };
        band_keyed(0, &[], &mut keyed);
        // The sets end to end in the order of the first band's buckets, so the members of a
        // bucket (most checks are in the first bands) lie side by side; union-find and the
        // checks work on positions in that order, mapped back to documents at the end.
        let order: Vec<u32> = keyed.iter().map(|&(_, i, _)| i).collect();
        let layout = Layout::new(&order, &shingles);
        drop(shingles);
        let mut at = vec![u32::MAX; n_docs];
        for (p, &i) in order.iter().enumerate() {
            at[i as usize] = p as u32;
        }
        keyed.iter_mut().for_each(|e| e.2 = at[e.1 as usize]);
        let mut parent: Vec<u32> = (0..order.len() as u32).collect();
        drop(order);
        let mut pairs = Vec::new();
        for band in 0..BANDS {
            if band > 0 {
                band_keyed(band, &at, &mut keyed);
            }
            pairs.clear();
            let mut first = 0;
            for j in 1..keyed.len() {
                if keyed[j].0 == keyed[first].0 {
                    pairs.push((keyed[first].2, keyed[j].2));
                } else {
                    first = j;
                }
            }
            // Pairs already joined (read without compressing paths, so in parallel) need no
            // check; the others are checked in parallel, then joined in order. (A pair found
            // too different is met again in a later band now and then and checked again:
            // remembering the millions rejected costs more than the few checks it saves.)
            let open: Vec<(u32, u32)> =
                pairs.par_iter().copied().filter(|&(a, b)| root(&parent, a) != root(&parent, b)).collect();
            let checked: Vec<(u32, u32, bool)> = open
                .par_chunks(256)
                .flat_map_iter(|chunk| {
                    // The sets a few pairs ahead are fetched while this pair is checked: the
                    // checks of later bands read sets scattered over the whole layout.
                    chunk.iter().enumerate().map(|(k, &(a, b))| {
                        if let Some(&(na, nb)) = chunk.get(k + AHEAD) {
                            layout.prefetch(na);
                            layout.prefetch(nb);
                        }
                        (a, b, similar_at_least(layout.set(a), layout.set(b), self.threshold))
                    })
                })
                .collect();
            for (f, i, ok) in checked {
                if !ok {
                    continue;
                }
                let (a, b) = (find(&mut parent, f), find(&mut parent, i));
                if a != b {
                    parent[a.max(b) as usize] = a.min(b);
                }
            }
        }
        drop((keyed, band_keyed, layout));
        // Groups by the root of their members' positions; a copy joins its original's.
        let mut groups: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
        for i in 0..n_docs {
            let p = match copy(i) {
                Some(o) => at[o as usize],
                None => at[i],
            };
            if p != u32::MAX {
                groups.entry(find(&mut parent, p)).or_default().push(i);
            }
        }
        let mut out: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucketed_sort_orders_entries_as_a_full_sort_does() {
        let mut rng = crate::rng::Rng::new(11);
        for n in [0usize, 1, 2, 63, 64, 65, 1000, 70_000] {
            // Hashed keys, keys repeated (a bucket of many documents), and keys that share
            // their high bits (one crowded bucket): the order must not depend on spread.
            let hashed: Vec<(u64, u32, u32)> =
                (0..n).map(|i| (rng.next_u64(), i as u32, rng.next_u64() as u32)).collect();
            let repeated: Vec<(u64, u32, u32)> =
                (0..n).map(|i| (rng.next_u64() % 7, (n - i) as u32, i as u32)).collect();
            let crowded: Vec<(u64, u32, u32)> = (0..n).map(|i| (rng.next_u64() >> 40, i as u32, 0)).collect();
            // One pair of work buffers for every case, as the bands reuse theirs.
            let (mut spare, mut next) = (Vec::new(), Vec::new());
            for mut v in [hashed, repeated, crowded] {
                let mut want = v.clone();
                want.sort_unstable();
                sort_hashed(&mut v, &mut spare, &mut next);
                assert_eq!(v, want, "n = {n}");
            }
        }
    }

    #[test]
    fn the_early_stopping_check_answers_as_the_full_jaccard_does() {
        // Reference: the similarity counted in full.
        let full = |a: &[u32], b: &[u32]| {
            let inter = a.iter().filter(|x| b.binary_search(x).is_ok()).count();
            let union = a.len() + b.len() - inter;
            if union == 0 {
                0.0
            } else {
                inter as f64 / union as f64
            }
        };
        let mut rng = crate::rng::Rng::new(5);
        let mut checked = (0, 0);
        for _ in 0..4000 {
            let set = |rng: &mut crate::rng::Rng| {
                let n = rng.below(30);
                let mut v: Vec<u32> = (0..n).map(|_| rng.below(40) as u32).collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            let (a, b) = (set(&mut rng), set(&mut rng));
            for t in [0.0, 0.25, 0.5, 0.6, 0.75, 0.9, 1.0] {
                let want = full(&a, &b) >= t;
                assert_eq!(similar_at_least(&a, &b, t), want, "{a:?} {b:?} at {t}");
                if want {
                    checked.0 += 1
                } else {
                    checked.1 += 1
                }
            }
        }
        // Both answers were met many times.
        assert!(checked.0 > 1000 && checked.1 > 1000, "{checked:?}");
    }

    #[test]
    fn identical_and_near_sets_group_distinct_do_not() {
        let base: Vec<u32> = (0..20u32).map(|x| x.wrapping_mul(0x9e37_79b9)).collect();
        let mut near = base.clone();
        near[0] = 100; // one shingle changed: Jaccard 19/21
        let other: Vec<u32> = (50..70u32).map(|x| x.wrapping_mul(0x9e37_79b9)).collect();
        let g = DedupParams::default().groups(&[base.clone(), other, near, base, vec![1]]);
        assert_eq!(g, vec![vec![0, 2, 3]]);
    }

    #[test]
    fn families_of_edited_copies_come_out_whole_whatever_their_order() {
        // 40 families of 8 sets, each member one shingle away from its family's base,
        // dealt out in a shuffled order with copies and short sets between them.
        let mut rng = crate::rng::Rng::new(9);
        let mut docs: Vec<(usize, Vec<u32>)> = Vec::new();
        for f in 0..40u32 {
            let base: Vec<u32> = (0..30).map(|x| (f * 1000 + x).wrapping_mul(0x9e37_79b9)).collect();
            for m in 0..8u32 {
                let mut v = base.clone();
                v[(m as usize * 3) % 30] = 5_000_000 + f * 100 + m;
                v.sort_unstable();
                docs.push((f as usize, v));
            }
        }
        for i in (1..docs.len()).rev() {
            docs.swap(i, rng.below(i + 1));
        }
        docs.insert(17, (usize::MAX, vec![3]));
        let mut shingles: Vec<Vec<u32>> = docs.iter().map(|d| d.1.clone()).collect();
        let mut copy_of = vec![None; shingles.len()];
        // Two exact copies of earlier documents, given as copies (no shingles of their own).
        for &i in &[3usize, 100] {
            docs.push(docs[i].clone());
            shingles.push(Vec::new());
            copy_of.push(Some(i as u32));
        }
        let mut want: Vec<Vec<usize>> =
            (0..40).map(|f| (0..docs.len()).filter(|&i| docs[i].0 == f).collect()).collect();
        want.sort();
        assert_eq!(DedupParams::default().groups_with_copies(shingles, &copy_of), want);
    }

    #[test]
    fn copies_join_as_their_full_sets_would() {
        let set = |lo: u32| -> Vec<u32> {
            let mut v: Vec<u32> = (lo..lo + 20).map(|x| x.wrapping_mul(0x9e37_79b9)).collect();
            v.sort_unstable();
            v
        };
        let (a, b) = (set(0), set(500));
        let mut near = a.clone();
        near[3] = 7;
        near.sort_unstable();
        let full = vec![a.clone(), b.clone(), b.clone(), near.clone(), a.clone(), vec![1], vec![1]];
        let expect = DedupParams::default().groups(&full);
        assert_eq!(expect, vec![vec![0, 3, 4], vec![1, 2]]);
        // Copies carry no shingles of their own; a too-short original keeps its copy alone.
        let thin = vec![a, b, vec![], near, vec![], vec![1], vec![]];
        let copy_of = [None, None, Some(1), None, Some(0), None, Some(5)];
        assert_eq!(DedupParams::default().groups_with_copies(thin, &copy_of), expect);
    }
}
