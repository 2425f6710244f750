//! TF-IDF over words and word bigrams: vocabulary, sparse L2-normalised rows (CSR).
//!
//! Features are the 64-bit keys the [`crate::text::Analyzer`] gives words and bigrams
//! (folded, so text typed without diacritics meets its accented twin). tf is sublinear
//! (1 + ln tf), idf is smoothed (ln((1 + n) / (1 + df)) + 1), as in scikit-learn.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Hyper-parameters of the TF-IDF vectoriser.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TfidfParams {
    /// Keep terms found in at least this many documents.
    pub min_df: u32,
    /// Drop terms found in more than this share of documents.
    pub max_df: f32,
    /// Use 1 + ln(tf) instead of raw counts.
    pub sublinear_tf: bool,
}

impl Default for TfidfParams {
    fn default() -> Self {
        TfidfParams { min_df: 2, max_df: 0.5, sublinear_tf: true }
    }
}

impl TfidfParams {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        if self.min_df == 0 {
            return Err(Error::Param("min_df must be at least 1".into()));
        }
        if !(self.max_df > 0.0 && self.max_df <= 1.0) {
            return Err(Error::Param(format!("max_df must be in (0, 1], got {}", self.max_df)));
        }
        Ok(())
    }

    /// Learns the vocabulary and idf from documents given as feature keys.
    pub fn fit(&self, docs: &[Vec<u64>]) -> Result<Tfidf> {
        self.fit_with_copies(docs, &[])
    }

    /// [`TfidfParams::fit`] where `copy_of[i]`, when set, names an earlier document whose
    /// keys document i repeats exactly (its own are not read): each copy counts as a document.
    pub fn fit_with_copies(&self, docs: &[Vec<u64>], copy_of: &[Option<u32>]) -> Result<Tfidf> {
        self.validate()?;
        let n = docs.len();
        let mut times = vec![1u32; n];
        for (i, c) in copy_of.iter().enumerate() {
            if let Some(o) = c {
                times[*o as usize] += 1;
                times[i] = 0;
            }
        }
        let df: FxHashMap<u64, u32> = docs
            .par_chunks(2048)
            .zip(times.par_chunks(2048))
            .map(|(chunk, times)| {
                let mut m: FxHashMap<u64, u32> = FxHashMap::default();
                let mut uniq = Vec::new();
                for (d, &t) in chunk.iter().zip(times) {
                    if t == 0 {
                        continue;
                    }
                    // Keys the pipeline keeps ascending need no copy and no sort.
                    let d: &[u64] = if d.is_sorted() {
                        d
                    } else {
                        uniq.clear();
                        uniq.extend_from_slice(d);
                        uniq.sort_unstable();
                        &uniq
                    };
                    for (i, &k) in d.iter().enumerate() {
                        if i == 0 || d[i - 1] != k {
                            *m.entry(k).or_default() += t;
                        }
                    }
                }
                m
            })
            .reduce(FxHashMap::default, |mut a, b| {
                if a.len() < b.len() {
                    return merge(b, a);
                }
                for (k, v) in b {
                    *a.entry(k).or_default() += v;
                }
                a
            });
        let max_df = (self.max_df as f64 * n as f64).floor().max(1.0) as u32;
        let mut terms: Vec<(u64, u32)> =
            df.into_iter().filter(|&(_, d)| d >= self.min_df && (d <= max_df || n < 3)).collect();
        terms.sort_unstable();
        let index = KeyIndex::new(terms.iter().map(|t| t.0));
        let idf = terms.iter().map(|&(_, d)| ((1.0 + n as f64) / (1.0 + d as f64)).ln() as f32 + 1.0).collect();
        Ok(Tfidf {
            keys: terms.iter().map(|t| t.0).collect(),
            df: terms.iter().map(|t| t.1).collect(),
            index,
            idf,
            n_docs: n,
            params: self.clone(),
        })
    }
}

