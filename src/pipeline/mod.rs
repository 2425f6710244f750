//! The whole analysis, as named stages with typed hand-offs:
//! 1. [`analyse`]: each submission's own analysis (keys, shingles, topic, department);
//! 2. [`duplicates`] beside [`vectors`] (TF-IDF rows, then k and the clusters);
//! 3. [`clusters`]: each cluster's report, numbered by size.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indicatif::ProgressBar;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::features::TfidfParams;
use crate::input::{read_files_batched, ReadOptions, ReadOutcome, Submission};
use crate::repeats::Repeats;
use crate::routing::{Profile, Router, Suggestion};
use crate::text::Analyzer;
use crate::timing::Stages;

mod analyse;
mod clusters;
mod duplicates;
pub mod edits;
mod vectors;

use crate::topics::TopicModel;
use analyse::{analyse_all, analyse_batch, route_text, Analysed};

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
    /// The province's units, when the profile names them.
    pub places: Option<Arc<crate::places::Gazetteer>>,
    /// The accent restorer (models/restorer.bin), loaded when a text first needs it
    /// (used through [`Models::restored`]; copies of the models share it).
    pub restorer_slot: RestorerSlot,
}

impl Models {
    /// Finds the models directory: `explicit`, then $YKIEN_MODELS, then next to the
    /// executable's project, then the source tree it was built from, then ./models.
    pub fn locate(explicit: Option<&Path>) -> Result<PathBuf> {
        if let Some(p) = explicit {
            return if p.join("topics.toml").exists() {
                Ok(p.to_path_buf())
            } else {
                Err(Error::model(p, crate::t!("model.not-models-dir")))
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
        let router = Router::new(Profile::load(dir, profile)?, &analyzer, &topics)?;
        let places = match &router.profile.places {
            Some(p) => Some(Arc::new(crate::places::Gazetteer::load(dir, &p.gazetteer)?)),
            None => None,
        };
        Ok(Models { dir: dir.to_path_buf(), analyzer, topics, router, places, restorer_slot: Default::default() })
    }

    /// `text` with its diacritics restored, when it was typed without them and the
    /// restorer gave some; `None` otherwise (the text is then read as typed). The restorer
    /// is loaded on first need; where models/ has none, or it cannot be read (said once on
    /// stderr), texts are read as typed.
    pub fn restored(&self, text: &str) -> Option<String> {
        restored_with(self.restorer_slot.as_ref(), &self.dir, text)
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
    /// The structure places are counted by (else the profile's).
    pub places_by: Option<crate::places::Structure>,
}

/// The clustering algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum ClusterMethod {
    /// Spherical k-means on TF-IDF rows (or LSA coordinates).
    KMeans,
    /// A Dirichlet multinomial mixture sampled by Gibbs sampling (GSDMM), made for short
    /// texts: the default, chosen on real text (benches/RESULTS.md).
    #[default]
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
            places_by: None,
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
    /// The text with its diacritics restored, when it was typed without them: what topic,
    /// department and cluster labels read (clustering reads the typed text); the original
    /// stays for display.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restored: Option<Arc<str>>,
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
    /// The text with its diacritics restored, when it was typed without them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restored: Option<String>,
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
    /// Readable label: one to three phrases its members share and others rarely use.
    pub label: String,
    /// Those phrases.
    pub terms: Vec<String>,
    /// One sentence saying what the cluster asks: its most central member's first
    /// sentence past any greeting.
    pub summary: String,
    /// Up to eight distinctive phrases, best first.
    pub phrases: Vec<String>,
    /// True when the cluster lies outside the plan's topic areas: most of its members
    /// fall to the taxonomy's fallback ("Vấn đề khác"), and they are at least
    /// [`NEW_THEME_MIN`] or 1% of those clustered. A theme to look at.
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

/// A cluster is a new theme when more than this share of its members have the fallback topic
/// (they lie outside the plan's topic areas) ...
pub const NEW_THEME_SHARE: f32 = 0.5;
/// ... and it has at least this many members (or 1% of those clustered): a theme is
/// something several people raise, not two or three texts.
pub const NEW_THEME_MIN: usize = 5;

/// The new-theme rule: a cluster of `size` members, `outside` of them in the fallback topic,
/// among `clustered` submissions ([`NEW_THEME_SHARE`], [`NEW_THEME_MIN`]).
pub fn is_new_theme(size: usize, outside: usize, clustered: usize) -> bool {
    size >= NEW_THEME_MIN.max(clustered / 100) && outside as f32 > NEW_THEME_SHARE * size as f32
}

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
    /// Per submission, its tracking code, when the run keeps a data directory (else empty).
    #[serde(skip)]
    pub codes: Vec<String>,
    /// Per submission, the earlier answer to one like it in the data directory's archive
    /// (else empty).
    #[serde(skip)]
    pub answered_before: Vec<Option<std::sync::Arc<crate::review::archive::EarlierAnswer>>>,
    /// Per submission, the place its locality column or its text names (empty without a
    /// gazetteer).
    #[serde(skip)]
    pub places: Vec<crate::places::Recognised>,
    /// Per submission, its place as the tables count it.
    #[serde(skip)]
    pub place_rows: Vec<crate::places::PlaceRow>,
}

/// Topic and department for every submission, in input order, in parallel.
pub fn route_all(models: &Models, subs: &[Submission], pb: &ProgressBar) -> Vec<Routed> {
    pb.set_length(subs.len() as u64);
    analyse_all(models, subs, pb, false).records.into_iter().map(|r| r.routed).collect()
}

/// Submissions analysed at a time: the progress bar moves, and the memo of texts learns, a batch at a time.
pub const BATCH: usize = 20_000;

/// Topic and department for one submission.
pub fn route_one(models: &Models, s: &Submission) -> Routed {
    let restored: Option<Arc<str>> = models.restored(&s.text).map(Arc::from);
    route_text(models, restored.as_deref().unwrap_or(&s.text), restored.clone())
}

/// Runs the whole analysis on `subs`.
pub fn analyze(models: &Models, subs: &[Submission], settings: &Settings, pb: &ProgressBar) -> Result<Report> {
    if subs.is_empty() {
        return Err(Error::NoSubmissions);
    }
    pb.set_length(subs.len() as u64);
    let mut clock = Stages::start();
    clock.lap("(submissions read)");
    pb.set_message(crate::t!("progress.analyse"));
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
    pb.set_message(crate::t!("progress.read-analyse"));
    let mut subs: Vec<Submission> = Vec::new();
    let mut done = Analysed::default();
    let mut memo = Repeats::default();
    let mut read = std::thread::scope(|scope| -> Result<ReadOutcome> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Submission>>(2);
        let reader = scope.spawn(move || {
            read_files_batched(paths, opts, batch, &mut |b| tx.send(b).map_err(|_| Error::Stopped("analysis")))
        });
        let input_bytes: u64 = paths.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
        for b in rx {
            if subs.is_empty() {
                // The run's columns are sized once from the first batch, not doubled (and
                // copied) as they fill: each doubling writes to memory never touched before.
                // Only address space until written to; a reservation refused is no error.
                let n = expected_records(&b, input_bytes);
                // The bar's length is the records the files are judged to hold: it moves
                // forward a batch at a time and never runs back.
                pb.set_length(n as u64);
                let _ = subs.try_reserve(n);
                done.reserve(n);
                memo = Repeats::with_capacity(n);
            }
            let reach = pb.position() + b.len() as u64;
            if reach > pb.length().unwrap_or(0) {
                pb.set_length(reach);
            }
            let new = analyse_batch(models, &mut memo, &subs, &done, &b, pb, true);
            // The columns and the submissions grow side by side (each touches fresh memory).
            rayon::join(|| done.extend(new), || subs.extend(b));
        }
        reader.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
    })?;
    if subs.is_empty() {
        return Err(Error::NothingRead(Box::new(read)));
    }
    clock.lap("read, analyse, topic, route (overlapped)");
    let report = finish(models, &subs, done, settings, pb, clock)?;
    read.submissions = subs;
    Ok((read, report))
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

/// Everything after each submission's own analysis, stage by stage: near-duplicates
/// beside the vectors and the clustering, then the clusters' reports.
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
    crate::text::memo::forget_everywhere();
    clock.lap("analyse, topic, route");
    // Clustering has no count to show: a spinner with the stage's name and its time.
    pb.set_length(pb.position());
    pb.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb.set_message(crate::t!("progress.cluster"));
    // Near-duplicates and the clustering read different columns (shingles; keys) and
    // neither depends on the other: they run side by side, so the serial parts of each
    // (union-find, bucket scans; vocabulary, seeding) overlap the other's parallel work.
    let (dups, clustered) = rayon::join(
        || duplicates::duplicates(subs, &records, shingles, &copy_of),
        || -> Result<_> {
            let v = vectors::vectors(subs.len(), keys, &copy_of, settings)?;
            let c = vectors::cluster(&v, settings)?;
            Ok((v, c))
        },
    );
    clock.lap("near-duplicates beside tf-idf, k, cluster");
    let (v, clustering) = clustered?;
    let clustered_count = v.active.len();
    let (places, place_rows) = places_of(models, subs, settings);
    let (clusters, n_terms) = clusters::reports(models, subs, &mut records, v, &clustering, &dups.family, &place_rows);
    pb.finish_and_clear();
    clock.lap("labels, representatives, records");
    Ok(Report {
        profile: models.router.profile.name.clone(),
        k: clustering.km.k,
        k_search: clustering.k_search,
        clusters,
        duplicates: dups.groups,
        records,
        unclustered: subs.len() - clustered_count,
        n_terms,
        codes: Vec::new(),
        answered_before: Vec::new(),
        places,
        place_rows,
    })
}

/// Each submission's place and its row in the tables, when the profile names the
/// province's gazetteer (else empty).
fn places_of(
    models: &Models,
    subs: &[Submission],
    settings: &Settings,
) -> (Vec<crate::places::Recognised>, Vec<crate::places::PlaceRow>) {
    let (Some(g), Some(spec)) = (&models.places, &models.router.profile.places) else {
        return (Vec::new(), Vec::new());
    };
    let structure = settings.places_by.unwrap_or(spec.structure);
    use rayon::prelude::*;
    let places = g.recognise_all(subs);
    let rows = places.par_iter().zip(subs).map(|(r, s)| g.row(r, s.locality.as_deref(), structure)).collect();
    (places, rows)
}

/// How many times each key occurs. Keys are mostly shared strings (a reader keeps one
/// per distinct locality, a profile one per department): they are counted by where they
/// lie, with no string hashed or compared per item, then merged by their text.
pub(crate) fn counts<'a>(keys: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, usize> {
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

/// A restorer loaded once into `slot` from `dir`, shared by copies of the slot.
pub type RestorerSlot = Arc<std::sync::OnceLock<Option<Arc<crate::text::Restorer>>>>;

/// The restorer of `slot`, loaded from the models directory `dir` on first use.
pub fn restorer_in<'a>(
    slot: &'a std::sync::OnceLock<Option<Arc<crate::text::Restorer>>>,
    dir: &Path,
) -> Option<&'a crate::text::Restorer> {
    slot.get_or_init(|| {
        if !dir.join(crate::text::restore::MODEL_FILE).exists() {
            return None;
        }
        match crate::text::Restorer::load_models(dir) {
            Ok(r) => Some(Arc::new(r)),
            Err(e) => {
                eprintln!("{e}");
                None
            }
        }
    })
    .as_deref()
}

/// `text` restored by the restorer of `slot` when typed without diacritics and changed.
pub fn restored_with(
    slot: &std::sync::OnceLock<Option<Arc<crate::text::Restorer>>>,
    dir: &Path,
    text: &str,
) -> Option<String> {
    if !crate::text::Restorer::is_unaccented(text) {
        return None;
    }
    thread_local! {
        static SCRATCH: std::cell::RefCell<crate::text::restore::Scratch> = Default::default();
    }
    let r = restorer_in(slot, dir)?;
    let out = SCRATCH.with(|s| r.restore(text, &mut s.borrow_mut()));
    (out.changed > 0).then_some(out.text)
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
