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
    #[arg(long, default_value = "Hỏi - đáp: ý kiến, kiến nghị của thanh niên và trả lời của các cơ quan")]
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
    let body = |c: &str| profile.index(c).map_or(c.to_string(), |i| profile.departments[i].name.to_string());
    let dir = a.out.unwrap_or_else(|| cx.data().root().join("notice"));
    std::fs::create_dir_all(&dir).map_err(|e| ykien::Error::io(&dir, e))?;

    let rows = db.all_with_answers()?;
    let year = a.year.unwrap_or_else(|| {
        rows.iter()
            .filter_map(|(it, _)| ykien::report::parse_date(&it.submitted_at))
            .map(|d| d.0 as i32)
            .max()
            .unwrap_or(ykien::review::forward::today().0 as i32)
    });
    let (answered, open) = ykien::review::notice::groups(&rows);
    let text = ykien::review::notice::word::NoticeText {
        issuer: &profile.issuer,
        year,
        total: rows.len(),
        topic_name: &topic,
        body_name: &body,
    };
    let docx = dir.join("thong-bao-ket-luan.docx");
    ykien::review::notice::word::write_notice(&docx, &text, &answered, &open)?;
    outln!(
        "{}",
        ykien::t!(
            "notice.docx-written",
            file = docx.display(),
            groups = answered.len(),
            open = open.len(),
            n = rows.iter().filter(|(_, a)| !a.is_empty()).count()
        )
    );

    let page = ykien::review::notice::qa_page(&db, &a.title, &topic, &body)?;
    let file = dir.join("hoi-dap.html");
    ykien::output::write_atomic(&file, page.as_bytes())?;
    outln!("{}", ykien::t!("notice.written", file = file.display()));
    if a.publish {
        let n = db.publish_answers(&cli_actor())?;
        outln!("{}", ykien::t!("notice.published", n = n));
    }
    Ok(())
}
