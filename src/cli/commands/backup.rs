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
    anyhow::ensure!(data.has_review_db(), ykien::t!("cli.no-db-backup", db = data.review_db().display()));
    ykien::review::Db::open(&data.review_db())?.backup(&a.dest)?;
    outln!("{}", ykien::t!("cli.backed-up", db = data.review_db().display(), dest = a.dest.display()));
    Ok(())
}
