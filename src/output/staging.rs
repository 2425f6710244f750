//! A run's outputs replaced as a whole: they are written into a fresh folder beside the
//! output folder, which is then swapped in (one atomic exchange of the two folders on
//! Linux), so a run killed at any moment leaves the old set or the new set, never a mix.
//! Leftovers of killed runs are cleaned, and a set a kill left aside restored, on the
//! next run.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The files `analyze` writes into its output folder; a folder holding anything else is
/// not replaced (it is not ykien's to remove).
pub const OUTPUT_FILES: [&str; 8] = [
    "submissions.jsonl",
    "submissions.csv",
    "submissions.parquet",
    "clusters.json",
    "clusters.parquet",
    "report.html",
    "report.xlsx",
    "rejects.jsonl",
];

/// A fresh folder being filled, to be swapped in for `out`.
pub struct Staging {
    out: PathBuf,
    /// Where the new set is written.
    pub dir: PathBuf,
}

/// Name prefixes of the folders beside `out` that ykien makes: new sets and set-aside old ones.
fn sibling(out: &Path, kind: &str) -> (PathBuf, String) {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("ykien-out");
    (parent, format!(".{name}.ykien-{kind}-"))
}

impl Staging {
    /// Prepares to replace `out`: restores a set a killed swap left aside, removes
    /// leftovers of killed runs, refuses a folder holding files ykien did not write, and
    /// makes the fresh folder.
    pub fn begin(out: &Path) -> Result<Staging> {
        Self::begin_with(out, &|name| OUTPUT_FILES.contains(&name))
    }

    /// [`Staging::begin`] for a folder whose files `ours` tells from others.
    pub fn begin_with(out: &Path, ours: &dyn Fn(&str) -> bool) -> Result<Staging> {
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |e| Error::io(&p, e)
        };
        let (parent, old_prefix) = sibling(out, "old");
        let (_, new_prefix) = sibling(out, "new");
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        for entry in std::fs::read_dir(&parent).map_err(io(&parent))?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if name.starts_with(&old_prefix) && !out.exists() {
                // A kill between the two renames of a swap: the old set goes back.
                std::fs::rename(&path, out).map_err(io(&path))?;
            } else if name.starts_with(&old_prefix) || name.starts_with(&new_prefix) {
                std::fs::remove_dir_all(&path).map_err(io(&path))?;
            }
        }
        if out.exists() {
            let mut foreign = Vec::new();
            for entry in std::fs::read_dir(out).map_err(io(out))?.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let leftover = name.starts_with('.') && name.ends_with(".tmp");
                if !ours(&name) && !leftover {
                    foreign.push(name);
                }
            }
            if !foreign.is_empty() {
                foreign.sort();
                foreign.truncate(5);
                return Err(Error::Param(crate::t!(
                    "output.foreign-files",
                    dir = out.display(),
                    files = foreign.join(", ")
                )));
            }
        }
        let dir = parent.join(format!("{new_prefix}{}", std::process::id()));
        std::fs::create_dir(&dir).map_err(io(&dir))?;
        Ok(Staging { out: out.to_path_buf(), dir })
    }

    /// Swaps the new set in for the old one and removes the old one.
    pub fn commit(self) -> Result<()> {
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |e| Error::io(&p, e)
        };
        // The new set reaches the disk before it is swapped in.
        if let Ok(d) = std::fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        if !self.out.exists() {
            return std::fs::rename(&self.dir, &self.out).map_err(io(&self.out));
        }
        if exchange(&self.dir, &self.out).map_err(io(&self.out))? {
            // `dir` now holds the old set.
            return std::fs::remove_dir_all(&self.dir).map_err(io(&self.dir));
        }
        // No atomic exchange here: the old set is set aside, then the new one moved in
        // (a kill between the two is mended by the next run's `begin`).
        let (parent, old_prefix) = sibling(&self.out, "old");
        let old = parent.join(format!("{old_prefix}{}", std::process::id()));
        std::fs::rename(&self.out, &old).map_err(io(&self.out))?;
        std::fs::rename(&self.dir, &self.out).map_err(io(&self.out))?;
        std::fs::remove_dir_all(&old).map_err(io(&old))
    }

    /// Replaces `out` with what `fill` writes into a fresh folder; if `fill` fails, `out`
    /// is left as it was.
    pub fn replace<T>(out: &Path, fill: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
        Self::replace_with(out, &|name| OUTPUT_FILES.contains(&name), fill)
    }

    /// [`Staging::replace`] for a folder whose files `ours` tells from others.
    pub fn replace_with<T>(
        out: &Path,
        ours: &dyn Fn(&str) -> bool,
        fill: impl FnOnce(&Path) -> Result<T>,
    ) -> Result<T> {
        let stage = Staging::begin_with(out, ours)?;
        match fill(&stage.dir) {
            Ok(v) => {
                stage.commit()?;
                Ok(v)
            }
            Err(e) => {
                stage.abandon();
                Err(e)
            }
        }
    }

    /// Gives up: the new folder is removed and `out` left as it was.
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Exchanges two folders atomically (Linux `renameat2` with `RENAME_EXCHANGE`); false
/// where the system or filesystem cannot, and nothing was changed.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
    let (ca, cb) = (c(a)?, c(b)?);
    // SAFETY: two NUL-terminated paths that live across the call; the call reads them only.
    let r = unsafe { libc::renameat2(libc::AT_FDCWD, ca.as_ptr(), libc::AT_FDCWD, cb.as_ptr(), libc::RENAME_EXCHANGE) };
    if r == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP) => Ok(false),
        _ => Err(e),
    }
}

/// No atomic exchange of folders here.
#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<bool> {
    Ok(false)
}
