//! One submission's results as every writer sees them: [`SubmissionRow`]. JSON Lines is
//! serde's serialisation of the row; CSV its [`SubmissionRow::CSV_HEADER`] columns; the
//! review database and the search index read the same row. The fast writers here write
//! the bytes serde and the csv crate write for it (tested below), a field at a time.

use std::sync::Arc;

use serde::{Serialize, Serializer};

use super::{csv_row, json_str, push_decimal3};
use crate::input::Submission;
use crate::pipeline::{RecordResult, Report};

/// One submission and what ykien made of it.
#[derive(Debug, Clone, Serialize)]
pub struct SubmissionRow<'a> {
    /// The submission's id.
    pub id: &'a str,
    /// Its tracking code ("YK-2024-000123"), when the run keeps a data directory.
    pub code: Option<&'a str>,
    /// The text as written.
    pub text: &'a str,
    /// The text with its diacritics restored, when it was typed without them (the
    /// original stays in `text`).
    pub restored: Option<&'a str>,
    /// Its locality as written, when given.
    pub locality: Option<&'a str>,
    /// Its date as written, when given.
    pub submitted_at: Option<&'a str>,
    /// Its respondent group, when given.
    pub group: Option<&'a str>,
    /// Its cluster (`None`: no words to cluster, or routing alone).
    pub cluster: Option<usize>,
    /// The cluster's label ("" without one); in JSON Lines the labels are in clusters.json.
    #[serde(skip)]
    pub cluster_label: &'a str,
    /// Topic area code.
    pub topic: &'a str,
    /// Probability of the topic area.
    #[serde(serialize_with = "round3")]
    pub topic_score: f32,
    /// Suggested department's code.
    pub department: &'a str,
    /// Its name.
    pub department_name: &'a str,
    /// Probability of the suggestion.
    #[serde(serialize_with = "round3")]
    pub confidence: f32,
    /// The second choice.
    pub runner_up: &'a str,
    /// Its probability.
    #[serde(serialize_with = "round3")]
    pub runner_up_confidence: f32,
    /// A second body, when the submission concerns two.
    pub also: Option<&'a str>,
    /// Why, in words a reviewer can check.
    pub reasons: &'a [Arc<str>],
    /// True when the text was typed without diacritics.
    pub typed_without_diacritics: bool,
    /// Every other column of the input, under its own header, in input order.
    pub columns: &'a crate::input::Extra,
    /// The earlier answer to a submission like it, when the run keeps a data directory
    /// whose archive holds one.
    pub answered_before: Option<&'a crate::review::archive::EarlierAnswer>,
    /// The place its locality column or its text names, when the profile has the
    /// province's gazetteer: a unit (code and name), names several units share, or none.
    pub place: Option<&'a crate::places::Recognised>,
}

/// A number as written to JSON: rounded to three decimals (as `f64`).
fn round3<S: Serializer>(x: &f32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(rounded3(*x))
}

/// `x` rounded to three decimals, as JSON files show it.
pub fn rounded3(x: f32) -> f64 {
    (x as f64 * 1000.0).round() / 1000.0
}

impl<'a> SubmissionRow<'a> {
    /// The CSV columns, in order.
    pub const CSV_HEADER: [&'static str; 17] = [
        "id",
        "code",
        "text",
        "restored",
        "locality",
        "submitted_at",
        "group",
        "cluster",
        "cluster_label",
        "topic",
        "topic_score",
        "department",
        "department_name",
        "confidence",
        "runner_up",
        "also",
        "reasons",
    ];

    /// The row of `sub` with its `record`; `cluster_label` is its cluster's label.
    pub fn new(sub: &'a Submission, record: &'a RecordResult, cluster_label: &'a str) -> Self {
        let s = &record.routed.suggestion;
        SubmissionRow {
            id: &sub.id,
            code: None,
            text: &sub.text,
            restored: record.routed.restored.as_deref(),
            locality: sub.locality.as_deref(),
            submitted_at: sub.submitted_at.as_deref(),
            group: sub.group.as_deref(),
            cluster: record.cluster,
            cluster_label,
            topic: &record.routed.topic,
            topic_score: record.routed.topic_score,
            department: &s.department,
            department_name: &s.department_name,
            confidence: s.confidence,
            runner_up: &s.runner_up,
            runner_up_confidence: s.runner_up_confidence,
            also: s.also.as_deref(),
            reasons: &s.reasons,
            typed_without_diacritics: record.routed.typed_without_diacritics,
            columns: &sub.extra,
            answered_before: None,
            place: None,
        }
    }

