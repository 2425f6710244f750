//! From suggestion to answer: tracking codes kept across runs, forwarding of decided
//! submissions with due dates, one workbook per body, every step audited.

mod common;

use calamine::{open_workbook_auto, Data, Reader};
use common::run_ykien;
use ykien::review::forward::{add_days, today};
use ykien::review::{Db, Decision, Outcome};

#[test]
fn tracking_codes_are_given_once_by_year_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open(&dir.path().join("review.db")).unwrap();
    let year = today().0;
    let first = db
        .tracking_codes(&[("a", "2024-04-13"), ("b", ""), ("c", "13/05/2025 08:10:00"), ("e", "13/04/2024")])
        .unwrap();
    assert_eq!(first, ["YK-2024-000001", &format!("YK-{year}-000001"), "YK-2025-000001", "YK-2024-000002"]);
    // Another run: the same ids keep their codes whatever their dates say now; new ones follow on.
    let again = db.tracking_codes(&[("c", ""), ("d", "01/05/2024"), ("a", "2026-01-01")]).unwrap();
    assert_eq!(again, ["YK-2025-000001", "YK-2024-000003", "YK-2024-000001"]);
    // Kept for good: the table refuses changes.
    let conn = rusqlite::Connection::open(dir.path().join("review.db")).unwrap();
    assert!(conn.execute("UPDATE tracking SET code = 'x' WHERE id = 'a'", []).is_err());
    assert!(conn.execute("DELETE FROM tracking", []).is_err());
}

/// Cells of a workbook's first sheet as text.
fn sheet(path: &std::path::Path) -> Vec<Vec<String>> {
    let mut wb = open_workbook_auto(path).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// Writes `rows` as a workbook's one sheet (as an office would after filling it in).
fn write_sheet(path: &std::path::Path, rows: &[Vec<String>]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, v).unwrap();
        }
    }
    wb.save(path).unwrap();
}

