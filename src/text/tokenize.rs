//! Splits normalised text into tokens: syllables, numbers, URLs, e-mails, phones, emoji, punctuation.
//!
//! Word boundaries come from Unicode UAX #29 (`unicode-segmentation`), which keeps
//! "10.000" and "2,5" whole and attaches combining marks to their letters. Before it,
//! whitespace-separated chunks that are URLs or e-mail addresses are taken whole; after
//! it, dates ("12/3/2024"), percentages ("90%") and phone numbers ("0912 345 678",
//! "+84 912.345.678") are merged back into one token each.

use unicode_segmentation::UnicodeSegmentation;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// A run of letters: one Vietnamese syllable or a foreign word.
    Syllable,
    /// Letters and digits mixed ("4G", "H5N1").
    Alnum,
    /// A number, amount, percentage or date.
    Number,
    /// A web address.
    Url,
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// An emoji (one grapheme cluster).
    Emoji,
    /// Punctuation or any other symbol; it ends a phrase.
    Punct,
}

/// One token: its kind and its byte range in the normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Start byte in the normalised text.
    pub start: u32,
    /// End byte (exclusive) in the normalised text.
    pub end: u32,
}

impl Token {
    /// The token's text within `text`.
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start as usize..self.end as usize]
    }
}

/// Tokenises `text` into `out` (cleared first).
pub fn tokenize_into(text: &str, out: &mut Vec<Token>) {
    out.clear();
    let mut pos = 0;
    for chunk in text.split_inclusive(char::is_whitespace) {
        let chunk_start = pos;
        pos += chunk.len();
        let body = chunk.trim_end_matches(char::is_whitespace);
        if body.is_empty() {
            continue;
        }
        let core = body.trim_end_matches(|c: char| ".,;:!?)]}\"'".contains(c));
        let whole = if is_url(core) {
            Some(TokenKind::Url)
        } else if is_email(core) {
            Some(TokenKind::Email)
        } else {
            None
        };
        if let Some(kind) = whole {
            let lead = core.len() - core.trim_start_matches(|c: char| "([{\"'".contains(c)).len();
            let s = chunk_start + lead;
            out.push(Token { kind, start: s as u32, end: (chunk_start + core.len()) as u32 });
            push_pieces(&body[core.len()..], chunk_start + core.len(), out);
            continue;
        }
        push_pieces(body, chunk_start, out);
    }
    merge_numbers(text, out);
}

/// Tokenises `text`.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    tokenize_into(text, &mut out);
    out
}

fn push_pieces(s: &str, base: usize, out: &mut Vec<Token>) {
    // Most chunks are one Latin word, perhaps with punctuation after it ("tỉnh,", "ạ.").
    // Every letter of the Latin blocks is ALetter in UAX #29, so such a word is one piece
    // and each mark after it one more: the pieces the word-bound tables would give.
    if let Some(word) = latin_word_then_marks(s) {
        out.push(Token { kind: TokenKind::Syllable, start: base as u32, end: (base + word) as u32 });
        for (off, _) in s[word..].char_indices() {
            let start = (base + word + off) as u32;
            out.push(Token { kind: TokenKind::Punct, start, end: start + 1 });
        }
        return;
    }
    push_pieces_uax29(s, base, out);
}

/// Length of the leading word of `s` when `s` is letters of the Latin blocks (ASCII,
/// Latin-1, Latin Extended-A and -B, Latin Extended Additional) followed only by ASCII
/// punctuation other than `_` (which joins words in UAX #29).
fn latin_word_then_marks(s: &str) -> Option<usize> {
    let latin = |c: char| {
        c.is_ascii_alphabetic() || matches!(c as u32, 0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x24F | 0x1E00..=0x1EFF)
    };
    let word = s.find(|c: char| !latin(c)).unwrap_or(s.len());
    (word > 0 && s.as_bytes()[word..].iter().all(|&b| b.is_ascii_punctuation() && b != b'_')).then_some(word)
}

