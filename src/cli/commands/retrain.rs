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
    anyhow::ensure!(
        data.has_review_db(),
        "{}: no review database (run `ykien analyze FILE --data-dir DIR` first)",
        data.review_db().display()
    );
    let mut db = ykien::review::Db::open(&data.review_db())?;
    let profile = db.meta("profile")?.unwrap_or(a.profile.profile);
    let mut models = load_models(cx, &profile)?;
    let (n, r) = ykien::review::learn::retrain(&mut models, &mut db)?;
    outln!(
        "learned from {n} reviewed decisions; of {} pending suggestions, {} changed department, {} kept it with a confidence moved by more than {:.0} points",
        r.pending,
        r.department_changed,
        r.confidence_moved,
        ykien::review::db::CONFIDENCE_MOVE * 100.0
    );
    Ok(())
}
