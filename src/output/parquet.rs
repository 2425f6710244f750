//! submissions.parquet and clusters.parquet: the run's results as Parquet (Snappy), for
//! pandas, Polars, DuckDB and Spark. The columns are those of submissions.csv (the
//! [`SubmissionRow`] fields, numbers as numbers, the reasons a list, the place and the
//! earlier answer in columns of their own) and then every input column under its header;
//! clusters.parquet has a row per cluster as clusters.json describes it.

use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float32Builder, ListBuilder, MapBuilder, StringBuilder, UInt32Builder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::{write_atomic_with, CsvLayout, SubmissionRow};
use crate::error::{Error, Result};
use crate::input::Submission;
use crate::pipeline::Report;

/// Rows per record batch: built in parallel, written in order.
const BATCH_ROWS: usize = 65_536;

/// The schema of submissions.parquet for input columns `extra` (as [`CsvLayout`] names
/// them; one named like ykien's own gets " (gốc)").
fn submissions_schema(extra: &[String]) -> Arc<Schema> {
    let s = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    let f32 = |n: &str| Field::new(n, DataType::Float32, false);
    let mut fields = vec![
        s("id", false),
        s("code", true),
        s("text", false),
        s("restored", true),
        s("locality", true),
        s("submitted_at", true),
        s("group", true),
        Field::new("cluster", DataType::UInt32, true),
        s("cluster_label", false),
        s("topic", false),
        f32("topic_score"),
        s("department", false),
        s("department_name", false),
        f32("confidence"),
        s("runner_up", false),
        f32("runner_up_confidence"),
        s("also", true),
        Field::new("reasons", DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), false),
        Field::new("typed_without_diacritics", DataType::Boolean, false),
        s("place_code", true),
        s("place_name", true),
        s("answered_before_code", true),
        s("answered_before_answer", true),
    ];
    let own = fields.len();
    for h in extra {
        let ours = fields[..own].iter().any(|f| f.name() == h);
        let name = if ours { format!("{h} (gốc)") } else { h.clone() };
        fields.push(s(&name, true));
    }
    Arc::new(Schema::new(fields))
}

