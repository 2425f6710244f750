//! Synthetic corpora for benchmarks: N submissions made by varying the bundled ones.
//!
//! Each record starts from a bundled submission (keeping its gold topic and department)
//! and, by chance, gets synonyms swapped, a greeting and a closing, teen code, new
//! numbers, the writer's name, a commune and village name, a typo, or its diacritics
//! removed. The variation lists live in `corpus/gen-variations.toml`. Names, place names,
//! numbers and typos keep the vocabulary growing with N, as real text does. Record i is
//! drawn from its own random stream, so the output is the same for a seed whatever the
//! thread count.

use std::path::Path;

use rayon::prelude::*;
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};
use crate::input::{Format, Submission};
use crate::rng::Rng;

/// The variation lists (corpus/gen-variations.toml).
#[derive(Debug, Clone, Deserialize)]
pub struct Variations {
    /// Groups of interchangeable phrases.
    pub synonyms: Vec<Vec<String>>,
    /// Greetings put before a submission.
    pub openings: Vec<String>,
    /// Closings put after it.
    pub closings: Vec<String>,
    /// (standard, teen code) pairs.
    pub teencode: Vec<(String, String)>,
    /// Family names.
    pub family_names: Vec<String>,
    /// Middle names.
    pub middle_names: Vec<String>,
    /// Given names.
    pub given_names: Vec<String>,
    /// Districts of the province.
    pub districts: Vec<String>,
    /// Syllables of commune and village names.
    pub place_syllables: Vec<String>,
}

impl Variations {
    /// Loads the variation lists.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let v: Variations = toml::from_str(&text).map_err(|e| Error::model(path, e.to_string()))?;
        if v.openings.is_empty()
            || v.closings.is_empty()
            || v.family_names.is_empty()
            || v.middle_names.is_empty()
            || v.given_names.is_empty()
            || v.districts.is_empty()
            || v.place_syllables.is_empty()
        {
            return Err(Error::model(path, "every list needs at least one entry"));
        }
        Ok(v)
    }
}

fn pick<'a>(rng: &mut Rng, v: &'a [String]) -> &'a str {
    &v[rng.below(v.len())]
}

/// Removes diacritics, keeping case ("Đề nghị" -> "De nghi").
pub fn strip_diacritics(s: &str) -> String {
    s.nfd()
        .filter(|c| !matches!(*c as u32, 0x300..=0x36F))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect()
}

/// Record `i` of the corpus generated from `base` with `seed`.
/// Long because it is one list of variations applied in order, a few lines each.
pub fn record(base: &[Submission], v: &Variations, seed: u64, i: usize) -> Submission {
    let mut rng = Rng::stream(seed, i as u64);
    let b = &base[rng.below(base.len())];
    let mut text = b.text.clone();
    for group in &v.synonyms {
        if rng.next_f64() < 0.3 {
            if let Some(from) = group.iter().find(|p| text.contains(p.as_str())) {
                let to = pick(&mut rng, group);
                text = text.replacen(from.as_str(), to, 1);
            }
        }
    }
    if rng.next_f64() < 0.15 {
        for (full, short) in &v.teencode {
            if rng.next_f64() < 0.5 {
                text = text.replace(full.as_str(), short);
            }
        }
    }
    if rng.next_f64() < 0.5 && text.bytes().any(|c| c.is_ascii_digit()) {
        let mut out = String::with_capacity(text.len());
        let mut in_num = false;
        for c in text.chars() {
            if c.is_ascii_digit() {
                if !in_num {
                    out.push_str(&(1 + rng.below(99)).to_string());
                }
                in_num = true;
            } else {
                in_num = false;
                out.push(c);
            }
        }
        text = out;
    }
    if rng.next_f64() < 0.15 {
        let who = if rng.next_f64() < 0.5 { "Tôi là" } else { "Em là" };
        text = format!(
            "{who} {} {} {}, {text}",
            pick(&mut rng, &v.family_names),
            pick(&mut rng, &v.middle_names),
            pick(&mut rng, &v.given_names)
        );
    }
    if rng.next_f64() < 0.2 {
        let p = |rng: &mut Rng| {
            format!("{} {}", pick(rng, &v.place_syllables), pick(rng, &v.place_syllables).to_lowercase())
        };
        text = format!("{} (thôn {}, xã {})", text.trim_end_matches('.'), p(&mut rng), p(&mut rng));
    }
    let opening = pick(&mut rng, &v.openings);
    if opening.trim_end().ends_with([',', ':']) {
        // "Kính gửi lãnh đạo tỉnh, đề nghị ...": the sentence now starts in the opening.
        let mut cs = text.chars();
        if let Some(first) = cs.next() {
            text = first.to_lowercase().chain(cs).collect();
        }
    }
    text = format!("{opening}{text}{}", pick(&mut rng, &v.closings));
    if rng.next_f64() < 0.3 {
        // One typo: a letter dropped, doubled, or stripped of its marks.
        let words: Vec<&str> = text.split(' ').collect();
        let w = rng.below(words.len());
        let chars: Vec<char> = words[w].chars().collect();
        if chars.len() > 2 {
            let k = rng.below(chars.len());
            let typo: String = match rng.below(3) {
                0 => chars.iter().enumerate().filter(|&(j, _)| j != k).map(|(_, c)| *c).collect(),
                1 => chars.iter().enumerate().flat_map(|(j, c)| if j == k { vec![*c, *c] } else { vec![*c] }).collect(),
                _ => strip_diacritics(words[w]),
            };
            text = words
                .iter()
                .enumerate()
                .map(|(j, x)| if j == w { typo.as_str() } else { x })
                .collect::<Vec<_>>()
                .join(" ");
        }
    }
    if rng.next_f64() < 0.2 {
        text = strip_diacritics(&text);
    }
    let locality = if rng.next_f64() < 0.7 { b.locality.clone() } else { Some(pick(&mut rng, &v.districts).into()) };
    let day = rng.below(365);
    let mut extra = crate::input::Extra::default();
    for k in ["topic", "department"] {
        if let Some(x) = b.field(k) {
            extra.insert(k, x);
        }
    }
    Submission {
        id: format!("G{:08}", i + 1),
        id_given: true,
        text,
        locality,
        submitted_at: Some(format!("2024-{:02}-{:02}", day / 31 % 12 + 1, day % 28 + 1).into()),
        group: b.group.clone(),
        extra,
    }
}

