//! `ykien segment`: words of each line, one line in, one line out.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::ValueEnum;

use crate::cli::Context;

/// Arguments of `ykien segment`.
#[derive(clap::Args)]
pub struct Args {
    /// Input file (default: standard input).
    file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: SegFormat,
}

/// How words are written.
#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum SegFormat {
    /// Words joined by '_' inside, spaces between (the pyvi convention).
    Text,
    /// One JSON object per line with each word's byte span in the original line.
    Jsonl,
}

/// Runs `ykien segment`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let analyzer = ykien::text::Analyzer::load(&cx.models_dir)?;
    let text = crate::cli::args::read_text_input(a.file.as_deref())?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in text.lines() {
        let a2 = analyzer.analyze(line);
        let rendered = match a.format {
            SegFormat::Text => ykien::text::segmented_line(&a2, line),
            SegFormat::Jsonl => ykien::text::segmented_json(&a2, line),
        };
        writeln!(out, "{rendered}")?;
    }
    out.flush()?;
    Ok(())
}
