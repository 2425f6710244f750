//! Latent semantic analysis: a randomized truncated SVD of the sparse TF-IDF matrix
//! (Halko, Martinsson and Tropp, 2011), written over sparse rows because linfa's PCA
//! centres dense data. Documents become dense rows of `rank` coordinates (U·Σ, as
//! scikit-learn's TruncatedSVD), L2-normalised, ready for spherical k-means.

use ndarray::{Array2, Axis};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::features::{CsrMatrix, SparseVec};
use crate::rng::Rng;

/// Hyper-parameters of the randomized SVD.
#[derive(Debug, Clone)]
pub struct LsaParams {
    /// Dimensions kept.
    pub rank: usize,
    /// Extra random directions for accuracy.
    pub oversample: usize,
    /// Power iterations (sharpen the spectrum).
    pub power_iters: usize,
    /// Random seed.
    pub seed: u64,
    /// Power of Σ weighing the coordinates (1: U·Σ, as scikit-learn; 0.5 for word vectors,
    /// after Levy, Goldberg and Dagan 2015).
    pub sigma_power: f32,
}

impl Default for LsaParams {
    fn default() -> Self {
        LsaParams { rank: 100, oversample: 10, power_iters: 2, seed: 42, sigma_power: 1.0 }
    }
}

/// `a` (rows × dims, sparse) times `b` (dims × l, dense, row-major) into rows × l.
fn sparse_dense(a: &CsrMatrix, b: &Array2<f32>) -> Array2<f32> {
    let l = b.ncols();
    let b = b.as_standard_layout();
    let bs = b.as_slice().expect("standard layout");
    let mut out = vec![0.0f32; a.n_rows() * l];
    out.par_chunks_mut(l.max(1)).enumerate().for_each(|(i, row)| {
        let r = a.row(i);
        for (&j, &v) in r.indices.iter().zip(r.values) {
            for (o, &x) in row.iter_mut().zip(&bs[j as usize * l..(j as usize + 1) * l]) {
                *o += v * x;
            }
        }
    });
    Array2::from_shape_vec((a.n_rows(), l), out).expect("shape")
}

/// The transpose of a CSR matrix, as CSR.
fn transpose(a: &CsrMatrix) -> CsrMatrix {
    let mut counts = vec![0usize; a.n_cols];
    for &j in &a.indices {
        counts[j as usize] += 1;
    }
    let mut rows: Vec<SparseVec> =
        counts.iter().map(|&c| SparseVec { indices: Vec::with_capacity(c), values: Vec::with_capacity(c) }).collect();
    for i in 0..a.n_rows() {
        let r = a.row(i);
        for (&j, &v) in r.indices.iter().zip(r.values) {
            rows[j as usize].indices.push(i as u32);
            rows[j as usize].values.push(v);
        }
    }
    CsrMatrix::from_rows(&rows, a.n_rows())
}

/// Orthonormalises the columns in place (modified Gram-Schmidt, twice for stability).
fn orthonormalize(m: &mut Array2<f32>) {
    for _ in 0..2 {
        for c in 0..m.ncols() {
            for p in 0..c {
                let d = m.column(p).dot(&m.column(c));
                let prev = m.column(p).to_owned();
                m.column_mut(c).scaled_add(-d, &prev);
            }
            let n = m.column(c).dot(&m.column(c)).sqrt();
            if n > 1e-12 {
                m.column_mut(c).mapv_inplace(|x| x / n);
            }
        }
    }
}

/// Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations:
/// eigenvalues and eigenvectors (columns), largest first.
fn symmetric_eigen(mut a: Array2<f64>) -> (Vec<f64>, Array2<f64>) {
    let n = a.nrows();
    let mut v = Array2::<f64>::eye(n);
    for _ in 0..60 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[[i, j]] * a[[i, j]])
            .sum();
        if off < 1e-18 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[[p, q]].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[[q, q]] - a[[p, p]]) / (2.0 * a[[p, q]]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[[k, p]], a[[k, q]]);
                    a[[k, p]] = c * akp - s * akq;
                    a[[k, q]] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[[p, k]], a[[q, k]]);
                    a[[p, k]] = c * apk - s * aqk;
                    a[[q, k]] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[[k, p]], v[[k, q]]);
                    v[[k, p]] = c * vkp - s * vkq;
                    v[[k, q]] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| a[[y, y]].total_cmp(&a[[x, x]]));
    let vals = order.iter().map(|&i| a[[i, i]]).collect();
    let vecs = Array2::from_shape_fn((n, n), |(r, c)| v[[r, order[c]]]);
    (vals, vecs)
}

