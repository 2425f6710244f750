//! A Dirichlet multinomial mixture for short texts (GSDMM, Yin and Wang, KDD 2014): each
//! submission is drawn from one cluster's word distribution, and collapsed Gibbs sampling
//! moves submissions between clusters. Short texts share few words, which leaves cosine
//! k-means little to go on; the mixture scores a cluster by how well its whole vocabulary
//! predicts a text's words, which works better on titles and short requests.
//!
//! Sampling runs in parallel over fixed blocks of rows: within an iteration each block
//! sees the counts as they were at its start plus its own moves (as AD-LDA does), so
//! the result depends on the seed and never on the number of threads.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::CsrMatrix;
use crate::rng::Rng;
use crate::traits::Fit;

/// Rows sampled together in one block (one block for small inputs: exact Gibbs sampling).
const BLOCK: usize = 8192;

/// Hyper-parameters of the mixture.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DmmParams {
    /// Clusters at most (some may empty out; they are dropped).
    pub k: usize,
    /// Prior weight of a cluster (how readily a text joins a small cluster).
    pub alpha: f64,
    /// Prior weight of a word in a cluster (how readily a text joins a cluster lacking its words).
    pub beta: f64,
    /// Gibbs sweeps over the data.
    pub iters: usize,
    /// Chains sampled from different starts; the one whose clusters explain the words best
    /// (the highest collapsed likelihood) is kept.
    pub restarts: usize,
    /// Random seed.
    pub seed: u64,
}

impl DmmParams {
    /// Defaults for `k` clusters: alpha 0.1 as the paper suggests; beta 0.3 rather than its
    /// 0.1 and 30 sweeps, 3 chains (measured on real text: benches/RESULTS.md).
    pub fn new(k: usize) -> Self {
        DmmParams { k, alpha: 0.1, beta: 0.3, iters: 30, restarts: 5, seed: 42 }
    }
    /// Checks the parameters against `n` rows.
    pub fn validate(&self, n: usize) -> Result<()> {
        if self.k == 0 || self.k > n {
            return Err(Error::Param(crate::t!("param.k-too-large", k = self.k, n = n)));
        }
        if !(self.alpha > 0.0 && self.beta > 0.0) || self.iters == 0 || self.restarts == 0 {
            return Err(Error::Param("alpha and beta must be positive, iters and restarts at least 1".into()));
        }
        Ok(())
    }
}

/// A fitted mixture: the cluster of each row, numbered 0.. without gaps, and the counts
/// that place new rows ([`Dmm::predict`]).
#[derive(Debug, Clone)]
pub struct Dmm {
    /// Non-empty clusters.
    pub k: usize,
    /// Cluster of each row.
    pub assignments: Vec<u32>,
    /// The counts of the fitted clusters (numbered as `assignments`).
    counts: Counts,
    alpha: f64,
    beta: f64,
    dim: usize,
}

impl Dmm {
    /// The most likely cluster of each row of `x` (same columns as the fit) under the
    /// fitted counts; a row without words goes to the largest cluster.
    pub fn predict(&self, x: &CsrMatrix) -> Vec<u32> {
        let (k, g) = (self.k, &self.counts);
        let vbeta = self.dim as f64 * self.beta;
        let prior: Vec<f64> = g.docs.iter().map(|&m| (m as f64 + self.alpha).ln()).collect();
        // Logarithms looked up, not computed per row: each word's in each cluster, and each
        // cluster's denominator for the t-th word of a row.
        let ln_word: Vec<f32> = g.word.par_iter().map(|&n| (n as f64 + self.beta).ln() as f32).collect();
        let longest = (0..x.n_rows()).map(|i| x.row(i).indices.len()).max().unwrap_or(0);
        let ln_den: Vec<f64> =
            (0..k).flat_map(|c| (0..longest).map(move |t| (g.words[c] as f64 + vbeta + t as f64).ln())).collect();
        (0..x.n_rows())
            .into_par_iter()
            .map_init(
                || vec![0.0f64; k],
                |lp, i| {
                    let cols = x.row(i).indices;
                    lp.copy_from_slice(&prior);
                    for &j in cols {
                        let w = &ln_word[j as usize * k..j as usize * k + k];
                        for (l, &v) in lp.iter_mut().zip(w) {
                            *l += v as f64;
                        }
                    }
                    let mut best = (f64::NEG_INFINITY, 0u32);
                    for (c, &l) in lp.iter().enumerate() {
                        let den: f64 = ln_den[c * longest..c * longest + cols.len()].iter().sum();
                        if l - den > best.0 {
                            best = (l - den, c as u32);
                        }
                    }
                    best.1
                },
            )
            .collect()
    }
}

