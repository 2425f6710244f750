//! `ykien retrain`: learn routing from reviewed decisions, refresh pending suggestions.

use anyhow::Result;

use crate::cli::args::{load_models, review_db, ProfileArg};
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
    let (mut db, profile) = review_db(cx, &a.profile)?;
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
