//! `ykien train-restorer`: learn the accent restorer from accented text.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

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

/// The texts of one file, as the trainer reads them.
fn texts(path: &Path) -> Result<Vec<String>> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let file = std::fs::File::open(path).with_context(|| ykien::t!("cli.reading", file = path.display()))?;
    let (reader, name): (Box<dyn Read>, &str) = match name.strip_suffix(".gz") {
        Some(inner) => (Box::new(flate2::read::GzDecoder::new(file)), inner),
        None => (Box::new(file), name.as_str()),
    };
    if name.ends_with(".conllu") {
        let mut text = String::new();
        BufReader::new(reader)
            .read_to_string(&mut text)
            .with_context(|| ykien::t!("cli.reading", file = path.display()))?;
        let sents = ykien::text::conllu::parse_conllu(path, &text)?;
        return Ok(sents.into_iter().map(|s| s.syllables.join(" ")).collect());
    }
    let tsv = name.ends_with(".tsv");
    let mut out = Vec::new();
    for (n, line) in BufReader::new(reader).lines().enumerate() {
        let line = line.with_context(|| format!("{}, dòng {}", path.display(), n + 1))?;
        if tsv {
            out.extend(line.split('\t').skip(1).map(str::to_string));
        } else {
            out.push(line);
        }
    }
    Ok(out)
}

/// Runs `ykien train-restorer`.
pub fn exec(_cx: &Context, a: Args) -> Result<()> {
    let t0 = std::time::Instant::now();
    let mut all = Vec::new();
    for f in &a.files {
        all.extend(texts(f)?);
    }
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
