//! The `ykien` command as a user runs it.

use std::path::Path;
use std::process::Command;

mod common;

fn ykien(args: &[&str], cwd: &Path) -> (bool, String, String) {
    common::run_ykien(args, cwd)
}

const SAMPLE: &str = "id,text,locality\n\
s1,Em muốn vay vốn ngân hàng chính sách để nuôi bò,Bình Gia\n\
s2,em muon vay von ngan hang chinh sach de mo xuong,Tràng Định\n\
s3,Đề nghị cho vay vốn ưu đãi với lãi suất thấp,Lộc Bình\n\
s4,Trường em thiếu giáo viên và phòng học,Bắc Sơn\n\
s5,Mong có học bổng cho học sinh nghèo học giỏi,Văn Quan\n\
s6,truong em thieu sach giao khoa va giao vien,Chi Lăng\n\
s7,Mong mở lớp dạy nghề sửa xe máy cho thanh niên,Hữu Lũng\n\
s8,Đề nghị mở lớp học nghề hàn và điện,Cao Lộc\n\
s9,mo lop day nghe may cong nghiep cho thanh nien,Đình Lập\n";

#[test]
fn analyze_writes_every_output() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("y.csv"), SAMPLE).unwrap();
    let (ok, stdout, stderr) = ykien(&["analyze", "y.csv", "--out", "ra", "--k", "3"], d.path());
    assert!(ok, "{stderr}");
    assert!(stdout.contains("9 ý kiến") && stdout.contains("3 cụm") && stdout.contains("3 gõ không dấu"), "{stdout}");
    let out = d.path().join("ra");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(out.join("submissions.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 9);
    assert_eq!(
        lines.iter().map(|l| l["id"].as_str().unwrap()).collect::<Vec<_>>(),
        ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"]
    );
    for field in
        ["text", "locality", "cluster", "topic", "topic_score", "department", "confidence", "runner_up", "reasons"]
    {
        assert!(!lines[0][field].is_null(), "missing {field}");
    }
    assert_eq!(lines[0]["department"], "nhcsxh");
    // The three loan requests, typed with and without diacritics, share a cluster.
    assert_eq!(lines[0]["cluster"], lines[1]["cluster"]);
    assert_eq!(lines[0]["cluster"], lines[2]["cluster"]);
    let csv = std::fs::read(out.join("submissions.csv")).unwrap();
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]), "CSV for Excel starts with a BOM");
    assert!(String::from_utf8(csv).unwrap().contains("Văn Quan"));
    let clusters: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("clusters.json")).unwrap()).unwrap();
    assert_eq!(clusters["clusters"].as_array().unwrap().len(), 3);
    assert!(!out.join("rejects.jsonl").exists());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("Báo cáo tổng hợp") && html.contains("Văn Quan"));
    assert!(std::fs::read(out.join("report.xlsx")).unwrap().starts_with(b"PK"), "an XLSX is a zip");
    // No temporary files are left behind.
    assert!(std::fs::read_dir(&out).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".tmp")));
}

#[test]
fn route_keeps_input_order_in_jsonl_and_csv() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("y.csv"), SAMPLE).unwrap();
    let (ok, stdout, stderr) = ykien(&["route", "y.csv"], d.path());
    assert!(ok, "{stderr}");
    let rows: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 9);
    assert_eq!(rows[3]["id"], "s4");
    assert_eq!(rows[3]["department"], "so-gddt");
    assert!(rows[5]["restored"].as_str().is_some_and(|t| t.starts_with("trường em thiếu")), "{}", rows[5]);
    assert!(rows[3]["restored"].is_null());
    for f in ["id", "topic", "department", "confidence", "runner_up", "reasons"] {
        assert!(rows.iter().all(|r| !r[f].is_null()), "{f}");
    }
    let (ok, stdout, _) = ykien(&["route", "y.csv", "--output-format", "csv", "--profile", "lang-son-2025"], d.path());
    assert!(ok);
    // The same columns as analyze's submissions.csv, read by name.
    let mut r = csv::Reader::from_reader(stdout.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(&header[..5], ["id", "code", "text", "restored", "locality"]);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 9);
    // Typed without diacritics: the original kept, the restored text beside it.
    assert_eq!(&rows[1][col("text")], "em muon vay von ngan hang chinh sach de mo xuong");
    assert!(rows[1][col("restored")].contains("vay vốn ngân hàng chính sách"), "{:?}", &rows[1]);
    assert_eq!(&rows[0][col("restored")], "", "typed with diacritics: nothing restored");
    let s7 = &rows[6];
    assert_eq!(&s7[col("id")], "s7");
    assert_eq!(&s7[col("topic")], "dao-tao-nghe");
    assert_eq!(&s7[col("department")], "so-gddt", "vocational training goes to Education in 2025");
    assert_eq!(&s7[col("cluster")], "", "routing alone clusters nothing");
}

