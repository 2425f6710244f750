//! Text analysis on real Vietnamese submissions with the shipped models.

mod common;
use common::*;
use unicode_normalization::UnicodeNormalization;
use ykien::text::{normalize, TokenKind};

#[test]
fn nfd_input_analyses_like_nfc() {
    let nfc = "Đề nghị tỉnh hỗ trợ thanh niên khởi nghiệp, vay vốn ưu đãi.";
    let nfd: String = nfc.nfd().collect();
    assert_ne!(nfc, nfd);
    assert_eq!(normalize(&nfd).text, nfc);
    assert_eq!(keys(&nfd), keys(nfc));
    // Offsets still slice the NFD original.
    let a = analyzer().analyze(&nfd);
    let surf: Vec<String> = a.words.iter().map(|w| w.surface(&nfd).nfc().collect()).collect();
    assert!(surf.contains(&"khởi nghiệp".to_string()), "{surf:?}");
}

#[test]
fn both_tone_placements_give_one_form() {
    assert_eq!(keys("chính sách hoà nhập cho thanh niên"), keys("chính sách hòa nhập cho thanh niên"));
    assert_eq!(keys("em muốn khoẻ mạnh"), keys("em muốn khỏe mạnh"));
    assert_eq!(normalize("Thuý").text, normalize("Thúy").text);
}

#[test]
fn text_without_diacritics_meets_its_accented_twin() {
    assert_eq!(keys("vay von uu dai"), keys("vay vốn ưu đãi"));
    assert_eq!(
        keys("thanh nien muon vay von ngan hang chinh sach xa hoi"),
        keys("thanh niên muốn vay vốn ngân hàng chính sách xã hội")
    );
    assert_eq!(words("thanh nien muon vay von"), ["thanh_nien", "muon", "vay_von"]);
}

#[test]
fn segments_real_sentences_into_words() {
    let w = words("Em đề nghị Ngân hàng Chính sách xã hội tăng mức cho vay giải quyết việc làm.");
    assert!(w.contains(&"Ngân_hàng".to_string()) && w.contains(&"giải_quyết".to_string()), "{w:?}");
    assert!(w.contains(&"việc_làm".to_string()), "{w:?}");
    let w = words("Học sinh dân tộc thiểu số cần học bổng");
    assert!(w.contains(&"Học_sinh".to_string()) && w.contains(&"học_bổng".to_string()), "{w:?}");
}

#[test]
fn teen_code_is_expanded_but_display_keeps_what_was_typed() {
    let text = "e ko bít đăng ký xklđ ở đâu";
    let a = analyzer().analyze(text);
    let surf: Vec<&str> = a.words.iter().map(|w| w.surface(text)).collect();
    assert!(surf.contains(&"xklđ"), "{surf:?}");
    // "xklđ" carries the features of "xuất khẩu lao động".
    let full = keys("xuất khẩu lao động");
    let short = keys("xklđ");
    assert_eq!(full, short);
    assert!(!full.is_empty());
}

#[test]
fn special_tokens_are_handled_on_purpose() {
    let text =
        "Liên hệ 0912 345 678 hoặc doanthanhnien@langson.gov.vn, xem https://langson.gov.vn 👍 lãi 0,5% năm 2024";
    let a = analyzer().analyze(text);
    let kind = |k: TokenKind| a.words.iter().filter(|w| w.kind == k).map(|w| w.surface(text)).collect::<Vec<_>>();
    assert_eq!(kind(TokenKind::Phone), ["0912 345 678"]);
    assert_eq!(kind(TokenKind::Email), ["doanthanhnien@langson.gov.vn"]);
    assert_eq!(kind(TokenKind::Url), ["https://langson.gov.vn"]);
    assert_eq!(kind(TokenKind::Emoji), ["👍"]);
    assert_eq!(kind(TokenKind::Number), ["0,5%", "2024"]);
    // None of them become clustering features: phones and addresses are not topics.
    let feats = keys(text);
    let special: Vec<u64> = a.words.iter().filter(|w| w.kind != TokenKind::Syllable).map(|w| w.key).collect();
    assert!(special.iter().all(|k| !feats.contains(k)));
}

#[test]
fn stop_words_do_not_become_features() {
    let k = keys("Em xin đề nghị tỉnh quan tâm ạ");
    assert!(k.is_empty(), "a request formula alone has no topic: {k:?}");
    assert!(!keys("Em xin đề nghị hỗ trợ vay vốn ạ").is_empty());
}

