//! `ykien._native`: the ykien library for Python. The `ykien` package (python/ykien)
//! wraps these functions with type hints, pandas and Arrow tables; each takes whole lists
//! and releases the GIL while the library works on them in parallel.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use rayon::prelude::*;
use ykien::input::Submission;
use ykien::pipeline::{Models, RecordResult};

/// A library error as a Python exception: input problems as ValueError, the rest OSError.
fn py_err(e: ykien::Error) -> PyErr {
    match e {
        ykien::Error::Input { .. } => PyValueError::new_err(e.to_string()),
        _ => PyOSError::new_err(e.to_string()),
    }
}

/// Loaded models by (folder, profile).
type ModelCache = Mutex<HashMap<(PathBuf, String), Arc<Models>>>;

/// Models loaded once per (folder, profile) and shared by every call.
fn models(dir: &str, profile: &str) -> PyResult<Arc<Models>> {
    static CACHE: OnceLock<ModelCache> = OnceLock::new();
    let key = (PathBuf::from(dir), profile.to_string());
    let cache = CACHE.get_or_init(Default::default);
    if let Some(m) = cache.lock().map_err(|_| PyOSError::new_err("models cache poisoned"))?.get(&key) {
        return Ok(m.clone());
    }
    let m = Arc::new(Models::load(Path::new(dir), profile).map_err(py_err)?);
    cache.lock().map_err(|_| PyOSError::new_err("models cache poisoned"))?.insert(key, m.clone());
    Ok(m)
}

/// A per-folder cache of something loaded from a models folder.
type FolderCache<T> = OnceLock<Mutex<HashMap<PathBuf, Arc<T>>>>;

/// What `cache` holds for `dir`, loaded by `load` the first time.
fn cached<T>(cache: &FolderCache<T>, dir: &str, load: impl FnOnce(&Path) -> ykien::Result<T>) -> PyResult<Arc<T>> {
    let cache = cache.get_or_init(Default::default);
    let key = PathBuf::from(dir);
    if let Some(a) = cache.lock().map_err(|_| PyOSError::new_err("model cache poisoned"))?.get(&key) {
        return Ok(a.clone());
    }
    let a = Arc::new(load(Path::new(dir)).map_err(py_err)?);
    cache.lock().map_err(|_| PyOSError::new_err("model cache poisoned"))?.insert(key, a.clone());
    Ok(a)
}

/// The analyzer alone (segmenting, folding, feature keys), loaded once per folder.
fn analyzer(dir: &str) -> PyResult<Arc<ykien::text::Analyzer>> {
    static CACHE: FolderCache<ykien::text::Analyzer> = OnceLock::new();
    cached(&CACHE, dir, ykien::text::Analyzer::load)
}

/// The accent restorer of `dir` (models/restorer.bin), loaded once per folder.
fn restorer(dir: &str) -> PyResult<Arc<ykien::text::Restorer>> {
    static CACHE: FolderCache<ykien::text::Restorer> = OnceLock::new();
    cached(&CACHE, dir, ykien::text::Restorer::load_models)
}

/// Each text with its diacritics restored where it was typed without them (a text typed
/// with them comes back as it is), as `ykien restore` writes it.
#[pyfunction]
fn restore(py: Python<'_>, texts: Vec<String>, models_dir: &str) -> PyResult<Vec<String>> {
    let r = restorer(models_dir)?;
    Ok(py.detach(|| {
        texts.par_iter().map_init(ykien::text::restore::Scratch::default, |s, t| r.restore(t, s).text).collect()
    }))
}

/// The routing profile in force today in `models_dir` (what `ykien route` uses unnamed).
#[pyfunction]
fn profile_in_force(models_dir: &str) -> PyResult<String> {
    let today = ykien::review::forward::today();
    match ykien::routing::profile_in_force(Path::new(models_dir), today).map_err(py_err)? {
        Some((name, _)) => Ok(name),
        None => Err(PyValueError::new_err(format!("no routing profile in force in {models_dir}"))),
    }
}

