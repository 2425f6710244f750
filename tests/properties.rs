//! Property-based tests where inputs are open-ended: the query parser, the snippet
//! builder and the normaliser take any string without panicking, and keep their
//! invariants. Inputs mix real Vietnamese syllables (with and without diacritics, teen
//! code that expands to several words), operators, punctuation and arbitrary Unicode.

mod common;

use proptest::prelude::*;
use ykien::search::{parse_query, snippet};

/// Pieces real queries and submissions are made of.
const PIECES: &[&str] = &[
    "thanh",
    "niên",
    "nien",
    "việc",
    "làm",
    "viec",
    "lam",
    "xkld",
    "xuất",
    "khẩu",
    "lao",
    "động",
    "vay",
    "vốn",
    "hs",
    "ko",
    "dc",
    "đào",
    "tạo",
    "nghề",
    "\"",
    "(",
    ")",
    "NOT",
    "AND",
    "OR",
    "-",
    "*",
    ",",
    ".",
    "?",
    " ",
    "  ",
    "\n",
    "\t",
    "🎓",
    "Hoà",
    "hòa",
    "a\u{301}",
    "Đ",
    "12/3/2024",
    "90%",
    "0912 345 678",
    "https://x.vn/a?b=c",
];

/// A string of pieces, or of arbitrary characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|v| v.join(" ")),
        prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|v| v.concat()),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn segmenting_keeps_every_character(t in text()) {
        let t = t.replace('_', "");
        let line = t.lines().next().unwrap_or("");
        let out = ykien::text::segmented_line(&common::analyzer().analyze(line), line);
        let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace() && *c != '_').collect::<String>();
        prop_assert_eq!(squeeze(&out), squeeze(line));
    }

    #[test]
    fn any_query_parses_or_is_refused_with_a_reason(q in text()) {
        match parse_query(&q, common::analyzer(), true) {
            Ok(p) => prop_assert!(p.highlight.iter().all(|(syls, _)| !syls.is_empty())),
            Err(e) => prop_assert!(matches!(e, ykien::Error::Query(_)) && e.to_string().contains("câu tìm"), "{e}"),
        }
    }

    #[test]
    fn snippets_mark_whole_characters_in_order_within_the_text(t in text(), q in text()) {
        let patterns = match parse_query(&q, common::analyzer(), false) {
            Ok(p) => p.highlight,
            Err(_) => Vec::new(),
        };
        let s = snippet(common::analyzer(), &t, &patterns);
        let mut at = 0;
        for &(a, b) in &s.highlights {
            prop_assert!(a >= at && a < b && b <= s.text.len(), "{:?} in {:?}", s.highlights, s.text);
            prop_assert!(s.text.is_char_boundary(a) && s.text.is_char_boundary(b));
            at = b;
        }
    }

    #[test]
    fn analysis_spans_fall_on_the_originals_characters_in_order(t in text()) {
        let n = ykien::text::normalize(&t);
        let again = ykien::text::normalize(&n.text);
        prop_assert_eq!(&again.text, &n.text, "normalising twice changes nothing");
        let a = common::analyzer().analyze(&t);
        let mut at = 0;
        for w in &a.words {
            let (s, e) = (w.start as usize, w.end as usize);
            prop_assert!(at <= s && s <= e && e <= t.len(), "{:?} after {} in {:?}", (s, e), at, t);
            prop_assert!(t.is_char_boundary(s) && t.is_char_boundary(e), "{:?} in {:?}", (s, e), t);
            at = s;
        }
        for sp in &a.spans {
            prop_assert!(t.is_char_boundary(sp.start as usize) && t.is_char_boundary(sp.end as usize));
        }
    }
}

#[test]
fn a_teen_code_word_that_expands_to_several_is_highlighted_once() {
    let text = "em muon di xkld co duoc ko";
    let q = parse_query("khau lao", common::analyzer(), false).unwrap();
    let s = snippet(common::analyzer(), text, &q.highlight);
    assert_eq!(s.highlights, vec![(11, 15)], "the whole of «xkld»");
    assert_eq!(&s.text[11..15], "xkld");
}

#[test]
fn ten_thousand_parentheses_are_refused_not_a_stack_overflow() {
    for q in [
        "(".repeat(10_000),
        "NOT ".repeat(5_000),
        "NOT (".repeat(20),
        format!("{}viec lam{}", "(".repeat(17), ")".repeat(17)),
    ] {
        let e = parse_query(&q, common::analyzer(), true).err();
        assert!(
            e.is_some_and(|e| matches!(e, ykien::Error::Query(_)) && e.to_string().contains("câu tìm kiếm bị từ chối")),
            "{}",
            &q[..20.min(q.len())]
        );
    }
    // Nesting within the limit still means what it says.
    let ok = format!("{}việc làm OR vay vốn{}", "(".repeat(15), ")".repeat(15));
    let p = parse_query(&ok, common::analyzer(), false).unwrap();
    assert_eq!(p.highlight.len(), 2);
    // A long but ordinary query is taken; one past the limit is not.
    let words = "việc làm ".repeat(30);
    assert!(parse_query(&words, common::analyzer(), false).is_ok());
    assert!(parse_query(&"viec ".repeat(65), common::analyzer(), false).is_err());
}

