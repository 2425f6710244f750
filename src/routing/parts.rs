//! Two questions in one submission: a text is cut into its sentences, each is routed on
//! its own, and when two of them go, each with confidence, to two different bodies, both
//! are suggested with the part of the text that concerns each.

/// A part shorter than this many letters and digits is not a question of its own ("Cảm ơn ạ.").
pub const MIN_PART: usize = 12;

/// Confidence each of the two parts needs in its own body.
pub const PART_CONFIDENCE: f32 = 0.5;

/// The sentences of `text` as byte ranges, trimmed: cut after '.', '?', '!', ';' or a line
/// break followed by white space (so "3.5" and "TP.HCM" stay whole). Parts too short to
/// be a question join the sentence before them (or after, at the start).
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut cuts = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = i + c.len_utf8();
        let boundary = match c {
            '\n' | '\r' => true,
            '.' | '?' | '!' | ';' | '…' => chars.peek().is_none_or(|&(_, n)| n.is_whitespace()),
            _ => false,
        };
        if boundary {
            cuts.push((start, end));
            start = end;
        }
    }
    cuts.push((start, text.len()));
    let letters = |r: &(usize, usize)| text[r.0..r.1].chars().filter(|c| c.is_alphanumeric()).count();
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut pending: Option<usize> = None;
    for r in cuts {
        if letters(&r) == 0 {
            continue;
        }
        let r = (pending.take().unwrap_or(r.0), r.1);
        if letters(&r) < MIN_PART {
            match out.last_mut() {
                Some(last) => last.1 = r.1,
                None => pending = Some(r.0),
            }
            continue;
        }
        out.push(r);
    }
    if let (Some(p), Some(last)) = (pending, out.last_mut()) {
        last.0 = p;
    }
    out.into_iter().map(|(a, b)| trim(text, a, b)).collect()
}

/// The sentences of `text`, each cut again before the connectives `starts` finds in it
/// (byte offsets in the sentence) where both sides are long enough to be a question.
pub fn clauses(text: &str, starts: impl Fn(&str) -> Vec<usize>) -> Vec<(usize, usize)> {
    let letters = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).count();
    let mut out = Vec::new();
    for (a, b) in sentences(text) {
        let mut from = a;
        for off in starts(&text[a..b]) {
            let cut = a + off;
            if cut > from && letters(&text[from..cut]) >= MIN_PART && letters(&text[cut..b]) >= MIN_PART {
                out.push(trim(text, from, cut));
                from = cut;
            }
        }
        out.push(trim(text, from, b));
    }
    out
}

fn trim(text: &str, a: usize, b: usize) -> (usize, usize) {
    let s = &text[a..b];
    let lead = s.len() - s.trim_start().len();
    let tail = s.len() - s.trim_end().len();
    (a + lead, (b - tail).max(a + lead))
}

/// One routed part: its byte range in the text, its department and confidence.
#[derive(Debug, Clone)]
pub struct RoutedPart {
    /// Byte range of the part in the text.
    pub range: (usize, usize),
    /// Its department code.
    pub department: std::sync::Arc<str>,
    /// Its department's name.
    pub department_name: std::sync::Arc<str>,
    /// Its confidence.
    pub confidence: f32,
}

/// Given the parts of a text each routed on its own, the two that concern two bodies:
/// the part going to `main` (the whole text's suggestion) and the surest part going
/// elsewhere, each at [`PART_CONFIDENCE`] or more. `None` when the parts agree.
pub fn two_questions<'p>(main: &str, parts: &'p [RoutedPart]) -> Option<(&'p RoutedPart, &'p RoutedPart)> {
    let sure = |p: &&RoutedPart| p.confidence >= PART_CONFIDENCE;
    let mine = parts
        .iter()
        .filter(sure)
        .filter(|p| &*p.department == main)
        .max_by(|a, b| a.confidence.total_cmp(&b.confidence))?;
    let other = parts
        .iter()
        .filter(sure)
        .filter(|p| &*p.department != main)
        .max_by(|a, b| a.confidence.total_cmp(&b.confidence))?;
    Some((mine, other))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_cut_at_ends_of_sentences_only() {
        let t = "Em muốn hỏi về học bổng. Thứ hai, lãi suất vay vốn 3.5% có giảm không? Cảm ơn ạ.";
        let s: Vec<&str> = sentences(t).into_iter().map(|(a, b)| &t[a..b]).collect();
        assert_eq!(s, ["Em muốn hỏi về học bổng.", "Thứ hai, lãi suất vay vốn 3.5% có giảm không? Cảm ơn ạ."]);
        let one = "Mong tỉnh mở lớp dạy nghề ở TP.HCM";
        assert_eq!(sentences(one), [(0, one.len())]);
        assert!(sentences("  ...  ").is_empty());
        let lines = "Đường vào thôn hỏng nặng\nSóng điện thoại rất yếu ở bản";
        assert_eq!(sentences(lines).len(), 2);
        // Cut before a connective only where both sides are questions' length.
        let t = "Em muốn học nghề sửa xe máy rồi vay vốn để mở tiệm. Học sinh và sinh viên";
        let at = |s: &str| s.match_indices(" rồi ").chain(s.match_indices(" và ")).map(|(i, _)| i + 1).collect();
        let c: Vec<&str> = clauses(t, at).into_iter().map(|(a, b)| &t[a..b]).collect();
        assert_eq!(c, ["Em muốn học nghề sửa xe máy", "rồi vay vốn để mở tiệm.", "Học sinh và sinh viên"]);
    }
}
