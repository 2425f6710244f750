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
    let mut file = match decode::open_text(path, sink.skip_bad, sink.encoding)? {
        decode::Opened::Whole(text, bad, enc) => {
            sink.note(crate::t!("input.note-encoding", encoding = enc.name()));
            let delim = detect_delimiter(decode::lines(&text).next().unwrap_or(""), path);
            return parse(path, sink, text.as_bytes(), delim, &bad, crlf(text.as_bytes()));
        }
        decode::Opened::Utf8(file) => file,
    };
    let io = |e| Error::io(path, e);
    let mut header = Vec::new();
    file.read_until(b'\n', &mut header).map_err(io)?;
    let delim = detect_delimiter(&String::from_utf8_lossy(&header), path);
    let crlf = crlf(&header);
    parse(path, sink, std::io::Cursor::new(header).chain(file), delim, &[], crlf)
}

/// A CSV error as ykien reports it: text that is not UTF-8 stops the read (the file
/// needs saving again); anything else is one bad record.
fn utf8_error(path: &Path, e: &csv::Error) -> Option<Error> {
    match e.kind() {
        csv::ErrorKind::Utf8 { pos, err } => {
            let line = pos.as_ref().map(|p| p.line()).unwrap_or(1);
            Some(decode::not_utf8(path, line, crate::t!("input.field-of-line", field = err.field() + 1, line = line)))
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

/// Rows read before the header is chosen: title and letterhead rows sit above it.
const LOOK_AHEAD: usize = 30;

/// Parses delimited records; `bad_lines` are lines a lossy decoding found undecodable
/// units on (ascending): a record covering one is rejected.
pub(super) fn parse(
    path: &Path,
    sink: &mut Sink<'_, '_>,
    input: impl Read,
    delim: u8,
    bad_lines: &[u64],
    crlf: bool,
) -> Result<()> {
    let seen = std::rc::Rc::new(std::cell::Cell::new(Seen::default()));
    let input = Counted { inner: input, seen: seen.clone() };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .has_headers(false)
        .buffer_capacity(1 << 16)
        .from_reader(input);
    // Records are read as bytes and checked for UTF-8 at once with SIMD (the csv
    // crate's own check, field by field, is several times slower on Vietnamese text).
    // The first few are kept to find the header among them.
    let first = first_rows(path, &mut rdr, &seen, crlf)?;
    let texts: Vec<Vec<String>> =
        first.iter().map(|r| r.raw.iter().map(|f| String::from_utf8_lossy(f).trim().to_string()).collect()).collect();
    if texts.iter().all(|r| r.iter().all(String::is_empty)) {
        return Err(Error::input(path, Location::File, crate::t!("input.no-header")));
    }
    // A header with bytes that are not UTF-8 means the whole file was saved so (and a
    // header that cannot be found among such rows is said so too).
    let not_utf8 = |r: &Read1| {
        std::str::from_utf8(r.raw.as_slice()).err().map(|e| {
            let what = crate::t!(
                "input.byte-in-row",
                byte = format!("{:#04x}", r.raw.as_slice()[e.valid_up_to()]),
                line = r.line
            );
            decode::not_utf8(path, r.line, what)
        })
    };
    let layout = match sink.layout(&texts) {
        Ok(l) => l,
        Err(m) => {
            return Err(first.iter().find_map(not_utf8).unwrap_or_else(|| Error::input(path, Location::Line(1), m)))
        }
    };
    if let Some(e) = not_utf8(&first[layout.header_row]) {
        return Err(e);
    }
    sink.detect_legacy(&texts, &layout);
    for r in &first[..layout.header_row] {
        let empty = r.raw.iter().all(|f| f.iter().all(u8::is_ascii_whitespace));
        if empty {
            sink.out.blank += 1
        } else {
            sink.out.title_rows += 1
        }
    }
    let headers = sink.unicode_keys(layout.keys);
    let ctx = Ctx { delim, bad_lines, headers: &headers };
    // Empty lines the csv crate passed over are counted as blank.
    let blanks: u64 = first[..=layout.header_row].iter().map(|r| r.blanks).sum();
    sink.out.blank += blanks as usize;
    for r in &first[layout.header_row + 1..] {
        sink.out.blank += r.blanks as usize;
        ctx.record(sink, &r.raw, r.line, r.at_end, seen.get().quotes)?;
    }
    loop {
        let line = rdr.position().line();
        match next_record(&mut rdr, &seen, crlf) {
            Ok(None) => break,
            Ok(Some(r)) => {
                sink.out.blank += r.blanks as usize;
                ctx.record(sink, &r.raw, r.line, r.at_end, seen.get().quotes)?;
            }
            Err(e) => {
                if let Some(bad) = utf8_error(path, &e) {
                    return Err(bad);
                }
                let line = e.position().map(|p| p.line()).unwrap_or(line);
                sink.count += 1;
                sink.bad(Location::Line(line), crate::t!("input.malformed-csv", what = e), String::new())?;
            }
        }
    }
    Ok(())
}

/// A record as read, with where it lies.
struct Read1 {
    raw: csv::ByteRecord,
    /// The line it starts on.
    line: u64,
    /// Empty lines the csv crate passed over just before it.
    blanks: u64,
    /// The input ended with it.
    at_end: bool,
}

/// Whether a file's first line ends in CR LF (the line ends Excel writes).
pub(super) fn crlf(text: &[u8]) -> bool {
    text.iter().position(|&b| b == b'\n').is_some_and(|i| i > 0 && text[i - 1] == b'\r')
}

/// Reads the next record and locates it. The csv crate passes over empty lines and marks a
/// record with the position before them, so the start is worked out from the lines counted
/// before and after the read: after = start + line breaks inside + the terminator's LF.
/// With CR LF line ends the record ends at the CR, and its LF is counted by the next read.
fn next_record<R: Read>(
    rdr: &mut csv::Reader<Counted<R>>,
    seen: &std::rc::Rc<std::cell::Cell<Seen>>,
    crlf: bool,
) -> csv::Result<Option<Read1>> {
    let lag = (crlf && rdr.position().record() > 0) as u64;
    let before = rdr.position().line() + lag;
    let mut raw = csv::ByteRecord::new();
    if !rdr.read_byte_record(&mut raw)? {
        return Ok(None);
    }
    let s = seen.get();
    let at_end = s.ended && rdr.position().byte() == s.bytes;
    let breaks: u64 = raw.iter().map(|f| f.iter().filter(|&&b| b == b'\n').count() as u64).sum();
    let t = rdr.position().line().saturating_sub(before + breaks);
    // The last record of a file that does not end in a line break has no terminator, and
    // with CR LF line ends no record's LF is counted yet.
    let unterminated = at_end && s.last != b'\n';
    let terminated = !crlf && !unterminated;
    let blanks = if terminated { t.saturating_sub(1) } else { t };
    Ok(Some(Read1 { raw, line: before + blanks, blanks, at_end }))
}

/// The first [`LOOK_AHEAD`] records.
fn first_rows<R: Read>(
    path: &Path,
    rdr: &mut csv::Reader<Counted<R>>,
    seen: &std::rc::Rc<std::cell::Cell<Seen>>,
    crlf: bool,
) -> Result<Vec<Read1>> {
    let mut first = Vec::new();
    while first.len() < LOOK_AHEAD {
        match next_record(rdr, seen, crlf) {
            Ok(Some(r)) => first.push(r),
            Ok(None) => break,
            Err(e) => return Err(Error::input(path, Location::Line(1), crate::t!("input.first-rows", what = e))),
        }
    }
    Ok(first)
}

/// What every record of one file is read against.
struct Ctx<'a> {
    delim: u8,
    bad_lines: &'a [u64],
    headers: &'a [String],
}

impl Ctx<'_> {
    /// One record starting at `line`: a submission, a blank line, or a bad record.
    /// `at_end`: the input ended with it; `quotes`: quotation marks read so far.
    fn record(
        &self,
        sink: &mut Sink<'_, '_>,
        raw: &csv::ByteRecord,
        line: u64,
        at_end: bool,
        quotes: u64,
    ) -> Result<()> {
        let sep = (self.delim as char).to_string();
        let Some(rec) = fields_utf8(raw) else {
            // The line of the bad byte itself: the record's first line plus the line
            // breaks inside its fields before it.
            let i = raw.iter().position(|f| std::str::from_utf8(f).is_err()).unwrap_or(0);
            let before: usize = raw.iter().take(i).map(|f| f.iter().filter(|&&b| b == b'\n').count()).sum();
            let field = &raw[i];
            let at = std::str::from_utf8(field).err().map_or(0, |e| e.valid_up_to());
            let at_line = line + (before + field[..at].iter().filter(|&&b| b == b'\n').count()) as u64;
            let name = self.headers.get(i).map_or("", String::as_str);
            let what =
                crate::t!("input.byte-in-field", byte = format!("{:#04x}", field[at]), field = i + 1, name = name);
            sink.count += 1;
            let raw_text = raw.iter().map(String::from_utf8_lossy).collect::<Vec<_>>().join(&sep);
            return sink.bad(Location::Line(at_line), decode::not_utf8_message(&what), raw_text);
        };
        let breaks: u64 = rec.iter().map(|f| f.matches('\n').count() as u64).sum();
        if !self.bad_lines.is_empty() {
            let first_bad = self.bad_lines.partition_point(|&b| b < line);
            if let Some(&b) = self.bad_lines.get(first_bad).filter(|&&b| b <= line + breaks) {
                sink.count += 1;
                return sink.bad(Location::Line(b), decode::undecodable_line(b), rec.join(&sep));
            }
        }
        // An opening quote never closed makes the rest of the file one field: the last
        // record, ending at the end of the input with an odd count of quotes and a line
        // break inside (a missing quote on the last line loses nothing).
        if at_end && quotes % 2 == 1 && breaks > 0 {
            // The file's own last line end, swallowed too, ends no line of the record.
            let last = line + breaks - rec.last().is_some_and(|f| f.ends_with('\n')) as u64;
            let msg = crate::t!("input.quote-never-closed", first = line, last = last, n = last - line + 1);
            sink.count += 1;
            return sink.bad(Location::Line(line), msg, rec.join(&sep));
        }
        if rec.iter().all(|f| f.trim().is_empty()) {
            sink.out.blank += 1;
            return Ok(());
        }
        if rec.len() > self.headers.len() && rec[self.headers.len()..].iter().any(|f| !f.trim().is_empty())
            || rec.len() < self.headers.len() && breaks > 0
        {
            sink.count += 1;
            let mut msg = crate::t!("input.field-count", n = rec.len(), header = self.headers.len());
            if breaks > 0 {
                // A quote opened and closed records later: say which lines it took.
                msg.push_str("; ");
                msg.push_str(&crate::t!("input.quote-left-open", first = line, last = line + breaks, n = breaks + 1));
            }
            return sink.bad(Location::Line(line), msg, rec.join(&sep));
        }
        if sink.section_row(self.headers, |i| rec.get(i).map(|v| std::borrow::Cow::Borrowed(*v))) {
            return Ok(());
        }
        // A row a spreadsheet cut short (its last cells empty) reads as empty cells.
        let fields = self.headers.iter().zip(rec.iter().copied().chain(std::iter::repeat("")));
        sink.record(fields, Location::Line(line), || rec.join(","), None)
    }
}

/// What a [`Counted`] reader has passed on so far.
#[derive(Clone, Copy, Default)]
struct Seen {
    bytes: u64,
    quotes: u64,
    /// The input said it ended.
    ended: bool,
    /// The last byte passed on.
    last: u8,
}

/// A reader that counts the bytes and quotation marks it passes on, so that a quote
/// left open to the end of the input can be told.
struct Counted<R> {
    inner: R,
    seen: std::rc::Rc<std::cell::Cell<Seen>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut s = self.seen.get();
        s.bytes += n as u64;
        s.quotes += buf[..n].iter().filter(|&&b| b == b'"').count() as u64;
        s.ended |= n == 0 && !buf.is_empty();
        if n > 0 {
            s.last = buf[n - 1];
        }
        self.seen.set(s);
        Ok(n)
    }
}