/// Each text's words as `ykien segment` writes them: syllables of a word joined by '_'.
#[pyfunction]
fn segment(py: Python<'_>, texts: Vec<String>, models_dir: &str) -> PyResult<Vec<String>> {
    let a = analyzer(models_dir)?;
    Ok(py.detach(|| texts.par_iter().map(|t| ykien::text::segmented_line(&a.analyze(t), t)).collect()))
}

/// Each text normalised (NFC, one tone placement), lowercased, without diacritics.
#[pyfunction]
fn fold(py: Python<'_>, texts: Vec<String>) -> Vec<String> {
    py.detach(|| texts.par_iter().map(|t| ykien::text::fold_lower(&ykien::text::normalize(t).text)).collect())
}

/// Each text's feature keys (words, word pairs: what clustering and routing count), as
/// signed 64-bit integers (the same bits as ykien's unsigned keys).
#[pyfunction]
fn feature_keys(py: Python<'_>, texts: Vec<String>, models_dir: &str) -> PyResult<Vec<Vec<i64>>> {
    let a = analyzer(models_dir)?;
    Ok(py.detach(|| {
        texts
            .par_iter()
            .map(|t| {
                let mut keys = Vec::new();
                ykien::text::Analyzer::feature_keys(&a.analyze(t), &mut keys);
                keys.into_iter().map(|k| k as i64).collect()
            })
            .collect()
    }))
}

/// Submissions from texts (trimmed, as every reader does), ids (default "py-N") and
/// localities.
fn submissions(
    texts: Vec<String>,
    ids: Option<Vec<String>>,
    localities: Option<Vec<Option<String>>>,
) -> PyResult<Vec<Submission>> {
    let n = texts.len();
    if ids.as_ref().is_some_and(|v| v.len() != n) || localities.as_ref().is_some_and(|v| v.len() != n) {
        return Err(PyValueError::new_err("ids and localities must have one value per text"));
    }
    let mut ids = ids.map(|v| v.into_iter());
    let mut locs = localities.map(|v| v.into_iter());
    let mut out = Vec::with_capacity(n);
    for (i, t) in texts.into_iter().enumerate() {
        let id = ids.as_mut().and_then(Iterator::next);
        let loc = locs.as_mut().and_then(Iterator::next).flatten().filter(|l| !l.trim().is_empty());
        out.push(Submission {
            id_given: id.is_some(),
            id: id.unwrap_or_else(|| format!("py-{}", i + 1)),
            text: t.trim().to_string(),
            locality: loc.map(|l| Arc::from(l.trim())),
            submitted_at: None,
            group: None,
            extra: Default::default(),
        });
    }
    Ok(out)
}

/// Routes texts with `profile`: one JSON object per text, the line `ykien route` writes.
#[pyfunction]
#[pyo3(signature = (texts, profile, models_dir, ids=None, localities=None))]
fn route_json(
    py: Python<'_>,
    texts: Vec<String>,
    profile: &str,
    models_dir: &str,
    ids: Option<Vec<String>>,
    localities: Option<Vec<Option<String>>>,
) -> PyResult<Vec<String>> {
    let m = models(models_dir, profile)?;
    let subs = submissions(texts, ids, localities)?;
    Ok(py.detach(|| {
        let records = route_records(&m, &subs);
        (0..subs.len())
            .into_par_iter()
            .map(|i| {
                let mut buf = Vec::new();
                ykien::output::SubmissionRow::new(&subs[i], &records[i], "").write_json_line(&mut buf);
                String::from_utf8(buf).unwrap_or_default().trim_end().to_string()
            })
            .collect()
    }))
}

/// Routing without a cluster, as `ykien route` does it.
fn route_records(m: &Models, subs: &[Submission]) -> Vec<RecordResult> {
    let routed = ykien::pipeline::route_all(m, subs, &indicatif::ProgressBar::hidden());
    routed.into_iter().map(|routed| RecordResult { cluster: None, routed }).collect()
}

