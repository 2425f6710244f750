//! The command line's shape: global options, the list of commands, and the dispatch to
//! each command's own file under `commands/`. No pipeline logic and no file formats here.

pub mod args;
pub mod commands;

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};

use commands::*;

/// Writes a line to stdout, returning the error (a closed pipe) instead of panicking.
#[macro_export]
macro_rules! outln {
    ($($t:tt)*) => {
        { use std::io::Write as _; writeln!(std::io::stdout().lock(), $($t)*)? }
    };
}

/// `ykien`: Vietnamese youth submissions to labelled clusters and suggested departments.
#[derive(Parser)]
#[command(name = "ykien", version, about = "Ý kiến thanh niên: gom cụm chủ đề và đề xuất cơ quan trả lời")]
pub struct Cli {
    #[command(flatten)]
    global: args::GlobalArgs,
    #[command(subcommand)]
    cmd: Cmd,
}

/// Every command, each defined and run in its own file.
#[derive(Subcommand)]
enum Cmd {
    /// Cluster submissions, label the clusters, assign topics and suggest departments.
    Analyze(analyze::Args),
    /// Add submissions to the search index (with topic and suggested department); a file
    /// indexed twice adds nothing twice.
    Index(index::Args),
    /// Search the indexed submissions: words (all must match), "phrases", AND, OR, NOT or -word,
    /// word* for a prefix; with or without diacritics.
    Search(search::Args),
    /// Measure query latency: run every query of FILE (one per line) against the index.
    BenchSearch(bench_search::Args),
    /// Start the review desk: a web server over the data directory (loopback unless told).
    Serve(serve::Args),
    /// Manage review desk accounts.
    User(user::Args),
    /// Copy the review database (consistent while the server runs) to DEST.
    Backup(backup::Args),
    /// Learn routing from the reviewed decisions and refresh the pending suggestions.
    Retrain(retrain::Args),
    /// Forward decided submissions to the bodies that answer them, with a due date; one
    /// workbook per body (with columns for the answer) in forward/ of the data directory.
    Forward(forward::Args),
    /// Read the bodies' answers back from the workbooks `forward` wrote, by tracking code.
    Answers(answers::Args),
    /// Per body: forwarded, answered, overdue (with days late) on a date; the overdue list
    /// as qua-han.xlsx for the reminder letter.
    Status(status::Args),
    /// Write hoi-dap.html, the answered questions by topic area to publish (searchable
    /// with or without diacritics, no network needed, printable).
    Notice(notice::Args),
    /// Edit the stored clusters: rename, merge, split, move (kept and carried onto later runs).
    Cluster(cluster::Args),
    /// Suggest a department for each submission, written to stdout in input order.
    Route(route::Args),
    /// Write a synthetic corpus of N submissions varying the bundled ones (for benchmarks).
    Gen(gen::Args),
    /// Learn a routing model from any labelled file (a linear classifier over ykien's features).
    TrainRouter(train_router::Args),
    /// Train the word segmenter on CoNLL-U treebank files.
    TrainSegmenter(train_segmenter::Args),
    /// Word-span precision, recall and F1 of the segmenter on a CoNLL-U file, and its speed.
    EvalSegmenter(eval_segmenter::Args),
    /// Segment text into words (stdin, or FILE), one line in, one line out.
    Segment(segment::Args),
    /// Write text typed without diacritics with them (stdin, or FILE), line for line.
    Restore(restore::Args),
    /// Learn the accent restorer from accented text (treebanks, news, plain text).
    TrainRestorer(train_restorer::Args),
    /// Syllable accuracy and speed of accent restoration on a CoNLL-U file, marks removed.
    EvalRestorer(eval_restorer::Args),
    /// Learn word vectors from raw accented text (the router compares texts with them).
    TrainVectors(train_vectors::Args),
    /// Measure clustering and routing against gold labels (default: the bundled corpus).
    Eval(eval::Args),
}

/// What every command may need from the global options, resolved once.
pub struct Context {
    /// The models directory.
    pub models_dir: PathBuf,
    /// `--data-dir` as given (the data directory resolves it with `$YKIEN_DATA`).
    pub data_dir: Option<PathBuf>,
    /// `--threads` as given.
    pub threads: Option<usize>,
}

impl Context {
    /// The data directory: `--data-dir`, else `$YKIEN_DATA`, else `./ykien-data`.
    pub fn data(&self) -> ykien::data_dir::DataDir {
        ykien::data_dir::DataDir::resolve(self.data_dir.as_deref())
    }
    /// Worker threads: `--threads`, else every core.
    pub fn threads(&self) -> usize {
        self.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

/// An error and its causes, one after another; an I/O error that ykien's own error has
/// already put in words (in the user's language) is not said twice.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut said_by_ykien = false;
    for cause in e.chain() {
        if said_by_ykien && cause.is::<std::io::Error>() {
            break;
        }
        said_by_ykien = cause.is::<ykien::Error>();
        parts.push(cause.to_string());
    }
    parts.join(": ")
}

impl Cli {
    /// Runs the command the arguments name.
    pub fn run(self) -> Result<()> {
        let g = self.global;
        if let Some(lang) = g.lang {
            ykien::i18n::set_lang(lang.into());
        }
        if let Some(n) = g.threads {
            rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global().context(ykien::t!("cli.threads"))?;
        }
        let cx = Context {
            models_dir: ykien::pipeline::Models::locate(g.models.as_deref())?,
            data_dir: g.data_dir,
            threads: g.threads,
        };
        match self.cmd {
            Cmd::Analyze(a) => analyze::exec(&cx, a),
            Cmd::Index(a) => index::exec(&cx, a),
            Cmd::Search(a) => search::exec(&cx, a),
            Cmd::BenchSearch(a) => bench_search::exec(&cx, a),
            Cmd::Serve(a) => serve::exec(&cx, a),
            Cmd::User(a) => user::exec(&cx, a),
            Cmd::Backup(a) => backup::exec(&cx, a),
            Cmd::Retrain(a) => retrain::exec(&cx, a),
            Cmd::Forward(a) => forward::exec(&cx, a),
            Cmd::Answers(a) => answers::exec(&cx, a),
            Cmd::Status(a) => status::exec(&cx, a),
            Cmd::Notice(a) => notice::exec(&cx, a),
            Cmd::Cluster(a) => cluster::exec(&cx, a),
            Cmd::Route(a) => route::exec(&cx, a),
            Cmd::Gen(a) => gen::exec(&cx, a),
            Cmd::TrainRouter(a) => train_router::exec(&cx, a),
            Cmd::TrainSegmenter(a) => train_segmenter::exec(&cx, a),
            Cmd::EvalSegmenter(a) => eval_segmenter::exec(&cx, a),
            Cmd::Segment(a) => segment::exec(&cx, a),
            Cmd::Restore(a) => restore::exec(&cx, a),
            Cmd::TrainRestorer(a) => train_restorer::exec(&cx, a),
            Cmd::EvalRestorer(a) => eval_restorer::exec(&cx, a),
            Cmd::TrainVectors(a) => train_vectors::exec(&cx, a),
            Cmd::Eval(a) => eval::exec(&cx, a),
        }
    }
}