#[derive(Debug, Clone)]
struct Counts {
    docs: Vec<i64>,
    words: Vec<i64>,
    /// Term-major: count of term j in cluster c at `j * k + c`.
    word: Vec<i64>,
}

impl Counts {
    fn new(k: usize, dim: usize) -> Self {
        Counts { docs: vec![0; k], words: vec![0; k], word: vec![0; dim * k] }
    }
}

impl Fit<CsrMatrix> for DmmParams {
    type Model = Dmm;
    fn fit(&self, x: &CsrMatrix) -> Result<Dmm> {
        self.validate(x.n_rows())?;
        let mut best: Option<(f64, Vec<u32>, Counts)> = None;
        for r in 0..self.restarts {
            let seed = self.seed.wrapping_add((r as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let (z, g) = self.chain(x, seed);
            let ll = self.log_likelihood(&g, x.n_cols);
            if best.as_ref().is_none_or(|(b, _, _)| ll > *b) {
                best = Some((ll, z, g));
            }
        }
        let (_, mut z, g) = best.expect("restarts >= 1");
        // Number the non-empty clusters 0.. in order of first appearance, counts alike.
        let (map, kept) = compact(&mut z, self.k);
        let (k, dim) = (self.k, x.n_cols);
        let mut counts = Counts::new(kept, dim);
        for (old, &new) in map.iter().enumerate() {
            if new == u32::MAX {
                continue;
            }
            let new = new as usize;
            counts.docs[new] = g.docs[old];
            counts.words[new] = g.words[old];
            for j in 0..dim {
                counts.word[j * kept + new] = g.word[j * k + old];
            }
        }
        Ok(Dmm { k: kept, assignments: z, counts, alpha: self.alpha, beta: self.beta, dim })
    }
}

/// Numbers the clusters `z` uses (of `k`) 0.. in order of first appearance, in place;
/// returns each old cluster's new number (`u32::MAX` for an empty one) and how many are kept.
pub fn compact(z: &mut [u32], k: usize) -> (Vec<u32>, usize) {
    let mut map = vec![u32::MAX; k];
    let mut next = 0u32;
    for c in z.iter_mut() {
        if map[*c as usize] == u32::MAX {
            map[*c as usize] = next;
            next += 1;
        }
        *c = map[*c as usize];
    }
    (map, next as usize)
}

impl DmmParams {
    /// The collapsed log likelihood of the clusters (up to a constant):
    /// Σ_c [log Γ(m_c + α) + Σ_w log Γ(n_cw + β)/Γ(β) − log Γ(n_c + Vβ)/Γ(Vβ)].
    fn log_likelihood(&self, g: &Counts, dim: usize) -> f64 {
        // log Γ(n + a) − log Γ(a) = Σ_{t<n} ln(a + t), summed from a table.
        let rising = |a: f64, n: i64| -> f64 { (0..n.max(0)).map(|t| (a + t as f64).ln()).sum() };
        let max_w = g.word.iter().copied().max().unwrap_or(0).max(0) as usize;
        let mut table = vec![0.0f64; max_w + 1];
        for n in 1..=max_w {
            table[n] = table[n - 1] + (self.beta + (n - 1) as f64).ln();
        }
        let vbeta = dim as f64 * self.beta;
        let mut ll: f64 = g.word.iter().map(|&n| table[n.max(0) as usize]).sum();
        for c in 0..self.k {
            ll += rising(self.alpha, g.docs[c]) - rising(vbeta, g.words[c]);
        }
        ll
    }

    /// One Gibbs chain from `seed`: the assignments and the final counts.
    /// Long because the collapsed Gibbs sampler's sweeps, blocks and count updates share
    /// one set of counts and buffers; split, they would pass a dozen fields around.
    fn chain(&self, x: &CsrMatrix, seed: u64) -> (Vec<u32>, Counts) {
        let n = x.n_rows();
        let (k, dim) = (self.k, x.n_cols);
        let mut rng = Rng::stream(seed, 0xd33);
        let mut z: Vec<u32> = (0..n).map(|_| rng.below(k) as u32).collect();
        let mut g = Counts::new(k, dim);
        for (i, &c) in z.iter().enumerate() {
            let cols = x.row(i).indices;
            g.docs[c as usize] += 1;
            g.words[c as usize] += cols.len() as i64;
            for &j in cols {
                g.word[j as usize * k + c as usize] += 1;
            }
        }
        let (alpha, beta, vbeta) = (self.alpha, self.beta, dim as f64 * self.beta);
        for it in 0..self.iters {
            // Each block: moves and count deltas against the counts at the sweep's start.
            let blocks: Vec<(usize, Vec<u32>, Counts)> = z
                .par_chunks(BLOCK)
                .enumerate()
                .map_init(
                    || (vec![0i64; dim * k], Vec::<usize>::new()),
                    |(dw, touched), (b, zs)| {
                        let mut rng = Rng::stream(seed, ((it as u64) << 32) | b as u64);
                        let mut d = Counts::new(k, 0);
                        let mut zs = zs.to_vec();
                        let mut lp = vec![0.0f64; k];
                        let mut scales = vec![0i32; k];
                        for (o, zc) in zs.iter_mut().enumerate() {
                            let cols = x.row(b * BLOCK + o).indices;
                            let total = cols.len() as i64;
                            let old = *zc as usize;
                            // Remove the row from its cluster (in the block's view).
                            d.docs[old] -= 1;
                            d.words[old] -= total;
                            for &j in cols {
                                let idx = j as usize * k + old;
                                dw[idx] -= 1;
                                touched.push(idx);
                            }
                            // p(c) ∝ (m_c + α) · Π_w (n_cw + β) / Π_t (n_c + Vβ + t), as a
                            // product (no logarithms), rescaled when it grows too small.
                            let mut sum = 0.0;
                            for (c, l) in lp.iter_mut().enumerate() {
                                let nd = (g.docs[c] + d.docs[c]) as f64;
                                let nw = (g.words[c] + d.words[c]) as f64;
                                let mut v = nd + alpha;
                                let mut scale = 0i32;
                                for (t, &j) in cols.iter().enumerate() {
                                    let idx = j as usize * k + c;
                                    v *= ((g.word[idx] + dw[idx]) as f64 + beta) / (nw + vbeta + t as f64);
                                    if v < 1e-150 {
                                        v *= 1e150;
                                        scale += 1;
                                    }
                                }
                                *l = v;
                                scales[c] = scale;
                            }
                            let min_scale = *scales.iter().min().expect("k >= 1");
                            for (l, &sc) in lp.iter_mut().zip(scales.iter()) {
                                // Each rescale was a factor 1e150: a cluster rescaled more is that much less likely.
                                *l = if sc > min_scale + 1 {
                                    0.0
                                } else if sc > min_scale {
                                    *l * 1e-150
                                } else {
                                    *l
                                };
                                sum += *l;
                            }
                            let mut t = rng.next_f64() * sum;
                            let mut new = k - 1;
                            for (c, &p) in lp.iter().enumerate() {
                                t -= p;
                                if t <= 0.0 {
                                    new = c;
                                    break;
                                }
                            }
                            d.docs[new] += 1;
                            d.words[new] += total;
                            for &j in cols {
                                let idx = j as usize * k + new;
                                dw[idx] += 1;
                                touched.push(idx);
                            }
                            *zc = new as u32;
                        }
                        // Hand the block's word deltas over sparsely and clear the scratch.
                        touched.sort_unstable();
                        touched.dedup();
                        let mut sparse = Vec::with_capacity(touched.len() * 2);
                        for &idx in touched.iter() {
                            if dw[idx] != 0 {
                                sparse.push(idx as i64);
                                sparse.push(dw[idx]);
                                dw[idx] = 0;
                            }
                        }
                        touched.clear();
                        d.word = sparse;
                        (b, zs, d)
                    },
                )
                .collect();
            for (b, zs, d) in blocks {
                z[b * BLOCK..b * BLOCK + zs.len()].copy_from_slice(&zs);
                for c in 0..k {
                    g.docs[c] += d.docs[c];
                    g.words[c] += d.words[c];
                }
                for pair in d.word.chunks(2) {
                    g.word[pair[0] as usize] += pair[1];
                }
            }
        }
        (z, g)
    }
}
