//! Files written a block at a time by a thread of their own, past the page cache on
//! Linux (`O_DIRECT`): a large result is written once and read later if at all.
//! `YKIEN_DIRECT_IO=0` writes through the page cache instead (the bytes are the same).

use std::io::Write;
use std::path::Path;

/// A file written a block at a time by a thread of its own, so whoever fills it never
/// waits for the disk, and on Linux past the page cache (`O_DIRECT`): a large result is
/// written once, read later if at all, and copying it into the cache cost more system
/// time than anything else in writing it (on the virtual machines measured here a page
/// the cache had not used lately cost about 10 microseconds to take). The file is opened
/// buffered where the filesystem refuses direct writes (tmpfs, some network mounts), and
/// turned buffered if a direct write is refused later; the bytes are the same either way.
pub struct Streamed {
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
    pub fn create(path: &Path) -> std::io::Result<Streamed> {
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
        if sent {
            Ok(())
        } else {
            Err(self.stopped())
        }
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
    pub fn finish(mut self) -> std::io::Result<std::fs::File> {
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
    if !super::enabled("YKIEN_DIRECT_IO") {
        return Ok((std::fs::File::create(path)?, false));
    }
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
            libc::sync_file_range(
                self.file.as_raw_fd(),
                self.started as i64,
                (self.written - self.started) as i64,
                libc::SYNC_FILE_RANGE_WRITE,
            );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_files_of_every_awkward_length_hold_exactly_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let text = "Thanh niên xã Hữu Liên đề nghị mở lớp đào tạo nghề, hỗ trợ vay vốn khởi nghiệp. ";
        for len in [0, 1, 4095, 4096, 4097, Block::SIZE - 1, Block::SIZE, 3 * Block::SIZE + 17] {
            let want: Vec<u8> = text.bytes().cycle().take(len).collect();
            let path = dir.path().join(format!("rows-{len}.txt"));
            // Written in uneven pieces, as rows are.
            crate::output::write_atomic_with(&path, |w| want.chunks(1000 + len % 7).try_for_each(|c| w.write_all(c)))
                .unwrap();
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
        let text: Vec<u8> = "Đề nghị hỗ trợ việc làm cho thanh niên sau xuất khẩu lao động. "
            .bytes()
            .cycle()
            .take(3 * 4096 + 5)
            .collect();
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
        crate::output::write_atomic_with(&path, |w| (0..n).try_for_each(|_| w.write_all(row.as_bytes()))).unwrap();
        let back = std::fs::read(&path).unwrap();
        assert_eq!(back.len(), n * row.len());
        assert!(back.chunks(row.len()).all(|c| c == row.as_bytes()));
        // A failed fill leaves the earlier file as it was and no temporary file behind.
        let failed = crate::output::write_atomic_with(&path, |w| {
            w.write_all(&[b'x'; 9 << 20])?;
            Err(std::io::Error::other("stopped"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), back);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