/// The rows `range` of the run as one record batch.
fn submissions_batch<'a>(
    schema: &Arc<Schema>,
    layout: &CsvLayout,
    rows: impl Iterator<Item = SubmissionRow<'a>>,
    n: usize,
) -> std::result::Result<RecordBatch, arrow_schema::ArrowError> {
    let text = || StringBuilder::with_capacity(n, n * 16);
    let (mut id, mut code, mut txt, mut loc, mut at, mut group) = (text(), text(), text(), text(), text(), text());
    let mut restored = text();
    let mut cluster = UInt32Builder::with_capacity(n);
    let (mut label, mut topic, mut dept, mut dept_name, mut runner, mut also) =
        (text(), text(), text(), text(), text(), text());
    let (mut topic_score, mut conf, mut runner_conf) =
        (Float32Builder::with_capacity(n), Float32Builder::with_capacity(n), Float32Builder::with_capacity(n));
    let mut reasons = ListBuilder::new(StringBuilder::new());
    let mut unaccented = BooleanBuilder::with_capacity(n);
    let (mut place_code, mut place_name, mut before_code, mut before_answer) = (text(), text(), text(), text());
    let mut extra: Vec<StringBuilder> = layout.extra.iter().map(|_| StringBuilder::with_capacity(n, n * 8)).collect();
    let mut cells: Vec<Option<&str>> = vec![None; extra.len()];
    for r in rows {
        id.append_value(r.id);
        code.append_option(r.code);
        txt.append_value(r.text);
        restored.append_option(r.restored);
        loc.append_option(r.locality);
        at.append_option(r.submitted_at);
        group.append_option(r.group);
        cluster.append_option(r.cluster.map(|c| c as u32));
        label.append_value(r.cluster_label);
        topic.append_value(r.topic);
        topic_score.append_value(r.topic_score);
        dept.append_value(r.department);
        dept_name.append_value(r.department_name);
        conf.append_value(r.confidence);
        runner.append_value(r.runner_up);
        runner_conf.append_value(r.runner_up_confidence);
        also.append_option(r.also);
        for reason in r.reasons {
            reasons.values().append_value(reason);
        }
        reasons.append(true);
        unaccented.append_value(r.typed_without_diacritics);
        match r.place {
            Some(crate::places::Recognised::Found { place }) => {
                place_code.append_value(&place.code);
                place_name.append_value(&place.name);
            }
            _ => {
                place_code.append_null();
                place_name.append_null();
            }
        }
        before_code.append_option(r.answered_before.map(|e| e.code.as_str()));
        before_answer.append_option(r.answered_before.map(|e| e.answer.as_str()));
        cells.iter_mut().for_each(|c| *c = None);
        for (k, v) in r.columns.iter() {
            if let Some(i) = layout.position(k) {
                cells[i] = Some(v);
            }
        }
        for (b, c) in extra.iter_mut().zip(&cells) {
            b.append_option(*c);
        }
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(code.finish()),
        Arc::new(txt.finish()),
        Arc::new(restored.finish()),
        Arc::new(loc.finish()),
        Arc::new(at.finish()),
        Arc::new(group.finish()),
        Arc::new(cluster.finish()),
        Arc::new(label.finish()),
        Arc::new(topic.finish()),
        Arc::new(topic_score.finish()),
        Arc::new(dept.finish()),
        Arc::new(dept_name.finish()),
        Arc::new(conf.finish()),
        Arc::new(runner.finish()),
        Arc::new(runner_conf.finish()),
        Arc::new(also.finish()),
        Arc::new(reasons.finish()),
        Arc::new(unaccented.finish()),
        Arc::new(place_code.finish()),
        Arc::new(place_name.finish()),
        Arc::new(before_code.finish()),
        Arc::new(before_answer.finish()),
    ];
    columns.extend(extra.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    RecordBatch::try_new(schema.clone(), columns)
}

/// Rows per row group: a reader such as Spark splits a file at row groups, so a
/// million-row file is read by eight tasks, not one.
pub const ROW_GROUP_ROWS: usize = 131_072;

/// Snappy, as Spark and pandas write by default, in row groups of [`ROW_GROUP_ROWS`].
pub fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build()
}

/// An Arrow or Parquet failure while writing `path`.
fn failed(path: &Path, e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("{}: {e}", path.display()))
}

/// Writes submissions.parquet into `out`: batches of rows built in parallel a window at
/// a time, written in order.
pub fn write_submissions_parquet(out: &Path, subs: &[Submission], report: &Report) -> Result<()> {
    use rayon::prelude::*;
    let path = out.join("submissions.parquet");
    let layout = CsvLayout::of(subs);
    let schema = submissions_schema(&layout.extra);
    let n = report.records.len();
    write_atomic_with(&path, |w| {
        let mut writer = ArrowWriter::try_new(w, schema.clone(), Some(properties())).map_err(|e| failed(&path, e))?;
        let window = BATCH_ROWS * rayon::current_num_threads().max(1);
        for start in (0..n).step_by(window.max(1)) {
            let end = (start + window).min(n);
            let batches: Vec<_> = (start..end)
                .step_by(BATCH_ROWS)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|a| {
                    let b = (a + BATCH_ROWS).min(end);
                    submissions_batch(&schema, &layout, (a..b).map(|i| report.row(subs, i)), b - a)
                })
                .collect();
            for b in batches {
                writer.write(&b.map_err(|e| failed(&path, e))?).map_err(|e| failed(&path, e))?;
            }
        }
        writer.close().map_err(|e| failed(&path, e))?;
        Ok(())
    })
}

/// Writes clusters.parquet into `out`: one row per cluster, largest first.
pub fn write_clusters_parquet(out: &Path, report: &Report) -> Result<()> {
    let path = out.join("clusters.parquet");
    let batch = clusters_batch(report).map_err(|e| Error::write("Parquet", e))?;
    write_atomic_with(&path, |w| {
        let mut writer = ArrowWriter::try_new(w, batch.schema(), Some(properties())).map_err(|e| failed(&path, e))?;
        writer.write(&batch).map_err(|e| failed(&path, e))?;
        writer.close().map_err(|e| failed(&path, e))?;
        Ok(())
    })
}

