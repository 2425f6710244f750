//! The whole analysis: text → features → clusters → labels, topics and suggested departments.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indicatif::ProgressBar;
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::Serialize;

use crate::cluster::{choose_k, choose_k_rows, label, KMeansParams, KSearch};
use crate::dedup::DedupParams;
use crate::error::{Error, Result};
use crate::features::TfidfParams;
use crate::input::{read_files_batched, ReadOptions, ReadOutcome, Submission};
use crate::repeats::{text_hash, Repeats};
use crate::routing::{Profile, Router, Suggestion};
use crate::text::Analyzer;
use crate::timing::Stages;
use crate::topics::TopicModel;
use crate::traits::Fit;

/// Everything loaded from models/: analyzer, topic model, router.
pub struct Models {
    /// The models directory.
    pub dir: PathBuf,
    /// Text analysis.
    pub analyzer: Arc<Analyzer>,
    /// Topic areas.
    pub topics: TopicModel,
    /// Department suggestions.
    pub router: Router,
}

impl Models {
    /// Finds the models directory: `explicit`, then $YKIEN_MODELS, then next to the
    /// executable's project, then the source tree it was built from, then ./models.
    pub fn locate(explicit: Option<&Path>) -> Result<PathBuf> {
        if let Some(p) = explicit {
            return if p.join("topics.toml").exists() {
                Ok(p.to_path_buf())
            } else {
                Err(Error::model(p, "not a models directory (no topics.toml)"))
            };
        }
        let mut candidates = Vec::new();
        if let Ok(p) = std::env::var("YKIEN_MODELS") {
            candidates.push(PathBuf::from(p));
        }
        if let Ok(exe) = std::env::current_exe() {
            if let Some(root) = exe.ancestors().nth(3) {
                candidates.push(root.join("models"));
            }
        }
        candidates.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models"));
        candidates.push(PathBuf::from("models"));
        candidates.into_iter().find(|p| p.join("topics.toml").exists()).ok_or_else(|| {
            Error::model(Path::new("models"), "models directory not found; pass --models DIR or set YKIEN_MODELS")
        })
    }

    /// Loads every model under `dir` with the routing profile `profile`.
    pub fn load(dir: &Path, profile: &str) -> Result<Self> {
        let analyzer = Arc::new(Analyzer::load(dir)?);
        let topics = TopicModel::load(&dir.join("topics.toml"), &analyzer)?;
        let router = Router::new(Profile::load(dir, profile)?, &analyzer)?;
        Ok(Models { dir: dir.to_path_buf(), analyzer, topics, router })
    }

    /// The bundled sample corpus beside the models directory.
    pub fn bundled_corpus(&self) -> PathBuf {
        corpus_dir(&self.dir).join("submissions.csv")
    }
}

/// The bundled corpus folder beside a models directory (`models/../corpus`).
pub fn corpus_dir(models_dir: &Path) -> PathBuf {
    models_dir.parent().unwrap_or(Path::new(".")).join("corpus")
}

/// Above this many rows, k-means learns its centroids on a sample of this size.
pub const KMEANS_SAMPLE: usize = 100_000;

/// From this many rows on, k-means restarts are screened after [`SCREEN_ITER`] iterations
/// and only the best runs on (smaller inputs run every restart to the end).
pub const SCREEN_FROM: usize = 50_000;

/// Iterations after which k-means restarts are compared on large inputs.
pub const SCREEN_ITER: usize = 5;

/// Settings of one analysis run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Number of clusters; `None` chooses k automatically.
    pub k: Option<usize>,
    /// Random seed for clustering.
    pub seed: u64,
    /// k-means restarts.
    pub n_init: usize,
    /// TF-IDF parameters.
    pub tfidf: TfidfParams,
    /// Cluster in an LSA space of this many dimensions instead of on TF-IDF rows.
    pub lsa: Option<usize>,
    /// How to cluster.
    pub method: ClusterMethod,
}

/// The clustering algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum ClusterMethod {
    /// Spherical k-means on TF-IDF rows (or LSA coordinates).
    #[default]
    KMeans,
    /// A Dirichlet multinomial mixture sampled by Gibbs sampling (GSDMM), for short texts.
    Dmm,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            k: None,
            seed: 42,
            n_init: 4,
            tfidf: TfidfParams::default(),
            lsa: None,
            method: ClusterMethod::default(),
        }
    }
}

