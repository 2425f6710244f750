//! Stage 2b: the vectors (TF-IDF rows over the feature keys) and the clustering (k chosen
//! or given, then k-means or the mixture).

use super::{ClusterMethod, Settings, KMEANS_SAMPLE, SCREEN_FROM, SCREEN_ITER};
use crate::cluster::{choose_k, choose_k_rows, KMeans, KMeansParams, KSearch};
use crate::error::Result;
use crate::features::{CsrMatrix, Tfidf, TfidfParams};
use crate::traits::Fit;

/// Which submissions a row of [`Vectors::x`] stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RowKind {
    /// A row per submission clustered (`rows` is 0, 1, 2, ...): the methods weigh a text
    /// by how often it was sent.
    PerSubmission,
    /// A row per distinct text (a large input's k-means, which fits on a sample and
    /// assigns each distinct text once); `rows` says which row each submission reads.
    PerDistinctText,
}

/// The TF-IDF vectors of the submissions that have words.
pub(super) struct Vectors {
    /// The vocabulary and its weights.
    pub tfidf: Tfidf,
    /// The rows (see `kind`).
    pub x: CsrMatrix,
    /// The row of `x` of each submission clustered (copies of one text share it).
    pub rows: Vec<u32>,
    /// The submissions clustered (those with words), by index in the run.
    pub active: Vec<usize>,
    /// What a row stands for.
    pub kind: RowKind,
}

/// k, how it was chosen, and the clusters.
pub(super) struct Clustering {
    /// Silhouette of each k tried (empty when k was given or the input is tiny).
    pub k_search: Vec<(usize, f64)>,
    /// The clusters: an assignment per submission clustered.
    pub km: KMeans,
}

/// TF-IDF over the feature keys of `n_subs` submissions (copies read their original's).
pub(super) fn vectors(
    n_subs: usize,
    keys: Vec<Vec<u64>>,
    copy_of: &[Option<u32>],
    settings: &Settings,
) -> Result<Vectors> {
    // Tiny inputs: a term seen once still counts, and a term in every submission too, or
    // nothing would be left to cluster.
    let params = if n_subs < 20 {
        TfidfParams { min_df: 1, max_df: 1.0, ..settings.tfidf.clone() }
    } else {
        settings.tfidf.clone()
    };
    let mut tfidf = params.fit_with_copies(&keys, copy_of)?;
    if tfidf.n_terms() == 0 {
        // Every word was cut (the same request sent by everyone): keep them all.
        tfidf = TfidfParams { min_df: 1, max_df: 1.0, ..params }.fit_with_copies(&keys, copy_of)?;
    }
    let large = n_subs > KMEANS_SAMPLE && (settings.lsa.is_none() || settings.method == ClusterMethod::Dmm);
    if large {
        let (x, row_of) = tfidf.transform_distinct(keys, copy_of);
        let active: Vec<usize> = (0..row_of.len()).filter(|&i| x.row(row_of[i] as usize).nnz() > 0).collect();
        let rows: Vec<u32> = active.iter().map(|&i| row_of[i]).collect();
        if active.len() > KMEANS_SAMPLE {
            return Ok(Vectors { tfidf, x, rows, active, kind: RowKind::PerDistinctText });
        }
        // Most had no words: a row each after all.
        let x = x.select(&rows.iter().map(|&r| r as usize).collect::<Vec<_>>());
        let rows = (0..active.len() as u32).collect();
        return Ok(Vectors { tfidf, x, rows, active, kind: RowKind::PerSubmission });
    }
    let x = tfidf.transform_owned(keys, copy_of);
    let active: Vec<usize> = (0..x.n_rows()).filter(|&i| x.row(i).nnz() > 0).collect();
    // Rows without words stay out of clustering (copied only when there are any).
    let x = if active.len() == x.n_rows() { x } else { x.select(&active) };
    let rows = (0..active.len() as u32).collect();
    Ok(Vectors { tfidf, x, rows, active, kind: RowKind::PerSubmission })
}

/// k (given, or chosen by silhouette) and the clusters of `v`.
pub(super) fn cluster(v: &Vectors, settings: &Settings) -> Result<Clustering> {
    match v.kind {
        RowKind::PerDistinctText => cluster_distinct(v, settings),
        RowKind::PerSubmission => cluster_per_submission(v, settings),
    }
}

/// k as given, or for a tiny input 1 or 2, or chosen by `search` (which returns the
/// silhouette of each k tried).
fn pick_k(
    n_active: usize,
    settings: &Settings,
    search: impl FnOnce(&KSearch, &KMeansParams) -> Result<(usize, Vec<(usize, f64)>)>,
) -> Result<(usize, Vec<(usize, f64)>)> {
    match settings.k {
        _ if n_active == 0 => Ok((0, Vec::new())),
        Some(k) => Ok((k, Vec::new())),
        None if n_active < 8 => Ok((n_active.clamp(1, 2), Vec::new())),
        // The mixture empties the clusters it does not need: it starts from a generous
        // number and the data decide how many stay.
        None if settings.method == ClusterMethod::Dmm => Ok((DMM_MAX_K.min(n_active / 2).max(2), Vec::new())),
        None => {
            let base = KMeansParams { seed: settings.seed, n_init: settings.n_init, ..KMeansParams::new(2) };
            search(&KSearch::for_rows(n_active), &base)
        }
    }
}

