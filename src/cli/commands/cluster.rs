//! `ykien cluster`: an analyst's edits of the stored clusters (rename, merge, split, move),
//! kept in the data directory and carried onto every later `analyze`.

use anyhow::Result;
use clap::Subcommand;
use ykien::pipeline::edits::ClusterEdit;

use crate::cli::args::{cli_actor, load_models, ProfileArg};
use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien cluster`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    cmd: ClusterCmd,
    #[command(flatten)]
    profile: ProfileArg,
}

/// What to do to the clusters (numbers as `analyze` and the desk show them).
#[derive(Subcommand)]
enum ClusterCmd {
    /// List the clusters with their labels and sizes, and the edits made so far.
    List,
    /// Give cluster N a label.
    Rename {
        /// The cluster.
        n: usize,
        /// Its new label.
        label: String,
    },
    /// Merge clusters into the first.
    Merge {
        /// The cluster that stays.
        into: usize,
        /// The clusters that join it.
        #[arg(required = true)]
        from: Vec<usize>,
    },
    /// Split cluster N in K parts by clustering its members again.
    Split {
        /// The cluster.
        n: usize,
        /// Parts.
        #[arg(long, default_value_t = 2)]
        k: usize,
    },
    /// Move a submission to cluster N.
    Move {
        /// The submission's id.
        id: String,
        /// The cluster it joins.
        n: usize,
    },
}

/// Runs `ykien cluster`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let data = cx.data();
    anyhow::ensure!(data.has_review_db(), ykien::t!("cli.no-db", db = data.review_db().display()));
    let mut db = ykien::review::Db::open(&data.review_db())?;
    let stored = db.assignment()?;
    let members = |n: usize| stored.members_of(n as i64);
    let user = cli_actor();
    let edits = match a.cmd {
        ClusterCmd::List => {
            for (c, n, label) in db.clusters()?.into_iter().map(|(c, l, n)| (c, n, l)) {
                outln!("{c:>4} {n:>6}  {label}");
            }
            for (at, who, e) in db.cluster_edits()? {
                outln!("  {} · {who} · {}", ykien::review::auth::vietnam_time_of(&at), e.describe());
            }
            return Ok(());
        }
        ClusterCmd::Rename { n, label } => {
            vec![ClusterEdit::Rename { members: members(n)?, label: label.trim().into() }]
        }
        ClusterCmd::Merge { into, from } => {
            let from = from.into_iter().filter(|&f| f != into).map(members).collect::<ykien::Result<Vec<_>>>()?;
            vec![ClusterEdit::Merge { into: members(into)?, from }]
        }
        ClusterCmd::Split { n, k } => {
            members(n)?;
            let profile = match db.meta("profile")? {
                Some(p) => p,
                None => a.profile.resolve_today(&cx.models_dir)?,
            };
            let models = load_models(cx, &profile)?;
            ykien::review::split_cluster(&models, &db, n, k)?
        }
        ClusterCmd::Move { id, n } => vec![ClusterEdit::Move { id, to: members(n)? }],
    };
    for e in &edits {
        db.edit_clusters(e, &user)?;
        outln!("{}", ykien::t!("edits.done", what = e.describe(), db = data.review_db().display()));
    }
    Ok(())
}
