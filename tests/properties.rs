//! Property-based tests where inputs are open-ended: the query parser, the snippet
//! builder and the normaliser take any string without panicking, and keep their
//! invariants. Inputs mix real Vietnamese syllables (with and without diacritics, teen
//! code that expands to several words), operators, punctuation and arbitrary Unicode.

mod common;

use proptest::prelude::*;
use ykien::search::{parse_query, snippet};

/// Pieces real queries and submissions are made of.
const PIECES: &[&str] = &[
    "thanh",
    "niên",
    "nien",
    "việc",
    "làm",
    "viec",
    "lam",
    "xkld",
    "xuất",
    "khẩu",
    "lao",
    "động",
    "vay",
    "vốn",
    "hs",
    "ko",
    "dc",
    "đào",
    "tạo",
    "nghề",
    "\"",
    "(",
    ")",
    "NOT",
    "AND",
    "OR",
    "-",
    "*",
    ",",
    ".",
    "?",
    " ",
    "  ",
    "\n",
    "\t",
    "🎓",
    "Hoà",
    "hòa",
    "a\u{301}",
    "Đ",
    "12/3/2024",
    "90%",
    "0912 345 678",
    "https://x.vn/a?b=c",
];

/// A string of pieces, or of arbitrary characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|v| v.join(" ")),
        prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|v| v.concat()),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_query_parses_or_is_refused_with_a_reason(q in text()) {
        match parse_query(&q, common::analyzer(), true) {
            Ok(p) => prop_assert!(p.highlight.iter().all(|(syls, _)| !syls.is_empty())),
            Err(e) => prop_assert!(e.to_string().contains("query"), "{e}"),
        }
    }

    #[test]
    fn snippets_mark_whole_characters_in_order_within_the_text(t in text(), q in text()) {
        let patterns = match parse_query(&q, common::analyzer(), false) {
            Ok(p) => p.highlight,
            Err(_) => Vec::new(),
        };
        let s = snippet(common::analyzer(), &t, &patterns);
        let mut at = 0;
        for &(a, b) in &s.highlights {
            prop_assert!(a >= at && a < b && b <= s.text.len(), "{:?} in {:?}", s.highlights, s.text);
            prop_assert!(s.text.is_char_boundary(a) && s.text.is_char_boundary(b));
            at = b;
        }
    }

    #[test]
    fn analysis_spans_fall_on_the_originals_characters_in_order(t in text()) {
        let n = ykien::text::normalize(&t);
        let again = ykien::text::normalize(&n.text);
        prop_assert_eq!(&again.text, &n.text, "normalising twice changes nothing");
        let a = common::analyzer().analyze(&t);
        let mut at = 0;
        for w in &a.words {
            let (s, e) = (w.start as usize, w.end as usize);
            prop_assert!(at <= s && s <= e && e <= t.len(), "{:?} after {} in {:?}", (s, e), at, t);
            prop_assert!(t.is_char_boundary(s) && t.is_char_boundary(e), "{:?} in {:?}", (s, e), t);
            at = s;
        }
        for sp in &a.spans {
            prop_assert!(t.is_char_boundary(sp.start as usize) && t.is_char_boundary(sp.end as usize));
        }
    }
}

#[test]
fn a_teen_code_word_that_expands_to_several_is_highlighted_once() {
    let text = "em muon di xkld co duoc ko";
    let q = parse_query("khau lao", common::analyzer(), false).unwrap();
    let s = snippet(common::analyzer(), text, &q.highlight);
    assert_eq!(s.highlights, vec![(11, 15)], "the whole of «xkld»");
    assert_eq!(&s.text[11..15], "xkld");
}

#[test]
fn ten_thousand_parentheses_are_refused_not_a_stack_overflow() {
    for q in [
        "(".repeat(10_000),
        "NOT ".repeat(5_000),
        "NOT (".repeat(20),
        format!("{}viec lam{}", "(".repeat(17), ")".repeat(17)),
    ] {
        let e = parse_query(&q, common::analyzer(), true).err();
        assert!(e.is_some_and(|e| e.to_string().contains("query refused")), "{}", &q[..20.min(q.len())]);
    }
    // Nesting within the limit still means what it says.
    let ok = format!("{}việc làm OR vay vốn{}", "(".repeat(15), ")".repeat(15));
    let p = parse_query(&ok, common::analyzer(), false).unwrap();
    assert_eq!(p.highlight.len(), 2);
    // A long but ordinary query is taken; one past the limit is not.
    let words = "việc làm ".repeat(30);
    assert!(parse_query(&words, common::analyzer(), false).is_ok());
    assert!(parse_query(&"viec ".repeat(65), common::analyzer(), false).is_err());
}
