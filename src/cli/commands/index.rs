//! `ykien index`: add submissions, with topic and department, to the search index.

use anyhow::Result;

use crate::cli::args::{load_models, progress, report_columns, report_rejects, InputArgs};
use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien index`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Commit every N submissions (a crash loses at most the batch not yet committed).
    #[arg(long, default_value_t = 100_000)]
    commit_every: usize,
}

/// Runs `ykien index`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let profile = a.input.profile(&cx.models_dir)?;
    let models = load_models(cx, &profile)?;
    let data = cx.data();
    let t0 = std::time::Instant::now();
    let read = a.input.read(&cx.models_dir)?;
    let t_read = t0.elapsed().as_secs_f64();
    let mut ix = ykien::search::Indexer::open(&data, &models.analyzer, &profile, cx.threads(), a.commit_every)?;
    let pb = progress();
    pb.set_message(ykien::t!("progress.index"));
    ykien::search::index_submissions(&models, &mut ix, &read, &pb)?;
    let st = ix.finish()?;
    pb.finish_and_clear();
    let secs = t0.elapsed().as_secs_f64();
    let idx = ykien::search::SearchIndex::open(&data, &models.analyzer)?;
    let n = read.submissions.len();
    outln!(
        "{}",
        ykien::t!(
            "cli.indexed",
            n = n,
            added = st.added,
            updated = st.updated,
            unchanged = st.unchanged,
            secs = format!("{secs:.1}"),
            read = format!("{t_read:.1}"),
            rate = format!("{:.0}", n as f64 / secs.max(1e-9))
        )
    );
    let size = ykien::data_dir::dir_size(&data.index_dir());
    let mb = format!("{:.1}", size as f64 / 1e6);
    outln!("{}", ykien::t!("cli.index-size", dir = data.index_dir().display(), n = idx.num_docs(), mb = mb));
    report_columns(&read);
    report_rejects(&read);
    Ok(())
}