#[test]
fn bad_input_fails_with_file_and_line_and_skip_bad_writes_rejects() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("bad.csv"), "id,text\n1,Cần việc làm cho thanh niên\n2,có,thừa\n3,Mong có học bổng\n")
        .unwrap();
    let (ok, _, stderr) = ykien(&["analyze", "bad.csv", "--out", "ra"], d.path());
    assert!(!ok);
    assert!(stderr.contains("bad.csv:3") && stderr.contains("3 trường trong khi dòng tên cột có 2"), "{stderr}");
    assert!(!d.path().join("ra").exists(), "nothing written on error");
    let (ok, stdout, stderr) = ykien(&["analyze", "bad.csv", "--out", "ra", "--skip-bad", "--k", "2"], d.path());
    assert!(ok, "{stderr}");
    assert!(stdout.contains("1 không đọc được"), "{stdout}");
    let rejects = std::fs::read_to_string(d.path().join("ra/rejects.jsonl")).unwrap();
    assert!(rejects.contains("\"location\":\"dòng 3\""), "{rejects}");
    let (ok, _, stderr) = ykien(&["route", "missing.jsonl"], d.path());
    assert!(!ok && stderr.contains("missing.jsonl"), "{stderr}");
}

#[test]
fn eval_reports_clustering_and_routing_quality_on_the_bundled_corpus() {
    let d = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr) = ykien(&["eval"], d.path());
    assert!(ok, "{stderr}");
    for needle in [
        "NMI",
        "ARI",
        "purity",
        "Topic areas, test split",
        "Routing with profile lang-son-2024",
        "macro-F1",
        "confusion",
    ] {
        assert!(stdout.contains(needle), "missing {needle}");
    }
}

#[test]
fn input_without_clusterable_words_is_still_routed() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("e.txt"), "ạ\n😀😀\n0912 345 678\n").unwrap();
    let (ok, stdout, stderr) = ykien(&["analyze", "e.txt", "--out", "ra"], d.path());
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("3 ý kiến") && stdout.contains("0 cụm") && stdout.contains("3 ý kiến không có từ để phân cụm"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(d.path().join("ra/submissions.jsonl")).unwrap().lines().count(), 3);
    std::fs::write(d.path().join("two.txt"), "Cần việc làm cho thanh niên\nMong có học bổng cho học sinh\n").unwrap();
    let (ok, _, stderr) = ykien(&["analyze", "two.txt", "--out", "ra2", "--k", "5"], d.path());
    assert!(!ok && stderr.contains("k = 5 phải từ 1 đến số ý kiến cần phân cụm (2)"), "{stderr}");
}

#[test]
fn segment_prints_words_and_spans() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("s.txt"), "Thanh niên muốn vay vốn\nthanh nien muon vay von\n").unwrap();
    let (ok, stdout, stderr) = ykien(&["segment", "s.txt"], d.path());
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "Thanh_niên muốn vay_vốn\nthanh_nien muon vay_von\n");
    let (ok, stdout, _) = ykien(&["segment", "s.txt", "--format", "jsonl"], d.path());
    assert!(ok);
    let first: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    let w = &first["words"][0];
    assert_eq!(
        (w["word"].as_str(), w["start"].as_u64(), w["end"].as_u64()),
        (Some("Thanh niên"), Some(0), Some("Thanh niên".len() as u64))
    );
}

