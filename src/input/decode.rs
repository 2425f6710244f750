//! Bytes to text: UTF-8 with or without BOM, and UTF-16 (Excel's "Unicode text" export).

use std::path::Path;

use super::legacy::Legacy;
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
    Error::input(path, Location::Line(line), not_utf8_message(&what))
}

/// What to say of text that is not UTF-8 (`what`: where the bad byte is).
pub(crate) fn not_utf8_message(what: &str) -> String {
    crate::t!("input.not-utf8", what = what)
}

/// Decodes a text file's bytes, naming the line of the first undecodable byte.
pub fn decode_text(path: &Path, bytes: &[u8]) -> Result<String> {
    let (text, bad) = decode(path, bytes, false)?;
    debug_assert!(bad.is_empty());
    Ok(text)
}

/// Decodes a text file's bytes. Strict (`lossy` false): the first undecodable unit is an
/// error naming its line. Lossy: each is replaced by U+FFFD and its line listed (in order,
/// once each), so that the records on those lines can be rejected one by one.
pub(crate) fn decode(path: &Path, bytes: &[u8], lossy: bool) -> Result<(String, Vec<u64>)> {
    let Some((le, start)) = utf16(bytes) else {
        let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
        if !lossy {
            return Ok((utf8(path, body)?, Vec::new()));
        }
        let mut bad = Vec::new();
        let mut line = 1u64;
        for chunk in body.utf8_chunks() {
            line += chunk.valid().bytes().filter(|&b| b == b'\n').count() as u64;
            if !chunk.invalid().is_empty() && bad.last() != Some(&line) {
                bad.push(line);
            }
        }
        return Ok((String::from_utf8_lossy(body).into_owned(), bad));
    };
    let body = &bytes[start..];
    if !body.len().is_multiple_of(2) && !lossy {
        return Err(Error::input(path, Location::File, crate::t!("input.utf16-odd")));
    }
    let units =
        body.chunks_exact(2)
            .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) });
    let mut out = String::with_capacity(body.len() / 2);
    let mut bad = Vec::new();
    let mut line = 1u64;
    for ch in char::decode_utf16(units) {
        match ch {
            Ok(c) => {
                if c == '\n' {
                    line += 1;
                }
                out.push(c);
            }
            Err(_) if lossy => {
                out.push(char::REPLACEMENT_CHARACTER);
                if bad.last() != Some(&line) {
                    bad.push(line);
                }
            }
            Err(e) => {
                return Err(Error::input(
                    path,
                    Location::Line(line),
                    crate::t!("input.utf16-surrogate", unit = format!("{:#06x}", e.unpaired_surrogate())),
                ))
            }
        }
    }
    if !body.len().is_multiple_of(2) {
        // Lossy: the odd last byte is cut, on the last line.
        out.push(char::REPLACEMENT_CHARACTER);
        if bad.last() != Some(&line) {
            bad.push(line);
        }
    }
    Ok((out, bad))
}

fn utf8(path: &Path, bytes: &[u8]) -> Result<String> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let at = e.valid_up_to();
            let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
            Err(not_utf8(path, line, crate::t!("input.byte-at-offset", byte = format!("{:#04x}", bytes[at]), at = at)))
        }
    }
}

/// The text encodings ykien reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// UTF-16 (Excel's "Unicode text"), little- or big-endian, told by its first bytes.
    Utf16,
    /// Windows-1258 (Excel's "CSV" on Vietnamese Windows); its tone marks are composed.
    Windows1258,
    /// TCVN3 (ABC, the .VnTime fonts) in an 8-bit file.
    Tcvn3,
    /// VNI Windows (the VNI-Times fonts) in an 8-bit file.
    Vni,
}

impl Encoding {
    /// Its name as people know it.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16 => "UTF-16",
            Encoding::Windows1258 => "Windows-1258",
            Encoding::Tcvn3 => Legacy::Tcvn3.name(),
            Encoding::Vni => Legacy::Vni.name(),
        }
    }

    /// The legacy font encoding it is, if it is one.
    pub(crate) fn legacy(self) -> Option<Legacy> {
        match self {
            Encoding::Tcvn3 => Some(Legacy::Tcvn3),
            Encoding::Vni => Some(Legacy::Vni),
            _ => None,
        }
    }
}

/// Whether bytes that are not UTF-8 are a Windows-1258 file: of the bytes above 127 in
/// `head`, most are not part of any UTF-8 sequence (a UTF-8 file with a damaged record has
/// a few such bytes among many good sequences), and at least three.
pub(crate) fn looks_windows_1258(head: &[u8]) -> bool {
    let high = head.iter().filter(|&&b| b >= 0x80).count();
    let mut invalid = 0usize;
    for chunk in head.utf8_chunks() {
        invalid += chunk.invalid().len();
    }
    // The last sequence may be cut by the end of the buffer: not counted against UTF-8.
    invalid >= 3 && invalid * 2 > high
}

