//! Choosing k automatically: the k with the best mean silhouette (cosine distance) on a sample.
//!
//! For each candidate k of a geometric grid between `min_k` and `max_k`, the data (or a
//! sample of at most `sample` rows, for large corpora) is clustered once, and the mean silhouette of up to 1,500 sampled rows is
//! computed. Silhouette rewards clusters that are tight and apart; on short texts it
//! drifts upward with k, so a candidate must beat the best smaller k by `min_gain`.

use rayon::prelude::*;

use super::kmeans::KMeansParams;
use crate::error::{Error, Result};
use crate::features::CsrMatrix;
use crate::rng::Rng;
use crate::traits::Fit;

/// How to search for k.
#[derive(Debug, Clone)]
pub struct KSearch {
    /// Smallest k tried.
    pub min_k: usize,
    /// Largest k tried.
    pub max_k: usize,
    /// Rows clustered per candidate at most (a deterministic sample of larger data).
    pub sample: usize,
    /// Relative silhouette gain a larger k needs over the best smaller one.
    pub min_gain: f64,
}

impl KSearch {
    /// The default search for `n` rows: k from 4 to about sqrt(n / 2), at most 40.
    pub fn for_rows(n: usize) -> Self {
        let max_k = ((n as f64 / 2.0).sqrt().round() as usize).clamp(2, 40).min(n);
        KSearch { min_k: 4.min(max_k), max_k, sample: 20_000, min_gain: 0.02 }
    }
}

/// The chosen k and the silhouette of every candidate tried.
pub fn choose_k(x: &CsrMatrix, search: &KSearch, base: &KMeansParams) -> Result<(usize, Vec<(usize, f64)>)> {
    choose_k_with(x.n_rows(), |ids| x.select(ids), search, base)
}

/// [`choose_k`] on the rows of `x` that `rows` names, one per submission (several
/// submissions may name one row: copies of one text), read without copying them all.
pub fn choose_k_rows(
    x: &CsrMatrix,
    rows: &[u32],
    search: &KSearch,
    base: &KMeansParams,
) -> Result<(usize, Vec<(usize, f64)>)> {
    choose_k_with(rows.len(), |ids| x.select(&ids.iter().map(|&i| rows[i] as usize).collect::<Vec<_>>()), search, base)
}

/// [`choose_k`] on `n` rows, of which `select` gives those asked for.
fn choose_k_with(
    n: usize,
    select: impl Fn(&[usize]) -> CsrMatrix,
    search: &KSearch,
    base: &KMeansParams,
) -> Result<(usize, Vec<(usize, f64)>)> {
    if n < 2 {
        return Err(Error::Param(crate::t!("param.cannot-choose-k", n = n)));
    }
    let mut rng = Rng::new(base.seed ^ 0xa5a5);
    let data = if n > search.sample {
        let mut ids: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut ids);
        ids.truncate(search.sample);
        ids.sort_unstable();
        select(&ids)
    } else {
        select(&(0..n).collect::<Vec<_>>())
    };
    let m = data.n_rows();
    let mut probe: Vec<usize> = (0..m).collect();
    rng.shuffle(&mut probe);
    probe.truncate(1500);
    probe.sort_unstable();
    // Cosine distances among the probe rows do not depend on k: computed once.
    let dist = probe_distances(&data, &probe);
    let mut scores = Vec::new();
    // A geometric grid of candidates (4, 5, 6, 7, 8, 10, 12, 14, 17, 20, 24, ...): fine where
    // a step matters, coarse where it does not; one restart each.
    let top = search.max_k.min(m.saturating_sub(1)).max(search.min_k);
    let mut grid = vec![search.min_k];
    while let Some(&last) = grid.last() {
        let next = (last + 1).max((last as f64 * 1.2).round() as usize);
        if next > top {
            break;
        }
        grid.push(next);
    }
    if grid.last() != Some(&top) {
        grid.push(top);
    }
    for k in grid {
        // Ranking candidates needs no full convergence: 15 iterations each.
        let params = KMeansParams { k, n_init: 1, max_iter: base.max_iter.min(15), ..base.clone() };
        let model = params.fit(&data)?;
        let labels: Vec<u32> = probe.iter().map(|&i| model.assignments[i]).collect();
        scores.push((k, silhouette_from(&dist, &labels, k)));
    }
    let mut best = scores.first().copied().unwrap_or((search.min_k, 0.0));
    for &(k, s) in &scores[1.min(scores.len())..] {
        if s > best.1 + search.min_gain * best.1.abs().max(1e-3) {
            best = (k, s);
        }
    }
    Ok((best.0, scores))
}

/// Cosine distances between every pair of probe rows (row-major, probe × probe).
fn probe_distances(x: &CsrMatrix, probe: &[usize]) -> Vec<f32> {
    let p = probe.len();
    let mut d = vec![0.0f32; p * p];
    d.par_chunks_mut(p.max(1)).enumerate().for_each(|(a, row)| {
        let ra = x.row(probe[a]);
        for (b, v) in row.iter_mut().enumerate() {
            *v = 1.0 - ra.dot(&x.row(probe[b]));
        }
    });
    d
}

/// Mean silhouette given the probe distance matrix and the probes' labels.
fn silhouette_from(dist: &[f32], labels: &[u32], k: usize) -> f64 {
    let p = labels.len();
    let vals: Vec<f64> = (0..p)
        .into_par_iter()
        .map(|i| {
            let mut sum = vec![0.0f64; k];
            let mut cnt = vec![0usize; k];
            for j in 0..p {
                if j == i {
                    continue;
                }
                sum[labels[j] as usize] += dist[i * p + j] as f64;
                cnt[labels[j] as usize] += 1;
            }
            let own = labels[i] as usize;
            if cnt[own] == 0 {
                return 0.0;
            }
            let a = sum[own] / cnt[own] as f64;
            let b = (0..k)
                .filter(|&c| c != own && cnt[c] > 0)
                .map(|c| sum[c] / cnt[c] as f64)
                .fold(f64::INFINITY, f64::min);
            if !b.is_finite() {
                return 0.0;
            }
            (b - a) / a.max(b).max(1e-12)
        })
        .collect();
    vals.iter().sum::<f64>() / vals.len().max(1) as f64
}
