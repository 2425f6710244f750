//! The query language: words (all must match), "quoted phrases", AND, OR, NOT or a leading
//! `-`, parentheses, and `*` after a word or phrase for prefix matching. A last word that
//! is not in the index is taken as typed halfway and matched as a prefix.

use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Searcher, Term};

use super::schema::Fields;
use super::tokens::TokenMode;
use crate::error::{Error, Result};
use crate::text::normalize::fold_char;
use crate::text::{Analyzer, TokenKind};

/// When a word is matched as a prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    No,
    /// Written with a trailing `*`.
    Always,
    /// The query's last word, typed to its end without a space: a prefix when no syllable
    /// in the index is spelled so, or none follows the word before it.
    IfUnknown,
}

/// A syllable of the query: lowercased with diacritics, and folded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Syl {
    exact: String,
    folded: String,
}

/// The parsed query, before it meets an index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// One word as segmented (one or more syllables); `lead` are the syllables of the word
    /// before it, which a prefix match must follow.
    Word {
        syls: Vec<Syl>,
        prefix: Prefix,
        lead: Vec<Syl>,
    },
    /// A quoted phrase: syllables in order.
    Phrase {
        syls: Vec<Syl>,
        prefix: bool,
    },
}

/// A parsed query: the tree, and what to highlight in the hits.
#[derive(Debug, Clone)]
pub struct ParsedQuery {
    root: Option<Node>,
    /// Folded syllable sequences to highlight, each with whether its last syllable is a prefix.
    pub highlight: Vec<(Vec<String>, bool)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Lex {
    Word(String),
    Phrase(String, bool),
    And,
    Or,
    Not,
    Open,
    Close,
}

fn lex(q: &str) -> Vec<Lex> {
    let mut out = Vec::new();
    let mut it = q.char_indices().peekable();
    while let Some(&(i, c)) = it.peek() {
        if c.is_whitespace() {
            it.next();
        } else if c == '"' || c == '“' || c == '”' {
            it.next();
            let start = i + c.len_utf8();
            let mut end = q.len();
            for (j, d) in it.by_ref() {
                if d == '"' || d == '“' || d == '”' {
                    end = j;
                    break;
                }
            }
            let star = it.peek().is_some_and(|&(_, d)| d == '*');
            if star {
                it.next();
            }
            out.push(Lex::Phrase(q[start..end].to_string(), star));
        } else if c == '(' {
            it.next();
            out.push(Lex::Open);
        } else if c == ')' {
            it.next();
            out.push(Lex::Close);
        } else {
            let mut end = q.len();
            while let Some(&(j, d)) = it.peek() {
                if d.is_whitespace() || matches!(d, '(' | ')' | '"' | '“' | '”') {
                    end = j;
                    break;
                }
                it.next();
            }
            let w = &q[i..end];
            match w {
                "AND" | "&&" => out.push(Lex::And),
                "OR" | "||" => out.push(Lex::Or),
                "NOT" => out.push(Lex::Not),
                _ if w.len() > 1 && w.starts_with('-') => {
                    out.push(Lex::Not);
                    out.push(Lex::Word(w[1..].to_string()));
                }
                _ => out.push(Lex::Word(w.to_string())),
            }
        }
    }
    out
}

struct Parser<'a> {
    lex: Vec<Lex>,
    pos: usize,
    analyzer: &'a Analyzer,
    /// The query ends inside a word (no space after it): its last word may be partial.
    open_end: bool,
    /// Parentheses and NOTs open around the current position.
    depth: usize,
    /// Set when the nesting went past [`MAX_DEPTH`]: the query is refused.
    too_deep: bool,
}

/// The longest query taken, in characters: a search box's query, not a document.
pub const MAX_QUERY_CHARS: usize = 1_000;

/// The deepest nesting of parentheses and NOT taken.
pub const MAX_DEPTH: usize = 16;

/// The most words and phrases one query may hold (each becomes several index lookups).
pub const MAX_TERMS: usize = 64;

