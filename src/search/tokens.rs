//! The Vietnamese analyzer as tantivy sees it: the pipeline's own [`Analyzer`] turned into
//! four token streams (words and syllables, each exact and folded).

use std::cell::RefCell;
use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::normalize::fold_char;
use crate::text::{Analysis, Analyzer};

/// Which tokens a field is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenMode {
    /// Words as segmented, lowercased, diacritics kept, syllables joined by `_` ("vay_vốn").
    Words,
    /// The same words folded: tone and shape marks removed, `đ` to `d` ("vay_von").
    FoldedWords,
    /// Syllables, lowercased, diacritics kept; positions allow phrase queries.
    Syllables,
    /// Syllables folded.
    FoldedSyllables,
}

impl TokenMode {
    /// All four modes, in field order.
    pub const ALL: [TokenMode; 4] =
        [TokenMode::Words, TokenMode::FoldedWords, TokenMode::Syllables, TokenMode::FoldedSyllables];

    /// The name the tokenizer is registered under in the index.
    pub fn tokenizer_name(self) -> &'static str {
        match self {
            TokenMode::Words => "vi_words",
            TokenMode::FoldedWords => "vi_words_folded",
            TokenMode::Syllables => "vi_syllables",
            TokenMode::FoldedSyllables => "vi_syllables_folded",
        }
    }

    /// True for the folded modes.
    pub fn folded(self) -> bool {
        matches!(self, TokenMode::FoldedWords | TokenMode::FoldedSyllables)
    }

    /// True for the syllable modes.
    pub fn syllables(self) -> bool {
        matches!(self, TokenMode::Syllables | TokenMode::FoldedSyllables)
    }
}

/// One token: its text as a range of a shared buffer, its span in the original, its position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSpec {
    /// Start of the token's text in the buffer.
    pub lo: u32,
    /// End (exclusive) of the token's text in the buffer.
    pub hi: u32,
    /// Start byte in the original text.
    pub start: u32,
    /// End byte (exclusive) in the original text.
    pub end: u32,
    /// Position; punctuation between two tokens leaves a gap, so phrases do not cross it.
    pub position: u32,
}

/// Writes the tokens of `a` (the analysis of `text`) in `mode`: their texts into `buf`,
/// their spans and positions into `out`. Both are cleared first.
pub fn tokens_of(a: &Analysis, text: &str, mode: TokenMode, buf: &mut String, out: &mut Vec<TokenSpec>) {
    buf.clear();
    out.clear();
    let mut position = 0u32;
    let mut prev_end: Option<usize> = None;
    let push_text = |buf: &mut String, s: &str| {
        if mode.folded() {
            buf.extend(s.chars().map(fold_char));
        } else {
            buf.push_str(s);
        }
    };
    for w in &a.words {
        let first = w.first_syllable as usize;
        let n = w.syllables as usize;
        let start = a.spans[first].start as usize;
        if let Some(p) = prev_end {
            // A gap after punctuation: anything but white space between the two tokens.
            let gap = text.get(p..start).is_some_and(|between| between.chars().any(|c| !c.is_whitespace()));
            position += 1 + gap as u32;
        }
        if mode.syllables() {
            for i in first..first + n {
                if i > first {
                    position += 1;
                }
                let lo = buf.len() as u32;
                push_text(buf, a.syllable_text(i));
                let s = a.spans[i];
                out.push(TokenSpec { lo, hi: buf.len() as u32, start: s.start, end: s.end, position });
            }
        } else {
            let lo = buf.len() as u32;
            for i in first..first + n {
                if i > first {
                    buf.push('_');
                }
                push_text(buf, a.syllable_text(i));
            }
            out.push(TokenSpec { lo, hi: buf.len() as u32, start: w.start, end: w.end, position });
        }
        prev_end = Some(a.spans[first + n - 1].end as usize);
    }
}

/// The last text analysed on this thread: an indexing thread tokenises the same text for
/// four fields in a row, and this analyses it once.
#[derive(Default)]
struct Memo {
    text: String,
    analysis: Analysis,
    valid: bool,
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

/// The pipeline's analyzer as a tantivy [`Tokenizer`] producing one [`TokenMode`].
#[derive(Clone)]
pub struct VietnameseTokenizer {
    analyzer: Arc<Analyzer>,
    mode: TokenMode,
    buf: String,
    specs: Vec<TokenSpec>,
    token: Token,
}

impl VietnameseTokenizer {
    /// A tokenizer producing `mode` tokens with `analyzer`.
    pub fn new(analyzer: Arc<Analyzer>, mode: TokenMode) -> Self {
        VietnameseTokenizer { analyzer, mode, buf: String::new(), specs: Vec::new(), token: Token::default() }
    }
}

impl Tokenizer for VietnameseTokenizer {
    type TokenStream<'a> = VietnameseTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VietnameseTokenStream<'a> {
        MEMO.with(|m| {
            let m = &mut *m.borrow_mut();
            if !m.valid || m.text != text {
                m.text.clear();
                m.text.push_str(text);
                self.analyzer.analyze_into(text, &mut m.analysis);
                m.valid = true;
            }
            tokens_of(&m.analysis, text, self.mode, &mut self.buf, &mut self.specs);
        });
        self.token.reset();
        VietnameseTokenStream { buf: &self.buf, specs: &self.specs, token: &mut self.token, next: 0 }
    }
}

/// The tokens of one text, produced without allocating per token.
pub struct VietnameseTokenStream<'a> {
    buf: &'a str,
    specs: &'a [TokenSpec],
    token: &'a mut Token,
    next: usize,
}

impl TokenStream for VietnameseTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some(s) = self.specs.get(self.next) else { return false };
        self.next += 1;
        self.token.text.clear();
        self.token.text.push_str(&self.buf[s.lo as usize..s.hi as usize]);
        self.token.offset_from = s.start as usize;
        self.token.offset_to = s.end as usize;
        self.token.position = s.position as usize;
        self.token.position_length = 1;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}