#[test]
fn eval_segmenter_reports_f1_and_speed() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ud-vtb/vi_vtb-ud-dev.conllu");
    if !shared.exists() {
        eprintln!("skipped: ../shared/data/ud-vtb is absent (a fresh clone); CI has it");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr) = ykien(&["eval-segmenter", shared.to_str().unwrap(), "--folded"], d.path());
    assert!(ok, "{stderr}");
    let f1s: Vec<f64> =
        stdout.lines().filter_map(|l| l.split("F1 ").nth(1)).map(|x| x.trim().parse().unwrap()).collect();
    assert_eq!(f1s.len(), 2, "{stdout}");
    // The shipped model learned from dev too, so this is not a held-out figure; it must be high.
    assert!(f1s[0] > 97.0 && f1s[1] > 90.0, "{stdout}");
    assert!(stdout.contains("syllables/s"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    let d = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ykien"))
        .env("LC_ALL", "vi_VN.UTF-8")
        .args(["eval"])
        .current_dir(d.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take()); // like `ykien eval | head -c 16`
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // Nothing but the note of which routing profile it took.
    assert!(err.lines().all(|l| l.starts_with("ykien: hồ sơ định tuyến lang-son-2024")), "{err}");
}

#[test]
fn train_router_route_and_eval_with_a_model() {
    let d = tempfile::tempdir().unwrap();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/submissions.csv");
    let (ok, stdout, stderr) =
        ykien(&["train-router", corpus.to_str().unwrap(), "--label-column", "topic", "--model", "m.json"], d.path());
    assert!(ok, "{stderr}");
    assert!(stdout.contains("7 classes"), "{stdout}");
    std::fs::write(d.path().join("q.csv"), "id,text,topic\nq1,Em muốn vay vốn ngân hàng chính sách,vay-von\nq2,Trường em thiếu giáo viên và sách giáo khoa,hoc-tap\n").unwrap();
    let (ok, stdout, stderr) = ykien(&["route", "q.csv", "--model", "m.json"], d.path());
    assert!(ok, "{stderr}");
    let rows: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!((rows[0]["id"].as_str(), rows[0]["label"].as_str()), (Some("q1"), Some("vay-von")));
    assert_eq!(rows[1]["label"], "hoc-tap");
    assert!(rows[0]["confidence"].as_f64().unwrap() > 0.5);
    let (ok, stdout, _) = ykien(&["eval", "q.csv", "--model", "m.json", "--label-column", "topic"], d.path());
    assert!(ok && stdout.contains("accuracy 1.000"), "{stdout}");
    let (ok, _, stderr) = ykien(&["train-router", "q.csv", "--label-column", "missing", "--model", "x.json"], d.path());
    assert!(!ok && stderr.contains("record q1 has no 'missing' label"), "{stderr}");
    // The bundled corpus is a fifth unaccented: exact forms stay off unless asked for; a model
    // trained with them records it, and routing with it extracts them too.
    assert!(!std::fs::read_to_string(d.path().join("m.json")).unwrap().contains("\"exact_forms\":true"));
    let (ok, stdout, stderr) = ykien(
        &[
            "train-router",
            corpus.to_str().unwrap(),
            "--label-column",
            "topic",
            "--model",
            "e.json",
            "--exact-forms",
            "on",
        ],
        d.path(),
    );
    assert!(ok && stdout.contains("with exact-form syllables"), "{stdout}{stderr}");
    assert!(std::fs::read_to_string(d.path().join("e.json")).unwrap().contains("\"exact_forms\":true"));
    let (ok, stdout, _) = ykien(&["eval", "q.csv", "--model", "e.json", "--label-column", "topic"], d.path());
    assert!(ok && stdout.contains("accuracy 1.000"), "{stdout}");
}

#[test]
fn the_same_request_sent_by_everyone_is_one_cluster_and_one_duplicate_group() {
    let d = tempfile::tempdir().unwrap();
    let lines: String = (0..30)
        .map(|i| {
            if i % 3 == 0 {
                "em muon vay von ngan hang chinh sach\n"
            } else {
                "Em muốn vay vốn ngân hàng chính sách!\n"
            }
        })
        .collect();
    std::fs::write(d.path().join("same.txt"), lines).unwrap();
    let (ok, stdout, stderr) = ykien(&["analyze", "same.txt", "--out", "ra", "--k", "1"], d.path());
    assert!(ok, "{stderr}");
    assert!(stdout.contains("30 ý kiến · 1 cụm") && !stdout.contains("không có từ"), "{stdout}");
    let clusters: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("ra/clusters.json")).unwrap()).unwrap();
    assert_eq!(clusters["clusters"][0]["size"], 30);
    assert_eq!(clusters["duplicates"][0]["count"], 30);
}

