//! `ykien analyze`: cluster, label, topic and route; write the results and the reports.

use std::path::PathBuf;

use anyhow::{Context as _, Result};

use crate::cli::args::{
    learn_from_reviews, load_models, progress, report_columns, report_rejects, ClusterArgs, InputArgs, OutFile,
};
use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien analyze`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Output directory.
    #[arg(long, default_value = "ykien-out")]
    out: PathBuf,
    #[command(flatten)]
    cluster: ClusterArgs,
    /// Compare with an earlier analysis written to this folder (e.g. last year's).
    #[arg(long)]
    compare: Option<PathBuf>,
    /// The report's title (default: "Báo cáo tổng hợp ý kiến, kiến nghị của thanh niên").
    #[arg(long)]
    title: Option<String>,
    /// Count places by the 2024 districts and communes ("2024"), by the 2024 districts
    /// alone ("district"), or by the units of 1 July 2025 ("2025"); default: the profile's.
    #[arg(long, value_name = "2024|district|2025", value_parser = ["2024", "district", "2025"])]
    places_by: Option<String>,
    /// The per-submission files to write, comma-separated: jsonl, csv, parquet
    /// (submissions.parquet and clusters.parquet). clusters.json and the reports always.
    #[arg(long = "out-format", value_enum, value_delimiter = ',', default_value = "jsonl,csv")]
    out_format: Vec<OutFile>,
}

/// Runs `ykien analyze`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let profile = a.input.profile(&cx.models_dir)?;
    let mut models = load_models(cx, &profile)?;
    learn_from_reviews(cx, &mut models)?;
    let mut settings = a.cluster.settings(a.cluster.k);
    settings.places_by = a.places_by.as_deref().and_then(ykien::places::Structure::parse);
    // Analysis runs while the files are read, batch by batch.
    let paths = a.input.paths(&cx.models_dir);
    let batch = ykien::pipeline::BATCH;
    let (read, mut report) = match ykien::pipeline::analyze_files(
        &models,
        &paths,
        &a.input.options(&cx.models_dir)?,
        batch,
        &settings,
        &progress(),
    ) {
        Ok(r) => r,
        Err(ykien::Error::NothingRead(read)) if !read.rejects.is_empty() => {
            // Every record was rejected: the rejects are the run's one output.
            ykien::output::write_rejects_only(&read, &a.out)?;
            let at = a.out.join("rejects.jsonl");
            return Err(anyhow::Error::new(ykien::Error::NothingRead(read)))
                .with_context(|| ykien::t!("cli.all-rejected", file = at.display()));
        }
        Err(e) => return Err(e.into()),
    };
    // Analysts' edits of earlier runs' clusters, carried onto these by member overlap.
    let data = cx.data();
    if data.has_review_db() {
        let edits = ykien::review::Db::open(&data.review_db())?.cluster_edits()?;
        if !edits.is_empty() {
            let list = edits.iter().map(|(_, _, e)| e);
            let failed = ykien::pipeline::edits::carry(&models, &read.submissions, &mut report, list);
            eprintln!("ykien: {}", ykien::t!("edits.carried", n = edits.len() - failed.len()));
            for (i, why) in &failed {
                let (at, who, e) = &edits[*i];
                let when = ykien::review::auth::vietnam_time_of(at);
                eprintln!(
                    "ykien: {}",
                    ykien::t!("edits.not-carried", what = e.describe(), who = who, when = when, why = why)
                );
            }
        }
    }
    // Tracking codes, kept in the data directory's database, go into every output.
    let named = cx.data_dir.is_some() || std::env::var_os("YKIEN_DATA").is_some();
    if named || data.root().exists() {
        let ids: Vec<(&str, &str)> =
            read.submissions.iter().map(|s| (s.id.as_str(), s.submitted_at.as_deref().unwrap_or(""))).collect();
        let mut db = ykien::review::Db::open(&data.review_db())?;
        report.codes = db.tracking_codes(&ids)?;
        // Submissions like ones answered before (the archive): told so, with the answer.
        let archived = db.archived()?;
        if !archived.is_empty() {
            let twins = ykien::review::archive::Twins::new(&models.analyzer, archived);
            let texts: Vec<(&str, &str)> =
                read.submissions.iter().zip(&report.codes).map(|(s, c)| (s.text.as_str(), c.as_str())).collect();
            report.answered_before = twins.find_all(&models.analyzer, &texts);
            let n = report.answered_before.iter().filter(|e| e.is_some()).count();
            outln!("{}", ykien::t!("cli.answered-before", n = n, archived = twins.len()));
        }
    }
    let formats = OutFile::formats(&a.out_format);
    let written =
        ykien::output::write_run(&models, &read, &report, &a.out, a.compare.as_deref(), a.title.as_deref(), formats)?;
    outln!("{}", ykien::report::summary(&read, &report, &a.out));
    if written.cut_cells > 0 {
        outln!("{}", ykien::t!("cli.cut-cells", n = written.cut_cells));
    }
    report_columns(&read);
    report_rejects(&read);
    // The data directory (review queue, search index) keeps the latest results when it is
    // named (--data-dir, $YKIEN_DATA) or already exists.
    if !report.codes.is_empty() {
        let stored = ykien::review::Db::open(&data.review_db())
            .and_then(|mut db| ykien::review::store_report(&mut db, &read, &report));
        match stored {
            Ok(n) => outln!("{}", ykien::t!("cli.queue-stored", db = data.review_db().display(), n = n)),
            Err(e) => eprintln!("ykien: {}", ykien::t!("cli.queue-not-updated", what = e)),
        }
        let stored = ykien::search::Indexer::open(&data, &models.analyzer, &report.profile, cx.threads(), 100_000)
            .and_then(|mut ix| ykien::search::store_analysis(&mut ix, &read, &report).and_then(|_| ix.finish()));
        match stored {
            Ok(st) => outln!(
                "{}",
                ykien::t!("cli.index-stored", dir = data.index_dir().display(), updated = st.updated, added = st.added)
            ),
            Err(e) => eprintln!("ykien: {}", ykien::t!("cli.index-not-updated", what = e)),
        }
    }
    // The process ends here: freeing a large run's millions of allocations one by one
    // would only delay the exit (about a second for a million submissions).
    std::mem::forget((read, report, written));
    Ok(())
}
