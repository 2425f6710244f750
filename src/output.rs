//! Writing results: atomic file writes, JSON Lines, CSV for Excel, and the terminal summary.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, synced, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Streams into `path` atomically: `fill` writes to a buffered temporary file in the same
/// folder, which is synced and renamed over `path` only when `fill` succeeds.
pub fn write_atomic_with(path: &Path, fill: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::io::BufWriter::with_capacity(1 << 20, Writeback::new(std::fs::File::create(&tmp)?));
        fill(&mut f)?;
        let f = f.into_inner().map_err(|e| e.into_error())?.file;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// A file that asks the kernel to start writing its pages to disk every few megabytes
/// (Linux: `sync_file_range`, which does not wait), so the sync before the rename finds
/// little left to write; elsewhere a plain file.
struct Writeback {
    file: std::fs::File,
    written: u64,
    started: u64,
}

impl Writeback {
    const STEP: u64 = 8 << 20;

    fn new(file: std::fs::File) -> Self {
        Writeback { file, written: 0, started: 0 }
    }

    #[cfg(target_os = "linux")]
    fn start_writeback(&mut self) {
        use std::os::fd::AsRawFd;
        // Only a hint: an error here leaves the pages to the sync before the rename.
        // SAFETY: the descriptor is this open file's; the call reads no memory of ours.
        unsafe {
            libc::sync_file_range(self.file.as_raw_fd(), self.started as i64, (self.written - self.started) as i64, libc::SYNC_FILE_RANGE_WRITE);
        }
        self.started = self.written;
    }

    #[cfg(not(target_os = "linux"))]
    fn start_writeback(&mut self) {
        self.started = self.written;
    }
}

impl Write for Writeback {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= Self::STEP {
            self.start_writeback();
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Writes `n` rows through `fill`, which serialises the rows of a range into a buffer;
/// ranges are serialised in parallel a window at a time and written in order (a window is
/// written while the next is serialised), so output is the same as a sequential loop and
/// no more than two windows sit in memory.
pub fn write_rows_parallel(w: &mut (dyn Write + Send), n: usize, fill: impl Fn(std::ops::Range<usize>, &mut Vec<u8>) -> std::io::Result<()> + Sync) -> std::io::Result<()> {
    use rayon::prelude::*;
    const ROWS: usize = 1_024;
    const WINDOW: usize = 8;
    // Each chunk's buffer starts at the size the last window's chunks reached (rows of one
    // file are alike), so it is not grown and copied over and over.
    let serialise = |at: usize, reserve: usize| -> std::io::Result<Vec<Vec<u8>>> {
        let end = (at + ROWS * WINDOW).min(n);
        (at..end)
            .step_by(ROWS)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|a| {
                let mut b = Vec::with_capacity(reserve);
                fill(a..(a + ROWS).min(end), &mut b)?;
                Ok(b)
            })
            .collect()
    };
    let mut ready: Vec<Vec<u8>> = Vec::new();
    let mut at = 0;
    loop {
        let largest = ready.iter().map(Vec::len).max().unwrap_or(0);
        let next = (at < n).then_some(at);
        let write = |w: &mut (dyn Write + Send)| ready.iter().try_for_each(|b| w.write_all(b));
        let (written, next) = rayon::join(|| write(&mut *w), || next.map(|a| serialise(a, largest + largest / 8)).transpose());
        written?;
        match next? {
            Some(bufs) => {
                ready = bufs;
                at = (at + ROWS * WINDOW).min(n);
            }
            None => return Ok(()),
        }
    }
}

/// Whether any byte of `bytes` is one `hit` picks: 32 bytes at a time without branches
/// inside a block (so the compiler tests them in vector registers), stopping after the
/// first block that holds one.
#[inline]
fn any_byte(bytes: &[u8], hit: impl Fn(u8) -> bool) -> bool {
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        if block.iter().fold(0u8, |m, &b| m | hit(b) as u8) != 0 {
            return true;
        }
    }
    blocks.remainder().iter().any(|&b| hit(b))
}

/// Appends `s` as a JSON string: copied whole when nothing in it needs escaping (the
/// common case: Vietnamese text is free of quotes, backslashes and control characters),
/// else escaped by serde_json. The same bytes as serde_json either way.
pub fn json_str(buf: &mut Vec<u8>, s: &str) {
    if !any_byte(s.as_bytes(), |b| (b < 0x20) | (b == b'"') | (b == b'\\')) {
        buf.reserve(s.len() + 2);
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
    } else {
        serde_json::to_writer(&mut *buf, s).expect("a string serialises into memory");
    }
}

/// Appends `s` as one CSV field as the csv crate writes it by default (quoted only when
/// it holds a comma, a quote or a line break, quotes doubled), without the record's
/// separator: the per-submission file's rows are written field by field in bulk.
pub fn csv_field(buf: &mut Vec<u8>, s: &str) {
    if !any_byte(s.as_bytes(), |b| (b == b',') | (b == b'"') | (b == b'\n') | (b == b'\r')) {
        buf.extend_from_slice(s.as_bytes());
        return;
    }
    buf.reserve(s.len() + 2);
    buf.push(b'"');
    for part in s.split_inclusive('"') {
        buf.extend_from_slice(part.as_bytes());
        if part.ends_with('"') {
            buf.push(b'"');
        }
    }
    buf.push(b'"');
}

/// Appends one CSV record (LF-terminated) of `fields`, each as [`csv_field`] writes it.
pub fn csv_row<'a>(buf: &mut Vec<u8>, fields: impl IntoIterator<Item = &'a str>) {
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        csv_field(buf, f);
    }
    buf.push(b'\n');
}