/// Feature key → column: open addressing with linear probing over (key, column) slots,
/// at most half full, the slot from the high bits of a multiplicative hash. A lookup is a
/// multiply, a shift and (nearly always) one or two slots of one cache line, a key not in
/// the vocabulary told by a free slot; building rows looks up every key of every document.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyIndex {
    /// (key, column); the column is [`KeyIndex::FREE`] in a free slot.
    slots: Vec<(u64, u32)>,
    /// 64 minus the number of bits of a slot position.
    shift: u32,
}

impl KeyIndex {
    const FREE: u32 = u32::MAX;

    /// The index of `keys` (distinct), each mapped to its position.
    pub(crate) fn new(keys: impl ExactSizeIterator<Item = u64>) -> Self {
        let bits = (keys.len() * 2).max(8).next_power_of_two().trailing_zeros();
        let mut ix = KeyIndex { slots: vec![(0, Self::FREE); 1 << bits], shift: 64 - bits };
        let mask = ix.slots.len() - 1;
        for (col, key) in keys.enumerate() {
            let mut i = ix.home(key);
            while ix.slots[i].1 != Self::FREE {
                i = (i + 1) & mask;
            }
            ix.slots[i] = (key, col as u32);
        }
        ix
    }

    /// The slot where a search for `key` starts (high bits: a key's low bits hold its kind).
    #[inline]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The column of `key`, if it is in the vocabulary.
    #[inline]
    pub(crate) fn get(&self, key: u64) -> Option<u32> {
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = self.home(key);
        loop {
            let &(k, c) = self.slots.get(i)?;
            if c == Self::FREE {
                return None;
            }
            if k == key {
                return Some(c);
            }
            i = (i + 1) & mask;
        }
    }
}

fn merge(mut a: FxHashMap<u64, u32>, b: FxHashMap<u64, u32>) -> FxHashMap<u64, u32> {
    for (k, v) in b {
        *a.entry(k).or_default() += v;
    }
    a
}

/// A fitted TF-IDF vectoriser: vocabulary, document frequencies and idf.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tfidf {
    /// Feature key of each column.
    pub keys: Vec<u64>,
    /// Document frequency of each column.
    pub df: Vec<u32>,
    /// Inverse document frequency of each column.
    pub idf: Vec<f32>,
    #[serde(skip)]
    index: KeyIndex,
    /// Documents the vocabulary was learned from.
    pub n_docs: usize,
    /// The parameters it was fitted with.
    pub params: TfidfParams,
}

impl Tfidf {
    /// Number of columns (terms).
    pub fn n_terms(&self) -> usize {
        self.keys.len()
    }

    /// Column of a feature key, if it is in the vocabulary.
    pub fn column(&self, key: u64) -> Option<u32> {
        self.index.get(key)
    }

    /// Rebuilds the key index after deserialisation.
    pub fn rebuild_index(&mut self) {
        self.index = KeyIndex::new(self.keys.iter().copied());
    }

    /// The terms of a document whose feature keys come in `runs`, into `t`: each column
    /// once, in the order first met, with its L2-normalised TF-IDF weight. The same
    /// weights as [`Tfidf::transform_one`] without sorting anything: occurrences are
    /// counted in a table of the vocabulary's size that is left zeroed again (a term met
    /// more than 65,535 times in one text counts as met 65,535 times).
    pub fn terms_into(&self, runs: &[&[u64]], t: &mut Terms) {
        t.cols.clear();
        t.values.clear();
        if t.counts.len() < self.n_terms() {
            t.counts.resize(self.n_terms(), 0);
        }
        for keys in runs {
            for &k in *keys {
                if let Some(c) = self.column(k) {
                    let n = &mut t.counts[c as usize];
                    if *n == 0 {
                        t.cols.push(c);
                    }
                    *n = n.saturating_add(1);
                }
            }
        }
        let mut sq = 0.0f32;
        for &c in &t.cols {
            let n = std::mem::take(&mut t.counts[c as usize]);
            let v = self.tf(n as usize) * self.idf[c as usize];
            sq += v * v;
            t.values.push(v);
        }
        let norm = sq.sqrt();
        if norm > 0.0 {
            t.values.iter_mut().for_each(|v| *v /= norm);
        }
    }

