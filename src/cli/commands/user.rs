//! `ykien user`: review desk accounts.

use anyhow::{Context as _, Result};
use clap::{Subcommand, ValueEnum};

use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien user`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    cmd: UserCmd,
}

/// What to do with accounts.
#[derive(Subcommand)]
enum UserCmd {
    /// Add an account; the password is read from standard input (one line).
    Add {
        /// Login name.
        name: String,
        /// What the account may do.
        #[arg(long, value_enum)]
        role: RoleArg,
    },
}

/// An account's role, as the command line names it.
#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    /// Confirms and corrects suggestions.
    Reviewer,
    /// Reads everything, decides nothing.
    Analyst,
    /// Reviewer who administers.
    Admin,
}

impl From<RoleArg> for ykien::review::Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Reviewer => ykien::review::Role::Reviewer,
            RoleArg::Analyst => ykien::review::Role::Analyst,
            RoleArg::Admin => ykien::review::Role::Admin,
        }
    }
}

/// Runs `ykien user`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    use std::io::{BufRead, IsTerminal};
    let UserCmd::Add { name, role } = a.cmd;
    let data = cx.data();
    let db = ykien::review::Db::open(&data.review_db())?;
    if std::io::stdin().is_terminal() {
        eprint!("Mật khẩu cho {name} (ít nhất 8 ký tự): ");
    }
    let mut pw = String::new();
    std::io::stdin().lock().read_line(&mut pw).context("reading the password from standard input")?;
    let pw = pw.trim_end_matches(['\r', '\n']);
    let role = ykien::review::Role::from(role);
    anyhow::ensure!(!name.trim().is_empty(), "the name is empty");
    db.add_user(name.trim(), role, &ykien::review::auth::hash_password(pw)?)?;
    outln!("added {} ({}) to {}", name.trim(), role.as_str(), data.review_db().display());
    Ok(())
}
