//! The review database: an embedded SQLite file in the data directory (WAL mode,
//! migrations by `PRAGMA user_version`), holding users, sessions, the submissions under
//! review with their suggestions, the decisions, and an append-only audit table.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};

/// Schema migrations, applied in order; the database records how many it has seen.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('reviewer', 'analyst', 'admin')),
    password TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE submissions (
    id TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    folded TEXT NOT NULL,
    locality TEXT NOT NULL DEFAULT '',
    submitted_at TEXT NOT NULL DEFAULT '',
    topic TEXT NOT NULL,
    cluster INTEGER,
    cluster_label TEXT NOT NULL DEFAULT '',
    suggested TEXT NOT NULL,
    confidence REAL NOT NULL,
    runner_up TEXT NOT NULL DEFAULT '',
    runner_up_confidence REAL NOT NULL DEFAULT 0,
    also TEXT NOT NULL DEFAULT '',
    reasons TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'decided')),
    department TEXT NOT NULL DEFAULT '',
    second_department TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX submissions_queue ON submissions (status, confidence);
CREATE INDEX submissions_cluster ON submissions (cluster);
CREATE INDEX submissions_department ON submissions (department);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL,
    action TEXT NOT NULL,
    department TEXT NOT NULL DEFAULT '',
    second_department TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    user_name TEXT NOT NULL,
    at TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"#,
    r#"
CREATE INDEX submissions_suggested ON submissions (status, suggested, confidence);
CREATE INDEX submissions_topic ON submissions (topic);
CREATE INDEX submissions_locality ON submissions (locality);
"#,
    super::accounts::MIGRATION,
    // Every other column of the input, as a JSON list of [header, value] pairs.
    "ALTER TABLE submissions ADD COLUMN columns TEXT NOT NULL DEFAULT '[]';",
    // Analysts' edits of the clusters, in order, carried onto every later run; append-only.
    r#"
CREATE TABLE cluster_edits (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    edit TEXT NOT NULL
);
CREATE TRIGGER cluster_edits_append_only_u BEFORE UPDATE ON cluster_edits BEGIN SELECT RAISE(ABORT, 'cluster edits are append-only'); END;
CREATE TRIGGER cluster_edits_append_only_d BEFORE DELETE ON cluster_edits BEGIN SELECT RAISE(ABORT, 'cluster edits are append-only'); END;
"#,
    // Tracking codes (YK-2024-000123), given once per submission id and kept for good;
    // forwarding of decided submissions to the bodies that answer them, with a due date.
    r#"
CREATE TABLE tracking (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL
);
CREATE TRIGGER tracking_no_update BEFORE UPDATE ON tracking BEGIN SELECT RAISE(ABORT, 'tracking codes are kept for good'); END;
CREATE TRIGGER tracking_no_delete BEFORE DELETE ON tracking BEGIN SELECT RAISE(ABORT, 'tracking codes are kept for good'); END;
ALTER TABLE submissions ADD COLUMN code TEXT NOT NULL DEFAULT '';
CREATE TABLE forwards (
    submission_id TEXT NOT NULL,
    department TEXT NOT NULL,
    forwarded_at TEXT NOT NULL,
    due TEXT NOT NULL,
    forwarded_by TEXT NOT NULL,
    PRIMARY KEY (submission_id, department)
);
CREATE INDEX forwards_department ON forwards (department, due);
"#,
    // Answers from the bodies, every version kept (the latest per submission and body is
    // the answer); append-only.
    r#"
CREATE TABLE answers (
    seq INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL,
    department TEXT NOT NULL,
    answer TEXT NOT NULL,
    officer TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    at TEXT NOT NULL,
    user_name TEXT NOT NULL
);
CREATE INDEX answers_of ON answers (submission_id, department, seq);
CREATE TRIGGER answers_append_only_u BEFORE UPDATE ON answers BEGIN SELECT RAISE(ABORT, 'answers are append-only'); END;
CREATE TRIGGER answers_append_only_d BEFORE DELETE ON answers BEGIN SELECT RAISE(ABORT, 'answers are append-only'); END;
"#,
    // Department accounts, each bound to one body (the users table is rebuilt to allow the
    // role; sessions end); answers a department saves before submitting them; which answer
    // versions were published.
    r#"
DELETE FROM sessions;
CREATE TABLE users_new (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('reviewer', 'analyst', 'admin', 'department')),
    password TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL DEFAULT '',
    CHECK ((role = 'department') = (body != ''))
);
INSERT INTO users_new (id, name, role, password, created_at, disabled)
    SELECT id, name, role, password, created_at, disabled FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE TABLE answer_drafts (
    submission_id TEXT NOT NULL,
    department TEXT NOT NULL,
    answer TEXT NOT NULL,
    officer TEXT NOT NULL DEFAULT '',
    user_name TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (submission_id, department)
);
CREATE TABLE published (
    answer_seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_name TEXT NOT NULL
);
"#,
    super::archive::MIGRATION,
    // A submission's history (its page, the lifecycle's "received" once) found by index.
    "CREATE INDEX audit_submission ON audit (submission_id, action);",
    // The place recognised from the locality or the text, as the tables name it.
    "ALTER TABLE submissions ADD COLUMN place TEXT NOT NULL DEFAULT ''; CREATE INDEX submissions_place ON submissions (place);",
];

/// The schema version a database has once every migration ran.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

/// The file name of the database inside the data directory.
pub const DB_FILE: &str = "review.db";

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Role {
    /// Decides where submissions go.
    Reviewer,
    /// Reads everything, decides nothing.
    Analyst,
    /// A reviewer who may also administer.
    Admin,
    /// Staff of one body: answer what was forwarded to it, see nothing else.
    Department,
}

