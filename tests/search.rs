//! The search index: diacritic-insensitive matching, phrases, filters and facets,
//! idempotent indexing, and searching beside a writer.

mod common;

use std::path::Path;

use ykien::data_dir::DataDir;
use ykien::input::{read_file, ReadOptions, ReadOutcome};
use ykien::search::{index_submissions, Indexer, SearchIndex, SearchRequest};

fn read(path: &Path) -> ReadOutcome {
    read_file(path, &ReadOptions::default()).expect("reads")
}

fn index_into(data: &DataDir, read: &ReadOutcome) -> ykien::search::IndexStats {
    let m = common::models();
    let mut ix = Indexer::open(data, &m.analyzer, "lang-son-2024", 2, 1000).expect("opens for writing");
    index_submissions(m, &mut ix, read, &indicatif::ProgressBar::hidden()).expect("indexes");
    ix.finish().expect("commits")
}

fn open(data: &DataDir) -> SearchIndex {
    SearchIndex::open(data, &common::models().analyzer).expect("opens for search")
}

fn ids(idx: &SearchIndex, q: &str) -> Vec<String> {
    let r = idx.search(&SearchRequest { query: q, limit: 100, typing: true, ..Default::default() }).expect("searches");
    r.hits.into_iter().map(|h| h.id).collect()
}

/// A small index of hand-written submissions in a temporary data directory.
fn small(rows: &[(&str, &str, &str)]) -> (tempfile::TempDir, DataDir) {
    let d = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,text,locality\n");
    for (id, text, loc) in rows {
        csv.push_str(&format!("{id},\"{text}\",{loc}\n"));
    }
    let f = d.path().join("in.csv");
    std::fs::write(&f, csv).unwrap();
    let data = DataDir::resolve(Some(&d.path().join("data")));
    index_into(&data, &read(&f));
    (d, data)
}

#[test]
fn queries_with_and_without_diacritics_find_each_others_documents() {
    let (_d, data) = small(&[
        ("a", "Em muốn học nghề điện dân dụng để có việc làm ở quê", "Bình Gia"),
        ("b", "em muon hoc nghe dien dan dung de co viec lam o que", "Lộc Bình"),
        ("c", "Đề nghị mở lớp đào tạo nghề may cho thanh niên", "Cao Lộc"),
        ("d", "Trường em thiếu giáo viên dạy tiếng Anh", "Bắc Sơn"),
    ]);
    let idx = open(&data);
    // With diacritics: both, the one written with them first.
    assert_eq!(ids(&idx, "việc làm"), ["a", "b"]);
    // Without: both; "đào tạo" folds đ to d, which SQLite's remove_diacritics does not.
    let mut found = ids(&idx, "viec lam");
    found.sort();
    assert_eq!(found, ["a", "b"]);
    assert_eq!(ids(&idx, "dao tao nghe"), ["c"]);
    assert_eq!(ids(&idx, "ĐÀO TẠO"), ["c"]);
    // NFD input (combining marks) is the same text.
    let nfd: String = unicode_normalization::UnicodeNormalization::nfd("giáo viên").collect();
    assert_eq!(ids(&idx, &nfd), ["d"]);
    // Old-style tone placement finds the new.
    let (_d2, data2) = small(&[("x", "Mong tỉnh hỗ trợ thanh niên khởi nghiệp theo mô hình hòa nhập", "Văn Quan")]);
    assert_eq!(ids(&open(&data2), "hoà nhập"), ["x"]);
}

#[test]
fn phrases_respect_word_and_punctuation_boundaries() {
    let (_d, data) = small(&[
        ("near", "Em muốn vay vốn ưu đãi để mở cửa hàng", "Bình Gia"),
        ("far", "Em vay tiền mua xe nhưng không có vốn để kinh doanh", "Lộc Bình"),
        ("comma", "Ngân hàng cho vay, vốn thì ít", "Cao Lộc"),
    ]);
    let idx = open(&data);
    assert_eq!(ids(&idx, "\"vay vốn\""), ["near"]);
    assert_eq!(ids(&idx, "\"vay von\""), ["near"]);
    // Unquoted, "vay vốn" is one word (the segmenter's): it is not two syllables far apart.
    assert_eq!(ids(&idx, "vay vốn "), ["near"]);
    // Two words asked for separately match anywhere.
    let mut loose = ids(&idx, "vay AND vốn");
    loose.sort();
    assert_eq!(loose, ["comma", "far", "near"]);
    // Operators.
    assert_eq!(ids(&idx, "vay NOT xe -ngân"), ["near"]);
    let mut or = ids(&idx, "\"cửa hàng\" OR kinh doanh");
    or.sort();
    assert_eq!(or, ["far", "near"]);
    // A last word typed halfway is a prefix; a complete one is not.
    assert_eq!(ids(&idx, "cửa h"), ["near"]);
    assert_eq!(ids(&idx, "kinh d"), ["far"]);
    assert!(ids(&idx, "kinh doanhx ").is_empty());
}

