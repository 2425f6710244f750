//! Spreadsheets (.xlsx, .xlsm, .xls, .ods) through calamine: the first sheet, `--sheet`, or
//! every sheet (`--all-sheets`).
//! The first non-empty row is the header; rows are numbered as the spreadsheet shows them.

use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader, Sheets};

use super::{ReadOptions, Sink};

/// Tables read whole into memory (web pages, Excel 2003 XML): files larger than this are refused.
pub(super) const MAX_BYTES: u64 = 256 << 20;
/// A row of such a table wider than this is an error (Excel's own limit).
pub(super) const MAX_COLUMNS: usize = 16_384;
/// Cells of such a file's tables together, spans and merges counted, beyond which it is an error.
pub(super) const MAX_CELLS: usize = 5_000_000;

/// The column that says which sheet a row came from (with `--all-sheets`).
pub const SHEET_COLUMN: &str = "Trang tính";
use crate::error::{Error, Location, Result};

pub(super) fn read(path: &Path, opts: &ReadOptions, sink: &mut Sink<'_, '_>) -> Result<()> {
    let mut wb = open_workbook_auto(path)
        .map_err(|e| Error::input(path, Location::File, crate::t!("input.workbook-open", what = e)))?;
    let names = wb.sheet_names();
    let default = if opts.all_sheets || opts.sheet.is_some() || names.len() < 2 {
        0
    } else {
        first_naming_text(sink, &names, |sheet| first_rows(&mut wb, sheet))
    };
    read_chosen(path, opts, sink, &names, default, |sink, sheet| read_sheet(path, &mut wb, sheet, sink))
}

/// Rows looked at to find a sheet's header (title rows sit above it).
const HEAD_ROWS: usize = 30;

/// The first sheet whose first rows name a text column (a workbook may open on a sheet of
/// instructions or a cover), else the first; a note says so when it is not the first.
pub(super) fn first_naming_text(
    sink: &mut Sink<'_, '_>,
    names: &[String],
    mut head: impl FnMut(&str) -> Vec<Vec<String>>,
) -> usize {
    let found = names
        .iter()
        .position(|n| head(n).iter().any(|r| super::columns::names_text_column(r, &sink.names, &sink.overrides)));
    match found {
        Some(i) if i > 0 => {
            sink.note(crate::t!("input.sheet-chosen", sheet = names[i], first = names[0]));
            i
        }
        _ => 0,
    }
}

/// A sheet's first rows as text (nothing where it cannot be read: the read proper says why).
fn first_rows<RS: std::io::Read + std::io::Seek>(wb: &mut Sheets<RS>, sheet: &str) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    match wb {
        Sheets::Xlsx(x) => {
            let Ok(mut cells) = x.worksheet_cells_reader(sheet) else { return rows };
            while let Ok(Some(c)) = cells.next_cell() {
                let (r, col) = c.get_position();
                if r as usize >= HEAD_ROWS || col as usize >= 1024 {
                    if r as usize >= HEAD_ROWS {
                        break;
                    }
                    continue;
                }
                let (r, col) = (r as usize, col as usize);
                if rows.len() <= r {
                    rows.resize(r + 1, Vec::new());
                }
                if rows[r].len() <= col {
                    rows[r].resize(col + 1, String::new());
                }
                rows[r][col] = cell_text(&c.get_value().clone().into());
            }
        }
        wb => {
            if let Ok(range) = wb.worksheet_range(sheet) {
                rows = range.rows().take(HEAD_ROWS).map(|r| r.iter().take(1024).map(cell_text).collect()).collect();
            }
        }
    }
    rows
}

/// Reads the sheets asked for, each by `read_one`: the `default` one, the one `--sheet` names, or
/// with `--all-sheets` every one, each with its own header and its name a column (and the
/// locality, where the sheet has no locality column); an empty sheet is then said, not an error.
pub(super) fn read_chosen(
    path: &Path,
    opts: &ReadOptions,
    sink: &mut Sink<'_, '_>,
    names: &[String],
    default: usize,
    mut read_one: impl FnMut(&mut Sink<'_, '_>, &str) -> Result<()>,
) -> Result<()> {
    if opts.all_sheets {
        for sheet in names {
            sink.sheet = Some(sheet.clone());
            match read_one(sink, sheet) {
                Err(Error::Input { location: Location::File, message, .. })
                    if message == crate::t!("input.sheet-empty", sheet = sheet) =>
                {
                    sink.note(message);
                }
                r => r?,
            }
        }
        sink.sheet = None;
        return Ok(());
    }
    let sheet = match &opts.sheet {
        Some(s) if names.iter().any(|n| n == s) => s.clone(),
        Some(s) => {
            return Err(Error::input(
                path,
                Location::File,
                crate::t!("input.no-sheet", sheet = s, sheets = names.join(", ")),
            ))
        }
        None => names
            .get(default)
            .or(names.first())
            .cloned()
            .ok_or_else(|| Error::input(path, Location::File, crate::t!("input.no-sheets")))?,
    };
    read_one(sink, &sheet)
}

