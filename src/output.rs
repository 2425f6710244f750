//! Writing results: atomic file writes, JSON Lines, CSV for Excel, and the terminal summary.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, synced, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Streams into `path` atomically: `fill` writes to a temporary file in the same folder,
/// which is synced and renamed over `path` only when `fill` succeeds. The bytes reach the
/// file through [`Streamed`]: a thread of its own writes them a block at a time.
pub fn write_atomic_with(path: &Path, fill: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = Streamed::create(&tmp)?;
        fill(&mut f)?;
        let f = f.finish()?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// A file written a block at a time by a thread of its own, so whoever fills it never
/// waits for the disk, and on Linux past the page cache (`O_DIRECT`): a large result is
/// written once, read later if at all, and copying it into the cache cost more system
/// time than anything else in writing it (on the virtual machines measured here a page
/// the cache had not used lately cost about 10 microseconds to take). The file is opened
/// buffered where the filesystem refuses direct writes (tmpfs, some network mounts), and
/// turned buffered if a direct write is refused later; the bytes are the same either way.
struct Streamed {
    /// The block being filled.
    block: Block,
    /// Full blocks to the writing thread (`None` once finished).
    full: Option<std::sync::mpsc::SyncSender<Block>>,
    /// Written blocks back from it, to be filled again.
    empty: std::sync::mpsc::Receiver<Block>,
    /// Blocks made so far (at most [`Streamed::BLOCKS`]).
    made: usize,
    /// The writing thread; it hands the file back when its channel closes.
    io: Option<std::thread::JoinHandle<std::io::Result<std::fs::File>>>,
    /// Bytes accepted so far: the file's length when finished.
    total: u64,
}

/// Bytes for a direct write: a buffer whose used part starts on a 4,096-byte boundary.
struct Block {
    mem: Vec<u8>,
    start: usize,
    len: usize,
}

impl Block {
    /// Alignment of a direct write's memory, offset and length (the largest logical block size in use).
    const ALIGN: usize = 4096;
    /// Bytes per block.
    const SIZE: usize = 4 << 20;

    fn new() -> Self {
        let mem = vec![0u8; Self::SIZE + Self::ALIGN];
        let start = (Self::ALIGN - mem.as_ptr() as usize % Self::ALIGN) % Self::ALIGN;
        Block { mem, start, len: 0 }
    }
    fn filled(&self) -> &[u8] {
        &self.mem[self.start..self.start + self.len]
    }
    fn room(&mut self) -> &mut [u8] {
        &mut self.mem[self.start + self.len..self.start + Self::SIZE]
    }
}

impl Streamed {
    /// Blocks in flight at most: one filled, one queued, one written.
    const BLOCKS: usize = 3;

    /// Creates (or truncates) `path` and starts its writing thread.
    fn create(path: &Path) -> std::io::Result<Streamed> {
        let (file, direct) = open_direct(path)?;
        let (full, to_write) = std::sync::mpsc::sync_channel::<Block>(1);
        let (done, empty) = std::sync::mpsc::sync_channel::<Block>(Self::BLOCKS);
        let io = std::thread::Builder::new().name("ykien-write".into()).spawn(move || {
            let mut w = BlockWriter { out: Writeback::new(file), direct };
            for mut b in to_write {
                w.write_block(b.filled())?;
                b.len = 0;
                // The filler may have stopped; the block is then simply dropped.
                let _ = done.try_send(b);
            }
            Ok(w.out.file)
        })?;
        Ok(Streamed { block: Block::new(), full: Some(full), empty, made: 1, io: Some(io), total: 0 })
    }

    /// Hands the current block to the writing thread and takes an empty one.
    fn hand_over(&mut self) -> std::io::Result<()> {
        let next = if self.made < Self::BLOCKS {
            self.made += 1;
            Block::new()
        } else {
            match self.empty.recv() {
                Ok(b) => b,
                Err(_) => return Err(self.stopped()),
            }
        };
        let full = std::mem::replace(&mut self.block, next);
        let sent = self.full.as_ref().map(|tx| tx.send(full).is_ok()).unwrap_or(false);
        if sent { Ok(()) } else { Err(self.stopped()) }
    }

    /// Closes the writing thread's channel and waits for it: the file, or its error.
    fn join(&mut self) -> std::io::Result<std::fs::File> {
        self.full = None;
        match self.io.take().map(|h| h.join()) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(std::io::Error::other("the thread writing the file panicked")),
            None => Err(std::io::Error::other("the thread writing the file stopped")),
        }
    }

    /// The writing thread's error, once it has stopped.
    fn stopped(&mut self) -> std::io::Error {
        self.join().err().unwrap_or_else(|| std::io::Error::other("the thread writing the file stopped"))
    }

    /// Writes what is left (the last block padded to a whole number of 4,096-byte units,
    /// then cut back), waits for the writing thread and hands back the file, not yet synced.
    fn finish(mut self) -> std::io::Result<std::fs::File> {
        let pad = (Block::ALIGN - self.block.len % Block::ALIGN) % Block::ALIGN;
        if self.block.len > 0 {
            self.block.room()[..pad].fill(0);
            self.block.len += pad;
            let last = std::mem::replace(&mut self.block, Block { mem: Vec::new(), start: 0, len: 0 });
            if self.full.as_ref().is_none_or(|tx| tx.send(last).is_err()) {
                return Err(self.stopped());
            }
        }
        let file = self.join()?;
        file.set_len(self.total)?;
        Ok(file)
    }
}