/// Writes `n` generated records to `path` in `format`, streaming, atomically.
pub fn write(base: &[Submission], v: &Variations, seed: u64, n: usize, format: Format, path: &Path) -> Result<()> {
    if base.is_empty() {
        return Err(Error::Param("no submissions to vary".into()));
    }
    if format == Format::Xlsx {
        return write_xlsx(base, v, seed, n, path);
    }
    if format == Format::Docx {
        return Err(Error::Param("gen writes .csv, .jsonl, .txt, .xlsx or .parquet, not .docx".into()));
    }
    if format == Format::Parquet {
        return write_parquet(base, v, seed, n, path);
    }
    crate::output::write_atomic_with(path, |w| {
        if format == Format::Csv {
            w.write_all(b"id,text,locality,group,submitted_at,topic,department\n")?;
        }
        const CHUNK: usize = 1 << 15;
        for start in (0..n).step_by(CHUNK) {
            let lines: Vec<Vec<u8>> = (start..(start + CHUNK).min(n))
                .into_par_iter()
                .map(|i| line(&record(base, v, seed, i), format))
                .collect();
            for l in lines {
                w.write_all(&l)?;
            }
        }
        Ok(())
    })
}

fn line(s: &Submission, format: Format) -> Vec<u8> {
    let f = |k: &str| s.field(k).unwrap_or("").to_string();
    match format {
        Format::Jsonl => {
            let mut v = serde_json::to_vec(&serde_json::json!({
                "id": s.id, "text": s.text, "locality": s.locality, "group": s.group,
                "submitted_at": s.submitted_at, "topic": f("topic"), "department": f("department"),
            }))
            .unwrap_or_default();
            v.push(b'\n');
            v
        }
        Format::Txt => format!("{}\n", s.text.replace(['\n', '\r'], " ")).into_bytes(),
        _ => {
            let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
            let _ = w.write_record([
                s.id.clone(),
                s.text.clone(),
                f("locality"),
                f("group"),
                f("submitted_at"),
                f("topic"),
                f("department"),
            ]);
            w.into_inner().unwrap_or_default()
        }
    }
}

/// The generated columns, in order.
const COLUMNS: [&str; 7] = ["id", "text", "locality", "group", "submitted_at", "topic", "department"];

/// Writes `n` generated records as Parquet (Snappy), a batch of rows at a time.
fn write_parquet(base: &[Submission], v: &Variations, seed: u64, n: usize, path: &Path) -> Result<()> {
    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    let fields: Vec<arrow_schema::Field> =
        COLUMNS.iter().map(|c| arrow_schema::Field::new(*c, arrow_schema::DataType::Utf8, true)).collect();
    let schema = std::sync::Arc::new(arrow_schema::Schema::new(fields));
    let props = crate::output::parquet_properties();
    let failed = |e: &dyn std::fmt::Display| std::io::Error::other(format!("{}: {e}", path.display()));
    crate::output::write_atomic_with(path, |w| {
        let mut writer =
            parquet::arrow::ArrowWriter::try_new(w, schema.clone(), Some(props)).map_err(|e| failed(&e))?;
        const CHUNK: usize = 1 << 16;
        for start in (0..n).step_by(CHUNK) {
            let recs: Vec<Submission> =
                (start..(start + CHUNK).min(n)).into_par_iter().map(|i| record(base, v, seed, i)).collect();
            let columns: Vec<ArrayRef> = COLUMNS
                .iter()
                .map(|c| {
                    let a: StringArray = recs.iter().map(|r| r.field(c).filter(|v| !v.is_empty())).collect();
                    std::sync::Arc::new(a) as ArrayRef
                })
                .collect();
            let batch = RecordBatch::try_new(schema.clone(), columns).map_err(|e| failed(&e))?;
            writer.write(&batch).map_err(|e| failed(&e))?;
        }
        writer.close().map_err(|e| failed(&e))?;
        Ok(())
    })
}

fn write_xlsx(base: &[Submission], v: &Variations, seed: u64, n: usize, path: &Path) -> Result<()> {
    if n >= 1_048_576 {
        return Err(Error::Param(format!("a worksheet holds at most 1,048,575 rows; asked for {n}")));
    }
    let err = |e: rust_xlsxwriter::XlsxError| Error::io(path, std::io::Error::other(e.to_string()));
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet();
    let cols = COLUMNS;
    for (c, h) in cols.iter().enumerate() {
        s.write_string(0, c as u16, *h).map_err(err)?;
    }
    for i in 0..n {
        let r = record(base, v, seed, i);
        for (c, k) in cols.iter().enumerate() {
            s.write_string(i as u32 + 1, c as u16, r.field(k).unwrap_or("")).map_err(err)?;
        }
    }
    crate::output::write_atomic(path, &wb.save_to_buffer().map_err(err)?)
}
