//! The `ykien` command line: a thin layer over the library.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ykien::eval::{ari, nmi, purity, ClassificationReport};
use ykien::input::{read_files, Format, ReadOptions, ReadOutcome};
use ykien::output::{csv_for_excel, csv_row, json_str, jsonl, push_decimal3, truncate, write_atomic, write_atomic_with, write_rows_parallel};
use ykien::pipeline::{analyze, route_all, Models, Report, Settings};

/// mimalloc: the pipeline allocates many small strings and vectors from several threads,
/// where it is faster and fragments less than the system allocator (measured in the notes).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Writes a line to stdout, returning the error (a closed pipe) instead of panicking.
macro_rules! outln {
    ($($t:tt)*) => {
        writeln!(std::io::stdout().lock(), $($t)*)?
    };
}

#[derive(Parser)]
#[command(name = "ykien", version, about = "Ý kiến thanh niên: gom cụm chủ đề và đề xuất cơ quan trả lời")]
struct Cli {
    /// Models directory (default: the project's models/, or $YKIEN_MODELS).
    #[arg(long, global = true)]
    models: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, global = true)]
    threads: Option<usize>,
    /// Data directory holding the search index (default: $YKIEN_DATA, else ./ykien-data).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args, Clone)]
struct InputArgs {
    /// Input files: .csv/.tsv, .jsonl, .xlsx/.ods, .txt (default: the bundled corpus).
    inputs: Vec<PathBuf>,
    /// Column holding the submission text.
    #[arg(long, default_value = "text")]
    text_column: String,
    /// Sheet of a workbook to read (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// Write unreadable records to a rejects file and go on, instead of stopping.
    #[arg(long)]
    skip_bad: bool,
    /// Input format, when the file extension does not tell.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Routing profile in models/routing/.
    #[arg(long, default_value = "lang-son-2024")]
    profile: String,
}

