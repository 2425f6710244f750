//! `ykien user`: review desk accounts, every change audited.

use anyhow::{Context as _, Result};
use clap::{Subcommand, ValueEnum};
use ykien::review::accounts::{check_password, CommonPasswords};

use crate::cli::args::cli_actor;
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
    /// List the accounts.
    List,
    /// Set a new password (read from standard input); the account's sessions end.
    Passwd {
        /// Login name.
        name: String,
    },
    /// Refuse the account's logins and end its sessions.
    Disable {
        /// Login name.
        name: String,
    },
    /// Allow a disabled account to log in again.
    Enable {
        /// Login name.
        name: String,
    },
    /// Remove the account (its decisions stay in the audit).
    Remove {
        /// Login name.
        name: String,
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

/// A new password for `name` from standard input, checked against the policy.
fn read_password(cx: &Context, name: &str) -> Result<String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        eprint!("{}", ykien::t!("cli.password-prompt", name = name, min = ykien::review::accounts::MIN_PASSWORD_CHARS));
    }
    let mut pw = String::new();
    std::io::stdin().lock().read_line(&mut pw).context(ykien::t!("cli.password-read"))?;
    let pw = pw.trim_end_matches(['\r', '\n']).to_string();
    check_password(name, &pw, &CommonPasswords::load(&cx.models_dir)?)?;
    Ok(pw)
}

/// Runs `ykien user`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let data = cx.data();
    let db = ykien::review::Db::open(&data.review_db())?;
    let hash = |pw: &str| ykien::review::auth::hash_password(pw);
    match a.cmd {
        UserCmd::Add { name, role } => {
            let name = name.trim().to_string();
            anyhow::ensure!(!name.is_empty(), ykien::t!("cli.name-empty"));
            let pw = read_password(cx, &name)?;
            let role = ykien::review::Role::from(role);
            db.add_user(&name, role, &hash(&pw)?)?;
            db.audit_account(&cli_actor(), &format!("added ({})", role.as_str()), &name)?;
            outln!(
                "{}",
                ykien::t!("cli.user-added", name = name, role = role.as_str(), db = data.review_db().display())
            );
        }
        UserCmd::List => {
            for u in db.accounts()? {
                let state = if u.disabled { ykien::t!("cli.user-disabled") } else { ykien::t!("cli.user-active") };
                let since = ykien::t!("cli.user-since", when = u.created_at);
                outln!("{:<20} {:<9} {:<10} {since}", u.name, u.role.as_str(), state);
            }
        }
        UserCmd::Passwd { name } => {
            let pw = read_password(cx, &name)?;
            db.set_password(&name, &hash(&pw)?, &cli_actor())?;
            outln!("{}", ykien::t!("cli.user-passwd", name = name));
        }
        UserCmd::Disable { name } => {
            db.set_disabled(&name, true, &cli_actor())?;
            outln!("{}", ykien::t!("cli.user-disable", name = name));
        }
        UserCmd::Enable { name } => {
            db.set_disabled(&name, false, &cli_actor())?;
            outln!("{}", ykien::t!("cli.user-enable", name = name));
        }
        UserCmd::Remove { name } => {
            db.remove_user(&name, &cli_actor())?;
            outln!("{}", ykien::t!("cli.user-remove", name = name));
        }
    }
    Ok(())
}
