//! Argument groups shared by several commands, defined once, and the helpers that turn
//! them into the library's types.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ykien::input::{read_files, Format, ReadOptions, ReadOutcome};
use ykien::pipeline::Models;

use super::Context;

/// Options every command takes.
#[derive(clap::Args)]
pub struct GlobalArgs {
    /// Models directory (default: the project's models/, or $YKIEN_MODELS).
    #[arg(long, global = true)]
    pub models: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    /// Data directory holding the search index (default: $YKIEN_DATA, else ./ykien-data).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Language of messages: vi (default) or en; without it, an English locale
    /// (LC_ALL, LC_MESSAGES, LANG) gives English.
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,
}

/// A language of the terminal's messages.
#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    /// Tiếng Việt.
    Vi,
    /// English.
    En,
}

impl From<LangArg> for ykien::i18n::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::Vi => ykien::i18n::Lang::Vi,
            LangArg::En => ykien::i18n::Lang::En,
        }
    }
}

/// Input files and how to read them.
#[derive(clap::Args, Clone)]
pub struct InputArgs {
    /// Input files: .csv/.tsv, .jsonl, .xlsx/.ods, .txt (default: the bundled corpus).
    pub inputs: Vec<PathBuf>,
    /// Column holding the submission text (default: found by its name, such as 'Ý kiến',
    /// 'Nội dung' or 'text', else the column of the longest free text).
    #[arg(long, default_value = "text")]
    pub text_column: String,
    /// Name the columns to read: ROLE=HEADER, roles text, id, locality, submitted_at,
    /// group (e.g. --columns "text=Ý kiến, kiến nghị,locality=Huyện/Thành phố").
    #[arg(long)]
    pub columns: Vec<String>,
    /// Text encoding of the inputs (default: told from the bytes).
    #[arg(long, value_enum)]
    pub encoding: Option<ykien::input::Encoding>,
    /// Sheet of a workbook to read (default: the first).
    #[arg(long, conflicts_with = "all_sheets")]
    pub sheet: Option<String>,
    /// Read every sheet of a workbook (a sheet per district): the sheet's name becomes a
    /// column, and the locality where the sheet has none.
    #[arg(long)]
    pub all_sheets: bool,
    /// Write unreadable records to a rejects file and go on, instead of stopping.
    #[arg(long)]
    pub skip_bad: bool,
    /// Input format, when the file extension does not tell.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    #[command(flatten)]
    pub profile: ProfileArg,
}

/// The routing profile.
#[derive(clap::Args, Clone)]
pub struct ProfileArg {
    /// Routing profile in models/routing/ (default: the one in force on the submissions'
    /// latest date, else today's; for the desk's commands, the one the data directory names).
    #[arg(long)]
    pub profile: Option<String>,
}

impl ProfileArg {
    /// The profile named, else the one in force on `latest` (the submissions' latest date)
    /// or, without dates, today (Vietnam time); says which and why on stderr.
    pub fn resolve(&self, models_dir: &Path, latest: Option<(u32, u32, u32)>) -> Result<String> {
        if let Some(p) = &self.profile {
            return Ok(p.clone());
        }
        let date = latest.unwrap_or_else(ykien::review::forward::today);
        let dmy = ykien::report::dmy;
        let Some((name, from)) = ykien::routing::profile_in_force(models_dir, date)? else {
            anyhow::bail!(ykien::t!("cli.no-profile-in-force", date = dmy(date)));
        };
        let why = match latest {
            Some(_) => ykien::t!("cli.profile-by-dates", name = name, from = dmy(from), date = dmy(date)),
            None => ykien::t!("cli.profile-by-today", name = name, from = dmy(from), date = dmy(date)),
        };
        eprintln!("ykien: {why}");
        Ok(name)
    }

    /// The profile named, else the one in force today; for commands without submissions.
    pub fn resolve_today(&self, models_dir: &Path) -> Result<String> {
        self.resolve(models_dir, None)
    }
}

/// The data directory's review database (which must exist) and the routing profile it
/// names, else `profile`'s (named, or in force today).
pub fn review_db(cx: &crate::cli::Context, profile: &ProfileArg) -> Result<(ykien::review::Db, String)> {
    let data = cx.data();
    anyhow::ensure!(data.has_review_db(), ykien::t!("cli.no-db", db = data.review_db().display()));
    let db = ykien::review::Db::open(&data.review_db())?;
    let name = match db.meta("profile")? {
        Some(p) => p,
        None => profile.resolve_today(&cx.models_dir)?,
    };
    Ok((db, name))
}

