//! CSV and TSV with a header row; the delimiter (comma, semicolon, tab) is detected.

use std::io::{BufRead, Read};
use std::path::Path;

use super::{decode, Sink};
use crate::error::{Error, Location, Result};

/// Picks the delimiter that splits the header line most often (outside quotes).
fn detect_delimiter(header: &str, path: &Path) -> u8 {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tsv") || e.eq_ignore_ascii_case("tab")) {
        return b'\t';
    }
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in header.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for c in counts.iter_mut() {
                if c.0 == b {
                    c.1 += 1;
                }
            }
        }
    }
    counts.iter().max_by_key(|c| (c.1, c.0 == b',')).map(|c| c.0).unwrap_or(b',')
}

/// Reads a delimited file. UTF-8 (the usual export) is parsed as it is read, each record
/// checked as it comes; UTF-16 is decoded whole first.
pub(super) fn read(path: &Path, sink: &mut Sink<'_, '_>) -> Result<()> {
    let mut file = match decode::open_text(path)? {
        decode::Opened::Whole(text) => {
            let delim = detect_delimiter(text.lines().next().unwrap_or(""), path);
            return parse(path, sink, text.as_bytes(), delim);
        }
        decode::Opened::Utf8(file) => file,
    };
    let io = |e| Error::io(path, e);
    let mut header = Vec::new();
    file.read_until(b'\n', &mut header).map_err(io)?;
    let delim = detect_delimiter(&String::from_utf8_lossy(&header), path);
    parse(path, sink, std::io::Cursor::new(header).chain(file), delim)
}

/// A CSV error as ykien reports it: text that is not UTF-8 stops the read (the file
/// needs saving again); anything else is one bad record.
fn utf8_error(path: &Path, e: &csv::Error) -> Option<Error> {
    match e.kind() {
        csv::ErrorKind::Utf8 { pos, err } => {
            let line = pos.as_ref().map(|p| p.line()).unwrap_or(1);
            Some(decode::not_utf8(path, line, format!("field {} of the record at line {line}", err.field() + 1)))
        }
        _ => None,
    }
}

/// The fields of `raw` as text, or `None` if one is not UTF-8: the record's bytes are
/// checked whole, then each field's bounds for falling between characters.
fn fields_utf8(raw: &csv::ByteRecord) -> Option<Vec<&str>> {
    let all = simdutf8::basic::from_utf8(raw.as_slice()).ok()?;
    (0..raw.len())
        .map(|i| {
            let r = raw.range(i)?;
            (all.is_char_boundary(r.start) && all.is_char_boundary(r.end)).then(|| &all[r])
        })
        .collect()
}

fn parse(path: &Path, sink: &mut Sink<'_, '_>, input: impl Read, delim: u8) -> Result<()> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .has_headers(true)
        .buffer_capacity(1 << 16)
        .from_reader(input);
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_string()).collect(),
        Err(e) => {
            return Err(utf8_error(path, &e)
                .unwrap_or_else(|| Error::input(path, Location::Line(1), format!("cannot read the header row: {e}"))))
        }
    };
    if headers.iter().all(|h| h.is_empty()) {
        return Err(Error::input(path, Location::Line(1), "the file is empty or has no header row"));
    }
    sink.builder
        .check_header(headers.iter().map(String::as_str))
        .map_err(|m| Error::input(path, Location::Line(1), m))?;
    // Records are read as bytes and checked for UTF-8 at once with SIMD (the csv
    // crate's own check, field by field, is several times slower on Vietnamese text).
    let mut raw = csv::ByteRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_byte_record(&mut raw) {
            Ok(false) => break,
            Ok(true) => {
                let line = raw.position().map(|p| p.line()).unwrap_or(line);
                let Some(rec) = fields_utf8(&raw) else {
                    let i = raw.iter().position(|f| std::str::from_utf8(f).is_err()).unwrap_or(0);
                    return Err(decode::not_utf8(path, line, format!("field {} of the record at line {line}", i + 1)));
                };
                if rec.iter().all(|f| f.trim().is_empty()) {
                    sink.out.blank += 1;
                    continue;
                }
                if rec.len() != headers.len() {
                    sink.count += 1;
                    let raw = rec.join(&(delim as char).to_string());
                    let msg = format!("{} fields where the header has {}", rec.len(), headers.len());
                    sink.bad(Location::Line(line), msg, raw)?;
                    continue;
                }
                let fields = &rec;
                sink.record(headers.iter().zip(rec.iter().copied()), Location::Line(line), || fields.join(","), None)?;
            }
            Err(e) => {
                if let Some(bad) = utf8_error(path, &e) {
                    return Err(bad);
                }
                let line = e.position().map(|p| p.line()).unwrap_or(line);
                sink.count += 1;
                sink.bad(Location::Line(line), format!("malformed CSV: {e}"), String::new())?;
            }
        }
    }
    Ok(())
}