impl Role {
    /// Parses "reviewer", "analyst", "admin" or "department".
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "reviewer" => Some(Role::Reviewer),
            "analyst" => Some(Role::Analyst),
            "admin" => Some(Role::Admin),
            "department" => Some(Role::Department),
            _ => None,
        }
    }
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reviewer => "reviewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
            Role::Department => "department",
        }
    }
    /// True when the role may decide and retrain.
    pub fn can_decide(self) -> bool {
        matches!(self, Role::Reviewer | Role::Admin)
    }
    /// True for roles that may edit the clusters (rename, merge, split, move).
    pub fn can_edit_clusters(self) -> bool {
        matches!(self, Role::Analyst | Role::Admin)
    }
}

/// The user of a live session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionUser {
    /// Login name.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The session's CSRF token.
    pub csrf: String,
    /// The body a department account answers for ("" for the other roles).
    pub body: String,
}

/// A submission under review.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Item {
    /// Submission id.
    pub id: String,
    /// Tracking code ("YK-2024-000123"), given once and kept.
    pub code: String,
    /// Original text.
    pub text: String,
    /// Locality.
    pub locality: String,
    /// Date submitted.
    pub submitted_at: String,
    /// Topic code.
    pub topic: String,
    /// Cluster number, if clustered.
    pub cluster: Option<i64>,
    /// Cluster label.
    pub cluster_label: String,
    /// Suggested department code.
    pub suggested: String,
    /// Confidence of the suggestion.
    pub confidence: f64,
    /// Runner-up department code.
    pub runner_up: String,
    /// Its confidence.
    pub runner_up_confidence: f64,
    /// A second body the submission also concerns, if flagged.
    pub also: String,
    /// Reasons for the suggestion.
    pub reasons: Vec<String>,
    /// Every other column of the input: (header, value), in input order.
    pub columns: Vec<(String, String)>,
    /// Awaiting review, or decided.
    pub status: Status,
    /// Decided department.
    pub department: String,
    /// Second department of a split decision.
    pub second_department: String,
    /// Reviewer's note.
    pub note: String,
    /// Who decided.
    pub decided_by: String,
    /// When.
    pub decided_at: String,
    /// Bumped by every change; a decision names the version it was made on.
    pub version: i64,
    /// The earlier answer to a submission like it, found by the last analysis.
    pub answered_before: Option<super::archive::EarlierAnswer>,
    /// Its place as the tables name it, when recognised.
    pub place: String,
}

impl Item {
    /// The body that answers with `department` when the submission was split between two
    /// (the other of the pair), else `None`.
    pub fn other_body(&self, department: &str) -> Option<&str> {
        match (self.second_department.is_empty(), self.department == department) {
            (true, _) => None,
            (false, true) => Some(&self.second_department),
            (false, false) => Some(&self.department),
        }
    }

    /// The values of the input's own `columns`, in that order ("" where it has none).
    pub fn column_values<'a>(&'a self, columns: &'a [String]) -> impl Iterator<Item = String> + 'a {
        columns.iter().map(|c| self.columns.iter().find(|(h, _)| h == c).map(|(_, v)| v.clone()).unwrap_or_default())
    }
}

/// What to load for one submission: its text and the pipeline's results.
#[derive(Debug, Clone, Default)]
pub struct NewItem<'a> {
    /// Submission id.
    pub id: &'a str,
    /// Original text.
    pub text: &'a str,
    /// Locality.
    pub locality: &'a str,
    /// Date submitted.
    pub submitted_at: &'a str,
    /// Topic code.
    pub topic: &'a str,
    /// Cluster number.
    pub cluster: Option<i64>,
    /// Cluster label.
    pub cluster_label: &'a str,
    /// Suggested department.
    pub suggested: &'a str,
    /// Confidence.
    pub confidence: f64,
    /// Runner-up.
    pub runner_up: &'a str,
    /// Runner-up confidence.
    pub runner_up_confidence: f64,
    /// Second body flagged.
    pub also: &'a str,
    /// Reasons.
    pub reasons: &'a [std::sync::Arc<str>],
    /// Every other column of the input, in input order.
    pub columns: Option<&'a crate::input::Extra>,
    /// The earlier answer to a submission like it, if one was found.
    pub answered_before: Option<&'a super::archive::EarlierAnswer>,
    /// Its place as the tables name it ("huyện Hữu Lũng"), when recognised.
    pub place: &'a str,
}

/// A decision on one submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The suggestion is right.
    Accept,
    /// Another department answers.
    Reassign(String),
    /// Two departments answer together.
    Split(String, String),
    /// Only a note; the status does not change.
    Note,
}

/// The outcome of a decision.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Recorded.
    Done,
    /// Someone changed the submission since the version the decision was made on: here it is now.
    Conflict(Box<Item>),
}

/// Filters of the review queue.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Suggested department.
    pub department: Option<String>,
    /// Topic code.
    pub topic: Option<String>,
    /// Cluster number.
    pub cluster: Option<i64>,
    /// Locality.
    pub locality: Option<String>,
    /// Place, as the tables name it.
    pub place: Option<String>,
    /// Only suggestions at most this confident.
    pub max_confidence: Option<f64>,
    /// Only suggestions at least this confident.
    pub min_confidence: Option<f64>,
    /// Only these ids (from a search).
    pub ids: Option<Vec<String>>,
    /// Folded words that must all appear (when there is no search index).
    pub words: Vec<String>,
    /// Which submissions by status (default: pending).
    pub status: StatusFilter,
    /// Page size.
    pub limit: usize,
    /// Rows skipped.
    pub offset: usize,
}

/// Where a submission stands in review (the `status` column).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Awaiting a reviewer's decision.
    #[default]
    Pending,
    /// Decided by a reviewer.
    Decided,
}

impl Status {
    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Decided => "decided",
        }
    }
    /// The stored value read back (the table's CHECK allows only the two).
    fn from_db(s: &str) -> Self {
        if s == "decided" {
            Status::Decided
        } else {
            Status::Pending
        }
    }
}