/// How to cluster: shared by `analyze` and `eval`.
#[derive(clap::Args, Clone)]
pub struct ClusterArgs {
    /// Number of clusters (analyze: found automatically; eval: the number of gold topics).
    #[arg(long, conflicts_with = "auto_k")]
    pub k: Option<usize>,
    /// eval: find k as analyze does, instead of taking the number of gold topics.
    #[arg(long)]
    pub auto_k: bool,
    /// Random seed for clustering.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Cluster in an LSA space of this many dimensions (e.g. 100).
    #[arg(long)]
    pub lsa: Option<usize>,
    /// Clustering method: dmm (default, chosen on real short Vietnamese text) or kmeans.
    #[arg(long, value_enum, default_value = "dmm")]
    pub method: MethodArg,
}

impl ClusterArgs {
    /// The pipeline's settings, with `k` as given.
    pub fn settings(&self, k: Option<usize>) -> ykien::pipeline::Settings {
        ykien::pipeline::Settings {
            k,
            seed: self.seed,
            lsa: self.lsa,
            method: self.method.into(),
            ..Default::default()
        }
    }
}

/// The clustering algorithm, as the command line names it.
#[derive(Clone, Copy, ValueEnum)]
pub enum MethodArg {
    /// Dirichlet multinomial mixture (GSDMM), made for short texts; k is found by itself.
    Dmm,
    /// Spherical k-means on TF-IDF rows; k by silhouette.
    Kmeans,
}

impl From<MethodArg> for ykien::pipeline::ClusterMethod {
    fn from(m: MethodArg) -> Self {
        match m {
            MethodArg::Kmeans => ykien::pipeline::ClusterMethod::KMeans,
            MethodArg::Dmm => ykien::pipeline::ClusterMethod::Dmm,
        }
    }
}

/// A table written to stdout.
#[derive(Clone, Copy, ValueEnum)]
pub enum OutFormat {
    /// One JSON object per line.
    Jsonl,
    /// CSV with a BOM, for Excel.
    Csv,
}

/// A per-submission file `analyze` writes (`--out-format`).
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutFile {
    /// submissions.jsonl.
    Jsonl,
    /// submissions.csv (with a BOM, for Excel).
    Csv,
    /// submissions.parquet and clusters.parquet.
    Parquet,
}

impl OutFile {
    /// The library's choice of files for the list `files`.
    pub fn formats(files: &[OutFile]) -> ykien::output::Formats {
        ykien::output::Formats {
            jsonl: files.contains(&OutFile::Jsonl),
            csv: files.contains(&OutFile::Csv),
            parquet: files.contains(&OutFile::Parquet),
        }
    }
}

impl InputArgs {
    /// How the reader should read, with the header names of `models_dir`'s columns.toml.
    pub fn options(&self, models_dir: &Path) -> Result<ReadOptions> {
        Ok(ReadOptions {
            text_column: self.text_column.clone(),
            sheet: self.sheet.clone(),
            skip_bad: self.skip_bad,
            format: self.format,
            column_names: std::sync::Arc::new(ykien::input::columns::ColumnNames::load(models_dir)?),
            columns: self.columns.clone(),
            encoding: self.encoding,
            all_sheets: self.all_sheets,
        })
    }
    /// The input files, or the bundled corpus when none are named.
    pub fn paths(&self, models_dir: &Path) -> Vec<PathBuf> {
        if self.inputs.is_empty() {
            vec![ykien::pipeline::corpus_dir(models_dir).join("submissions.csv")]
        } else {
            self.inputs.clone()
        }
    }
    /// Reads the inputs (the bundled corpus when none are named).
    pub fn read(&self, models_dir: &Path) -> Result<ReadOutcome> {
        Ok(read_files(&self.paths(models_dir), &self.options(models_dir)?)?)
    }
    /// The routing profile: `--profile`, else the one in force on the inputs' latest date
    /// (their date column, read once ahead), else today's.
    pub fn profile(&self, models_dir: &Path) -> Result<String> {
        if self.profile.profile.is_some() {
            return self.profile.resolve(models_dir, None);
        }
        let mut latest: Option<(u32, u32, u32)> = None;
        let mut sink = |b: Vec<ykien::input::Submission>| -> ykien::Result<()> {
            for s in &b {
                if let Some(d) = s.submitted_at.as_deref().and_then(ykien::report::parse_date) {
                    latest = latest.max(Some(d));
                }
            }
            Ok(())
        };
        // A file that cannot be read is reported by the run itself, with its reasons.
        let opts = ReadOptions { skip_bad: true, ..self.options(models_dir)? };
        let _ = ykien::input::read_files_batched(&self.paths(models_dir), &opts, ykien::pipeline::BATCH, &mut sink);
        self.profile.resolve(models_dir, latest)
    }

