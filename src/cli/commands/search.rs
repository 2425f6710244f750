//! `ykien search`: query the indexed submissions.

use anyhow::Result;
use clap::ValueEnum;

use crate::cli::Context;

/// Arguments of `ykien search`.
#[derive(clap::Args)]
pub struct Args {
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
}

/// How hits are written.
#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum SearchFormat {
    /// Readable hits with highlighted snippets, then counts per topic, department, locality.
    Text,
    /// One JSON object per hit, then one with the total and the counts.
    Jsonl,
}

/// Runs `ykien search`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    use std::io::{IsTerminal, Write};
    let q = a.query.join(" ");
    anyhow::ensure!(
        !q.trim().is_empty() || a.topic.is_some() || a.department.is_some() || a.locality.is_some(),
        ykien::t!("cli.nothing-to-search")
    );
    let idx = ykien::search::SearchIndex::open_named(&cx.models_dir, &cx.data())?;
    let req = ykien::search::SearchRequest {
        query: &q,
        topic: a.topic.as_deref(),
        department: a.department.as_deref(),
        locality: a.locality.as_deref(),
        limit: a.limit,
        facets: true,
        snippets: true,
        typing: true,
    };
    let t0 = std::time::Instant::now();
    let res = idx.search(&req)?;
    let ms = t0.elapsed().as_secs_f64() * 1e3;
    let text = match a.format {
        SearchFormat::Jsonl => ykien::search::render::jsonl(&q, &res)?,
        SearchFormat::Text => ykien::search::render::text(&q, &res, ms, std::io::stdout().is_terminal()),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}
