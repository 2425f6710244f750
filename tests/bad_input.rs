//! A generated suite of bad input: every kind of damage an office file or an attacker
//! brings (encodings, quotes, sizes, line ends, NUL, types, missing and extra fields,
//! special files), in every format it applies to, at the first, a middle and the last
//! record, with and without --skip-bad. For each case: a clear error naming the file and
//! the line or row (or the whole file), or every record accounted for (a submission, a
//! reject naming file, place and reason, or a blank line) — never a panic or a silent loss.

use std::path::{Path, PathBuf};

use ykien::input::{read_file, read_files, ReadOptions};

/// Real submissions the damaged files are made of.
const TEXTS: [&str; 6] = [
    "Em muốn vay vốn ngân hàng chính sách để nuôi bò",
    "em muon hoc nghe sua xe may o huyen",
    "Đề nghị tỉnh mở thêm lớp đào tạo nghề cho thanh niên nông thôn",
    "Xin hỏi thủ tục đi xuất khẩu lao động Nhật Bản",
    "Mong có học bổng cho học sinh nghèo vượt khó, \"học giỏi\"",
    "Trường em thiếu giáo viên tiếng Anh; cần hỗ trợ",
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fmt {
    Csv,
    Tsv,
    Jsonl,
    Txt,
}

impl Fmt {
    fn ext(self) -> &'static str {
        match self {
            Fmt::Csv => "csv",
            Fmt::Tsv => "tsv",
            Fmt::Jsonl => "jsonl",
            Fmt::Txt => "txt",
        }
    }
}

/// Damage done to one record (or to the file as a whole).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Damage {
    BadUtf8,
    Nul,
    UnclosedQuote,
    ExtraField,
    MissingField,
    EmptyText,
    DuplicateId,
    BlankId,
    CrOnly,
    MixedEnds,
    BomCrlf,
    Utf16Le,
    Utf16Be,
    Utf16Surrogate,
    Utf16Odd,
    NotAnObject,
    TextNotString,
    HugeText,
    ControlChars,
    LoneCombining,
}

const DAMAGES: [Damage; 20] = [
    Damage::BadUtf8,
    Damage::Nul,
    Damage::UnclosedQuote,
    Damage::ExtraField,
    Damage::MissingField,
    Damage::EmptyText,
    Damage::DuplicateId,
    Damage::BlankId,
    Damage::CrOnly,
    Damage::MixedEnds,
    Damage::BomCrlf,
    Damage::Utf16Le,
    Damage::Utf16Be,
    Damage::Utf16Surrogate,
    Damage::Utf16Odd,
    Damage::NotAnObject,
    Damage::TextNotString,
    Damage::HugeText,
    Damage::ControlChars,
    Damage::LoneCombining,
];

fn applies(d: Damage, f: Fmt) -> bool {
    match d {
        Damage::UnclosedQuote | Damage::ExtraField | Damage::MissingField => matches!(f, Fmt::Csv | Fmt::Tsv),
        Damage::NotAnObject | Damage::TextNotString => f == Fmt::Jsonl,
        Damage::DuplicateId | Damage::BlankId => f != Fmt::Txt,
        _ => true,
    }
}

