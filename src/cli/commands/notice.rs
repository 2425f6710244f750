//! `ykien notice`: what concludes the dialogue: the draft conclusion notice
//! (thong-bao-ket-luan.docx) and the questions and answers to publish (hoi-dap.html).

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::args::{cli_actor, review_db, ProfileArg};
use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien notice`.
#[derive(clap::Args)]
pub struct Args {
    /// Folder for the files (default: notice/ in the data directory).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The page's title.
    #[arg(long, default_value = ykien::review::notice::DEFAULT_TITLE)]
    title: String,
    /// The dialogue's year (default: the year of the latest submission, else this year).
    #[arg(long)]
    year: Option<i32>,
    /// Record every answer on the page as published (audited), once the page is out.
    #[arg(long)]
    publish: bool,
    #[command(flatten)]
    profile: ProfileArg,
}

/// Runs `ykien notice`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let (mut db, name) = review_db(cx, &a.profile)?;
    let profile = ykien::routing::Profile::load(&cx.models_dir, &name)?;
    let topics = ykien::topics::topic_names(&cx.models_dir.join("topics.toml"))?;
    let topic = |c: &str| topics.iter().find(|(k, _)| k == c).map_or(c.to_string(), |(_, n)| n.clone());
    let dir = a.out.unwrap_or_else(|| cx.data().root().join("notice"));
    let f = ykien::review::notice::write_files(&db, &dir, &profile, &topic, &a.title, a.year)?;
    outln!(
        "{}",
        ykien::t!("notice.docx-written", file = f.docx.display(), groups = f.groups, open = f.open, n = f.answered)
    );
    outln!("{}", ykien::t!("notice.written", file = f.html.display()));
    if a.publish {
        let n = db.publish_answers(&cli_actor())?;
        outln!("{}", ykien::t!("notice.published", n = n));
    }
    Ok(())
}