/// Routes texts with `profile` into columns (for Arrow batches): topic, topic_score,
/// department, department_name, confidence, runner_up, runner_up_confidence, also,
/// typed_without_diacritics, reasons (joined by " | ").
#[pyfunction]
#[pyo3(signature = (texts, profile, models_dir, localities=None))]
fn route_columns<'py>(
    py: Python<'py>,
    texts: Vec<String>,
    profile: &str,
    models_dir: &str,
    localities: Option<Vec<Option<String>>>,
) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
    let m = models(models_dir, profile)?;
    let subs = submissions(texts, None, localities)?;
    let records = py.detach(|| route_records(&m, &subs));
    let d = pyo3::types::PyDict::new(py);
    let s = |f: &dyn Fn(&RecordResult) -> String| records.iter().map(f).collect::<Vec<String>>();
    let x = |f: &dyn Fn(&RecordResult) -> f32| records.iter().map(f).collect::<Vec<f32>>();
    d.set_item("topic", s(&|r| r.routed.topic.to_string()))?;
    d.set_item("topic_score", x(&|r| r.routed.topic_score))?;
    d.set_item("department", s(&|r| r.routed.suggestion.department.to_string()))?;
    d.set_item("department_name", s(&|r| r.routed.suggestion.department_name.to_string()))?;
    d.set_item("confidence", x(&|r| r.routed.suggestion.confidence))?;
    d.set_item("runner_up", s(&|r| r.routed.suggestion.runner_up.to_string()))?;
    d.set_item("runner_up_confidence", x(&|r| r.routed.suggestion.runner_up_confidence))?;
    d.set_item(
        "also",
        records.iter().map(|r| r.routed.suggestion.also.as_deref().map(str::to_string)).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "typed_without_diacritics",
        records.iter().map(|r| r.routed.typed_without_diacritics).collect::<Vec<_>>(),
    )?;
    d.set_item("reasons", s(&|r| r.routed.suggestion.reasons.join(" | ")))?;
    Ok(d)
}

/// Runs `ykien analyze` on files into the folder `out` (replaced whole), writing
/// `formats` ("jsonl", "csv", "parquet"); returns the summary line.
#[pyfunction]
#[pyo3(signature = (paths, out, profile, models_dir, k=None, method="dmm", formats=vec!["parquet".to_string()], text_column=None))]
#[allow(clippy::too_many_arguments)]
fn analyze_files(
    py: Python<'_>,
    paths: Vec<String>,
    out: &str,
    profile: &str,
    models_dir: &str,
    k: Option<usize>,
    method: &str,
    formats: Vec<String>,
    text_column: Option<String>,
) -> PyResult<String> {
    let m = models(models_dir, profile)?;
    let method = match method {
        "dmm" => ykien::pipeline::ClusterMethod::Dmm,
        "kmeans" => ykien::pipeline::ClusterMethod::KMeans,
        other => return Err(PyValueError::new_err(format!("method must be 'dmm' or 'kmeans', not '{other}'"))),
    };
    let mut f = ykien::output::Formats { jsonl: false, csv: false, parquet: false };
    for name in &formats {
        match name.as_str() {
            "jsonl" => f.jsonl = true,
            "csv" => f.csv = true,
            "parquet" => f.parquet = true,
            other => return Err(PyValueError::new_err(format!("unknown format '{other}': jsonl, csv or parquet"))),
        }
    }
    let names = ykien::input::columns::ColumnNames::load(Path::new(models_dir)).map_err(py_err)?;
    let opts = ykien::input::ReadOptions {
        column_names: Arc::new(names),
        columns: text_column.map(|c| vec![format!("text={c}")]).unwrap_or_default(),
        ..Default::default()
    };
    let settings = ykien::pipeline::Settings { k, method, ..Default::default() };
    let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
    let out = PathBuf::from(out);
    py.detach(|| {
        let pb = indicatif::ProgressBar::hidden();
        let (read, report) = ykien::pipeline::analyze_files(&m, &paths, &opts, ykien::pipeline::BATCH, &settings, &pb)?;
        ykien::output::write_run(&m, &read, &report, &out, None, None, f)?;
        Ok(ykien::report::summary(&read, &report, &out))
    })
    .map_err(py_err)
}

