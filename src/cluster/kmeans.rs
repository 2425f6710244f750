//! Spherical k-means on sparse L2-normalised rows: cosine similarity, k-means++ seeding,
//! restarts run in parallel with rayon, deterministic for a seed whatever the thread count.
//!
//! Centroids are dense and stored term-major (`k` weights per term, contiguous), so the
//! assignment of a sparse row touches one short contiguous slice per non-zero.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::{add_term_major, CsrMatrix, Row};
use crate::rng::Rng;
use crate::traits::{Fit, Predict};

/// Hyper-parameters of spherical k-means.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KMeansParams {
    /// Number of clusters.
    pub k: usize,
    /// Iterations per restart at most.
    pub max_iter: usize,
    /// Restarts (best objective wins).
    pub n_init: usize,
    /// Stop when the objective improves by less than this share.
    pub tol: f64,
    /// Random seed.
    pub seed: u64,
    /// When above 0 (and `n_init` > 1): every restart runs this many iterations, then only
    /// the best so far runs on to the end (as MiniBatchKMeans keeps its best initialisation).
    pub screen_iter: usize,
}

impl KMeansParams {
    /// Defaults for `k` clusters.
    pub fn new(k: usize) -> Self {
        KMeansParams { k, max_iter: 50, n_init: 4, tol: 1e-5, seed: 42, screen_iter: 0 }
    }
    /// Checks the parameters against a data set of `n` rows.
    pub fn validate(&self, n: usize) -> Result<()> {
        if self.k == 0 {
            return Err(Error::Param(crate::t!("param.k-zero")));
        }
        if self.k > n {
            return Err(Error::Param(crate::t!("param.k-too-large", k = self.k, n = n)));
        }
        if self.n_init == 0 || self.max_iter == 0 {
            return Err(Error::Param("n_init and max_iter must be at least 1".into()));
        }
        Ok(())
    }
}

/// A fitted clustering.
#[derive(Debug, Clone)]
pub struct KMeans {
    /// Number of clusters.
    pub k: usize,
    /// Number of columns.
    pub dim: usize,
    /// Unit-norm centroids, term-major: weight of term j in cluster c at `j * k + c`.
    pub centroids: Vec<f32>,
    /// Cluster of each training row.
    pub assignments: Vec<u32>,
    /// Cosine similarity of each training row to its centroid.
    pub similarity: Vec<f32>,
    /// Sum of similarities (higher is better).
    pub objective: f64,
    /// Iterations run by the winning restart.
    pub iterations: usize,
}

impl KMeans {
    /// Similarities of a row to every centroid, into `scores` (length k).
    pub fn scores(&self, row: &Row<'_>, scores: &mut [f32]) {
        scores.iter_mut().for_each(|s| *s = 0.0);
        add_term_major(row.indices, row.values, &self.centroids, &mut scores[..self.k]);
    }

    /// The clustering given by `assignments` (clusters 0..k, none empty), with its
    /// centroids and each row's similarity to its own: what another method's result
    /// needs for representatives and for placing new rows.
    pub fn from_assignments(x: &CsrMatrix, k: usize, assignments: Vec<u32>) -> KMeans {
        let n = x.n_rows();
        let mut m = KMeans {
            k,
            dim: x.n_cols,
            centroids: vec![0.0; x.n_cols * k],
            assignments,
            similarity: vec![1.0; n],
            objective: 0.0,
            iterations: 0,
        };
        update(x, &mut m);
        let sims: Vec<f32> = (0..n)
            .into_par_iter()
            .map_init(
                || vec![0.0f32; k],
                |s, i| {
                    m.scores(&x.row(i), s);
                    s[m.assignments[i] as usize]
                },
            )
            .collect();
        m.objective = sims.iter().map(|&s| s as f64).sum();
        m.similarity = sims;
        m
    }
}

impl KMeans {
    /// The same centroids with every row of `x` assigned to its nearest (in parallel):
    /// how a model fitted on a sample clusters the whole data.
    pub fn assign_all(mut self, x: &CsrMatrix) -> KMeans {
        let k = self.k;
        let (assignments, similarity): (Vec<u32>, Vec<f32>) = (0..x.n_rows())
            .into_par_iter()
            .map_init(
                || vec![0.0f32; k],
                |s, i| {
                    self.scores(&x.row(i), s);
                    best(s)
                },
            )
            .unzip();
        self.objective = similarity.iter().map(|&s| s as f64).sum();
        self.assignments = assignments;
        self.similarity = similarity;
        self
    }