/// The clusters as one record batch.
fn clusters_batch(report: &Report) -> std::result::Result<RecordBatch, arrow_schema::ArrowError> {
    let strings = || ListBuilder::new(StringBuilder::new());
    let counts = || MapBuilder::new(None, StringBuilder::new(), UInt64Builder::new());
    let (mut id, mut size) = (UInt32Builder::new(), UInt64Builder::new());
    let (mut label, mut summary, mut topic) = (StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let (mut terms, mut phrases, mut reps) = (strings(), strings(), strings());
    let mut new_theme = BooleanBuilder::new();
    let mut topic_score = Float32Builder::new();
    let (mut localities, mut departments) = (counts(), counts());
    for c in &report.clusters {
        id.append_value(c.id as u32);
        label.append_value(&c.label);
        for t in &c.terms {
            terms.values().append_value(t);
        }
        terms.append(true);
        summary.append_value(&c.summary);
        for p in &c.phrases {
            phrases.values().append_value(p);
        }
        phrases.append(true);
        new_theme.append_value(c.new_theme);
        size.append_value(c.size as u64);
        topic.append_value(&c.topic);
        topic_score.append_value(c.topic_score);
        for (map, counted) in [(&mut localities, &c.localities), (&mut departments, &c.departments)] {
            for (k, v) in counted {
                map.keys().append_value(k);
                map.values().append_value(*v as u64);
            }
            map.append(true)?;
        }
        for r in &c.representatives {
            reps.values().append_value(&r.id);
        }
        reps.append(true);
    }
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("cluster", Arc::new(id.finish())),
        ("label", Arc::new(label.finish())),
        ("size", Arc::new(size.finish())),
        ("topic", Arc::new(topic.finish())),
        ("topic_score", Arc::new(topic_score.finish())),
        ("new_theme", Arc::new(new_theme.finish())),
        ("summary", Arc::new(summary.finish())),
        ("terms", Arc::new(terms.finish())),
        ("phrases", Arc::new(phrases.finish())),
        ("localities", Arc::new(localities.finish())),
        ("departments", Arc::new(departments.finish())),
        ("representative_ids", Arc::new(reps.finish())),
    ];
    RecordBatch::try_from_iter(columns)
}

/// The values of column `name` of a Parquet file that ykien wrote, as text (a null as
/// ""): an earlier run's topics, for `--compare`.
pub fn read_text_column(path: &Path, name: &str) -> Result<Vec<String>> {
    use arrow_array::cast::AsArray;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::arrow::ProjectionMask;
    let bad =
        |what: String| Error::input(path, crate::error::Location::File, crate::t!("input.parquet-bad", what = what));
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| bad(e.to_string()))?;
    let Some(i) = builder.schema().fields().iter().position(|f| f.name() == name) else {
        return Err(bad(format!("no column '{name}'")));
    };
    let mask = ProjectionMask::roots(builder.parquet_schema(), [i]);
    let mut out = Vec::new();
    for batch in builder.with_projection(mask).build().map_err(|e| bad(e.to_string()))? {
        let batch = batch.map_err(|e| bad(e.to_string()))?;
        let col = batch.column(0);
        let Some(strings) = col.as_string_opt::<i32>() else {
            return Err(bad(format!("column '{name}' is not text")));
        };
        out.extend(strings.iter().map(|v| v.unwrap_or("").to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_column_named_like_ours_is_kept_apart() {
        let s = submissions_schema(&["topic".into(), "Xã".into()]);
        let names: Vec<&str> = s.fields().iter().map(|f| f.name().as_str()).collect();
        assert!(names.contains(&"topic") && names.contains(&"topic (gốc)") && names.contains(&"Xã"));
        assert_eq!(names.iter().filter(|n| **n == "topic").count(), 1);
        assert_eq!(names.len(), 23 + 2);
    }
}