/// The files of an output folder, each with a hash of its bytes (report.xlsx by name
/// only: it records the time it was written).
fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, u64> {
    use std::hash::{Hash, Hasher};
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    if name != "report.xlsx" {
                        std::fs::read(e.path()).unwrap_or_default().hash(&mut h);
                    }
                    (name, h.finish())
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_run_killed_at_any_moment_leaves_the_old_outputs_or_the_new_never_a_mix() {
    let d = tempfile::tempdir().unwrap();
    let gen = |n: &str, seed: &str, out: &str| {
        let (ok, _, e) = ykien(&["gen", "--n", n, "--seed", seed, "--out", out], d.path());
        assert!(ok, "{e}");
    };
    gen("3000", "1", "old.csv");
    gen("3000", "2", "new.csv");
    let (ok, _, e) = ykien(&["analyze", "old.csv", "--out", "ra", "--k", "5"], d.path());
    assert!(ok, "{e}");
    let old = snapshot(&d.path().join("ra"));
    assert!(old.contains_key("submissions.jsonl") && old.contains_key("report.xlsx"));
    // How long a whole run takes here, then kills spread over it.
    let t0 = std::time::Instant::now();
    let (ok, _, e) = ykien(&["analyze", "new.csv", "--out", "full", "--k", "5"], d.path());
    assert!(ok, "{e}");
    let whole = t0.elapsed();
    let new = snapshot(&d.path().join("full"));
    let mut seen_old = 0;
    for i in 1..=8u32 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ykien"))
            .env("LC_ALL", "vi_VN.UTF-8")
            .args(["analyze", "new.csv", "--out", "ra", "--k", "5"])
            .current_dir(d.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole * i / 8);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let now = snapshot(&d.path().join("ra"));
        assert!(now == old || now == new, "after a kill at {i}/8 of a run the folder is a mix: {:?}", now.keys());
        seen_old += (now == old) as usize;
        if now == new {
            break;
        }
    }
    assert!(seen_old > 0, "no kill landed before the end of the run; the test says nothing");
    // The next run cleans what killed runs left beside the folder.
    let (ok, _, e) = ykien(&["analyze", "new.csv", "--out", "ra", "--k", "5"], d.path());
    assert!(ok, "{e}");
    assert_eq!(snapshot(&d.path().join("ra")), new);
    let left: Vec<String> = std::fs::read_dir(d.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".ykien-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn an_output_folder_holding_other_files_is_not_replaced() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("y.csv"), SAMPLE).unwrap();
    std::fs::create_dir(d.path().join("tai-lieu")).unwrap();
    std::fs::write(d.path().join("tai-lieu/ke-hoach.docx"), b"not ours").unwrap();
    let (ok, _, e) = ykien(&["analyze", "y.csv", "--out", "tai-lieu", "--k", "3"], d.path());
    assert!(!ok && e.contains("ke-hoach.docx") && e.contains("ykien không ghi"), "{e}");
    assert_eq!(std::fs::read(d.path().join("tai-lieu/ke-hoach.docx")).unwrap(), b"not ours");
}

#[test]
fn a_run_whose_every_record_is_rejected_writes_the_rejects_and_names_them() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("bad.csv"), "id,text\n1,\n2,C\u{0}n vi\u{0}c\n3,\"\"\n").unwrap();
    let (ok, _, e) = ykien(&["analyze", "bad.csv", "--out", "ra", "--skip-bad"], d.path());
    assert!(!ok);
    assert!(e.contains("bad.csv") && e.contains("3 bản ghi không đọc được") && e.contains("rejects.jsonl"), "{e}");
    let rejects = std::fs::read_to_string(d.path().join("ra/rejects.jsonl")).unwrap();
    assert_eq!(rejects.lines().count(), 3);
    assert!(rejects.contains("dòng 2") && rejects.contains("dòng 3") && rejects.contains("dòng 4"), "{rejects}");
}

#[test]
fn report_cells_past_excels_limit_are_cut_with_a_marker_and_counted() {
    let d = tempfile::tempdir().unwrap();
    // One request sent 5,000 times: its near-duplicate group lists 5,000 ids in one cell.
    let mut csv = String::from("id,text,locality\n");
    for i in 0..5000 {
        csv.push_str(&format!(
            "ma-so-y-kien-rat-dai-{i:05},Đề nghị tỉnh hỗ trợ vay vốn khởi nghiệp cho thanh niên,Bình Gia\n"
        ));
    }
    csv.push_str(&SAMPLE[SAMPLE.find('\n').unwrap() + 1..]);
    std::fs::write(d.path().join("y.csv"), csv).unwrap();
    let (ok, stdout, e) = ykien(&["analyze", "y.csv", "--out", "ra", "--k", "3"], d.path());
    assert!(ok, "{e}");
    assert!(stdout.contains("report.xlsx") && stdout.contains("cắt bớt"), "{stdout}");
    let out = d.path().join("ra");
    for f in ["submissions.jsonl", "submissions.csv", "clusters.json", "report.html", "report.xlsx"] {
        assert!(out.join(f).exists(), "{f}");
    }
    // The whole list is in clusters.json; the sheet holds the cut one with its marker.
    let clusters = std::fs::read_to_string(out.join("clusters.json")).unwrap();
    assert!(clusters.contains("ma-so-y-kien-rat-dai-04999"));
}

