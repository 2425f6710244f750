//! `ykien train-restorer`: learn the accent restorer from accented text.

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien train-restorer`.
#[derive(clap::Args)]
pub struct Args {
    /// Accented text: CoNLL-U treebanks (.conllu), tab-separated files whose first field is a
    /// label and the rest text (.tsv, VNTC's layout), or plain text a line per text; any of
    /// them gzipped (.gz).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// A syllable seen fewer times is not a candidate.
    #[arg(long, default_value_t = 2)]
    min_syllable_count: u32,
    /// A trigram seen fewer times is not stored.
    #[arg(long, default_value_t = 2)]
    min_trigram_count: u32,
    /// A bigram seen fewer times is not stored.
    #[arg(long, default_value_t = 1)]
    min_bigram_count: u32,
    /// Where to write the model.
    #[arg(long)]
    out: PathBuf,
}

/// Runs `ykien train-restorer`.
pub fn exec(_cx: &Context, a: Args) -> Result<()> {
    let t0 = std::time::Instant::now();
    let all = crate::cli::args::training_texts(&a.files)?;
    let params = ykien::text::RestorerParams {
        min_syllable_count: a.min_syllable_count,
        min_trigram_count: a.min_trigram_count,
        min_bigram_count: a.min_bigram_count,
    };
    let model = params.train(&all)?;
    model.save(&a.out)?;
    let size = std::fs::metadata(&a.out).map(|m| m.len()).unwrap_or(0);
    outln!(
        "trained on {} texts in {:.1} s: {} syllables, {}; wrote {} ({:.1} MB)",
        all.len(),
        t0.elapsed().as_secs_f64(),
        model.vocabulary_len(),
        model.sizes(),
        a.out.display(),
        size as f64 / 1e6
    );
    Ok(())
}
