//! Spreadsheets (.xlsx, .xlsm, .xls, .ods) through calamine: the first sheet, or `--sheet`.
//! The first non-empty row is the header; rows are numbered as the spreadsheet shows them.

use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};

use super::{ReadOptions, Sink};
use crate::error::{Error, Location, Result};

pub(super) fn read(path: &Path, opts: &ReadOptions, sink: &mut Sink<'_, '_>) -> Result<()> {
    let mut wb = open_workbook_auto(path)
        .map_err(|e| Error::input(path, Location::File, format!("cannot open the workbook: {e}")))?;
    let names = wb.sheet_names();
    let sheet = match &opts.sheet {
        Some(s) if names.iter().any(|n| n == s) => s.clone(),
        Some(s) => {
            return Err(Error::input(
                path,
                Location::File,
                format!("no sheet '{s}'; the workbook has: {}", names.join(", ")),
            ))
        }
        None => {
            names.first().cloned().ok_or_else(|| Error::input(path, Location::File, "the workbook has no sheets"))?
        }
    };
    let range = wb
        .worksheet_range(&sheet)
        .map_err(|e| Error::input(path, Location::File, format!("cannot read sheet '{sheet}': {e}")))?;
    let first_row = range.start().map(|(r, _)| r as u64 + 1).unwrap_or(1);
    let mut rows = range.rows().enumerate().map(|(i, r)| (first_row + i as u64, r));
    let loc = |row: u64| Location::Row { sheet: sheet.clone(), row };
    let headers: Vec<String> = loop {
        match rows.next() {
            Some((_, r)) if r.iter().all(|c| cell_text(c).trim().is_empty()) => continue,
            Some((_, r)) => break r.iter().map(|c| cell_text(c).trim().to_string()).collect(),
            None => return Err(Error::input(path, loc(first_row), "the sheet is empty")),
        }
    };
    sink.builder.check_header(headers.iter().map(String::as_str)).map_err(|m| Error::input(path, loc(first_row), m))?;
    for (row, cells) in rows {
        if cells.iter().all(|c| cell_text(c).trim().is_empty()) {
            sink.out.blank += 1;
            continue;
        }
        if let Some((col, Data::Error(e))) = cells.iter().enumerate().find(|(_, c)| matches!(c, Data::Error(_))) {
            sink.count += 1;
            let name = headers.get(col).cloned().unwrap_or_default();
            sink.bad(loc(row), format!("cell error {e:?} in column '{name}'"), join(cells))?;
            continue;
        }
        sink.record(headers.iter().zip(cells.iter().map(cell_text)), loc(row), || join(cells), None)?;
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
