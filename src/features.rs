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
        let mut terms: Vec<(u64, u32)> = df.into_iter().filter(|&(_, d)| d >= self.min_df && (d <= max_df || n < 3)).collect();
        terms.sort_unstable();
        let index = terms.iter().enumerate().map(|(i, &(k, _))| (k, i as u32)).collect();
        let idf = terms.iter().map(|&(_, d)| ((1.0 + n as f64) / (1.0 + d as f64)).ln() as f32 + 1.0).collect();
        Ok(Tfidf { keys: terms.iter().map(|t| t.0).collect(), df: terms.iter().map(|t| t.1).collect(), index, idf, n_docs: n, params: self.clone() })
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
    index: FxHashMap<u64, u32>,
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
        self.index.get(&key).copied()
    }

    /// Rebuilds the key index after deserialisation.
    pub fn rebuild_index(&mut self) {
        self.index = self.keys.iter().enumerate().map(|(i, &k)| (k, i as u32)).collect();
    }

    /// One document's L2-normalised TF-IDF row, sorted by column. Columns follow key
    /// order, so keys given in ascending order (as the pipeline keeps them) need no sort.
    pub fn transform_one(&self, keys: &[u64], out: &mut SparseVec) {
        self.transform_runs(&[keys], out);
    }

    /// [`Tfidf::transform_one`] of the keys of all `runs` together: two runs are sorted
    /// each on its own (a run whose keys ascend needs no sort) and merged.
    pub fn transform_runs(&self, runs: &[&[u64]], out: &mut SparseVec) {
        out.indices.clear();
        out.values.clear();
        thread_local! {
            static COLS: std::cell::RefCell<(Vec<u32>, Vec<u32>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
        }
        COLS.with(|bufs| {
            let (cols, merged) = &mut *bufs.borrow_mut();
            cols.clear();
            let mut split = 0;
            for (r, keys) in runs.iter().enumerate() {
                if r == 1 {
                    split = cols.len();
                }
                cols.extend(keys.iter().filter_map(|k| self.column(*k)));
            }
            // Each run sorted on its own (most often it already ascends), then the two merged.
            let cols = if runs.len() == 2 {
                let (a, b) = cols.split_at_mut(split);
                for run in [a, b] {
                    if !run.is_sorted() {
                        run.sort_unstable();
                    }
                }
                merge_sorted(&cols[..split], &cols[split..], merged);
                merged
            } else {
                cols
            };
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
            let n = j - i;
            // Most terms occur once in a short text: 1 + ln 1 is 1, no logarithm needed.
            let tf = if n == 1 { 1.0 } else if self.params.sublinear_tf { 1.0 + (n as f32).ln() } else { n as f32 };
            out.indices.push(c);
            out.values.push(tf * self.idf[c as usize]);
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
    fn assemble(&self, n: usize, copy_of: &[Option<u32>], bound: usize, mut chunk_rows: impl FnMut(std::ops::Range<usize>) -> Vec<Option<SparseVec>>) -> CsrMatrix {
        const CHUNK: usize = 65_536;
        let mut m = CsrMatrix { indptr: Vec::with_capacity(n + 1), indices: Vec::with_capacity(bound), data: Vec::with_capacity(bound), n_cols: self.n_terms() };
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

/// `a` and `b`, each ascending, merged into `out` (ascending).
fn merge_sorted(a: &[u32], b: &[u32], out: &mut Vec<u32>) {
    out.clear();
    out.reserve(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if b[j] < a[i] {
            out.push(b[j]);
            j += 1;
        } else {
            out.push(a[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
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
        let mut m = CsrMatrix { indptr: Vec::with_capacity(rows.len() + 1), indices: Vec::with_capacity(nnz), data: Vec::with_capacity(nnz), n_cols };
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
        let rows: Vec<SparseVec> = ids.iter().map(|&i| { let r = self.row(i); SparseVec { indices: r.indices.to_vec(), values: r.values.to_vec() } }).collect();
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
        let m2 = t2.transform_owned(thin, &copy_of);
        assert_eq!((m2.indptr, m2.indices, m2.data), (m.indptr, m.indices, m.data));
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
