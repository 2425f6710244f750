//! `ykien restore`: text typed without diacritics written with them, one line in, one line out.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use rayon::prelude::*;

use crate::cli::Context;

/// Arguments of `ykien restore`.
#[derive(clap::Args)]
pub struct Args {
    /// Input file (default: standard input).
    file: Option<PathBuf>,
    /// Restorer model (default: models/restorer.bin).
    #[arg(long)]
    model: Option<PathBuf>,
}

/// Lines restored together (in parallel), then written in order.
const BATCH: usize = 16_384;

/// Runs `ykien restore`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let model = a.model.unwrap_or_else(|| cx.models_dir.join(ykien::text::restore::MODEL_FILE));
    let restorer = ykien::text::Restorer::load_with_teencode(&model, &cx.models_dir)?;
    let text = crate::cli::args::read_text_input(a.file.as_deref())?;
    let lines: Vec<&str> = text.lines().collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for chunk in lines.chunks(BATCH) {
        let done: Vec<String> = chunk
            .par_iter()
            .map_init(ykien::text::restore::Scratch::default, |s, l| restorer.restore(l, s).text)
            .collect();
        for l in done {
            writeln!(out, "{l}")?;
        }
    }
    out.flush()?;
    Ok(())
}