/// One line of a plain-text file: pieces, arbitrary characters, or raw bytes.
fn line_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        text().prop_map(|s| s.replace(['\n', '\r'], " ").into_bytes()),
        prop::collection::vec(any::<u8>().prop_filter("not a line end", |b| *b != b'\n' && *b != b'\r'), 0..60),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_line_of_plain_text_is_a_submission_a_reject_or_blank(
        lines in prop::collection::vec(line_bytes(), 0..30),
        ends in prop::sample::select(vec!["\n", "\r\n", "\r"]),
    ) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("y.txt");
        let mut bytes = Vec::new();
        for l in &lines {
            bytes.extend_from_slice(l);
            bytes.extend_from_slice(ends.as_bytes());
        }
        // A file opening with a UTF-16 byte-order mark, or with zeros every other byte, is
        // read as UTF-16 (its lines are others): not this property's business.
        let utf16 = bytes.starts_with(&[0xFE, 0xFF]) || bytes.starts_with(&[0xFF, 0xFE])
            || (bytes.len() >= 4 && ((bytes[1] == 0 && bytes[3] == 0) || (bytes[0] == 0 && bytes[2] == 0)));
        prop_assume!(!utf16);
        std::fs::write(&p, &bytes).unwrap();
        let opts = ykien::input::ReadOptions { skip_bad: true, ..Default::default() };
        match ykien::input::read_file(&p, &opts) {
            Ok(out) => {
                // Lines with as many tabs are a table: its header line is neither.
                let table = out.columns.iter().any(|(_, notes)| notes.iter().any(|n| n.contains("tab")));
                let accounted = out.submissions.len() + out.rejects.len() + out.blank + out.title_rows + table as usize;
                if table {
                    // Read as CSV: every line with something on it is accounted for (an
                    // empty line between CR-only line ends may go uncounted as blank).
                    let filled = lines.iter().filter(|l| !l.is_empty()).count();
                    prop_assert!(accounted >= filled && accounted <= lines.len(), "{} of {} lines", accounted, lines.len());
                } else {
                    prop_assert_eq!(accounted, lines.len());
                }
            }
            // Bytes that look like UTF-16 to the sniffing of the first four: named, not lost silently.
            Err(e) => prop_assert!(e.to_string().contains("y.txt"), "{}", e),
        }
    }

    #[test]
    fn any_csv_or_json_lines_bytes_read_or_fail_naming_the_file(
        body in prop::collection::vec(prop_oneof![
            Just(b"id,text\n".to_vec()), Just(b"\"".to_vec()), Just(b",".to_vec()), Just(b"\n".to_vec()),
            Just(b"\r".to_vec()), Just("Cần việc làm".as_bytes().to_vec()), Just(b"{\"text\": \"a\"}".to_vec()),
            Just(vec![0xFF]), Just(vec![0]), Just(vec![0xC3]), prop::collection::vec(any::<u8>(), 0..8),
        ], 0..40),
        ext in prop::sample::select(vec!["csv", "tsv", "jsonl"]),
        skip_bad in any::<bool>(),
    ) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(format!("y.{ext}"));
        std::fs::write(&p, body.concat()).unwrap();
        let opts = ykien::input::ReadOptions { skip_bad, ..Default::default() };
        match ykien::input::read_file(&p, &opts) {
            Ok(out) => {
                for r in &out.rejects {
                    prop_assert!(r.file == p && !r.location.is_empty() && !r.message.is_empty());
                }
                for s in &out.submissions {
                    prop_assert!(!s.text.trim().is_empty() && !s.text.contains('\0'));
                }
            }
            Err(e) => prop_assert!(e.to_string().contains(&format!("y.{ext}")), "{}", e),
        }
    }
}

