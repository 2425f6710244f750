//! Reading every input format, and a clear error for every kind of bad input.

use std::path::{Path, PathBuf};

use ykien::input::{read_file, read_files, Format, ReadOptions};
use ykien::Error;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn err_text(r: ykien::Result<ykien::input::ReadOutcome>) -> String {
    match r {
        Ok(o) => panic!("expected an error, read {:?}", o.submissions),
        Err(e) => e.to_string(),
    }
}

const CSV: &str = "id,text,locality,group,submitted_at\nA1,\"Em muốn vay vốn, ưu đãi\",Tràng Định,sinh viên,2024-04-02\nA2,Đề nghị mở lớp học nghề,Lộc Bình,,\n";

#[test]
fn csv_utf8_with_and_without_bom() {
    let d = tempfile::tempdir().unwrap();
    for (name, bytes) in
        [("plain.csv", CSV.as_bytes().to_vec()), ("bom.csv", [b"\xEF\xBB\xBF".as_slice(), CSV.as_bytes()].concat())]
    {
        let out = read_file(&write(d.path(), name, &bytes), &ReadOptions::default()).unwrap();
        assert_eq!(out.submissions.len(), 2);
        let s = &out.submissions[0];
        assert_eq!((s.id.as_str(), s.text.as_str()), ("A1", "Em muốn vay vốn, ưu đãi"));
        assert_eq!(s.locality.as_deref(), Some("Tràng Định"));
        assert_eq!(s.group.as_deref(), Some("sinh viên"));
        assert_eq!(s.submitted_at.as_deref(), Some("2024-04-02"));
        assert_eq!(out.submissions[1].group, None);
    }
}

#[test]
fn semicolon_csv_and_excel_unicode_text_utf16() {
    let d = tempfile::tempdir().unwrap();
    let semi = "text;locality\nThiếu giáo viên tiếng Anh;Bắc Sơn\n";
    let out = read_file(&write(d.path(), "semi.csv", semi.as_bytes()), &ReadOptions::default()).unwrap();
    assert_eq!(out.submissions[0].locality.as_deref(), Some("Bắc Sơn"));
    assert_eq!(out.submissions[0].id, "semi-1");
    // Excel "Unicode text": UTF-16 LE with BOM, tab-separated.
    let tsv = "id\ttext\tlocality\r\nB7\tXin hỏi thủ tục vay vốn ạ\tVăn Quan\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(tsv.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let out = read_file(&write(d.path(), "excel.csv", &bytes), &ReadOptions::default()).unwrap();
    assert_eq!(out.submissions[0].text, "Xin hỏi thủ tục vay vốn ạ");
    assert_eq!(out.submissions[0].locality.as_deref(), Some("Văn Quan"));
    // Big-endian too.
    let mut be = vec![0xFE, 0xFF];
    be.extend(tsv.encode_utf16().flat_map(|u| u.to_be_bytes()));
    assert_eq!(read_file(&write(d.path(), "be.tsv", &be), &ReadOptions::default()).unwrap().submissions[0].id, "B7");
}

#[test]
fn jsonl_txt_and_text_column() {
    let d = tempfile::tempdir().unwrap();
    let j = "{\"id\": 17, \"noi_dung\": \"Mong có sân bóng cho thanh niên\", \"locality\": \"Chi Lăng\"}\n\n{\"id\": \"x2\", \"noi_dung\": \"Cần thêm bác sĩ ở trạm y tế xã\"}\n";
    let opts = ReadOptions { text_column: "noi_dung".into(), ..Default::default() };
    let out = read_file(&write(d.path(), "a.jsonl", j.as_bytes()), &opts).unwrap();
    assert_eq!(out.submissions.len(), 2);
    assert_eq!(out.submissions[0].id, "17");
    assert_eq!(out.blank, 1);
    let t = "Dòng một về việc làm\n\nDòng hai về học bổng\n";
    let out = read_file(&write(d.path(), "a.txt", t.as_bytes()), &ReadOptions::default()).unwrap();
    assert_eq!(out.submissions.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["a-1", "a-3"]);
    assert_eq!(out.blank, 1);
}

#[test]
fn xlsx_first_sheet_or_named_sheet() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("form.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s1 = wb.add_worksheet().set_name("Tổng hợp").unwrap();
    for (c, h) in ["id", "text", "locality", "submitted_at"].iter().enumerate() {
        s1.write_string(0, c as u16, *h).unwrap();
    }
    s1.write_number(1, 0, 101.0).unwrap();
    s1.write_string(1, 1, "Đề nghị hỗ trợ thanh niên khởi nghiệp nông nghiệp").unwrap();
    s1.write_string(1, 2, "Hữu Lũng").unwrap();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 4, 15).unwrap();
    s1.write_datetime_with_format(1, 3, &date, &rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd")).unwrap();
    // Row 4 repeats row 2's id (a number in one cell, text in the other).
    s1.write_string(2, 1, "Cần thêm lớp dạy nghề ngắn hạn").unwrap();
    s1.write_string(3, 0, "101").unwrap();
    s1.write_string(3, 1, "Xin hỗ trợ vay vốn ưu đãi").unwrap();
    let s2 = wb.add_worksheet().set_name("Khác").unwrap();
    s2.write_string(0, 0, "text").unwrap();
    s2.write_string(1, 0, "Ý kiến ở trang thứ hai").unwrap();
    wb.save(&path).unwrap();

    let out = read_file(&path, &ReadOptions { skip_bad: true, ..Default::default() }).unwrap();
    assert_eq!(out.submissions.len(), 2);
    assert_eq!(out.rejects.len(), 1);
    let r = &out.rejects[0];
    assert!(
        r.location.contains("Tổng hợp")
            && r.location.contains('4')
            && r.message.contains("trùng với mã ở trang tính 'Tổng hợp' dòng 2"),
        "{r:?}"
    );
    let s = &out.submissions[0];
    assert_eq!(
        (s.id.as_str(), s.locality.as_deref(), s.submitted_at.as_deref()),
        ("101", Some("Hữu Lũng"), Some("2024-04-15"))
    );
    let out = read_file(&path, &ReadOptions { sheet: Some("Khác".into()), ..Default::default() }).unwrap();
    assert_eq!(out.submissions[0].text, "Ý kiến ở trang thứ hai");
    let e = err_text(read_file(&path, &ReadOptions { sheet: Some("Sheet9".into()), ..Default::default() }));
    assert!(e.contains("form.xlsx") && e.contains("không có trang tính 'Sheet9'") && e.contains("Tổng hợp"), "{e}");
}

