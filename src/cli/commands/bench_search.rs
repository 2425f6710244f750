//! `ykien bench-search`: query latency over a file of queries.

use std::path::PathBuf;

use anyhow::{Context as _, Result};

use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien bench-search`.
#[derive(clap::Args)]
pub struct Args {
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
}

/// Runs `ykien bench-search`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let idx = ykien::search::SearchIndex::open_named(&cx.models_dir, &cx.data())?;
    let text =
        std::fs::read_to_string(&a.queries).with_context(|| ykien::t!("cli.reading", file = a.queries.display()))?;
    // Each line is a complete query (a prefix is asked for with `*`).
    let qs: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    anyhow::ensure!(!qs.is_empty(), ykien::t!("cli.no-queries", file = a.queries.display()));
    let bench = ykien::search::bench::run(&idx, &qs, a.limit, a.facets)?;
    if let Some(p) = a.results {
        ykien::output::write_atomic(&p, &ykien::output::jsonl(&bench.rows)?)?;
    }
    outln!("{}", bench.summary(idx.num_docs(), a.limit, a.facets));
    Ok(())
}
