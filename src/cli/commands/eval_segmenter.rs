//! `ykien eval-segmenter`: word-span P/R/F1 and speed on a CoNLL-U file.

use std::path::PathBuf;

use anyhow::Result;
use clap::ValueEnum;

use crate::cli::Context;

/// Arguments of `ykien eval-segmenter`.
#[derive(clap::Args)]
pub struct Args {
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
}

/// Which segmenter.
#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum SegmenterKind {
    /// The trained perceptron (models/segmenter.bin).
    Perceptron,
    /// Greedy longest match over models/dict.
    LongestMatch,
}

/// Runs `ykien eval-segmenter`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    use std::io::Write;
    let t_load = std::time::Instant::now();
    let dict = ykien::text::Dictionary::load_dir(&cx.models_dir.join("dict"))?;
    let model = a.model.unwrap_or_else(|| cx.models_dir.join("segmenter.bin"));
    let seg: Box<dyn ykien::text::Segmenter> = match a.segmenter {
        SegmenterKind::Perceptron => Box::new(ykien::text::Perceptron::load(&model, dict)?),
        SegmenterKind::LongestMatch => Box::new(ykien::text::LongestMatch::from_dictionary(dict)),
    };
    let load = t_load.elapsed();
    let gold = ykien::text::conllu::read_conllu(&a.file)?;
    for fold in [false, true] {
        if fold && !a.folded {
            continue;
        }
        let m = ykien::text::conllu::measure(seg.as_ref(), &gold, fold, a.show_errors);
        std::io::stdout().lock().write_all(m.render(&a.file, load).as_bytes())?;
    }
    Ok(())
}