#[test]
fn bad_input_names_file_line_and_problem() {
    let d = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        (
            "nocol.csv",
            b"id,ghi chu\n1,abc\n".to_vec(),
            vec!["nocol.csv:1", "không tìm thấy cột văn bản", "'ghi chu'", "--text-column"],
        ),
        (
            "fields.csv",
            "id,text\n1,một\n2,hai,ba\n".as_bytes().to_vec(),
            vec!["fields.csv:3", "3 trường trong khi dòng tên cột có 2"],
        ),
        ("dup.csv", "id,text\n7,một\n7,hai\n".as_bytes().to_vec(), vec!["dup.csv:3", "mã '7' trùng với mã ở dòng 2"]),
        ("latin1.csv", b"id,text\n1,ok\n2,caf\xe9\n".to_vec(), vec!["latin1.csv:3", "không phải UTF-8 hợp lệ"]),
        (
            "bad.jsonl",
            b"{\"text\": \"ok\"}\n{\"text\": \"thi\xe1\xba\xbfu\" \n".to_vec(),
            vec!["bad.jsonl:2", "JSON không hợp lệ"],
        ),
        ("arr.jsonl", b"[1,2]\n".to_vec(), vec!["arr.jsonl:1", "cần một đối tượng JSON"]),
        ("num.jsonl", b"{\"text\": 5}\n".to_vec(), vec!["num.jsonl:1", "'text' phải là chuỗi"]),
        ("notes.doc", b"x".to_vec(), vec!["notes.doc", "không rõ loại tệp"]),
        ("hollow.csv", b"".to_vec(), vec!["hollow.csv: tệp trống"]),
        ("fake.xlsx", b"not a zip".to_vec(), vec!["fake.xlsx", "không mở được sổ tính"]),
    ];
    for (name, bytes, needles) in cases {
        let p = write(d.path(), name, &bytes);
        let e = err_text(read_file(&p, &ReadOptions::default()));
        for n in needles {
            assert!(e.contains(n), "{name}: '{e}' should contain '{n}'");
        }
    }
    let missing = err_text(read_file(&d.path().join("absent.csv"), &ReadOptions::default()));
    assert!(missing.contains("absent.csv"), "{missing}");
}

#[test]
fn skip_bad_keeps_going_and_keeps_every_reject() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "mixed.csv", "id,text\n1,Cần việc làm\n2,a,b\n3,\n4,Cần học bổng\n".as_bytes());
    let out = read_file(&p, &ReadOptions { skip_bad: true, ..Default::default() }).unwrap();
    assert_eq!(out.submissions.len(), 2);
    assert_eq!(out.rejects.len(), 2);
    assert_eq!(out.rejects[0].location, "dòng 3");
    assert_eq!(out.rejects[1].location, "dòng 4");
    // Ids must be unique across files too.
    let first = write(d.path(), "first.csv", "id,text\n1,Cần việc làm\n".as_bytes());
    let again = write(d.path(), "again.csv", "id,text\n1,Lại là 1\n".as_bytes());
    let e = err_text(read_files(&[first.clone(), again.clone()], &ReadOptions::default()));
    assert!(e.contains("again.csv") && e.contains("mã '1' đã dùng trong") && e.contains("first.csv"), "{e}");
    let out = read_files(&[first, again], &ReadOptions { skip_bad: true, ..Default::default() }).unwrap();
    assert_eq!((out.submissions.len(), out.rejects.len()), (1, 1));
    assert_eq!(Format::from_path(Path::new("x.XLSX")), Some(Format::Xlsx));
    assert!(matches!(read_file(Path::new("/nonexistent/x.csv"), &ReadOptions::default()), Err(Error::Io { .. })));
}

#[test]
fn a_csv_read_as_it_streams_names_a_late_bad_byte_and_keeps_quoted_lines_whole() {
    // CSV is parsed as it is read, each record checked for UTF-8 as it comes: a bad byte
    // far into the file stops the read naming its line (with --skip-bad, that record is
    // rejected), and a quoted field across lines and a BOM read as before.
    let d = tempfile::tempdir().unwrap();
    let mut body = String::from("\u{feff}id;text;locality\n");
    for i in 0..5000 {
        body.push_str(&format!("{i};\"Đề nghị tỉnh hỗ trợ vay vốn, dòng {i}\";Cao Lộc\n"));
    }
    body.push_str("q;\"Em muốn học nghề\nsửa chữa máy nông nghiệp\";Bình Gia\n");
    let good = write(d.path(), "long.csv", body.as_bytes());
    let out = read_file(&good, &ReadOptions::default()).unwrap();
    assert_eq!(out.submissions.len(), 5001);
    assert_eq!(out.submissions[0].id, "0");
    assert_eq!(out.submissions[4999].text, "Đề nghị tỉnh hỗ trợ vay vốn, dòng 4999");
    assert_eq!(out.submissions[5000].text, "Em muốn học nghề\nsửa chữa máy nông nghiệp");
    assert_eq!(out.submissions[5000].locality.as_deref(), Some("Bình Gia"));
    let mut bad = body.into_bytes();
    bad.extend_from_slice(b"z;Vi\xeac l\xe0m;Cao L\xf4c\n");
    let p = write(d.path(), "late.csv", &bad);
    let e = err_text(read_file(&p, &ReadOptions::default()));
    assert!(e.contains("late.csv:5004") && e.contains("không phải UTF-8 hợp lệ") && e.contains("trường 2"), "{e}");
    // With --skip-bad the record is rejected, naming its line, and the rest read.
    let out = read_file(&p, &ReadOptions { skip_bad: true, ..Default::default() }).unwrap();
    assert_eq!(out.submissions.len(), 5001);
    assert_eq!(out.rejects.len(), 1);
    assert_eq!(out.rejects[0].location, "dòng 5004");
    assert!(out.rejects[0].message.contains("không phải UTF-8 hợp lệ"), "{}", out.rejects[0].message);
    // "ệ" (E1 BB 87) cut by the delimiter: the record's bytes without the comma would be
    // valid UTF-8, yet neither field is.
    let split = write(d.path(), "split.csv", b"id,text,locality\n1,Vi\xe1\xbb,\x87c l\xc3\xa0m,Cao L\xe1\xbb\x99c\n");
    let e = err_text(read_file(&split, &ReadOptions::default()));
    assert!(e.contains("split.csv:2") && e.contains("không phải UTF-8 hợp lệ") && e.contains("trường 2"), "{e}");
    let header = write(d.path(), "header.csv", b"id,n\xf4i dung\n1,abc\n");
    let e = err_text(read_file(&header, &ReadOptions::default()));
    assert!(e.contains("header.csv:1") && e.contains("không phải UTF-8 hợp lệ"), "{e}");
}

