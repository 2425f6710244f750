//! The synthetic corpus generator: reproducible, readable in every format, growing vocabulary.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use ykien::input::{read_file, ReadOptions};

fn gen(dir: &Path, name: &str, n: usize, seed: u64) -> PathBuf {
    let out = dir.join(name);
    let st = Command::new(env!("CARGO_BIN_EXE_ykien"))
        .env("LC_ALL", "vi_VN.UTF-8")
        .args(["gen", "--n", &n.to_string(), "--seed", &seed.to_string(), "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    out
}

#[test]
fn same_seed_same_corpus_other_seed_other_corpus() {
    let d = tempfile::tempdir().unwrap();
    let a = std::fs::read(gen(d.path(), "a.csv", 3000, 7)).unwrap();
    let b = std::fs::read(gen(d.path(), "b.csv", 3000, 7)).unwrap();
    let c = std::fs::read(gen(d.path(), "c.csv", 3000, 8)).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    // The same records at one thread and at two.
    let one = Command::new(env!("CARGO_BIN_EXE_ykien"))
        .env("LC_ALL", "vi_VN.UTF-8")
        .args(["--threads", "1", "gen", "--n", "3000", "--seed", "7", "--out"])
        .arg(d.path().join("t1.csv"))
        .output()
        .unwrap();
    assert!(one.status.success());
    assert_eq!(std::fs::read(d.path().join("t1.csv")).unwrap(), a);
}

#[test]
fn every_format_reads_back_whole_with_gold_labels() {
    let d = tempfile::tempdir().unwrap();
    for name in ["g.csv", "g.jsonl", "g.txt", "g.xlsx", "g.parquet"] {
        let out = read_file(&gen(d.path(), name, 500, 1), &ReadOptions::default()).unwrap();
        assert_eq!(out.submissions.len(), 500, "{name}");
        assert!(out.rejects.is_empty());
        if name != "g.txt" {
            assert!(out.submissions.iter().all(|s| s.field("topic").is_some_and(|t| !t.is_empty())), "{name}");
            assert_eq!(out.submissions[499].id, "G00000500");
        }
    }
}

#[test]
fn vocabulary_keeps_growing_and_a_fifth_lacks_diacritics() {
    let d = tempfile::tempdir().unwrap();
    let subs = read_file(&gen(d.path(), "v.csv", 20_000, 2), &ReadOptions::default()).unwrap().submissions;
    let vocab = |n: usize| {
        subs[..n].iter().flat_map(|s| s.text.split_whitespace().map(str::to_lowercase)).collect::<HashSet<_>>().len()
    };
    let (v2k, v20k) = (vocab(2_000), vocab(20_000));
    println!("distinct tokens: {v2k} in 2,000 submissions, {v20k} in 20,000");
    assert!(v20k as f64 > 1.5 * v2k as f64, "{v2k} -> {v20k}");
    let plain = subs.iter().filter(|s| !s.text.chars().any(ykien::text::normalize::has_diacritic)).count() as f64
        / subs.len() as f64;
    assert!((0.2..0.5).contains(&plain), "share without diacritics {plain}");
    let texts: HashSet<&str> = subs.iter().map(|s| s.text.as_str()).collect();
    assert!(texts.len() as f64 > 0.8 * subs.len() as f64, "most generated submissions differ");
}
