//! Vietnamese text analysis, as a chain of small stages:
//! [`normalize`] → [`tokenize`] → [`segment`] → [`analyzer`] (teen code, stop words, feature keys).

pub mod analyzer;
pub mod conllu;
pub mod memo;
pub mod normalize;
pub mod perceptron;
pub mod segment;
pub mod tokenize;

pub use analyzer::{Analysis, Analyzer, SyllableSpan, Word};
pub use normalize::{fold_lower, normalize, Normalized};
pub use perceptron::{Perceptron, PerceptronParams};
pub use segment::{Dictionary, LongestMatch, Segmenter, Sentence};
pub use tokenize::{Token, TokenKind};

/// A line's words in the pyvi convention: syllables of a word joined by '_', words by spaces.
pub fn segmented_line(a: &Analysis, line: &str) -> String {
    let words: Vec<String> =
        a.words.iter().map(|w| w.surface(line).split_whitespace().collect::<Vec<_>>().join("_")).collect();
    words.join(" ")
}

/// A line's words as one JSON object: the text and each word with its byte span and kind.
pub fn segmented_json(a: &Analysis, line: &str) -> String {
    let words: Vec<serde_json::Value> = a
        .words
        .iter()
        .map(|w| serde_json::json!({"word": w.surface(line), "start": w.start, "end": w.end, "kind": w.kind}))
        .collect();
    serde_json::json!({"text": line, "words": words}).to_string()
}
