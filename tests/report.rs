//! The analyst's report: its numbers, escaping, self-containment, near-duplicates,
//! the XLSX export and the comparison with an earlier run.

mod common;
use common::*;
use indicatif::ProgressBar;
use ykien::input::{ReadOutcome, Submission};
use ykien::pipeline::{analyze, Report, Settings};
use ykien::report::{render_html, write_xlsx, Tables};

fn corpus() -> Vec<Submission> {
    ykien::input::read_file(&models_dir().join("../corpus/submissions.csv"), &Default::default()).unwrap().submissions
}

fn sub(id: &str, text: &str, locality: &str) -> Submission {
    Submission {
        id: id.into(),
        id_given: true,
        text: text.into(),
        locality: Some(locality.into()),
        submitted_at: None,
        group: None,
        extra: Default::default(),
    }
}

fn run(subs: &[Submission], k: usize) -> Report {
    analyze(models(), subs, &Settings { k: Some(k), ..Default::default() }, &ProgressBar::hidden()).unwrap()
}

#[test]
fn report_numbers_match_the_analysis() {
    let subs: Vec<Submission> = corpus().into_iter().take(400).collect();
    let report = run(&subs, 8);
    let read = ReadOutcome { submissions: subs.clone(), rejects: vec![], ..Default::default() };
    let t = Tables::new(models(), &read, &report, None).unwrap();
    let n = report.records.len();
    assert_eq!(t.totals.submissions, n);
    assert_eq!(
        t.totals.without_diacritics,
        report.records.iter().filter(|r| r.routed.typed_without_diacritics).count()
    );
    assert_eq!(t.topics.iter().map(|r| r.count).sum::<usize>(), n);
    for row in &t.topics {
        assert_eq!(row.count, report.records.iter().filter(|r| *r.routed.topic == *row.code).count(), "{}", row.code);
    }
    assert_eq!(t.locality_topic.iter().flatten().sum::<usize>(), n);
    assert_eq!(t.localities.len(), t.totals.localities);
    for d in &t.departments {
        let mine: Vec<_> = report.records.iter().filter(|r| *r.routed.suggestion.department == *d.code).collect();
        assert_eq!(d.count, mine.len());
        assert_eq!(d.low_confidence, mine.iter().filter(|r| r.routed.suggestion.confidence < 0.5).count());
    }
    let html = render_html(&t, &report, models());
    for row in &t.topics {
        assert!(html.contains(&format!("<td>{}</td><td class=\"n\">{}</td>", row.name, row.count)), "{}", row.name);
    }
    for c in &report.clusters {
        assert!(html.contains(&format!("{} ý kiến", c.size)));
    }
    // The threshold table: how many reach 90% and the wrong ones their confidences expect.
    let above: Vec<f32> = report.records.iter().map(|r| r.routed.suggestion.confidence).filter(|&c| c >= 0.9).collect();
    let wrong = above.iter().map(|c| 1.0 - c).sum::<f32>().round() as i64;
    let row = format!("<tr><td>90,0%</td><td class=\"n\">{}</td><td class=\"n\">{wrong}</td></tr>", above.len());
    assert!(html.contains(&row), "{row}");
}

#[test]
fn hostile_text_is_escaped_and_the_file_has_no_external_references() {
    let mut subs: Vec<Submission> = corpus().into_iter().take(60).collect();
    subs.push(sub("x1", "<script>alert('ykien')</script><img src=x onerror=alert(1)> vay vốn", "<b>Thôn Nà Pàn</b>"));
    subs.push(sub(
        "x2",
        "Xem http://evil.example/a.css và <link rel=stylesheet href=//evil.example/s.css> vay vốn ưu đãi",
        "Cao Lộc",
    ));
    let report = run(&subs, 4);
    let read = ReadOutcome { submissions: subs.clone(), rejects: vec![], ..Default::default() };
    let html = render_html(&Tables::new(models(), &read, &report, None).unwrap(), &report, models());
    assert!(
        html.contains("&lt;b&gt;Thôn Nà Pàn&lt;/b&gt;"),
        "a hostile locality no unit matches keeps its row, escaped"
    );
    // Every tag in the page is one of ours: no scripts, images, links, frames, or sources.
    let mut rest = html.as_str();
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').map(|e| i + e).unwrap();
        let tag = rest[i + 1..end].to_ascii_lowercase();
        let name: String =
            tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '!').collect();
        assert!(
            !["script", "img", "link", "iframe", "object", "embed", "base"].contains(&name.as_str()),
            "tag <{tag}>"
        );
        assert!(!tag.contains("src=") && !tag.contains("href=") && !tag.contains("onerror"), "tag <{tag}>");
        rest = &rest[end + 1..];
    }
    let style = &html[html.find("<style>").unwrap()..html.find("</style>").unwrap()];
    assert!(!style.contains("url(") && !style.contains("@import"));
}