#[test]
fn json_lines_read_a_line_at_a_time_name_a_late_bad_byte() {
    // JSON Lines are read a line at a time, each checked for UTF-8 as it comes: CRLF
    // endings, a BOM and blank lines read as before, and a bad byte far into the file
    // stops the read naming its line (with --skip-bad, that line is rejected).
    let d = tempfile::tempdir().unwrap();
    let mut body = String::from("\u{feff}");
    for i in 0..3000 {
        body.push_str(&format!(
            "{{\"id\": \"j{i}\", \"text\": \"Cần thêm lớp học nghề, số {i}\", \"locality\": \"Bắc Sơn\"}}\r\n"
        ));
    }
    body.push_str("\r\n{\"id\": \"last\", \"text\": \"Xin hỏi về vay vốn\"}");
    let good = write(d.path(), "many.jsonl", body.as_bytes());
    let out = read_file(&good, &ReadOptions::default()).unwrap();
    assert_eq!(out.submissions.len(), 3001);
    assert_eq!(out.blank, 1);
    assert_eq!(out.submissions[0].id, "j0");
    assert_eq!(out.submissions[2999].text, "Cần thêm lớp học nghề, số 2999");
    assert_eq!(out.submissions[3000].text, "Xin hỏi về vay vốn");
    let mut bad = body.into_bytes();
    bad.extend_from_slice(b"\n{\"text\": \"Vi\xeac l\xe0m\"}\n");
    let p = write(d.path(), "late.jsonl", &bad);
    let e = err_text(read_file(&p, &ReadOptions::default()));
    assert!(e.contains("late.jsonl:3003") && e.contains("không phải UTF-8 hợp lệ"), "{e}");
    let out = read_file(&p, &ReadOptions { skip_bad: true, ..Default::default() }).unwrap();
    assert_eq!((out.submissions.len(), out.rejects.len()), (3001, 1));
    assert_eq!(out.rejects[0].location, "dòng 3003");
}

#[test]
fn a_files_localities_dates_groups_and_column_names_are_shared_by_its_records() {
    // A form export repeats a few hundred communes, days and groups a million times:
    // each distinct value is kept once and shared.
    let d = tempfile::tempdir().unwrap();
    let body = "id,text,locality,group,submitted_at,truong\n\
                1,Đề nghị mở lớp dạy nghề,Văn Quan,đoàn viên,2024-05-02,THPT Việt Bắc\n\
                2,Xin hỗ trợ vay vốn khởi nghiệp,Văn Quan,đoàn viên,2024-05-02,THPT Lộc Bình\n\
                3,Cần thêm việc làm tại địa phương,Bắc Sơn,học sinh,2024-05-03,THPT Việt Bắc\n";
    let p = write(d.path(), "form.csv", body.as_bytes());
    let s = read_file(&p, &ReadOptions::default()).unwrap().submissions;
    let (a, b, c) = (&s[0], &s[1], &s[2]);
    assert!(std::sync::Arc::ptr_eq(a.locality.as_ref().unwrap(), b.locality.as_ref().unwrap()));
    assert!(std::sync::Arc::ptr_eq(a.group.as_ref().unwrap(), b.group.as_ref().unwrap()));
    assert!(std::sync::Arc::ptr_eq(a.submitted_at.as_ref().unwrap(), b.submitted_at.as_ref().unwrap()));
    assert_eq!(
        (c.locality.as_deref(), c.group.as_deref(), c.submitted_at.as_deref()),
        (Some("Bắc Sơn"), Some("học sinh"), Some("2024-05-03"))
    );
    assert_eq!(
        [a, b, c].map(|s| s.extra.get("truong")),
        [Some("THPT Việt Bắc"), Some("THPT Lộc Bình"), Some("THPT Việt Bắc")]
    );
}

/// A form export as a Youth Union office sends it: letterhead and title rows above the
/// header, Vietnamese headers, a timestamp, the respondent's name and unit.
const FORM_ROWS: [[&str; 5]; 4] = [
    ["Dấu thời gian", "Họ và tên", "Đơn vị", "Huyện/Thành phố", "Ý kiến, kiến nghị"],
    [
        "13/04/2024 09:01:22",
        "Hoàng Văn An",
        "Chi đoàn thôn Nà Lầu",
        "Chi Lăng",
        "Đề nghị tỉnh mở lớp dạy nghề sửa xe máy cho thanh niên.",
    ],
    [
        "13/04/2024 10:15:03",
        "Lý Thị Bình",
        "Đoàn trường THPT Bình Gia",
        "Bình Gia",
        "Em muốn biết điều kiện vay vốn khởi nghiệp, lãi suất bao nhiêu?",
    ],
    [
        "14/04/2024 08:40:51",
        "Nông Văn Cường",
        "Chi đoàn xã Hữu Liên",
        "Hữu Lũng",
        "mong co them thong tin tuyen dung o khu cong nghiep",
    ],
];

#[test]
fn a_google_form_sheet_with_title_rows_is_read_by_its_vietnamese_headers_without_flags() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("tong-hop.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet();
    s.write_string(0, 0, "TỈNH ĐOÀN LẠNG SƠN").unwrap();
    s.write_string(1, 0, "TỔNG HỢP Ý KIẾN, KIẾN NGHỊ CỦA THANH NIÊN").unwrap();
    for (r, row) in FORM_ROWS.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            s.write_string(r as u32 + 3, c as u16, *v).unwrap();
        }
    }
    wb.save(&path).unwrap();
    let out = read_file(&path, &ReadOptions::default()).unwrap();
    assert_eq!(out.title_rows, 2);
    assert_eq!(out.submissions.len(), 3);
    for (s, row) in out.submissions.iter().zip(&FORM_ROWS[1..]) {
        assert_eq!(s.text, row[4]);
        assert_eq!(s.locality.as_deref(), Some(row[3]));
        assert_eq!(s.submitted_at.as_deref(), Some(row[0]));
        assert_eq!(s.field("Họ và tên"), Some(row[1]));
        assert_eq!(s.field("Đơn vị"), Some(row[2]));
    }
    assert!(out.columns[0].1.iter().any(|c| c == "văn bản ← cột 'Ý kiến, kiến nghị'"), "{:?}", out.columns);
    assert!(out.columns[0].1.iter().any(|c| c == "địa phương ← cột 'Huyện/Thành phố'"), "{:?}", out.columns);
}

#[test]
fn the_same_form_as_csv_and_as_json_lines_reads_alike() {
    let d = tempfile::tempdir().unwrap();
    let mut csv = String::from("TỈNH ĐOÀN LẠNG SƠN,,,,\n,,,,\n");
    for row in FORM_ROWS {
        csv.push_str(&row.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(","));
        csv.push('\n');
    }
    let p = write(d.path(), "form.csv", csv.as_bytes());
    let out = read_file(&p, &ReadOptions::default()).unwrap();
    assert_eq!((out.title_rows, out.blank, out.submissions.len()), (1, 1, 3));
    assert_eq!(out.submissions[2].text, FORM_ROWS[3][4]);
    assert_eq!(out.submissions[0].locality.as_deref(), Some("Chi Lăng"));
    let mut jsonl = String::new();
    for row in &FORM_ROWS[1..] {
        let obj: serde_json::Map<String, serde_json::Value> =
            FORM_ROWS[0].iter().zip(row.iter()).map(|(k, v)| (k.to_string(), serde_json::Value::from(*v))).collect();
        jsonl.push_str(&serde_json::Value::Object(obj).to_string());
        jsonl.push('\n');
    }
    let p = write(d.path(), "form.jsonl", jsonl.as_bytes());
    let out = read_file(&p, &ReadOptions::default()).unwrap();
    assert_eq!(out.submissions[1].text, FORM_ROWS[2][4]);
    assert_eq!(out.submissions[1].locality.as_deref(), Some("Bình Gia"));
    // A header nobody listed: the column of the longest free text is read, and said so.
    let p = write(d.path(), "other.csv", "STT,Người gửi,Cột C\n1,An,Đề nghị mở lớp dạy nghề cho thanh niên nông thôn\n2,Bình,Mong có việc làm gần nhà cho thanh niên\n".as_bytes());
    let out = read_file(&p, &ReadOptions::default()).unwrap();
    assert_eq!(out.submissions[0].text, "Đề nghị mở lớp dạy nghề cho thanh niên nông thôn");
    assert!(out.columns[0].1[0].contains("theo nội dung"), "{:?}", out.columns);
    // --columns names them.
    let opts = ReadOptions { columns: vec!["text=Người gửi".into()], ..Default::default() };
    assert_eq!(read_file(&p, &opts).unwrap().submissions[0].text, "An");
}