/// Routing and topic for one submission (its id is the submission's, at the same position).
#[derive(Debug, Clone, Serialize)]
pub struct Routed {
    /// Topic code.
    pub topic: Arc<str>,
    /// Probability of that topic.
    pub topic_score: f32,
    /// The suggested department (shared by the copies of a text sent again word for word).
    #[serde(flatten)]
    pub suggestion: Arc<Suggestion>,
    /// True when the text was typed without diacritics.
    pub typed_without_diacritics: bool,
}

/// The result for one submission (its text and locality are in the submission itself,
/// at the same position of the input).
#[derive(Debug, Clone, Serialize)]
pub struct RecordResult {
    /// Cluster number, or `None` when the text has no analysable words.
    pub cluster: Option<usize>,
    /// Topic, department and reasons.
    #[serde(flatten)]
    pub routed: Routed,
}

/// A representative submission of a cluster.
#[derive(Debug, Clone, Serialize)]
pub struct Representative {
    /// Submission id.
    pub id: String,
    /// Its text.
    pub text: String,
    /// Cosine similarity to the cluster centre.
    pub similarity: f32,
    /// True when it was typed without diacritics.
    pub typed_without_diacritics: bool,
}

/// One cluster, as an analyst reads it.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterReport {
    /// Cluster number.
    pub id: usize,
    /// Readable label: its most distinctive words and phrases.
    pub label: String,
    /// Those words and phrases.
    pub terms: Vec<String>,
    /// Up to eight distinctive phrases, best first.
    pub phrases: Vec<String>,
    /// True when the cluster matches no topic area well: a theme to look at.
    pub new_theme: bool,
    /// Number of submissions.
    pub size: usize,
    /// Topic area of the cluster.
    pub topic: String,
    /// Mean probability of that topic over the cluster's submissions.
    pub topic_score: f32,
    /// Submissions per locality.
    pub localities: BTreeMap<String, usize>,
    /// Suggested departments and their counts.
    pub departments: BTreeMap<String, usize>,
    /// Submissions nearest the centre.
    pub representatives: Vec<Representative>,
}

/// A cluster whose submissions fit their topic area less than this on average is flagged as a new theme.
pub const NEW_THEME_BELOW: f32 = 0.35;

/// A group of near-duplicate submissions: one request sent several times.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateGroup {
    /// Ids of the submissions, in input order.
    pub ids: Vec<String>,
    /// How many times the request was sent.
    pub count: usize,
    /// The first submission's text.
    pub text: String,
    /// Topic of the first submission.
    pub topic: String,
    /// Submissions per locality.
    pub localities: BTreeMap<String, usize>,
}

/// What an analysis produced.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Routing profile used.
    pub profile: String,
    /// Number of clusters.
    pub k: usize,
    /// Silhouette of each k tried when k was chosen automatically.
    pub k_search: Vec<(usize, f64)>,
    /// Clusters, largest first.
    pub clusters: Vec<ClusterReport>,
    /// Near-duplicate groups, largest first.
    pub duplicates: Vec<DuplicateGroup>,
    /// Per-submission results, in input order.
    #[serde(skip)]
    pub records: Vec<RecordResult>,
    /// Submissions with no analysable words (left out of clustering, still routed).
    pub unclustered: usize,
    /// Vocabulary size.
    pub n_terms: usize,
}

/// Topic and department for every submission, in input order, in parallel.
pub fn route_all(models: &Models, subs: &[Submission], pb: &ProgressBar) -> Vec<Routed> {
    pb.set_length(subs.len() as u64);
    analyse_all(models, subs, pb, false).records.into_iter().map(|r| r.routed).collect()
}

/// Submissions analysed at a time: the progress bar moves, and the memo of texts learns, a batch at a time.
pub const BATCH: usize = 20_000;

/// Every submission of `subs` analysed, [`BATCH`] at a time (as if they were read so).
fn analyse_all(models: &Models, subs: &[Submission], pb: &ProgressBar, want_shingles: bool) -> Analysed {
    let mut done = Analysed::default();
    done.reserve(subs.len());
    let mut memo = Repeats::with_capacity(subs.len());
    for start in (0..subs.len()).step_by(BATCH) {
        let new = analyse_batch(
            models,
            &mut memo,
            &subs[..start],
            &done,
            &subs[start..(start + BATCH).min(subs.len())],
            pb,
            want_shingles,
        );
        done.extend(new);
    }
    done
}

