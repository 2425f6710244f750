//! Writing results: atomic file writes, the submission row and its JSON Lines and CSV,
//! the run's files.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::platform::direct_io::Streamed;

mod parquet;
mod row;
mod run;
mod staging;

pub use parquet::{
    properties as parquet_properties, read_text_column, write_clusters_parquet, write_submissions_parquet,
};

pub use row::{rounded3, CsvLayout, SubmissionRow};
pub use run::{write_rejects_only, write_run, write_submissions, Formats, Written};
pub use staging::{Staging, OUTPUT_FILES};

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, synced, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes `bytes` gzipped (best compression) to `path` atomically: how model files are saved.
pub fn write_gzip_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).map_err(|e| Error::io(path, e))?;
    let packed = gz.finish().map_err(|e| Error::io(path, e))?;
    write_atomic(path, &packed)
}

/// Reads a file written by [`write_gzip_atomic`]; a file that is not gzip is an error
/// naming it as not `what` ("a restorer model").
pub fn read_gzip(path: &Path, what: &str) -> Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::io::BufReader::new(file))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::model(path, format!("not {what}: {e}")))?;
    Ok(bytes)
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

/// Writes `n` rows through `fill`, which serialises the rows of a range into a buffer;
/// ranges are serialised in parallel a window at a time and written in order (a window is
/// written while the next is serialised), so output is the same as a sequential loop and
/// no more than two windows sit in memory.
pub fn write_rows_parallel(
    w: &mut (dyn Write + Send),
    n: usize,
    fill: impl Fn(std::ops::Range<usize>, &mut Vec<u8>) -> std::io::Result<()> + Sync,
) -> std::io::Result<()> {
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
        let (written, next) =
            rayon::join(|| write(&mut *w), || next.map(|a| serialise(a, largest + largest / 8)).transpose());
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

/// A CSV cell as a spreadsheet may read it safely: one that starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return would be taken for a formula by Excel (CSV injection),
/// so it gets a leading apostrophe, as OWASP recommends; anything else is unchanged.
pub fn excel_safe(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => std::borrow::Cow::Owned(format!("'{s}")),
        _ => std::borrow::Cow::Borrowed(s),
    }
}

/// Appends `s` as one CSV field as the csv crate writes it by default (quoted only when
/// it holds a comma, a quote or a line break, quotes doubled) after [`excel_safe`],
/// without the record's separator: the per-submission file's rows are written field by
/// field in bulk.
pub fn csv_field(buf: &mut Vec<u8>, s: &str) {
    let s = &*excel_safe(s);
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
        serde_json::to_writer(&mut out, it).map_err(|e| Error::write("JSON", e))?;
        out.push(b'\n');
    }
    Ok(out)
}

/// CSV for Excel: a UTF-8 BOM (so Excel opens Vietnamese text correctly), the header,
/// then the rows, each cell made [`excel_safe`].
pub fn csv_for_excel(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Result<Vec<u8>> {
    let mut buf = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        w.write_record(header).map_err(|e| Error::write("CSV", e))?;
        for r in rows {
            w.write_record(r.iter().map(|c| excel_safe(c).into_owned())).map_err(|e| Error::write("CSV", e))?;
        }
        w.flush().map_err(|e| Error::write("CSV", e))?;
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
        xs.extend([
            0.0,
            -0.0,
            1.0,
            0.0625,
            0.1875,
            0.9995,
            0.0005,
            -0.0004,
            -1.5,
            12.3456,
            999_999.9,
            3.4e12,
            1e16,
            f32::MAX,
            f32::MIN_POSITIVE,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ]);
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
            "=HYPERLINK(\"http://x\",\"bấm\")",
            "+84 912 345 678",
            "- em muốn hỏi",
            "@SUM(A1)",
            "\tthụt lề",
            "\rđầu dòng",
        ];
        for f in fields {
            let mut ours = Vec::new();
            json_str(&mut ours, f);
            assert_eq!(ours, serde_json::to_vec(f).unwrap(), "{f:?}");
        }
        // A record of all of them, as the csv crate writes them (LF-terminated) once a cell
        // Excel would take for a formula has its apostrophe.
        let mut theirs = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
        let safe: Vec<String> = fields
            .iter()
            .map(|f| if f.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{f}") } else { f.to_string() })
            .collect();
        assert_eq!(safe.iter().filter(|f| f.starts_with('\'')).count(), 6);
        theirs.write_record(&safe).unwrap();
        let theirs = theirs.into_inner().unwrap();
        let mut ours = Vec::new();
        csv_row(&mut ours, fields);
        assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap());
    }
}
