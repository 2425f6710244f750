//! Word documents (.docx): the tables district offices compile opinions in ("Biểu tổng
//! hợp ý kiến, kiến nghị"). Each table whose header names a text column is read as a sheet
//! is (title rows above the header, columns found by their names); a merged cell counts
//! for every row it spans (a district named once for its opinions); tables without such a
//! header (the agency and motto at the top of an official document) are passed over, and
//! where no table names one, the largest is read with the text column found by content.
//! The XML is streamed and bounded: a document that inflates past [`MAX_XML`] is refused.

use std::io::{BufReader, Read};
use std::path::Path;

use quick_xml::events::Event;

use super::Sink;
use crate::error::{Error, Location, Result};

/// Bytes of word/document.xml read at most (a zip bomb stops here).
const MAX_XML: u64 = 256 << 20;
/// Tables nested deeper than this make the document an error (a table nested in a cell
/// is read as text of that cell).
const MAX_DEPTH: usize = 64;

/// A table: rows of cells, and per cell whether it continues a vertical merge.
type Table = Vec<Vec<(String, bool)>>;

pub(super) fn read(path: &Path, sink: &mut Sink<'_, '_>) -> Result<()> {
    let bad = |what: String| Error::input(path, Location::File, crate::t!("input.docx-unreadable", what = what));
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(e.to_string()))?;
    let entry = zip.by_name("word/document.xml").map_err(|e| bad(e.to_string()))?;
    let mut limited = entry.take(MAX_XML + 1);
    let tables = tables(BufReader::new(&mut limited)).map_err(bad)?;
    if limited.limit() == 0 {
        return Err(bad(crate::t!("input.docx-too-large", mb = MAX_XML >> 20)));
    }
    if tables.is_empty() {
        return Err(Error::input(path, Location::File, crate::t!("input.docx-no-table")));
    }
    let grids: Vec<Vec<Vec<String>>> = tables.iter().map(fill_merged).collect();
    super::sheet::read_tables(path, sink, grids)
}

/// The cells' texts, a cell that continues a vertical merge given the text above it.
fn fill_merged(t: &Table) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::with_capacity(t.len());
    for row in t {
        let filled = row
            .iter()
            .enumerate()
            .map(|(c, (text, cont))| match (cont, out.last()) {
                (true, Some(above)) if text.trim().is_empty() => above.get(c).cloned().unwrap_or_default(),
                _ => text.clone(),
            })
            .collect();
        out.push(filled);
    }
    out
}

/// The top-level tables of a document.xml; text of tables nested in a cell is that cell's.
fn tables(r: impl std::io::BufRead) -> std::result::Result<Vec<Table>, String> {
    let mut reader = quick_xml::Reader::from_reader(r);
    let mut buf = Vec::new();
    let mut out: Vec<Table> = Vec::new();
    let mut depth = 0usize; // tables open
    let mut in_text = false;
    let (mut row, mut cell, mut cont) = (Vec::<(String, bool)>::new(), String::new(), false);
    let mut span = 1usize;
    loop {
        let ev = reader.read_event_into(&mut buf).map_err(|e| e.to_string())?;
        let top = depth == 1;
        match ev {
            Event::Eof => break,
            Event::Start(ref e) | Event::Empty(ref e) => {
                let open = matches!(ev, Event::Start(_));
                match e.local_name().as_ref() {
                    b"tbl" if open => {
                        depth += 1;
                        if depth > MAX_DEPTH {
                            return Err(crate::t!("input.docx-too-deep"));
                        }
                        if depth == 1 {
                            out.push(Vec::new());
                        }
                    }
                    b"tr" if top => row.clear(),
                    b"tc" if top => {
                        cell.clear();
                        (cont, span) = (false, 1);
                    }
                    b"gridSpan" if top => {
                        span = attr(e, b"val").and_then(|v| v.parse().ok()).unwrap_or(1).clamp(1, 64);
                    }
                    b"vMerge" if top => cont = attr(e, b"val").is_none_or(|v| v == "continue"),
                    b"t" if depth > 0 => in_text = open,
                    b"tab" if depth > 0 => cell.push(' '),
                    b"br" | b"cr" if depth > 0 => cell.push('\n'),
                    _ => {}
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"tbl" => depth = depth.saturating_sub(1),
                b"t" => in_text = false,
                b"p" if depth > 0 && !cell.is_empty() && !cell.ends_with('\n') => cell.push('\n'),
                b"tc" if top => {
                    row.push((cell.trim().to_string(), cont));
                    row.extend((1..span).map(|_| (String::new(), cont)));
                }
                b"tr" if top => {
                    if let Some(t) = out.last_mut() {
                        t.push(std::mem::take(&mut row));
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_text && depth > 0 => cell.push_str(&t.decode().map_err(|e| e.to_string())?),
            Event::GeneralRef(r) if in_text && depth > 0 => {
                push_reference(&r, &mut cell)?;
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

/// Appends what an XML reference stands for: a character (`&#7845;`) or one of XML's five
/// entities; any other entity stands for nothing (XML documents of Office declare none).
pub(super) fn push_reference(r: &quick_xml::events::BytesRef<'_>, out: &mut String) -> std::result::Result<(), String> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        out.push(c);
        return Ok(());
    }
    let name = r.decode().map_err(|e| e.to_string())?;
    out.push_str(match name.as_ref() {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    });
    Ok(())
}

/// An attribute's value by its local name (`w:val`; the values read are plain words and numbers).
fn attr(e: &quick_xml::events::BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_cells_count_for_every_row_they_span() {
        let xml = r#"<w:document xmlns:w="x"><w:body>
          <w:tbl><w:tr><w:tc><w:p><w:r><w:t>UBND HUYỆN</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
          <w:tbl>
            <w:tr><w:tc><w:p><w:r><w:t>Địa bàn</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Nội dung ý kiến</w:t></w:r></w:p></w:tc></w:tr>
            <w:tr><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>Hữu Lũng</w:t></w:r></w:p></w:tc>
                  <w:tc><w:p><w:r><w:t>Mong tỉnh mở lớp &amp; hỗ trợ</w:t></w:r></w:p><w:p><w:r><w:t>học nghề.</w:t></w:r></w:p></w:tc></w:tr>
            <w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc><w:p><w:r><w:t>Đường vào thôn hỏng.</w:t></w:r></w:p></w:tc></w:tr>
          </w:tbl></w:body></w:document>"#;
        let t = tables(xml.as_bytes()).unwrap();
        assert_eq!(t.len(), 2);
        let g = fill_merged(&t[1]);
        assert_eq!(g[1], ["Hữu Lũng", "Mong tỉnh mở lớp & hỗ trợ\nhọc nghề."]);
        assert_eq!(g[2], ["Hữu Lũng", "Đường vào thôn hỏng."]);
    }
}