/// Every submission's own analysis so far, column by column (a batch at a time is added,
/// so the whole run never exists twice in memory).
#[derive(Default)]
struct Analysed {
    keys: Vec<Vec<u64>>,
    shingles: Vec<Vec<u32>>,
    /// Routing, with the cluster filled in at the end.
    records: Vec<RecordResult>,
    copy_of: Vec<Option<u32>>,
}

impl Analysed {
    /// Room for `n` submissions, where it can be had (columns then grow as needed).
    fn reserve(&mut self, n: usize) {
        let _ = (
            self.keys.try_reserve(n),
            self.shingles.try_reserve(n),
            self.records.try_reserve(n),
            self.copy_of.try_reserve(n),
        );
    }

    fn extend(&mut self, batch: Vec<PerDoc>) {
        for d in batch {
            self.keys.push(d.keys);
            self.shingles.push(d.shingles);
            self.records.push(RecordResult { cluster: None, routed: d.routed });
            self.copy_of.push(d.copy_of);
        }
    }
}

/// What one submission's own analysis gives the later stages.
struct PerDoc {
    /// Empty for a copy: its original's stand for it.
    keys: Vec<u64>,
    /// Empty for a copy: its original's stand for it.
    shingles: Vec<u32>,
    routed: Routed,
    /// The earlier submission (index in the run) whose text this one repeats exactly.
    copy_of: Option<u32>,
}

/// Per submission of `batch`, in parallel: feature keys, near-duplicate shingles (when
/// asked), routing. `seen` and `done` are the submissions of earlier batches and their
/// results; a text equal to one already analysed (earlier or in this batch) is copied.
fn analyse_batch(
    models: &Models,
    memo: &mut Repeats,
    seen: &[Submission],
    done: &Analysed,
    batch: &[Submission],
    pb: &ProgressBar,
    want_shingles: bool,
) -> Vec<PerDoc> {
    enum Src {
        Earlier(usize),
        Here(usize),
        New,
    }
    // Texts of earlier batches, looked up in parallel (the memo is only read here); then
    // repeats within the batch, in order.
    let hashes: Vec<u64> = batch.par_iter().map(|s| text_hash(&s.text)).collect();
    let earlier = memo.find_all(batch, &hashes, seen);
    let mut here: rustc_hash::FxHashMap<u64, usize> = rustc_hash::FxHashMap::default();
    let src: Vec<Src> = hashes
        .iter()
        .zip(earlier)
        .enumerate()
        .map(|(i, (&h, earlier))| match earlier {
            Some(g) => Src::Earlier(g as usize),
            None => match here.get(&h) {
                Some(&j) if batch[j].text == batch[i].text => Src::Here(j),
                Some(_) => Src::New, // a hash collision: analysed on its own
                None => {
                    here.insert(h, i);
                    Src::New
                }
            },
        })
        .collect();
    drop(hashes);
    // The new texts are analysed while the memo learns them (nothing analysed reads it).
    let offset = seen.len();
    let (fresh, ()) = rayon::join(
        || -> Vec<Option<PerDoc>> {
            batch
                .par_iter()
                .zip(&src)
                .map(|(s, src)| matches!(src, Src::New).then(|| analyse_one(models, s, want_shingles)))
                .collect()
        },
        || {
            for (h, i) in here {
                memo.insert(h, (offset + i) as u32);
            }
        },
    );
    // Then the copies, in parallel: each takes its original's routing (an original in this
    // batch was new, so it is its own original).
    let copy = |routed: &Routed, copy_of: u32| PerDoc {
        keys: Vec::new(),
        shingles: Vec::new(),
        routed: routed.clone(),
        copy_of: Some(copy_of),
    };
    let copies: Vec<Option<PerDoc>> = src
        .par_iter()
        .map(|src| match *src {
            Src::Earlier(g) => Some(copy(&done.records[g].routed, done.copy_of[g].unwrap_or(g as u32))),
            Src::Here(j) => fresh[j].as_ref().map(|d| copy(&d.routed, (offset + j) as u32)),
            Src::New => None,
        })
        .collect();
    // Progress moves a batch at a time: a bar's every step reads the clock and may lock it.
    pb.inc(batch.len() as u64);
    fresh.into_iter().zip(copies).map(|(f, c)| f.or(c).expect("every text is analysed or copied")).collect()
}

