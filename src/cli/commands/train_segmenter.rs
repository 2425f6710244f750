//! `ykien train-segmenter`: train the word segmenter on CoNLL-U treebank files.

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien train-segmenter`.
#[derive(clap::Args)]
pub struct Args {
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
}

/// Runs `ykien train-segmenter`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let mut sents = Vec::new();
    for t in &a.train {
        sents.extend(ykien::text::conllu::read_conllu(t)?);
    }
    let dev = a.dev.map(|d| ykien::text::conllu::read_conllu(&d)).transpose()?;
    let dict = ykien::text::Dictionary::load_dir(&cx.models_dir.join("dict"))?;
    let params = ykien::text::PerceptronParams { epochs: a.epochs, seed: a.seed, augment_folded: !a.no_folded };
    let t0 = std::time::Instant::now();
    let (model, best) = params.train(dict, &sents, dev.as_deref(), |e, f1| match f1 {
        Some(f) => eprintln!("epoch {e:>2}: dev F1 {:.2}", f * 100.0),
        None => eprintln!("epoch {e:>2}"),
    })?;
    model.save(&a.out)?;
    let secs = t0.elapsed().as_secs_f64();
    outln!("trained on {} sentences in {secs:.1} s; kept epoch {best}; wrote {}", sents.len(), a.out.display());
    Ok(())
}