/// Which submissions the queue lists by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StatusFilter {
    /// Awaiting review (the default).
    #[default]
    Pending,
    /// Decided.
    Decided,
    /// Both.
    All,
}

impl StatusFilter {
    /// The filter a query string names ("pending", "decided", "all"; anything else: pending).
    pub fn parse(s: &str) -> Self {
        match s {
            "decided" => StatusFilter::Decided,
            "all" => StatusFilter::All,
            _ => StatusFilter::Pending,
        }
    }
    /// Its name in a query string.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::Pending => "pending",
            StatusFilter::Decided => "decided",
            StatusFilter::All => "all",
        }
    }
}

/// Reviewed and remaining submissions of one department.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Department code.
    pub department: String,
    /// Decided for this department (alone or split).
    pub reviewed: i64,
    /// Pending with this department suggested.
    pub remaining: i64,
}

/// One row of a submission's audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// accept, reassign, split or note.
    pub action: String,
    /// Department decided (or kept).
    pub department: String,
    /// Second department of a split.
    pub second_department: String,
    /// Note written with it.
    pub note: String,
    /// Who.
    pub user: String,
    /// When (UTC).
    pub at: String,
}

/// A pending submission's new suggestion after learning.
#[derive(Debug, Clone)]
pub struct Resuggestion {
    /// Submission id.
    pub id: String,
    /// Suggested department.
    pub suggested: String,
    /// Its confidence.
    pub confidence: f64,
    /// Runner-up department.
    pub runner_up: String,
    /// Its confidence.
    pub runner_up_confidence: f64,
    /// A second body flagged, or empty.
    pub also: String,
    /// Reasons.
    pub reasons: Vec<String>,
}

/// A confidence that moved by more than this (0.05, five points) is counted as moved.
pub const CONFIDENCE_MOVE: f64 = 0.05;

/// What refreshing the pending suggestions changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resuggested {
    /// Pending submissions looked at.
    pub pending: usize,
    /// Of those, suggested to another department now.
    pub department_changed: usize,
    /// Of the others, with a confidence moved by more than [`CONFIDENCE_MOVE`].
    pub confidence_moved: usize,
}

/// The (id, department) pairs a decision sends to a body (the body, and the second one of
/// a split) that are not forwarded yet: what `forward_decided` forwards.
const UNFORWARDED: &str = "SELECT id, department FROM submissions WHERE status = 'decided' AND department != ''
    UNION SELECT id, second_department FROM submissions WHERE status = 'decided' AND second_department != ''
    EXCEPT SELECT submission_id, department FROM forwards";

/// What recording an answer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The body's first answer to the submission.
    New,
    /// A new version of an earlier answer (the old kept).
    Changed,
    /// The same as the current answer: nothing written.
    Unchanged,
}

/// A body's current answer: (body code, answer, officer).
pub type BodyAnswer = (String, String, String);

/// A submission forwarded to a body.
#[derive(Debug, Clone)]
pub struct Forwarded {
    /// The submission.
    pub item: Item,
    /// The body it was forwarded to.
    pub department: String,
    /// When (UTC, "YYYY-MM-DDTHH:MM:SSZ").
    pub forwarded_at: String,
    /// The date the answer is due (YYYY-MM-DD).
    pub due: String,
    /// Who forwarded it.
    pub forwarded_by: String,
}

/// The tracking code of the `seq`-th submission of `year`: "YK-2024-000123".
pub fn tracking_code(year: u32, seq: i64) -> String {
    format!("YK-{year}-{seq:06}")
}

/// A connection to the review database.
pub struct Db {
    conn: Connection,
    path: PathBuf,
}

fn now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    crate::review::auth::iso_time(secs)
}

