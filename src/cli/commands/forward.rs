//! `ykien forward`: send decided submissions to the bodies that answer them, with a due
//! date, and write one workbook per body.

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::args::{cli_actor, review_db, ProfileArg};
use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien forward`.
#[derive(clap::Args)]
pub struct Args {
    /// Days each body has to answer (default: the routing profile's, per body).
    #[arg(long)]
    due_days: Option<u32>,
    /// First accept every pending suggestion as it is (one audited decision each).
    #[arg(long)]
    all_suggested: bool,
    /// Folder for the workbooks, replaced whole (default: forward/ in the data directory).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    profile: ProfileArg,
}

/// Runs `ykien forward`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let (mut db, profile) = review_db(cx, &a.profile)?;
    let data = cx.data();
    let profile = ykien::routing::Profile::load(&cx.models_dir, &profile)?;
    let out = a.out.unwrap_or_else(|| data.root().join("forward"));
    let topics = ykien::topics::topic_names(&cx.models_dir.join("topics.toml"))?;
    let topic_name = |code: &str| topics.iter().find(|(c, _)| c == code).map_or(code.to_string(), |(_, n)| n.clone());
    let run = ykien::review::forward::forward(
        &mut db,
        &profile,
        &topic_name,
        a.due_days,
        a.all_suggested,
        &out,
        &cli_actor(),
    )?;
    if a.all_suggested {
        outln!("{}", ykien::t!("forward.accepted", n = run.accepted));
    }
    outln!("{}", ykien::t!("forward.done", n = run.forwarded, dir = out.display()));
    for (code, path, rows) in &run.sheets {
        let name = profile.index(code).map(|i| profile.departments[i].name.to_string()).unwrap_or(code.clone());
        outln!("  {}", ykien::t!("forward.sheet", name = name, n = rows, file = path.display()));
    }
    Ok(())
}