    /// Reads the inputs, which must be named (commands that learn or score labels).
    pub fn read_named(&self, models_dir: &Path) -> Result<ReadOutcome> {
        anyhow::ensure!(!self.inputs.is_empty(), ykien::t!("cli.name-input"));
        Ok(read_files(&self.inputs, &self.options(models_dir)?)?)
    }
}

/// The text of `file` (its encoding told from its bytes), or of standard input.
pub fn read_text_input(file: Option<&Path>) -> Result<String> {
    match file {
        Some(f) => {
            let bytes = std::fs::read(f).with_context(|| ykien::t!("cli.reading", file = f.display()))?;
            Ok(ykien::input::decode_text(f, &bytes)?)
        }
        None => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).context(ykien::t!("cli.stdin"))?;
            Ok(s)
        }
    }
}

/// Who acts from the command line, as audits record it ("cli:" and the login name).
pub fn cli_actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "?".into()))
}

/// Loads the models with `profile`, saying where from on failure.
pub fn load_models(cx: &Context, profile: &str) -> Result<Models> {
    Models::load(&cx.models_dir, profile)
        .with_context(|| ykien::t!("cli.loading-models", dir = cx.models_dir.display()))
}

/// Later suggestions follow the reviewers: when the data directory holds reviewed
/// decisions, routing learns from them too (said on stderr).
pub fn learn_from_reviews(cx: &Context, models: &mut Models) -> Result<()> {
    let data = cx.data();
    if !data.has_review_db() {
        return Ok(());
    }
    let decisions = ykien::review::Db::open(&data.review_db())?.decisions()?;
    if !decisions.is_empty() {
        let n = ykien::review::learn::learn(models, &decisions)?;
        eprintln!("ykien: {}", ykien::t!("cli.learned-from-reviews", n = n, db = data.review_db().display()));
    }
    Ok(())
}

/// A progress bar on stderr.
pub fn progress() -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template("{msg:>18} [{bar:30}] {human_pos}/{human_len} ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb
}

/// Says on stderr which column was read for what in each table, and the title rows passed over.
pub fn report_columns(read: &ReadOutcome) {
    for (file, chosen) in &read.columns {
        eprintln!("ykien: {}: {}", file.display(), chosen.join("; "));
    }
    if read.title_rows > 0 {
        eprintln!("ykien: {}", ykien::t!("cli.title-rows", n = read.title_rows));
    }
}

/// Names on stderr the records that were skipped.
pub fn report_rejects(read: &ReadOutcome) {
    if !read.rejects.is_empty() {
        eprintln!("ykien: {}", ykien::t!("cli.rejects", n = read.rejects.len()));
        for r in &read.rejects {
            eprintln!("  {} {}: {}", r.file.display(), r.location, r.message);
        }
    }
}

/// The texts of training files, file after file: CoNLL-U (a sentence each), tab-separated
/// with a label first (VNTC's layout: the other fields each a text) or plain text (a line
/// each), any of them gzipped.
pub fn training_texts(paths: &[PathBuf]) -> Result<Vec<String>> {
    let mut all = Vec::new();
    for p in paths {
        all.extend(training_texts_of(p)?);
    }
    Ok(all)
}

/// The texts of one training file (see [`training_texts`]).
fn training_texts_of(path: &Path) -> Result<Vec<String>> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    use std::io::{BufRead, BufReader, Read};
    let file = std::fs::File::open(path).with_context(|| ykien::t!("cli.reading", file = path.display()))?;
    let (reader, name): (Box<dyn Read>, &str) = match name.strip_suffix(".gz") {
        Some(inner) => (Box::new(flate2::read::GzDecoder::new(file)), inner),
        None => (Box::new(file), name.as_str()),
    };
    if name.ends_with(".conllu") {
        let mut text = String::new();
        BufReader::new(reader)
            .read_to_string(&mut text)
            .with_context(|| ykien::t!("cli.reading", file = path.display()))?;
        let sents = ykien::text::conllu::parse_conllu(path, &text)?;
        return Ok(sents.into_iter().map(|s| s.syllables.join(" ")).collect());
    }
    let tsv = name.ends_with(".tsv");
    let mut out = Vec::new();
    for (n, line) in BufReader::new(reader).lines().enumerate() {
        let line = line.with_context(|| format!("{}, dòng {}", path.display(), n + 1))?;
        if tsv {
            out.extend(line.split('\t').skip(1).map(str::to_string));
        } else {
            out.push(line);
        }
    }
    Ok(out)
}