impl LsaParams {
    /// Row coordinates (U·Σ^p, p = `sigma_power`) in `rank` dimensions, each row L2-normalised, as dense CSR rows.
    pub fn fit_transform(&self, x: &CsrMatrix) -> Result<CsrMatrix> {
        let l = self.rank + self.oversample;
        if self.rank == 0 {
            return Err(Error::Param(crate::t!("param.lsa-zero")));
        }
        if x.n_rows() < 2 || x.n_cols < 2 {
            return Err(Error::Param(crate::t!("param.lsa-small")));
        }
        let l = l.min(x.n_rows()).min(x.n_cols);
        let rank = self.rank.min(l);
        let xt = transpose(x);
        let mut rng = Rng::new(self.seed);
        let omega = Array2::from_shape_fn((x.n_cols, l), |_| {
            // Box-Muller.
            let (u1, u2) = (rng.next_f64().max(1e-300), rng.next_f64());
            ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
        });
        let mut q = sparse_dense(x, &omega);
        orthonormalize(&mut q);
        for _ in 0..self.power_iters {
            let mut z = sparse_dense(&xt, &q);
            orthonormalize(&mut z);
            q = sparse_dense(x, &z);
            orthonormalize(&mut q);
        }
        // B = Qᵀ X, seen through Z = Xᵀ Q (dims × l); B Bᵀ = Zᵀ Z.
        let z = sparse_dense(&xt, &q);
        let zd = z.mapv(|v| v as f64);
        let (vals, vecs) = symmetric_eigen(zd.t().dot(&zd));
        // U·Σ = Q · U_b · Σ; row-normalised afterwards, so Σ only weighs the dimensions.
        let mut w = Array2::<f32>::zeros((l, rank));
        for c in 0..rank {
            let sigma = (vals[c].max(0.0).sqrt() as f32).powf(self.sigma_power);
            for r in 0..l {
                w[[r, c]] = vecs[[r, c]] as f32 * sigma;
            }
        }
        let coords = q.dot(&w);
        let rows: Vec<SparseVec> = coords
            .axis_iter(Axis(0))
            .map(|row| {
                let n = row.dot(&row).sqrt();
                SparseVec {
                    indices: (0..rank as u32).collect(),
                    values: row.iter().map(|&v| if n > 0.0 { v / n } else { 0.0 }).collect(),
                }
            })
            .collect();
        Ok(CsrMatrix::from_rows(&rows, rank))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_finds_known_eigenvalues() {
        let a = ndarray::array![[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 5.0]];
        let (vals, vecs) = symmetric_eigen(a.clone());
        assert!((vals[0] - 5.0).abs() < 1e-9 && (vals[1] - 3.0).abs() < 1e-9 && (vals[2] - 1.0).abs() < 1e-9);
        // A v = λ v for the top vector.
        let v = vecs.column(0).to_owned();
        let av = a.dot(&v);
        assert!(av.iter().zip(v.iter()).all(|(x, y)| (x - 5.0 * y).abs() < 1e-9));
    }

    #[test]
    fn rank_one_matrix_is_recovered() {
        // Rows are multiples of (1, 2, 0, 0) or (0, 0, 3, 1): two directions.
        let rows: Vec<SparseVec> = (0..20)
            .map(|i| {
                if i % 2 == 0 {
                    SparseVec { indices: vec![0, 1], values: vec![1.0 + i as f32, 2.0 + 2.0 * i as f32] }
                } else {
                    SparseVec { indices: vec![2, 3], values: vec![3.0 * i as f32, i as f32] }
                }
            })
            .collect();
        let x = CsrMatrix::from_rows(&rows, 4);
        let y = LsaParams { rank: 2, oversample: 2, ..Default::default() }.fit_transform(&x).unwrap();
        // Same-direction rows coincide; different directions are orthogonal.
        assert!((y.row(0).dot(&y.row(2)) - 1.0).abs() < 1e-4);
        assert!(y.row(0).dot(&y.row(1)).abs() < 1e-4);
    }
}
