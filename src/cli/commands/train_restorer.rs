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
    /// Accented text of the kind the restorer will read (submissions: any input file ykien
    /// reads, its text column found as `analyze` finds it; rows whose `split` column says
    /// anything but `train` are left out, they measure). The unit names of every gazetteer
    /// in models/places are added to it.
    #[arg(long, num_args = 1..)]
    domain: Vec<PathBuf>,
    /// Times each domain text counts: the news outnumber the submissions a thousand to one.
    #[arg(long, default_value_t = 5)]
    domain_weight: usize,
    /// Where to write the model.
    #[arg(long)]
    out: PathBuf,
}

/// Runs `ykien train-restorer`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let t0 = std::time::Instant::now();
    let mut all = crate::cli::args::training_texts(&a.files)?;
    let domain = if a.domain.is_empty() { Vec::new() } else { domain_texts(cx, &a.domain)? };
    for _ in 0..a.domain_weight {
        all.extend(domain.iter().cloned());
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
        "trained on {} texts ({} of the domain, each {} times) in {:.1} s: {} syllables, {}; wrote {} ({:.1} MB)",
        all.len() - domain.len() * a.domain_weight,
        domain.len(),
        a.domain_weight,
        t0.elapsed().as_secs_f64(),
        model.vocabulary_len(),
        model.sizes(),
        a.out.display(),
        size as f64 / 1e6
    );
    Ok(())
}

/// The domain's texts: the training rows of each file, then the gazetteers' unit names.
fn domain_texts(cx: &Context, files: &[PathBuf]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for f in files {
        let read = ykien::input::read_file(f, &ykien::input::ReadOptions::default())?;
        out.extend(read.submissions.into_iter().filter(|s| s.outside_test_split()).map(|s| s.text));
    }
    let places = cx.models_dir.join("places");
    let mut provinces: Vec<String> = std::fs::read_dir(&places)
        .map(|d| d.filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".toml").map(str::to_string)).collect())
        .unwrap_or_default();
    provinces.sort();
    for p in provinces {
        out.extend(ykien::places::Gazetteer::load(&cx.models_dir, &p)?.unit_texts());
    }
    Ok(out)
}