/// A .docx holding `xml` as its word/document.xml.
fn docx_with(xml: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    z.start_file("word/document.xml", o).unwrap();
    z.write_all(xml).unwrap();
    z.finish().unwrap().into_inner()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Any document.xml, well formed or not: its tables' rows read, or an error naming the
    /// file; never a panic.
    #[test]
    fn any_word_document_reads_or_fails_naming_the_file(
        body in prop::collection::vec(prop_oneof![
            Just("<w:tbl>"), Just("</w:tbl>"), Just("<w:tr>"), Just("</w:tr>"), Just("<w:tc>"), Just("</w:tc>"),
            Just("<w:p>"), Just("</w:p>"), Just("<w:t>"), Just("</w:t>"), Just("<w:vMerge/>"),
            Just("<w:gridSpan w:val=\"99999999999\"/>"), Just("<w:gridSpan w:val=\"3\"/>"), Just("<w:br/>"),
            Just("Nội dung ý kiến"), Just("Đề nghị mở lớp học nghề"), Just("&amp;"), Just("&#x1F600;"), Just("&bad;"),
            Just("<"), Just("\u{0}"), Just("<w:tbl/>"),
        ], 0..60),
        skip_bad in any::<bool>(),
    ) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("y.docx");
        std::fs::write(&p, docx_with(body.concat().as_bytes())).unwrap();
        let opts = ykien::input::ReadOptions { skip_bad, ..Default::default() };
        match ykien::input::read_file(&p, &opts) {
            Ok(out) => {
                for s in &out.submissions {
                    prop_assert!(!s.text.trim().is_empty());
                }
            }
            Err(e) => prop_assert!(e.to_string().contains("y.docx"), "{}", e),
        }
    }

    /// Any page or Excel 2003 XML under an .xls name (what offices' systems export), tags matched or not,
    /// spans of any size: its tables' rows read, or an error naming the file; never a panic.
    #[test]
    fn any_web_page_named_xls_reads_or_fails_naming_the_file(
        body in prop::collection::vec(prop_oneof![
            Just("<table>"), Just("</table>"), Just("<tr>"), Just("</tr>"), Just("<td>"), Just("</td>"),
            Just("<th>"), Just("<tbody>"), Just("<td rowspan=99999999>"), Just("<td colspan=\"1000\">"),
            Just("<td rowspan=2 colspan=0>"), Just("<br>"), Just("<p>"), Just("Nội dung ý kiến"),
            Just("Đề nghị mở lớp học nghề"), Just("&amp;"), Just("&#x1F600;"), Just("&bad;"), Just("<"),
            Just("\u{0}"), Just("<!--"), Just("<html>"), Just("\t"), Just("\n"),
            Just("<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">"), Just("<Worksheet>"),
            Just("<Row ss:Index=\"99999999999\">"), Just("</Row>"), Just("<Cell ss:Index=\"16385\">"),
            Just("<Cell ss:MergeDown=\"99999\" ss:MergeAcross=\"500\">"), Just("</Cell>"), Just("<Data>"),
            Just("</Data>"), Just("<Row/>"),
        ], 0..60),
        skip_bad in any::<bool>(),
    ) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("y.xls");
        std::fs::write(&p, body.concat()).unwrap();
        let opts = ykien::input::ReadOptions { skip_bad, ..Default::default() };
        match ykien::input::read_file(&p, &opts) {
            Ok(out) => {
                for s in &out.submissions {
                    prop_assert!(!s.text.trim().is_empty());
                }
            }
            Err(e) => prop_assert!(e.to_string().contains("y.xls"), "{}", e),
        }
    }
}

/// A small index of bundled submissions, built once for the similarity property.
fn similar_index() -> &'static (tempfile::TempDir, ykien::search::SearchIndex) {
    static IDX: std::sync::OnceLock<(tempfile::TempDir, ykien::search::SearchIndex)> = std::sync::OnceLock::new();
    IDX.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        let corpus = std::fs::read_to_string(common::models().bundled_corpus()).unwrap();
        let f = d.path().join("in.csv");
        std::fs::write(&f, corpus.lines().take(200).collect::<Vec<_>>().join("\n")).unwrap();
        let read = ykien::input::read_file(&f, &Default::default()).unwrap();
        let data = ykien::data_dir::DataDir::resolve(Some(&d.path().join("data")));
        let m = common::models();
        let mut ix = ykien::search::Indexer::open(&data, &m.analyzer, "lang-son-2024", 1, 1000).unwrap();
        ykien::search::index_submissions(m, &mut ix, &read, &indicatif::ProgressBar::hidden()).unwrap();
        ix.finish().unwrap();
        let idx = ykien::search::SearchIndex::open(&data, &m.analyzer).unwrap();
        (d, idx)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_text_gets_similar_submissions_or_none_never_an_error(t in text()) {
        let found = similar_index().1.similar(&t, "x", 6, 0.1);
        prop_assert!(found.is_ok(), "{:?}", found.err());
        let found = found.unwrap();
        prop_assert!(found.len() <= 6 && found.windows(2).all(|w| w[0].similarity >= w[1].similarity));
        prop_assert!(found.iter().all(|s| (0.1..=1.0 + 1e-6).contains(&s.similarity)));
    }
}
