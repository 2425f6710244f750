//! Word vectors learned from raw text: the positive pointwise mutual information of words
//! seen near each other, reduced by a truncated SVD (Levy, Goldberg and Dagan, 2015).
//! Words used in the same field ("buôn người", "mua bán người") lie close together, so
//! a submission can be compared with what a body answers for even when it shares none of
//! its words. Keys are the analyser's folded word keys: text typed without diacritics
//! finds the same vectors.

use std::path::Path;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::features::{CsrMatrix, KeyIndex, SparseVec};
use crate::text::{Analysis, Analyzer};

/// The file in the models directory holding the vectors.
pub const MODEL_FILE: &str = "vectors.bin";
/// The first bytes of a vectors file.
const MAGIC: &[u8] = b"YKIEN-VECTORS-1\n";
/// Smoothing of the SIF weight a / (a + p(w)) of a word in a text's vector.
const SIF: f32 = 1e-3;
/// Largest vocabulary and dimension a file may claim (bounds what a damaged file allocates).
const MAX_WORDS: usize = 1 << 21;
const MAX_DIM: usize = 1024;

/// Parameters of [`WordVectors`] training, checked by [`VectorParams::validate`].
#[derive(Debug, Clone)]
pub struct VectorParams {
    /// Dimensions of a vector.
    pub dim: usize,
    /// Content words on each side that count as near.
    pub window: usize,
    /// A word seen fewer times gets no vector.
    pub min_count: u64,
    /// At most this many words (the commonest) get a vector.
    pub max_vocab: usize,
    /// Smoothing of the context distribution (0.75 after word2vec).
    pub context_alpha: f64,
    /// Power of the singular values weighing the coordinates.
    pub sigma_power: f32,
    /// Random seed of the SVD.
    pub seed: u64,
}

impl Default for VectorParams {
    fn default() -> Self {
        VectorParams {
            dim: 128,
            window: 5,
            min_count: 10,
            max_vocab: 60_000,
            context_alpha: 0.75,
            sigma_power: 0.5,
            seed: 42,
        }
    }
}