#[derive(Subcommand)]
enum Cmd {
    /// Cluster submissions, label the clusters, assign topics and suggest departments.
    Analyze {
        #[command(flatten)]
        input: InputArgs,
        /// Output directory.
        #[arg(long, default_value = "ykien-out")]
        out: PathBuf,
        /// Number of clusters (default: chosen automatically).
        #[arg(long)]
        k: Option<usize>,
        /// Random seed for clustering.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Cluster in an LSA space of this many dimensions (e.g. 100).
        #[arg(long)]
        lsa: Option<usize>,
        /// Clustering method.
        #[arg(long, value_enum, default_value = "kmeans")]
        method: MethodArg,
        /// Compare with an earlier analysis written to this folder (e.g. last year's).
        #[arg(long)]
        compare: Option<PathBuf>,
    },
    /// Add submissions to the search index (with topic and suggested department); a file
    /// indexed twice adds nothing twice.
    Index {
        #[command(flatten)]
        input: InputArgs,
        /// Commit every N submissions (a crash loses at most the batch not yet committed).
        #[arg(long, default_value_t = 100_000)]
        commit_every: usize,
    },
    /// Search the indexed submissions: words (all must match), "phrases", AND, OR, NOT or -word,
    /// word* for a prefix; with or without diacritics.
    Search {
        /// The query (several words are one query).
        query: Vec<String>,
        /// Only this topic (code or name; diacritics and case do not matter).
        #[arg(long)]
        topic: Option<String>,
        /// Only this suggested department (code or name).
        #[arg(long)]
        department: Option<String>,
        /// Only this locality.
        #[arg(long)]
        locality: Option<String>,
        /// Number of hits shown.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: SearchFormat,
    },
    /// Measure query latency: run every query of FILE (one per line) against the index.
    BenchSearch {
        /// Queries, one per line.
        queries: PathBuf,
        /// Hits fetched per query.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Also count hits per topic, department and locality.
        #[arg(long)]
        facets: bool,
        /// Write each query's hit count and top ids here (JSON Lines) for comparison.
        #[arg(long)]
        results: Option<PathBuf>,
    },
    /// Start the review desk: a web server over the data directory (loopback unless told).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Mark cookies Secure (when served behind HTTPS).
        #[arg(long)]
        secure_cookies: bool,
        /// Routing profile, when the data directory does not name one.
        #[arg(long, default_value = "lang-son-2024")]
        profile: String,
    },
    /// Manage review desk accounts.
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// Copy the review database (consistent while the server runs) to DEST.
    Backup {
        /// Destination file.
        dest: PathBuf,
    },
    /// Learn routing from the reviewed decisions and refresh the pending suggestions.
    Retrain {
        /// Routing profile, when the data directory does not name one.
        #[arg(long, default_value = "lang-son-2024")]
        profile: String,
    },
    /// Suggest a department for each submission, written to stdout in input order.
    Route {
        #[command(flatten)]
        input: InputArgs,
        /// Output format.
        #[arg(long = "output-format", alias = "to", value_enum, default_value = "jsonl")]
        output_format: OutFormat,
        /// Use a model trained with `train-router` instead of the profile: writes each
        /// record's predicted `label` and `confidence`.
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Write a synthetic corpus of N submissions varying the bundled ones (for benchmarks).
    Gen {
        /// Number of submissions.
        #[arg(long)]
        n: usize,
        /// Random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file; its extension gives the format (.csv, .jsonl, .txt, .xlsx).
        #[arg(long)]
        out: PathBuf,
        /// Output format, when the extension does not tell.
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Learn a routing model from any labelled file (a linear classifier over ykien's features).
    TrainRouter {
        #[command(flatten)]
        input: InputArgs,
        /// Column holding the label to learn.
        #[arg(long)]
        label_column: String,
        /// Where to write the model (JSON).
        #[arg(long)]
        model: PathBuf,
        /// Passes over the data.
        #[arg(long, default_value_t = 30)]
        epochs: usize,
        /// Initial learning rate.
        #[arg(long, default_value_t = 0.5)]
        learning_rate: f32,
        /// L2 penalty.
        #[arg(long, default_value_t = 1e-5)]
        l2: f32,
        /// Keep terms seen in at least this many records.
        #[arg(long, default_value_t = 1)]
        min_df: u32,
        /// Do not weight small classes up (softmax only).
        #[arg(long)]
        unbalanced: bool,
        /// The learning algorithm.
        #[arg(long, value_enum, default_value = "svm")]
        algorithm: Algorithm,
        /// Inverse regularisation of the SVM.
        #[arg(long, default_value_t = 1.0)]
        c: f32,
        /// Also learn from syllables as written, diacritics kept: auto turns it on when
        /// nearly all (90%) of the training texts were typed with diacritics.
        #[arg(long, value_enum, default_value = "auto")]
        exact_forms: OnOffAuto,
    },
    /// Train the word segmenter on CoNLL-U treebank files.
    TrainSegmenter {
        /// Training sentences (CoNLL-U).
        #[arg(long, required = true)]
        train: Vec<PathBuf>,
        /// Development sentences: report F1 each epoch and keep the best epoch.
        #[arg(long)]
        dev: Option<PathBuf>,
        /// Passes over the training data.
        #[arg(long, default_value_t = 20)]
        epochs: usize,
        /// Seed for the order of sentences.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Do not learn from folded (no-diacritics) copies.
        #[arg(long)]
        no_folded: bool,
        /// Where to write the model.
        #[arg(long)]
        out: PathBuf,
    },
    /// Word-span precision, recall and F1 of the segmenter on a CoNLL-U file, and its speed.
    EvalSegmenter {
        /// Gold sentences (CoNLL-U).
        file: PathBuf,
        /// Which segmenter to measure.
        #[arg(long, value_enum, default_value = "perceptron")]
        segmenter: SegmenterKind,
        /// Also measure the text with its diacritics removed.
        #[arg(long)]
        folded: bool,
        /// List the N most frequent wrongly segmented words.
        #[arg(long, default_value_t = 0)]
        show_errors: usize,
        /// Segmenter model to measure (default: models/segmenter.bin).
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Segment text into words (stdin, or FILE), one line in, one line out.
    Segment {
        /// Input file (default: standard input).
        file: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: SegFormat,
    },
    /// Measure clustering and routing against gold labels (default: the bundled corpus).
    Eval {
        #[command(flatten)]
        input: InputArgs,
        /// Evaluate a model trained with `train-router` on this file's labels instead.
        #[arg(long)]
        model: Option<PathBuf>,
        /// The gold label column, with --model.
        #[arg(long, default_value = "label")]
        label_column: String,
        /// Number of clusters (default: the number of gold topics).
        #[arg(long)]
        k: Option<usize>,
        /// Cluster in an LSA space of this many dimensions.
        #[arg(long)]
        lsa: Option<usize>,
        /// Clustering method.
        #[arg(long, value_enum, default_value = "kmeans")]
        method: MethodArg,
        /// Random seed for clustering.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Algorithm {
    /// Multinomial logistic regression by SGD.
    Softmax,
    /// One-vs-rest linear SVM by dual coordinate descent.
    Svm,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum SegmenterKind {
    /// The trained perceptron (models/segmenter.bin).
    Perceptron,
    /// Greedy longest match over models/dict.
    LongestMatch,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum SegFormat {
    /// Words joined by '_' inside, spaces between (the pyvi convention).
    Text,
    /// One JSON object per line with each word's byte span in the original line.
    Jsonl,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum OnOffAuto {
    /// Decide from the data.
    Auto,
    /// Always.
    On,
    /// Never.
    Off,
}

#[derive(Clone, Copy, ValueEnum)]
enum MethodArg {
    /// Spherical k-means on TF-IDF rows.
    Kmeans,
    /// Dirichlet multinomial mixture (GSDMM), made for short texts.
    Dmm,
}

impl From<MethodArg> for ykien::pipeline::ClusterMethod {
    fn from(m: MethodArg) -> Self {
        match m {
            MethodArg::Kmeans => ykien::pipeline::ClusterMethod::KMeans,
            MethodArg::Dmm => ykien::pipeline::ClusterMethod::Dmm,
        }
    }
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add an account; the password is read from standard input (one line).
    Add {
        /// Login name.
        name: String,
        /// What the account may do.
        #[arg(long, value_enum)]
        role: RoleArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    /// Confirms and corrects suggestions.
    Reviewer,
    /// Reads everything, decides nothing.
    Analyst,
    /// Reviewer who administers.
    Admin,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum SearchFormat {
    /// Readable hits with highlighted snippets, then counts per topic, department, locality.
    Text,
    /// One JSON object per hit, then one with the total and the counts.
    Jsonl,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutFormat {
    Jsonl,
    Csv,
}

/// Memory in 4 KB pages only (Linux), unless `YKIEN_THP=1`: the run's memory is touched
/// once, mostly a little at a time from many places, and on virtual machines that hand
/// freed memory back to their host (free page reporting) the first touch of a 2 MB
/// transparent huge page costs about twice as much per byte as of small pages. A million
/// submissions: 4% less wall time in 6 alternating pairs, the same peak.
fn small_pages_only() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("YKIEN_THP").is_none_or(|v| v != "1") {
        // SAFETY: prctl with PR_SET_THP_DISABLE reads no memory of ours; a failure leaves
        // the process as it was.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
}

/// Freed memory goes back to the system after 100 ms instead of mimalloc 3's default of
/// a second, unless `MIMALLOC_PURGE_DELAY` says otherwise: the stages free large buffers
/// (the per-thread memos, the keys as rows are built, the band tables) that the next stage
/// does not reuse, and a second's hold stacked them into the peak. A million generated
/// submissions: peak 1.78-1.80 GB -> 1.55-1.56 GB, wall 10.75/10.74 s against 11.00/10.46 s
/// in alternating pairs; 100,000: 323-331 MB -> 302 MB.
fn prompt_purge() {
    /// `mi_option_purge_delay` in mimalloc 3's `enum mi_option_e` (mimalloc.h); the crate
    /// names no constant for it.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one allocator option (an integer in mimalloc's option table); the
        // value is what mimalloc reads when it next decides to purge.
        unsafe {
            // The slot holds the documented default of that option (1000 ms) unless the
            // bundled mimalloc numbers its options otherwise: then it is left alone.
            if libmimalloc_sys::mi_option_get(PURGE_DELAY) == 1000 {
                libmimalloc_sys::mi_option_set(PURGE_DELAY, 100);
            }
        }
    }
}

fn main() {
    small_pages_only();
    prompt_purge();
    if let Err(e) = run() {
        // `ykien eval | head`: the reader went away; that is not an error.
        if e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)) {
            std::process::exit(0);
        }
        eprintln!("ykien: error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global().context("setting the thread count")?;
    }
    let models_dir = Models::locate(cli.models.as_deref())?;
    match cli.cmd {
        Cmd::Analyze { input, out, k, seed, lsa, method, compare } => {
            let mut models = load_models(&models_dir, &input.profile)?;
            learn_from_reviews(&mut models, cli.data_dir.as_deref())?;
            let settings = Settings { k, seed, lsa, method: method.into(), ..Settings::default() };
            // Analysis runs while the files are read, batch by batch.
            let (read, report) = ykien::pipeline::analyze_files(&models, &input_paths(&models, &input), &input.options(), ykien::pipeline::BATCH, &settings, &progress())?;
            let mut clock = ykien::pipeline::Stages::start();
            // An earlier run to compare with is read before anything is written (it may be
            // the same folder); without one, the report's tables are computed beside the
            // per-submission files.
            let mut tables = match compare.as_deref() {
                Some(c) => {
                    let t = ykien::report::Tables::new(&models, &read, &report, Some(c))?;
                    clock.lap("report tables");
                    Some(t)
                }
                None => None,
            };
            // The per-submission files (parallel) and the two reports (one thread) at once.
            let (files, reports) = rayon::join(
                || write_outputs(&out, &read, &report),
                || -> Result<()> {
                    let tables = match &mut tables {
                        Some(t) => t,
                        None => tables.insert(ykien::report::Tables::new(&models, &read, &report, None)?),
                    };
                    write_atomic(&out.join("report.html"), ykien::report::render_html(tables, &report, &models).as_bytes())?;
                    ykien::report::write_xlsx(tables, &report, &out.join("report.xlsx"))?;
                    Ok(())
                },
            );
            files?;
            reports?;
            clock.lap(if compare.is_some() { "submissions.jsonl, .csv, clusters.json, report.html, report.xlsx" } else { "report tables beside submissions.jsonl, .csv, clusters.json, report.html, report.xlsx" });
            print_summary(&read, &report, &out)?;
            // The data directory (review queue, search index) keeps the latest results when
            // it is named (--data-dir, $YKIEN_DATA) or already exists.
            let data = ykien::data_dir::DataDir::resolve(cli.data_dir.as_deref());
            let named = cli.data_dir.is_some() || std::env::var_os("YKIEN_DATA").is_some();
            if named || data.root().exists() {
                let stored = ykien::review::Db::open(&data.review_db()).and_then(|mut db| ykien::review::store_report(&mut db, &read, &report));
                match stored {
                    Ok(n) => outln!("review queue {}: {n} submissions stored (decisions kept)", data.review_db().display()),
                    Err(e) => eprintln!("ykien: warning: review queue not updated: {e}"),
                }
                let stored = ykien::search::Indexer::open(&data, &models.analyzer, &report.profile, threads(cli.threads), 100_000)
                    .and_then(|mut ix| ykien::search::store_analysis(&mut ix, &read, &report).and_then(|_| ix.finish()));
                match stored {
                    Ok(st) => outln!("search index {}: results stored ({} updated, {} added)", data.index_dir().display(), st.updated, st.added),
                    Err(e) => eprintln!("ykien: warning: search index not updated: {e}"),
                }
            }
            // The process ends here: freeing a large run's millions of allocations one by
            // one would only delay the exit (about a second for a million submissions).
            std::mem::forget((read, report, tables));
        }
        Cmd::Index { input, commit_every } => {
            let models = load_models(&models_dir, &input.profile)?;
            let data = ykien::data_dir::DataDir::resolve(cli.data_dir.as_deref());
            let t0 = std::time::Instant::now();
            let read = read_inputs(&models, &input)?;
            let t_read = t0.elapsed().as_secs_f64();
            let mut ix = ykien::search::Indexer::open(&data, &models.analyzer, &input.profile, threads(cli.threads), commit_every)?;
            let pb = progress();
            pb.set_message("indexing");
            ykien::search::index_submissions(&models, &mut ix, &read, &pb)?;
            let st = ix.finish()?;
            pb.finish_and_clear();
            let secs = t0.elapsed().as_secs_f64();
            let idx = ykien::search::SearchIndex::open(&data, &models.analyzer)?;
            let size = dir_size(&data.index_dir());
            outln!(
                "indexed {} submissions: {} added, {} updated, {} unchanged, in {:.1} s (reading {:.1} s; {:.0} submissions/s)",
                read.submissions.len(), st.added, st.updated, st.unchanged, secs, t_read, read.submissions.len() as f64 / secs.max(1e-9)
            );
            outln!("index {}: {} submissions, {:.1} MB on disk", data.index_dir().display(), idx.num_docs(), size as f64 / 1e6);
            report_rejects(&read);
        }
        Cmd::Search { query, topic, department, locality, limit, format } => {
            let q = query.join(" ");
            anyhow::ensure!(
                !q.trim().is_empty() || topic.is_some() || department.is_some() || locality.is_some(),
                "nothing to search for: give words, or --topic, --department or --locality to list"
            );
            let idx = open_search(&models_dir, cli.data_dir.as_deref())?;
            let req = ykien::search::SearchRequest {
                query: &q, topic: topic.as_deref(), department: department.as_deref(), locality: locality.as_deref(),
                limit, facets: true, snippets: true, typing: true,
            };
            let t0 = std::time::Instant::now();
            let res = idx.search(&req)?;
            let ms = t0.elapsed().as_secs_f64() * 1e3;
            print_search(&q, &res, ms, format)?;
        }
        Cmd::BenchSearch { queries, limit, facets, results } => {
            let idx = open_search(&models_dir, cli.data_dir.as_deref())?;
            let text = std::fs::read_to_string(&queries).with_context(|| format!("reading {}", queries.display()))?;
            // Each line is a complete query (a prefix is asked for with `*`).
            let qs: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
            anyhow::ensure!(!qs.is_empty(), "{}: no queries", queries.display());
            let mut lat = Vec::with_capacity(qs.len());
            let mut rows = Vec::with_capacity(qs.len());
            let mut zero = 0;
            // One pass to warm the page cache, as a server would be warm.
            for q in qs.iter().take(50) {
                idx.search(&ykien::search::SearchRequest { query: q, limit, ..Default::default() })?;
            }
            for q in &qs {
                let req = ykien::search::SearchRequest { query: q, limit, facets, snippets: false, ..Default::default() };
                let t0 = std::time::Instant::now();
                let res = idx.search(&req)?;
                lat.push(t0.elapsed().as_secs_f64() * 1e3);
                zero += (res.total == 0) as usize;
                if results.is_some() {
                    rows.push(serde_json::json!({"query": q, "total": res.total, "ids": res.hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>()}));
                }
            }
            if let Some(p) = results {
                write_atomic(&p, &jsonl(&rows)?)?;
            }
            let mut sorted = lat.clone();
            sorted.sort_by(f64::total_cmp);
            let pct = |p: f64| sorted[((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1];
            let mean = lat.iter().sum::<f64>() / lat.len() as f64;
            outln!(
                "{} queries over {} submissions (top {limit}{}): p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, mean {:.2} ms, max {:.2} ms; {} with no hit",
                qs.len(), idx.num_docs(), if facets { ", with facet counts" } else { "" }, pct(0.5), pct(0.9), pct(0.99), mean, sorted[sorted.len() - 1], zero
            );
        }
        Cmd::Route { input, output_format, model: Some(model) } => {
            let analyzer = ykien::text::Analyzer::load(&models_dir)?;
            let read = read_inputs_plain(&input)?;
            let clf = ykien::classify::LinearClassifier::load(&model)?;
            let preds = predict_labels(&analyzer, &clf, &read.submissions);
            let bytes = match output_format {
                OutFormat::Jsonl => jsonl(&read.submissions.iter().zip(&preds).map(|(s, (l, c, r))| serde_json::json!({"id": s.id, "label": l, "confidence": round3(*c), "runner_up": r})).collect::<Vec<_>>())?,
                OutFormat::Csv => csv_for_excel(&["id", "label", "confidence", "runner_up"], read.submissions.iter().zip(&preds).map(|(s, (l, c, r))| vec![s.id.clone(), l.clone(), format!("{c:.3}"), r.clone()]))?,
            };
            std::io::stdout().lock().write_all(&bytes).context("writing to stdout")?;
            report_rejects(&read);
        }
        Cmd::Gen { n, seed, out, format } => {
            let corpus = ykien::pipeline::corpus_dir(&models_dir);
            let base = ykien::input::read_file(&corpus.join("submissions.csv"), &ReadOptions::default())?.submissions;
            let v = ykien::gen::Variations::load(&corpus.join("gen-variations.toml"))?;
            let format = format.or_else(|| Format::from_path(&out)).context("name the format with --format (csv, jsonl, txt, xlsx)")?;
            let t0 = std::time::Instant::now();
            ykien::gen::write(&base, &v, seed, n, format, &out)?;
            outln!("wrote {n} submissions to {} in {:.1} s", out.display(), t0.elapsed().as_secs_f64());
        }
        Cmd::TrainRouter { input, label_column, model, epochs, learning_rate, l2, min_df, unbalanced, algorithm, c, exact_forms } => {
            let analyzer = ykien::text::Analyzer::load(&models_dir)?;
            let read = read_inputs_plain(&input)?;
            let t0 = std::time::Instant::now();
            let mut labels = Vec::with_capacity(read.submissions.len());
            for s in &read.submissions {
                match s.field(&label_column) {
                    Some(l) if !l.trim().is_empty() => labels.push(l.trim().to_string()),
                    _ => anyhow::bail!("record {} has no '{label_column}' label", s.id),
                }
            }
            let exact = match exact_forms {
                OnOffAuto::On => true,
                OnOffAuto::Off => false,
                OnOffAuto::Auto => {
                    use rayon::prelude::*;
                    let accented = read.submissions.par_iter().filter(|s| !analyzer.analyze(&s.text).folded).count();
                    accented as f64 >= 0.9 * read.submissions.len() as f64
                }
            };
            let docs = features_all(&analyzer, &read.submissions, exact);
            let data = ykien::classify::Labelled { docs: &docs, labels: &labels };
            let base = ykien::classify::SoftmaxParams::default();
            let tfidf = ykien::features::TfidfParams { min_df, ..base.tfidf.clone() };
            let clf = match algorithm {
                Algorithm::Softmax => ykien::traits::Fit::fit(&ykien::classify::SoftmaxParams { epochs, learning_rate, l2, balanced: !unbalanced, tfidf, ..base }, &data)?,
                Algorithm::Svm => ykien::traits::Fit::fit(&ykien::classify::LinearSvmParams { c, tfidf, ..Default::default() }, &data)?,
            };
            let mut clf = clf;
            clf.exact_forms = exact;
            clf.save(&model)?;
            outln!(
                "trained on {} records, {} classes, {} terms{} in {:.1} s; wrote {}",
                docs.len(), clf.classes.len(), clf.tfidf.n_terms(), if exact { " (with exact-form syllables)" } else { "" }, t0.elapsed().as_secs_f64(), model.display()
            );
        }
        Cmd::Route { input, output_format, model: None } => {
            let mut models = load_models(&models_dir, &input.profile)?;
            learn_from_reviews(&mut models, cli.data_dir.as_deref())?;
            let read = read_inputs(&models, &input)?;
            let routed = route_all(&models, &read.submissions, &progress());
            let bytes = match output_format {
                OutFormat::Jsonl => jsonl(&read.submissions.iter().zip(&routed).map(|(s, r)| route_row(&s.id, r)).collect::<Vec<_>>())?,
                OutFormat::Csv => csv_for_excel(
                    &["id", "topic", "department", "confidence", "runner_up", "also", "reasons"],
                    read.submissions.iter().zip(&routed).map(|(s, r)| {
                        vec![s.id.clone(), r.topic.to_string(), r.suggestion.department.to_string(), format!("{:.3}", r.suggestion.confidence), r.suggestion.runner_up.to_string(), r.suggestion.also.as_deref().unwrap_or_default().to_string(), r.suggestion.reasons.join(" | ")]
                    }),
                )?,
            };
            std::io::stdout().lock().write_all(&bytes).context("writing to stdout")?;
            report_rejects(&read);
        }
        Cmd::TrainSegmenter { train, dev, epochs, seed, no_folded, out } => {
            let mut sents = Vec::new();
            for t in &train {
                sents.extend(ykien::text::conllu::read_conllu(t)?);
            }
            let dev = dev.map(|d| ykien::text::conllu::read_conllu(&d)).transpose()?;
            let dict = ykien::text::Dictionary::load_dir(&models_dir.join("dict"))?;
            let params = ykien::text::PerceptronParams { epochs, seed, augment_folded: !no_folded };
            let t0 = std::time::Instant::now();
            let (model, best) = params.train(dict, &sents, dev.as_deref(), |e, f1| match f1 {
                Some(f) => eprintln!("epoch {e:>2}: dev F1 {:.2}", f * 100.0),
                None => eprintln!("epoch {e:>2}"),
            })?;
            model.save(&out)?;
            outln!("trained on {} sentences in {:.1} s; kept epoch {best}; wrote {}", sents.len(), t0.elapsed().as_secs_f64(), out.display());
        }
        Cmd::EvalSegmenter { file, segmenter, folded, show_errors, model } => eval_segmenter(&models_dir, &file, segmenter, model.as_deref(), folded, show_errors)?,
        Cmd::Segment { file, format } => segment_lines(&models_dir, file.as_deref(), format)?,
        Cmd::Eval { input, model: Some(model), label_column, .. } => {
            let analyzer = ykien::text::Analyzer::load(&models_dir)?;
            let read = read_inputs_plain(&input)?;
            let clf = ykien::classify::LinearClassifier::load(&model)?;
            let preds = predict_labels(&analyzer, &clf, &read.submissions);
            let mut gold = Vec::new();
            for s in &read.submissions {
                gold.push(s.field(&label_column).map(|l| l.trim().to_string()).with_context(|| format!("record {} has no '{label_column}' label", s.id))?);
            }
            let pred: Vec<String> = preds.into_iter().map(|p| p.0).collect();
            outln!("{} records, model {}:\n{}", gold.len(), model.display(), ClassificationReport::new(&pred, &gold).render());
        }
        Cmd::Eval { input, k, seed, lsa, method, model: None, .. } => {
            let models = load_models(&models_dir, &input.profile)?;
            let read = read_inputs(&models, &input)?;
            eval(&models, &read, k, seed, lsa, method.into())?;
            let data = ykien::data_dir::DataDir::resolve(cli.data_dir.as_deref());
            if data.has_review_db() {
                let decisions = ykien::review::Db::open(&data.review_db())?.decisions()?;
                if !decisions.is_empty() {
                    let g = ykien::review::learn::cross_validate(&models, &decisions, 5)?;
                    outln!(
                        "\nlearning from reviewed decisions ({}): routing accuracy on decisions held out from learning (5 folds, 3 repeats): before {:.3}, after {:.3}",
                        g.n, g.before, g.after
                    );
                }
            }
        }
        Cmd::Serve { addr, secure_cookies, profile } => {
            let data = ykien::data_dir::DataDir::resolve(cli.data_dir.as_deref());
            let db = ykien::review::Db::open(&data.review_db())?;
            let profile = db.meta("profile")?.unwrap_or(profile);
            let models = load_models(&models_dir, &profile)?;
            if !addr.ip().is_loopback() {
                eprintln!("ykien: warning: listening on {addr}, reachable from other machines; serve behind HTTPS and pass --secure-cookies");
            }
            let state = ykien::review::web::AppState::new(data.clone(), &models, secure_cookies)?;
            outln!("review desk on http://{addr}/ (data {}, profile {profile}); Ctrl-C stops", data.root().display());
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(threads(cli.threads).clamp(1, 4)).enable_all().build()?;
            rt.block_on(ykien::review::web::serve(state, addr))?;
        }
        Cmd::User { cmd: UserCmd::Add { name, role } } => {
            use std::io::{BufRead, IsTerminal};
            let data = ykien::data_dir::DataDir::resolve(cli.data_dir.as_deref());
            let db = ykien::review::Db::open(&data.review_db())?;
            if std::io::stdin().is_terminal() {
                eprint!("Mật khẩu cho {name} (ít nhất 8 ký tự): ");
            }
            let mut pw = String::new();
            std::io::stdin().lock().read_line(&mut pw).context("reading the password from standard input")?;
            let pw = pw.trim_end_matches(['\r', '\n']);
            let role = match role {
                RoleArg::Reviewer => ykien::review::Role::Reviewer,
                RoleArg::Analyst => ykien::review::Role::Analyst,
                RoleArg::Admin => ykien::review::Role::Admin,
            };
            anyhow::ensure!(!name.trim().is_empty(), "the name is empty");
            db.add_user(name.trim(), role, &ykien::review::auth::hash_password(pw)?)?;
            outln!("added {} ({}) to {}", name.trim(), role.as_str(), data.review_db().display());
        }
        Cmd::Backup { dest } => {
            let data = ykien::data_dir::DataDir::resolve(cli.data_dir.as_deref());
            anyhow::ensure!(data.has_review_db(), "{}: no review database to back up", data.review_db().display());
            ykien::review::Db::open(&data.review_db())?.backup(&dest)?;
            outln!("backed up {} to {}", data.review_db().display(), dest.display());
        }
        Cmd::Retrain { profile } => {
            let data = ykien::data_dir::DataDir::resolve(cli.data_dir.as_deref());
            anyhow::ensure!(data.has_review_db(), "{}: no review database (run `ykien analyze FILE --data-dir DIR` first)", data.review_db().display());
            let mut db = ykien::review::Db::open(&data.review_db())?;
            let profile = db.meta("profile")?.unwrap_or(profile);
            let mut models = load_models(&models_dir, &profile)?;
            let (n, changed) = ykien::review::learn::retrain(&mut models, &mut db)?;
            outln!("learned from {n} reviewed decisions; {changed} pending suggestions changed");
        }
    }
    Ok(())
}

/// Later suggestions follow the reviewers: when the data directory holds reviewed
/// decisions, routing learns from them too (said on stderr).
fn learn_from_reviews(models: &mut Models, data_dir: Option<&Path>) -> Result<()> {
    let data = ykien::data_dir::DataDir::resolve(data_dir);
    if !data.has_review_db() {
        return Ok(());
    }
    let decisions = ykien::review::Db::open(&data.review_db())?.decisions()?;
    if !decisions.is_empty() {
        let n = ykien::review::learn::learn(models, &decisions)?;
        eprintln!("ykien: routing also learned from {n} reviewed decisions in {}", data.review_db().display());
    }
    Ok(())
}

fn threads(n: Option<usize>) -> usize {
    n.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p).map_or(0, |rd| rd.filter_map(|e| e.ok()?.metadata().ok()).filter(|m| m.is_file()).map(|m| m.len()).sum())
}

/// Opens the search index with display names for its topics and departments.
fn open_search(models_dir: &Path, data_dir: Option<&Path>) -> Result<ykien::search::SearchIndex> {
    let data = ykien::data_dir::DataDir::resolve(data_dir);
    let analyzer = std::sync::Arc::new(ykien::text::Analyzer::load(models_dir)?);
    let mut idx = ykien::search::SearchIndex::open(&data, &analyzer)?;
    idx.set_names("topic", ykien::topics::topic_names(&models_dir.join("topics.toml"))?);
    let profile = if idx.meta().profile.is_empty() { "lang-son-2024".to_string() } else { idx.meta().profile.clone() };
    if let Ok(p) = ykien::routing::Profile::load(models_dir, &profile) {
        idx.set_names("department", p.departments.into_iter().map(|d| (d.code.to_string(), d.name.to_string())));
    }
    Ok(idx)
}

fn print_search(q: &str, res: &ykien::search::SearchResults, ms: f64, format: SearchFormat) -> Result<()> {
    use std::io::IsTerminal;
    let mut out = std::io::stdout().lock();
    if format == SearchFormat::Jsonl {
        for h in &res.hits {
            let mut v = serde_json::to_value(h)?;
            v["type"] = "hit".into();
            serde_json::to_writer(&mut out, &v)?;
            out.write_all(b"\n")?;
        }
        serde_json::to_writer(&mut out, &serde_json::json!({"type": "summary", "query": q, "total": res.total, "facets": res.facets}))?;
        out.write_all(b"\n")?;
        return Ok(());
    }
    let color = std::io::stdout().is_terminal();
    let (open, close) = if color { ("\x1b[1;33m", "\x1b[0m") } else { ("[", "]") };
    writeln!(out, "{} kết quả cho «{q}» ({ms:.1} ms)", res.total)?;
    for (i, h) in res.hits.iter().enumerate() {
        let name = |code: &str, name: &str| if name.is_empty() { code.to_string() } else { name.to_string() };
        writeln!(
            out,
            "\n{}. {} · {} · {} → {} ({:.2}){}",
            i + 1, h.id, if h.locality.is_empty() { "—" } else { &h.locality }, name(&h.topic, &h.topic_name),
            name(&h.department, &h.department_name), h.confidence,
            if h.cluster.is_empty() { String::new() } else { format!(" · cụm: {}", h.cluster) }
        )?;
        let mut line = String::with_capacity(h.snippet.text.len() + 16);
        let mut at = 0;
        for &(s, e) in &h.snippet.highlights {
            line.push_str(&h.snippet.text[at..s]);
            line.push_str(open);
            line.push_str(&h.snippet.text[s..e]);
            line.push_str(close);
            at = e;
        }
        line.push_str(&h.snippet.text[at..]);
        writeln!(out, "   {line}")?;
    }
    for (title, counts) in [("Lĩnh vực", &res.facets.topic), ("Cơ quan", &res.facets.department), ("Địa phương", &res.facets.locality)] {
        if counts.is_empty() {
            continue;
        }
        let shown: Vec<String> = counts.iter().take(12).map(|c| format!("{} {}", if c.name.is_empty() { &c.value } else { &c.name }, c.count)).collect();
        let more = if counts.len() > 12 { format!(" · … (+{})", counts.len() - 12) } else { String::new() };
        writeln!(out, "\n{title}: {}{more}", shown.join(" · "))?;
    }
    Ok(())
}

fn load_models(dir: &Path, profile: &str) -> Result<Models> {
    Models::load(dir, profile).with_context(|| format!("loading models from {}", dir.display()))
}

impl InputArgs {
    fn options(&self) -> ReadOptions {
        ReadOptions { text_column: self.text_column.clone(), sheet: self.sheet.clone(), skip_bad: self.skip_bad, format: self.format }
    }
}

/// The input files, or the bundled corpus when none are named.
fn input_paths(models: &Models, a: &InputArgs) -> Vec<PathBuf> {
    if a.inputs.is_empty() { vec![models.bundled_corpus()] } else { a.inputs.clone() }
}

fn read_inputs(models: &Models, a: &InputArgs) -> Result<ReadOutcome> {
    Ok(read_files(&input_paths(models, a), &a.options())?)
}

fn progress() -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    pb.set_style(ProgressStyle::with_template("{msg:>18} [{bar:30}] {pos}/{len} ({per_sec}, {eta})").expect("valid template").progress_chars("=> "));
    pb
}

fn route_row(id: &str, r: &ykien::pipeline::Routed) -> serde_json::Value {
    serde_json::json!({
        "id": id, "topic": r.topic, "department": r.suggestion.department,
        "confidence": round3(r.suggestion.confidence), "runner_up": r.suggestion.runner_up,
        "also": r.suggestion.also, "reasons": r.suggestion.reasons,
    })
}

fn round3(x: f32) -> f64 {
    (x as f64 * 1000.0).round() / 1000.0
}

fn report_rejects(read: &ReadOutcome) {
    if !read.rejects.is_empty() {
        eprintln!("ykien: {} record(s) could not be read and were skipped:", read.rejects.len());
        for r in &read.rejects {
            eprintln!("  {} {}: {}", r.file.display(), r.location, r.message);
        }
    }
}

/// Writes the per-submission files (submissions.jsonl, .csv), clusters.json and, when
/// records were skipped, rejects.jsonl into `out`.
fn write_outputs(out: &Path, read: &ReadOutcome, report: &Report) -> Result<()> {
    // Streamed into temporary files that are renamed when complete; rows are serialised
    // in parallel chunks and written in order, the three files at once.
    let n = report.records.len();
    let jsonl_file = || write_atomic_with(&out.join("submissions.jsonl"), |w| {
        write_rows_parallel(w, n, |range, buf| {
            // One line of submissions.jsonl, field by field (strings copied whole where they
            // need no escaping; numbers by serde_json): the bytes serde would write for the record.
            let num = |buf: &mut Vec<u8>, x: f32| serde_json::to_writer(&mut *buf, &round3(x));
            let opt = |buf: &mut Vec<u8>, v: Option<&str>| match v {
                Some(v) => json_str(buf, v),
                None => buf.extend_from_slice(b"null"),
            };
            for (r, sub) in report.records[range.clone()].iter().zip(&read.submissions[range]) {
                let s = &r.routed.suggestion;
                buf.extend_from_slice(b"{\"id\":");
                json_str(buf, &sub.id);
                buf.extend_from_slice(b",\"text\":");
                json_str(buf, &sub.text);
                buf.extend_from_slice(b",\"locality\":");
                opt(buf, sub.locality.as_deref());
                buf.extend_from_slice(b",\"cluster\":");
                match r.cluster {
                    Some(c) => serde_json::to_writer(&mut *buf, &c)?,
                    None => buf.extend_from_slice(b"null"),
                }
                buf.extend_from_slice(b",\"topic\":");
                json_str(buf, &r.routed.topic);
                buf.extend_from_slice(b",\"topic_score\":");
                num(buf, r.routed.topic_score)?;
                buf.extend_from_slice(b",\"department\":");
                json_str(buf, &s.department);
                buf.extend_from_slice(b",\"department_name\":");
                json_str(buf, &s.department_name);
                buf.extend_from_slice(b",\"confidence\":");
                num(buf, s.confidence)?;
                buf.extend_from_slice(b",\"runner_up\":");
                json_str(buf, &s.runner_up);
                buf.extend_from_slice(b",\"runner_up_confidence\":");
                num(buf, s.runner_up_confidence)?;
                buf.extend_from_slice(b",\"also\":");
                opt(buf, s.also.as_deref());
                buf.extend_from_slice(b",\"reasons\":[");
                for (i, reason) in s.reasons.iter().enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    json_str(buf, reason);
                }
                buf.extend_from_slice(b"],\"typed_without_diacritics\":");
                buf.extend_from_slice(if r.routed.typed_without_diacritics { b"true" } else { b"false" });
                buf.extend_from_slice(b"}\n");
            }
            Ok(())
        })
    });
    let label_of = |c: Option<usize>| c.and_then(|c| report.clusters.get(c)).map(|c| c.label.as_str()).unwrap_or("");
    let csv_file = || write_atomic_with(&out.join("submissions.csv"), |w| {
        // A BOM for Excel, the header, then the rows: every line written by `csv_row`.
        let mut head = vec![0xEF, 0xBB, 0xBF];
        csv_row(&mut head, ["id", "text", "locality", "cluster", "cluster_label", "topic", "topic_score", "department", "department_name", "confidence", "runner_up", "also", "reasons"]);
        w.write_all(&head)?;
        write_rows_parallel(w, n, |range, buf| {
            use std::fmt::Write as _;
            // Numbers and the joined reasons are formatted into one reused buffer.
            let mut f = String::new();
            for (r, sub) in report.records[range.clone()].iter().zip(&read.submissions[range]) {
                let s = &r.routed.suggestion;
                f.clear();
                if let Some(k) = r.cluster {
                    let _ = write!(f, "{k}");
                }
                let cluster = f.len();
                push_decimal3(&mut f, r.routed.topic_score);
                let topic_score = f.len();
                push_decimal3(&mut f, s.confidence);
                let confidence = f.len();
                for (i, reason) in s.reasons.iter().enumerate() {
                    if i > 0 {
                        f.push_str(" | ");
                    }
                    f.push_str(reason);
                }
                let row: [&str; 13] = [
                    &sub.id, &sub.text, sub.locality.as_deref().unwrap_or(""), &f[..cluster], label_of(r.cluster),
                    &r.routed.topic, &f[cluster..topic_score], &s.department, &s.department_name,
                    &f[topic_score..confidence], &s.runner_up, s.also.as_deref().unwrap_or(""), &f[confidence..],
                ];
                csv_row(buf, row);
            }
            Ok(())
        })
    });
    let clusters_file = || -> Result<()> {
        let clusters = serde_json::to_vec_pretty(report).context("serialising clusters")?;
        Ok(write_atomic(&out.join("clusters.json"), &clusters)?)
    };
    let ((a, b), c) = rayon::join(|| rayon::join(jsonl_file, csv_file), clusters_file);
    a?;
    b?;
    c?;
    let rejects = out.join("rejects.jsonl");
    if read.rejects.is_empty() {
        if rejects.exists() {
            std::fs::remove_file(&rejects).with_context(|| format!("removing stale {}", rejects.display()))?;
        }
    } else {
        write_atomic(&rejects, &jsonl(&read.rejects)?)?;
    }
    Ok(())
}

fn print_summary(read: &ReadOutcome, report: &Report, out: &Path) -> Result<()> {
    let n = report.records.len();
    let folded = report.records.iter().filter(|r| r.routed.typed_without_diacritics).count();
    outln!("{n} ý kiến · {} cụm · hồ sơ {} · {} gõ không dấu · {} không đọc được · {} dòng trống bỏ qua", report.k, report.profile, folded, read.rejects.len(), read.blank);
    if report.unclustered > 0 {
        outln!("{} ý kiến không có từ để phân cụm (vẫn được đề xuất cơ quan)", report.unclustered);
    }
    outln!("\n{:>3} {:>5}  {:<13} {:<44} cơ quan đề xuất nhiều nhất", "#", "số", "chủ đề", "nhãn cụm");
    for c in &report.clusters {
        let mut deps: Vec<(&String, &usize)> = c.departments.iter().collect();
        deps.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = deps.iter().take(2).map(|(d, k)| format!("{d} ({k})")).collect();
        outln!("{:>3} {:>5}  {:<13} {:<44} {}", c.id, c.size, c.topic, truncate(&c.label, 44), top.join(", "));
    }
    let low = report.records.iter().filter(|r| r.routed.suggestion.confidence < 0.5).count();
    outln!("\n{low} đề xuất có độ tin cậy dưới 0,5 cần xem kỹ. Kết quả: {}", out.display());
    report_rejects(read);
    Ok(())
}

fn eval(models: &Models, read: &ReadOutcome, k: Option<usize>, seed: u64, lsa: Option<usize>, method: ykien::pipeline::ClusterMethod) -> Result<()> {
    let subs = &read.submissions;
    let gold_topic: Vec<String> = subs.iter().map(|s| s.field("topic").unwrap_or("").to_string()).collect();
    if gold_topic.iter().any(String::is_empty) {
        anyhow::bail!("every record needs a gold 'topic' column to evaluate");
    }
    let mut topics_gold = gold_topic.clone();
    topics_gold.sort();
    topics_gold.dedup();
    let k = k.unwrap_or(topics_gold.len());
    let settings = Settings { k: Some(k), seed, lsa, method, ..Settings::default() };
    let report = analyze(models, subs, &settings, &progress())?;
    let clusters: Vec<i64> = report.records.iter().map(|r| r.cluster.map(|c| c as i64).unwrap_or(-1)).collect();
    outln!("Clustering: {} submissions, k = {k}, against gold topics (all records)", subs.len());
    outln!("  NMI {:.3}   ARI {:.3}   purity {:.3}\n", nmi(&clusters, &gold_topic), ari(&clusters, &gold_topic), purity(&clusters, &gold_topic));

    let test: Vec<usize> = match subs.iter().any(|s| s.field("split").is_some()) {
        true => (0..subs.len()).filter(|&i| subs[i].field("split") == Some("test")).collect(),
        false => (0..subs.len()).collect(),
    };
    let scope = if test.len() < subs.len() { "test split" } else { "all records (no split column: models may have seen them)" };
    let pred_t: Vec<String> = test.iter().map(|&i| report.records[i].routed.topic.to_string()).collect();
    let gold_t: Vec<String> = test.iter().map(|&i| gold_topic[i].clone()).collect();
    outln!("Topic areas, {scope} ({} records):\n{}", test.len(), ClassificationReport::new(&pred_t, &gold_t).render());

    let profile = &models.router.profile;
    let mut pred_d = Vec::new();
    let mut gold_d = Vec::new();
    for &i in &test {
        let Some(g) = subs[i].field("department") else { continue };
        let mapped = profile.map_code(g, subs[i].field("topic")).unwrap_or(g);
        gold_d.push(mapped.to_string());
        pred_d.push(report.records[i].routed.suggestion.department.to_string());
    }
    if gold_d.is_empty() {
        outln!("Routing: no 'department' column, nothing to compare.");
    } else {
        let also_hit = test.iter().filter(|&&i| {
            let r = &report.records[i].routed.suggestion;
            subs[i].field("department").is_some_and(|g| profile.map_code(g, subs[i].field("topic")) == Some(&*r.department) || r.also.as_deref() == profile.map_code(g, subs[i].field("topic")))
        }).count();
        outln!("Routing with profile {}, {scope} ({} records):\n{}", profile.name, gold_d.len(), ClassificationReport::new(&pred_d, &gold_d).render());
        outln!("gold department is the suggestion or its flagged second body: {:.3}", also_hit as f64 / gold_d.len() as f64);
        let flagged: Vec<usize> = test.iter().copied().filter(|&i| report.records[i].routed.suggestion.also.is_some()).collect();
        let two_gold = test.iter().filter(|&&i| subs[i].field("department2").is_some_and(|d| !d.is_empty())).count();
        let agree = flagged.iter().filter(|&&i| {
            let s = &report.records[i].routed.suggestion;
            let g2 = subs[i].field("department2").unwrap_or("");
            let g1 = subs[i].field("department").unwrap_or("");
            !g2.is_empty() && [g1, g2].iter().all(|g| [Some(&*s.department), s.also.as_deref()].contains(&profile.map_code(g, subs[i].field("topic"))))
        }).count();
        outln!("flagged as concerning two bodies: {} of {} (gold names two bodies for {}; both bodies right in {})", flagged.len(), test.len(), two_gold, agree);
    }
    Ok(())
}

fn load_segmenter(models_dir: &Path, kind: SegmenterKind, model: Option<&Path>) -> Result<Box<dyn ykien::text::Segmenter>> {
    let dict = ykien::text::Dictionary::load_dir(&models_dir.join("dict"))?;
    let default = models_dir.join("segmenter.bin");
    Ok(match kind {
        SegmenterKind::Perceptron => Box::new(ykien::text::Perceptron::load(model.unwrap_or(&default), dict)?),
        SegmenterKind::LongestMatch => Box::new(ykien::text::LongestMatch::from_dictionary(dict)),
    })
}

fn eval_segmenter(models_dir: &Path, file: &Path, kind: SegmenterKind, model: Option<&Path>, folded: bool, show_errors: usize) -> Result<()> {
    use ykien::text::conllu::{read_conllu, SpanScore};
    use ykien::text::perceptron::Prepared;
    let t_load = std::time::Instant::now();
    let seg = load_segmenter(models_dir, kind, model)?;
    let load = t_load.elapsed();
    let gold = read_conllu(file)?;
    let syllables: usize = gold.iter().map(|g| g.syllables.len()).sum();
    for fold in [false, true] {
        if fold && !folded {
            continue;
        }
        let prepared: Vec<Prepared> = gold.iter().map(|g| Prepared::new(g, fold)).collect();
        let mut score = SpanScore::default();
        let mut starts = Vec::new();
        let mut errors: std::collections::HashMap<String, usize> = Default::default();
        for (p, g) in prepared.iter().zip(&gold) {
            p.with(|s| seg.segment(s, &mut starts));
            score.add(&starts, &g.starts);
            if show_errors > 0 {
                let gs = ykien::text::conllu::spans(&g.starts);
                for (a, b) in ykien::text::conllu::spans(&starts) {
                    if !gs.contains(&(a, b)) {
                        *errors.entry(format!("predicted '{}'", g.syllables[a..b].join("_"))).or_default() += 1;
                    }
                }
            }
        }
        let mut errors: Vec<(String, usize)> = errors.into_iter().collect();
        errors.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (e, n) in errors.iter().take(show_errors) {
            outln!("{n:>4}  {e}");
        }
        // Speed: segment every sentence repeatedly for at least a second, one thread.
        let t = std::time::Instant::now();
        let mut rounds = 0usize;
        while rounds == 0 || t.elapsed().as_secs_f64() < 1.0 {
            for p in &prepared {
                p.with(|s| seg.segment(s, &mut starts));
            }
            rounds += 1;
        }
        let rate = (rounds * syllables) as f64 / t.elapsed().as_secs_f64();
        outln!(
            "{}{}: {} sentences, {syllables} syllables, {} gold words\n  precision {:.2}  recall {:.2}  F1 {:.2}\n  {:.0} syllables/s on one thread (segmentation of prepared syllables); model load {:.0} ms",
            file.display(),
            if fold { " (diacritics removed)" } else { "" },
            gold.len(),
            score.gold,
            score.precision() * 100.0,
            score.recall() * 100.0,
            score.f1() * 100.0,
            rate,
            load.as_secs_f64() * 1000.0
        );
    }
    Ok(())
}

fn segment_lines(models_dir: &Path, file: Option<&Path>, format: SegFormat) -> Result<()> {
    let analyzer = ykien::text::Analyzer::load(models_dir)?;
    let text = match file {
        Some(f) => {
            let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
            ykien::input::decode_text(f, &bytes)?
        }
        None => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).context("reading standard input")?;
            s
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in text.lines() {
        let a = analyzer.analyze(line);
        match format {
            SegFormat::Text => {
                let words: Vec<String> = a.words.iter().map(|w| w.surface(line).split_whitespace().collect::<Vec<_>>().join("_")).collect();
                writeln!(out, "{}", words.join(" "))?;
            }
            SegFormat::Jsonl => {
                let words: Vec<serde_json::Value> = a.words.iter().map(|w| serde_json::json!({"word": w.surface(line), "start": w.start, "end": w.end, "kind": w.kind})).collect();
                writeln!(out, "{}", serde_json::json!({"text": line, "words": words}))?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// Reads inputs without loading the routing models (for commands that need only text).
fn read_inputs_plain(a: &InputArgs) -> Result<ReadOutcome> {
    if a.inputs.is_empty() {
        anyhow::bail!("name an input file");
    }
    Ok(read_files(&a.inputs, &a.options())?)
}

fn features_all(analyzer: &ykien::text::Analyzer, subs: &[ykien::input::Submission], exact: bool) -> Vec<Vec<u64>> {
    use rayon::prelude::*;
    subs.par_iter().map(|s| ykien::topics::classifier_features_with(analyzer, &s.text, exact)).collect()
}

/// Predicted label, its probability and the runner-up, per submission, in order.
fn predict_labels(analyzer: &ykien::text::Analyzer, clf: &ykien::classify::LinearClassifier, subs: &[ykien::input::Submission]) -> Vec<(String, f32, String)> {
    use rayon::prelude::*;
    features_all(analyzer, subs, clf.exact_forms)
        .par_iter()
        .map(|k| {
            let p = clf.predict_proba(k);
            let mut order: Vec<usize> = (0..p.len()).collect();
            order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
            let second = order.get(1).copied().unwrap_or(order[0]);
            (clf.classes[order[0]].clone(), p[order[0]], clf.classes[second].clone())
        })
        .collect()
}