/// Light edits a person makes when sending the same request again.
fn edits(text: &str, which: usize) -> String {
    match which {
        0 => ykien::text::fold_lower(text),
        1 => format!("Kính gửi lãnh đạo tỉnh, {} Em xin cảm ơn ạ!!", text.trim_end_matches('.')),
        _ => text.replace("không", "ko").replace("được", "dc").replace(',', "").to_uppercase(),
    }
}

#[test]
fn near_duplicates_found_with_light_edits_and_distinct_requests_kept_apart() {
    let originals: Vec<Submission> =
        corpus().into_iter().filter(|s| s.text.split_whitespace().count() >= 8).take(300).collect();
    let mut subs = originals.clone();
    let mut source: Vec<usize> = (0..originals.len()).collect();
    for (i, o) in originals.iter().enumerate().step_by(6) {
        for e in 0..3 {
            subs.push(sub(&format!("dup-{i}-{e}"), &edits(&o.text, e), "Tràng Định"));
            source.push(i);
        }
    }
    let report = run(&subs, 6);
    let pos = |id: &str| subs.iter().position(|s| s.id == id).unwrap();
    let (mut tp, mut fp) = (0usize, 0usize);
    for g in &report.duplicates {
        let idx: Vec<usize> = g.ids.iter().map(|id| pos(id)).collect();
        for a in 0..idx.len() {
            for b in a + 1..idx.len() {
                if source[idx[a]] == source[idx[b]] {
                    tp += 1
                } else {
                    fp += 1
                }
            }
        }
    }
    // Which kind of edit is missed: a copy counts as found when it shares a group with its original.
    for e in 0..3 {
        let copies: Vec<&Submission> =
            subs.iter().filter(|s| s.id.starts_with("dup-") && s.id.ends_with(&format!("-{e}"))).collect();
        let found = copies
            .iter()
            .filter(|c| {
                report
                    .duplicates
                    .iter()
                    .any(|g| g.ids.contains(&c.id) && g.ids.iter().any(|id| !id.starts_with("dup-")))
            })
            .count();
        println!("edit {e}: {found} of {} copies grouped with their original", copies.len());
    }
    let planted_pairs = originals.len().div_ceil(6) * 6; // 4 copies each: C(4,2) = 6 pairs
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / planted_pairs as f64;
    println!("near-duplicates: {} groups, pair precision {precision:.3}, pair recall {recall:.3} ({tp} of {planted_pairs} planted pairs, {fp} false)", report.duplicates.len());
    assert!(precision >= 0.95, "precision {precision}");
    assert!(recall >= 0.9, "recall {recall}");
}

#[test]
fn xlsx_has_every_table_and_comparison_reads_an_earlier_run() {
    use calamine::{open_workbook_auto, Data, Reader};
    let all = corpus();
    let (before, after): (Vec<_>, Vec<_>) = all.into_iter().partition(|s| s.field("split") == Some("train"));
    let d = tempfile::tempdir().unwrap();
    // Write the earlier run as the CLI does, then compare against it.
    let prev = d.path().join("2023");
    let bin = env!("CARGO_BIN_EXE_ykien");
    let csv = d.path().join("before.csv");
    let mut w = csv::Writer::from_path(&csv).unwrap();
    w.write_record(["id", "text", "locality"]).unwrap();
    for s in &before {
        w.write_record([s.id.as_str(), s.text.as_str(), s.locality.as_deref().unwrap_or("")]).unwrap();
    }
    w.flush().unwrap();
    let st = std::process::Command::new(bin)
        .args(["analyze", csv.to_str().unwrap(), "--out", prev.to_str().unwrap(), "--k", "6"])
        .output()
        .unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    assert!(prev.join("report.html").exists() && prev.join("report.xlsx").exists());

    let report = run(&after, 5);
    let read = ReadOutcome { submissions: after.clone(), rejects: vec![], ..Default::default() };
    let t = Tables::new(models(), &read, &report, Some(&prev)).unwrap();
    let c = t.comparison.as_ref().unwrap();
    assert_eq!(c.before_total, before.len());
    let prev_topics: Vec<serde_json::Value> = std::fs::read_to_string(prev.join("submissions.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for ch in &c.topics {
        assert_eq!(ch.before, prev_topics.iter().filter(|r| r["topic"] == ch.what.as_str()).count());
        assert_eq!(ch.now, report.records.iter().filter(|r| *r.routed.topic == *ch.what).count());
    }
    assert_eq!(c.kept.len() + c.appeared.len(), report.clusters.len());
    assert_eq!(c.kept.len() + c.disappeared.len(), 6);
    let html = render_html(&t, &report, models());
    assert!(html.contains("So sánh với lần tổng hợp trước"));

    let x = d.path().join("r.xlsx");
    write_xlsx(&t, &report, &read.submissions, &x).unwrap();
    let mut wb = open_workbook_auto(&x).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["Tổng quan", "Lĩnh vực", "Cụm", "Địa phương × lĩnh vực", "Cơ quan", "Trùng lặp", "So sánh", "Ý kiến"]
    );
    let topics = wb.worksheet_range("Lĩnh vực").unwrap();
    for (i, row) in t.topics.iter().enumerate() {
        assert_eq!(topics.get((i + 1, 2)), Some(&Data::Float(row.count as f64)));
    }
}