/// Reads one sheet of `wb`.
fn read_sheet<RS: std::io::Read + std::io::Seek>(
    path: &Path,
    wb: &mut Sheets<RS>,
    sheet: &str,
    sink: &mut Sink<'_, '_>,
) -> Result<()> {
    let sheet = sheet.to_string();
    let cannot = |e: &dyn std::fmt::Display| {
        Error::input(path, Location::File, crate::t!("input.sheet-unreadable", sheet = sheet, what = e))
    };
    match wb {
        // XLSX cells are streamed a row at a time: a sheet's extent is whatever its cells
        // claim (one cell at XFD1048576 beside A1 made a dense range ask for 549 GB).
        Sheets::Xlsx(x) => {
            // Merged regions sit after the cells in the sheet's XML: read first, in a pass
            // that only tokenises (a merge that cannot be read leaves the cells as they are).
            let merges = x.merge_cells_by_sheet_name(&sheet).unwrap_or_default();
            let mut cells = x.worksheet_cells_reader(&sheet).map_err(|e| cannot(&e))?;
            let mut pending: Option<(u32, Vec<Data>)> = None;
            let mut finished = false;
            let rows = std::iter::from_fn(|| loop {
                if finished {
                    return None;
                }
                match cells.next_cell() {
                    Err(e) => {
                        finished = true;
                        return Some(Err(cannot(&e)));
                    }
                    Ok(None) => {
                        // The reader is not asked again once it has said the sheet ended.
                        finished = true;
                        return pending.take().map(|(r, v)| Ok((r as u64 + 1, v)));
                    }
                    Ok(Some(c)) => {
                        let (r, col) = c.get_position();
                        let value: Data = c.get_value().clone().into();
                        let done = match &mut pending {
                            Some((pr, _)) if *pr != r => pending.replace((r, Vec::new())),
                            Some(_) => None,
                            None => {
                                pending = Some((r, Vec::new()));
                                None
                            }
                        };
                        if let Some((_, row)) = pending.as_mut() {
                            if !matches!(value, Data::Empty) {
                                let col = col as usize;
                                if row.len() <= col {
                                    row.resize(col + 1, Data::Empty);
                                }
                                row[col] = value;
                            }
                        }
                        if let Some((pr, v)) = done {
                            return Some(Ok((pr as u64 + 1, v)));
                        }
                    }
                }
            });
            read_sheet_rows(path, &sheet, sink, fill_merged_down(rows, merges))
        }
        wb => {
            let merges = match wb {
                Sheets::Xls(x) => x.merge_cells_by_sheet_name(&sheet).unwrap_or_default(),
                _ => Vec::new(),
            };
            let range = wb.worksheet_range(&sheet).map_err(|e| cannot(&e))?;
            let first_row = range.start().map(|(r, _)| r as u64 + 1).unwrap_or(1);
            let first_col = range.start().map(|(_, c)| c as usize).unwrap_or(0);
            let rows = range.rows().enumerate().map(|(i, r)| {
                let mut v = vec![Data::Empty; first_col];
                v.extend_from_slice(r);
                Ok((first_row + i as u64, v))
            });
            read_sheet_rows(path, &sheet, sink, fill_merged_down(rows, merges))
        }
    }
}

/// Reads the tables of a document (a Word file, a web page): those whose first rows name a
/// text column (by a synonym or the user's name for it), else the largest; each is named
/// "bảng N" in errors, N counting every table of the document from 1.
pub(super) fn read_tables(path: &Path, sink: &mut Sink<'_, '_>, grids: Vec<Vec<Vec<String>>>) -> Result<()> {
    let names_text = |g: &Vec<Vec<String>>| {
        g.iter().take(30).any(|r| super::columns::names_text_column(r, &sink.names, &sink.overrides))
    };
    let mut chosen: Vec<usize> = (0..grids.len()).filter(|&i| names_text(&grids[i])).collect();
    if chosen.is_empty() {
        chosen = vec![(0..grids.len()).max_by_key(|&i| (grids[i].len(), usize::MAX - i)).unwrap_or(0)];
    }
    let mut grids: Vec<Option<Vec<Vec<String>>>> = grids.into_iter().map(Some).collect();
    for i in chosen {
        let name = crate::t!("input.table", n = i + 1);
        let grid = grids[i].take().unwrap_or_default();
        let rows = grid
            .into_iter()
            .enumerate()
            .map(|(r, cells)| Ok((r as u64 + 1, cells.into_iter().map(Data::String).collect())));
        read_sheet_rows(path, &name, sink, rows)?;
    }
    Ok(())
}

/// Columns merged down at once beyond which further merges are left as Excel stores them.
const MAX_MERGED_COLUMNS: usize = 64;