/// One submission's analysis: feature keys, shingles (when asked), topic and department.
fn analyse_one(models: &Models, s: &Submission, want_shingles: bool) -> PerDoc {
    /// Each thread's analysis and key buffers, reused from text to text (what is kept is copied out at its size).
    struct Buffers {
        analysis: crate::text::Analysis,
        keys: Vec<u64>,
        shingles: Vec<u32>,
    }
    thread_local! {
        static BUF: std::cell::RefCell<Buffers> = std::cell::RefCell::new(Buffers { analysis: Default::default(), keys: Vec::new(), shingles: Vec::new() });
    }
    BUF.with(|b| {
        let Buffers { analysis: a, keys, shingles: sh } = &mut *b.borrow_mut();
        models.analyzer.analyze_into(&s.text, a);
        keys.clear();
        Analyzer::feature_keys(a, keys);
        sh.clear();
        if want_shingles {
            crate::dedup::shingles(a, sh);
            // Kept as a sorted set: a million of them wait for near-duplicates.
            sh.sort_unstable();
            sh.dedup();
        }
        let routed = routed(models, s, a, keys);
        PerDoc { keys: keys.to_vec(), shingles: sh.to_vec(), routed, copy_of: None }
    })
}

/// Topic and department of `s` from its analysis and feature keys. Routing reads richer
/// features than clustering and topics do: they are appended to `keys` and removed again.
/// The feature keys are left in ascending order: every vectoriser then reads them without
/// sorting (columns follow key order), here and in TF-IDF later.
fn routed(models: &Models, s: &Submission, a: &crate::text::Analysis, keys: &mut Vec<u64>) -> Routed {
    keys.sort_unstable();
    let n = keys.len();
    Analyzer::classifier_extras(a, keys);
    let ts = models.topics.score(a, &keys[..n]);
    let suggestion = models.router.suggest(&s.text, a, &[&keys[..n], &keys[n..]], &ts, &models.topics);
    keys.truncate(n);
    let (t, topic_score) = ts.best();
    Routed {
        topic: models.topics.topics[t].code.clone(),
        topic_score,
        suggestion: Arc::new(suggestion),
        typed_without_diacritics: a.folded,
    }
}

/// Topic and department for one submission.
pub fn route_one(models: &Models, s: &Submission) -> Routed {
    let a = models.analyzer.analyze(&s.text);
    let mut keys = Vec::new();
    Analyzer::feature_keys(&a, &mut keys);
    routed(models, s, &a, &mut keys)
}

/// Runs the whole analysis on `subs`.
pub fn analyze(models: &Models, subs: &[Submission], settings: &Settings, pb: &ProgressBar) -> Result<Report> {
    if subs.is_empty() {
        return Err(Error::Param("no submissions to analyse".into()));
    }
    pb.set_length(subs.len() as u64);
    let mut clock = Stages::start();
    clock.lap("(submissions read)");
    pb.set_message("phân tích văn bản");
    let done = analyse_all(models, subs, pb, true);
    finish(models, subs, done, settings, pb, clock)
}

/// Reads `paths` and analyses their submissions batch by batch while reading goes on
/// (a reader thread hands over batches of `batch`); the results are those of reading
/// everything first and then calling [`analyze`].
pub fn analyze_files(
    models: &Models,
    paths: &[PathBuf],
    opts: &ReadOptions,
    batch: usize,
    settings: &Settings,
    pb: &ProgressBar,
) -> Result<(ReadOutcome, Report)> {
    let mut clock = Stages::start();
    pb.set_message("đọc và phân tích");
    let mut subs: Vec<Submission> = Vec::new();
    let mut done = Analysed::default();
    let mut memo = Repeats::default();
    let mut read = std::thread::scope(|scope| -> Result<ReadOutcome> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Submission>>(2);
        let reader = scope.spawn(move || {
            read_files_batched(paths, opts, batch, &mut |b| {
                tx.send(b).map_err(|_| Error::Param("the analysis stopped before reading ended".into()))
            })
        });
        let input_bytes: u64 = paths.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
        for b in rx {
            if subs.is_empty() {
                // The run's columns are sized once from the first batch, not doubled (and
                // copied) as they fill: each doubling writes to memory never touched before.
                // Only address space until written to; a reservation refused is no error.
                let n = expected_records(&b, input_bytes);
                let _ = subs.try_reserve(n);
                done.reserve(n);
                memo = Repeats::with_capacity(n);
            }
            pb.inc_length(b.len() as u64);
            let new = analyse_batch(models, &mut memo, &subs, &done, &b, pb, true);
            // The columns and the submissions grow side by side (each touches fresh memory).
            rayon::join(|| done.extend(new), || subs.extend(b));
        }
        reader.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
    })?;
    if subs.is_empty() {
        return Err(Error::Param("no submissions to analyse".into()));
    }
    clock.lap("read, analyse, topic, route (overlapped)");
    let report = finish(models, &subs, done, settings, pb, clock)?;
    read.submissions = subs;
    Ok((read, report))
}