impl Write for Streamed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = self.block.room();
        let n = buf.len().min(room.len());
        room[..n].copy_from_slice(&buf[..n]);
        self.block.len += n;
        self.total += n as u64;
        if self.block.len == Block::SIZE {
            self.hand_over()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Streamed {
    fn drop(&mut self) {
        // Unfinished (the filler failed): stop the writing thread before the file goes.
        self.full = None;
        if let Some(h) = self.io.take() {
            let _ = h.join();
        }
    }
}

/// Opens `path` for writing past the page cache where the system allows it; the flag says
/// whether it did.
#[cfg(target_os = "linux")]
fn open_direct(path: &Path) -> std::io::Result<(std::fs::File, bool)> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new().write(true).create(true).truncate(true).custom_flags(libc::O_DIRECT).open(path) {
        Ok(f) => Ok((f, true)),
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok((std::fs::File::create(path)?, false)),
        Err(e) => Err(e),
    }
}

/// Opens `path` for writing (buffered: direct writes are a Linux flag here).
#[cfg(not(target_os = "linux"))]
fn open_direct(path: &Path) -> std::io::Result<(std::fs::File, bool)> {
    Ok((std::fs::File::create(path)?, false))
}

/// The writing thread's side: whole blocks, at offsets that are whole blocks.
struct BlockWriter {
    out: Writeback,
    direct: bool,
}

impl BlockWriter {
    /// Writes one block; a direct write the filesystem refuses is written again buffered,
    /// from the block's start (a refused write may have written part of it).
    fn write_block(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let at = self.out.written;
        match self.out.write_all(bytes) {
            Err(e) if self.direct && e.kind() == std::io::ErrorKind::InvalidInput => {
                use std::io::Seek;
                self.direct = false;
                buffered(&self.out.file)?;
                self.out.file.seek(std::io::SeekFrom::Start(at))?;
                self.out.written = at;
                self.out.write_all(bytes)
            }
            r => r,
        }
    }
}