impl Parser<'_> {
    fn peek(&self) -> Option<&Lex> {
        self.lex.get(self.pos)
    }

    fn or(&mut self) -> Option<Node> {
        let mut parts = Vec::new();
        loop {
            if let Some(n) = self.and() {
                parts.push(n);
            }
            if self.peek() == Some(&Lex::Or) {
                self.pos += 1;
            } else {
                break;
            }
        }
        match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Node::Or(parts)),
        }
    }

    fn and(&mut self) -> Option<Node> {
        let mut parts = Vec::new();
        while let Some(l) = self.peek() {
            match l {
                Lex::Or | Lex::Close => break,
                Lex::And => self.pos += 1,
                _ => {
                    if let Some(n) = self.unary() {
                        match n {
                            Node::And(v) => parts.extend(v),
                            n => parts.push(n),
                        }
                    }
                }
            }
        }
        match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Node::And(parts)),
        }
    }

    fn unary(&mut self) -> Option<Node> {
        let l = self.peek()?.clone();
        if matches!(l, Lex::Not | Lex::Open) && self.depth >= MAX_DEPTH {
            // Refused as a whole (see parse_query); stop here rather than recurse on.
            self.too_deep = true;
            self.pos = self.lex.len();
            return None;
        }
        match l {
            Lex::Not => {
                self.pos += 1;
                self.depth += 1;
                let n = self.unary().map(|n| Node::Not(Box::new(n)));
                self.depth -= 1;
                n
            }
            Lex::Open => {
                self.pos += 1;
                self.depth += 1;
                let n = self.or();
                self.depth -= 1;
                if self.peek() == Some(&Lex::Close) {
                    self.pos += 1;
                }
                n
            }
            Lex::Phrase(text, star) => {
                self.pos += 1;
                let syls: Vec<Syl> = self.words(&text).into_iter().flat_map(|(s, _)| s).collect();
                (!syls.is_empty()).then_some(Node::Phrase { syls, prefix: star })
            }
            Lex::Word(_) => {
                // A run of plain words is analysed together, so that it is segmented as text is.
                let mut run = String::new();
                let mut star = false;
                while let Some(Lex::Word(w)) = self.peek() {
                    let w = w.clone();
                    self.pos += 1;
                    if let Some(stem) = w.strip_suffix('*') {
                        run.push_str(stem);
                        star = true;
                        break;
                    }
                    run.push_str(&w);
                    run.push(' ');
                }
                let last_of_query = self.pos == self.lex.len();
                // Every word typed must match, stop words too: the user typed them.
                let words = self.words(&run);
                let n = words.len();
                let mut nodes: Vec<Node> = Vec::with_capacity(n + 1);
                let mut lead: Vec<Syl> = Vec::new();
                for (i, (syls, _)) in words.into_iter().enumerate() {
                    let last = i + 1 == n;
                    let prefix = if last && star {
                        Prefix::Always
                    } else if last && last_of_query && self.open_end {
                        Prefix::IfUnknown
                    } else {
                        Prefix::No
                    };
                    // A partial last word is matched after the word before it ("viec l" → "việc làm").
                    let before =
                        if prefix == Prefix::No || syls.len() > 1 { Vec::new() } else { std::mem::take(&mut lead) };
                    lead.clone_from(&syls);
                    nodes.push(Node::Word { syls, prefix, lead: before });
                }
                match nodes.len() {
                    0 => None,
                    1 => nodes.pop(),
                    _ => Some(Node::And(nodes)),
                }
            }
            Lex::And | Lex::Or | Lex::Close => {
                self.pos += 1;
                None
            }
        }
    }

    /// The words of a piece of query text: their syllables and whether each is a stop word.
    fn words(&self, text: &str) -> Vec<(Vec<Syl>, bool)> {
        let a = self.analyzer.analyze(text);
        a.words
            .iter()
            .filter(|w| !matches!(w.kind, TokenKind::Punct))
            .map(|w| {
                let first = w.first_syllable as usize;
                let syls = (first..first + w.syllables as usize)
                    .map(|i| {
                        let exact = a.syllable_text(i).to_string();
                        let folded = exact.chars().map(fold_char).collect();
                        Syl { exact, folded }
                    })
                    .collect();
                (syls, w.stop)
            })
            .collect()
    }
}

