//! Vietnamese text analysis, as a chain of small stages:
//! [`normalize`] → [`tokenize`] → [`segment`] → [`analyzer`] (teen code, stop words, feature keys).

pub mod analyzer;
pub mod conllu;
pub mod normalize;
pub mod perceptron;
pub mod segment;
pub mod tokenize;

pub use analyzer::{Analysis, Analyzer, SyllableSpan, Word};
pub use normalize::{fold_lower, normalize, Normalized};
pub use perceptron::{Perceptron, PerceptronParams};
pub use segment::{Dictionary, LongestMatch, Segmenter, Sentence};
pub use tokenize::{Token, TokenKind};