/// Turns direct writes off on an open file.
#[cfg(target_os = "linux")]
fn buffered(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: the descriptor is this open file's; fcntl reads and sets its flags only.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_DIRECT) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Turns direct writes off on an open file (never on: nothing to do).
#[cfg(not(target_os = "linux"))]
fn buffered(_file: &std::fs::File) -> std::io::Result<()> {
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

/// Appends `x` with three decimals: what `{:.3}` writes (halves to even), without the
/// formatting machinery (a million rows write three such numbers each).
pub fn push_decimal3(out: &mut String, x: f32) {
    // x × 1000 is exact in f64 (24 + 10 significant bits), so rounding it rounds x's
    // exact decimal value, as the formatter does.
    use std::fmt::Write;
    let v = x as f64 * 1000.0;
    if !(v.is_finite() && v.abs() < 1e15) {
        let _ = write!(out, "{x:.3}");
        return;
    }
    if x.is_sign_negative() {
        out.push('-');
    }
    let r = v.abs().round_ties_even() as u64;
    let (whole, frac) = (r / 1000, (r % 1000) as u32);
    push_uint(out, whole);
    for d in [b'.', b'0' + (frac / 100) as u8, b'0' + (frac / 10 % 10) as u8, b'0' + (frac % 10) as u8] {
        out.push(char::from(d));
    }
}

/// Appends `n` in decimal, as `Display` writes it: up to three digits directly (scores,
/// confidences and percentages are small; formatting machinery cost about 260
/// instructions a number), larger numbers through `Display`.
pub fn push_uint(out: &mut String, n: u64) {
    if n >= 1000 {
        use std::fmt::Write;
        let _ = write!(out, "{n}");
        return;
    }
    if n >= 100 {
        out.push(char::from(b'0' + (n / 100) as u8));
    }
    if n >= 10 {
        out.push(char::from(b'0' + (n / 10 % 10) as u8));
    }
    out.push(char::from(b'0' + (n % 10) as u8));
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
    fn whole_numbers_read_as_display_writes_them() {
        let mut ns: Vec<u64> = (0..=2000).collect();
        ns.extend([9_999, 10_000, 123_456_789, u64::MAX]);
        for n in ns {
            let mut got = String::from("«");
            push_uint(&mut got, n);
            assert_eq!(got, format!("«{n}"));
        }
    }

    #[test]
    fn three_decimals_read_as_float_formatting_writes_them() {
        let mut rng = crate::rng::Rng::new(5);
        // Every thousandth and the values either side, halves that f32 holds exactly
        // (0.0625: to even), the ends, large and odd values, and random ones.
        let mut xs: Vec<f32> = (0..=2000).map(|i| i as f32 / 1000.0).collect();
        xs.extend((0..=2000).flat_map(|i| {
            let x = i as f32 / 1000.0;
            [f32::from_bits(x.to_bits().wrapping_add(1)), f32::from_bits(x.to_bits().saturating_sub(1))]
        }));
        xs.extend((0..64).map(|i| (2 * i + 1) as f32 / 16.0 / 1000.0 * 125.0));
        xs.extend([0.0, -0.0, 1.0, 0.0625, 0.1875, 0.9995, 0.0005, -0.0004, -1.5, 12.3456, 999_999.9, 3.4e12, 1e16, f32::MAX, f32::MIN_POSITIVE, f32::NAN, f32::INFINITY, f32::NEG_INFINITY]);
        xs.extend((0..50_000).map(|_| rng.next_f64() as f32));
        for x in xs {
            let mut got = String::from("«");
            push_decimal3(&mut got, x);
            assert_eq!(got, format!("«{x:.3}"), "x = {x:e}");
        }
    }

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
    fn streamed_files_of_every_awkward_length_hold_exactly_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let text = "Thanh niên xã Hữu Liên đề nghị mở lớp đào tạo nghề, hỗ trợ vay vốn khởi nghiệp. ";
        for len in [0, 1, 4095, 4096, 4097, Block::SIZE - 1, Block::SIZE, 3 * Block::SIZE + 17] {
            let want: Vec<u8> = text.bytes().cycle().take(len).collect();
            let path = dir.path().join(format!("rows-{len}.txt"));
            // Written in uneven pieces, as rows are.
            write_atomic_with(&path, |w| want.chunks(1000 + len % 7).try_for_each(|c| w.write_all(c))).unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), want, "{len} bytes");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_refused_direct_write_is_written_again_buffered_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blocks.txt");
        let (file, direct) = open_direct(&path).unwrap();
        if !direct {
            eprintln!("skipped: {} does not take direct writes, so none can be refused", dir.path().display());
            return;
        }
        let text: Vec<u8> = "Đề nghị hỗ trợ việc làm cho thanh niên sau xuất khẩu lao động. ".bytes().cycle().take(3 * 4096 + 5).collect();
        let mut w = BlockWriter { out: Writeback::new(file), direct };
        // One byte in: neither the memory nor the length is aligned, which a direct write refuses.
        w.write_block(&text[1..]).unwrap();
        assert!(!w.direct, "the unaligned write should have been refused and the file turned buffered");
        w.write_block(&text[..10]).unwrap();
        let mut want = text[1..].to_vec();
        want.extend_from_slice(&text[..10]);
        assert_eq!(std::fs::read(&path).unwrap(), want);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_write_the_disk_refuses_is_an_error_not_a_short_file() {
        // /dev/full takes no bytes: the error comes back from the writing thread.
        let mut f = Streamed::create(Path::new("/dev/full")).unwrap();
        let block = vec![b'a'; Block::SIZE];
        let wrote = (0..4).try_for_each(|_| f.write_all(&block));
        let finished = match wrote {
            Ok(()) => f.finish().map(|_| ()),
            Err(e) => Err(e),
        };
        let e = finished.expect_err("writing to /dev/full must fail");
        assert_eq!(e.raw_os_error(), Some(libc::ENOSPC), "{e}");
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
