//! `ykien route`: topic and department (or a trained model's label) for each submission.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use ykien::output::{csv_for_excel, jsonl, rounded3, write_rows_parallel, SubmissionRow};

use crate::cli::args::{
    learn_from_reviews, load_models, progress, report_columns, report_rejects, InputArgs, OutFormat,
};
use crate::cli::Context;

/// Arguments of `ykien route`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long = "output-format", alias = "to", value_enum, default_value = "jsonl")]
    output_format: OutFormat,
    /// Use a model trained with `train-router` instead of the profile: writes each
    /// record's predicted `label` and `confidence`.
    #[arg(long)]
    model: Option<PathBuf>,
}

/// Runs `ykien route`: rows to stdout in input order.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    match &a.model {
        Some(model) => route_with_model(cx, &a, model),
        None => route_with_profile(cx, &a),
    }
}

/// Each submission as a [`SubmissionRow`] (no cluster), as `analyze` writes them.
fn route_with_profile(cx: &Context, a: &Args) -> Result<()> {
    let profile = a.input.profile(&cx.models_dir)?;
    let mut models = load_models(cx, &profile)?;
    learn_from_reviews(cx, &mut models)?;
    let read = a.input.read(&cx.models_dir)?;
    let routed = ykien::pipeline::route_all(&models, &read.submissions, &progress());
    let records: Vec<ykien::pipeline::RecordResult> =
        routed.into_iter().map(|routed| ykien::pipeline::RecordResult { cluster: None, routed }).collect();
    let row = |i: usize| SubmissionRow::new(&read.submissions[i], &records[i], "");
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let n = records.len();
    match a.output_format {
        OutFormat::Jsonl => write_rows_parallel(&mut out, n, |range, buf| {
            range.for_each(|i| row(i).write_json_line(buf));
            Ok(())
        }),
        OutFormat::Csv => {
            let mut head = vec![0xEF, 0xBB, 0xBF];
            let layout = ykien::output::CsvLayout::of(&read.submissions);
            let names = layout.header();
            ykien::output::csv_row(&mut head, names.iter().map(String::as_str));
            out.write_all(&head)?;
            write_rows_parallel(&mut out, n, |range, buf| {
                let (mut scratch, mut cells) = (String::new(), Vec::new());
                for i in range {
                    let r = row(i);
                    r.write_csv_record(buf, &mut scratch, &layout, &mut cells);
                }
                Ok(())
            })
        }
    }
    .context(ykien::t!("cli.stdout"))?;
    out.flush().context(ykien::t!("cli.stdout"))?;
    report_columns(&read);
    report_rejects(&read);
    Ok(())
}

/// Each record's label from a model trained with `train-router`.
fn route_with_model(cx: &Context, a: &Args, model: &std::path::Path) -> Result<()> {
    let analyzer = ykien::text::Analyzer::load(&cx.models_dir)?;
    let read = a.input.read_named(&cx.models_dir)?;
    let clf = ykien::classify::LinearClassifier::load(model)?;
    let preds = clf.predict_all(&analyzer, &read.submissions);
    let pairs = read.submissions.iter().zip(&preds);
    let bytes = match a.output_format {
        OutFormat::Jsonl => jsonl(
            &pairs
                .map(|(s, p)| {
                    serde_json::json!({"id": s.id, "label": p.label, "confidence": rounded3(p.confidence), "runner_up": p.runner_up})
                })
                .collect::<Vec<_>>(),
        )?,
        OutFormat::Csv => csv_for_excel(
            &["id", "label", "confidence", "runner_up"],
            pairs.map(|(s, p)| vec![s.id.clone(), p.label.clone(), format!("{:.3}", p.confidence), p.runner_up.clone()]),
        )?,
    };
    std::io::stdout().lock().write_all(&bytes).context(ykien::t!("cli.stdout"))?;
    report_columns(&read);
    report_rejects(&read);
    Ok(())
}
