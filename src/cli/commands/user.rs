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
        /// The body a department account answers for (a department code of the routing
        /// profile the data directory was analysed with).
        #[arg(long, required_if_eq("role", "department"))]
        body: Option<String>,
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
    /// Staff of one body (--body): answers what was forwarded to it, sees nothing else.
    Department,
}

impl From<RoleArg> for ykien::review::Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Reviewer => ykien::review::Role::Reviewer,
            RoleArg::Analyst => ykien::review::Role::Analyst,
            RoleArg::Admin => ykien::review::Role::Admin,
            RoleArg::Department => ykien::review::Role::Department,
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

/// Checks that `body` is a department of the profile the data directory was analysed
/// with (of any profile in models/routing/ before the first analysis).
fn check_body(cx: &Context, db: &ykien::review::Db, body: &str) -> Result<()> {
    let names: Vec<String> = match db.meta("profile")? {
        Some(p) => vec![p],
        None => {
            let dir = cx.models_dir.join("routing");
            let mut v: Vec<String> = std::fs::read_dir(&dir)
                .map_err(|e| ykien::Error::io(&dir, e))?
                .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(String::from))
                .collect();
            v.sort();
            v
        }
    };
    let mut codes = Vec::new();
    for n in &names {
        let p = ykien::routing::Profile::load(&cx.models_dir, n)?;
        if p.index(body).is_some() {
            return Ok(());
        }
        codes.extend(p.departments.iter().map(|d| d.code.to_string()));
    }
    codes.sort();
    codes.dedup();
    anyhow::bail!(ykien::t!("cli.unknown-body", body = body, profiles = names.join(", "), codes = codes.join(", ")))
}

/// Runs `ykien user`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let data = cx.data();
    let db = ykien::review::Db::open(&data.review_db())?;
    let hash = |pw: &str| ykien::review::auth::hash_password(pw);
    match a.cmd {
        UserCmd::Add { name, role, body } => {
            let name = name.trim().to_string();
            anyhow::ensure!(!name.is_empty(), ykien::t!("cli.name-empty"));
            let role = ykien::review::Role::from(role);
            let body = body.map(|b| b.trim().to_string()).unwrap_or_default();
            if !body.is_empty() {
                check_body(cx, &db, &body)?;
            }
            let pw = read_password(cx, &name)?;
            db.add_user_of(&name, role, &body, &hash(&pw)?)?;
            let what = if body.is_empty() { role.as_str().to_string() } else { format!("{}, {body}", role.as_str()) };
            db.audit_account(&cli_actor(), &format!("added ({what})"), &name)?;
            outln!(
                "{}",
                ykien::t!("cli.user-added", name = name, role = role.as_str(), db = data.review_db().display())
            );
        }
        UserCmd::List => {
            for u in db.accounts()? {
                let state = if u.disabled { ykien::t!("cli.user-disabled") } else { ykien::t!("cli.user-active") };
                let since = ykien::t!("cli.user-since", when = ykien::review::auth::vietnam_time_of(&u.created_at));
                let role = if u.body.is_empty() {
                    u.role.as_str().to_string()
                } else {
                    format!("{}:{}", u.role.as_str(), u.body)
                };
                outln!("{:<20} {:<10} {:<10} {since}", u.name, role, state);
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
