//! `ykien answers import FILE...`: read the bodies' filled workbooks back by tracking code.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;

use crate::cli::args::{cli_actor, ProfileArg};
use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien answers`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Read answers from workbooks `ykien forward` wrote, filled in by the bodies.
    Import {
        /// The filled workbooks (.xlsx, .xls, .ods).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        profile: ProfileArg,
    },
}

/// Runs `ykien answers`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let Cmd::Import { files, profile } = a.cmd;
    let data = cx.data();
    anyhow::ensure!(data.has_review_db(), ykien::t!("cli.no-db", db = data.review_db().display()));
    let mut db = ykien::review::Db::open(&data.review_db())?;
    let name = match db.meta("profile")? {
        Some(p) => p,
        None => profile.resolve_today(&cx.models_dir)?,
    };
    let profile = ykien::routing::Profile::load(&cx.models_dir, &name)?;
    let r = ykien::review::answers::import(&mut db, &profile, &files, &cli_actor())?;
    for row in &r.refused {
        eprintln!("ykien: {}", ykien::t!("answers.refused", row = row));
    }
    outln!(
        "{}",
        ykien::t!(
            "answers.imported",
            new = r.new,
            changed = r.changed,
            unchanged = r.unchanged,
            blank = r.blank,
            refused = r.refused.len()
        )
    );
    Ok(())
}