    /// The model with one assignment per entry of `rows`, each the assignment of the row
    /// it names: how rows that several submissions share (copies of one text), clustered
    /// once, are given back to every submission.
    pub fn expand(mut self, rows: &[u32]) -> KMeans {
        let assignments = rows.iter().map(|&r| self.assignments[r as usize]).collect();
        let similarity: Vec<f32> = rows.iter().map(|&r| self.similarity[r as usize]).collect();
        self.objective = similarity.iter().map(|&s| s as f64).sum();
        self.assignments = assignments;
        self.similarity = similarity;
        self
    }
}

impl<'a> Predict<Row<'a>> for KMeans {
    type Output = (u32, f32);
    /// Nearest centroid and its cosine similarity.
    fn predict(&self, row: &Row<'a>) -> (u32, f32) {
        let mut s = vec![0.0; self.k];
        self.scores(row, &mut s);
        best(&s)
    }
}

fn best(s: &[f32]) -> (u32, f32) {
    let mut b = (0u32, f32::NEG_INFINITY);
    for (c, &v) in s.iter().enumerate() {
        if v > b.1 {
            b = (c as u32, v);
        }
    }
    b
}

impl Fit<CsrMatrix> for KMeansParams {
    type Model = KMeans;
    fn fit(&self, x: &CsrMatrix) -> Result<KMeans> {
        self.validate(x.n_rows())?;
        let screening = self.screen_iter > 0 && self.n_init > 1 && self.screen_iter < self.max_iter;
        let first_iter = if screening { self.screen_iter } else { self.max_iter };
        let runs: Vec<KMeans> = (0..self.n_init)
            .into_par_iter()
            .map(|r| run(self, x, Rng::stream(self.seed, r as u64), first_iter))
            .collect();
        // Best objective; ties go to the earliest restart, so the result does not depend on threads.
        let mut best_run = None::<KMeans>;
        for m in runs {
            if best_run.as_ref().is_none_or(|b| m.objective > b.objective + 1e-9) {
                best_run = Some(m);
            }
        }
        let mut best_run = best_run.expect("n_init >= 1");
        if screening {
            let done = best_run.iterations;
            iterate(x, &mut best_run, self.max_iter - self.screen_iter, self.tol);
            best_run.iterations += done;
        }
        Ok(best_run)
    }
}

/// k-means++ seeding with cosine distance (1 - similarity).
fn seed_centroids(x: &CsrMatrix, k: usize, rng: &mut Rng) -> Vec<usize> {
    let n = x.n_rows();
    let mut chosen = vec![rng.below(n)];
    let mut dist: Vec<f32> = vec![f32::INFINITY; n];
    // The last centre spread out densely: each row's similarity to it is then a gather
    // over the row's own terms, not a merge of two sparse rows (the same sum, term by term).
    let mut centre = vec![0.0f32; x.n_cols];
    while chosen.len() < k {
        let last = x.row(*chosen.last().expect("non-empty"));
        for (&j, &v) in last.indices.iter().zip(last.values) {
            centre[j as usize] = v;
        }
        let centre_ref = &centre;
        dist.par_iter_mut().enumerate().for_each(|(i, d)| {
            let r = x.row(i);
            let mut sim = [0.0f32];
            add_term_major(r.indices, r.values, centre_ref, &mut sim);
            let dd = (1.0 - sim[0]).max(0.0);
            if dd < *d {
                *d = dd;
            }
        });
        for &j in last.indices {
            centre[j as usize] = 0.0;
        }
        let total: f64 = dist.iter().map(|&d| (d as f64) * (d as f64)).sum();
        let next = if total <= 0.0 {
            // All rows coincide with a centre: take any row not yet chosen.
            (0..n).find(|i| !chosen.contains(i)).unwrap_or(0)
        } else {
            let mut t = rng.next_f64() * total;
            let mut pick = n - 1;
            for (i, &d) in dist.iter().enumerate() {
                t -= (d as f64) * (d as f64);
                if t <= 0.0 {
                    pick = i;
                    break;
                }
            }
            pick
        };
        chosen.push(next);
    }
    chosen
}

fn run(p: &KMeansParams, x: &CsrMatrix, mut rng: Rng, max_iter: usize) -> KMeans {
    let (n, k, dim) = (x.n_rows(), p.k, x.n_cols);
    let seeds = seed_centroids(x, k, &mut rng);
    let mut model = KMeans {
        k,
        dim,
        centroids: vec![0.0; dim * k],
        assignments: vec![0; n],
        similarity: vec![0.0; n],
        objective: f64::NEG_INFINITY,
        iterations: 0,
    };
    for (c, &i) in seeds.iter().enumerate() {
        let r = x.row(i);
        for (&j, &v) in r.indices.iter().zip(r.values) {
            model.centroids[j as usize * k + c] = v;
        }
    }
    iterate(x, &mut model, max_iter, p.tol);
    model
}

