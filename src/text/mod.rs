//! Vietnamese text analysis, as a chain of small stages:
//! [`normalize`] → [`tokenize`] → [`segment`] → [`analyzer`] (teen code, stop words, feature keys).

pub mod analyzer;
pub mod conllu;
pub mod memo;
pub mod normalize;
pub mod perceptron;
pub mod restore;
pub mod segment;
pub mod tokenize;

pub use analyzer::{Analysis, Analyzer, SyllableSpan, Word};
pub use normalize::{fold_lower, normalize, Normalized};
pub use perceptron::{Perceptron, PerceptronParams};
pub use restore::{Restored, Restorer, RestorerParams};
pub use segment::{Dictionary, LongestMatch, Segmenter, Sentence};
pub use tokenize::{Token, TokenKind};

/// A line's words in the pyvi convention: syllables of a word joined by '_', words by spaces,
/// and every other character kept: punctuation and symbols are tokens of their own.
pub fn segmented_line(a: &Analysis, line: &str) -> String {
    let mut out: Vec<String> = Vec::with_capacity(a.words.len() + 4);
    let mut pos = 0usize;
    for w in &a.words {
        let (start, end) = (w.start as usize, w.end as usize);
        if start < pos || end > line.len() {
            continue;
        }
        gap_tokens(&line[pos..start], &mut out);
        out.push(w.surface(line).split_whitespace().collect::<Vec<_>>().join("_"));
        pos = end;
    }
    gap_tokens(&line[pos..], &mut out);
    out.join(" ")
}

/// What lies between words (punctuation, symbols) as tokens of their own, pyvi's way:
/// each mark a token, a run of the same mark one ("...", "!!").
fn gap_tokens(gap: &str, out: &mut Vec<String>) {
    for run in gap.split_whitespace() {
        let mut cur = String::new();
        for c in run.chars() {
            if !cur.is_empty() && !cur.ends_with(c) {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(c);
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
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