/// Serialises items as JSON Lines.
pub fn jsonl<T: serde::Serialize>(items: &[T]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for it in items {
        serde_json::to_writer(&mut out, it).map_err(|e| Error::Param(e.to_string()))?;
        out.push(b'\n');
    }
    Ok(out)
}

/// CSV bytes with a UTF-8 BOM, so Excel opens Vietnamese text correctly.
pub fn csv_for_excel(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Result<Vec<u8>> {
    let mut buf = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        w.write_record(header).map_err(|e| Error::Param(e.to_string()))?;
        for r in rows {
            w.write_record(&r).map_err(|e| Error::Param(e.to_string()))?;
        }
        w.flush().map_err(|e| Error::Param(e.to_string()))?;
    }
    Ok(buf)
}

/// Cuts `s` to at most `n` characters, adding "…" when cut.
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_fields_are_written_as_serde_json_and_the_csv_crate_write_them() {
        let fields = [
            "Đề nghị tỉnh hỗ trợ vay vốn khởi nghiệp",
            "",
            "Xin hỏi: \"vay vốn\" ở đâu?",
            "dòng một\ndòng hai\r\nba",
            "a,b",
            "đường dẫn C:\\thư mục\t(tab)",
            "\u{1}\u{1f}\u{7f} điều khiển",
            "\"",
            "«học nghề» | «việc làm»",
        ];
        for f in fields {
            let mut ours = Vec::new();
            json_str(&mut ours, f);
            assert_eq!(ours, serde_json::to_vec(f).unwrap(), "{f:?}");
        }
        // A record of all of them, as the csv crate writes it (LF-terminated).
        let mut theirs = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
        theirs.write_record(fields).unwrap();
        let theirs = theirs.into_inner().unwrap();
        let mut ours = Vec::new();
        csv_row(&mut ours, fields);
        assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap());
    }

    #[test]
    fn a_file_larger_than_the_writeback_step_is_written_whole_and_only_when_complete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.csv");
        // Vietnamese rows, 20 MB in all: the kernel is asked to write back several times.
        let row = "Đề nghị tỉnh hỗ trợ vay vốn khởi nghiệp cho thanh niên nông thôn\n";
        let n = (20 << 20) / row.len() + 1;
        write_atomic_with(&path, |w| (0..n).try_for_each(|_| w.write_all(row.as_bytes()))).unwrap();
        let back = std::fs::read(&path).unwrap();
        assert_eq!(back.len(), n * row.len());
        assert!(back.chunks(row.len()).all(|c| c == row.as_bytes()));
        // A failed fill leaves the earlier file as it was and no temporary file behind.
        let failed = write_atomic_with(&path, |w| {
            w.write_all(&[b'x'; 9 << 20])?;
            Err(std::io::Error::other("stopped"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), back);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