#[test]
fn decided_submissions_are_forwarded_once_with_a_due_date_and_a_workbook_per_body() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let d = data.to_str().unwrap();
    let input = tmp.path().join("y-kien.csv");
    std::fs::write(
        &input,
        "Mã phiếu,Dấu thời gian,Huyện,Ý kiến,Số điện thoại\n\
         P1,12/04/2024 08:00:00,Chi Lăng,Em muốn vay vốn ngân hàng chính sách để nuôi bò sinh sản,0912345678\n\
         P2,13/04/2024 09:30:00,Bắc Sơn,Đề nghị mở thêm lớp dạy nghề sửa xe máy cho thanh niên ở xã,0987654321\n\
         P3,14/04/2024 10:00:00,Hữu Lũng,Thôn em sóng điện thoại rất yếu không học trực tuyến được,\n\
         P4,15/04/2024 10:05:00,Lộc Bình,Trường em thiếu giáo viên tiếng Anh,\n",
    )
    .unwrap();
    let (ok, _, err) = run_ykien(&["--data-dir", d, "analyze", input.to_str().unwrap(), "--out", "out"], tmp.path());
    assert!(ok, "{err}");
    // The tracking codes are in the run's outputs, and the same on a second run.
    let csv = std::fs::read_to_string(tmp.path().join("out/submissions.csv")).unwrap();
    assert!(csv.lines().next().unwrap().contains(",code,"), "{csv}");
    for code in ["YK-2024-000001", "YK-2024-000004"] {
        assert!(csv.contains(code), "{csv}");
    }
    let (ok, _, err) = run_ykien(&["--data-dir", d, "analyze", input.to_str().unwrap(), "--out", "out"], tmp.path());
    assert!(ok, "{err}");
    assert_eq!(csv, std::fs::read_to_string(tmp.path().join("out/submissions.csv")).unwrap());

    // A reviewer decides two: one to a body, one split between two.
    let mut db = Db::open(&data.join("review.db")).unwrap();
    let p1 = db.item("P1").unwrap().unwrap();
    assert_eq!(p1.code, "YK-2024-000001");
    assert_eq!(db.decide("P1", p1.version, &Decision::Reassign("nhcsxh".into()), "", "lan").unwrap(), Outcome::Done);
    let p2 = db.item("P2").unwrap().unwrap();
    let split = Decision::Split("so-ldtbxh".into(), "tinh-doan".into());
    assert_eq!(db.decide("P2", p2.version, &split, "", "lan").unwrap(), Outcome::Done);
    drop(db);

    let (ok, out, err) = run_ykien(&["--data-dir", d, "forward", "--profile", "lang-son-2024"], tmp.path());
    assert!(ok, "{err}");
    assert!(out.contains("đã chuyển 3 ý kiến"), "{out}");
    let due = add_days(today(), 15);
    let due = format!("{:02}/{:02}/{}", due.2, due.1, due.0);
    let rows = sheet(&data.join("forward/nhcsxh.xlsx"));
    assert!(rows[0][0].contains("Ngân hàng Chính sách xã hội"), "{rows:?}");
    let header = &rows[2];
    for h in ["Mã theo dõi", "Mã", "Ý kiến", "Hạn trả lời", "Số điện thoại", "Trả lời", "Cán bộ trả lời"]
    {
        assert!(header.contains(&h.to_string()), "{header:?}");
    }
    let col = |h: &str| header.iter().position(|x| x == h).unwrap();
    assert_eq!(rows.len(), 4, "one submission forwarded to this body: {rows:?}");
    assert_eq!(rows[3][col("Mã theo dõi")], "YK-2024-000001");
    assert_eq!(rows[3][col("Mã")], "P1", "the id as the file gave it");
    assert!(rows[3][col("Ý kiến")].starts_with("Em muốn vay vốn"));
    assert_eq!(rows[3][col("Hạn trả lời")], due);
    assert_eq!(rows[3][col("Ngày gửi")], "12/04/2024");
    assert_eq!(rows[3][col("Số điện thoại")], "0912345678", "every original column goes with it");
    assert!(rows[3][col("Trả lời")].is_empty() && rows[3][col("Cán bộ trả lời")].is_empty());
    // The split one goes to both bodies, each naming the other.
    let labour = sheet(&data.join("forward/so-ldtbxh.xlsx"));
    let youth = sheet(&data.join("forward/tinh-doan.xlsx"));
    assert_eq!(labour[3][col("Cùng trả lời với")], "Tỉnh đoàn Lạng Sơn");
    assert_eq!(youth[3][col("Mã theo dõi")], "YK-2024-000002");
    // Audited, and done once: a second run forwards nothing new and keeps the workbooks.
    let db = Db::open(&data.join("review.db")).unwrap();
    let trail = db.audit("P2").unwrap();
    assert_eq!(trail.iter().filter(|a| a.action == "forward").count(), 2, "{trail:?}");
    assert!(trail.iter().any(|a| a.action == "forward" && a.note.contains("hạn trả lời")));
    drop(db);
    let (ok, out, err) = run_ykien(&["--data-dir", d, "forward", "--profile", "lang-son-2024"], tmp.path());
    assert!(ok && out.contains("đã chuyển 0 ý kiến"), "{out}{err}");
    assert_eq!(sheet(&data.join("forward/nhcsxh.xlsx")).len(), 4);
    // Every pending suggestion accepted as it is, then forwarded, due in 7 days.
    let (ok, out, err) = run_ykien(
        &["--data-dir", d, "forward", "--all-suggested", "--due-days", "7", "--profile", "lang-son-2024"],
        tmp.path(),
    );
    assert!(ok, "{err}");
    assert!(out.contains("đã đồng ý 2 đề xuất"), "{out}");
    let db = Db::open(&data.join("review.db")).unwrap();
    assert!(db.pending_items().unwrap().is_empty());
    let p3 = db.item("P3").unwrap().unwrap();
    let dept = p3.department.clone();
    assert!(db.audit("P3").unwrap().iter().any(|a| a.action == "accept" && a.user.starts_with("cli:")));
    let rows = sheet(&data.join(format!("forward/{dept}.xlsx")));
    let week = add_days(today(), 7);
    let week = format!("{:02}/{:02}/{}", week.2, week.1, week.0);
    assert!(rows.iter().any(|r| r[col("Mã theo dõi")] == p3.code && r[col("Hạn trả lời")] == week), "{rows:?}");
    // The body fills in its workbook and sends it back.
    let mut filled = sheet(&data.join("forward/nhcsxh.xlsx"));
    let answer = col("Trả lời");
    filled[3][answer] = "Ngân hàng Chính sách xã hội trả lời: em liên hệ tổ tiết kiệm và vay vốn ở thôn.".into();
    filled[3][col("Cán bộ trả lời")] = "Nguyễn Văn Bình".into();
    let mut unknown = filled[3].clone();
    unknown[col("Mã theo dõi")] = "YK-2099-000001".into();
    let mut not_sent = labour[3].clone();
    not_sent[answer] = "Sở trả lời".into();
    filled.push(unknown);
    filled.push(not_sent);
    let back = tmp.path().join("tra-loi-nhcsxh.xlsx");
    write_sheet(&back, &filled);
    let import =
        |f: &std::path::Path| run_ykien(&["--data-dir", d, "answers", "import", f.to_str().unwrap()], tmp.path());
    let (ok, out, err) = import(&back);
    assert!(ok, "{err}");
    assert!(out.contains("1 mới") && out.contains("2 dòng bị từ chối"), "{out}");
    assert!(err.contains("tra-loi-nhcsxh.xlsx:5: YK-2099-000001: mã theo dõi không có"), "{err}");
    assert!(err.contains("tra-loi-nhcsxh.xlsx:6: YK-2024-000002: ý kiến này chưa được chuyển cho Ngân hàng Chính sách xã hội chi nhánh tỉnh"), "{err}");
    // Read again: nothing recorded twice.
    let (ok, out, _) = import(&back);
    assert!(ok && out.contains("0 mới") && out.contains("1 không đổi"), "{out}");
    // A changed answer is a new version, the old kept; a changed text is refused.
    filled[3][answer] = "Trả lời bổ sung: mức vay tối đa 100 triệu đồng.".into();
    filled[4][col("Ý kiến")] = "Văn bản đã bị sửa".into();
    filled[4][col("Mã theo dõi")] = "YK-2024-000001".into();
    write_sheet(&back, &filled);
    let (ok, out, err) = import(&back);
    assert!(ok && out.contains("1 sửa đổi"), "{out}");
    assert!(err.contains("nội dung ý kiến đã bị sửa"), "{err}");
    let db = Db::open(&data.join("review.db")).unwrap();
    let versions = db.answer_versions("P1", "nhcsxh").unwrap();
    assert_eq!(versions.len(), 2);
    assert!(versions[0].0.starts_with("Ngân hàng") && versions[1].0.starts_with("Trả lời bổ sung"));
    assert_eq!(versions[1].1, "Nguyễn Văn Bình");
    assert_eq!(db.audit("P1").unwrap().iter().filter(|a| a.action == "answer").count(), 2);
    drop(db);
    // A folder holding someone else's files is not replaced.
    std::fs::write(data.join("forward/ghi-chu.txt"), "của tôi").unwrap();
    let (ok, _, err) = run_ykien(&["--data-dir", d, "forward", "--profile", "lang-son-2024"], tmp.path());
    assert!(!ok && err.contains("ghi-chu.txt"), "{err}");
    // Twenty days on: the bank answered; every other body is late, by 5 days (15 days
    // given) or 13 (7 days given); the overdue list is written for the reminder.
    let later = add_days(today(), 20);
    let later = format!("{:02}/{:02}/{}", later.2, later.1, later.0);
    let (ok, out, err) =
        run_ykien(&["--data-dir", d, "status", "--as-of", &later, "--profile", "lang-son-2024"], tmp.path());
    assert!(ok, "{err}");
    assert!(out.contains("Ngân hàng Chính sách xã hội chi nhánh tỉnh: đã chuyển 1, đã trả lời 1, quá hạn 0"), "{out}");
    assert!(out.contains("Tỉnh đoàn Lạng Sơn: đã chuyển 1, đã trả lời 0, quá hạn 1 (trễ nhất 5 ngày)"), "{out}");
    let late = sheet(&data.join("qua-han.xlsx"));
    assert_eq!(late[2][1], "Mã theo dõi");
    let listed: Vec<&str> = late[3..].iter().map(|r| r[1].as_str()).collect();
    assert!(!listed.contains(&"YK-2024-000001") && listed.contains(&"YK-2024-000002"), "{listed:?}");
    assert!(late[3..].iter().any(|r| r[1] == p3.code && r[6] == "13"), "{late:?}");
    let (ok, _, err) = run_ykien(&["--data-dir", d, "status", "--as-of", "32/13/2026"], tmp.path());
    assert!(!ok && err.contains("'32/13/2026' không phải là ngày"), "{err}");
    // The page to publish: answered questions by topic area, escaped, without the file's
    // other columns (the telephone stays private).
    let mut db = Db::open(&data.join("review.db")).unwrap();
    db.record_answer("P2", "so-ldtbxh", "<script>alert(1)</script> Sở mở lớp tháng 6.", "", "thư", "cli:test").unwrap();
    drop(db);
    let (ok, out, err) = run_ykien(&["--data-dir", d, "notice", "--profile", "lang-son-2024"], tmp.path());
    assert!(ok && out.contains("hoi-dap.html"), "{out}{err}");
    let page = std::fs::read_to_string(data.join("notice/hoi-dap.html")).unwrap();
    assert!(
        page.contains("Ngân hàng Chính sách xã hội chi nhánh tỉnh trả lời: ") && page.contains("Trả lời bổ sung"),
        "{page}"
    );
    assert!(
        page.contains("Em muốn vay vốn ngân hàng chính sách để nuôi bò sinh sản") && page.contains("YK-2024-000001")
    );
    assert!(page.contains("2 ý kiến đã được trả lời"), "P1 and P2, not P3: {page}");
    assert!(page.contains("&lt;script&gt;alert(1)") && !page.contains("<script>alert(1)"));
    assert!(!page.contains("0912345678"), "other columns are not published");
    assert!(page.contains("data-folded=\"em muon vay von"), "searchable without diacritics");
    assert!(!page.contains("http://") && !page.contains("https://"), "needs no network");
    // The conclusion notice in Word: the header of an administrative document, every
    // current answer in the body, escaped; the unanswered in the appendix.
    let xml = docx_text(&data.join("notice/thong-bao-ket-luan.docx"));
    for part in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "TỈNH LẠNG SƠN",
        "/TB-UBND",
        "THÔNG BÁO",
        "PHỤ LỤC",
    ] {
        assert!(xml.contains(part), "{part}");
    }
    let db = Db::open(&data.join("review.db")).unwrap();
    let answered = db.answered().unwrap();
    assert_eq!(answered.len(), 2);
    for (_, answers) in &answered {
        for (_, answer, _) in answers {
            let escaped = answer.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
            assert!(xml.contains(&escaped), "{answer} in the notice");
        }
    }
    assert!(!xml.contains("<script>alert"));
    let appendix = &xml[xml.find("PHỤ LỤC").unwrap()..];
    assert!(
        appendix.contains(&p3.code) && !appendix.contains("YK-2024-000001,") && !appendix.contains("Trả lời bổ sung")
    );
    assert!(!xml.contains("0912345678"), "other columns are not in the notice");
    drop(db);
    // Published once, audited; a second run publishes nothing new.
    let (ok, out, err) = run_ykien(&["--data-dir", d, "notice", "--profile", "lang-son-2024", "--publish"], tmp.path());
    assert!(ok && out.contains("công bố 2 câu trả lời mới"), "{out}{err}");
    let (ok, out, _) = run_ykien(&["--data-dir", d, "notice", "--profile", "lang-son-2024", "--publish"], tmp.path());
    assert!(ok && out.contains("công bố 0 câu trả lời mới"), "{out}");
    let db = Db::open(&data.join("review.db")).unwrap();
    assert!(db.is_published("P1", "nhcsxh").unwrap());
    assert!(db.audit("P1").unwrap().iter().any(|a| a.action == "publish"));
}