#[test]
fn no_panic_on_odd_input() {
    for s in [
        "",
        " ",
        "\u{0301}\u{0301}",
        "ạ̣̣̣",
        "😀😀👨‍👩‍👧",
        "a\u{0}b",
        "ǅ ß ẞ İ",
        "+",
        "0",
        "http://",
        "@@.",
        "đ/c 12/13/",
        "\u{FEFF}xin chào",
    ] {
        let a = analyzer().analyze(s);
        for w in &a.words {
            assert!(s.get(w.start as usize..w.end as usize).is_some(), "bad span in {s:?}");
        }
    }
}

#[test]
fn an_unaccented_request_behind_an_accented_greeting_is_read_as_unaccented() {
    let request = "de nghi tinh ho tro thanh nien vay von ngan hang chinh sach";
    let mixed = format!("Kính gửi lãnh đạo tỉnh, {request}");
    let plain = format!("Kinh gui lanh dao tinh, {request}");
    let a = analyzer().analyze(&mixed);
    let b = analyzer().analyze(&plain);
    // The request phrase gets the same words, and its stop words ("de nghi", "tinh") are
    // recognised as in a text typed wholly without diacritics.
    let tail = |x: &ykien::text::Analysis, t: &str| {
        x.words
            .iter()
            .skip_while(|w| !w.phrase_start || w.start == 0)
            .map(|w| (w.surface(t).to_string(), w.stop, w.key))
            .collect::<Vec<_>>()
    };
    assert_eq!(tail(&a, &mixed), tail(&b, &plain));
    assert!(tail(&a, &mixed)[0].1, "'de nghi' is a stop word here");
}

/// Everything an analysis says, for comparing two of them.
fn snapshot(
    a: &ykien::text::Analysis,
) -> (Vec<ykien::text::Word>, Vec<u64>, String, Vec<ykien::text::SyllableSpan>, bool) {
    (a.words.clone(), a.syllables.clone(), a.lower.clone(), a.spans.clone(), a.folded)
}

#[test]
fn remembered_clauses_and_syllables_analyse_as_on_a_fresh_thread() {
    // Each thread remembers the letter runs it normalised and the clauses it segmented.
    // Texts that share clauses in other capitals, without diacritics, in the other tone
    // placement or in NFD must still analyse as they do on a thread that saw nothing.
    let read = ykien::input::read_file(&models_dir().join("../corpus/submissions.csv"), &Default::default()).unwrap();
    let mut texts: Vec<String> = Vec::new();
    for s in read.submissions.iter().take(120) {
        texts.push(s.text.clone());
        texts.push(s.text.to_uppercase());
        texts.push(ykien::text::fold_lower(&s.text));
        texts.push(s.text.nfd().collect());
    }
    texts.push("Thanh niên xã Hoà Bình muốn học nghề. thanh niên xã hòa bình muốn học nghề.".into());
    texts.push("Em xin cảm ơn ạ! EM XIN CẢM ƠN Ạ! em xin cam on a!".into());
    // A clause too long to remember (sixty syllables), twice.
    let long = "thanh niên xã em muốn học nghề sửa chữa máy nông nghiệp ".repeat(6);
    texts.push(format!("{long}. {long}"));
    texts.push(long.to_uppercase());
    let all = texts.clone();
    let warm: Vec<_> =
        std::thread::spawn(move || all.iter().map(|t| snapshot(&analyzer().analyze(t))).collect::<Vec<_>>())
            .join()
            .unwrap();
    let fresh = |t: &str| {
        let t = t.to_string();
        std::thread::spawn(move || snapshot(&analyzer().analyze(&t))).join().unwrap()
    };
    for (t, w) in texts.iter().zip(&warm) {
        assert_eq!(w, &fresh(t), "{t}");
    }
    // Two analyzers on one thread never replay each other's clauses.
    let other = ykien::text::Analyzer::new(
        Box::new(ykien::text::LongestMatch::from_words(["thanh niên", "học nghề", "xin cảm"])),
        ["em"],
        Vec::new(),
    );
    let t = "Em xin cảm ơn, thanh niên muốn học nghề";
    let (ours, theirs) = (analyzer().analyze(t), other.analyze(t));
    assert_ne!(ours.words.len(), 0);
    assert_eq!(snapshot(&ours), fresh(t));
    let again = other.analyze(t);
    assert_eq!(snapshot(&again), snapshot(&theirs));
    let words = |a: &ykien::text::Analysis| a.words.iter().map(|w| w.surface(t).to_string()).collect::<Vec<_>>();
    assert!(words(&theirs).contains(&"xin cảm".to_string()), "{:?}", words(&theirs));
    assert!(!words(&ours).contains(&"xin cảm".to_string()), "{:?}", words(&ours));
}
