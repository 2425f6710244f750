//! `ykien eval-restorer`: syllable accuracy and speed of accent restoration on accented
//! sentences (CoNLL-U) or submissions (any input file) with their diacritics removed.

use std::path::PathBuf;

use anyhow::Result;
use rayon::prelude::*;

use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien eval-restorer`.
#[derive(clap::Args)]
pub struct Args {
    /// Gold text, accented: sentences of a treebank (.conllu), or submissions in any file
    /// ykien reads (the texts typed with diacritics; rows whose `split` column says `train`
    /// are left out, the restorer may have learned from them).
    file: PathBuf,
    /// Restorer model (default: models/restorer.bin).
    #[arg(long)]
    model: Option<PathBuf>,
    /// States kept per position of the search.
    #[arg(long, default_value_t = 8)]
    beam: usize,
    /// Candidates tried per syllable.
    #[arg(long, default_value_t = 16)]
    max_candidates: usize,
    /// States further than this below the best (natural log) are dropped.
    #[arg(long, default_value_t = 8.0)]
    threshold: f32,
    /// A candidate rarer than this share of its commonest rival is not tried.
    #[arg(long, default_value_t = 1e-4)]
    min_share: f32,
    /// List the N commonest errors (gold → restored).
    #[arg(long, default_value_t = 0)]
    show_errors: usize,
    /// Write the sentences typed without diacritics, one a line, to this file (for peers).
    #[arg(long)]
    write_folded: Option<PathBuf>,
}

/// Runs `ykien eval-restorer`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let t_load = std::time::Instant::now();
    let model = a.model.unwrap_or_else(|| cx.models_dir.join(ykien::text::restore::MODEL_FILE));
    let mut restorer = ykien::text::Restorer::load_with_teencode(&model, &cx.models_dir)?;
    restorer.search = ykien::text::restore::SearchParams {
        beam: a.beam,
        max_candidates: a.max_candidates,
        threshold: a.threshold,
        min_share: a.min_share,
    };
    let load = t_load.elapsed();
    let gold_lines = gold_texts(&a.file)?;
    if gold_lines.is_empty() {
        anyhow::bail!(ykien::t!("cli.no-accented-gold", file = a.file.display()));
    }
    let folded: Vec<String> =
        gold_lines.iter().map(|l| l.chars().map(ykien::text::normalize::fold_char).collect()).collect();
    if let Some(p) = &a.write_folded {
        ykien::output::write_atomic(p, (folded.join("\n") + "\n").as_bytes())?;
    }
    let syllables: usize = folded.iter().map(|l| l.split_whitespace().count()).sum();
    // Speed: all lines on every core, then on one, each repeated to at least a second.
    let restore_all = || -> Vec<String> {
        folded.par_iter().map_init(ykien::text::restore::Scratch::default, |s, l| restorer.restore(l, s).text).collect()
    };
    let restored = restore_all();
    let (t, mut rounds) = (std::time::Instant::now(), 0u32);
    while rounds == 0 || t.elapsed().as_secs_f64() < 1.0 {
        std::hint::black_box(restore_all());
        rounds += 1;
    }
    let par = t.elapsed().as_secs_f64() / rounds as f64;
    let (t, mut rounds) = (std::time::Instant::now(), 0u32);
    let mut s = ykien::text::restore::Scratch::default();
    while rounds == 0 || t.elapsed().as_secs_f64() < 1.0 {
        for l in &folded {
            std::hint::black_box(restorer.restore(l, &mut s));
        }
        rounds += 1;
    }
    let one = t.elapsed().as_secs_f64() / rounds as f64;
    let (mut right, mut total, mut marked_right, mut marked) = (0usize, 0usize, 0usize, 0usize);
    let mut errors: std::collections::HashMap<(String, String), usize> = Default::default();
    for (g, r) in gold_lines.iter().zip(&restored) {
        for (gs, rs) in g.split_whitespace().zip(r.split_whitespace()) {
            if !gs.chars().any(ykien::text::normalize::is_letter) {
                continue;
            }
            total += 1;
            let ok = gs == rs;
            right += ok as usize;
            if ykien::text::normalize::has_diacritics(gs) {
                marked += 1;
                marked_right += ok as usize;
            }
            if !ok {
                *errors.entry((gs.to_lowercase(), rs.to_lowercase())).or_default() += 1;
            }
        }
    }
    outln!("{}: {} texts, {} syllables (letters) of {} tokens", a.file.display(), gold_lines.len(), total, syllables);
    outln!(
        "syllable accuracy {:.4} ({right} of {total}); syllables with marks {:.4}",
        right as f64 / total.max(1) as f64,
        marked_right as f64 / marked.max(1) as f64
    );
    outln!(
        "speed: {:.0} syllables/s ({:.0} tokens/s) on {} threads, {:.0} syllables/s on one; model loaded in {:.2} s ({})",
        total as f64 / par,
        syllables as f64 / par,
        rayon::current_num_threads(),
        total as f64 / one,
        load.as_secs_f64(),
        restorer.sizes()
    );
    if a.show_errors > 0 {
        let mut e: Vec<_> = errors.into_iter().collect();
        e.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        for ((g, r), n) in e.into_iter().take(a.show_errors) {
            outln!("{n:>5}  {g} → {r}");
        }
    }
    Ok(())
}

/// The gold texts, normalised, one a line: a treebank's sentences, or the accented
/// submissions of a file outside its train split.
fn gold_texts(file: &std::path::Path) -> Result<Vec<String>> {
    let normal = |t: &str| ykien::text::normalize(&t.split_whitespace().collect::<Vec<_>>().join(" ")).text;
    if file.extension().is_some_and(|e| e.eq_ignore_ascii_case("conllu")) {
        let gold = ykien::text::conllu::read_conllu(file)?;
        return Ok(gold.iter().map(|s| normal(&s.syllables.join(" "))).collect());
    }
    let read = ykien::input::read_file(file, &ykien::input::ReadOptions::default())?;
    Ok(read
        .submissions
        .iter()
        .filter(|s| s.outside_train_split() && !ykien::text::Restorer::is_unaccented(&s.text))
        .map(|s| normal(&s.text))
        .collect())
}