/// The clusters the mixture starts from when k is not given (Yin and Wang's K_max).
pub const DMM_MAX_K: usize = 40;

/// The mixture's clusters of `x` (TF-IDF rows): fitted on an evenly spread sample when
/// there are more than `KMEANS_SAMPLE` rows, then every row placed by the fitted counts.
fn dmm_clusters(x: &CsrMatrix, k: usize, settings: &Settings) -> Result<KMeans> {
    let mut params = crate::cluster::dmm::DmmParams { seed: settings.seed, ..crate::cluster::dmm::DmmParams::new(k) };
    let mut assignments = if x.n_rows() > SCREEN_FROM {
        // Large inputs: fewer chains, each on a sample of SCREEN_FROM rows (plenty to learn
        // a few dozen clusters' words), then every row placed by the fitted counts.
        params.restarts = 2;
        params.fit(&x.select(&sample_of(x.n_rows(), SCREEN_FROM)))?.predict(x)
    } else {
        params.fit(x)?.assignments
    };
    // Clusters that no row joins in the end are dropped and the rest numbered 0.. again.
    let (_, kept) = crate::cluster::dmm::compact(&mut assignments, k);
    Ok(KMeans::from_assignments(x, kept, assignments))
}

/// No clusters (nothing to cluster, or k = 0).
fn no_clusters(dim: usize) -> KMeans {
    KMeans {
        k: 0,
        dim,
        centroids: Vec::new(),
        assignments: Vec::new(),
        similarity: Vec::new(),
        objective: 0.0,
        iterations: 0,
    }
}

/// An evenly spread sample of `KMEANS_SAMPLE` of `n` rows.
fn sample(n: usize) -> Vec<usize> {
    sample_of(n, KMEANS_SAMPLE)
}

/// An evenly spread sample of `m` of `n` rows.
fn sample_of(n: usize, m: usize) -> Vec<usize> {
    let step = n as f64 / m as f64;
    (0..m).map(|i| (i as f64 * step) as usize).collect()
}

/// A large input's k-means on distinct texts: restarts on an evenly spread sample, then
/// one pass assigns every distinct text, and each submission takes its text's cluster.
fn cluster_distinct(v: &Vectors, settings: &Settings) -> Result<Clustering> {
    let (k, k_search) = pick_k(v.active.len(), settings, |s, b| choose_k_rows(&v.x, &v.rows, s, b))?;
    if k == 0 {
        return Ok(Clustering { k_search, km: no_clusters(v.x.n_cols) });
    }
    let params = KMeansParams {
        k,
        seed: settings.seed,
        n_init: settings.n_init,
        screen_iter: SCREEN_ITER,
        ..KMeansParams::new(k)
    };
    let km = if settings.method == ClusterMethod::Dmm {
        dmm_clusters(&v.x, k, settings)?.expand(&v.rows)
    } else {
        let ids: Vec<usize> = sample(v.active.len()).into_iter().map(|i| v.rows[i] as usize).collect();
        params.fit(&v.x.select(&ids))?.assign_all(&v.x).expand(&v.rows)
    };
    Ok(Clustering { k_search, km })
}

/// A row per submission: k-means on the TF-IDF rows or their LSA coordinates, or the
/// mixture (which counts words, so always reads the TF-IDF rows).
fn cluster_per_submission(v: &Vectors, settings: &Settings) -> Result<Clustering> {
    let xs = &v.x;
    let space = match settings.lsa {
        Some(rank) if xs.n_rows() > rank && xs.n_cols > rank => {
            Some(crate::cluster::lsa::LsaParams { rank, seed: settings.seed, ..Default::default() }.fit_transform(xs)?)
        }
        _ => None,
    };
    let xc = space.as_ref().unwrap_or(xs);
    let (k, k_search) = pick_k(v.active.len(), settings, |s, b| choose_k(xc, s, b))?;
    let km = if k == 0 {
        no_clusters(xs.n_cols)
    } else if settings.method == ClusterMethod::Dmm {
        dmm_clusters(xs, k, settings)?
    } else if v.active.len() > KMEANS_SAMPLE {
        // Restarts on an evenly spread sample, then one pass assigns every row (as
        // mini-batch k-means does; the centroids of 100,000 rows are already stable).
        let params = KMeansParams {
            k,
            seed: settings.seed,
            n_init: settings.n_init,
            screen_iter: SCREEN_ITER,
            ..KMeansParams::new(k)
        };
        params.fit(&xc.select(&sample(v.active.len())))?.assign_all(xc)
    } else {
        let screen_iter = if xc.n_rows() >= SCREEN_FROM { SCREEN_ITER } else { 0 };
        KMeansParams { k, seed: settings.seed, n_init: settings.n_init, screen_iter, ..KMeansParams::new(k) }.fit(xc)?
    };
    Ok(Clustering { k_search, km })
}
