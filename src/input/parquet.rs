//! Parquet files (what Spark, pandas, Polars and DuckDB write) through the Arrow crates.
//!
//! The column names are the header, found and read as a table's are (models/columns.toml,
//! `--columns`, else the column of the longest text); each value is read as text (numbers,
//! dates and nested values as Arrow prints them, a null as an empty cell). Records are
//! numbered from 1 in file order, a batch of rows decoded at a time.

use std::path::Path;

use arrow_array::{Array, RecordBatch, RecordBatchReader as _};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::Sink;
use crate::error::{Error, Location, Result};

/// Rows decoded at a time.
const BATCH_ROWS: usize = 8_192;
/// Rows looked at to find which column holds the text when no header names it.
const SAMPLE_ROWS: usize = 50;
/// What pandas adds for its index: not a column of the data.
const PANDAS_INDEX: &str = "__index_level_";

/// Reads a Parquet file. The decoder runs under `catch_unwind`: a damaged file that makes
/// it panic is reported as damaged, naming the file, instead of ending the process.
pub(super) fn read(path: &Path, sink: &mut Sink<'_, '_>) -> Result<()> {
    let damaged = |what: String| Error::input(path, Location::File, crate::t!("input.parquet-bad", what = what));
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let reader = std::panic::catch_unwind(|| {
        ParquetRecordBatchReaderBuilder::try_new(file).and_then(|b| b.with_batch_size(BATCH_ROWS).build())
    })
    .map_err(|p| damaged(panic_text(p)))?
    .map_err(|e| damaged(e.to_string()))?;
    let schema = reader.schema();
    let keep: Vec<usize> =
        (0..schema.fields().len()).filter(|&i| !schema.field(i).name().starts_with(PANDAS_INDEX)).collect();
    let names: Vec<String> = keep.iter().map(|&i| schema.field(i).name().to_string()).collect();
    let mut reader = reader.into_iter();
    let mut next = || -> Result<Option<RecordBatch>> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reader.next())) {
            Err(p) => Err(damaged(panic_text(p))),
            Ok(None) => Ok(None),
            Ok(Some(Err(e))) => Err(damaged(e.to_string())),
            Ok(Some(Ok(b))) => Ok(Some(b)),
        }
    };
    // The first batch's first rows find the layout, as a table's first rows do.
    let first = next()?;
    let sample: Vec<Vec<String>> = std::iter::once(names.clone())
        .chain(first.iter().flat_map(|b| rows(b, &keep, 0..b.num_rows().min(SAMPLE_ROWS)).unwrap_or_default()))
        .collect();
    let layout = sink.layout(&sample).map_err(|m| Error::input(path, Location::File, m))?;
    if layout.header_row != 0 {
        // A Parquet file's header is its schema: a row of its data is never one.
        let m = crate::t!("input.parquet-no-text");
        return Err(Error::input(path, Location::File, m));
    }
    let keys = layout.keys;
    let mut n = 0u64;
    let mut batch = first;
    while let Some(b) = batch {
        let cells = rows(&b, &keep, 0..b.num_rows()).map_err(|e| damaged(e.to_string()))?;
        for row in cells {
            n += 1;
            if row.iter().all(|c| c.trim().is_empty()) {
                sink.out.blank += 1;
                continue;
            }
            let raw = || row.join(" | ");
            let fields = keys.iter().map(String::as_str).zip(row.iter().map(String::as_str));
            sink.record(fields, Location::Record(n), raw, Some(n))?;
        }
        batch = next()?;
    }
    Ok(())
}

/// The rows `range` of `batch`, the columns `keep`, each value as text.
fn rows(
    batch: &RecordBatch,
    keep: &[usize],
    range: std::ops::Range<usize>,
) -> std::result::Result<Vec<Vec<String>>, arrow_schema::ArrowError> {
    let opts = FormatOptions::default();
    let columns: Vec<&dyn Array> = keep.iter().map(|&i| batch.column(i).as_ref()).collect();
    let formatters: Vec<ArrayFormatter<'_>> =
        columns.iter().map(|c| ArrayFormatter::try_new(*c, &opts)).collect::<std::result::Result<_, _>>()?;
    let mut out = Vec::with_capacity(range.len());
    for r in range {
        let mut row = Vec::with_capacity(keep.len());
        for (c, f) in columns.iter().zip(&formatters) {
            row.push(if c.is_null(r) { String::new() } else { f.value(r).try_to_string()? });
        }
        out.push(row);
    }
    Ok(out)
}

/// What a caught panic said.
fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "?".into())
}