    /// The term frequency weight of a term met `n` times.
    fn tf(&self, n: usize) -> f32 {
        // Most terms occur once in a short text: 1 + ln 1 is 1, no logarithm needed.
        if n == 1 {
            1.0
        } else if self.params.sublinear_tf {
            1.0 + (n as f32).ln()
        } else {
            n as f32
        }
    }

    /// One document's L2-normalised TF-IDF row, sorted by column. Columns follow key
    /// order, so keys given in ascending order (as the pipeline keeps them) need no sort.
    pub fn transform_one(&self, keys: &[u64], out: &mut SparseVec) {
        out.indices.clear();
        out.values.clear();
        thread_local! {
            static COLS: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        COLS.with(|cols| {
            let cols = &mut *cols.borrow_mut();
            cols.clear();
            cols.extend(keys.iter().filter_map(|k| self.column(*k)));
            self.weigh(cols, out);
        });
    }

    /// The row built from `cols`, every occurrence of a vocabulary term (sorted here
    /// unless they already ascend), into `out` (cleared by the caller).
    fn weigh(&self, cols: &mut [u32], out: &mut SparseVec) {
        if !cols.is_sorted() {
            cols.sort_unstable();
        }
        out.indices.reserve(cols.len());
        out.values.reserve(cols.len());
        let mut i = 0;
        while i < cols.len() {
            let c = cols[i];
            let mut j = i;
            while j < cols.len() && cols[j] == c {
                j += 1;
            }
            out.indices.push(c);
            out.values.push(self.tf(j - i) * self.idf[c as usize]);
            i = j;
        }
        let norm = out.values.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            out.values.iter_mut().for_each(|v| *v /= norm);
        }
    }

    /// TF-IDF rows for many documents, in parallel, a chunk at a time so that only one
    /// chunk of rows is held apart from the matrix.
    pub fn transform(&self, docs: &[Vec<u64>]) -> CsrMatrix {
        let bound = docs.iter().map(Vec::len).sum();
        self.assemble(docs.len(), &[], bound, |range| range.into_par_iter().map(|i| Some(self.row(&docs[i]))).collect())
    }

    /// [`Tfidf::transform`] that frees each chunk of documents once its rows are built (the
    /// keys and the matrix are never both whole in memory); a copy (`copy_of`, as in
    /// [`TfidfParams::fit_with_copies`]) gets its original's row.
    pub fn transform_owned(&self, mut docs: Vec<Vec<u64>>, copy_of: &[Option<u32>]) -> CsrMatrix {
        let copy = |i: usize| copy_of.get(i).copied().flatten();
        let bound = (0..docs.len()).map(|i| docs[copy(i).map_or(i, |o| o as usize)].len()).sum();
        self.assemble(docs.len(), copy_of, bound, |range| {
            let rows = range.clone().into_par_iter().map(|i| copy(i).is_none().then(|| self.row(&docs[i]))).collect();
            docs[range].iter_mut().for_each(|d| *d = Vec::new());
            rows
        })
    }

    /// [`Tfidf::transform_owned`] with one row per distinct document: a copy (its original
    /// comes first) has no row of its own. Also the row of each document (a copy's is its
    /// original's).
    pub fn transform_distinct(&self, mut docs: Vec<Vec<u64>>, copy_of: &[Option<u32>]) -> (CsrMatrix, Vec<u32>) {
        let copy = |i: usize| copy_of.get(i).copied().flatten();
        let mut row_of: Vec<u32> = Vec::with_capacity(docs.len());
        let mut originals: Vec<usize> = Vec::new();
        for i in 0..docs.len() {
            let r = match copy(i) {
                Some(o) => row_of[o as usize],
                None => {
                    originals.push(i);
                    originals.len() as u32 - 1
                }
            };
            row_of.push(r);
        }
        let bound = originals.iter().map(|&i| docs[i].len()).sum();
        let m = self.assemble(originals.len(), &[], bound, |range| {
            let part = &originals[range];
            let rows = part.par_iter().map(|&i| Some(self.row(&docs[i]))).collect();
            part.iter().for_each(|&i| docs[i] = Vec::new());
            rows
        });
        (m, row_of)
    }