/// What clustering gives the labels: the vocabulary, the rows, the submissions clustered
/// (those with words; `active` maps them to submissions, `rows` to rows), the silhouette of
/// each k tried, the clusters (an assignment per submission clustered).
struct Clustered {
    tfidf: crate::features::Tfidf,
    /// TF-IDF rows: one per distinct text for a large input's k-means, else one per submission clustered.
    x: crate::features::CsrMatrix,
    /// The row of `x` of each submission clustered (copies of one text share it).
    rows: Vec<u32>,
    active: Vec<usize>,
    k_search: Vec<(usize, f64)>,
    km: crate::cluster::KMeans,
}

/// TF-IDF over the feature keys of `n_subs` submissions (copies read their original's),
/// then k (chosen, or given) and the clusters.
fn cluster_rows(n_subs: usize, keys: Vec<Vec<u64>>, copy_of: &[Option<u32>], settings: &Settings) -> Result<Clustered> {
    // Tiny inputs: a term seen once still counts, and a term in every submission too,
    // or nothing would be left to cluster.
    let tfidf_params = if n_subs < 20 {
        TfidfParams { min_df: 1, max_df: 1.0, ..settings.tfidf.clone() }
    } else {
        settings.tfidf.clone()
    };
    let mut tfidf = tfidf_params.fit_with_copies(&keys, copy_of)?;
    if tfidf.n_terms() == 0 {
        // Every word was cut (the same request sent by everyone): keep them all.
        tfidf = TfidfParams { min_df: 1, max_df: 1.0, ..tfidf_params }.fit_with_copies(&keys, copy_of)?;
    }
    // The methods read a row per submission, as if each copy had its own (they weigh a
    // text by how often it was sent), and `rows` is then 0, 1, 2, ... Only a large input's
    // k-means, which fits on a sample and then assigns each distinct text once, reads one
    // row per distinct text (`distinct`), `rows` saying which row each submission reads.
    let (x, rows, active, distinct) =
        if n_subs > KMEANS_SAMPLE && settings.lsa.is_none() && settings.method != ClusterMethod::Dmm {
            let (x, row_of) = tfidf.transform_distinct(keys, copy_of);
            let active: Vec<usize> = (0..row_of.len()).filter(|&i| x.row(row_of[i] as usize).nnz() > 0).collect();
            let rows: Vec<u32> = active.iter().map(|&i| row_of[i]).collect();
            if active.len() > KMEANS_SAMPLE {
                (x, rows, active, true)
            } else {
                // Most had no words: a row each after all.
                (
                    x.select(&rows.iter().map(|&r| r as usize).collect::<Vec<_>>()),
                    (0..active.len() as u32).collect(),
                    active,
                    false,
                )
            }
        } else {
            let x = tfidf.transform_owned(keys, copy_of);
            let active: Vec<usize> = (0..x.n_rows()).filter(|&i| x.row(i).nnz() > 0).collect();
            // Rows without words stay out of clustering (copied only when there are any).
            let x = if active.len() == x.n_rows() { x } else { x.select(&active) };
            (x, (0..active.len() as u32).collect(), active, false)
        };
    let per_submission = (!distinct).then_some(&x);
    // The space k-means works in: TF-IDF rows, or their LSA coordinates. Labels always
    // read the TF-IDF terms.
    let space = match (settings.lsa, per_submission) {
        (Some(rank), Some(xs)) if xs.n_rows() > rank && xs.n_cols > rank => {
            Some(crate::cluster::lsa::LsaParams { rank, seed: settings.seed, ..Default::default() }.fit_transform(xs)?)
        }
        _ => None,
    };
    let xc = space.as_ref().or(per_submission);
    let mut k_search = Vec::new();
    let k = match settings.k {
        _ if active.is_empty() => 0,
        Some(k) => k,
        None if active.len() < 8 => active.len().clamp(1, 2),
        None => {
            let base = KMeansParams { seed: settings.seed, n_init: settings.n_init, ..KMeansParams::new(2) };
            let search = KSearch::for_rows(active.len());
            let (k, scores) = match xc {
                Some(xc) => choose_k(xc, &search, &base)?,
                None => choose_k_rows(&x, &rows, &search, &base)?,
            };
            k_search = scores;
            k
        }
    };
    let km = match (k, xc) {
        (0, _) => crate::cluster::KMeans {
            k: 0,
            dim: x.n_cols,
            centroids: Vec::new(),
            assignments: Vec::new(),
            similarity: Vec::new(),
            objective: 0.0,
            iterations: 0,
        },
        (k, _) if settings.method == ClusterMethod::Dmm => {
            // The mixture counts words: it runs on the TF-IDF rows, never on LSA coordinates.
            let xs = per_submission.expect("the mixture reads a row per submission");
            let dmm = crate::cluster::dmm::DmmParams { seed: settings.seed, ..crate::cluster::dmm::DmmParams::new(k) }
                .fit(xs)?;
            crate::cluster::KMeans::from_assignments(xs, dmm.k, dmm.assignments)
        }
        (k, xc) if active.len() > KMEANS_SAMPLE => {
            // Large inputs: restarts on an evenly spread sample, then one pass assigns every row
            // (as mini-batch k-means does; the centroids of 100,000 rows are already stable).
            let step = active.len() as f64 / KMEANS_SAMPLE as f64;
            let ids: Vec<usize> = (0..KMEANS_SAMPLE).map(|i| (i as f64 * step) as usize).collect();
            let params = KMeansParams {
                k,
                seed: settings.seed,
                n_init: settings.n_init,
                screen_iter: SCREEN_ITER,
                ..KMeansParams::new(k)
            };
            match xc {
                Some(xc) => params.fit(&xc.select(&ids))?.assign_all(xc),
                None => params
                    .fit(&x.select(&ids.iter().map(|&i| rows[i] as usize).collect::<Vec<_>>()))?
                    .assign_all(&x)
                    .expand(&rows),
            }
        }
        (k, Some(xc)) => {
            let screen_iter = if xc.n_rows() >= SCREEN_FROM { SCREEN_ITER } else { 0 };
            KMeansParams { k, seed: settings.seed, n_init: settings.n_init, screen_iter, ..KMeansParams::new(k) }
                .fit(xc)?
        }
        (_, None) => unreachable!("only a large input reads the distinct rows"),
    };
    Ok(Clustered { tfidf, x, rows, active, k_search, km })
}