    /// Appends the row as one line of JSON Lines: the bytes `serde_json` writes for it,
    /// strings copied whole where they need no escaping.
    pub fn write_json_line(&self, buf: &mut Vec<u8>) {
        let num = |buf: &mut Vec<u8>, x: f32| {
            // A finite f64 always serialises; a NaN is written as null, as serde_json does.
            let _ = serde_json::to_writer(&mut *buf, &rounded3(x));
        };
        let opt = |buf: &mut Vec<u8>, v: Option<&str>| match v {
            Some(v) => json_str(buf, v),
            None => buf.extend_from_slice(b"null"),
        };
        buf.extend_from_slice(b"{\"id\":");
        json_str(buf, self.id);
        buf.extend_from_slice(b",\"code\":");
        opt(buf, self.code);
        buf.extend_from_slice(b",\"text\":");
        json_str(buf, self.text);
        buf.extend_from_slice(b",\"restored\":");
        opt(buf, self.restored);
        buf.extend_from_slice(b",\"locality\":");
        opt(buf, self.locality);
        buf.extend_from_slice(b",\"submitted_at\":");
        opt(buf, self.submitted_at);
        buf.extend_from_slice(b",\"group\":");
        opt(buf, self.group);
        buf.extend_from_slice(b",\"cluster\":");
        match self.cluster {
            Some(c) => {
                let mut f = String::new();
                super::push_uint(&mut f, c as u64);
                buf.extend_from_slice(f.as_bytes());
            }
            None => buf.extend_from_slice(b"null"),
        }
        buf.extend_from_slice(b",\"topic\":");
        json_str(buf, self.topic);
        buf.extend_from_slice(b",\"topic_score\":");
        num(buf, self.topic_score);
        buf.extend_from_slice(b",\"department\":");
        json_str(buf, self.department);
        buf.extend_from_slice(b",\"department_name\":");
        json_str(buf, self.department_name);
        buf.extend_from_slice(b",\"confidence\":");
        num(buf, self.confidence);
        buf.extend_from_slice(b",\"runner_up\":");
        json_str(buf, self.runner_up);
        buf.extend_from_slice(b",\"runner_up_confidence\":");
        num(buf, self.runner_up_confidence);
        buf.extend_from_slice(b",\"also\":");
        opt(buf, self.also);
        buf.extend_from_slice(b",\"reasons\":[");
        for (i, reason) in self.reasons.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            json_str(buf, reason);
        }
        buf.extend_from_slice(b"],\"typed_without_diacritics\":");
        buf.extend_from_slice(if self.typed_without_diacritics { b"true" } else { b"false" });
        buf.extend_from_slice(b",\"columns\":{");
        for (i, (k, v)) in self.columns.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            json_str(buf, k);
            buf.push(b':');
            json_str(buf, v);
        }
        buf.extend_from_slice(b"},\"answered_before\":");
        match self.answered_before {
            // Rare and small: serde writes it.
            Some(e) => serde_json::to_writer(&mut *buf, e).expect("strings serialise"),
            None => buf.extend_from_slice(b"null"),
        }
        buf.extend_from_slice(b",\"place\":");
        match self.place {
            Some(p) => serde_json::to_writer(&mut *buf, p).expect("strings serialise"),
            None => buf.extend_from_slice(b"null"),
        }
        buf.extend_from_slice(b"}\n");
    }

    /// Appends the row as one CSV record of `layout`'s columns: [`Self::CSV_HEADER`]'s,
    /// then every input column. `scratch` holds the numbers and the joined reasons, `cells`
    /// the input columns' values; both are reused from row to row.
    pub fn write_csv_record(
        &self,
        buf: &mut Vec<u8>,
        scratch: &mut String,
        layout: &CsvLayout,
        cells: &mut Vec<&'a str>,
    ) {
        let f = scratch;
        f.clear();
        if let Some(k) = self.cluster {
            super::push_uint(f, k as u64);
        }
        let cluster = f.len();
        push_decimal3(f, self.topic_score);
        let topic_score = f.len();
        push_decimal3(f, self.confidence);
        let confidence = f.len();
        for (i, reason) in self.reasons.iter().enumerate() {
            if i > 0 {
                f.push_str(" | ");
            }
            f.push_str(reason);
        }
        cells.clear();
        cells.resize(layout.extra.len(), "");
        for (k, v) in self.columns.iter() {
            if let Some(&i) = layout.index.get(k) {
                cells[i] = v;
            }
        }
        let row: [&str; 17] = [
            self.id,
            self.code.unwrap_or(""),
            self.text,
            self.restored.unwrap_or(""),
            self.locality.unwrap_or(""),
            self.submitted_at.unwrap_or(""),
            self.group.unwrap_or(""),
            &f[..cluster],
            self.cluster_label,
            self.topic,
            &f[cluster..topic_score],
            self.department,
            self.department_name,
            &f[topic_score..confidence],
            self.runner_up,
            self.also.unwrap_or(""),
            &f[confidence..],
        ];
        csv_row(buf, row.into_iter().chain(cells.iter().copied()));
    }
}