/// The pieces of `s` by the UAX #29 word bounds, each with its kind.
fn push_pieces_uax29(s: &str, base: usize, out: &mut Vec<Token>) {
    for (off, piece) in s.split_word_bound_indices() {
        let first = match piece.chars().next() {
            Some(c) => c,
            None => continue,
        };
        if first.is_whitespace() {
            continue;
        }
        let kind = if is_emoji(first) {
            TokenKind::Emoji
        } else if piece.chars().any(super::normalize::is_letter) {
            if piece.chars().any(|c| c.is_ascii_digit()) {
                TokenKind::Alnum
            } else {
                TokenKind::Syllable
            }
        } else if first.is_ascii_digit() {
            TokenKind::Number
        } else {
            TokenKind::Punct
        };
        let start = (base + off) as u32;
        out.push(Token { kind, start, end: start + piece.len() as u32 });
    }
}

fn is_url(s: &str) -> bool {
    let l = s.trim_start_matches(|c: char| "([{\"'".contains(c));
    let lower = |p: &str| l.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    (lower("http://") || lower("https://") || lower("www.")) && l.len() > 7
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && user.chars().all(|c| c.is_alphanumeric() || "._%+-".contains(c))
                && domain.chars().all(|c| c.is_alphanumeric() || ".-".contains(c))
        }
        None => false,
    }
}

/// Emoji and pictographs (a practical subset of Extended_Pictographic).
fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x2300..=0x23FF | 0x3030 | 0x303D | 0x3297 | 0x3299)
}

/// Merges number tokens into dates, percentages and phone numbers, in place: a merged
/// token is written at or before the first token it is made of, so every token still to
/// be read lies ahead of what has been written.
fn merge_numbers(text: &str, toks: &mut Vec<Token>) {
    let mut w = 0;
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        // Phone numbers: optional "+", digit groups joined by single spaces, dots or dashes.
        if t.kind == TokenKind::Number || (t.kind == TokenKind::Punct && t.text(text) == "+") {
            if let Some((end_idx, end)) = phone_at(text, toks, i) {
                toks[w] = Token { kind: TokenKind::Phone, start: t.start, end };
                w += 1;
                i = end_idx;
                continue;
            }
        }
        if t.kind == TokenKind::Number {
            let mut j = i;
            let mut end = t.end;
            // Dates: 12/3/2024, 1-5-2024 (separators tight against digits).
            while j + 2 < toks.len()
                && toks[j + 1].start == end
                && matches!(toks[j + 1].text(text), "/" | "-")
                && toks[j + 2].kind == TokenKind::Number
                && toks[j + 2].start == toks[j + 1].end
            {
                end = toks[j + 2].end;
                j += 2;
            }
            // Percentages.
            if j + 1 < toks.len() && toks[j + 1].start == end && toks[j + 1].text(text) == "%" {
                end = toks[j + 1].end;
                j += 1;
            }
            toks[w] = Token { kind: TokenKind::Number, start: t.start, end };
            w += 1;
            i = j + 1;
            continue;
        }
        toks[w] = t;
        w += 1;
        i += 1;
    }
    toks.truncate(w);
}

