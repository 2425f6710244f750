//! Errors that carry their context: the file, the line or record, and what is wrong.

use std::path::{Path, PathBuf};

/// Where in an input a problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The whole file.
    File,
    /// A 1-based line of a text, CSV or JSON Lines file.
    Line(u64),
    /// A 1-based record of a file of records (Parquet).
    Record(u64),
    /// A 1-based row of a spreadsheet sheet.
    Row {
        /// Sheet name.
        sheet: String,
        /// 1-based row number.
        row: u64,
    },
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File => Ok(()),
            Location::Line(n) => write!(f, ":{n}"),
            Location::Record(n) => write!(f, " {}", crate::t!("loc.record", n = n)),
            Location::Row { sheet, row } => write!(f, " {}", crate::t!("loc.sheet-row", sheet = sheet, row = row)),
        }
    }
}

/// Every error ykien reports.
#[derive(Debug)]
pub enum Error {
    /// A file could not be opened, read or written.
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// Input data is malformed at a known place.
    Input {
        /// The file concerned.
        path: PathBuf,
        /// Where in the file.
        location: Location,
        /// What is wrong, in words a user can act on.
        message: String,
    },
    /// A model or configuration file in models/ is malformed.
    Model {
        /// The model file concerned.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file of the data directory (search index, review database) cannot be used as asked.
    Index {
        /// The index directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A parameter given by the user is out of range or inconsistent.
    Param(String),
    /// A search query the index will not run (too long, too deeply nested).
    Query(String),
    /// The input held nothing to work on.
    NoSubmissions,
    /// The files were read but gave no submission: what they gave instead.
    NothingRead(Box<crate::input::ReadOutcome>),
    /// Something named does not exist (a submission id, a column).
    NotFound(String),
    /// An account cannot be created or used as asked (a name taken, a weak password).
    Account(String),
    /// A result could not be written in its format (JSON, CSV, XLSX).
    Write {
        /// The format: "JSON", "CSV", "XLSX".
        format: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The review desk could not listen on its address or stopped serving.
    Server {
        /// The address it was to listen on.
        addr: std::net::SocketAddr,
        /// What failed.
        source: std::io::Error,
    },
    /// A worker stopped before its work ended (another error says why).
    Stopped(&'static str),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::t;
        match self {
            Error::Io { path, source } => write!(f, "{}: {}", path.display(), io_text(source)),
            Error::Input { path, location, message } => write!(f, "{}{location}: {message}", path.display()),
            Error::Model { path, message } | Error::Index { path, message } => {
                write!(f, "{}: {message}", path.display())
            }
            Error::Param(m) => f.write_str(&t!("error.param", what = m)),
            Error::Query(m) => f.write_str(&t!("error.query", what = m)),
            Error::NoSubmissions => f.write_str(&t!("error.no-submissions")),
            Error::NothingRead(read) => f.write_str(&nothing_read(read)),
            Error::NotFound(m) | Error::Account(m) => f.write_str(m),
            Error::Write { format, message } => f.write_str(&t!("error.write", format = format, what = message)),
            Error::Server { addr, source } => f.write_str(&t!("error.server", addr = addr, what = io_text(source))),
            Error::Stopped(what) => {
                f.write_str(&t!("error.stopped", what = crate::i18n::text(&format!("stage.{what}"))))
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } | Error::Server { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// An I/O error in words of the current language: the common kinds translated, the
/// system's own text otherwise.
pub fn io_text(e: &std::io::Error) -> String {
    use crate::t;
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => t!("io.not-found"),
        K::PermissionDenied => t!("io.permission-denied"),
        K::AlreadyExists => t!("io.already-exists"),
        K::AddrInUse => t!("io.addr-in-use"),
        K::AddrNotAvailable => t!("io.addr-not-available"),
        K::UnexpectedEof => t!("io.unexpected-eof"),
        K::StorageFull => t!("io.storage-full"),
        _ => e.to_string(),
    }
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io { path: path.to_path_buf(), source }
    }
    /// A malformed-input error at `location` in `path`.
    pub fn input(path: &Path, location: Location, message: impl Into<String>) -> Self {
        Error::Input { path: path.to_path_buf(), location, message: message.into() }
    }
    /// An error of the search index at `path`.
    pub fn index(path: &Path, message: impl std::fmt::Display) -> Self {
        Error::Index { path: path.to_path_buf(), message: message.to_string() }
    }
    /// A result that could not be written as `format`.
    pub fn write(format: &'static str, e: impl std::fmt::Display) -> Self {
        Error::Write { format, message: e.to_string() }
    }
    /// A malformed-model error in `path`.
    pub fn model(path: &Path, message: impl Into<String>) -> Self {
        Error::Model { path: path.to_path_buf(), message: message.into() }
    }
}

/// Result with ykien's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Why files gave no submission: each file, and the records rejected and lines blank.
fn nothing_read(read: &crate::input::ReadOutcome) -> String {
    use crate::t;
    let files: Vec<String> = read.sources.iter().map(|(p, _)| p.display().to_string()).collect();
    let mut why = Vec::new();
    if !read.rejects.is_empty() {
        let first = &read.rejects[0];
        why.push(t!(
            "error.nothing-read.rejects",
            n = read.rejects.len(),
            file = first.file.display(),
            location = first.location,
            what = first.message
        ));
    }
    if read.blank > 0 {
        why.push(t!("error.nothing-read.blank", n = read.blank));
    }
    if why.is_empty() {
        why.push(t!("error.nothing-read.empty"));
    }
    t!("error.nothing-read", files = files.join(", "), why = why.join("; "))
}