/// The columns of a CSV of rows: ykien's, then every input column met, in input order.
#[derive(Debug, Default)]
pub struct CsvLayout {
    /// The input columns' headers, in the order first met.
    pub extra: Vec<String>,
    index: rustc_hash::FxHashMap<String, usize>,
}

impl CsvLayout {
    /// The layout of `subs`' rows.
    pub fn of(subs: &[Submission]) -> Self {
        let mut l = CsvLayout::default();
        for s in subs {
            for (k, _) in s.extra.iter() {
                if !l.index.contains_key(k) {
                    l.index.insert(k.to_string(), l.extra.len());
                    l.extra.push(k.to_string());
                }
            }
        }
        l
    }

    /// The place of input column `name` among [`CsvLayout::extra`].
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The header line's fields; an input column named like one of ykien's (a gold
    /// `topic`, say) is headed "topic (gốc)", so that no header is there twice.
    pub fn header(&self) -> Vec<String> {
        let ours = SubmissionRow::CSV_HEADER;
        ours.iter()
            .map(|h| h.to_string())
            .chain(self.extra.iter().map(|h| if ours.contains(&h.as_str()) { format!("{h} (gốc)") } else { h.clone() }))
            .collect()
    }
}

impl Report {
    /// The label of cluster `c` ("" for none).
    pub fn cluster_label(&self, c: Option<usize>) -> &str {
        c.and_then(|c| self.clusters.get(c)).map_or("", |c| c.label.as_str())
    }

    /// Submission `i`'s row (`subs` are the submissions the report was made from).
    pub fn row<'a>(&'a self, subs: &'a [Submission], i: usize) -> SubmissionRow<'a> {
        let r = &self.records[i];
        let mut row = SubmissionRow::new(&subs[i], r, self.cluster_label(r.cluster));
        row.code = self.codes.get(i).map(String::as_str);
        row.answered_before = self.answered_before.get(i).and_then(|e| e.as_deref());
        row.place = self.places.get(i);
        row
    }

