//! The data directory: where the search index and the review database live.

use std::path::{Path, PathBuf};

/// The default data directory, relative to where ykien runs.
pub const DEFAULT: &str = "ykien-data";

/// A resolved data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// `explicit` if given, else `$YKIEN_DATA`, else `./ykien-data`.
    pub fn resolve(explicit: Option<&Path>) -> Self {
        let root = match explicit {
            Some(p) => p.to_path_buf(),
            None => std::env::var_os("YKIEN_DATA").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(DEFAULT)),
        };
        DataDir { root }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The tantivy index inside it.
    pub fn index_dir(&self) -> PathBuf {
        self.root.join("index")
    }

    /// The review database inside it.
    pub fn review_db(&self) -> PathBuf {
        self.root.join(crate::review::DB_FILE)
    }

    /// True when a review database has been written here.
    pub fn has_review_db(&self) -> bool {
        self.review_db().exists()
    }

    /// True when a search index has been written here.
    pub fn has_index(&self) -> bool {
        self.index_dir().join("meta.json").exists()
    }
}

/// Bytes of the files directly inside `p` (0 where it cannot be read).
pub fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map_or(0, |rd| rd.filter_map(|e| e.ok()?.metadata().ok()).filter(|m| m.is_file()).map(|m| m.len()).sum())
}