/// How many records input files of `input_bytes` in all hold, judged from a first batch
/// (the bytes of its fields, plus a separator each): at least the batch, at most one
/// record per 16 bytes. Text files give about their count, a compressed sheet less.
fn expected_records(first: &[Submission], input_bytes: u64) -> usize {
    let bytes: usize = first
        .iter()
        .map(|s| {
            let opt = |o: &Option<Arc<str>>| o.as_deref().map_or(0, str::len) + 1;
            s.id.len()
                + s.text.len()
                + opt(&s.locality)
                + opt(&s.submitted_at)
                + opt(&s.group)
                + s.extra.iter().map(|(_, v)| v.len() + 1).sum::<usize>()
                + 2
        })
        .sum();
    let per_record = (bytes / first.len().max(1)).max(16) as u64;
    ((input_bytes / per_record) as usize).max(first.len())
}

/// For every submission, the first submission of its family: the texts it repeats word
/// for word (`copy_of`) and the near-duplicate groups it belongs to (`groups`, ascending).
fn families(groups: &[Vec<usize>], copy_of: &[Option<u32>]) -> Vec<u32> {
    let mut family: Vec<u32> = (0..copy_of.len() as u32).collect();
    for g in groups {
        for &m in g {
            family[m] = g[0] as u32;
        }
    }
    // A copy joins its original's family (originals come first: theirs is already known).
    for (i, o) in copy_of.iter().enumerate() {
        if let &Some(o) = o {
            family[i] = family[o as usize];
        }
    }
    family
}

/// How many times each key occurs. Keys are mostly shared strings (a reader keeps one
/// per distinct locality, a profile one per department): they are counted by where they
/// lie, with no string hashed or compared per item, then merged by their text.
fn counts<'a>(keys: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, usize> {
    let mut at: rustc_hash::FxHashMap<(usize, usize), (&str, usize)> = rustc_hash::FxHashMap::default();
    for k in keys {
        at.entry((k.as_ptr() as usize, k.len())).or_insert((k, 0)).1 += 1;
    }
    let mut n: BTreeMap<String, usize> = BTreeMap::new();
    for (k, c) in at.into_values() {
        *n.entry(k.to_string()).or_insert(0) += c;
    }
    n
}

