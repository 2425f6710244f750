//! `ykien gen`: a synthetic corpus for benchmarks.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use ykien::input::{Format, ReadOptions};

use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien gen`.
#[derive(clap::Args)]
pub struct Args {
    /// Number of submissions.
    #[arg(long)]
    n: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file; its extension gives the format (.csv, .jsonl, .txt, .xlsx, .parquet).
    #[arg(long)]
    out: PathBuf,
    /// Output format, when the extension does not tell.
    #[arg(long, value_enum)]
    format: Option<Format>,
}

/// Runs `ykien gen`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let corpus = ykien::pipeline::corpus_dir(&cx.models_dir);
    let base = ykien::input::read_file(&corpus.join("submissions.csv"), &ReadOptions::default())?.submissions;
    let v = ykien::gen::Variations::load(&corpus.join("gen-variations.toml"))?;
    let format = a.format.or_else(|| Format::from_path(&a.out)).context(ykien::t!("cli.gen-format"))?;
    let t0 = std::time::Instant::now();
    ykien::gen::write(&base, &v, a.seed, a.n, format, &a.out)?;
    let secs = format!("{:.1}", t0.elapsed().as_secs_f64());
    outln!("{}", ykien::t!("cli.gen-wrote", n = a.n, file = a.out.display(), secs = secs));
    Ok(())
}
