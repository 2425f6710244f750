//! Parquet in and out: files written as pandas and Spark write them are read like a
//! table; `analyze --out-format parquet` writes what the JSON Lines say; a damaged file
//! is an error naming it, never a panic.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use proptest::prelude::*;
use ykien::input::{read_file, ReadOptions};

/// Writes `columns` as a Parquet file (Snappy, as pandas and Spark write).
fn write_parquet(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// An office's export: Vietnamese headers, a number column, a null, pandas' index.
fn office_file(dir: &Path) -> PathBuf {
    let p = dir.join("phieu.parquet");
    let texts = StringArray::from(vec![
        Some("Đề nghị tỉnh mở thêm lớp dạy nghề cho thanh niên dân tộc thiểu số"),
        Some("Em muốn vay vốn ngân hàng chính sách để khởi nghiệp nuôi gà"),
        None,
        Some("xin hoi thu tuc vay von giai quyet viec lam"),
    ]);
    let places = StringArray::from(vec![Some("Huyện Tràng Định"), Some("Lộc Bình"), Some("Bắc Sơn"), None]);
    let ages = Int64Array::from(vec![Some(19), Some(24), None, Some(30)]);
    let index = Int64Array::from(vec![0, 1, 2, 3]);
    write_parquet(
        &p,
        vec![
            ("STT", Arc::new(Int64Array::from(vec![1, 2, 3, 4])) as ArrayRef),
            ("Ý kiến, kiến nghị", Arc::new(texts)),
            ("Huyện/Thành phố", Arc::new(places)),
            ("Tuổi", Arc::new(ages)),
            ("__index_level_0__", Arc::new(index)),
        ],
    );
    p
}

#[test]
fn an_office_parquet_file_is_read_like_a_table() {
    let d = tempfile::tempdir().unwrap();
    let p = office_file(d.path());
    let out = read_file(&p, &ReadOptions::default()).unwrap();
    let texts: Vec<&str> = out.submissions.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert!(texts[0].starts_with("Đề nghị tỉnh mở thêm lớp dạy nghề"));
    assert_eq!(out.submissions[0].locality.as_deref(), Some("Huyện Tràng Định"));
    assert_eq!(out.submissions[3 - 1].locality, None);
    // Numbers are read as text; pandas' index is not a column of the data.
    assert_eq!(out.submissions[1].extra.get("Tuổi"), Some("24"));
    assert!(out.submissions.iter().all(|s| s.extra.get("__index_level_0__").is_none()));
    // The blank answer (a null) is listed with its record number, not dropped.
    assert_eq!(out.rejects.len(), 1);
    assert!(out.rejects[0].location.contains('3'), "{:?}", out.rejects[0]);
    // What was read for what is said.
    let said = out.columns.iter().flat_map(|(_, c)| c).cloned().collect::<Vec<_>>().join("; ");
    assert!(said.contains("Ý kiến, kiến nghị"), "{said}");
}

#[test]
fn a_parquet_file_without_a_text_column_is_refused_naming_the_file() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("so.parquet");
    write_parquet(&p, vec![("n", Arc::new(Int64Array::from(vec![1, 2, 3])) as ArrayRef)]);
    let e = read_file(&p, &ReadOptions::default()).unwrap_err().to_string();
    assert!(e.contains("so.parquet"), "{e}");
}

/// Bytes of a valid Parquet file of real submissions.
fn valid_bytes() -> Vec<u8> {
    let d = tempfile::tempdir().unwrap();
    std::fs::read(office_file(d.path())).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
    /// A Parquet file cut short, with bytes changed, or of any bytes at all is read or
    /// refused naming the file: no panic, no hang.
    #[test]
    fn a_damaged_parquet_file_is_read_or_refused_naming_it(
        cut in 0usize..2_000,
        flips in proptest::collection::vec((0usize..2_000, any::<u8>()), 0..6),
        noise in proptest::collection::vec(any::<u8>(), 0..64),
        which in 0u8..3,
    ) {
        let mut bytes = valid_bytes();
        match which {
            0 => bytes.truncate(cut.min(bytes.len())),
            1 => {
                let n = bytes.len();
                for (at, b) in &flips {
                    bytes[at % n] ^= b | 1;
                }
            }
            _ => bytes = [b"PAR1".as_slice(), &noise, b"PAR1"].concat(),
        }
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("hong.parquet");
        std::fs::write(&p, &bytes).unwrap();
        match read_file(&p, &ReadOptions::default()) {
            Ok(out) => prop_assert!(out.submissions.len() + out.rejects.len() <= 4),
            Err(e) => prop_assert!(e.to_string().contains("hong.parquet"), "{}", e),
        }
    }
}

/// A string column of a Parquet file.
fn column(path: &Path, name: &str) -> Vec<Option<String>> {
    let r = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap()).unwrap().build().unwrap();
    let mut out = Vec::new();
    for b in r {
        let b = b.unwrap();
        let c = b.column_by_name(name).unwrap_or_else(|| panic!("no column {name}"));
        out.extend(c.as_string::<i32>().iter().map(|v| v.map(str::to_string)));
    }
    out
}

#[test]
fn analyze_writes_parquet_with_what_the_json_lines_say_and_reads_it_back() {
    let d = tempfile::tempdir().unwrap();
    let corpus = common::models_dir().parent().unwrap().join("corpus/submissions.csv");
    let out = d.path().join("out");
    let (ok, _, err) = common::run_ykien(
        &["analyze", corpus.to_str().unwrap(), "--out", out.to_str().unwrap(), "--out-format", "jsonl,parquet"],
        d.path(),
    );
    assert!(ok, "{err}");
    assert!(!out.join("submissions.csv").exists(), "csv was not asked for");
    let pq = out.join("submissions.parquet");
    let ids = column(&pq, "id");
    let depts = column(&pq, "department");
    let lines = std::fs::read_to_string(out.join("submissions.jsonl")).unwrap();
    let json: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(ids.len(), json.len());
    assert!(json.len() > 800);
    for ((id, dept), j) in ids.iter().zip(&depts).zip(&json) {
        assert_eq!(id.as_deref(), j["id"].as_str());
        assert_eq!(dept.as_deref(), j["department"].as_str());
    }
    // The input's gold topic is kept apart from ykien's.
    assert!(column(&pq, "topic (gốc)").iter().all(Option::is_some));
    let labels = column(&out.join("clusters.parquet"), "label");
    let clusters: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("clusters.json")).unwrap()).unwrap();
    let json_labels: Vec<&str> =
        clusters["clusters"].as_array().unwrap().iter().map(|c| c["label"].as_str().unwrap()).collect();
    assert_eq!(labels.iter().map(|l| l.as_deref().unwrap()).collect::<Vec<_>>(), json_labels);
    // ykien's own Parquet is input too, and a run written as Parquet alone can be compared with.
    let again = d.path().join("again");
    let (ok, _, err) = common::run_ykien(
        &[
            "analyze",
            pq.to_str().unwrap(),
            "--columns",
            "text=text",
            "--out",
            again.to_str().unwrap(),
            "--out-format",
            "parquet",
        ],
        d.path(),
    );
    assert!(ok, "{err}");
    assert!(!again.join("submissions.jsonl").exists());
    assert_eq!(column(&again.join("submissions.parquet"), "text"), column(&pq, "text"));
    let third = d.path().join("third");
    let (ok, _, err) = common::run_ykien(
        &["analyze", corpus.to_str().unwrap(), "--out", third.to_str().unwrap(), "--compare", again.to_str().unwrap()],
        d.path(),
    );
    assert!(ok, "{err}");
}
