//! The files of one `analyze` run: submissions.jsonl, .csv and .parquet (a
//! [`SubmissionRow`] each, in the [`Formats`] asked for), clusters.json (and
//! clusters.parquet), rejects.jsonl, report.html and report.xlsx.

use std::path::Path;

use super::staging::Staging;
use super::{jsonl, write_atomic, write_atomic_with, write_rows_parallel};
use crate::error::{Error, Result};
use crate::input::ReadOutcome;
use crate::pipeline::{Models, Report};
use crate::report::Tables;
use crate::timing::Stages;

/// Which per-submission files a run writes (clusters.json and the reports always).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    /// submissions.jsonl.
    pub jsonl: bool,
    /// submissions.csv.
    pub csv: bool,
    /// submissions.parquet and clusters.parquet.
    pub parquet: bool,
}

impl Default for Formats {
    fn default() -> Self {
        Formats { jsonl: true, csv: true, parquet: false }
    }
}

/// What writing a run's files gave.
pub struct Written {
    /// The report's tables.
    pub tables: Tables,
    /// Cells of report.xlsx cut to Excel's limit.
    pub cut_cells: usize,
}

/// Writes every output of a run and replaces `out` with them as a whole (see
/// [`Staging`]): the per-submission files (in parallel) beside the two reports (one
/// thread). An earlier run to compare with (`compare`, which may be `out` itself) is read
/// before anything is written.
pub fn write_run(
    models: &Models,
    read: &ReadOutcome,
    report: &Report,
    out: &Path,
    compare: Option<&Path>,
    title: Option<&str>,
    formats: Formats,
) -> Result<Written> {
    Staging::replace(out, |dir| write_into(models, read, report, dir, compare, title, formats))
}

/// Replaces `out` with a set holding only rejects.jsonl: a run whose every record was
/// rejected.
pub fn write_rejects_only(read: &ReadOutcome, out: &Path) -> Result<()> {
    Staging::replace(out, |dir| write_atomic(&dir.join("rejects.jsonl"), &jsonl(&read.rejects)?))
}

/// [`write_run`]'s files, written into the folder `out`.
fn write_into(
    models: &Models,
    read: &ReadOutcome,
    report: &Report,
    out: &Path,
    compare: Option<&Path>,
    title: Option<&str>,
    formats: Formats,
) -> Result<Written> {
    let mut clock = Stages::start();
    let titled = |mut t: Tables| {
        if let Some(title) = title {
            t.title = title.to_string();
        }
        t
    };
    let mut tables = match compare {
        Some(c) => {
            let t = titled(Tables::new(models, read, report, Some(c))?);
            clock.lap("report tables");
            Some(t)
        }
        None => None,
    };
    let (files, reports) = rayon::join(
        || write_submissions(out, read, report, formats),
        || -> Result<usize> {
            let tables = match &mut tables {
                Some(t) => t,
                None => tables.insert(titled(Tables::new(models, read, report, None)?)),
            };
            write_atomic(&out.join("report.html"), crate::report::render_html(tables, report, models).as_bytes())?;
            crate::report::write_xlsx(tables, report, &read.submissions, &out.join("report.xlsx"))
        },
    );
    files?;
    let cut_cells = reports?;
    clock.lap(if compare.is_some() {
        "submissions files, clusters.json, report.html, report.xlsx"
    } else {
        "report tables beside submissions files, clusters.json, report.html, report.xlsx"
    });
    Ok(Written { tables: tables.expect("the tables were made above"), cut_cells })
}

/// Writes the per-submission files `formats` asks for (submissions.jsonl, .csv,
/// .parquet and clusters.parquet), clusters.json and, when records were skipped,
/// rejects.jsonl into the folder `out`.
pub fn write_submissions(out: &Path, read: &ReadOutcome, report: &Report, formats: Formats) -> Result<()> {
    // Streamed into temporary files that are renamed when complete; rows are serialised in
    // parallel chunks and written in order, the three files at once.
    let n = report.records.len();
    let subs = &read.submissions;
    let jsonl_file = || {
        write_atomic_with(&out.join("submissions.jsonl"), |w| {
            write_rows_parallel(w, n, |range, buf| {
                range.for_each(|i| report.row(subs, i).write_json_line(buf));
                Ok(())
            })
        })
    };
    let csv_file = || {
        write_atomic_with(&out.join("submissions.csv"), |w| {
            // A BOM for Excel, the header, then the rows: every line written by `csv_row`.
            let mut head = vec![0xEF, 0xBB, 0xBF];
            let layout = super::CsvLayout::of(subs);
            let names = layout.header();
            super::csv_row(&mut head, names.iter().map(String::as_str));
            w.write_all(&head)?;
            write_rows_parallel(w, n, |range, buf| {
                let (mut scratch, mut cells) = (String::new(), Vec::new());
                for i in range {
                    let row = report.row(subs, i);
                    row.write_csv_record(buf, &mut scratch, &layout, &mut cells);
                }
                Ok(())
            })
        })
    };
    let clusters_file = || -> Result<()> {
        let clusters = serde_json::to_vec_pretty(report).map_err(|e| Error::write("JSON", e))?;
        write_atomic(&out.join("clusters.json"), &clusters)
    };
    let parquet_files = || -> Result<()> {
        super::write_submissions_parquet(out, subs, report)?;
        super::write_clusters_parquet(out, report)
    };
    let when = |on: bool, f: &(dyn Fn() -> Result<()> + Sync)| if on { f() } else { Ok(()) };
    let ((a, b), (c, d)) = rayon::join(
        || rayon::join(|| when(formats.jsonl, &jsonl_file), || when(formats.csv, &csv_file)),
        || rayon::join(clusters_file, || when(formats.parquet, &parquet_files)),
    );
    a?;
    b?;
    c?;
    d?;
    if !read.rejects.is_empty() {
        write_atomic(&out.join("rejects.jsonl"), &jsonl(&read.rejects)?)?;
    }
    Ok(())
}