/// If a phone number starts at token `i`, the index after it and its end byte.
fn phone_at(text: &str, toks: &[Token], i: usize) -> Option<(usize, u32)> {
    let mut j = i;
    let mut digits = 0usize;
    let mut first_digit = None;
    if toks[j].kind == TokenKind::Punct {
        j += 1; // the "+"
        if j >= toks.len() || toks[j].kind != TokenKind::Number || toks[j].start != toks[i].end {
            return None;
        }
    }
    let mut end = toks[j].end;
    let mut idx_after = j;
    loop {
        let tk = toks[j];
        if tk.kind != TokenKind::Number {
            break;
        }
        let s = tk.text(text);
        if !s.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ' ') {
            break;
        }
        for c in s.chars().filter(|c| c.is_ascii_digit()) {
            first_digit.get_or_insert(c);
            digits += 1;
        }
        end = tk.end;
        idx_after = j + 1;
        if digits > 12 {
            return None;
        }
        // Continue over a single space or dash to the next digit group.
        let next = j + 1;
        let gap_ok = |a: u32, b: u32| b - a <= 1;
        if next < toks.len()
            && toks[next].kind == TokenKind::Number
            && gap_ok(tk.end, toks[next].start)
            && text.as_bytes()[tk.end as usize] == b' '
        {
            j = next;
        } else if next + 1 < toks.len()
            && toks[next].text(text) == "-"
            && toks[next].start == tk.end
            && toks[next + 1].kind == TokenKind::Number
            && toks[next + 1].start == toks[next].end
        {
            j = next + 1;
        } else {
            break;
        }
    }
    let plus = toks[i].kind == TokenKind::Punct;
    let ok = if plus { (10..=12).contains(&digits) } else { first_digit == Some('0') && (10..=11).contains(&digits) };
    // A single group of digits only counts when it is written as one phone-length number.
    if ok && (idx_after > i + 1 || digits >= 10) {
        Some((idx_after, end))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(TokenKind, String)> {
        tokenize(s).iter().map(|t| (t.kind, t.text(s).to_string())).collect()
    }

    #[test]
    fn latin_words_are_cut_as_the_word_bound_tables_cut_them() {
        // Every chunk of the bundled corpus, and random chunks mixing the Latin blocks'
        // letters with punctuation, digits, combining marks and other scripts' letters.
        let corpus = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/submissions.csv")).unwrap();
        let mut chunks: Vec<String> = corpus.split_whitespace().map(|c| crate::text::normalize(c).text).collect();
        let pool: Vec<char> =
            "aZđĐăâêôơưýỹỆẞßþÆæøØ×÷ǀǂɏḀỿ.,;:!?'\"()[]{}_-/@#%&*+=~`^|$09\u{301}\u{300}\u{200d}αЖ中ー😀"
                .chars()
                .collect();
        let mut rng = crate::rng::Rng::new(11);
        for _ in 0..20_000 {
            let n = 1 + rng.below(6);
            chunks.push((0..n).map(|_| pool[rng.below(pool.len())]).collect());
        }
        let mut fast = 0;
        for c in &chunks {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            push_pieces(c, 3, &mut a);
            push_pieces_uax29(c, 3, &mut b);
            assert_eq!(a, b, "{c:?}");
            fast += latin_word_then_marks(c).is_some() as usize;
        }
        // The quick path was taken for most of the corpus and not for everything.
        assert!(fast > chunks.len() / 3 && fast < chunks.len(), "{fast} of {}", chunks.len());
    }

    #[test]
    fn special_tokens_are_whole() {
        let s = "Liên hệ 0912 345 678 hoặc +84 912.345.678, email doan@langson.gov.vn, xem https://langson.gov.vn/tin?id=3.";
        let k = kinds(s);
        assert!(k.contains(&(TokenKind::Phone, "0912 345 678".into())), "{k:?}");
        assert!(k.contains(&(TokenKind::Phone, "+84 912.345.678".into())), "{k:?}");
        assert!(k.contains(&(TokenKind::Email, "doan@langson.gov.vn".into())), "{k:?}");
        assert!(k.contains(&(TokenKind::Url, "https://langson.gov.vn/tin?id=3".into())), "{k:?}");
    }

    #[test]
    fn numbers_dates_percent_emoji() {
        let k = kinds("Lãi 90% cho 10.000 người, vay 2,5 triệu từ 12/3/2024 👍🏽 mạng 4G");
        assert!(k.contains(&(TokenKind::Number, "90%".into())));
        assert!(k.contains(&(TokenKind::Number, "10.000".into())));
        assert!(k.contains(&(TokenKind::Number, "2,5".into())));
        assert!(k.contains(&(TokenKind::Number, "12/3/2024".into())));
        assert!(k.contains(&(TokenKind::Emoji, "👍🏽".into())));
        assert!(k.contains(&(TokenKind::Alnum, "4G".into())));
        assert!(k.contains(&(TokenKind::Syllable, "triệu".into())));
    }
}
