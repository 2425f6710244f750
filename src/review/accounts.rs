//! Accounts and their protection: the password policy, throttled logins (per account and
//! per address, with a time the lock ends), sessions that expire when idle and at their
//! end and are purged, accounts listed, disabled, enabled, removed, their passwords reset;
//! every change and every lock written to an append-only audit.

use std::collections::HashSet;
use std::path::Path;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::db::{Db, Role};
use crate::error::{Error, Result};

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Failed logins are counted over this many seconds.
pub const FAILURE_WINDOW: i64 = 15 * 60;

/// Failed logins of one account within the window before it is locked.
pub const ACCOUNT_FAILURES: i64 = 5;

/// Failed logins from one address within the window before it is locked.
pub const ADDRESS_FAILURES: i64 = 30;

/// The longest an account is locked for.
pub const MAX_LOCK: i64 = 60 * 60;

/// A session ends after this many seconds without a request.
pub const SESSION_IDLE: i64 = 2 * 60 * 60;

/// The database's table for this module (migration 3).
pub(super) const MIGRATION: &str = r#"
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
CREATE TABLE login_failures (key TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX login_failures_key ON login_failures (key, at);
CREATE TABLE account_audit (
    id INTEGER PRIMARY KEY,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TRIGGER account_audit_no_update BEFORE UPDATE ON account_audit BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END;
CREATE TRIGGER account_audit_no_delete BEFORE DELETE ON account_audit BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END;
"#;

/// Passwords too common to allow (models/common-passwords.txt, with its source).
pub struct CommonPasswords(HashSet<String>);

impl CommonPasswords {
    /// Loads the list from a models directory.
    pub fn load(models: &Path) -> Result<Self> {
        let p = models.join("common-passwords.txt");
        let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
        Ok(CommonPasswords(
            text.lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .map(|l| l.trim().to_lowercase())
                .collect(),
        ))
    }
}

/// Checks a new password for account `name`: at least [`MIN_PASSWORD_CHARS`] characters,
/// not the account's name (any case, with or without diacritics), not a common password.
pub fn check_password(name: &str, password: &str, common: &CommonPasswords) -> Result<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(Error::Account(crate::t!("account.short-password", min = MIN_PASSWORD_CHARS, n = n)));
    }
    let fold = |s: &str| crate::text::fold_lower(s).chars().filter(|c| !c.is_whitespace()).collect::<String>();
    if fold(password) == fold(name) || fold(password).contains(&fold(name)) && !name.trim().is_empty() {
        return Err(Error::Account(crate::t!("account.password-has-name")));
    }
    if common.0.contains(&password.to_lowercase()) {
        return Err(Error::Account(crate::t!("account.common-password")));
    }
    Ok(())
}

/// An account as `ykien user list` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Account {
    /// Login name.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// Refused at login while set.
    pub disabled: bool,
    /// The body a department account answers for ("" for the other roles).
    pub body: String,
    /// When it was created.
    pub created_at: String,
}

/// The keys failed logins are counted under: the account, and the address.
pub fn failure_keys(name: &str, address: &str) -> [String; 2] {
    [format!("user:{}", name.trim().to_lowercase()), format!("addr:{address}")]
}