/// Lloyd iterations from the model's current centroids until nothing moves.
fn iterate(x: &CsrMatrix, model: &mut KMeans, max_iter: usize, tol: f64) {
    let (n, k) = (x.n_rows(), model.k);
    let mut prev_obj = f64::NEG_INFINITY;
    for it in 0..max_iter {
        // Assignment, in parallel over rows.
        let assigned: Vec<(u32, f32)> = (0..n)
            .into_par_iter()
            .map_init(
                || vec![0.0f32; k],
                |s, i| {
                    model.scores(&x.row(i), s);
                    best(s)
                },
            )
            .collect();
        let changed = assigned.iter().zip(&model.assignments).filter(|(a, &b)| a.0 != b).count();
        for (i, (c, s)) in assigned.into_iter().enumerate() {
            model.assignments[i] = c;
            model.similarity[i] = s;
        }
        let obj: f64 = model.similarity.iter().map(|&s| s as f64).sum();
        model.objective = obj;
        model.iterations = it + 1;
        if it > 0 && (changed == 0 || (obj - prev_obj).abs() <= tol * obj.abs().max(1.0)) {
            break;
        }
        prev_obj = obj;
        update(x, model);
    }
}

/// Recomputes centroids as normalised sums of their members; empty clusters take the
/// row least similar to its own centroid.
fn update(x: &CsrMatrix, m: &mut KMeans) {
    let (k, dim) = (m.k, m.dim);
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); k];
    for (i, &c) in m.assignments.iter().enumerate() {
        members[c as usize].push(i as u32);
    }
    for c in 0..k {
        if members[c].is_empty() {
            let worst = (0..m.similarity.len())
                .filter(|&i| members[m.assignments[i] as usize].len() > 1)
                .min_by(|&a, &b| m.similarity[a].total_cmp(&m.similarity[b]).then(a.cmp(&b)));
            if let Some(w) = worst {
                let from = m.assignments[w] as usize;
                members[from].retain(|&i| i as usize != w);
                members[c].push(w as u32);
                m.assignments[w] = c as u32;
                m.similarity[w] = 1.0;
            }
        }
    }
    // Each cluster's sum, in parallel over clusters, rows added in a fixed order.
    let sums: Vec<Vec<f32>> = members
        .par_iter()
        .map(|rows| {
            let mut s = vec![0.0f32; dim];
            for &i in rows {
                let r = x.row(i as usize);
                for (&j, &v) in r.indices.iter().zip(r.values) {
                    s[j as usize] += v;
                }
            }
            let norm = s.iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                s.iter_mut().for_each(|v| *v /= norm);
            }
            s
        })
        .collect();
    m.centroids.par_chunks_mut(k).enumerate().for_each(|(j, cw)| {
        for (c, w) in cw.iter_mut().enumerate() {
            *w = sums[c][j];
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::SparseVec;

    #[test]
    fn scores_for_every_small_k_are_the_plain_sums() {
        let mut rng = Rng::new(3);
        let dim = 50;
        let rows: Vec<SparseVec> = (0..40)
            .map(|_| {
                let mut idx: Vec<u32> = (0..1 + rng.below(12)).map(|_| rng.below(dim) as u32).collect();
                idx.sort_unstable();
                idx.dedup();
                let values = idx.iter().map(|_| rng.next_f64() as f32 - 0.3).collect();
                SparseVec { indices: idx, values }
            })
            .collect();
        let x = CsrMatrix::from_rows(&rows, dim);
        for k in 1..=11 {
            let centroids: Vec<f32> = (0..dim * k).map(|_| rng.next_f64() as f32).collect();
            let m = KMeans {
                k,
                dim,
                centroids,
                assignments: Vec::new(),
                similarity: Vec::new(),
                objective: 0.0,
                iterations: 0,
            };
            let mut got = vec![f32::NAN; k];
            for i in 0..x.n_rows() {
                let r = x.row(i);
                m.scores(&r, &mut got);
                // Term by term, in the row's order: the sums must be equal to the bit.
                let want: Vec<f32> = (0..k)
                    .map(|c| {
                        r.indices
                            .iter()
                            .zip(r.values)
                            .fold(0.0f32, |s, (&j, &v)| s + v * m.centroids[j as usize * k + c])
                    })
                    .collect();
                assert_eq!(
                    got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    "k = {k}, row {i}"
                );
            }
        }
    }
}