impl VectorParams {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        if self.dim == 0 || self.dim > MAX_DIM || self.window == 0 || self.max_vocab == 0 || self.max_vocab > MAX_WORDS
        {
            return Err(Error::Param(format!(
                "word vectors: dim 1..={MAX_DIM}, window >= 1 and max_vocab 1..={MAX_WORDS} are needed"
            )));
        }
        if !(0.0..=1.0).contains(&self.context_alpha) || !self.sigma_power.is_finite() {
            return Err(Error::Param("word vectors: context_alpha in 0..=1 and a finite sigma_power".into()));
        }
        Ok(())
    }

    /// Learns vectors from raw texts analysed by `analyzer` (their content words).
    pub fn train<S: AsRef<str> + Sync>(&self, analyzer: &Analyzer, texts: &[S]) -> Result<WordVectors> {
        self.validate()?;
        let seqs: Vec<Vec<u64>> = texts
            .par_iter()
            .map(|t| analyzer.analyze(t.as_ref()).words.iter().filter(|w| w.is_content()).map(|w| w.key).collect())
            .collect();
        let counts = seqs
            .par_iter()
            .fold(FxHashMap::<u64, u64>::default, |mut m, s| {
                s.iter().for_each(|&k| *m.entry(k).or_default() += 1);
                m
            })
            .reduce(FxHashMap::default, |mut a, b| {
                b.into_iter().for_each(|(k, v)| *a.entry(k).or_default() += v);
                a
            });
        let total: u64 = counts.values().sum();
        let mut vocab: Vec<(u64, u64)> = counts.into_iter().filter(|&(_, c)| c >= self.min_count).collect();
        vocab.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        vocab.truncate(self.max_vocab);
        let n = vocab.len();
        if n < 2 * self.dim {
            return Err(Error::Param(format!(
                "word vectors: {n} words seen at least {} times, fewer than twice the {} dimensions asked",
                self.min_count, self.dim
            )));
        }
        let index = KeyIndex::new(vocab.iter().map(|v| v.0));
        // Pairs of words within the window, (smaller id, larger id), counted by sorting.
        let mut pairs: Vec<u64> = seqs
            .par_iter()
            .flat_map_iter(|s| {
                let ids: Vec<u32> = s.iter().filter_map(|&k| index.get(k)).collect();
                let mut out = Vec::with_capacity(ids.len() * self.window);
                for (i, &a) in ids.iter().enumerate() {
                    for &b in ids[i + 1..(i + 1 + self.window).min(ids.len())].iter().filter(|&&b| b != a) {
                        out.push(((a.min(b) as u64) << 32) | a.max(b) as u64);
                    }
                }
                out
            })
            .collect();
        drop(seqs);
        pairs.par_sort_unstable();
        let mut cooc: Vec<(u32, u32, f32)> = Vec::new();
        let mut i = 0;
        while i < pairs.len() {
            let j = i + pairs[i..].iter().take_while(|&&p| p == pairs[i]).count();
            cooc.push(((pairs[i] >> 32) as u32, pairs[i] as u32, (j - i) as f32));
            i = j;
        }
        drop(pairs);
        let mut marginal = vec![0f64; n];
        for &(a, b, c) in &cooc {
            marginal[a as usize] += c as f64;
            marginal[b as usize] += c as f64;
        }
        let d: f64 = marginal.iter().sum();
        let smoothed: Vec<f64> = marginal.iter().map(|&c| c.powf(self.context_alpha)).collect();
        let smoothed_total: f64 = smoothed.iter().sum();
        // PPMI(a, b) = ln(P(a, b) / (P(a) · P_α(b))), kept where positive, both ways.
        let pmi = |a: usize, b: usize, c: f32| -> f32 {
            ((c as f64 / d) / ((marginal[a] / d) * (smoothed[b] / smoothed_total))).ln() as f32
        };
        let mut rows: Vec<SparseVec> = vec![SparseVec::default(); n];
        for &(a, b, c) in &cooc {
            let (au, bu) = (a as usize, b as usize);
            let ab = pmi(au, bu, c);
            if ab > 0.0 {
                rows[au].indices.push(b);
                rows[au].values.push(ab);
            }
            let ba = pmi(bu, au, c);
            if ba > 0.0 {
                rows[bu].indices.push(a);
                rows[bu].values.push(ba);
            }
        }
        drop(cooc);
        let m = CsrMatrix::from_rows(&rows, n);
        drop(rows);
        let lsa = crate::cluster::lsa::LsaParams {
            rank: self.dim,
            oversample: 16,
            power_iters: 3,
            seed: self.seed,
            sigma_power: self.sigma_power,
        };
        let coords = lsa.fit_transform(&m)?;
        let dim = self.dim;
        let mut values = vec![0i8; n * dim];
        for (i, out) in values.chunks_mut(dim).enumerate() {
            let r = coords.row(i);
            for (&j, &v) in r.indices.iter().zip(r.values) {
                if let Some(o) = out.get_mut(j as usize) {
                    *o = quantise(v);
                }
            }
        }
        let weight = vocab.iter().map(|&(_, c)| SIF / (SIF + (c as f64 / total.max(1) as f64) as f32)).collect();
        Ok(WordVectors { dim, keys: vocab.iter().map(|v| v.0).collect(), index, weight, values })
    }
}

/// The length of a vector stored as signed bytes.
fn byte_norm(v: &[i8]) -> f32 {
    v.iter().map(|&p| (p as i32 * p as i32) as f32).sum::<f32>().sqrt()
}

/// A coordinate of a unit vector as a signed byte.
fn quantise(v: f32) -> i8 {
    (v * 127.0).round().clamp(-127.0, 127.0) as i8
}

/// Word vectors: a unit vector (quantised to bytes) and a weight per known word.
pub struct WordVectors {
    dim: usize,
    keys: Vec<u64>,
    index: KeyIndex,
    /// Per word, its weight in a text's vector: a / (a + p(w)), so common words weigh little.
    weight: Vec<f32>,
    values: Vec<i8>,
}

impl WordVectors {
    /// Dimensions of a vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of words with a vector.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when no word has a vector.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The vector of a word key, if the word is known.
    pub fn vector(&self, key: u64) -> Option<&[i8]> {
        let i = self.index.get(key)? as usize;
        self.values.get(i * self.dim..(i + 1) * self.dim)
    }

    /// The cosine of two words' vectors (by their keys), if both are known.
    pub fn similarity(&self, a: u64, b: u64) -> Option<f32> {
        let (x, y) = (self.vector(a)?, self.vector(b)?);
        let dot: i32 = x.iter().zip(y).map(|(&p, &q)| p as i32 * q as i32).sum();
        Some(dot as f32 / (byte_norm(x) * byte_norm(y)).max(1e-6))
    }

