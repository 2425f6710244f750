//! Excel 2003 XML spreadsheets ("XML Spreadsheet 2003", `urn:schemas-microsoft-com:office:spreadsheet`),
//! which older .NET and web systems still export, usually under an .xls name: each
//! `Worksheet` a sheet, read like a workbook's (`--sheet`, `--all-sheets`); a cell's
//! `ss:Index` places it, `ss:MergeAcross` pads it, and `ss:MergeDown` gives its text to
//! every row it spans, as the Word and web readers do.

use std::io::{BufReader, Read};
use std::path::Path;

use calamine::Data;
use quick_xml::events::Event;

use super::{ReadOptions, Sink};
use crate::error::{Error, Location, Result};

use super::sheet::{MAX_BYTES, MAX_CELLS, MAX_COLUMNS};

/// A sheet: its name and its rows, each with the row number the sheet gives it.
type Sheet = (String, Vec<(u64, Vec<String>)>);

pub(super) fn read(path: &Path, opts: &ReadOptions, sink: &mut Sink<'_, '_>) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut limited = BufReader::new(file).take(MAX_BYTES + 1);
    let sheets = sheets(&mut limited).map_err(|m| Error::input(path, Location::File, m))?;
    if limited.limit() == 0 {
        return Err(Error::input(path, Location::File, crate::t!("input.table-file-too-large", mb = MAX_BYTES >> 20)));
    }
    let names: Vec<String> = sheets.iter().map(|(n, _)| n.clone()).collect();
    let default = if opts.all_sheets || opts.sheet.is_some() {
        0
    } else {
        super::sheet::first_naming_text(sink, &names, |name| {
            let rows = sheets.iter().find(|(n, _)| n == name).map(|(_, r)| r.as_slice()).unwrap_or_default();
            rows.iter().take(30).map(|(_, cells)| cells.clone()).collect()
        })
    };
    let mut sheets: Vec<Option<Sheet>> = sheets.into_iter().map(Some).collect();
    super::sheet::read_chosen(path, opts, sink, &names, default, |sink, name| {
        let Some(i) = names.iter().position(|n| n == name) else { return Ok(()) };
        let (name, rows) = sheets[i].take().unwrap_or_default();
        let rows = rows.into_iter().map(|(r, cells)| Ok((r, cells.into_iter().map(Data::String).collect())));
        super::sheet::read_sheet_rows(path, &name, sink, rows)
    })
}

