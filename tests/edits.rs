//! Analysts' edits of the clusters: made from the command line, kept in the data
//! directory, shown by the desk's database, and carried onto later runs by member overlap.

mod common;

use std::path::Path;

use ykien::pipeline::edits::{Assignment, ClusterEdit};

fn ykien(args: &[&str], cwd: &Path) -> (bool, String, String) {
    common::run_ykien(args, cwd)
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn edits_find_their_clusters_by_members_whatever_the_numbers() {
    // Two clusters, numbered the other way round in a later run, one member gone, one new.
    let mut a = Assignment::default();
    for (id, c) in [("a", 1), ("b", 1), ("c", 1), ("x", 0), ("y", 0), ("new", 0)] {
        a.cluster_of.insert(id.into(), c);
    }
    a.labels = vec!["cũ 0".into(), "cũ 1".into()];
    a.apply(&ClusterEdit::Rename { members: ids(&["a", "b", "c", "d"]), label: "Vay vốn".into() }).unwrap();
    assert_eq!(a.labels[1], "Vay vốn");
    a.apply(&ClusterEdit::Move { id: "new".into(), to: ids(&["a", "b"]) }).unwrap();
    assert_eq!(a.cluster_of["new"], 1);
    a.apply(&ClusterEdit::Split { members: ids(&["a", "b", "c"]), parts: vec![("Học bổng".into(), ids(&["c"]))] })
        .unwrap();
    assert_eq!((a.cluster_of["c"], a.labels[2].as_str()), (2, "Học bổng"));
    a.apply(&ClusterEdit::Merge { into: ids(&["x", "y"]), from: vec![ids(&["c"])] }).unwrap();
    assert_eq!(a.cluster_of["c"], 0);
    // A cluster no one of whose members is left: said, not guessed.
    let e = a.apply(&ClusterEdit::Rename { members: ids(&["p", "q"]), label: "?".into() }).unwrap_err();
    assert!(e.contains("không còn"), "{e}");
    assert!(a.apply(&ClusterEdit::Move { id: "khong-co".into(), to: ids(&["x"]) }).is_err());
}

#[test]
fn rename_merge_split_move_from_the_command_line_carry_onto_a_grown_file() {
    let d = tempfile::tempdir().unwrap();
    let corpus = std::fs::read_to_string(common::models().bundled_corpus()).unwrap();
    let lines: Vec<&str> = corpus.lines().collect();
    // The first run: 500 submissions; the second: all 811 (the same and 311 more).
    std::fs::write(d.path().join("dot1.csv"), lines[..501].join("\n")).unwrap();
    std::fs::write(d.path().join("dot2.csv"), lines.join("\n")).unwrap();
    let (ok, _, e) = ykien(&["analyze", "dot1.csv", "--data-dir", "data", "--out", "o1"], d.path());
    assert!(ok, "{e}");
    let db = || ykien::review::Db::open(&d.path().join("data/review.db")).unwrap();
    let before = db().clusters().unwrap();
    assert!(before.len() >= 4, "{before:?}");
    let (big, second, third) = (before[0].0, before[1].0, before[2].0);
    let run = |args: &[&str]| {
        let mut all = vec!["cluster"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data-dir", "data"]);
        let (ok, out, err) = ykien(&all, d.path());
        assert!(ok, "{args:?}: {err}");
        out
    };
    run(&["merge", &second.to_string(), &third.to_string()]);
    let moved = db().cluster(big).unwrap()[0].id.clone();
    run(&["move", &moved, &second.to_string()]);
    run(&["split", &big.to_string()]);
    run(&["rename", &big.to_string(), "Hướng nghiệp cho học sinh"]);
    let after = db().clusters().unwrap();
    assert_eq!(after.len(), before.len(), "one merged away, one split off: {after:?}");
    assert_eq!(db().item(&moved).unwrap().unwrap().cluster, Some(second));
    assert_eq!(db().cluster_edits().unwrap().len(), 5, "merge, move, split, the split part's label, rename");
    let list = run(&["list"]);
    assert!(list.contains("gộp 2 cụm") && list.contains("tách cụm thành 2"), "{list}");

    // The grown file: the edits are carried onto its clusters, in the report and the desk.
    let (ok, _, err) = ykien(&["analyze", "dot2.csv", "--data-dir", "data", "--out", "o2"], d.path());
    assert!(ok, "{err}");
    assert!(err.contains("đã áp dụng 5 lần sửa cụm"), "{err}");
    let clusters: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("o2/clusters.json")).unwrap()).unwrap();
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(d.path().join("o2/submissions.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let row = rows.iter().find(|r| r["id"] == moved.as_str()).unwrap();
    let moved_to = row["cluster"].as_u64().unwrap() as usize;
    let moved_label = clusters["clusters"][moved_to]["label"].as_str().unwrap();
    assert!(moved_label != "Hướng nghiệp cho học sinh", "the moved submission left the renamed cluster");
    let in_db = db().item(&moved).unwrap().unwrap();
    assert_eq!(in_db.cluster_label, moved_label, "the desk shows what the report shows");
    // Every submission's cluster label on the desk is its cluster's in the report.
    let db = db();
    for r in rows.iter().step_by(7) {
        if let Some(c) = r["cluster"].as_u64() {
            let it = db.item(r["id"].as_str().unwrap()).unwrap().unwrap();
            assert_eq!(it.cluster_label, clusters["clusters"][c as usize]["label"].as_str().unwrap(), "{}", r["id"]);
        }
    }
    assert!(clusters["clusters"].as_array().unwrap().iter().any(|c| c["label"] == "Hướng nghiệp cho học sinh"));
}