impl Db {
    /// Writes one line of the account audit: `actor` did `action` to `target`.
    pub fn audit_account(&self, actor: &str, action: &str, target: &str) -> Result<()> {
        self.conn()
            .execute(
                "INSERT INTO account_audit (actor, action, target, at) VALUES (?1, ?2, ?3, ?4)",
                params![actor, action, target, super::auth::iso_time(super::auth::unix_now() as u64)],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// The account audit, oldest first: (actor, action, target, at).
    pub fn account_audit(&self) -> Result<Vec<(String, String, String, String)>> {
        let mut st = self
            .conn()
            .prepare("SELECT actor, action, target, at FROM account_audit ORDER BY id")
            .map_err(|e| self.error(e))?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.error(e))
    }

    /// Until when logins under `keys` are refused (Unix seconds), if they are now.
    pub fn login_locked(&self, keys: &[String; 2], now: i64) -> Result<Option<i64>> {
        let since = now - FAILURE_WINDOW;
        let count = |key: &str| -> Result<(i64, i64)> {
            self.conn()
                .query_row(
                    "SELECT count(*), coalesce(max(at), 0) FROM login_failures WHERE key = ?1 AND at > ?2",
                    params![key, since],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(|e| self.error(e))
        };
        let (n, last) = count(&keys[0])?;
        let mut until = None;
        if n >= ACCOUNT_FAILURES {
            // 30 s after the fifth failure, doubling with each further one, at most an hour.
            let lock = (30i64 << (n - ACCOUNT_FAILURES).min(7)).min(MAX_LOCK);
            until = Some(last + lock).filter(|&u| u > now);
        }
        let (n, last) = count(&keys[1])?;
        if n >= ADDRESS_FAILURES {
            let u = last + FAILURE_WINDOW;
            if u > now {
                until = Some(until.map_or(u, |a: i64| a.max(u)));
            }
        }
        Ok(until)
    }

    /// Counts a failed login under both keys; old failures are dropped. Returns until when
    /// the account or address is now locked, if this failure locked it (audited then).
    pub fn login_failed(&self, keys: &[String; 2], now: i64) -> Result<Option<i64>> {
        let was = self.login_locked(keys, now)?;
        for k in keys {
            self.conn()
                .execute("INSERT INTO login_failures (key, at) VALUES (?1, ?2)", params![k, now])
                .map_err(|e| self.error(e))?;
        }
        self.conn()
            .execute("DELETE FROM login_failures WHERE at <= ?1", [now - FAILURE_WINDOW])
            .map_err(|e| self.error(e))?;
        let until = self.login_locked(keys, now)?;
        if until.is_some() && was.is_none() {
            let when = super::auth::iso_time(until.unwrap_or(now) as u64);
            self.audit_account("(login)", &format!("locked until {when}"), &format!("{} / {}", keys[0], keys[1]))?;
        }
        Ok(until)
    }

    /// Forgets an account's failed logins after it signed in.
    pub fn login_succeeded(&self, keys: &[String; 2]) -> Result<()> {
        self.conn()
            .execute("DELETE FROM login_failures WHERE key = ?1", [&keys[0]])
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Removes sessions past their end or idle too long.
    pub fn purge_sessions(&self, now: i64) -> Result<usize> {
        self.conn()
            .execute(
                "DELETE FROM sessions WHERE expires_at <= ?1 OR (last_seen > 0 AND last_seen <= ?2)",
                params![now, now - SESSION_IDLE],
            )
            .map_err(|e| self.error(e))
    }

    /// Every account, by name.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut st = self
            .conn()
            .prepare("SELECT name, role, disabled, created_at, body FROM users ORDER BY name")
            .map_err(|e| self.error(e))?;
        let rows = st
            .query_map([], |r| {
                let role: String = r.get(1)?;
                Ok(Account {
                    name: r.get(0)?,
                    role: Role::parse(&role).unwrap_or(Role::Analyst),
                    disabled: r.get::<_, i64>(2)? != 0,
                    created_at: r.get(3)?,
                    body: r.get(4)?,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.error(e))
    }

    /// Sets an account's password hash and ends its sessions (audited as `actor`).
    pub fn set_password(&self, name: &str, password_hash: &str, actor: &str) -> Result<()> {
        self.change_account(
            name,
            "UPDATE users SET password = ?2 WHERE name = ?1",
            password_hash,
            actor,
            "password reset",
        )
    }

    /// Disables or enables an account; disabling ends its sessions (audited as `actor`).
    pub fn set_disabled(&self, name: &str, disabled: bool, actor: &str) -> Result<()> {
        let (sql, action) = if disabled {
            ("UPDATE users SET disabled = 1 WHERE name = ?1 AND ?2 = ?2", "disabled")
        } else {
            ("UPDATE users SET disabled = 0 WHERE name = ?1 AND ?2 = ?2", "enabled")
        };
        self.change_account(name, sql, "", actor, action)
    }

    /// Removes an account and its sessions (audited as `actor`; its decisions stay in the audit).
    pub fn remove_user(&self, name: &str, actor: &str) -> Result<()> {
        self.change_account(name, "DELETE FROM users WHERE name = ?1 AND ?2 = ?2", "", actor, "removed")
    }

    fn change_account(&self, name: &str, sql: &str, value: &str, actor: &str, action: &str) -> Result<()> {
        let id: Option<i64> = self
            .conn()
            .query_row("SELECT id FROM users WHERE name = ?1", [name], |r| r.get(0))
            .optional()
            .map_err(|e| self.error(e))?;
        let Some(id) = id else { return Err(Error::NotFound(crate::t!("account.no-account", name = name))) };
        self.conn().execute("DELETE FROM sessions WHERE user_id = ?1", [id]).map_err(|e| self.error(e))?;
        self.conn().execute(sql, params![name, value]).map_err(|e| self.error(e))?;
        self.audit_account(actor, action, name)
    }
}