impl Db {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Db> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let conn = Connection::open(path).map_err(|e| db_error(path, e))?;
        let db = Db { conn, path: path.to_path_buf() };
        db.conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(|e| db.err(e))?;
        db.conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| db.err(e))?;
        db.conn.pragma_update(None, "synchronous", "NORMAL").map_err(|e| db.err(e))?;
        db.conn.pragma_update(None, "foreign_keys", "ON").map_err(|e| db.err(e))?;
        db.migrate()?;
        Ok(db)
    }

    /// The connection, for the other parts of the review module.
    pub(super) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// A database error naming this database's file.
    pub(super) fn error(&self, e: rusqlite::Error) -> Error {
        db_error(&self.path, e)
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        db_error(&self.path, e)
    }

    fn migrate(&self) -> Result<()> {
        let v: usize =
            self.conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)).map_err(|e| self.err(e))? as usize;
        if v > MIGRATIONS.len() {
            return Err(Error::index(
                &self.path,
                format!("database schema {v} is newer than this ykien ({}); upgrade ykien", MIGRATIONS.len()),
            ));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(v) {
            let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
            tx.execute_batch(sql).map_err(|e| self.err(e))?;
            tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(|e| self.err(e))?;
            tx.commit().map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// A value of the meta table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Sets a value of the meta table.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Adds a user with an already hashed password; an existing name is an error.
    pub fn add_user(&self, name: &str, role: Role, password_hash: &str) -> Result<()> {
        self.add_user_of(name, role, "", password_hash)
    }

    /// Adds a user bound to `body` (a department account; "" for the other roles).
    pub fn add_user_of(&self, name: &str, role: Role, body: &str, password_hash: &str) -> Result<()> {
        if (role == Role::Department) == body.is_empty() {
            return Err(Error::Account(crate::t!("account.body-and-role", name = name)));
        }
        self.conn
            .execute(
                "INSERT INTO users (name, role, password, created_at, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![name, role.as_str(), password_hash, now(), body],
            )
            .map(|_| ())
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                    Error::Account(crate::t!("account.exists", name = name))
                }
                e => self.err(e),
            })
    }

    /// (id, role, password hash) of a user.
    pub fn user(&self, name: &str) -> Result<Option<(i64, Role, String)>> {
        self.conn
            .query_row("SELECT id, role, password FROM users WHERE name = ?1 AND disabled = 0", [name], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
            })
            .optional()
            .map_err(|e| self.err(e))
            .map(|o| o.map(|(id, role, pw)| (id, Role::parse(&role).unwrap_or(Role::Analyst), pw)))
    }

    /// Records a session: the hash of its token, its CSRF token, its expiry (Unix seconds).
    pub fn add_session(&self, token_hash: &str, user_id: i64, csrf: &str, expires_at: i64) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO sessions (token_hash, user_id, csrf, expires_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash, user_id, csrf, expires_at, super::auth::unix_now()],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The user of a live session.
    pub fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionUser>> {
        let idle = now - super::accounts::SESSION_IDLE;
        let found = self
            .conn
            .query_row(
                "SELECT u.name, u.role, s.csrf, s.last_seen, u.body FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND s.last_seen > ?3 AND u.disabled = 0",
                params![token_hash, now, idle],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((name, role, csrf, last_seen, body)) = found else { return Ok(None) };
        // The idle clock is moved on at most once a minute (a write per page would queue
        // reviewers' pages behind each other's decisions).
        if now - last_seen >= 60 {
            self.conn
                .execute("UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1", params![token_hash, now])
                .map_err(|e| self.err(e))?;
        }
        Ok(Role::parse(&role).map(|role| SessionUser { name, role, csrf, body }))
    }

    /// Ends a session.
    pub fn end_session(&self, token_hash: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Loads submissions with the pipeline's results. Submissions already there keep their
    /// decisions; their suggestion, topic and cluster are refreshed.
    pub fn load_items(&mut self, items: &[NewItem]) -> Result<usize> {
        let keyed: Vec<(&str, &str)> = items.iter().map(|it| (it.id, it.submitted_at)).collect();
        self.tracking_codes(&keyed)?;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| db_error(&path, e))?;
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO submissions (id, text, folded, locality, submitted_at, topic, cluster, cluster_label, suggested, confidence,
                         runner_up, runner_up_confidence, also, reasons, columns, answered_before, place)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
                     ON CONFLICT(id) DO UPDATE SET text = excluded.text, folded = excluded.folded, locality = excluded.locality,
                         submitted_at = excluded.submitted_at, topic = excluded.topic, cluster = excluded.cluster,
                         cluster_label = excluded.cluster_label, suggested = excluded.suggested, confidence = excluded.confidence,
                         runner_up = excluded.runner_up, runner_up_confidence = excluded.runner_up_confidence,
                         also = excluded.also, reasons = excluded.reasons, columns = excluded.columns,
                         answered_before = excluded.answered_before, place = excluded.place",
                )
                .map_err(|e| db_error(&path, e))?;
            let mut coded = tx
                .prepare("UPDATE submissions SET code = (SELECT code FROM tracking WHERE tracking.id = ?1) WHERE id = ?1 AND code = ''")
                .map_err(|e| db_error(&path, e))?;
            // The lifecycle's first step, once per submission.
            let mut received = tx
                .prepare(
                    "INSERT INTO audit (submission_id, action, note, user_name, at, version)
                     SELECT ?1, 'receive', ?2, 'ykien analyze', ?3, 0
                     WHERE NOT EXISTS (SELECT 1 FROM audit WHERE submission_id = ?1 AND action = 'receive')",
                )
                .map_err(|e| db_error(&path, e))?;
            let at = now();
            for it in items {
                let reasons = serde_json::to_string(it.reasons).expect("strings serialise");
                let columns: Vec<(&str, &str)> = it.columns.map(|c| c.iter().collect()).unwrap_or_default();
                let columns = serde_json::to_string(&columns).expect("strings serialise");
                st.execute(params![
                    it.id,
                    it.text,
                    crate::text::fold_lower(it.text),
                    it.locality,
                    it.submitted_at,
                    it.topic,
                    it.cluster,
                    it.cluster_label,
                    it.suggested,
                    it.confidence,
                    it.runner_up,
                    it.runner_up_confidence,
                    it.also,
                    reasons,
                    columns,
                    it.answered_before.map_or(String::new(), |e| serde_json::to_string(e).expect("strings serialise")),
                    it.place
                ])
                .map_err(|e| db_error(&path, e))?;
                coded.execute([it.id]).map_err(|e| db_error(&path, e))?;
                received.execute(params![it.id, it.locality, at]).map_err(|e| db_error(&path, e))?;
            }
        }
        tx.commit().map_err(|e| db_error(&path, e))?;
        Ok(items.len())
    }

    /// The tracking code of each (id, date as written): the one it was given before, else
    /// the next of its year ("YK-2024-000124"; the year of its date, else this year in
    /// Vietnam). Codes are kept for good: the same id has the same code in every run.
    pub fn tracking_codes(&mut self, ids: &[(&str, &str)]) -> Result<Vec<String>> {
        let path = self.path.clone();
        let this_year = super::forward::today().0;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| db_error(&path, e))?;
        let mut out = Vec::with_capacity(ids.len());
        {
            let mut get = tx.prepare("SELECT code FROM tracking WHERE id = ?1").map_err(|e| db_error(&path, e))?;
            let mut last = tx
                .prepare("SELECT coalesce(max(seq), 0) FROM tracking WHERE year = ?1")
                .map_err(|e| db_error(&path, e))?;
            let mut put = tx
                .prepare("INSERT INTO tracking (id, code, year, seq) VALUES (?1, ?2, ?3, ?4)")
                .map_err(|e| db_error(&path, e))?;
            let mut next: std::collections::HashMap<u32, i64> = Default::default();
            for (id, date) in ids {
                if let Some(code) =
                    get.query_row([id], |r| r.get::<_, String>(0)).optional().map_err(|e| db_error(&path, e))?
                {
                    out.push(code);
                    continue;
                }
                let year = crate::report::parse_date(date).map(|d| d.0).unwrap_or(this_year);
                let seq = match next.get(&year) {
                    Some(&s) => s + 1,
                    None => last.query_row([year], |r| r.get::<_, i64>(0)).map_err(|e| db_error(&path, e))? + 1,
                };
                next.insert(year, seq);
                let code = tracking_code(year, seq);
                put.execute(params![id, code, year, seq]).map_err(|e| db_error(&path, e))?;
                out.push(code);
            }
        }
        tx.commit().map_err(|e| db_error(&path, e))?;
        Ok(out)
    }

    /// Replaces the suggestions of submissions still pending (decided ones keep theirs)
    /// and says truthfully what moved: how many changed department, and how many kept it
    /// but moved their confidence by more than [`CONFIDENCE_MOVE`].
    pub fn resuggest(&mut self, rows: &[Resuggestion]) -> Result<Resuggested> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| db_error(&path, e))?;
        let mut out = Resuggested::default();
        {
            let mut current = tx
                .prepare("SELECT suggested, confidence FROM submissions WHERE id = ?1 AND status = 'pending'")
                .map_err(|e| db_error(&path, e))?;
            let mut st = tx
                .prepare(
                    "UPDATE submissions SET suggested = ?2, confidence = ?3, runner_up = ?4, runner_up_confidence = ?5, also = ?6, reasons = ?7
                     WHERE id = ?1 AND status = 'pending'",
                )
                .map_err(|e| db_error(&path, e))?;
            for r in rows {
                let was: Option<(String, f64)> = current
                    .query_row([&r.id], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()
                    .map_err(|e| db_error(&path, e))?;
                let Some((dept, conf)) = was else { continue };
                out.pending += 1;
                if dept != r.suggested {
                    out.department_changed += 1;
                } else if (conf - r.confidence).abs() > CONFIDENCE_MOVE {
                    out.confidence_moved += 1;
                }
                let reasons = serde_json::to_string(&r.reasons).expect("strings serialise");
                st.execute(params![
                    r.id,
                    r.suggested,
                    r.confidence,
                    r.runner_up,
                    r.runner_up_confidence,
                    r.also,
                    reasons
                ])
                .map_err(|e| db_error(&path, e))?;
            }
        }
        tx.commit().map_err(|e| db_error(&path, e))?;
        Ok(out)
    }

    fn item_from_row(r: &rusqlite::Row) -> rusqlite::Result<Item> {
        let reasons: String = r.get("reasons")?;
        Ok(Item {
            id: r.get("id")?,
            code: r.get("code")?,
            text: r.get("text")?,
            locality: r.get("locality")?,
            submitted_at: r.get("submitted_at")?,
            topic: r.get("topic")?,
            cluster: r.get("cluster")?,
            cluster_label: r.get("cluster_label")?,
            suggested: r.get("suggested")?,
            confidence: r.get("confidence")?,
            runner_up: r.get("runner_up")?,
            runner_up_confidence: r.get("runner_up_confidence")?,
            also: r.get("also")?,
            reasons: serde_json::from_str(&reasons).unwrap_or_default(),
            columns: serde_json::from_str(&r.get::<_, String>("columns")?).unwrap_or_default(),
            status: Status::from_db(&r.get::<_, String>("status")?),
            department: r.get("department")?,
            second_department: r.get("second_department")?,
            note: r.get("note")?,
            decided_by: r.get("decided_by")?,
            decided_at: r.get("decided_at")?,
            version: r.get("version")?,
            answered_before: serde_json::from_str(&r.get::<_, String>("answered_before")?).ok(),
            place: r.get("place")?,
        })
    }

    /// One submission.
    pub fn item(&self, id: &str) -> Result<Option<Item>> {
        self.conn
            .query_row("SELECT * FROM submissions WHERE id = ?1", [id], Self::item_from_row)
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The queue: submissions matching `f`, least confident first, and how many match in all.
    pub fn queue(&self, f: &QueueFilter) -> Result<(Vec<Item>, i64)> {
        let mut clauses: Vec<String> = Vec::new();
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let mut push = |c: &str, v: rusqlite::types::Value| {
            args.push(v);
            clauses.push(c.replace('?', &format!("?{}", args.len())));
        };
        match f.status {
            StatusFilter::All => {}
            StatusFilter::Decided => push("status = ?", Status::Decided.as_str().to_string().into()),
            StatusFilter::Pending => push("status = ?", Status::Pending.as_str().to_string().into()),
        }
        if let Some(d) = &f.department {
            push("suggested = ?", d.clone().into());
        }
        if let Some(t) = &f.topic {
            push("topic = ?", t.clone().into());
        }
        if let Some(c) = f.cluster {
            push("cluster = ?", c.into());
        }
        if let Some(p) = &f.place {
            push("place = ?", p.clone().into());
        }
        if let Some(l) = &f.locality {
            push("locality = ?", l.clone().into());
        }
        if let Some(m) = f.min_confidence {
            push("confidence >= ?", m.into());
        }
        if let Some(m) = f.max_confidence {
            push("confidence <= ?", m.into());
        }
        for w in &f.words {
            push("instr(folded, ?) > 0", w.clone().into());
        }
        if let Some(ids) = &f.ids {
            let json = serde_json::to_string(ids).expect("strings serialise");
            push("id IN (SELECT value FROM json_each(?))", json.into());
        }
        let wh = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
        let total: i64 = self
            .conn
            .query_row(
                &format!("SELECT count(*) FROM submissions {wh}"),
                rusqlite::params_from_iter(args.iter()),
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        let sql = format!(
            "SELECT * FROM submissions {wh} ORDER BY confidence ASC, id LIMIT {} OFFSET {}",
            f.limit.clamp(1, 1000),
            f.offset
        );
        let mut st = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows =
            st.query_map(rusqlite::params_from_iter(args.iter()), Self::item_from_row).map_err(|e| self.err(e))?;
        let items = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.err(e))?;
        Ok((items, total))
    }

    /// Submissions of a cluster, pending first.
    pub fn cluster(&self, cluster: i64) -> Result<Vec<Item>> {
        let mut st = self
            .conn
            .prepare("SELECT * FROM submissions WHERE cluster = ?1 ORDER BY status DESC, confidence ASC, id")
            .map_err(|e| self.err(e))?;
        let rows = st.query_map([cluster], Self::item_from_row).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.err(e))
    }

    /// The clusters as stored: each submission's cluster and each cluster's label.
    pub fn assignment(&self) -> Result<crate::pipeline::edits::Assignment> {
        let mut st = self
            .conn
            .prepare("SELECT id, cluster, cluster_label FROM submissions WHERE cluster IS NOT NULL")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))
            .map_err(|e| self.err(e))?;
        let mut a = crate::pipeline::edits::Assignment::default();
        for row in rows {
            let (id, c, label) = row.map_err(|e| self.err(e))?;
            let c = c.max(0) as usize;
            if a.labels.len() <= c {
                a.labels.resize(c + 1, String::new());
            }
            a.labels[c] = label;
            a.cluster_of.insert(id, c);
        }
        Ok(a)
    }

    /// Makes `edit` on the stored clusters and keeps it (who, when) to carry onto later runs.
    pub fn edit_clusters(&mut self, edit: &crate::pipeline::edits::ClusterEdit, user: &str) -> Result<()> {
        let mut a = self.assignment()?;
        let before = a.clone();
        a.apply(edit).map_err(Error::NotFound)?;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| db_error(&path, e))?;
        for (id, &c) in &a.cluster_of {
            if before.cluster_of.get(id) != Some(&c) || a.touched.contains(&c) {
                tx.execute(
                    "UPDATE submissions SET cluster = ?1, cluster_label = ?2 WHERE id = ?3",
                    params![c as i64, a.labels[c], id],
                )
                .map_err(|e| db_error(&path, e))?;
            }
        }
        let json = serde_json::to_string(edit).expect("an edit serialises");
        tx.execute("INSERT INTO cluster_edits (at, user, edit) VALUES (?1, ?2, ?3)", params![now(), user, json])
            .map_err(|e| db_error(&path, e))?;
        tx.commit().map_err(|e| db_error(&path, e))
    }

    /// Every cluster edit in the order made: when, who, what.
    pub fn cluster_edits(&self) -> Result<Vec<(String, String, crate::pipeline::edits::ClusterEdit)>> {
        let mut st =
            self.conn.prepare("SELECT at, user, edit FROM cluster_edits ORDER BY seq").map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (at, user, json) = row.map_err(|e| self.err(e))?;
            let edit =
                serde_json::from_str(&json).map_err(|e| Error::index(&self.path, format!("cluster edit: {e}")))?;
            out.push((at, user, edit));
        }
        Ok(out)
    }

    /// Pending suggestions at least `t` confident: how many, and how many of them their own
    /// confidences expect to be wrong (the sum of 1 − confidence).
    pub fn pending_above(&self, t: f64) -> Result<(i64, f64)> {
        self.conn
            .query_row(
                "SELECT count(*), coalesce(sum(1.0 - confidence), 0.0) FROM submissions \
                 WHERE status = 'pending' AND confidence >= ?1",
                [t],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err(e))
    }

    /// Each cluster with its label and size, largest first (for the cluster filter).
    pub fn clusters(&self) -> Result<Vec<(i64, String, i64)>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT cluster, max(cluster_label), count(*) AS n FROM submissions WHERE cluster IS NOT NULL \
                 GROUP BY cluster ORDER BY n DESC, cluster",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.err(e))
    }

    /// Distinct values of a column among submissions, with counts (for the filters).
    pub fn values(&self, column: &str) -> Result<Vec<(String, i64)>> {
        let col = match column {
            "suggested" | "topic" | "locality" | "place" => column,
            _ => return Err(Error::NotFound(format!("no column {column}"))),
        };
        let mut st = self
            .conn
            .prepare(&format!("SELECT {col}, count(*) FROM submissions GROUP BY {col} ORDER BY {col}"))
            .map_err(|e| self.err(e))?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.err(e))
    }

    /// Records a decision made on `version` of submission `id` by `user`. If the submission
    /// changed since, nothing is written and the current state comes back.
    pub fn decide(&mut self, id: &str, version: i64, decision: &Decision, note: &str, user: &str) -> Result<Outcome> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| db_error(&path, e))?;
        let current = tx
            .query_row("SELECT * FROM submissions WHERE id = ?1", [id], Self::item_from_row)
            .optional()
            .map_err(|e| db_error(&path, e))?;
        let Some(cur) = current else { return Err(Error::NotFound(crate::t!("review.no-submission", id = id))) };
        if cur.version != version {
            return Ok(Outcome::Conflict(Box::new(cur)));
        }
        let at = now();
        let (action, dep, second) = match decision {
            Decision::Accept => ("accept", cur.suggested.clone(), String::new()),
            Decision::Reassign(d) => ("reassign", d.clone(), String::new()),
            Decision::Split(a, b) => ("split", a.clone(), b.clone()),
            Decision::Note => ("note", cur.department.clone(), cur.second_department.clone()),
        };
        let new_note = if note.trim().is_empty() { cur.note.clone() } else { note.trim().to_string() };
        let n = if *decision == Decision::Note {
            tx.execute("UPDATE submissions SET note = ?2, version = version + 1 WHERE id = ?1 AND version = ?3", params![id, new_note, version])
        } else {
            tx.execute(
                "UPDATE submissions SET status = 'decided', department = ?2, second_department = ?3, note = ?4, decided_by = ?5, decided_at = ?6,
                     version = version + 1 WHERE id = ?1 AND version = ?7",
                params![id, dep, second, new_note, user, at, version],
            )
        }
        .map_err(|e| db_error(&path, e))?;
        if n == 0 {
            let cur = tx
                .query_row("SELECT * FROM submissions WHERE id = ?1", [id], Self::item_from_row)
                .map_err(|e| db_error(&path, e))?;
            return Ok(Outcome::Conflict(Box::new(cur)));
        }
        tx.execute(
            "INSERT INTO audit (submission_id, action, department, second_department, note, user_name, at, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![id, action, dep, second, note.trim(), user, at, version + 1],
        )
        .map_err(|e| db_error(&path, e))?;
        tx.commit().map_err(|e| db_error(&path, e))?;
        Ok(Outcome::Done)
    }

    /// The audit trail of a submission, oldest first.
    pub fn audit(&self, id: &str) -> Result<Vec<AuditEntry>> {
        let mut st = self
            .conn
            .prepare("SELECT action, department, second_department, note, user_name, at FROM audit WHERE submission_id = ?1 ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([id], |r| {
                Ok(AuditEntry {
                    action: r.get(0)?,
                    department: r.get(1)?,
                    second_department: r.get(2)?,
                    note: r.get(3)?,
                    user: r.get(4)?,
                    at: r.get(5)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.err(e))
    }

    /// Reviewed and remaining per department, for every code in `departments`.
    pub fn progress(&self, departments: &[String]) -> Result<Vec<Progress>> {
        let mut out = Vec::with_capacity(departments.len());
        let mut reviewed = self
            .conn
            .prepare("SELECT count(*) FROM submissions WHERE status = 'decided' AND (department = ?1 OR second_department = ?1)")
            .map_err(|e| self.err(e))?;
        let mut remaining = self
            .conn
            .prepare("SELECT count(*) FROM submissions WHERE status = 'pending' AND suggested = ?1")
            .map_err(|e| self.err(e))?;
        for d in departments {
            out.push(Progress {
                department: d.clone(),
                reviewed: reviewed.query_row([d], |r| r.get(0)).map_err(|e| self.err(e))?,
                remaining: remaining.query_row([d], |r| r.get(0)).map_err(|e| self.err(e))?,
            });
        }
        Ok(out)
    }

    /// Decided submissions a department must answer (alone or split), by date then id.
    pub fn department_list(&self, department: &str) -> Result<Vec<Item>> {
        let mut st = self
            .conn
            .prepare("SELECT * FROM submissions WHERE status = 'decided' AND (department = ?1 OR second_department = ?1) ORDER BY submitted_at, id")
            .map_err(|e| self.err(e))?;
        let rows = st.query_map([department], Self::item_from_row).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.err(e))
    }

    /// Every pending submission, whole, by id.
    pub fn pending_items(&self) -> Result<Vec<Item>> {
        let mut st = self
            .conn
            .prepare("SELECT * FROM submissions WHERE status = 'pending' ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = st.query_map([], Self::item_from_row).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.err(e))
    }

    /// Forwards every decided submission not yet forwarded to its body (and to its second
    /// body, when split), due on `due_of(department)` (YYYY-MM-DD); each forward is audited
    /// as `user`'s. Returns how many were forwarded.
    pub fn forward_decided(&mut self, due_of: &dyn Fn(&str) -> String, user: &str) -> Result<usize> {
        let path = self.path.clone();
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| db_error(&path, e))?;
        let mut n = 0;
        {
            let mut todo = tx
                .prepare(&format!(
                    "SELECT s.id, u.department, s.version FROM ({UNFORWARDED}) u JOIN submissions s ON s.id = u.id
                     ORDER BY s.code, s.id, u.department"
                ))
                .map_err(|e| db_error(&path, e))?;
            let rows: Vec<(String, String, i64)> = todo
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(|e| db_error(&path, e))?
                .collect::<rusqlite::Result<_>>()
                .map_err(|e| db_error(&path, e))?;
            let mut put = tx
                .prepare("INSERT INTO forwards (submission_id, department, forwarded_at, due, forwarded_by) VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(|e| db_error(&path, e))?;
            let mut audit = tx
                .prepare(
                    "INSERT INTO audit (submission_id, action, department, note, user_name, at, version) VALUES (?1, 'forward', ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(|e| db_error(&path, e))?;
            for (id, dept, version) in rows {
                let due = due_of(&dept);
                put.execute(params![id, dept, at, due, user]).map_err(|e| db_error(&path, e))?;
                audit
                    .execute(params![id, dept, format!("hạn trả lời {due}"), user, at, version])
                    .map_err(|e| db_error(&path, e))?;
                n += 1;
            }
        }
        tx.commit().map_err(|e| db_error(&path, e))?;
        Ok(n)
    }

    /// Forwards `forward_decided` would make now: decided submissions' bodies not yet sent.
    pub fn unforwarded(&self) -> Result<i64> {
        self.conn.query_row(&format!("SELECT count(*) FROM ({UNFORWARDED})"), [], |r| r.get(0)).map_err(|e| self.err(e))
    }

    /// Every submission forwarded to `department`, with when and by whom and its due date,
    /// by tracking code.
    pub fn forwarded_to(&self, department: &str) -> Result<Vec<Forwarded>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT s.*, f.forwarded_at AS f_at, f.due AS f_due, f.forwarded_by AS f_by FROM forwards f
                 JOIN submissions s ON s.id = f.submission_id WHERE f.department = ?1 ORDER BY s.code, s.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([department], |r| {
                Ok(Forwarded {
                    item: Self::item_from_row(r)?,
                    department: department.to_string(),
                    forwarded_at: r.get("f_at")?,
                    due: r.get("f_due")?,
                    forwarded_by: r.get("f_by")?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.err(e))
    }

    /// The submission holding tracking code `code`, if any.
    pub fn by_code(&self, code: &str) -> Result<Option<Item>> {
        self.conn
            .query_row("SELECT * FROM submissions WHERE code = ?1", [code], Self::item_from_row)
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The bodies submission `id` was forwarded to.
    pub fn forwarded_bodies(&self, id: &str) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT department FROM forwards WHERE submission_id = ?1 ORDER BY department")
            .map_err(|e| self.err(e))?;
        let rows = st.query_map([id], |r| r.get(0)).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.err(e))
    }

    /// The current answer of `department` to submission `id` (answer, officer), if any.
    pub fn answer(&self, id: &str, department: &str) -> Result<Option<(String, String)>> {
        self.conn
            .query_row(
                "SELECT answer, officer FROM answers WHERE submission_id = ?1 AND department = ?2 ORDER BY seq DESC LIMIT 1",
                [id, department],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Every version of `department`'s answer to `id`, oldest first: (answer, officer, at, by).
    pub fn answer_versions(&self, id: &str, department: &str) -> Result<Vec<(String, String, String, String)>> {
        let mut st = self
            .conn
            .prepare("SELECT answer, officer, at, user_name FROM answers WHERE submission_id = ?1 AND department = ?2 ORDER BY seq")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([id, department], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.err(e))
    }

    /// Records `department`'s answer to `id` unless it is the current one already: a
    /// changed answer is a new version, the old kept; audited. Says which it was.
    pub fn record_answer(
        &mut self,
        id: &str,
        department: &str,
        answer: &str,
        officer: &str,
        source: &str,
        user: &str,
    ) -> Result<Recorded> {
        let kind = match self.answer(id, department)? {
            Some((a, o)) if a == answer && o == officer => return Ok(Recorded::Unchanged),
            Some(_) => Recorded::Changed,
            None => Recorded::New,
        };
        let path = self.path.clone();
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| db_error(&path, e))?;
        tx.execute(
            "INSERT INTO answers (submission_id, department, answer, officer, source, at, user_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![id, department, answer, officer, source, at, user],
        )
        .map_err(|e| db_error(&path, e))?;
        tx.execute(
            "INSERT INTO audit (submission_id, action, department, note, user_name, at, version)
             SELECT ?1, 'answer', ?2, ?3, ?4, ?5, version FROM submissions WHERE id = ?1",
            params![id, department, format!("trả lời từ {source}"), user, at],
        )
        .map_err(|e| db_error(&path, e))?;
        Self::archive_answer(&tx, id, department, answer, officer, &at).map_err(|e| db_error(&path, e))?;
        tx.commit().map_err(|e| db_error(&path, e))?;
        Ok(kind)
    }

    /// Every forward with whether its body has answered, by body then due date.
    pub fn forwards(&self) -> Result<Vec<(Forwarded, bool)>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT s.*, f.department AS f_dept, f.forwarded_at AS f_at, f.due AS f_due, f.forwarded_by AS f_by,
                        EXISTS (SELECT 1 FROM answers a WHERE a.submission_id = f.submission_id AND a.department = f.department) AS answered
                 FROM forwards f JOIN submissions s ON s.id = f.submission_id ORDER BY f.department, f.due, s.code, s.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    Forwarded {
                        item: Self::item_from_row(r)?,
                        department: r.get("f_dept")?,
                        forwarded_at: r.get("f_at")?,
                        due: r.get("f_due")?,
                        forwarded_by: r.get("f_by")?,
                    },
                    r.get::<_, bool>("answered")?,
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.err(e))
    }

    /// Every submission some body answered, by topic area, cluster and tracking code, with
    /// each body's current answer: (body, answer, officer).
    pub fn answered(&self) -> Result<Vec<(Item, Vec<BodyAnswer>)>> {
        self.with_answers("WHERE EXISTS (SELECT 1 FROM answers a WHERE a.submission_id = s.id)")
    }

    /// Every submission, by topic area, cluster and tracking code, with each body's current
    /// answer (none when unanswered).
    pub fn all_with_answers(&self) -> Result<Vec<(Item, Vec<BodyAnswer>)>> {
        self.with_answers("")
    }

    fn with_answers(&self, filter: &str) -> Result<Vec<(Item, Vec<BodyAnswer>)>> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT * FROM submissions s {filter} ORDER BY s.topic, s.cluster, s.code, s.id"))
            .map_err(|e| self.err(e))?;
        let items = st
            .query_map([], Self::item_from_row)
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        let mut out = Vec::with_capacity(items.len());
        for it in items {
            let mut answers = Vec::new();
            for body in self.forwarded_bodies(&it.id)? {
                if let Some((a, o)) = self.answer(&it.id, &body)? {
                    answers.push((body, a, o));
                }
            }
            out.push((it, answers));
        }
        Ok(out)
    }

    /// The bodies something was forwarded to, by code.
    pub fn forwarded_departments(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT DISTINCT department FROM forwards ORDER BY department")
            .map_err(|e| self.err(e))?;
        let rows = st.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.err(e))
    }

    /// Every decided submission: (id, text, department), for learning.
    pub fn decisions(&self) -> Result<Vec<(String, String, String)>> {
        let mut st = self.conn.prepare("SELECT id, text, department FROM submissions WHERE status = 'decided' AND department != '' ORDER BY id").map_err(|e| self.err(e))?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.err(e))
    }

    /// Pending submissions: (id, text).
    pub fn pending(&self) -> Result<Vec<(String, String)>> {
        let mut st = self
            .conn
            .prepare("SELECT id, text FROM submissions WHERE status = 'pending' ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.err(e))
    }

    /// Copies the whole database, consistent even while the server writes, to `dest`
    /// (written to a temporary file first, then renamed).
    pub fn backup(&self, dest: &Path) -> Result<()> {
        let tmp = dest.with_extension("tmp-backup");
        let _ = std::fs::remove_file(&tmp);
        self.conn.execute("VACUUM INTO ?1", [tmp.to_string_lossy()]).map_err(|e| self.err(e))?;
        std::fs::rename(&tmp, dest).map_err(|e| Error::io(dest, e))
    }
}

fn db_error(path: &Path, e: rusqlite::Error) -> Error {
    Error::index(path, format!("database: {e}"))
}