/// Real sentences with every kind of Vietnamese letter and tone.
const SENTENCES: [&str; 5] = [
    "Đề nghị tỉnh hỗ trợ vay vốn khởi nghiệp cho thanh niên dân tộc thiểu số",
    "Em muốn học nghề sửa chữa điện thoại ở trường cao đẳng nghề",
    "Xin hỏi thủ tục xuất khẩu lao động sang Hàn Quốc, chi phí bao nhiêu?",
    "Mong Sở Giáo dục quan tâm đến học sinh vùng cao, thiếu trường lớp",
    "Ước mơ của cháu là được ở lại quê hương làm ăn, ổn định cuộc sống",
];

/// `text` in Windows-1258 as Excel writes it: letters with circumflex, breve or horn
/// precomposed, tone marks as combining characters after them.
fn to_windows_1258(text: &str) -> Vec<u8> {
    use unicode_normalization::UnicodeNormalization;
    let tone = |c: char| matches!(c, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}');
    let mut out = String::new();
    let mut base = String::new();
    let mut tones = String::new();
    let flush = |out: &mut String, base: &mut String, tones: &mut String| {
        out.extend(base.nfc());
        out.push_str(tones);
        base.clear();
        tones.clear();
    };
    for c in text.nfd() {
        if tone(c) {
            tones.push(c);
        } else if unicode_normalization::char::is_combining_mark(c) {
            base.push(c);
        } else {
            flush(&mut out, &mut base, &mut tones);
            base.push(c);
        }
    }
    flush(&mut out, &mut base, &mut tones);
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(&out);
    assert!(!unmappable, "{out}");
    bytes.into_owned()
}

#[test]
fn a_windows_1258_csv_reads_as_its_unicode_text() {
    let d = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,text,locality\n");
    for (i, s) in SENTENCES.iter().enumerate() {
        csv.push_str(&format!("{i},\"{s}\",Lộc Bình\n"));
    }
    let p = write(d.path(), "excel-1258.csv", &to_windows_1258(&csv));
    assert!(std::str::from_utf8(&std::fs::read(&p).unwrap()).is_err(), "the file is not UTF-8");
    let out = read_file(&p, &ReadOptions::default()).unwrap();
    let texts: Vec<&str> = out.submissions.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts, SENTENCES);
    assert_eq!(out.submissions[0].locality.as_deref(), Some("Lộc Bình"));
    assert!(out.columns[0].1.iter().any(|n| n == "mã hoá Windows-1258"), "{:?}", out.columns);
    // Plain text too; and a UTF-8 file with one damaged record is not taken for 1258.
    let p = write(d.path(), "y.txt", &to_windows_1258(&SENTENCES.join("\n")));
    let out = read_file(&p, &ReadOptions::default()).unwrap();
    assert_eq!(out.submissions.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(), SENTENCES);
    let mut one_bad = csv.into_bytes();
    one_bad.extend_from_slice(b"9,C\xe1n vi\xe1c,X\n");
    let p = write(d.path(), "utf8.csv", &one_bad);
    let out = read_file(&p, &ReadOptions { skip_bad: true, ..Default::default() }).unwrap();
    assert_eq!((out.submissions.len(), out.rejects.len()), (5, 1));
    assert_eq!(out.submissions[4].text, SENTENCES[4]);
}

#[test]
fn excels_unicode_text_export_reads_as_a_table() {
    let d = tempfile::tempdir().unwrap();
    let mut t = String::from("Mã\tÝ kiến\tHuyện/Thành phố\r\n");
    for (i, s) in SENTENCES.iter().enumerate() {
        t.push_str(&format!("YK-{i}\t{s}\tTràng Định\r\n"));
    }
    let mut bytes = vec![0xFF, 0xFE];
    for u in t.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let p = write(d.path(), "unicode-text.txt", &bytes);
    let out = read_file(&p, &ReadOptions::default()).unwrap();
    assert_eq!(out.submissions.len(), SENTENCES.len(), "the header is no submission");
    assert_eq!(out.submissions[3].id, "YK-3");
    assert_eq!(out.submissions[3].text, SENTENCES[3]);
    assert_eq!(out.submissions[3].locality.as_deref(), Some("Tràng Định"));
    assert!(out.columns[0].1.iter().any(|n| n.contains("Unicode text")), "{:?}", out.columns);
}

/// `text` as a legacy font stores it, from models/encodings/: TCVN3 a byte a letter, VNI
/// a base letter and a mark; as bytes (one per character, Latin-1).
fn to_legacy(text: &str, table: &str) -> String {
    let map: Vec<(String, char)> = std::fs::read_to_string(common_models().join("encodings").join(table))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (a, b) = l.split_once('\t')?;
            let typed = if table == "tcvn3.tsv" {
                char::from(u8::from_str_radix(a, 16).ok()?).to_string()
            } else {
                a.to_string()
            };
            Some((typed, b.chars().next()?))
        })
        .collect();
    text.chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                map.iter().find(|(_, u)| *u == c).map(|(t, _)| t.clone()).unwrap_or_else(|| panic!("{c}"))
            }
        })
        .collect()
}

fn common_models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

