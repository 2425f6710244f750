//! `ykien train-vectors`: learn word vectors from raw accented text.

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien train-vectors`.
#[derive(clap::Args)]
pub struct Args {
    /// Raw text: tab-separated files whose first field is a label and the rest text (.tsv,
    /// VNTC's layout), CoNLL-U treebanks or plain text a line per text; any gzipped (.gz).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Dimensions of a vector.
    #[arg(long, default_value_t = 128)]
    dim: usize,
    /// Content words on each side counted as near.
    #[arg(long, default_value_t = 5)]
    window: usize,
    /// A word seen fewer times gets no vector.
    #[arg(long, default_value_t = 10)]
    min_count: u64,
    /// At most this many words (the commonest) get a vector.
    #[arg(long, default_value_t = 60_000)]
    max_vocab: usize,
    /// Print the nearest words (among models/dict/vnvocab.txt) of these comma-separated words.
    #[arg(long)]
    show: Option<String>,
    /// Where to write the vectors (models/vectors.bin is what the router reads).
    #[arg(long)]
    out: PathBuf,
}

/// Runs `ykien train-vectors`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let t0 = std::time::Instant::now();
    let all = crate::cli::args::training_texts(&a.files)?;
    let analyzer = ykien::text::Analyzer::load(&cx.models_dir)?;
    let params = ykien::vectors::VectorParams {
        dim: a.dim,
        window: a.window,
        min_count: a.min_count,
        max_vocab: a.max_vocab,
        ..Default::default()
    };
    let v = params.train(&analyzer, &all)?;
    v.save(&a.out)?;
    let size = std::fs::metadata(&a.out).map(|m| m.len()).unwrap_or(0);
    outln!(
        "trained on {} texts in {:.1} s: {} words of {} dimensions; wrote {} ({:.1} MB)",
        all.len(),
        t0.elapsed().as_secs_f64(),
        v.len(),
        v.dim(),
        a.out.display(),
        size as f64 / 1e6
    );
    if let Some(show) = &a.show {
        let words = std::fs::read_to_string(cx.models_dir.join("dict").join("vnvocab.txt"))?;
        let key = |w: &str| analyzer.analyze(w).words.first().map(|x| x.key);
        let known: Vec<(u64, &str)> = words
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| Some((key(l.trim())?, l.trim())))
            .filter(|(k, _)| v.vector(*k).is_some())
            .collect();
        for q in show.split(',').map(str::trim) {
            let Some(qk) = key(q) else { continue };
            let mut near: Vec<(f32, &str)> =
                known.iter().filter(|(k, _)| *k != qk).filter_map(|&(k, w)| Some((v.similarity(qk, k)?, w))).collect();
            near.sort_by(|a, b| b.0.total_cmp(&a.0));
            let list: Vec<String> = near.iter().take(10).map(|(s, w)| format!("{w} {s:.2}")).collect();
            outln!("{q}: {}", list.join(", "));
        }
    }
    Ok(())
}