#[test]
fn accounts_are_added_listed_reset_disabled_and_removed_with_an_audit() {
    let d = tempfile::tempdir().unwrap();
    let run = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut c = Command::new(env!("CARGO_BIN_EXE_ykien"))
            .env("LC_ALL", "vi_VN.UTF-8")
            .args(args)
            .args(["--data-dir", "data"])
            .current_dir(d.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let o = c.wait_with_output().unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (ok, _, e) = run(&["user", "add", "lan", "--role", "admin"], "12345678\n");
    assert!(!ok && e.contains("ít nhất 10 ký tự"), "{e}");
    let (ok, _, e) = run(&["user", "add", "lan", "--role", "admin"], "1234567890\n");
    assert!(!ok && e.contains("phổ biến nhất"), "{e}");
    let (ok, _, e) = run(&["user", "add", "lan", "--role", "admin"], "ruộng bậc thang Bắc Sơn\n");
    assert!(ok, "{e}");
    let (ok, _, e) = run(&["user", "passwd", "lan"], "đồi chè Tân Tiến 2025\n");
    assert!(ok, "{e}");
    let (ok, _, e) = run(&["user", "disable", "lan"], "");
    assert!(ok, "{e}");
    let (_, list, _) = run(&["user", "list"], "");
    assert!(list.contains("lan") && list.contains("admin") && list.contains("đã khoá"), "{list}");
    let (ok, _, _) = run(&["user", "remove", "lan"], "");
    assert!(ok);
    let (ok, _, e) = run(&["user", "enable", "lan"], "");
    assert!(!ok && e.contains("không có tài khoản tên 'lan'"), "{e}");
    let db = ykien::review::Db::open(&d.path().join("data/review.db")).unwrap();
    let actions: Vec<String> = db.account_audit().unwrap().into_iter().map(|(_, a, _, _)| a).collect();
    assert_eq!(actions, ["added (admin)", "password reset", "disabled", "removed"]);
}

#[test]
fn every_input_column_is_carried_to_the_outputs_under_its_own_header() {
    let d = tempfile::tempdir().unwrap();
    let mut csv = String::from("Dấu thời gian,Họ và tên,Số điện thoại,Huyện/Thành phố,Ý kiến\n");
    for (i, line) in SAMPLE.lines().skip(1).enumerate() {
        let mut parts = line.splitn(3, ',');
        let (_, text, loc) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        csv.push_str(&format!("13/04/2024 0{i}:00,Người {i},091234567{i},{loc},{text}\n"));
    }
    std::fs::write(d.path().join("form.csv"), csv).unwrap();
    let (ok, _, e) = ykien(&["analyze", "form.csv", "--out", "ra", "--k", "3"], d.path());
    assert!(ok, "{e}");
    assert!(e.contains("văn bản ← cột 'Ý kiến'") && e.contains("địa phương ← cột 'Huyện/Thành phố'"), "{e}");
    let out = std::fs::read_to_string(d.path().join("ra/submissions.csv")).unwrap();
    let mut r = csv::Reader::from_reader(out.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert!(header.ends_with(&["Họ và tên".to_string(), "Số điện thoại".to_string()]), "{header:?}");
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    assert_eq!(&rows[3][col("Họ và tên")], "Người 3");
    assert_eq!(&rows[3][col("submitted_at")], "13/04/2024 03:00");
    assert_eq!(&rows[3][col("locality")], "Bắc Sơn");
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(d.path().join("ra/submissions.jsonl")).unwrap().lines().next().unwrap(),
    )
    .unwrap();
    assert_eq!(first["columns"]["Số điện thoại"], "0912345670");
    assert_eq!(first["submitted_at"], "13/04/2024 00:00");
}