#[test]
fn files_typed_in_tcvn3_or_vni_read_as_their_unicode_text() {
    let d = tempfile::tempdir().unwrap();
    for (table, name) in [("tcvn3.tsv", "TCVN3"), ("vni.tsv", "VNI")] {
        let mut csv = String::from("id,text,locality\n");
        for (i, s) in SENTENCES.iter().enumerate() {
            csv.push_str(&format!("{i},\"{}\",{}\n", to_legacy(s, table), to_legacy("Lộc Bình", table)));
        }
        // An 8-bit file, as the district's old computer saved it.
        let bytes: Vec<u8> = csv.chars().map(|c| u8::try_from(c as u32).unwrap()).collect();
        let p = write(d.path(), &format!("{name}.csv"), &bytes);
        let out = read_file(&p, &ReadOptions::default()).unwrap();
        assert_eq!(out.submissions.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(), SENTENCES, "{name}");
        assert_eq!(out.submissions[0].locality.as_deref(), Some("Lộc Bình"), "{name}");
        assert!(out.columns[0].1.iter().any(|n| n.contains(name)), "{name}: {:?}", out.columns);
        // The same text already in Unicode cells of a workbook, typed with the legacy font.
        let x = d.path().join(format!("{name}.xlsx"));
        let mut wb = rust_xlsxwriter::Workbook::new();
        let s = wb.add_worksheet();
        s.write_string(0, 0, "Ý kiến").unwrap();
        for (r, t) in SENTENCES.iter().enumerate() {
            s.write_string(r as u32 + 1, 0, to_legacy(t, table)).unwrap();
        }
        wb.save(&x).unwrap();
        let out = read_file(&x, &ReadOptions::default()).unwrap();
        assert_eq!(out.submissions.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(), SENTENCES, "{name} xlsx");
    }
}

#[test]
fn a_workbook_with_a_sheet_per_district_is_read_whole_with_all_sheets() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("cac-huyen.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (i, district) in ["Chi Lăng", "Bình Gia", "Trống", "Hữu Lũng"].iter().enumerate() {
        let s = wb.add_worksheet();
        s.set_name(*district).unwrap();
        if *district == "Trống" {
            continue;
        }
        let top = if i == 0 { 2 } else { 0 }; // the first district put a title above its table
        if top > 0 {
            s.write_string(0, 0, "HUYỆN ĐOÀN CHI LĂNG").unwrap();
        }
        s.write_string(top, 0, "STT").unwrap();
        s.write_string(top, 1, "Nội dung kiến nghị").unwrap();
        for (r, t) in SENTENCES.iter().skip(i).take(2).enumerate() {
            s.write_number(top + 1 + r as u32, 0, (r + 1) as f64).unwrap();
            s.write_string(top + 1 + r as u32, 1, *t).unwrap();
        }
    }
    wb.save(&path).unwrap();
    let opts = ReadOptions { all_sheets: true, ..Default::default() };
    let out = read_file(&path, &opts).unwrap();
    assert_eq!(out.submissions.len(), 6);
    let places: Vec<&str> = out.submissions.iter().map(|s| s.locality.as_deref().unwrap()).collect();
    assert_eq!(places, ["Chi Lăng", "Chi Lăng", "Bình Gia", "Bình Gia", "Hữu Lũng", "Hữu Lũng"]);
    assert_eq!(out.submissions[2].text, SENTENCES[1]);
    assert_eq!(out.submissions[4].field("Trang tính"), Some("Hữu Lũng"));
    assert_eq!(out.title_rows, 1);
    assert!(out.columns[0].1.iter().any(|n| n.contains("'Trống' trống")), "{:?}", out.columns);
    // Without it, the first sheet alone.
    assert_eq!(read_file(&path, &ReadOptions::default()).unwrap().submissions.len(), 2);
}

/// A cell of a Word table holding `text` (empty: no run).
fn word_cell(text: &str) -> docx_rs::TableCell {
    let p = docx_rs::Paragraph::new();
    docx_rs::TableCell::new().add_paragraph(if text.is_empty() {
        p
    } else {
        p.add_run(docx_rs::Run::new().add_text(text))
    })
}