/// Parses a query with the pipeline's analyzer. Lenient, as a search box should be: an
/// unclosed quotation mark runs to the end, a stray operator is ignored. With `typing`,
/// the query may end inside a word (a search box as the user types): a last word the
/// index does not know is then matched as a prefix. A query longer than
/// [`MAX_QUERY_CHARS`], nested deeper than [`MAX_DEPTH`] or holding more than
/// [`MAX_TERMS`] words and phrases is refused with an error saying which.
pub fn parse_query(query: &str, analyzer: &Analyzer, typing: bool) -> Result<ParsedQuery> {
    let chars = query.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(Error::Query(crate::t!("search.too-long", n = chars, max = MAX_QUERY_CHARS)));
    }
    let lexed = lex(query);
    let terms = lexed.iter().filter(|l| matches!(l, Lex::Word(_) | Lex::Phrase(..))).count();
    if terms > MAX_TERMS {
        return Err(Error::Query(crate::t!("search.too-many-terms", n = terms, max = MAX_TERMS)));
    }
    let open_end = typing && !query.ends_with(char::is_whitespace) && matches!(lexed.last(), Some(Lex::Word(_)));
    let mut p = Parser { lex: lexed, pos: 0, analyzer, open_end, depth: 0, too_deep: false };
    let mut parts = Vec::new();
    while p.pos < p.lex.len() {
        if let Some(n) = p.or() {
            parts.push(n);
        }
        if p.peek() == Some(&Lex::Close) {
            p.pos += 1;
        }
    }
    if p.too_deep {
        return Err(Error::Query(crate::t!("search.too-deep", max = MAX_DEPTH)));
    }
    let root = match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Node::And(parts)),
    };
    let mut highlight = Vec::new();
    if let Some(r) = &root {
        collect_highlights(r, &mut highlight);
    }
    Ok(ParsedQuery { root, highlight })
}

fn collect_highlights(n: &Node, out: &mut Vec<(Vec<String>, bool)>) {
    match n {
        Node::And(v) | Node::Or(v) => v.iter().for_each(|c| collect_highlights(c, out)),
        Node::Not(_) => {}
        Node::Word { syls, prefix, lead } => {
            out.push((lead.iter().chain(syls).map(|s| s.folded.clone()).collect(), *prefix != Prefix::No));
            if !lead.is_empty() {
                out.push((syls.iter().map(|s| s.folded.clone()).collect(), false));
            }
        }
        Node::Phrase { syls, prefix } => out.push((syls.iter().map(|s| s.folded.clone()).collect(), *prefix)),
    }
}

/// Ranking weights: a whole word with its diacritics first, then folded, then syllables.
const W_WORD: f32 = 3.0;
const W_WORD_FOLDED: f32 = 1.5;
const W_SYL: f32 = 1.0;
const W_SYL_FOLDED: f32 = 0.5;
const W_PREFIX: f32 = 0.3;

impl ParsedQuery {
    /// The tantivy query; `None` when nothing is to be matched (the caller decides what
    /// an empty query means).
    pub fn to_tantivy(&self, fields: &Fields, searcher: &Searcher) -> Option<Box<dyn Query>> {
        self.root.as_ref().map(|r| build(r, fields, searcher))
    }
}

fn term(field: tantivy::schema::Field, text: &str) -> Term {
    Term::from_field_text(field, text)
}

fn boost(q: Box<dyn Query>, w: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(q, w))
}

/// A sequence of syllables in one syllable field: a term or a phrase.
fn seq(field: tantivy::schema::Field, texts: &[&str]) -> Box<dyn Query> {
    if texts.len() == 1 {
        Box::new(TermQuery::new(term(field, texts[0]), IndexRecordOption::WithFreqs))
    } else {
        Box::new(PhraseQuery::new(texts.iter().map(|t| term(field, t)).collect()))
    }
}

/// Syllables in order, the last one a prefix. Vietnamese has few syllables per initial
/// letter but more than tantivy's default 50 expansions ("t" reaches "tuyển" far later).
fn prefix_query(terms: Vec<Term>) -> PhrasePrefixQuery {
    let mut q = PhrasePrefixQuery::new(terms);
    q.set_max_expansions(5_000);
    q
}