/// The worksheets of an Excel 2003 XML file, merges resolved.
fn sheets(r: impl std::io::BufRead) -> std::result::Result<Vec<Sheet>, String> {
    let bad = |what: String| crate::t!("input.xml2003-unreadable", what = what);
    let mut reader = quick_xml::Reader::from_reader(r);
    let mut buf = Vec::new();
    let mut out: Vec<Sheet> = Vec::new();
    // Per column: rows still covered by a cell above (MergeDown), and its text.
    let mut carry: Vec<(u64, String)> = Vec::new();
    let (mut row, mut row_no) = (Vec::<String>::new(), 0u64);
    let (mut text, mut in_data, mut in_row) = (String::new(), false, false);
    let (mut col, mut across, mut down) = (0usize, 0usize, 0u64);
    let mut cells = 0usize;
    loop {
        let ev = reader.read_event_into(&mut buf).map_err(|e| bad(e.to_string()))?;
        match ev {
            Event::Eof => break,
            Event::Start(ref e) | Event::Empty(ref e) => {
                let open = matches!(ev, Event::Start(_));
                match e.local_name().as_ref() {
                    b"Worksheet" => {
                        let name = attr(e, b"Name").unwrap_or_else(|| format!("Sheet{}", out.len() + 1));
                        out.push((name, Vec::new()));
                        carry.clear();
                        row_no = 0;
                    }
                    b"Row" => {
                        row_no = match attr(e, b"Index").and_then(|v| v.trim().parse::<u64>().ok()) {
                            Some(i) if i > row_no => i,
                            _ => row_no + 1,
                        };
                        row.clear();
                        col = 0;
                        in_row = open;
                        if !open {
                            finish_row(&mut out, &mut row, &mut carry, row_no, &mut cells)?;
                        }
                    }
                    b"Cell" if in_row => {
                        if let Some(i) = attr(e, b"Index").and_then(|v| v.trim().parse::<usize>().ok()) {
                            col = col.max(i.saturating_sub(1));
                        }
                        if col >= MAX_COLUMNS {
                            return Err(crate::t!("input.table-too-wide", max = MAX_COLUMNS));
                        }
                        let n = |name: &[u8]| attr(e, name).and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
                        across = n(b"MergeAcross").min(MAX_COLUMNS as u64) as usize;
                        down = n(b"MergeDown").min(1 << 20);
                        text.clear();
                        if !open {
                            place(&mut row, &mut carry, &mut col, &text, across, down)?;
                        }
                    }
                    b"Data" if open => in_data = true,
                    b"Br" | b"br" if in_data => text.push('\n'),
                    _ => {}
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"Data" => in_data = false,
                b"Cell" if in_row => place(&mut row, &mut carry, &mut col, &text, across, down)?,
                b"Row" if in_row => {
                    in_row = false;
                    finish_row(&mut out, &mut row, &mut carry, row_no, &mut cells)?;
                }
                _ => {}
            },
            Event::Text(t) if in_data => text.push_str(&t.decode().map_err(|e| bad(e.to_string()))?),
            Event::CData(t) if in_data => text.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) if in_data => {
                super::docx::push_reference(&r, &mut text).map_err(bad)?;
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

/// Puts a cell's text at `col` (after the columns covered from above), pads the columns it
/// merges across, and remembers the rows it merges down.
fn place(
    row: &mut Vec<String>,
    carry: &mut Vec<(u64, String)>,
    col: &mut usize,
    text: &str,
    across: usize,
    down: u64,
) -> std::result::Result<(), String> {
    while carry.get(*col).is_some_and(|c| c.0 > 0) {
        *col += 1;
    }
    let end = *col + across + 1;
    if end > MAX_COLUMNS {
        return Err(crate::t!("input.table-too-wide", max = MAX_COLUMNS));
    }
    if row.len() < end {
        row.resize(end, String::new());
    }
    row[*col] = text.trim().to_string();
    if down > 0 {
        if carry.len() < end {
            carry.resize(end, (0, String::new()));
        }
        for (k, c) in carry[*col..end].iter_mut().enumerate() {
            *c = (down + 1, if k == 0 { row[*col].clone() } else { String::new() });
        }
    }
    *col = end;
    Ok(())
}

/// Ends a row: the columns covered by cells above take their text; the row joins the sheet.
fn finish_row(
    out: &mut [Sheet],
    row: &mut Vec<String>,
    carry: &mut [(u64, String)],
    row_no: u64,
    cells: &mut usize,
) -> std::result::Result<(), String> {
    for (c, (left, text)) in carry.iter_mut().enumerate() {
        if *left == 0 {
            continue;
        }
        *left -= 1;
        // The merging cell's own row holds its text already.
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        if row[c].is_empty() {
            row[c] = text.clone();
        }
    }
    *cells += row.len().max(1);
    if *cells > MAX_CELLS {
        return Err(crate::t!("input.table-too-many-cells", max = MAX_CELLS));
    }
    if let Some((_, rows)) = out.last_mut() {
        rows.push((row_no, std::mem::take(row)));
    }
    Ok(())
}

/// An attribute's value by its local name (`ss:Index`, `ss:Name`).
fn attr(e: &quick_xml::events::BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.local_name().as_ref() == name).map(|a| {
        let raw = String::from_utf8_lossy(&a.value).into_owned();
        quick_xml::escape::unescape(&raw).map(|v| v.into_owned()).unwrap_or(raw)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_and_merges_place_cells() {
        let xml = r#"<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
          xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="Tổng hợp"><Table>
          <Row><Cell ss:MergeAcross="2"><Data ss:Type="String">DANH SÁCH Ý KIẾN</Data></Cell></Row>
          <Row ss:Index="3"><Cell><Data ss:Type="String">STT</Data></Cell><Cell><Data ss:Type="String">Huyện</Data></Cell><Cell><Data ss:Type="String">Ý kiến</Data></Cell></Row>
          <Row><Cell><Data ss:Type="Number">1</Data></Cell><Cell ss:MergeDown="1"><Data ss:Type="String">Cao Lộc</Data></Cell>
               <Cell><ss:Data ss:Type="String" xmlns="http://www.w3.org/TR/REC-html40"><B>Xin hỏi</B> về vay vốn &amp; việc làm</ss:Data></Cell></Row>
          <Row><Cell><Data ss:Type="Number">2</Data></Cell><Cell ss:Index="3"><Data ss:Type="String">Học bổng cho học sinh</Data></Cell></Row>
          </Table></Worksheet><Worksheet ss:Name="Trống"/></Workbook>"#;
        let s = sheets(xml.as_bytes()).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].0, "Tổng hợp");
        let rows: Vec<(u64, Vec<&str>)> =
            s[0].1.iter().map(|(n, r)| (*n, r.iter().map(String::as_str).collect())).collect();
        assert_eq!(
            rows,
            [
                (1, vec!["DANH SÁCH Ý KIẾN", "", ""]),
                (3, vec!["STT", "Huyện", "Ý kiến"]),
                (4, vec!["1", "Cao Lộc", "Xin hỏi về vay vốn & việc làm"]),
                (5, vec!["2", "Cao Lộc", "Học bổng cho học sinh"]),
            ]
        );
    }
}
