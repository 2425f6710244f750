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