    /// The cosine of a word's vector (by its key) with `unit`, a unit vector of
    /// [`WordVectors::dim`] values, if the word is known.
    pub fn cosine_to(&self, key: u64, unit: &[f32]) -> Option<f32> {
        let x = self.vector(key)?;
        let dot: f32 = x.iter().zip(unit).map(|(&p, &q)| p as f32 * q).sum();
        Some(dot / byte_norm(x).max(1e-6))
    }

    /// A text's vector into `out` (length [`WordVectors::dim`]): the weighted sum of its
    /// content words' vectors, L2-normalised. False, and `out` zero, when it knows no word.
    pub fn embed(&self, a: &Analysis, out: &mut [f32]) -> bool {
        out.iter_mut().for_each(|o| *o = 0.0);
        let mut any = false;
        for w in a.words.iter().filter(|w| w.is_content()) {
            let Some(i) = self.index.get(w.key) else { continue };
            let i = i as usize;
            let wt = self.weight[i] / 127.0;
            for (o, &v) in out.iter_mut().zip(&self.values[i * self.dim..(i + 1) * self.dim]) {
                *o += wt * v as f32;
            }
            any = true;
        }
        normalise(out) && any
    }

    /// Loads models/vectors.bin if the models directory has one.
    pub fn load_models(models: &Path) -> Result<Option<WordVectors>> {
        let path = models.join(MODEL_FILE);
        if !path.exists() {
            return Ok(None);
        }
        Self::load(&path).map(Some)
    }

    /// Reads vectors written by [`WordVectors::save`].
    pub fn load(path: &Path) -> Result<WordVectors> {
        let bytes = crate::output::read_gzip(path, "a word vectors file")?;
        Self::from_bytes(&bytes).map_err(|m| Error::model(path, m))
    }

    fn from_bytes(b: &[u8]) -> std::result::Result<WordVectors, String> {
        let rest = b.strip_prefix(MAGIC).ok_or("not a word vectors file (wrong header)")?;
        let u32_at = |at: usize| -> std::result::Result<usize, String> {
            let s = rest.get(at..at + 4).ok_or("the file ends early")?;
            Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
        };
        let (dim, n) = (u32_at(0)?, u32_at(4)?);
        if dim == 0 || dim > MAX_DIM || n > MAX_WORDS {
            return Err(format!("{n} words of {dim} dimensions"));
        }
        let body = &rest[8..];
        if body.len() != n * 12 + n * dim {
            return Err(format!(
                "{} bytes of vectors where {n} words of {dim} dimensions need {}",
                body.len(),
                n * (12 + dim)
            ));
        }
        let (heads, values) = body.split_at(n * 12);
        let mut keys = Vec::with_capacity(n);
        let mut weight = Vec::with_capacity(n);
        for h in heads.chunks_exact(12) {
            keys.push(u64::from_le_bytes(h[..8].try_into().map_err(|_| "short key")?));
            let w = f32::from_le_bytes(h[8..].try_into().map_err(|_| "short weight")?);
            if !(w.is_finite() && (0.0..=1.0).contains(&w)) {
                return Err(format!("a word weighs {w}"));
            }
            weight.push(w);
        }
        let mut seen = keys.clone();
        seen.sort_unstable();
        if seen.windows(2).any(|w| w[0] == w[1]) {
            return Err("a word is listed twice".into());
        }
        let index = KeyIndex::new(keys.iter().copied());
        Ok(WordVectors { dim, keys, index, weight, values: values.iter().map(|&v| v as i8).collect() })
    }

    /// Writes the vectors (gzip), through a temporary file and a rename.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut b = Vec::with_capacity(MAGIC.len() + 8 + self.keys.len() * (12 + self.dim));
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&(self.dim as u32).to_le_bytes());
        b.extend_from_slice(&(self.keys.len() as u32).to_le_bytes());
        for (k, w) in self.keys.iter().zip(&self.weight) {
            b.extend_from_slice(&k.to_le_bytes());
            b.extend_from_slice(&w.to_le_bytes());
        }
        b.extend(self.values.iter().map(|&v| v as u8));
        crate::output::write_gzip_atomic(path, &b)
    }
}

/// Scales `v` to unit length; false when it is zero.
pub fn normalise(v: &mut [f32]) -> bool {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 && n.is_finite() {
        v.iter_mut().for_each(|x| *x /= n);
        true
    } else {
        v.iter_mut().for_each(|x| *x = 0.0);
        false
    }
}

/// The dot product of two vectors of the same length.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