/// A district office's Word compilation: the agency and motto in a table of their own at
/// the top, a title, then the opinions' table with the district merged down its rows.
#[test]
fn a_word_compilation_is_read_from_its_table_of_opinions() {
    use docx_rs::{Docx, Paragraph, Run, Table, TableRow, VMergeType};
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("tong-hop-y-kien.docx");
    let head = Table::new(vec![TableRow::new(vec![
        word_cell("UBND HUYỆN HỮU LŨNG"),
        word_cell("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ])]);
    let rows = vec![
        TableRow::new(vec![word_cell("STT"), word_cell("Địa bàn"), word_cell("Nội dung ý kiến, kiến nghị")]),
        TableRow::new(vec![
            word_cell("1"),
            word_cell("Hữu Lũng").vertical_merge(VMergeType::Restart),
            word_cell("Đề nghị tỉnh mở lớp học nghề hàn cho thanh niên & bộ đội xuất ngũ."),
        ]),
        TableRow::new(vec![
            word_cell("2"),
            word_cell("").vertical_merge(VMergeType::Continue),
            word_cell("Đường vào thôn Làng Rượi xuống cấp, mùa mưa không đi được."),
        ]),
        TableRow::new(vec![
            word_cell("3"),
            word_cell("Chi Lăng"),
            word_cell("Mong có thêm học bổng cho học sinh nghèo."),
        ]),
    ];
    let doc = Docx::new()
        .add_table(head)
        .add_paragraph(Paragraph::new().add_run(Run::new().add_text("BIỂU TỔNG HỢP Ý KIẾN CỦA THANH NIÊN")))
        .add_table(Table::new(rows));
    doc.build().pack(std::fs::File::create(&path).unwrap()).unwrap();
    let out = read_file(&path, &ReadOptions::default()).unwrap();
    let got: Vec<(&str, Option<&str>)> =
        out.submissions.iter().map(|s| (s.text.as_str(), s.locality.as_deref())).collect();
    assert_eq!(
        got,
        [
            ("Đề nghị tỉnh mở lớp học nghề hàn cho thanh niên & bộ đội xuất ngũ.", Some("Hữu Lũng")),
            ("Đường vào thôn Làng Rượi xuống cấp, mùa mưa không đi được.", Some("Hữu Lũng")),
            ("Mong có thêm học bổng cho học sinh nghèo.", Some("Chi Lăng")),
        ]
    );
    // A Word document without a table, and a file that is no Word document, are errors
    // naming the file and what to do.
    let plain = d.path().join("van-ban.docx");
    Docx::new()
        .add_paragraph(Paragraph::new().add_run(Run::new().add_text("Ý kiến")))
        .build()
        .pack(std::fs::File::create(&plain).unwrap())
        .unwrap();
    let e = err_text(read_file(&plain, &ReadOptions::default()));
    assert!(e.contains("van-ban.docx") && e.contains("bảng"), "{e}");
    let fake = write(d.path(), "gia.docx", b"PK\x03\x04 not really");
    let e = err_text(read_file(&fake, &ReadOptions::default()));
    assert!(e.contains("gia.docx") && e.contains("Word"), "{e}");
}

/// A column the user names (`--text-column`) chooses the Word table holding it, even when a
/// larger table (here a list of attendees) comes first.
#[test]
fn a_named_text_column_chooses_its_word_table() {
    use docx_rs::{Docx, Table, TableRow};
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("bien-ban.docx");
    let attendees: Vec<TableRow> = ["Họ và tên", "Nguyễn Văn An", "Hoàng Thị Bích", "Lộc Văn Cường", "Vi Thị Dung"]
        .iter()
        .map(|n| TableRow::new(vec![word_cell(n), word_cell("Đoàn viên")]))
        .collect();
    let opinions = vec![
        TableRow::new(vec![word_cell("Xã"), word_cell("Điều muốn hỏi")]),
        TableRow::new(vec![
            word_cell("Tân Thành"),
            word_cell("Xin hỏi thủ tục vay vốn tạo việc làm ở ngân hàng chính sách."),
        ]),
        TableRow::new(vec![
            word_cell("Hòa Cư"),
            word_cell("Cho em hỏi học phí trường cao đẳng nghề năm nay bao nhiêu?"),
        ]),
    ];
    Docx::new()
        .add_table(Table::new(attendees))
        .add_table(Table::new(opinions))
        .build()
        .pack(std::fs::File::create(&path).unwrap())
        .unwrap();
    let opts = ReadOptions { text_column: "Điều muốn hỏi".into(), ..Default::default() };
    let out = read_file(&path, &opts).unwrap();
    let got: Vec<&str> = out.submissions.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        got,
        [
            "Xin hỏi thủ tục vay vốn tạo việc làm ở ngân hàng chính sách.",
            "Cho em hỏi học phí trường cao đẳng nghề năm nay bao nhiêu?"
        ]
    );
}

/// What offices' systems export under an .xls name: a web page whose table has a title row
/// spanning every column, the district spanning its rows and line breaks inside a cell; and
/// tab-separated text. Both are read, and the note says what the file really was.
#[test]
fn files_named_xls_that_are_web_pages_or_text_are_read() {
    let d = tempfile::tempdir().unwrap();
    let page = "<html xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><head>\
        <meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>\
        <table border=1><tr><td colspan=3><b>TỔNG HỢP Ý KIẾN ĐOÀN VIÊN, THANH NIÊN</b></td></tr>\
        <tr><th>STT</th><th>Huyện/Thành phố</th><th>Nội dung kiến nghị</th></tr>\
        <tr><td>1</td><td rowspan=\"2\">Lộc Bình</td><td>Đề nghị hỗ trợ vay vốn<br>để thanh niên khởi nghiệp &amp; làm kinh tế.</td></tr>\
        <tr><td>2</td><td>Xin mở thêm lớp tin học cho đoàn viên ở xã.</td></tr>\
        <tr><td>3</td><td>Bắc Sơn</td><td>Mong có thông tin tuyển dụng lao động tại khu công nghiệp.</td></tr>\
        </table></body></html>";
    let path = write(d.path(), "xuat-excel.xls", page.as_bytes());
    let out = read_file(&path, &ReadOptions::default()).unwrap();
    let got: Vec<(&str, Option<&str>)> =
        out.submissions.iter().map(|s| (s.text.as_str(), s.locality.as_deref())).collect();
    assert_eq!(
        got,
        [
            ("Đề nghị hỗ trợ vay vốn\nđể thanh niên khởi nghiệp & làm kinh tế.", Some("Lộc Bình")),
            ("Xin mở thêm lớp tin học cho đoàn viên ở xã.", Some("Lộc Bình")),
            ("Mong có thông tin tuyển dụng lao động tại khu công nghiệp.", Some("Bắc Sơn")),
        ]
    );
    assert_eq!(out.title_rows, 1);
    let notes = format!("{:?}", out.columns);
    assert!(notes.contains("HTML"), "{notes}");

    let tsv = "Địa phương\tÝ kiến\nĐình Lập\tCho em hỏi điều kiện xét cử tuyển năm nay.\n";
    let path = write(d.path(), "danh-sach.xls", tsv.as_bytes());
    let out = read_file(&path, &ReadOptions::default()).unwrap();
    assert_eq!(out.submissions.len(), 1);
    assert_eq!(out.submissions[0].text, "Cho em hỏi điều kiện xét cử tuyển năm nay.");
    assert_eq!(out.submissions[0].locality.as_deref(), Some("Đình Lập"));
    assert!(format!("{:?}", out.columns).contains(".csv"), "{:?}", out.columns);

    // A page without a table is an error naming the file and saying what to do.
    let path = write(d.path(), "trang.html", "<html><body><p>Ý kiến</p></body></html>".as_bytes());
    let e = err_text(read_file(&path, &ReadOptions::default()));
    assert!(e.contains("trang.html") && e.contains("bảng"), "{e}");
}

/// Excel 2003's XML under an .xls name, as older systems export it: a title merged across,
/// the district merged down, a cell placed by its index; every worksheet with --all-sheets.
#[test]
fn an_excel_2003_xml_spreadsheet_is_read() {
    let d = tempfile::tempdir().unwrap();
    let cell = |t: &str| format!("<Cell><Data ss:Type=\"String\">{t}</Data></Cell>");
    let sheet = |name: &str, rows: &str| format!("<Worksheet ss:Name=\"{name}\"><Table>{rows}</Table></Worksheet>");
    let first = format!(
        "<Row><Cell ss:MergeAcross=\"2\"><Data ss:Type=\"String\">TỔNG HỢP Ý KIẾN</Data></Cell></Row>\
         <Row>{}{}{}</Row>\
         <Row>{}<Cell ss:MergeDown=\"1\"><Data ss:Type=\"String\">Văn Quan</Data></Cell>{}</Row>\
         <Row>{}<Cell ss:Index=\"3\"><Data ss:Type=\"String\">Đề nghị sửa đường vào trường &amp; làm cầu.</Data></Cell></Row>",
        cell("STT"), cell("Huyện/Thành phố"), cell("Ý kiến, kiến nghị"),
        cell("1"), cell("Mong tỉnh có chính sách hỗ trợ thanh niên khởi nghiệp."),
        cell("2"),
    );
    let second = format!(
        "<Row>{}{}</Row><Row>{}{}</Row>",
        cell("Địa bàn"),
        cell("Ý kiến"),
        cell("Tràng Định"),
        cell("Xin hỏi điều kiện đi xuất khẩu lao động.")
    );
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" \
         xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\">{}{}</Workbook>",
        sheet("Huyện", &first),
        sheet("Xã", &second)
    );
    let path = write(d.path(), "bao-cao-2003.xls", xml.as_bytes());
    let out = read_file(&path, &ReadOptions::default()).unwrap();
    let got: Vec<(&str, Option<&str>)> =
        out.submissions.iter().map(|s| (s.text.as_str(), s.locality.as_deref())).collect();
    assert_eq!(
        got,
        [
            ("Mong tỉnh có chính sách hỗ trợ thanh niên khởi nghiệp.", Some("Văn Quan")),
            ("Đề nghị sửa đường vào trường & làm cầu.", Some("Văn Quan")),
        ]
    );
    assert!(format!("{:?}", out.columns).contains("2003"), "{:?}", out.columns);
    let all = read_file(&path, &ReadOptions { all_sheets: true, ..Default::default() }).unwrap();
    assert_eq!(all.submissions.len(), 3);
    assert_eq!(all.submissions[2].locality.as_deref(), Some("Tràng Định"));
    let named = read_file(&path, &ReadOptions { sheet: Some("Xã".into()), ..Default::default() }).unwrap();
    assert_eq!(named.submissions[0].text, "Xin hỏi điều kiện đi xuất khẩu lao động.");
}

/// A district compilation in Excel with the district merged down its rows and the title
/// merged across: every opinion gets the district, as in Word and web compilations.
#[test]
fn a_district_merged_down_an_excel_sheet_counts_for_each_row() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("tong-hop.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet();
    let f = rust_xlsxwriter::Format::new();
    s.merge_range(0, 0, 0, 2, "TỔNG HỢP Ý KIẾN, KIẾN NGHỊ CỦA THANH NIÊN", &f).unwrap();
    for (c, h) in ["STT", "Huyện/Thành phố", "Nội dung ý kiến"].iter().enumerate() {
        s.write_string(1, c as u16, *h).unwrap();
    }
    let opinions = [
        "Đề nghị tỉnh hỗ trợ thanh niên vay vốn khởi nghiệp.",
        "Xin mở lớp dạy nghề điện dân dụng ở xã.",
        "Mong có sân bóng cho thanh niên trong thôn.",
        "Cho em hỏi thủ tục xin học bổng của tỉnh.",
    ];
    for (i, t) in opinions.iter().enumerate() {
        s.write_number(2 + i as u32, 0, (i + 1) as f64).unwrap();
        s.write_string(2 + i as u32, 2, *t).unwrap();
    }
    s.merge_range(2, 1, 4, 1, "Bình Gia", &f).unwrap();
    s.write_string(5, 1, "Văn Quan").unwrap();
    wb.save(&path).unwrap();
    let out = read_file(&path, &ReadOptions::default()).unwrap();
    let got: Vec<(&str, Option<&str>)> =
        out.submissions.iter().map(|s| (s.text.as_str(), s.locality.as_deref())).collect();
    assert_eq!(
        got,
        [
            (opinions[0], Some("Bình Gia")),
            (opinions[1], Some("Bình Gia")),
            (opinions[2], Some("Bình Gia")),
            (opinions[3], Some("Văn Quan")),
        ]
    );
}

/// A form asking one question per topic area: each answered question is a submission of its
/// own (id of the row and the question's place), the question's column kept beside it; a
/// row answering none is one blank answer; a column of answers is not read as opinions.
#[test]
fn a_form_with_a_question_per_topic_gives_a_submission_per_answer() {
    let d = tempfile::tempdir().unwrap();
    let csv = "Dấu thời gian,Xã/phường,Câu hỏi về học tập,Câu hỏi về việc làm,Câu hỏi về vay vốn,Ý kiến trả lời\n\
        15/04/2024 08:00:00,Tân Thành,Xin hỏi học bổng cho học sinh nghèo.,,,\n\
        15/04/2024 09:00:00,Hòa Cư,,Mong có phiên giao dịch việc làm ở huyện.,Thủ tục vay vốn tạo việc làm thế nào?,Đã trả lời\n\
        15/04/2024 10:00:00,Hồng Phong,,,,\n\
        15/04/2024 11:00:00,Bắc Sơn,Cho em hỏi về cử tuyển.,,,\n";
    let path = write(d.path(), "bieu-mau.csv", csv.as_bytes());
    let out = read_file(&path, &ReadOptions::default()).unwrap();
    let got: Vec<(&str, &str, Option<&str>, Option<&str>)> = out
        .submissions
        .iter()
        .map(|s| (s.id.as_str(), s.text.as_str(), s.locality.as_deref(), s.field("Cột ý kiến")))
        .collect();
    assert_eq!(
        got,
        [
            ("bieu-mau-1.1", "Xin hỏi học bổng cho học sinh nghèo.", Some("Tân Thành"), Some("Câu hỏi về học tập")),
            ("bieu-mau-2.2", "Mong có phiên giao dịch việc làm ở huyện.", Some("Hòa Cư"), Some("Câu hỏi về việc làm")),
            ("bieu-mau-2.3", "Thủ tục vay vốn tạo việc làm thế nào?", Some("Hòa Cư"), Some("Câu hỏi về vay vốn")),
            ("bieu-mau-4.1", "Cho em hỏi về cử tuyển.", Some("Bắc Sơn"), Some("Câu hỏi về học tập")),
        ]
    );
    assert_eq!(out.submissions[1].field("Ý kiến trả lời"), Some("Đã trả lời"));
    assert_eq!(out.submissions[1].field("Câu hỏi về vay vốn"), None);
    assert_eq!(out.rejects.len(), 1, "{:?}", out.rejects);
    assert!(out.rejects[0].location.contains('4'), "{:?}", out.rejects);
    // Naming the text column reads that one alone, as before.
    let opts = ReadOptions { text_column: "Câu hỏi về việc làm".into(), ..Default::default() };
    let one = read_file(&path, &opts).unwrap();
    assert_eq!(one.submissions.len(), 1);
    assert_eq!(one.submissions[0].field("Câu hỏi về học tập"), Some(""));
}

/// A header of two rows, as compilations draw it: "STT" and the opinions' header merged
/// down both rows, "Người gửi" over "Họ và tên" and "Địa chỉ". The lower row names the
/// columns (the address is the locality) and is not read as an opinion; in a web page
/// (rowspan, colspan) and in Excel (merged cells) alike.
#[test]
fn a_two_row_header_names_the_columns_and_is_no_opinion() {
    let d = tempfile::tempdir().unwrap();
    let page = "<table><tr><th rowspan=2>STT</th><th colspan=2>Người gửi</th><th rowspan=2>Nội dung ý kiến</th></tr>\
        <tr><th>Họ và tên</th><th>Địa chỉ</th></tr>\
        <tr><td>1</td><td>Nông Văn Ba</td><td>Cao Lộc</td><td>Xin hỏi chính sách hỗ trợ thanh niên lập nghiệp.</td></tr>\
        <tr><td>2</td><td>Hà Thị Tư</td><td>Lộc Bình</td><td>Đề nghị mở lớp nghề may cho lao động nữ.</td></tr></table>";
    let html = write(d.path(), "hai-dong.html", page.as_bytes());
    let xlsx = d.path().join("hai-dong.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet();
    let f = rust_xlsxwriter::Format::new();
    s.merge_range(0, 0, 1, 0, "STT", &f).unwrap();
    s.merge_range(0, 1, 0, 2, "Người gửi", &f).unwrap();
    s.merge_range(0, 3, 1, 3, "Nội dung ý kiến", &f).unwrap();
    s.write_string(1, 1, "Họ và tên").unwrap();
    s.write_string(1, 2, "Địa chỉ").unwrap();
    for (r, row) in [
        ["1", "Nông Văn Ba", "Cao Lộc", "Xin hỏi chính sách hỗ trợ thanh niên lập nghiệp."],
        ["2", "Hà Thị Tư", "Lộc Bình", "Đề nghị mở lớp nghề may cho lao động nữ."],
    ]
    .iter()
    .enumerate()
    {
        for (c, v) in row.iter().enumerate() {
            s.write_string(2 + r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save(&xlsx).unwrap();
    for path in [html, xlsx] {
        let out = read_file(&path, &ReadOptions::default()).unwrap();
        let got: Vec<(&str, Option<&str>, Option<&str>)> =
            out.submissions.iter().map(|s| (s.text.as_str(), s.locality.as_deref(), s.field("Họ và tên"))).collect();
        assert_eq!(
            got,
            [
                ("Xin hỏi chính sách hỗ trợ thanh niên lập nghiệp.", Some("Cao Lộc"), Some("Nông Văn Ba")),
                ("Đề nghị mở lớp nghề may cho lao động nữ.", Some("Lộc Bình"), Some("Hà Thị Tư")),
            ],
            "{}",
            path.display()
        );
        assert!(out.rejects.is_empty(), "{:?}", out.rejects);
    }
}

/// A workbook that opens on a sheet of instructions: the sheet whose header names the
/// opinions' column is read (and said), not the instructions; `--sheet` still chooses.
#[test]
fn a_workbook_opening_on_instructions_is_read_from_its_sheet_of_opinions() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("bieu-mau.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet().set_name("Hướng dẫn").unwrap();
    s.write_string(0, 0, "HƯỚNG DẪN ĐIỀN BIỂU MẪU").unwrap();
    s.write_string(1, 0, "Mỗi dòng ghi một ý kiến, kiến nghị của đoàn viên thanh niên, ghi rõ địa bàn.").unwrap();
    s.write_string(2, 0, "Gửi về Ban Thường vụ Tỉnh đoàn trước ngày 30/4/2024 qua thư điện tử.").unwrap();
    let s = wb.add_worksheet().set_name("Tổng hợp").unwrap();
    s.write_string(0, 0, "Địa bàn").unwrap();
    s.write_string(0, 1, "Ý kiến, kiến nghị").unwrap();
    s.write_string(1, 0, "Văn Quan").unwrap();
    s.write_string(1, 1, "Đề nghị hỗ trợ vay vốn cho thanh niên khởi nghiệp.").unwrap();
    wb.save(&path).unwrap();
    let out = read_file(&path, &ReadOptions::default()).unwrap();
    assert_eq!(out.submissions.len(), 1);
    assert_eq!(out.submissions[0].text, "Đề nghị hỗ trợ vay vốn cho thanh niên khởi nghiệp.");
    assert_eq!(out.submissions[0].locality.as_deref(), Some("Văn Quan"));
    assert!(format!("{:?}", out.columns).contains("Tổng hợp"), "{:?}", out.columns);
    let opts = ReadOptions { sheet: Some("Hướng dẫn".into()), ..Default::default() };
    let first = read_file(&path, &opts).unwrap();
    assert!(first.submissions[0].text.starts_with("Mỗi dòng"), "{:?}", first.submissions);
}

/// A compilation's section headings ("I" beside "Lĩnh vực giáo dục", or "II. LĨNH VỰC LAO
/// ĐỘNG VIỆC LÀM" merged across the row) are no opinions: each is kept in the column "Mục"
/// of the opinions below it. A row holding only a person's name stays a blank answer.
#[test]
fn section_headings_of_a_compilation_label_the_rows_below() {
    let d = tempfile::tempdir().unwrap();
    let csv = "STT,Huyện,Nội dung ý kiến\n\
        I,,Lĩnh vực giáo dục và đào tạo\n\
        1,Văn Lãng,Đề nghị tỉnh tăng học bổng cho học sinh dân tộc thiểu số.\n\
        II. LĨNH VỰC LAO ĐỘNG VIỆC LÀM,,\n\
        2,Lộc Bình,Mong có thêm phiên giao dịch việc làm tại huyện.\n\
        Nguyễn Văn An,,\n";
    let csv_path = write(d.path(), "tong-hop.csv", csv.as_bytes());
    let xlsx = d.path().join("tong-hop.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet();
    let f = rust_xlsxwriter::Format::new();
    for (c, h) in ["STT", "Huyện", "Nội dung ý kiến"].iter().enumerate() {
        s.write_string(0, c as u16, *h).unwrap();
    }
    s.write_string(1, 0, "I").unwrap();
    s.write_string(1, 2, "Lĩnh vực giáo dục và đào tạo").unwrap();
    for (c, v) in ["1", "Văn Lãng", "Đề nghị tỉnh tăng học bổng cho học sinh dân tộc thiểu số."].iter().enumerate()
    {
        s.write_string(2, c as u16, *v).unwrap();
    }
    s.merge_range(3, 0, 3, 2, "II. LĨNH VỰC LAO ĐỘNG VIỆC LÀM", &f).unwrap();
    for (c, v) in ["2", "Lộc Bình", "Mong có thêm phiên giao dịch việc làm tại huyện."].iter().enumerate()
    {
        s.write_string(4, c as u16, *v).unwrap();
    }
    s.write_string(5, 0, "Nguyễn Văn An").unwrap();
    wb.save(&xlsx).unwrap();
    for path in [csv_path, xlsx] {
        let out = read_file(&path, &ReadOptions::default()).unwrap();
        let got: Vec<(&str, Option<&str>, Option<&str>)> =
            out.submissions.iter().map(|s| (s.text.as_str(), s.locality.as_deref(), s.field("Mục"))).collect();
        assert_eq!(
            got,
            [
                (
                    "Đề nghị tỉnh tăng học bổng cho học sinh dân tộc thiểu số.",
                    Some("Văn Lãng"),
                    Some("I. Lĩnh vực giáo dục và đào tạo")
                ),
                (
                    "Mong có thêm phiên giao dịch việc làm tại huyện.",
                    Some("Lộc Bình"),
                    Some("II. LĨNH VỰC LAO ĐỘNG VIỆC LÀM")
                ),
            ],
            "{}",
            path.display()
        );
        assert_eq!(out.rejects.len(), 1, "{}: {:?}", path.display(), out.rejects);
        assert!(format!("{:?}", out.columns).contains("Mục"), "{:?}", out.columns);
    }
}

/// A form's answer that cannot be read (a NUL byte) is a reject of its own, with the row's
/// text to fix it by, while the row's other answers are read.
#[test]
fn a_bad_answer_of_a_form_row_is_rejected_with_its_row() {
    let d = tempfile::tempdir().unwrap();
    let csv = "Xã/phường,Câu hỏi về học tập,Câu hỏi về việc làm\n\
        Tân Thành,Xin hỏi học bổng cho học sinh nghèo.,Việc\0làm\n";
    let path = write(d.path(), "bieu-mau.csv", csv.as_bytes());
    let out = read_file(&path, &ReadOptions { skip_bad: true, ..Default::default() }).unwrap();
    assert_eq!(out.submissions.len(), 1);
    assert_eq!(out.submissions[0].id, "bieu-mau-1.1");
    assert_eq!(out.rejects.len(), 1, "{:?}", out.rejects);
    assert!(out.rejects[0].raw.contains("Tân Thành"), "{:?}", out.rejects);
}
