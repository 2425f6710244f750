//! Errors that carry their context: the file, the line or record, and what is wrong.

use std::path::{Path, PathBuf};

/// Where in an input a problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The whole file.
    File,
    /// A 1-based line of a text, CSV or JSON Lines file.
    Line(u64),
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
            Location::Row { sheet, row } => write!(f, " sheet '{sheet}' row {row}"),
        }
    }
}

/// Every error ykien reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// Input data is malformed at a known place.
    #[error("{}{location}: {message}", path.display())]
    Input {
        /// The file concerned.
        path: PathBuf,
        /// Where in the file.
        location: Location,
        /// What is wrong, in words a user can act on.
        message: String,
    },
    /// A model or configuration file in models/ is malformed.
    #[error("{}: {message}", path.display())]
    Model {
        /// The model file concerned.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file of the data directory (search index, review database) cannot be used as asked.
    #[error("{}: {message}", path.display())]
    Index {
        /// The index directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A parameter given by the user is out of range or inconsistent.
    #[error("invalid parameter: {0}")]
    Param(String),
    /// A search query the index will not run (too long, too deeply nested).
    #[error("search query refused: {0}")]
    Query(String),
    /// The input held nothing to work on.
    #[error("no submissions to analyse")]
    NoSubmissions,
    /// The files were read but gave no submission: what they gave instead.
    #[error("{}", nothing_read(.0))]
    NothingRead(Box<crate::input::ReadOutcome>),
    /// Something named does not exist (a submission id, a column).
    #[error("{0}")]
    NotFound(String),
    /// An account cannot be created or used as asked (a name taken, a weak password).
    #[error("{0}")]
    Account(String),
    /// A result could not be written in its format (JSON, CSV, XLSX).
    #[error("writing {format}: {message}")]
    Write {
        /// The format: "JSON", "CSV", "XLSX".
        format: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The review desk could not listen on its address or stopped serving.
    #[error("review desk on {addr}: {source}")]
    Server {
        /// The address it was to listen on.
        addr: std::net::SocketAddr,
        /// What failed.
        source: std::io::Error,
    },
    /// A worker stopped before its work ended (another error says why).
    #[error("{0} stopped early")]
    Stopped(&'static str),
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
    let files: Vec<String> = read.sources.iter().map(|(p, _)| p.display().to_string()).collect();
    let mut why = Vec::new();
    if !read.rejects.is_empty() {
        let first = &read.rejects[0];
        why.push(format!(
            "{} record(s) could not be read (the first: {} {}: {})",
            read.rejects.len(),
            first.file.display(),
            first.location,
            first.message
        ));
    }
    if read.blank > 0 {
        why.push(format!("{} blank line(s) or row(s)", read.blank));
    }
    if why.is_empty() {
        why.push("they hold no records".into());
    }
    format!("no submissions to analyse in {}: {}", files.join(", "), why.join("; "))
}
