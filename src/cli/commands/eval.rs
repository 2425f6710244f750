//! `ykien eval`: clustering, topics and routing against gold labels, or a trained model.

use std::path::PathBuf;

use anyhow::{Context as _, Result};

use crate::cli::args::{load_models, progress, ClusterArgs, InputArgs};
use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien eval`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Evaluate a model trained with `train-router` on this file's labels instead.
    #[arg(long)]
    model: Option<PathBuf>,
    /// The gold label column, with --model.
    #[arg(long, default_value = "label")]
    label_column: String,
    /// Also measure routing by cross-validation holding out one kind of text at a time
    /// (each topic area, typed without diacritics, teen code, long letters), over every
    /// labelled record.
    #[arg(long)]
    by_kind: bool,
    /// Measure instead how earlier, answered twins are found: the input split into two
    /// years at --twins-split, this file (corpus/twins.csv) saying which first-year
    /// submission each text asks again.
    #[arg(long, value_name = "FILE")]
    twins: Option<PathBuf>,
    /// Measure instead how places are recognised, on this labelled file
    /// (corpus/places.csv), with the gazetteer of models/places/lang-son.toml.
    #[arg(long, value_name = "FILE")]
    places: Option<PathBuf>,
    /// The date (YYYY-MM-DD) the first year ends before, with --twins.
    #[arg(long, default_value = "2024-05-01")]
    twins_split: String,
    #[command(flatten)]
    cluster: ClusterArgs,
}

/// Runs `ykien eval`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    if let Some(model) = &a.model {
        return eval_model(cx, &a, model);
    }
    if let Some(file) = &a.twins {
        return eval_twins(cx, &a, file);
    }
    if let Some(file) = &a.places {
        let g = ykien::places::Gazetteer::load(&cx.models_dir, "lang-son")?;
        let (col, txt) = ykien::eval::places::score(&g, file)?;
        outln!("{}", ykien::eval::places::render(&col, &txt));
        return Ok(());
    }
    let profile = a.input.profile(&cx.models_dir)?;
    let models = load_models(cx, &profile)?;
    let read = a.input.read(&cx.models_dir)?;
    let text = ykien::eval::corpus_report(
        &models,
        &read.submissions,
        &a.cluster.settings(a.cluster.k),
        a.cluster.auto_k,
        &progress(),
    )?;
    {
        use std::io::Write;
        std::io::stdout().lock().write_all(text.as_bytes())?;
    }
    if a.by_kind {
        let results = ykien::eval::routing_by_kind(&models, &read.submissions)?;
        outln!("\n{}", ykien::eval::render_by_kind(&results));
    }
    let data = cx.data();
    if data.has_review_db() {
        let decisions = ykien::review::Db::open(&data.review_db())?.decisions()?;
        if !decisions.is_empty() {
            let g = ykien::review::learn::cross_validate(&models, &decisions, 5)?;
            outln!(
                "\nlearning from reviewed decisions ({}): routing accuracy on decisions held out from learning (5 folds, 3 repeats): before {:.3}, after {:.3}",
                g.n,
                g.before,
                g.after
            );
        }
    }
    Ok(())
}

/// Earlier twins found, by kind of labelled text.
fn eval_twins(cx: &Context, a: &Args, file: &std::path::Path) -> Result<()> {
    use ykien::eval::twins;
    let analyzer = ykien::text::Analyzer::load(&cx.models_dir)?;
    let read = a.input.read(&cx.models_dir)?;
    let labelled = twins::read_cases(file)?;
    let (archive, later) = twins::split_years(&read.submissions, &a.twins_split, &labelled);
    outln!(
        "archive: {} submissions dated before {}; {} labelled texts ({} with a twin, {} left out as judgement calls), {} more of the later year without one",
        archive.len(),
        a.twins_split,
        labelled.len(),
        labelled.iter().filter(|c| c.earlier.is_some()).count(),
        labelled.iter().filter(|c| c.unsure).count(),
        later.len()
    );
    let cases: Vec<twins::TwinCase> = labelled.into_iter().chain(later).collect();
    let mut rows =
        vec![("all".to_string(), twins::score(&analyzer, archive.clone(), &cases, &twins::THRESHOLDS, None))];
    for kind in ["rewritten", "written", "corpus", "other"] {
        rows.push((kind.to_string(), twins::score(&analyzer, archive.clone(), &cases, &twins::THRESHOLDS, Some(kind))));
    }
    outln!("{}", twins::render(&rows));
    Ok(())
}

/// A trained model's labels against the file's gold `--label-column`.
fn eval_model(cx: &Context, a: &Args, model: &std::path::Path) -> Result<()> {
    let analyzer = ykien::text::Analyzer::load(&cx.models_dir)?;
    let read = a.input.read_named(&cx.models_dir)?;
    let clf = ykien::classify::LinearClassifier::load(model)?;
    let pred: Vec<String> = clf.predict_all(&analyzer, &read.submissions).into_iter().map(|p| p.label).collect();
    let col = &a.label_column;
    let gold = read
        .submissions
        .iter()
        .map(|s| {
            s.field(col).map(|l| l.trim().to_string()).with_context(|| format!("record {} has no '{col}' label", s.id))
        })
        .collect::<Result<Vec<String>>>()?;
    let table = ykien::eval::ClassificationReport::new(&pred, &gold).render();
    outln!("{} records, model {}:\n{table}", gold.len(), model.display());
    Ok(())
}