/// The text of a .docx file's body (word/document.xml).
fn docx_text(path: &std::path::Path) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
    xml
}

mod filled_workbooks {
    use super::*;
    use proptest::prelude::*;

    const TEXTS: [&str; 3] = [
        "Em muốn vay vốn ngân hàng chính sách để nuôi bò",
        "Đề nghị mở lớp dạy nghề may công nghiệp tại xã",
        "Sóng điện thoại ở thôn em rất yếu",
    ];

    /// A database with three submissions, decided and forwarded to the bank.
    fn forwarded_db(dir: &std::path::Path) -> (Db, Vec<String>) {
        let mut db = Db::open(&dir.join("review.db")).unwrap();
        let items: Vec<ykien::review::NewItem> = TEXTS
            .iter()
            .enumerate()
            .map(|(i, t)| ykien::review::NewItem {
                id: ["a", "b", "c"][i],
                text: t,
                topic: "vay-von",
                suggested: "nhcsxh",
                confidence: 0.9,
                submitted_at: "2024-04-12",
                ..Default::default()
            })
            .collect();
        db.load_items(&items).unwrap();
        let mut codes = Vec::new();
        for id in ["a", "b", "c"] {
            let it = db.item(id).unwrap().unwrap();
            db.decide(id, it.version, &Decision::Accept, "", "lan").unwrap();
            codes.push(it.code);
        }
        db.forward_decided(&|_| "2024-05-01".to_string(), "lan").unwrap();
        (db, codes)
    }