    /// Every submission's row, in input order.
    pub fn rows<'a>(&'a self, subs: &'a [Submission]) -> impl Iterator<Item = SubmissionRow<'a>> + 'a {
        (0..self.records.len()).map(move |i| self.row(subs, i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::Suggestion;

    fn record(cluster: Option<usize>, confidence: f32, also: Option<&str>, reasons: &[&str]) -> RecordResult {
        RecordResult {
            cluster,
            routed: crate::pipeline::Routed {
                topic: "vay-von".into(),
                topic_score: 0.8125,
                suggestion: Arc::new(Suggestion {
                    department: "nhcsxh".into(),
                    department_name: "Ngân hàng Chính sách xã hội tỉnh".into(),
                    confidence,
                    runner_up: "so-ldtbxh".into(),
                    runner_up_confidence: 1.0 - confidence,
                    also: also.map(Into::into),
                    reasons: reasons.iter().map(|&r| r.into()).collect(),
                    bodies_hit: 0,
                }),
                typed_without_diacritics: false,
                restored: None,
            },
        }
    }

    fn submission(id: &str, text: &str, locality: Option<&str>) -> Submission {
        Submission {
            id: id.into(),
            id_given: true,
            text: text.into(),
            locality: locality.map(Into::into),
            submitted_at: None,
            group: None,
            extra: Default::default(),
        }
    }

    /// Rows of real submissions with every awkward value: quotes, commas, line breaks,
    /// control characters, no locality, no cluster, halves at the third decimal.
    fn cases() -> Vec<(Submission, RecordResult)> {
        vec![
            (
                submission(
                    "hl-01",
                    "Đề nghị tỉnh hỗ trợ vay vốn khởi nghiệp cho thanh niên, lãi suất \"ưu đãi\".",
                    Some("Hữu Lũng"),
                ),
                record(Some(3), 0.8765, None, &["từ khoá «vay vốn»", "chủ đề: vay vốn (81%)"]),
            ),
            (
                submission("x\"2", "em muon di xkld\nco duoc ko\t\u{1}?", None),
                record(None, 0.0005, Some("so-ldtbxh"), &[]),
            ),
            (submission("3", "", Some("Chi Lăng, Lạng Sơn")), record(Some(0), 0.5, None, &["a | b"])),
            (
                submission("4", "Trường  cao đẳng nghề\r\nở đâu?", Some("")),
                record(Some(12), 1.0, Some(""), &["«trường»"]),
            ),
        ]
    }

    #[test]
    fn json_lines_are_what_serde_writes_for_the_row() {
        let mut all = cases();
        all[0].0.extra.insert("Họ và tên", "Hoàng Văn An");
        all[0].0.extra.insert("Ghi chú", "\"trích\"\n\u{1}");
        all[2].0.submitted_at = Some("13/04/2024 09:01".into());
        all[2].0.group = Some("sinh viên".into());
        for (sub, rec) in all {
            let mut row = SubmissionRow::new(&sub, &rec, "vay vốn ưu đãi");
            if sub.id.starts_with('x') {
                row.code = Some("YK-2025-\"000002");
            }
            let mut ours = Vec::new();
            row.write_json_line(&mut ours);
            let mut theirs = serde_json::to_vec(&row).unwrap();
            theirs.push(b'\n');
            assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap());
        }
    }

    #[test]
    fn csv_records_are_what_the_csv_crate_writes_for_the_row() {
        let mut scratch = String::new();
        let mut all = cases();
        // Input columns of their own, in another order on one row and missing on another.
        all[0].0.extra.insert("Họ và tên", "Hoàng Văn An");
        all[0].0.extra.insert("Đơn vị", "Chi đoàn, xã \"Hữu Liên\"");
        all[1].0.extra.insert("Đơn vị", "=2+3");
        all[1].0.extra.insert("Ghi chú", "gọi lại");
        let subs: Vec<Submission> = all.iter().map(|(s, _)| s.clone()).collect();
        let layout = CsvLayout::of(&subs);
        assert_eq!(layout.extra, ["Họ và tên", "Đơn vị", "Ghi chú"]);
        for (sub, rec) in &all {
            let mut row = SubmissionRow::new(sub, rec, "vay vốn, ưu đãi");
            if sub.id.ends_with('1') {
                row.code = Some("YK-2024-000001");
            }
            let mut ours = Vec::new();
            let mut cells = Vec::new();
            row.write_csv_record(&mut ours, &mut scratch, &layout, &mut cells);
            let reasons: Vec<&str> = row.reasons.iter().map(|r| &**r).collect();
            let cluster = row.cluster.map(|c| c.to_string()).unwrap_or_default();
            let mut fields = vec![
                row.id.to_string(),
                row.code.unwrap_or("").to_string(),
                row.text.to_string(),
                row.restored.unwrap_or("").to_string(),
                row.locality.unwrap_or("").to_string(),
                row.submitted_at.unwrap_or("").to_string(),
                row.group.unwrap_or("").to_string(),
                cluster,
                row.cluster_label.to_string(),
                row.topic.to_string(),
                format!("{:.3}", row.topic_score),
                row.department.to_string(),
                row.department_name.to_string(),
                format!("{:.3}", row.confidence),
                row.runner_up.to_string(),
                row.also.unwrap_or("").to_string(),
                reasons.join(" | "),
            ];
            fields.extend(layout.extra.iter().map(|h| sub.field(h).unwrap_or("").to_string()));
            let fields: Vec<String> = fields.iter().map(|f| super::super::excel_safe(f).into_owned()).collect();
            let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
            w.write_record(&fields).unwrap();
            let theirs = w.into_inner().unwrap();
            assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap());
        }
    }
}
