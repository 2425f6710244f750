//! Bytes to text: UTF-8 with or without BOM, and UTF-16 (Excel's "Unicode text" export).

use std::path::Path;

use crate::error::{Error, Location, Result};

/// The UTF-8 byte-order mark.
pub(crate) const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// For text in UTF-16, whether it is little-endian and where the text starts (after
/// any byte-order mark), judged from the first bytes of a file; `None` for UTF-8.
pub(crate) fn utf16(head: &[u8]) -> Option<(bool, usize)> {
    match head {
        [0xFF, 0xFE, ..] => Some((true, 2)),
        [0xFE, 0xFF, ..] => Some((false, 2)),
        // UTF-16 without a BOM: ASCII text leaves every other byte zero.
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => Some((true, 0)),
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => Some((false, 0)),
        _ => None,
    }
}

/// The error for text that is not UTF-8, at `line`.
pub(crate) fn not_utf8(path: &Path, line: u64, what: String) -> Error {
    Error::input(
        path,
        Location::Line(line),
        format!("not valid UTF-8 ({what}); save the file as 'CSV UTF-8' or 'Unicode text'"),
    )
}

/// Decodes a text file's bytes, naming the line of the first undecodable byte.
pub fn decode_text(path: &Path, bytes: &[u8]) -> Result<String> {
    let Some((le, start)) = utf16(bytes) else {
        return utf8(path, bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes));
    };
    let body = &bytes[start..];
    if !body.len().is_multiple_of(2) {
        return Err(Error::input(
            path,
            Location::File,
            "UTF-16 text with an odd number of bytes: the file is cut short",
        ));
    }
    let units =
        body.chunks_exact(2)
            .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) });
    let mut out = String::with_capacity(body.len() / 2);
    let mut line = 1u64;
    for ch in char::decode_utf16(units) {
        match ch {
            Ok(c) => {
                if c == '\n' {
                    line += 1;
                }
                out.push(c);
            }
            Err(e) => {
                return Err(Error::input(
                    path,
                    Location::Line(line),
                    format!("invalid UTF-16 (unpaired surrogate {:#06x})", e.unpaired_surrogate()),
                ))
            }
        }
    }
    Ok(out)
}

fn utf8(path: &Path, bytes: &[u8]) -> Result<String> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let at = e.valid_up_to();
            let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
            Err(not_utf8(path, line, format!("byte {:#04x} at offset {at}", bytes[at])))
        }
    }
}

/// A text file opened for reading: UTF-8 as a buffered reader positioned after any BOM
/// (read it as it goes), or UTF-16 decoded whole.
pub(crate) enum Opened {
    /// UTF-8: the bytes after the BOM, not yet checked.
    Utf8(std::io::BufReader<std::fs::File>),
    /// UTF-16, decoded.
    Whole(String),
}

/// Opens a text file, telling UTF-16 from UTF-8 by its first bytes.
pub(crate) fn open_text(path: &Path) -> Result<Opened> {
    use std::io::{BufRead, Read};
    let io = |e| Error::io(path, e);
    let mut file = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path).map_err(io)?);
    let head = file.fill_buf().map_err(io)?;
    if utf16(head).is_some() {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        return Ok(Opened::Whole(decode_text(path, &bytes)?));
    }
    if head.starts_with(UTF8_BOM) {
        file.consume(UTF8_BOM.len());
    }
    Ok(Opened::Utf8(file))
}

/// Reads and decodes a whole text file.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode_text(path, &bytes)
}