/// Everything after each submission's own analysis: near-duplicates, TF-IDF, clusters,
/// labels, representatives, records.
fn finish(
    models: &Models,
    subs: &[Submission],
    done: Analysed,
    settings: &Settings,
    pb: &ProgressBar,
    mut clock: Stages,
) -> Result<Report> {
    let Analysed { keys, shingles, mut records, copy_of } = done;
    // Every text is analysed: what the threads remember of them is memory the later stages need.
    rayon::broadcast(|_| crate::text::analyzer::forget_memos());
    crate::text::analyzer::forget_memos();
    clock.lap("analyse, topic, route");
    pb.set_message("phân cụm");
    // Near-duplicates and the clustering read different columns (shingles; keys) and
    // neither depends on the other: they run side by side, so the serial parts of each
    // (union-find, bucket scans; vocabulary, seeding) overlap the other's parallel work.
    let (records_ref, copy_ref) = (&records, &copy_of);
    let ((duplicates, family), clustered) = rayon::join(
        move || {
            let groups = DedupParams::default().groups_with_copies(shingles, copy_ref);
            let family = families(&groups, copy_ref);
            let mut duplicates: Vec<DuplicateGroup> = groups
                .into_par_iter()
                .map(|g| {
                    let localities = counts(g.iter().map(|&i| subs[i].locality_or_unknown()));
                    DuplicateGroup {
                        ids: g.iter().map(|&i| subs[i].id.clone()).collect(),
                        count: g.len(),
                        text: subs[g[0]].text.clone(),
                        topic: records_ref[g[0]].routed.topic.to_string(),
                        localities,
                    }
                })
                .collect();
            duplicates.sort_by(|a, b| b.count.cmp(&a.count).then(a.ids.cmp(&b.ids)));
            (duplicates, family)
        },
        || cluster_rows(subs.len(), keys, &copy_of, settings),
    );
    clock.lap("near-duplicates beside tf-idf, k, cluster");
    let Clustered { tfidf, x, rows, active, k_search, km } = clustered?;
    let k = km.k;

    // Labels: distinctive terms, shown as people wrote them.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (r, &c) in km.assignments.iter().enumerate() {
        members[c as usize].push(r);
    }
    let terms = label::distinctive_terms(&x, &rows, &tfidf, &members, 12);
    drop((x, rows));
    let mut clusters: Vec<ClusterReport> = (0..k)
        .into_par_iter()
        .map(|c| {
            let wanted: FxHashSet<u64> = terms[c].iter().map(|&(j, _)| tfidf.keys[j as usize]).collect();
            let texts = members[c].iter().take(300).map(|&r| subs[active[r]].text.as_str());
            let forms = label::display_forms(&models.analyzer, texts, &wanted);
            let keyed: Vec<(u64, f32)> = terms[c].iter().map(|&(j, s)| (tfidf.keys[j as usize], s)).collect();
            let phrases = label::make_label(&keyed, &forms, 8);
            let words: Vec<String> = phrases.iter().take(3).cloned().collect();
            // A family (a text, its copies and its near-duplicates) is shown once, by its
            // member nearest the centre: a text sent a thousand times is not five of the five.
            // Shown to a reader: among the twenty nearest the centre (picked, then sorted: the
            // order is total, so these are a full sort's first twenty), those written with
            // diacritics first (most similar first within each group).
            let nearer = |a: &usize, b: &usize| km.similarity[*b].total_cmp(&km.similarity[*a]).then(a.cmp(b));
            let mut nearest: rustc_hash::FxHashMap<u32, usize> = rustc_hash::FxHashMap::default();
            for &r in &members[c] {
                nearest.entry(family[active[r]]).and_modify(|b| *b = std::cmp::min_by(*b, r, nearer)).or_insert(r);
            }
            let mut reps: Vec<usize> = nearest.into_values().collect();
            let near = reps.len().min(20);
            if near > 0 && near < reps.len() {
                reps.select_nth_unstable_by(near - 1, nearer);
                reps.truncate(near);
            }
            reps.sort_by(nearer);
            reps.sort_by_key(|&r| records[active[r]].routed.typed_without_diacritics);
            let representatives = reps
                .iter()
                .take(5)
                .map(|&r| Representative {
                    id: subs[active[r]].id.clone(),
                    text: subs[active[r]].text.clone(),
                    similarity: km.similarity[r],
                    typed_without_diacritics: records[active[r]].routed.typed_without_diacritics,
                })
                .collect();
            // Three passes over the members, side by side (a large cluster's are most of this stage).
            let topic_sum = || {
                let mut sum = vec![0.0f32; models.topics.topics.len()];
                for &r in &members[c] {
                    let routed = &records[active[r]].routed;
                    // A record's topic code is the taxonomy's own shared string: found by pointer.
                    let t = models
                        .topics
                        .topics
                        .iter()
                        .position(|t| Arc::ptr_eq(&t.code, &routed.topic))
                        .or_else(|| models.topics.index(&routed.topic));
                    if let Some(t) = t {
                        sum[t] += routed.topic_score;
                    }
                }
                sum
            };
            let ((localities, departments), topic_sum) = rayon::join(
                || {
                    rayon::join(
                        || counts(members[c].iter().map(|&r| subs[active[r]].locality_or_unknown())),
                        || counts(members[c].iter().map(|&r| &*records[active[r]].routed.suggestion.department)),
                    )
                },
                topic_sum,
            );
            let (t, s) = topic_sum
                .iter()
                .enumerate()
                .fold((models.topics.fallback, f32::NEG_INFINITY), |b, (i, &v)| if v > b.1 { (i, v) } else { b });
            let size = members[c].len();
            let topic_score = if size > 0 { s / size as f32 } else { 0.0 };
            ClusterReport {
                id: c,
                label: if words.is_empty() { "(không có nhãn)".into() } else { words.join(" · ") },
                terms: words,
                phrases,
                new_theme: t == models.topics.fallback || topic_score < NEW_THEME_BELOW,
                size,
                topic: models.topics.topics[t].code.to_string(),
                topic_score,
                localities,
                departments,
                representatives,
            }
        })
        .collect();
    // Number clusters by size, largest first, so the output reads top-down.
    clusters.sort_by(|a, b| b.size.cmp(&a.size).then(a.id.cmp(&b.id)));
    let mut renumber = vec![0usize; k];
    for (new, c) in clusters.iter_mut().enumerate() {
        renumber[c.id] = new;
        c.id = new;
    }
    for (r, &c) in km.assignments.iter().enumerate() {
        records[active[r]].cluster = Some(renumber[c as usize]);
    }
    pb.finish_and_clear();
    clock.lap("labels, representatives, records");
    Ok(Report {
        profile: models.router.profile.name.clone(),
        k,
        k_search,
        clusters,
        duplicates,
        records,
        unclustered: subs.len() - active.len(),
        n_terms: tfidf.n_terms(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_place_merge_equal_strings_kept_apart() {
        // Localities as a reader shares them (one Arc per value), the same names again in
        // strings of their own, and slices of one longer string: one count per text.
        let shared: Vec<Arc<str>> = ["Lộc Bình", "Đình Lập", "Cao Lộc"].iter().map(|&s| Arc::from(s)).collect();
        let own: Vec<String> = ["Lộc Bình", "Cao Lộc", "Lộc Bình"].iter().map(|s| s.to_string()).collect();
        let long = "Lộc Bình Lộc";
        let mut keys: Vec<&str> = Vec::new();
        for i in 0..50 {
            keys.push(&shared[i % 3]);
            if i % 7 == 0 {
                keys.push(&own[i % 3]);
            }
        }
        keys.extend([&long[..long.len() - " Lộc".len()], &long[long.find('B').unwrap()..]]);
        let mut want: BTreeMap<String, usize> = BTreeMap::new();
        for k in &keys {
            *want.entry(k.to_string()).or_insert(0) += 1;
        }
        assert_eq!(counts(keys.iter().copied()), want);
        // 17 shared, 5 of their own (i = 0, 14, 21, 35, 42), 1 slice.
        assert_eq!(want["Lộc Bình"], 17 + 5 + 1);
    }

    #[test]
    fn the_record_count_is_judged_from_a_first_batch_of_the_bundled_corpus() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/submissions.csv");
        let all = crate::input::read_file(&path, &ReadOptions::default()).unwrap().submissions;
        let bytes = std::fs::metadata(&path).unwrap().len();
        // From its first hundred records, the whole file's count within a fifth.
        let n = expected_records(&all[..100], bytes);
        assert!(n.abs_diff(all.len()) * 5 < all.len(), "judged {n}, the file has {}", all.len());
        // Never fewer than the batch itself, and at most one record per 16 bytes.
        assert_eq!(expected_records(&all[..100], 10), 100);
        assert!(expected_records(&all[..1], u64::MAX / 2) <= (u64::MAX / 32) as usize);
    }
}