/// Rows (numbered from 1) with each vertically merged cell's value given to every row it
/// spans, in its first column: a district merged down its opinions counts for each, as in
/// the Word and web readers. Merges across columns stay as stored (the value in the first).
fn fill_merged_down(
    rows: impl Iterator<Item = Result<(u64, Vec<Data>)>>,
    mut merges: Vec<calamine::Dimensions>,
) -> impl Iterator<Item = Result<(u64, Vec<Data>)>> {
    merges.retain(|m| m.end.0 > m.start.0);
    merges.sort_by_key(|m| (m.start.0, m.start.1));
    let mut next = 0usize;
    // Merges under way: (last row, column), both 0-based, and the value of the first row.
    let mut active: Vec<(u32, usize, Data)> = Vec::new();
    rows.map(move |r| {
        let (row, mut cells) = r?;
        let r0 = row.saturating_sub(1).min(u32::MAX as u64) as u32;
        active.retain(|a| a.0 >= r0);
        for a in &active {
            if cells.get(a.1).is_none_or(|c| matches!(c, Data::Empty) || cell_text(c).trim().is_empty()) {
                if cells.len() <= a.1 {
                    cells.resize(a.1 + 1, Data::Empty);
                }
                cells[a.1] = a.2.clone();
            }
        }
        while next < merges.len() && merges[next].start.0 <= r0 {
            let m = &merges[next];
            next += 1;
            let col = m.start.1 as usize;
            if m.start.0 == r0 && m.end.0 > r0 && active.len() < MAX_MERGED_COLUMNS {
                if let Some(v) = cells.get(col).filter(|c| !matches!(c, Data::Empty)) {
                    active.retain(|a| a.1 != col);
                    active.push((m.end.0, col, v.clone()));
                }
            }
        }
        Ok((row, cells))
    })
}

/// The header (the first row with anything in it), then a record per row; rows are
/// numbered as the spreadsheet shows them, and a row with nothing in it is blank.
pub(super) fn read_sheet_rows(
    path: &Path,
    sheet: &str,
    sink: &mut Sink<'_, '_>,
    mut rows: impl Iterator<Item = Result<(u64, Vec<Data>)>>,
) -> Result<()> {
    let loc = |row: u64| Location::Row { sheet: sheet.to_string(), row };
    let empty = |r: &[Data]| r.iter().all(|c| cell_text(c).trim().is_empty());
    // The first rows, to find the header among them (title rows sit above it).
    let mut first: Vec<(u64, Vec<Data>)> = Vec::new();
    for next in rows.by_ref() {
        first.push(next?);
        if first.len() >= 30 {
            break;
        }
    }
    let texts: Vec<Vec<String>> =
        first.iter().map(|(_, r)| r.iter().map(|c| cell_text(c).trim().to_string()).collect()).collect();
    if texts.iter().all(|r| r.iter().all(String::is_empty)) {
        return Err(Error::input(path, Location::File, crate::t!("input.sheet-empty", sheet = sheet)));
    }
    let layout = sink.layout(&texts).map_err(|m| Error::input(path, loc(first.first().map_or(1, |f| f.0)), m))?;
    sink.detect_legacy(&texts, &layout);
    let header_row = first[layout.header_row].0;
    for (_, r) in &first[..layout.header_row] {
        if empty(r) {
            sink.out.blank += 1
        } else {
            sink.out.title_rows += 1
        }
    }
    let headers = sink.unicode_keys(layout.keys);
    let mut last = header_row;
    let rest: Vec<Result<(u64, Vec<Data>)>> = first.drain(layout.header_row + 1..).map(Ok).collect();
    for next in rest.into_iter().chain(rows) {
        let (row, cells) = next?;
        // Rows with no cells at all are not in the stream: counted as blank too.
        sink.out.blank += row.saturating_sub(last + 1) as usize;
        last = row;
        if empty(&cells) {
            sink.out.blank += 1;
            continue;
        }
        if let Some((col, Data::Error(e))) = cells.iter().enumerate().find(|(_, c)| matches!(c, Data::Error(_))) {
            sink.count += 1;
            let name = headers.get(col).cloned().unwrap_or_default();
            sink.bad(loc(row), crate::t!("input.cell-error", error = format!("{e:?}"), column = name), join(&cells))?;
            continue;
        }
        let cell = |i: usize| {
            cells.get(i).map(|c| match c {
                Data::String(s) => std::borrow::Cow::Borrowed(s.as_str()),
                c => std::borrow::Cow::Owned(cell_text(c)),
            })
        };
        if sink.section_row(&headers, cell) {
            continue;
        }
        let fields = headers.iter().zip(cells.iter().map(cell_text).chain(std::iter::repeat(String::new())));
        sink.record(fields, loc(row), || join(&cells), None)?;
    }
    Ok(())
}

fn join(cells: &[Data]) -> String {
    cells.iter().map(cell_text).collect::<Vec<_>>().join("\t")
}

/// A cell as text: whole numbers without ".0", dates as YYYY-MM-DD.
fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => excel_date(d.as_f64()),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::Error(e) => format!("{e:?}"),
    }
}

/// Excel serial day number (1900 system) to an ISO date.
fn excel_date(serial: f64) -> String {
    let days = serial.floor() as i64 - 25569; // days since 1970-01-01
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn excel_serial_dates() {
        assert_eq!(super::excel_date(45383.0), "2024-04-01");
        assert_eq!(super::excel_date(25569.5), "1970-01-01");
    }
}