/// An 8-bit file that is not UTF-8: TCVN3 or VNI when its letters say so (read as
/// Latin-1, then converted), else Windows-1258.
pub(crate) fn eight_bit(bytes: &[u8], forced: Option<Encoding>) -> (String, Encoding) {
    let latin1 = || bytes.iter().map(|&b| char::from(b)).collect::<String>();
    let legacy = match forced {
        Some(e) => e.legacy(),
        None => super::legacy::detect([latin1().as_str()]),
    };
    match legacy {
        Some(l) => {
            let e = match l {
                Legacy::Tcvn3 => Encoding::Tcvn3,
                Legacy::Vni => Encoding::Vni,
            };
            (super::legacy::convert(l, &latin1()), e)
        }
        None => (from_windows_1258(bytes), Encoding::Windows1258),
    }
}

/// Windows-1258 bytes as Unicode NFC text (its combining tone marks composed).
pub(crate) fn from_windows_1258(bytes: &[u8]) -> String {
    use unicode_normalization::UnicodeNormalization;
    let (text, _) = encoding_rs::WINDOWS_1258.decode_without_bom_handling(bytes);
    text.nfc().collect()
}

/// A text file opened for reading: UTF-8 as a buffered reader positioned after any BOM
/// (read it as it goes), or another encoding decoded whole.
pub(crate) enum Opened {
    /// UTF-8: the bytes after the BOM, not yet checked.
    Utf8(std::io::BufReader<std::fs::File>),
    /// Decoded whole (UTF-16 or Windows-1258), with the lines that held undecodable units
    /// (lossy reading only) and the encoding.
    Whole(String, Vec<u64>, Encoding),
}

/// Opens a text file, telling UTF-16 from UTF-8 by its first bytes.
pub(crate) fn open_text(path: &Path, lossy: bool, forced: Option<Encoding>) -> Result<Opened> {
    use std::io::{BufRead, Read};
    let io = |e| Error::io(path, e);
    let mut file = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path).map_err(io)?);
    let head = file.fill_buf().map_err(io)?;
    let encoding = forced.unwrap_or_else(|| guess(head));
    if encoding != Encoding::Utf8 {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let (text, bad, found) = decode_as(path, &bytes, lossy, encoding, forced)?;
        return Ok(Opened::Whole(text, bad, found));
    }
    if head.starts_with(UTF8_BOM) {
        file.consume(UTF8_BOM.len());
    }
    Ok(Opened::Utf8(file))
}

/// The encoding a file's first bytes suggest.
fn guess(head: &[u8]) -> Encoding {
    if utf16(head).is_some() {
        Encoding::Utf16
    } else if !head.starts_with(UTF8_BOM) && looks_windows_1258(head) {
        Encoding::Windows1258
    } else {
        Encoding::Utf8
    }
}

/// A whole file's bytes decoded as `encoding` (an 8-bit one told apart by its letters
/// unless the user `forced` which): the text, its undecodable lines, the encoding read.
fn decode_as(
    path: &Path,
    bytes: &[u8],
    lossy: bool,
    encoding: Encoding,
    forced: Option<Encoding>,
) -> Result<(String, Vec<u64>, Encoding)> {
    match encoding {
        Encoding::Windows1258 | Encoding::Tcvn3 | Encoding::Vni => {
            let (text, found) = eight_bit(bytes, forced);
            Ok((text, Vec::new(), found))
        }
        e => {
            let (text, bad) = decode(path, bytes, lossy)?;
            Ok((text, bad, e))
        }
    }
}

/// Reads and decodes a whole text file (lossy: see [`decode`]), guessing its encoding
/// unless `forced`; says which it read.
pub(crate) fn read_text(path: &Path, lossy: bool, forced: Option<Encoding>) -> Result<(String, Vec<u64>, Encoding)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let encoding = forced.unwrap_or_else(|| guess(&bytes[..bytes.len().min(1 << 20)]));
    decode_as(path, &bytes, lossy, encoding, forced)
}

/// The message for a record on a line that held bytes that are not text.
pub(crate) fn undecodable_line(line: u64) -> String {
    crate::t!("input.undecodable-line", line = line)
}

/// The lines of `text`, each without its end: a line ends at "\r\n", "\n" or a lone "\r"
/// (old Mac exports, and files whose line ends were mixed by copying).
pub(crate) fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.find(['\r', '\n']) {
            Some(i) => {
                let line = &rest[..i];
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
                Some(line)
            }
            None => {
                let line = rest;
                rest = "";
                Some(line)
            }
        }
    })
}
