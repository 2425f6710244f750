//! `ykien backup`: a consistent copy of the review database.

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien backup`.
#[derive(clap::Args)]
pub struct Args {
    /// Destination file.
    dest: PathBuf,
}

/// Runs `ykien backup`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let data = cx.data();
    anyhow::ensure!(data.has_review_db(), "{}: no review database to back up", data.review_db().display());
    ykien::review::Db::open(&data.review_db())?.backup(&a.dest)?;
    outln!("backed up {} to {}", data.review_db().display(), a.dest.display());
    Ok(())
}
