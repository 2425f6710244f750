//! The message catalogue: complete in both languages, every message the code names
//! present, and the command line speaking Vietnamese by default and English when asked.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use ykien::i18n::{parse_keys, placeholders, render, Lang, CATALOGUE};

/// Every `t!("key"` in the sources, with the file it is in.
fn keys_used() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                // The catalogue's own module only shows the macro in its docs.
                if !p.ends_with("i18n") {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for (i, _) in text.match_indices("t!(") {
                    // `t!(`, not the end of `format!(` or `print!(`.
                    if text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    let rest = text[i + 3..].trim_start();
                    if let Some(r) = rest.strip_prefix('"') {
                        let key = &r[..r.find('"').unwrap()];
                        out.push((key.to_string(), p.display().to_string()));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_message_has_both_languages_with_the_same_values() {
    let cat = parse_keys(CATALOGUE).expect("the catalogue parses");
    assert!(cat.len() > 100, "{} messages", cat.len());
    for (key, vi, en) in &cat {
        assert!(!vi.trim().is_empty() && !en.trim().is_empty(), "{key}");
        let (a, b): (BTreeSet<_>, BTreeSet<_>) =
            (placeholders(vi).into_iter().collect(), placeholders(en).into_iter().collect());
        assert_eq!(a, b, "{key}: the languages fill different values");
    }
    // Vietnamese text is NFC, as everything ykien shows.
    use unicode_normalization::UnicodeNormalization;
    for (key, vi, _) in &cat {
        assert_eq!(vi.nfc().collect::<String>(), *vi, "{key} is not NFC");
    }
}

#[test]
fn every_message_the_code_names_is_in_the_catalogue_and_every_one_is_used() {
    let cat: BTreeSet<String> = parse_keys(CATALOGUE).unwrap().into_iter().map(|(k, _, _)| k).collect();
    let used = keys_used();
    assert!(used.len() > 100, "{} uses found", used.len());
    for (key, file) in &used {
        assert!(cat.contains(key), "{file} names '{key}', which the catalogue lacks");
    }
    // Keys built at run time: a column's role, a search facet, a stage.
    let dynamic = ["role.", "facet.", "stage."];
    let used: BTreeSet<&str> = used.iter().map(|(k, _)| k.as_str()).collect();
    for key in &cat {
        assert!(
            used.contains(key.as_str()) || dynamic.iter().any(|d| key.starts_with(d)),
            "'{key}' is in the catalogue but no code uses it"
        );
    }
    for role in ykien::input::columns::ROLES {
        assert!(cat.contains(&format!("role.{role}")), "no label for role {role}");
    }
}

#[test]
fn templates_are_filled_by_name() {
    let a = render("{n} ý kiến ở {place}; {{giữ}} {unknown}", &[("n", &3), ("place", &"Bắc Sơn")]);
    assert_eq!(a, "3 ý kiến ở Bắc Sơn; {giữ} {unknown}");
    assert_eq!(placeholders("{a} và {b}, lại {a}; {{c}}"), vec!["a", "b"]);
    assert_eq!(Lang::from_locale("en_US.UTF-8"), Some(Lang::En));
    assert_eq!(Lang::from_locale("vi_VN.UTF-8"), Some(Lang::Vi));
    assert_eq!(Lang::from_locale("C.UTF-8"), None);
}

proptest::proptest! {
    #[test]
    fn rendering_any_template_never_panics_and_keeps_plain_text(t in "\\PC{0,40}", v in "\\PC{0,10}") {
        let out = render(&t, &[("x", &v)]);
        if !t.contains(['{', '}']) {
            proptest::prop_assert_eq!(out, t);
        }
    }
}

fn ykien(args: &[&str], env: &[(&str, &str)], cwd: &Path) -> String {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ykien"));
    c.args(args).current_dir(cwd).env_remove("LC_ALL").env_remove("LC_MESSAGES").env_remove("LANG");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("runs");
    String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout)
}

#[test]
fn the_command_line_speaks_vietnamese_unless_asked_for_english() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("y.csv"), "id,Họ và tên\n1,Lan\n").unwrap();
    let vi = ykien(&["analyze", "y.csv", "--out", "ra"], &[], d.path());
    assert!(vi.contains("lỗi") && vi.contains("y.csv") && vi.contains("không tìm thấy cột văn bản"), "{vi}");
    let en = ykien(&["analyze", "y.csv", "--out", "ra", "--lang", "en"], &[], d.path());
    assert!(en.contains("error") && en.contains("y.csv") && en.contains("no text column"), "{en}");
    let locale = ykien(&["analyze", "y.csv", "--out", "ra"], &[("LANG", "en_GB.UTF-8")], d.path());
    assert_eq!(locale, en, "an English locale gives the same English as --lang en");
    let forced = ykien(&["analyze", "y.csv", "--out", "ra", "--lang", "vi"], &[("LANG", "en_GB.UTF-8")], d.path());
    assert_eq!(forced, vi, "--lang vi wins over the locale");
    // A missing file: the system's words translated, said once.
    let missing = ykien(&["analyze", "khong-co.csv", "--out", "ra"], &[], d.path());
    assert!(missing.contains("khong-co.csv") && missing.contains("không tìm thấy tệp"), "{missing}");
    assert!(!missing.contains("No such file"), "{missing}");
}