/// Phrases of each text as cluster labels are made of: (row, key, word keys, syllables,
/// written form). Counted per cluster (rows of a text distinct), they are what
/// [`label_clusters`] reads.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn phrases(
    py: Python<'_>,
    texts: Vec<String>,
    models_dir: &str,
) -> PyResult<(Vec<u32>, Vec<i64>, Vec<Vec<i64>>, Vec<u32>, Vec<String>)> {
    let a = analyzer(models_dir)?;
    Ok(py.detach(|| {
        let per: Vec<_> = texts
            .par_iter()
            .map(|t| {
                let pc = ykien::cluster::label::mine_phrases(std::iter::once(a.analyze(t)), true);
                let mut v: Vec<(u64, Vec<u64>, u32, String)> = pc
                    .forms
                    .into_iter()
                    .flat_map(|(k, forms)| forms.into_keys().map(move |f| (k, f)))
                    .map(|(k, f)| (k, pc.words[&k].clone(), pc.syllables[&k], f))
                    .collect();
                v.sort_unstable_by_key(|x| x.0);
                v
            })
            .collect();
        let mut out = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (row, v) in per.into_iter().enumerate() {
            for (k, words, syl, form) in v {
                out.0.push(row as u32);
                out.1.push(k as i64);
                out.2.push(words.into_iter().map(|w| w as i64).collect());
                out.3.push(syl);
                out.4.push(form);
            }
        }
        out
    }))
}

/// Labels clusters with ykien's label logic from phrase counts aggregated elsewhere
/// (Spark): `inside` rows (cluster, key, texts holding it, word keys, syllables, form,
/// texts writing it so), `sizes` (cluster, texts), `all` rows (key, texts holding it) over
/// `n_all` texts. Returns each cluster's label phrases, best first.
#[pyfunction]
#[pyo3(signature = (inside, sizes, all, n_all, max=3))]
#[allow(clippy::type_complexity)]
fn label_clusters(
    inside: Vec<(i64, i64, u32, Vec<i64>, u32, String, u32)>,
    sizes: Vec<(i64, u32)>,
    all: Vec<(i64, u32)>,
    n_all: u32,
    max: usize,
) -> HashMap<i64, Vec<String>> {
    use ykien::cluster::label::{phrase_label, PhraseCounts};
    let mut everywhere = PhraseCounts { n_texts: n_all, ..Default::default() };
    for (k, df) in all {
        everywhere.df.insert(k as u64, df);
    }
    let mut by: HashMap<i64, PhraseCounts> = HashMap::new();
    for (c, n) in sizes {
        by.entry(c).or_default().n_texts = n;
    }
    for (c, k, df, words, syl, form, form_n) in inside {
        let pc = by.entry(c).or_default();
        let k = k as u64;
        pc.df.insert(k, df);
        pc.words.entry(k).or_insert_with(|| words.iter().map(|&w| w as u64).collect());
        pc.syllables.insert(k, syl);
        *pc.forms.entry(k).or_default().entry(form).or_default() += form_n;
    }
    by.into_iter().map(|(c, pc)| (c, phrase_label(&pc, &everywhere, max))).collect()
}

/// The phrases a label may use need this many of a cluster's `members` (ykien's rule).
#[pyfunction]
fn min_support(members: usize) -> u32 {
    ykien::cluster::label::min_support(members)
}

/// The module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(profile_in_force, m)?)?;
    m.add_function(wrap_pyfunction!(segment, m)?)?;
    m.add_function(wrap_pyfunction!(fold, m)?)?;
    m.add_function(wrap_pyfunction!(restore, m)?)?;
    m.add_function(wrap_pyfunction!(feature_keys, m)?)?;
    m.add_function(wrap_pyfunction!(route_json, m)?)?;
    m.add_function(wrap_pyfunction!(route_columns, m)?)?;
    m.add_function(wrap_pyfunction!(analyze_files, m)?)?;
    m.add_function(wrap_pyfunction!(phrases, m)?)?;
    m.add_function(wrap_pyfunction!(label_clusters, m)?)?;
    m.add_function(wrap_pyfunction!(min_support, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
