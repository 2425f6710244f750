//! `ykien answers import FILE...`: read the bodies' filled workbooks back by tracking code.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;

use crate::cli::args::{cli_actor, review_db, ProfileArg};
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
    let (mut db, name) = review_db(cx, &profile)?;
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
    if r.suggested > 0 {
        outln!(
            "{}",
            ykien::t!("answers.suggestions-left", n = r.suggested, mark = ykien::review::forward::SUGGESTION_MARK)
        );
    }
    Ok(())
}