    fn row(&self, keys: &[u64]) -> SparseVec {
        let mut v = SparseVec::default();
        self.transform_one(keys, &mut v);
        v
    }

    /// The matrix of `n` rows, built a chunk at a time from `chunk_rows` (one entry per
    /// row of the range; `None` for a copy, which takes its original's row from `copy_of`).
    /// `bound`, the documents' keys counted with repeats, is at least the number of
    /// entries: the arrays are reserved at that size once instead of doubling as they grow
    /// (each doubling briefly held the old array and the new), and what is never written
    /// is never resident.
    fn assemble(
        &self,
        n: usize,
        copy_of: &[Option<u32>],
        bound: usize,
        mut chunk_rows: impl FnMut(std::ops::Range<usize>) -> Vec<Option<SparseVec>>,
    ) -> CsrMatrix {
        const CHUNK: usize = 65_536;
        let mut m = CsrMatrix {
            indptr: Vec::with_capacity(n + 1),
            indices: Vec::with_capacity(bound),
            data: Vec::with_capacity(bound),
            n_cols: self.n_terms(),
        };
        m.indptr.push(0);
        for start in (0..n).step_by(CHUNK) {
            let end = (start + CHUNK).min(n);
            for (i, r) in (start..end).zip(chunk_rows(start..end)) {
                match (r, copy_of.get(i).copied().flatten()) {
                    (Some(r), _) => {
                        m.indices.extend_from_slice(&r.indices);
                        m.data.extend_from_slice(&r.values);
                    }
                    (None, Some(o)) => {
                        let (a, b) = (m.indptr[o as usize], m.indptr[o as usize + 1]);
                        m.indices.extend_from_within(a..b);
                        m.data.extend_from_within(a..b);
                    }
                    (None, None) => unreachable!("a row is built unless it is a copy"),
                }
                m.indptr.push(m.indices.len());
            }
        }
        m
    }
}

/// A document's terms in one vocabulary ([`Tfidf::terms_into`]): each column once, in
/// the order first met (not ascending), with its weight. For whoever only sums over a
/// document's terms, as a linear classifier does; reused from document to document.
#[derive(Debug, Clone, Default)]
pub struct Terms {
    /// Columns, each once, in the order first met.
    pub cols: Vec<u32>,
    /// The weight of each column.
    pub values: Vec<f32>,
    /// Occurrences per column while terms are counted; all zero between calls.
    counts: Vec<u16>,
}

/// A sparse vector: sorted column indices and their values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVec {
    /// Column indices, ascending.
    pub indices: Vec<u32>,
    /// Values, one per index.
    pub values: Vec<f32>,
}

/// A borrowed sparse row.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// Column indices, ascending.
    pub indices: &'a [u32],
    /// Values, one per index.
    pub values: &'a [f32],
}

impl<'a> Row<'a> {
    /// Dot product with another sparse row (both sorted).
    pub fn dot(&self, other: &Row<'_>) -> f32 {
        let (mut i, mut j, mut s) = (0, 0, 0.0);
        while i < self.indices.len() && j < other.indices.len() {
            match self.indices[i].cmp(&other.indices[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    s += self.values[i] * other.values[j];
                    i += 1;
                    j += 1;
                }
            }
        }
        s
    }
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }
}

/// Adds the sparse row (`indices`, `values`) times a term-major matrix onto `out`: for
/// every entry (j, v), `out[c] += v * weights[j * k + c]`, k = `out.len()`, term by term
/// in the row's order. k-means scores, the classifiers' logits and k-means++ seeding
/// (k = 1) all read their weights so; up to 16 columns the sums are held in registers.
pub fn add_term_major(indices: &[u32], values: &[f32], weights: &[f32], out: &mut [f32]) {
    macro_rules! fixed {
        ($($n:literal)*) => {
            match out.len() {
                $($n => return add_term_major_k::<$n>(indices, values, weights, out),)*
                _ => {}
            }
        };
    }
    fixed!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);
    let k = out.len();
    for (&j, &v) in indices.iter().zip(values) {
        for (o, &w) in out.iter_mut().zip(&weights[j as usize * k..j as usize * k + k]) {
            *o += v * w;
        }
    }
}