fn build(n: &Node, f: &Fields, searcher: &Searcher) -> Box<dyn Query> {
    match n {
        Node::And(v) => {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = v
                .iter()
                .map(|c| match c {
                    Node::Not(inner) => (Occur::MustNot, build(inner, f, searcher)),
                    c => (Occur::Must, build(c, f, searcher)),
                })
                .collect();
            if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                clauses.push((Occur::Must, Box::new(AllQuery)));
            }
            Box::new(BooleanQuery::new(clauses))
        }
        Node::Or(v) => Box::new(BooleanQuery::new(v.iter().map(|c| (Occur::Should, build(c, f, searcher))).collect())),
        Node::Not(inner) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, Box::new(AllQuery)),
            (Occur::MustNot, build(inner, f, searcher)),
        ])),
        Node::Word { syls, prefix, lead } => {
            let exact: Vec<&str> = syls.iter().map(|s| s.exact.as_str()).collect();
            let folded: Vec<&str> = syls.iter().map(|s| s.folded.as_str()).collect();
            let mut should: Vec<(Occur, Box<dyn Query>)> = vec![
                (Occur::Should, boost(seq(f.of(TokenMode::Words), &[&exact.join("_")]), W_WORD)),
                (Occur::Should, boost(seq(f.of(TokenMode::FoldedWords), &[&folded.join("_")]), W_WORD_FOLDED)),
                (Occur::Should, boost(seq(f.of(TokenMode::Syllables), &exact), W_SYL)),
                (Occur::Should, boost(seq(f.of(TokenMode::FoldedSyllables), &folded), W_SYL_FOLDED)),
            ];
            let last = *folded.last().expect("a word has a syllable");
            let partial = match prefix {
                Prefix::No => false,
                Prefix::Always => true,
                Prefix::IfUnknown => {
                    // Partial when no syllable is spelled so, or none follows the word before it.
                    let unknown = searcher.doc_freq(&term(f.syllables_folded, last)).map(|n| n == 0).unwrap_or(false);
                    unknown
                        || (!lead.is_empty() && {
                            let texts: Vec<&str> =
                                lead.iter().map(|s| s.folded.as_str()).chain(std::iter::once(last)).collect();
                            searcher
                                .search(&*seq(f.syllables_folded, &texts), &tantivy::collector::Count)
                                .map(|n| n == 0)
                                .unwrap_or(false)
                        })
                }
            };
            if partial {
                let terms = lead
                    .iter()
                    .map(|s| s.folded.as_str())
                    .chain(folded.iter().copied())
                    .map(|t| term(f.syllables_folded, t))
                    .collect();
                should.push((Occur::Should, boost(Box::new(prefix_query(terms)), W_PREFIX)));
            }
            Box::new(BooleanQuery::new(should))
        }
        Node::Phrase { syls, prefix } => {
            let exact: Vec<&str> = syls.iter().map(|s| s.exact.as_str()).collect();
            let folded: Vec<&str> = syls.iter().map(|s| s.folded.as_str()).collect();
            if *prefix {
                let terms = folded.iter().map(|t| term(f.syllables_folded, t)).collect();
                return Box::new(prefix_query(terms));
            }
            Box::new(BooleanQuery::new(vec![
                (Occur::Should, boost(seq(f.of(TokenMode::Syllables), &exact), 2.0)),
                (Occur::Should, seq(f.of(TokenMode::FoldedSyllables), &folded)),
            ]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexer_knows_operators_phrases_and_negation() {
        let l = lex(r#"vay vốn OR "xuất khẩu"* -nhật (a AND b)"#);
        assert_eq!(
            l,
            vec![
                Lex::Word("vay".into()),
                Lex::Word("vốn".into()),
                Lex::Or,
                Lex::Phrase("xuất khẩu".into(), true),
                Lex::Not,
                Lex::Word("nhật".into()),
                Lex::Open,
                Lex::Word("a".into()),
                Lex::And,
                Lex::Word("b".into()),
                Lex::Close
            ]
        );
    }
}