    fn any_cell() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[a-zA-Z0-9 ]{0,12}",
            "\\PC{0,30}",
            Just("YK-2024-000001".to_string()),
            Just("YK-2099-000009".to_string()),
            Just(TEXTS[0].to_string()),
            Just("=HYPERLINK(\"x\")".to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Whatever an office puts in the filled workbook, the import never fails on a row
        /// and every row with content is taken, left blank or refused with its reason.
        #[test]
        fn every_row_is_accounted_for(rows in prop::collection::vec((any_cell(), 0usize..4, any_cell(), any_cell()), 0..12)) {
            let dir = tempfile::tempdir().unwrap();
            let (mut db, codes) = forwarded_db(dir.path());
            let mut sheet_rows = vec![
                vec!["Ý kiến, kiến nghị của thanh niên chuyển Ngân hàng Chính sách xã hội chi nhánh tỉnh trả lời".to_string()],
                vec![],
                ["Mã theo dõi", "Ý kiến", "Trả lời", "Cán bộ trả lời"].map(String::from).to_vec(),
            ];
            for (code, which, answer, officer) in &rows {
                let (code, text) = match which {
                    0 => (codes[0].clone(), TEXTS[0].to_string()),
                    1 => (codes[1].clone(), format!("  {}  ", TEXTS[1])),
                    2 => (code.clone(), TEXTS[2].to_string()),
                    _ => (codes[2].clone(), code.clone()),
                };
                sheet_rows.push(vec![code, text, answer.clone(), officer.clone()]);
            }
            let path = dir.path().join("filled.xlsx");
            write_sheet(&path, &sheet_rows);
            let profile = ykien::routing::Profile::load(&common::models_dir(), "lang-son-2024").unwrap();
            let r = ykien::review::answers::import(&mut db, &profile, &[path], "cli:test").unwrap();
            // A cell holding only spaces reads as empty.
            let with_content = sheet_rows[3..].iter().filter(|r| r.iter().any(|c| !c.trim().is_empty())).count();
            prop_assert_eq!(r.new + r.changed + r.unchanged + r.blank + r.refused.len(), with_content, "{:?}", r);
            for why in &r.refused {
                prop_assert!(why.contains("filled.xlsx:"), "{}", why);
            }
        }
    }
}