fn quote_csv(s: &str, sep: char) -> String {
    if s.contains([sep, '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The file's bytes, the number of records written and the line of the damaged one.
fn build(f: Fmt, d: Damage, at: usize) -> (Vec<u8>, usize, usize) {
    let sep = if f == Fmt::Tsv { '\t' } else { ',' };
    let mut lines: Vec<Vec<u8>> = Vec::new();
    if matches!(f, Fmt::Csv | Fmt::Tsv) {
        lines.push(format!("id{sep}text{sep}locality").into_bytes());
    }
    for (i, t) in TEXTS.iter().enumerate() {
        let mut id = format!("r{i}");
        let mut text = t.to_string();
        let hit = i == at;
        if hit {
            match d {
                Damage::EmptyText => text.clear(),
                Damage::DuplicateId if i > 0 => id = "r0".into(),
                Damage::DuplicateId => id = "r1".into(),
                Damage::BlankId => id.clear(),
                Damage::HugeText => text = t.repeat(20_000),
                Damage::ControlChars => text = format!("{t}\u{7}\u{1b}[31m\u{200b}\u{feff}"),
                Damage::LoneCombining => text = format!("\u{301}\u{303}{t}\u{309}"),
                _ => {}
            }
        }
        let mut line: Vec<u8> = match f {
            Fmt::Csv | Fmt::Tsv => {
                let mut l = format!("{id}{sep}{}{sep}Bình Gia", quote_csv(&text, sep));
                if hit && d == Damage::ExtraField {
                    l.push_str(&format!("{sep}thừa"));
                }
                if hit && d == Damage::MissingField {
                    l = format!("{id}{sep}{}", quote_csv(&text, sep));
                }
                if hit && d == Damage::UnclosedQuote {
                    l = format!("{id}{sep}\"{text}{sep}Bình Gia");
                }
                l.into_bytes()
            }
            Fmt::Jsonl => {
                let v = if hit && d == Damage::NotAnObject {
                    serde_json::json!([id, text])
                } else if hit && d == Damage::TextNotString {
                    serde_json::json!({"id": id, "text": 42, "locality": "Bình Gia"})
                } else {
                    serde_json::json!({"id": id, "text": text, "locality": "Bình Gia"})
                };
                v.to_string().into_bytes()
            }
            Fmt::Txt => text.replace(['\n', '\r'], " ").into_bytes(),
        };
        if hit {
            match d {
                Damage::BadUtf8 => {
                    let cut = line.len() / 2;
                    line.splice(cut..cut, [0xC3, 0x28, 0xFF]);
                }
                Damage::Nul => {
                    let cut = line.len() - 3;
                    line.insert(cut, 0);
                }
                _ => {}
            }
        }
        lines.push(line);
    }
    let header = matches!(f, Fmt::Csv | Fmt::Tsv) as usize;
    let end: &[u8] = match d {
        Damage::CrOnly => b"\r",
        Damage::BomCrlf => b"\r\n",
        _ => b"\n",
    };
    let mut bytes = Vec::new();
    if matches!(d, Damage::BomCrlf) {
        bytes.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
    }
    for (i, l) in lines.iter().enumerate() {
        bytes.extend_from_slice(l);
        let e: &[u8] = if matches!(d, Damage::MixedEnds) { [&b"\r\n"[..], b"\r", b"\n"][i % 3] } else { end };
        bytes.extend_from_slice(e);
    }
    let utf16 = |bytes: &[u8], le: bool| -> Vec<u8> {
        let s = String::from_utf8(bytes.to_vec()).unwrap();
        let mut out = if le { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
        for u in s.encode_utf16() {
            out.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    };
    let line_of_hit = at + 1 + header;
    let bytes = match d {
        Damage::Utf16Le => utf16(&bytes, true),
        Damage::Utf16Be => utf16(&bytes, false),
        Damage::Utf16Surrogate => {
            // An unpaired high surrogate inside the damaged record's line.
            let mut out = utf16(&bytes, true);
            let s = String::from_utf8(bytes.clone()).unwrap();
            let line_start: usize = s.split('\n').take(line_of_hit - 1).map(|l| l.encode_utf16().count() + 1).sum();
            let pos = 2 + 2 * (line_start + 2);
            out.splice(pos..pos, [0x00, 0xD8]);
            out
        }
        Damage::Utf16Odd => {
            let mut out = utf16(&bytes, true);
            out.push(b'x');
            out
        }
        _ => bytes,
    };
    (bytes, TEXTS.len(), line_of_hit)
}

/// An error naming the file and saying what is wrong, or every undamaged record's text
/// found again: in a submission, or in a reject (which names its file, place and reason).
/// (A quote left open that closes in a later record can join records into one: their
/// texts are then kept together in it, not lost.)
fn check(path: &Path, r: ykien::Result<ykien::input::ReadOutcome>, damaged: usize, case: &str) {
    let name = path.file_name().unwrap().to_str().unwrap();
    match r {
        Err(e) => {
            let m = e.to_string();
            assert!(m.contains(name), "{case}: the error names the file: {m}");
            assert!(m.len() > name.len() + 10, "{case}: the error says what is wrong: {m}");
        }
        Ok(out) => {
            for rj in &out.rejects {
                assert!(rj.file == path && !rj.location.is_empty() && !rj.message.is_empty(), "{case}: {rj:?}");
            }
            // Compared without quotation marks and backslashes: a reject keeps its record
            // as read, with the file's own quoting.
            let bare = |s: &str| s.replace(['"', '\\'], "");
            for (i, t) in TEXTS.iter().enumerate().filter(|&(i, _)| i != damaged) {
                let t = bare(t);
                let found = out.submissions.iter().any(|s| bare(&s.text).contains(&t))
                    || out.rejects.iter().any(|rj| bare(&rj.raw).contains(&t));
                assert!(found, "{case}: record {i} is neither a submission nor a reject: {out:?}");
            }
            for s in &out.submissions {
                assert!(!s.text.is_empty() && !s.text.contains('\0'), "{case}: {:?}", s.text);
            }
        }
    }
}

#[test]
fn every_damaged_file_gives_a_clear_error_or_accounts_for_every_record() {
    let d = tempfile::tempdir().unwrap();
    let mut cases = 0;
    for damage in DAMAGES {
        for fmt in [Fmt::Csv, Fmt::Tsv, Fmt::Jsonl, Fmt::Txt] {
            if !applies(damage, fmt) {
                continue;
            }
            for at in [0, 2, TEXTS.len() - 1] {
                let (bytes, _, _) = build(fmt, damage, at);
                let path = d.path().join(format!("{damage:?}-{at}.{}", fmt.ext()));
                std::fs::write(&path, &bytes).unwrap();
                for skip_bad in [false, true] {
                    let case = format!("{damage:?} in {fmt:?} at record {at}, skip_bad {skip_bad}");
                    let r = read_file(&path, &ReadOptions { skip_bad, ..Default::default() });
                    check(&path, r, at, &case);
                    cases += 1;
                }
            }
        }
    }
    assert!(cases >= 300, "{cases} cases");
}

#[test]
fn with_skip_bad_each_damaged_record_is_rejected_at_its_own_line() {
    let d = tempfile::tempdir().unwrap();
    for damage in [Damage::BadUtf8, Damage::Nul, Damage::EmptyText, Damage::Utf16Surrogate] {
        for fmt in [Fmt::Csv, Fmt::Jsonl, Fmt::Txt] {
            if matches!((damage, fmt), (Damage::EmptyText, Fmt::Txt)) {
                continue; // an empty line of plain text is a blank line, counted as such
            }
            let (bytes, written, line) = build(fmt, damage, 2);
            let path = d.path().join(format!("own-{damage:?}.{}", fmt.ext()));
            std::fs::write(&path, &bytes).unwrap();
            let out = read_file(&path, &ReadOptions { skip_bad: true, ..Default::default() }).unwrap();
            let case = format!("{damage:?} in {fmt:?}");
            assert_eq!(out.submissions.len(), written - 1, "{case}");
            assert_eq!(out.rejects.len(), 1, "{case}");
            assert_eq!(out.rejects[0].location, format!("dòng {line}"), "{case}: {}", out.rejects[0].message);
            // Without --skip-bad the same line is named; a blank answer is listed, not an error.
            match read_file(&path, &ReadOptions::default()) {
                Err(e) => assert!(e.to_string().contains(&format!(":{line}")), "{case}: {e}"),
                Ok(out) => {
                    assert_eq!(damage, Damage::EmptyText, "{case}");
                    assert_eq!(
                        (out.submissions.len(), out.rejects[0].message.as_str()),
                        (written - 1, ykien::input::empty_text().as_str())
                    );
                }
            }
        }
    }
}

#[test]
fn special_files_empty_files_and_headers_alone_are_named_not_waited_on() {
    let d = tempfile::tempdir().unwrap();
    let dir_err = read_file(d.path(), &ReadOptions { format: Some(ykien::input::Format::Csv), ..Default::default() });
    assert!(dir_err.unwrap_err().to_string().contains("thư mục"));
    #[cfg(unix)]
    {
        let fifo = d.path().join("pipe.csv");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
        if made {
            let e = read_file(&fifo, &ReadOptions::default()).unwrap_err().to_string();
            assert!(e.contains("pipe.csv") && e.contains("không phải tệp thông thường"), "{e}");
        } else {
            eprintln!("skipped the FIFO case: mkfifo is not available here");
        }
    }
    for (name, bytes) in [
        ("empty.csv", &b""[..]),
        ("header.csv", b"id,text\n"),
        ("blank.txt", b"\n\n  \n"),
        ("garbage.jsonl", &[0xFF, 0x00, 0x13, 0x88, 0xC0][..]),
    ] {
        let p = d.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        match read_file(&p, &ReadOptions::default()) {
            Err(e) => assert!(e.to_string().contains(name), "{e}"),
            Ok(out) => assert!(out.submissions.is_empty(), "{name}"),
        }
    }
}

#[test]
fn files_of_one_name_in_two_folders_and_blank_ids_do_not_collide() {
    let d = tempfile::tempdir().unwrap();
    let mut paths: Vec<PathBuf> = Vec::new();
    for (dir, text) in [("huyen-a", TEXTS[0]), ("huyen-b", TEXTS[1])] {
        std::fs::create_dir(d.path().join(dir)).unwrap();
        let p = d.path().join(dir).join("y-kien.txt");
        std::fs::write(&p, format!("{text}\n")).unwrap();
        paths.push(p);
    }
    let out = read_files(&paths, &ReadOptions::default()).unwrap();
    let ids: Vec<&str> = out.submissions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["huyen-a/y-kien-1", "huyen-b/y-kien-1"]);
    // A blank cell of an id column is not given the id another record has.
    let p = d.path().join("ids.csv");
    std::fs::write(&p, format!("id,text\n,{}\nids-1,{}\nids-2,{}\n", TEXTS[0], TEXTS[1], TEXTS[2])).unwrap();
    let out = read_file(&p, &ReadOptions::default()).unwrap();
    let ids: Vec<&str> = out.submissions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["ids#1", "ids-1", "ids-2"]);
}

#[test]
fn a_repeated_column_is_an_error_for_the_text_and_kept_for_others() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("twice.csv");
    std::fs::write(&p, format!("id,text,text\n1,{},{}\n", TEXTS[0], TEXTS[1])).unwrap();
    let e = read_file(&p, &ReadOptions::default()).unwrap_err().to_string();
    assert!(e.contains("twice.csv:1") && e.contains("'text' xuất hiện hai lần (cột 2 và 3)"), "{e}");
    let p = d.path().join("notes.csv");
    std::fs::write(&p, format!("id,text,Ghi chú,Ghi chú\n1,{},a,b\n", TEXTS[0])).unwrap();
    let out = read_file(&p, &ReadOptions::default()).unwrap();
    assert_eq!(out.submissions[0].field("Ghi chú"), Some("a"));
    assert_eq!(out.submissions[0].field("Ghi chú (2)"), Some("b"));
}

#[test]
fn a_row_of_a_hundred_thousand_columns_is_read_whole() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("wide.csv");
    let n = 100_000;
    let header: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
    let row: Vec<String> = (0..n).map(|i| format!("v{i}")).collect();
    std::fs::write(&p, format!("text,{}\n{},{}\n", header.join(","), TEXTS[2], row.join(","))).unwrap();
    let out = read_file(&p, &ReadOptions::default()).unwrap();
    assert_eq!(out.submissions[0].extra.iter().count(), n);
    assert_eq!(out.submissions[0].field("c99999"), Some("v99999"));
}

#[test]
fn a_sheet_whose_one_cell_sits_at_the_last_column_and_row_is_read_not_allocated() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("far.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet();
    s.write_string(0, 0, "text").unwrap();
    s.write_string(1, 0, TEXTS[0]).unwrap();
    s.write_string(1_048_575, 16_383, "x").unwrap();
    wb.save(&p).unwrap();
    let r = read_file(&p, &ReadOptions { skip_bad: true, ..Default::default() }).unwrap();
    assert_eq!(r.submissions.len(), 1);
    assert_eq!(r.submissions[0].text, TEXTS[0]);
    // The far row has no text: a reject naming its row, as the spreadsheet numbers it.
    assert_eq!(r.rejects.len(), 1);
    assert!(r.rejects[0].location.contains("dòng 1048576"), "{:?}", r.rejects[0]);
}

#[test]
fn a_bad_record_after_empty_lines_is_named_at_its_own_line_whatever_the_line_ends() {
    let d = tempfile::tempdir().unwrap();
    for eol in ["\n", "\r\n"] {
        for blanks in 0..3usize {
            for trailing in [true, false] {
                // Header, empty lines, a record whose quoted text spans two lines, empty
                // lines again, then a record with a byte that is not UTF-8.
                let gap = eol.repeat(blanks);
                let mut bytes =
                    format!("id,text{eol}{gap}1,{}{eol}2,\"{}{eol}{}\"{eol}{gap}3,", TEXTS[0], TEXTS[1], TEXTS[2])
                        .into_bytes();
                bytes.extend_from_slice(b"h\xffc sinh");
                if trailing {
                    bytes.extend_from_slice(eol.as_bytes());
                }
                let line = 5 + 2 * blanks;
                let case = format!("{eol:?}, {blanks} empty, trailing {trailing}");
                let path = d.path().join(format!("gap{blanks}{trailing}{}.csv", eol.len()));
                std::fs::write(&path, &bytes).unwrap();
                let out = read_file(&path, &ReadOptions { skip_bad: true, ..Default::default() }).unwrap();
                assert_eq!(out.submissions.len(), 2, "{case}");
                assert_eq!(out.blank, 2 * blanks, "{case}");
                assert_eq!(out.rejects[0].location, format!("dòng {line}"), "{case}");
                let e = read_file(&path, &ReadOptions::default()).unwrap_err().to_string();
                assert!(e.contains(&format!("{}:{line}", path.file_name().unwrap().to_string_lossy())), "{case}: {e}");
            }
        }
    }
}
