//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use ykien::pipeline::Models;
use ykien::text::Analyzer;

/// The project's models directory.
pub fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// The shipped analyzer, loaded once.
pub fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(|| Analyzer::load(&models_dir()).expect("models load"))
}

/// All shipped models with the 2024 profile, loaded once.
pub fn models() -> &'static Models {
    static M: OnceLock<Models> = OnceLock::new();
    M.get_or_init(|| Models::load(&models_dir(), "lang-son-2024").expect("models load"))
}

/// Words of `text` as written, joined like pyvi ("thanh_niên").
pub fn words(text: &str) -> Vec<String> {
    analyzer().analyze(text).words.iter().map(|w| w.surface(text).replace(' ', "_")).collect()
}

/// Feature keys of `text`.
pub fn keys(text: &str) -> Vec<u64> {
    let mut v = Vec::new();
    Analyzer::feature_keys(&analyzer().analyze(text), &mut v);
    v
}

/// A submission with only an id and a text.
pub fn submission(id: &str, text: &str) -> ykien::input::Submission {
    ykien::input::Submission {
        id: id.into(),
        id_given: true,
        text: text.into(),
        locality: None,
        submitted_at: None,
        group: None,
        extra: Default::default(),
    }
}

/// A percent-encoded path segment decoded (ids are encoded in the desk's URLs).
pub fn ykien_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Runs the `ykien` binary in `cwd` with Vietnamese messages: (success, stdout, stderr).
pub fn run_ykien(args: &[&str], cwd: &std::path::Path) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ykien"))
        .env("LC_ALL", "vi_VN.UTF-8")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