#[test]
fn a_new_submission_like_one_answered_last_year_is_told_so_with_the_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let d = data.to_str().unwrap();
    let y2024 = tmp.path().join("2024.csv");
    std::fs::write(
        &y2024,
        "Mã phiếu,Dấu thời gian,Huyện,Ý kiến\n\
         A1,12/04/2024,Chi Lăng,Đề nghị ngân sách tỉnh bố trí thêm nguồn vốn ủy thác qua Ngân hàng Chính sách xã hội để cho vay giải quyết việc làm cho thanh niên.\n\
         A2,13/04/2024,Bắc Sơn,Trường em ở xa trung tâm nên giáo viên giỏi hay xin chuyển đi. Em mong có chính sách giữ giáo viên giỏi ở lại.\n\
         A3,14/04/2024,Hữu Lũng,Đề nghị tổ chức tư vấn nghề nghiệp cho thanh niên hoàn thành nghĩa vụ quân sự trở về địa phương.\n",
    )
    .unwrap();
    let (ok, _, err) = run_ykien(&["--data-dir", d, "analyze", y2024.to_str().unwrap(), "--out", "out24"], tmp.path());
    assert!(ok, "{err}");
    // The bank answered A1 last year.
    let (ok, _, err) =
        run_ykien(&["--data-dir", d, "forward", "--all-suggested", "--profile", "lang-son-2024"], tmp.path());
    assert!(ok, "{err}");
    let mut db = Db::open(&data.join("review.db")).unwrap();
    let a1 = db.item("A1").unwrap().unwrap();
    let body = db.forwarded_bodies("A1").unwrap()[0].clone();
    let answer =
        "Năm 2024 ngân sách tỉnh đã bổ sung 20 tỷ đồng vốn ủy thác; thanh niên liên hệ tổ tiết kiệm và vay vốn ở thôn.";
    db.record_answer("A1", &body, answer, "Trần Văn Hải", "thư", "cli:test").unwrap();
    drop(db);

    // This year: the same request in other words, typed without diacritics; and a new one.
    let y2025 = tmp.path().join("2025.csv");
    std::fs::write(
        &y2025,
        "Mã phiếu,Dấu thời gian,Huyện,Ý kiến\n\
         B1,10/04/2025,Lộc Bình,De nghi ngan sach tinh tang von uy thac sang ngan hang chinh sach xa hoi de cho thanh nien vay giai quyet viec lam\n\
         B2,11/04/2025,Cao Lộc,Xin mở lớp dạy lập trình cho học sinh trung học phổ thông ở huyện.\n",
    )
    .unwrap();
    let (ok, out, err) =
        run_ykien(&["--data-dir", d, "analyze", y2025.to_str().unwrap(), "--out", "out25"], tmp.path());
    assert!(ok, "{err}");
    assert!(out.contains("1 ý kiến giống ý kiến đã được trả lời"), "{out}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(tmp.path().join("out25/submissions.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let before = &lines[0]["answered_before"];
    assert_eq!(before["code"], a1.code.as_str(), "{before}");
    assert_eq!(before["department"], body.as_str());
    assert_eq!(before["answer"], answer);
    assert_eq!(before["run"], "2024");
    assert!(lines[1]["answered_before"].is_null(), "{}", lines[1]);
    // Kept for the desk, and the body's sheet suggests the answer, marked; read back
    // untouched, the suggestion is no answer.
    let db = Db::open(&data.join("review.db")).unwrap();
    let b1 = db.item("B1").unwrap().unwrap();
    assert_eq!(b1.answered_before.as_ref().map(|e| e.answer.as_str()), Some(answer));
    assert!(db.item("B2").unwrap().unwrap().answered_before.is_none());
    drop(db);
    let mut db = Db::open(&data.join("review.db")).unwrap();
    db.decide("B1", b1.version, &Decision::Reassign(body.clone()), "", "lan").unwrap();
    drop(db);
    let (ok, _, err) = run_ykien(&["--data-dir", d, "forward", "--profile", "lang-son-2024"], tmp.path());
    assert!(ok, "{err}");
    let file = data.join(format!("forward/{body}.xlsx"));
    let rows = sheet(&file);
    let answer_col = rows[2].iter().position(|h| h == "Trả lời").unwrap();
    let b1_row = rows.iter().find(|r| r[0] == b1.code).unwrap();
    let cell = &b1_row[answer_col];
    assert!(
        cell.starts_with(ykien::review::forward::SUGGESTION_MARK) && cell.contains(answer) && cell.contains(&a1.code),
        "{cell}"
    );
    let (ok, out, err) = run_ykien(&["--data-dir", d, "answers", "import", file.to_str().unwrap()], tmp.path());
    assert!(ok && out.contains("0 mới") && out.contains("1 dòng vẫn còn câu trả lời gợi ý"), "{out}{err}");
    assert!(Db::open(&data.join("review.db")).unwrap().answer("B1", &body).unwrap().is_none());
    // The body keeps the earlier answer by deleting the mark's line: then it is the answer.
    let mut filled = rows.clone();
    let b1_at = filled.iter().position(|r| r[0] == b1.code).unwrap();
    filled[b1_at][answer_col] = answer.to_string();
    write_sheet(&file, &filled);
    let (ok, out, err) = run_ykien(&["--data-dir", d, "answers", "import", file.to_str().unwrap()], tmp.path());
    assert!(ok && out.contains("1 mới"), "{out}{err}");
    assert_eq!(
        Db::open(&data.join("review.db")).unwrap().answer("B1", &body).unwrap().map(|a| a.0),
        Some(answer.to_string())
    );
}
