//! `ykien notice`: what concludes the dialogue, to publish: hoi-dap.html.

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::args::{review_db, ProfileArg};
use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien notice`.
#[derive(clap::Args)]
pub struct Args {
    /// Folder for the files (default: notice/ in the data directory).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The page's title.
    #[arg(long, default_value = "Hỏi - đáp: ý kiến, kiến nghị của thanh niên và trả lời của các cơ quan")]
    title: String,
    #[command(flatten)]
    profile: ProfileArg,
}

/// Runs `ykien notice`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let (db, name) = review_db(cx, &a.profile)?;
    let profile = ykien::routing::Profile::load(&cx.models_dir, &name)?;
    let topics = ykien::topics::topic_names(&cx.models_dir.join("topics.toml"))?;
    let topic = |c: &str| topics.iter().find(|(k, _)| k == c).map_or(c.to_string(), |(_, n)| n.clone());
    let body = |c: &str| profile.index(c).map_or(c.to_string(), |i| profile.departments[i].name.to_string());
    let page = ykien::review::notice::qa_page(&db, &a.title, &topic, &body)?;
    let dir = a.out.unwrap_or_else(|| cx.data().root().join("notice"));
    std::fs::create_dir_all(&dir).map_err(|e| ykien::Error::io(&dir, e))?;
    let file = dir.join("hoi-dap.html");
    ykien::output::write_atomic(&file, page.as_bytes())?;
    outln!("{}", ykien::t!("notice.written", file = file.display()));
    Ok(())
}