/// [`add_term_major`] for `K` columns.
fn add_term_major_k<const K: usize>(indices: &[u32], values: &[f32], weights: &[f32], out: &mut [f32]) {
    let mut acc: [f32; K] = (&*out).try_into().expect("K sums");
    for (&j, &v) in indices.iter().zip(values) {
        let w: &[f32; K] = weights[j as usize * K..j as usize * K + K].try_into().expect("K weights per term");
        for (o, &wk) in acc.iter_mut().zip(w) {
            *o += v * wk;
        }
    }
    out.copy_from_slice(&acc);
}

/// Compressed sparse rows.
#[derive(Debug, Clone, Default)]
pub struct CsrMatrix {
    /// Row start offsets into `indices`/`data` (length rows + 1).
    pub indptr: Vec<usize>,
    /// Column indices.
    pub indices: Vec<u32>,
    /// Values.
    pub data: Vec<f32>,
    /// Number of columns.
    pub n_cols: usize,
}

impl CsrMatrix {
    /// Builds a matrix from sparse rows.
    pub fn from_rows(rows: &[SparseVec], n_cols: usize) -> Self {
        let nnz = rows.iter().map(|r| r.indices.len()).sum();
        let mut m = CsrMatrix {
            indptr: Vec::with_capacity(rows.len() + 1),
            indices: Vec::with_capacity(nnz),
            data: Vec::with_capacity(nnz),
            n_cols,
        };
        m.indptr.push(0);
        for r in rows {
            m.indices.extend_from_slice(&r.indices);
            m.data.extend_from_slice(&r.values);
            m.indptr.push(m.indices.len());
        }
        m
    }
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.indptr.len().saturating_sub(1)
    }
    /// Row `i`.
    pub fn row(&self, i: usize) -> Row<'_> {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        Row { indices: &self.indices[a..b], values: &self.data[a..b] }
    }
    /// Stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }
    /// The rows listed in `ids`, as a new matrix.
    pub fn select(&self, ids: &[usize]) -> CsrMatrix {
        let rows: Vec<SparseVec> = ids
            .iter()
            .map(|&i| {
                let r = self.row(i);
                SparseVec { indices: r.indices.to_vec(), values: r.values.to_vec() }
            })
            .collect();
        CsrMatrix::from_rows(&rows, self.n_cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_give_the_vocabulary_and_rows_of_full_documents() {
        let full = vec![vec![1, 2, 2], vec![1, 3], vec![1, 2, 2], vec![5, 3], vec![1, 3], vec![4, 2]];
        let p = TfidfParams { min_df: 2, max_df: 0.6, sublinear_tf: true };
        let (t, m) = (p.fit(&full).unwrap(), p.fit(&full).unwrap().transform(&full));
        let thin = vec![vec![1, 2, 2], vec![1, 3], vec![], vec![5, 3], vec![], vec![4, 2]];
        let copy_of = [None, None, Some(0), None, Some(1), None];
        let t2 = p.fit_with_copies(&thin, &copy_of).unwrap();
        // Term 1 is in four of six documents, over max_df, only when the copies count.
        assert_eq!((t2.keys.clone(), t2.df.clone()), (t.keys.clone(), t.df.clone()));
        assert!(!t.keys.contains(&1));
        let m2 = t2.transform_owned(thin.clone(), &copy_of);
        assert_eq!((&m2.indptr, &m2.indices, &m2.data), (&m.indptr, &m.indices, &m.data));
        // One row per distinct document; a copy reads its original's.
        let (m2, row_of) = t2.transform_distinct(thin, &copy_of);
        assert_eq!(row_of, vec![0, 1, 0, 2, 1, 3]);
        let rows: Vec<usize> = row_of.iter().map(|&r| r as usize).collect();
        let m2 = m2.select(&rows);
        assert_eq!((m2.indptr, m2.indices, m2.data), (m.indptr, m.indices, m.data));
    }

    #[test]
    fn terms_weigh_each_column_as_the_sorted_row_does_in_any_split_of_the_keys() {
        let mut rng = crate::rng::Rng::new(11);
        let docs: Vec<Vec<u64>> = (0..60).map(|_| (0..rng.below(30)).map(|_| rng.below(40) as u64).collect()).collect();
        for sublinear_tf in [true, false] {
            let t = TfidfParams { min_df: 2, max_df: 0.8, sublinear_tf }.fit(&docs).unwrap();
            let mut terms = Terms::default();
            for d in &docs {
                let mut row = SparseVec::default();
                let mut sorted = d.clone();
                sorted.sort_unstable();
                t.transform_one(&sorted, &mut row);
                // The keys unsorted, with repeats, split in two runs at every point.
                for cut in 0..=d.len() {
                    t.terms_into(&[&d[..cut], &d[cut..]], &mut terms);
                    let mut got: Vec<(u32, f32)> =
                        terms.cols.iter().copied().zip(terms.values.iter().copied()).collect();
                    got.sort_by_key(|p| p.0);
                    assert_eq!(got.iter().map(|p| p.0).collect::<Vec<_>>(), row.indices);
                    for ((_, g), w) in got.iter().zip(&row.values) {
                        assert!((g - w).abs() < 1e-6, "{g} vs {w}");
                    }
                    let first: Vec<u32> = d.iter().filter_map(|&k| t.column(k)).fold(Vec::new(), |mut v, c| {
                        if !v.contains(&c) {
                            v.push(c);
                        }
                        v
                    });
                    assert_eq!(terms.cols, first, "columns in the order first met");
                }
            }
            assert!(terms.counts.iter().all(|&n| n == 0), "the count table is left zeroed");
        }
    }

    #[test]
    fn key_index_finds_every_key_at_its_column_and_nothing_else() {
        let mut rng = crate::rng::Rng::new(5);
        for n in [0usize, 1, 2, 3, 7, 8, 100, 5000] {
            // Edge values, and keys that differ only in their low bits (the same home slot).
            let mut keys: Vec<u64> = vec![0, u64::MAX, 1 << 63];
            keys.extend((0..n).map(|i| if i % 3 == 0 { (i as u64) << 2 } else { rng.next_u64() }));
            keys.sort_unstable();
            keys.dedup();
            let ix = KeyIndex::new(keys.iter().copied());
            for (c, &k) in keys.iter().enumerate() {
                assert_eq!(ix.get(k), Some(c as u32), "{n} keys: key {k}");
            }
            for _ in 0..2000 {
                let k = rng.next_u64();
                assert_eq!(ix.get(k), keys.binary_search(&k).ok().map(|c| c as u32));
            }
        }
        assert_eq!(KeyIndex::default().get(3), None);
    }

    #[test]
    fn tfidf_rows_are_unit_and_weight_rare_terms_higher() {
        let docs = vec![vec![1, 2, 2], vec![1, 3], vec![1, 2], vec![4]];
        let t = TfidfParams { min_df: 1, max_df: 1.0, sublinear_tf: true }.fit(&docs).unwrap();
        assert_eq!(t.n_terms(), 4);
        let m = t.transform(&docs);
        for i in 0..m.n_rows() {
            let r = m.row(i);
            let n: f32 = r.values.iter().map(|v| v * v).sum();
            assert!((n - 1.0).abs() < 1e-5);
        }
        // Row 1: term 3 (df 1) outweighs term 1 (df 3).
        let r = m.row(1);
        let w = |k: u64| r.indices.iter().position(|&c| c == t.column(k).unwrap()).map(|p| r.values[p]).unwrap();
        assert!(w(3) > w(1));
        // min_df drops rare terms; max_df drops ubiquitous ones.
        let t2 = TfidfParams { min_df: 2, max_df: 0.7, sublinear_tf: true }.fit(&docs).unwrap();
        assert_eq!(t2.keys, vec![2]);
    }
}