#[test]
fn the_workbook_lists_every_submission_with_its_columns_under_a_title_and_period() {
    let m = models();
    let read = ykien::input::read_file(&m.bundled_corpus(), &Default::default()).unwrap();
    let report = ykien::pipeline::analyze(
        m,
        &read.submissions,
        &ykien::pipeline::Settings { k: Some(7), ..Default::default() },
        &indicatif::ProgressBar::hidden(),
    )
    .unwrap();
    let mut t = Tables::new(m, &read, &report, None).unwrap();
    t.title = "Hội nghị đối thoại 2024".into();
    let (a, b) = t.period.clone().expect("the corpus has dates");
    assert!(ykien::report::parse_date(&a).is_some() && a.len() == 10 && b.len() == 10, "{a} {b}");
    let html = render_html(&t, &report, m);
    assert!(html.contains("<h1>Hội nghị đối thoại 2024</h1>") && html.contains(&format!("từ {a} đến {b}")));
    // Topic bars largest first; the heat map's columns named, not coded.
    let first_bar = t.topics.iter().max_by_key(|r| r.count).unwrap();
    let at = |s: &str| html.find(s).unwrap();
    assert!(at(&format!(">{}<", first_bar.name)) < at("id=\"cum\""));
    assert!(!html.contains(">hoc-tap</th>"));
    let d = tempfile::tempdir().unwrap();
    let x = d.path().join("r.xlsx");
    write_xlsx(&t, &report, &read.submissions, &x).unwrap();
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(&x).unwrap();
    let sheet = wb.worksheet_range("Ý kiến").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows.len(), read.submissions.len() + 1);
    assert_eq!(rows[0][..2], ["Mã".to_string(), "Ý kiến".to_string()]);
    assert!(rows[0].contains(&"split".to_string()), "every input column: {:?}", rows[0]);
    assert_eq!(rows[5][1], read.submissions[4].text);
}

#[test]
fn texts_typed_without_diacritics_are_read_restored_and_shown_beside_the_original() {
    let subs: Vec<Submission> = corpus().into_iter().take(400).collect();
    let report = run(&subs, 8);
    let mut restored = 0;
    for (s, r) in subs.iter().zip(&report.records) {
        if let Some(x) = &r.routed.restored {
            restored += 1;
            assert!(r.routed.typed_without_diacritics, "{}", s.id);
            assert_ne!(x.as_ref(), s.text.as_str());
            assert_eq!(ykien::text::fold_lower(x), ykien::text::fold_lower(&s.text), "only marks added: {x}");
        } else if !ykien::text::normalize::has_diacritics(&s.text) && s.text.split_whitespace().count() > 3 {
            panic!("{} typed without diacritics and not restored: {}", s.id, s.text);
        }
    }
    assert!(restored >= 20, "{restored} texts restored of the bundled corpus's 400 first");
    let read = ReadOutcome { submissions: subs.clone(), rejects: vec![], ..Default::default() };
    let t = Tables::new(models(), &read, &report, None).unwrap();
    let html = render_html(&t, &report, models());
    let shown: Vec<_> = report.clusters.iter().flat_map(|c| c.representatives.iter().take(5)).collect();
    for r in shown.iter().filter(|r| r.restored.is_some()) {
        assert!(r.typed_without_diacritics);
    }
    if shown.iter().any(|r| r.restored.is_some()) {
        assert!(html.contains("Thêm dấu tự động:"));
    }
    // JSON of a record carries the restored text beside the original.
    let i = report.records.iter().position(|r| r.routed.restored.is_some()).unwrap();
    let json = serde_json::to_value(&report.records[i]).unwrap();
    assert!(json.to_string().contains("\"restored\""), "{json}");
}