#[test]
fn filters_and_facet_counts_agree_with_the_hits() {
    let d = tempfile::tempdir().unwrap();
    let data = DataDir::resolve(Some(&d.path().join("data")));
    let corpus = read(&common::models().bundled_corpus());
    index_into(&data, &corpus);
    let mut idx = open(&data);
    idx.set_names("topic", ykien::topics::topic_names(&common::models_dir().join("topics.toml")).unwrap());
    let all =
        idx.search(&SearchRequest { query: "thanh niên", limit: 10_000, facets: true, ..Default::default() }).unwrap();
    assert!(all.total > 50, "{}", all.total);
    assert_eq!(all.hits.len(), all.total);
    // Facet counts are the counts of the hits, per value.
    for (facet, field) in [(&all.facets.topic, 0), (&all.facets.department, 1), (&all.facets.locality, 2)] {
        let sum: u64 = facet.iter().map(|c| c.count).sum();
        assert_eq!(sum as usize, all.total);
        for c in facet {
            let n = all.hits.iter().filter(|h| [&h.topic, &h.department, &h.locality][field] == &c.value).count();
            assert_eq!(n as u64, c.count, "{}", c.value);
        }
    }
    // A filter keeps exactly its facet's hits; names and folded spellings resolve.
    let jobs = all.facets.topic.iter().find(|c| c.value == "viec-lam").expect("jobs topic present");
    let f = idx
        .search(&SearchRequest {
            query: "thanh niên",
            topic: Some("viec lam, thi truong lao dong"),
            limit: 10_000,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(f.total as u64, jobs.count);
    assert!(f.hits.iter().all(|h| h.topic == "viec-lam"));
    let loc = &all.facets.locality[0];
    let f = idx
        .search(&SearchRequest {
            query: "thanh niên",
            locality: Some(&loc.value.to_lowercase()),
            limit: 10_000,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(f.total as u64, loc.count);
    // An empty query with a filter lists the whole facet.
    let only = idx
        .search(&SearchRequest { query: "", department: Some("nhcsxh"), limit: 5, facets: true, ..Default::default() })
        .unwrap();
    assert!(only.total > 0 && only.facets.department.len() == 1);
    // An unknown value is an error that lists what exists.
    let err = idx
        .search(&SearchRequest { query: "x", topic: Some("thể thao điện tử"), limit: 5, ..Default::default() })
        .unwrap_err()
        .to_string();
    assert!(err.contains("không có lĩnh vực") && err.contains("viec-lam"), "{err}");
}

#[test]
fn indexing_again_adds_nothing_and_edits_replace() {
    let d = tempfile::tempdir().unwrap();
    let data = DataDir::resolve(Some(&d.path().join("data")));
    // A text file has no ids: identity is the normalised text and its copy number.
    let f = d.path().join("y.txt");
    std::fs::write(&f, "Em muốn vay vốn nuôi bò\nEm muốn vay vốn nuôi bò\nMong có thêm lớp học nghề\n").unwrap();
    let first = index_into(&data, &read(&f));
    assert_eq!((first.added, first.unchanged), (3, 0), "both copies kept");
    let again = index_into(&data, &read(&f));
    assert_eq!((again.added, again.updated, again.unchanged), (0, 0, 3));
    assert_eq!(open(&data).num_docs(), 3);
    // Same words re-typed with other spacing and case: still the same submission.
    std::fs::write(&f, "em muốn  vay vốn nuôi bò\nEm muốn vay vốn nuôi bò\nMong có thêm lớp học nghề\n").unwrap();
    let respaced = index_into(&data, &read(&f));
    assert_eq!((respaced.added, respaced.updated), (0, 1), "text changed: replaced, not added");
    assert_eq!(open(&data).num_docs(), 3);
    // With ids, an edited text replaces the old one.
    let c = d.path().join("y.csv");
    std::fs::write(&c, "id,text\nk1,Xin hỗ trợ vay vốn khởi nghiệp\n").unwrap();
    index_into(&data, &read(&c));
    std::fs::write(&c, "id,text\nk1,Xin hỗ trợ vay vốn khởi nghiệp nông nghiệp sạch\n").unwrap();
    let edit = index_into(&data, &read(&c));
    assert_eq!((edit.added, edit.updated), (0, 1));
    let idx = open(&data);
    assert_eq!(idx.num_docs(), 4);
    assert_eq!(ids(&idx, "nông nghiệp sạch"), ["k1"]);
}

#[test]
fn search_runs_beside_a_writer_and_a_second_writer_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let data = DataDir::resolve(Some(&d.path().join("data")));
    let f = d.path().join("a.csv");
    std::fs::write(&f, "id,text\na1,Mong tỉnh mở thêm lớp dạy nghề hàn cho thanh niên\n").unwrap();
    index_into(&data, &read(&f));
    let m = common::models();
    let mut writer = Indexer::open(&data, &m.analyzer, "lang-son-2024", 1, 1000).unwrap();
    // A second writer gets a clear error, not a corrupt index.
    let err =
        Indexer::open(&data, &m.analyzer, "lang-son-2024", 1, 1000).err().expect("second writer refused").to_string();
    assert!(err.contains("một tiến trình ykien khác đang ghi"), "{err}");
    // A reader opened now sees what was committed, while the writer works.
    let idx = open(&data);
    let g = d.path().join("b.csv");
    std::fs::write(&g, "id,text\nb1,Đề nghị hỗ trợ thanh niên đi xuất khẩu lao động Nhật Bản\n").unwrap();
    index_submissions(m, &mut writer, &read(&g), &indicatif::ProgressBar::hidden()).unwrap();
    assert_eq!(ids(&idx, "thanh niên"), ["a1"], "uncommitted work is not visible");
    writer.commit().unwrap();
    idx.reload().unwrap();
    let mut both = ids(&idx, "thanh nien");
    both.sort();
    assert_eq!(both, ["a1", "b1"]);
    drop(writer);
    // The lock is released with the writer.
    assert!(Indexer::open(&data, &m.analyzer, "lang-son-2024", 1, 1000).is_ok());
}

#[test]
fn snippets_mark_the_matched_words_in_the_original() {
    let a = &common::models().analyzer;
    let text = "Em ở xã Tân Văn, muốn VAY VỐN ưu đãi để nuôi bò; nhưng vay vốn khó.";
    let s = ykien::search::snippet(a, text, &[(vec!["vay".into(), "von".into()], false)]);
    let marked: Vec<&str> = s.highlights.iter().map(|&(x, y)| &s.text[x..y]).collect();
    assert_eq!(marked, ["VAY VỐN", "vay vốn"]);
    // A long text is cut to a window around the first match.
    let long = format!(
        "{} Em xin đề xuất mở lớp học nghề điện cho thanh niên. {}",
        "Mở đầu dài. ".repeat(40),
        "Phần cuối. ".repeat(40)
    );
    let s = ykien::search::snippet(a, &long, &[(vec!["hoc".into(), "nghe".into()], false)]);
    assert!(s.text.starts_with('…') && s.text.ends_with('…') && s.text.chars().count() < 240, "{}", s.text);
    assert_eq!(s.highlights.iter().map(|&(x, y)| &s.text[x..y]).collect::<Vec<_>>(), ["học nghề"]);
}

#[test]
fn tantivy_ascii_folding_agrees_with_ours_only_on_nfc() {
    use tantivy::tokenizer::{AsciiFoldingFilter, SimpleTokenizer, TextAnalyzer};
    let mut t = TextAnalyzer::builder(SimpleTokenizer::default()).filter(AsciiFoldingFilter).build();
    let fold = |t: &mut TextAnalyzer, s: &str| {
        let mut out = Vec::new();
        t.token_stream(s).process(&mut |tok| out.push(tok.text.clone()));
        out
    };
    let nfc = "ư ơ đ ạ ế ỹ Đường Nguyễn";
    assert_eq!(fold(&mut t, nfc), ["u", "o", "d", "a", "e", "y", "Duong", "Nguyen"]);
    assert_eq!(ykien::text::fold_lower(nfc), "u o d a e y duong nguyen");
    // On NFD text a stock tokenizer splits words at the combining marks: normalise first.
    let nfd: String = unicode_normalization::UnicodeNormalization::nfd("Nguyễn").collect();
    assert_ne!(fold(&mut t, &nfd), ["Nguyen"]);
}

fn ykien(args: &[&str], cwd: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_ykien"))
        .env("LC_ALL", "vi_VN.UTF-8")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("runs")
}

#[test]
fn a_killed_indexer_loses_only_its_open_batch_and_a_rerun_completes() {
    let d = tempfile::tempdir().unwrap();
    let out = ykien(&["gen", "--n", "20000", "--seed", "3", "--out", "big.csv"], d.path());
    assert!(out.status.success());
    let data = DataDir::resolve(Some(&d.path().join("data")));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ykien"))
        .env("LC_ALL", "vi_VN.UTF-8")
        .args(["index", "big.csv", "--data-dir", "data", "--commit-every", "500", "--threads", "1"])
        .current_dir(d.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once something is committed (SIGKILL: no chance to clean up).
    let t0 = std::time::Instant::now();
    let mut seen = 0;
    while t0.elapsed() < std::time::Duration::from_secs(120) {
        if data.has_index() {
            if let Ok(idx) = SearchIndex::open(&data, &common::models().analyzer) {
                seen = idx.num_docs();
                if seen >= 1000 {
                    break;
                }
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    let finished_first = child.wait().unwrap().success();
    assert!(seen >= 1000, "nothing committed in time");
    // The index opens and searches; it holds whole batches only.
    let idx = open(&data);
    let kept = idx.num_docs();
    assert!(kept >= seen && kept.is_multiple_of(500) || finished_first, "kept {kept}");
    assert!(idx.search(&SearchRequest { query: "thanh niên", limit: 3, ..Default::default() }).unwrap().total > 0);
    // Running again adds the rest and nothing twice; the lock of the dead process is gone.
    let out = ykien(&["index", "big.csv", "--data-dir", "data"], d.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("{} không đổi", kept)), "{stdout}");
    assert_eq!(open(&data).num_docs(), 20_000);
}

#[test]
fn the_command_line_searches_in_text_and_jsonl_and_analyze_stores_clusters() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("data");
    let data = data.to_str().unwrap();
    let out = ykien(&["index", "--data-dir", data], d.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = ykien(&["search", "--data-dir", data, "cu", "tuyen", "--format", "jsonl", "--limit", "3"], d.path());
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert!(summary["total"].as_u64().unwrap() >= 3);
    let hit = &lines[0];
    assert_eq!(hit["type"], "hit");
    let snip = hit["snippet"]["text"].as_str().unwrap();
    let (s, e) = (
        hit["snippet"]["highlights"][0][0].as_u64().unwrap() as usize,
        hit["snippet"]["highlights"][0][1].as_u64().unwrap() as usize,
    );
    assert_eq!(ykien::text::fold_lower(&snip[s..e]), "cu tuyen");
    assert_eq!(hit["cluster"], "", "no analysis yet");
    // Text output marks the match (brackets when not a terminal) and ends with facets.
    let out = ykien(&["search", "--data-dir", data, "vay vốn", "--limit", "2"], d.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[vay vốn]") || text.contains("[Vay vốn]"), "{text}");
    assert!(text.contains("Lĩnh vực:") && text.contains("Địa phương:"), "{text}");
    // An analysis stores its clusters with the indexed submissions.
    let out = ykien(&["analyze", "--data-dir", data, "--out", "o", "--k", "7"], d.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("811 cập nhật"));
    let out = ykien(&["search", "--data-dir", data, "cu", "tuyen", "--format", "jsonl", "--limit", "1"], d.path());
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_ne!(first["cluster"], "");
    assert_eq!(open(&DataDir::resolve(Some(Path::new(data)))).num_docs(), 811);
    // No index: a clear error naming the folder.
    let out = ykien(&["search", "--data-dir", "nowhere", "x"], d.path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("chưa có chỉ mục tìm kiếm"));
}

#[test]
fn similar_submissions_are_found_by_content_across_clusters_near_duplicates_first() {
    let (_d, data) = small(&[
        ("a", "Đề nghị tỉnh tăng học bổng cho sinh viên dân tộc thiểu số học giỏi", "Bắc Sơn"),
        ("b", "de nghi tinh tang hoc bong cho sinh vien dan toc thieu so hoc gioi", "Văn Quan"),
        ("c", "Mong có thêm học bổng cho học sinh nghèo vượt khó", "Lộc Bình"),
        ("d", "Em muốn vay vốn ngân hàng chính sách để nuôi bò", "Chi Lăng"),
        ("e", "Sinh viên dân tộc thiểu số cần chỗ ở ký túc xá giá rẻ", "Cao Lộc"),
    ]);
    let idx = open(&data);
    let text = "Đề nghị tỉnh tăng học bổng cho sinh viên dân tộc thiểu số học giỏi";
    let found = idx.similar(text, "a", 6, 0.1).unwrap();
    let ids: Vec<&str> = found.iter().map(|s| s.id.as_str()).collect();
    // The same request typed without diacritics first, as a near-duplicate; then those
    // sharing some words; never itself, never the loan request that shares none.
    assert_eq!(ids.first(), Some(&"b"), "{found:?}");
    assert!(found[0].near_duplicate(), "{found:?}");
    assert!(ids.contains(&"c") && ids.contains(&"e") && !ids.contains(&"a") && !ids.contains(&"d"), "{ids:?}");
    assert!(found.windows(2).all(|w| w[0].similarity >= w[1].similarity));
    assert!(found[1..].iter().all(|s| !s.near_duplicate() && s.similarity > 0.1), "{found:?}");
    // A text of nothing but stop words asks nothing.
    assert!(idx.similar("em xin cảm ơn ạ", "x", 6, 0.1).unwrap().is_empty());
}
