//! `ykien status`: per body, what was forwarded, answered and is overdue; the overdue list
//! as a workbook for the reminder letter.

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::args::{review_db, ProfileArg};
use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien status`.
#[derive(clap::Args)]
pub struct Args {
    /// The date to judge lateness on, as offices write it (default: today, Vietnam time).
    #[arg(long)]
    as_of: Option<String>,
    /// Where to write the overdue list, qua-han.xlsx (default: the data directory).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    profile: ProfileArg,
}

/// Runs `ykien status`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let (db, name) = review_db(cx, &a.profile)?;
    let data = cx.data();
    let as_of = match &a.as_of {
        Some(s) => {
            ykien::report::parse_date(s).ok_or_else(|| anyhow::anyhow!(ykien::t!("status.bad-date", date = s)))?
        }
        None => ykien::review::forward::today(),
    };
    let profile = ykien::routing::Profile::load(&cx.models_dir, &name)?;
    let dept = |code: &str| profile.index(code).map_or(code.to_string(), |i| profile.departments[i].name.to_string());
    let (bodies, late) = ykien::review::forward::status(&db, as_of)?;
    outln!("{}", ykien::t!("status.header", date = ykien::report::dmy(as_of)));
    for b in &bodies {
        outln!(
            "  {}",
            ykien::t!(
                "status.body",
                name = dept(&b.department),
                forwarded = b.forwarded,
                answered = b.answered,
                overdue = b.overdue,
                days = b.most_days_late
            )
        );
    }
    if bodies.is_empty() {
        outln!("  {}", ykien::t!("status.nothing"));
    }
    let out = a.out.unwrap_or_else(|| data.root().to_path_buf()).join("qua-han.xlsx");
    ykien::output::write_atomic(&out, &ykien::review::forward::overdue_workbook(&late, &dept, as_of)?)?;
    outln!("{}", ykien::t!("status.written", n = late.len(), file = out.display()));
    Ok(())
}
