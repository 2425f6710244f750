//! `ykien retrain`: learn routing from reviewed decisions, refresh pending suggestions.

use anyhow::Result;

use crate::cli::args::{load_models, ProfileArg};
use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien retrain`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    profile: ProfileArg,
}

/// Runs `ykien retrain`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let data = cx.data();
    anyhow::ensure!(data.has_review_db(), ykien::t!("cli.no-db", db = data.review_db().display()));
    let mut db = ykien::review::Db::open(&data.review_db())?;
    let profile = match db.meta("profile")? {
        Some(p) => p,
        None => a.profile.resolve_today(&cx.models_dir)?,
    };
    let mut models = load_models(cx, &profile)?;
    let (n, r) = ykien::review::learn::retrain(&mut models, &mut db)?;
    outln!(
        "{}",
        ykien::t!(
            "cli.retrained",
            n = n,
            pending = r.pending,
            changed = r.department_changed,
            moved = r.confidence_moved,
            points = format!("{:.0}", ykien::review::db::CONFIDENCE_MOVE * 100.0)
        )
    );
    Ok(())
}
