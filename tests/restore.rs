//! Accent restoration: real sentences typed without diacritics written back with them,
//! what is left as typed, hostile input and damaged models, and the command.

mod common;
use common::*;
use proptest::prelude::*;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use ykien::text::restore::Scratch;
use ykien::text::{fold_lower, Restorer, RestorerParams};

fn restorer() -> &'static Restorer {
    static R: OnceLock<Restorer> = OnceLock::new();
    R.get_or_init(|| Restorer::load_models(&models_dir()).expect("models/restorer.bin loads"))
}

fn restore(line: &str) -> String {
    restorer().restore(line, &mut Scratch::default()).text
}

/// Removes every diacritic, keeping case and everything else.
fn strip(s: &str) -> String {
    s.chars().map(ykien::text::normalize::fold_char).collect()
}

/// Sentences written for this test (youth submissions, notices, everyday news), with their
/// accents: none is taken from the training text.
const SENTENCES: &[&str] = &[
    "Em muốn hỏi điều kiện để được vay vốn ngân hàng chính sách xã hội.",
    "Đề nghị tỉnh mở thêm lớp học nghề miễn phí cho thanh niên nông thôn.",
    "Chúng em mong có thêm học bổng cho học sinh nghèo vượt khó.",
    "Xã em chưa có sân chơi cho thanh thiếu niên vào buổi tối.",
    "Sinh viên cử tuyển ra trường nhưng chưa được bố trí việc làm.",
    "Làm thế nào để đăng ký tham gia hội chợ việc làm của tỉnh?",
    "Nhà trường cần tổ chức tư vấn hướng nghiệp sớm hơn cho học sinh lớp chín.",
    "Mức lãi suất cho vay giải quyết việc làm hiện nay là bao nhiêu?",
    "Thanh niên khởi nghiệp ở vùng cao gặp nhiều khó khăn về vốn và thị trường.",
    "Tôi đề nghị tăng cường kiểm tra an toàn thực phẩm ở cổng trường.",
    "Đường vào bản bị sạt lở sau trận mưa lớn tuần trước.",
    "Chính quyền địa phương đã hỗ trợ kịp thời cho các hộ dân bị ảnh hưởng.",
    "Giá rau xanh tăng mạnh trong những ngày gần đây.",
    "Bệnh viện tỉnh tiếp nhận nhiều bệnh nhân sốt xuất huyết.",
    "Đội tuyển bóng đá của trường giành chức vô địch giải học sinh.",
    "Người lao động đi làm việc ở nước ngoài cần được tư vấn kỹ về hợp đồng.",
    "Em là đoàn viên, em muốn biết cách tham gia dự án tình nguyện mùa hè.",
    "Trung tâm giáo dục nghề nghiệp có đào tạo nghề sửa chữa xe máy không?",
    "Mong tỉnh có chính sách thu hút sinh viên giỏi về quê làm việc.",
    "Nhiều bạn trẻ chưa biết sử dụng mạng xã hội an toàn.",
    "Hợp tác xã nông nghiệp cần thêm cán bộ trẻ có chuyên môn.",
    "Các em học sinh được tặng áo ấm trước khi mùa đông đến.",
    "Thời tiết hôm nay có mưa rào và dông ở vùng núi phía bắc.",
    "Công ty đang tuyển công nhân may với mức lương khá cao.",
    "Học phí năm nay có tăng so với năm ngoái không ạ?",
    "Em xin cảm ơn lãnh đạo tỉnh đã lắng nghe ý kiến của thanh niên.",
    "Cần xây dựng thêm nhà văn hóa cho thôn để sinh hoạt cộng đồng.",
    "Người dân phản ánh nước sạch chưa về đến khu dân cư mới.",
    "Chương trình đưa thanh niên đi học đại học theo diện cử tuyển còn ít chỉ tiêu.",
    "Hãy giúp đỡ những gia đình có hoàn cảnh khó khăn trong dịp Tết.",
];

#[test]
fn restores_real_sentences_typed_without_diacritics() {
    let (mut right, mut total, mut whole) = (0usize, 0usize, 0usize);
    let mut wrong = Vec::new();
    for s in SENTENCES {
        let gold = ykien::text::normalize(s).text;
        let typed = strip(&gold);
        let got = restore(&typed);
        assert_eq!(fold_lower(&got), fold_lower(&typed), "restoration only adds marks: {got}");
        whole += (got == gold) as usize;
        for (g, r) in gold.split(' ').zip(got.split(' ')) {
            total += 1;
            if g == r {
                right += 1;
            } else {
                wrong.push(format!("{g} → {r}"));
            }
        }
    }
    let acc = right as f64 / total as f64;
    eprintln!(
        "{right} of {total} syllables right ({acc:.3}), {whole} of {} sentences whole; wrong: {wrong:?}",
        SENTENCES.len()
    );
    // pyvi's restorer gets about two thirds of syllables right on such text.
    assert!(acc >= 0.9, "syllable accuracy {acc:.3}: {wrong:?}");
    assert!(whole * 2 >= SENTENCES.len(), "{whole} sentences restored whole");
}

#[test]
fn keeps_case_numbers_urls_teen_code_and_accented_words_as_typed() {
    assert_eq!(restore("Lang Son"), "Lạng Sơn");
    assert_eq!(restore("HOC NGHE MIEN PHI"), "HỌC NGHỀ MIỄN PHÍ");
    let line = "em ko biet dang ky o dau, xem https://langson.gov.vn/tuyen-dung hoac goi 0912 345 678 truoc 15/5/2024";
    let got = restore(line);
    for kept in ["ko ", "https://langson.gov.vn/tuyen-dung", "0912 345 678", "15/5/2024"] {
        assert!(got.contains(kept), "{kept:?} kept in {got}");
    }
    assert!(got.contains("biết") && got.contains("ở đâu") && got.contains("trước"), "{got}");
    // An accented word in an unaccented line stays as typed and guides its neighbours.
    let got = restore("em muon hỏi ve hoc bong cho sinh vien ngheo");
    assert!(got.contains("hỏi") && got.contains("học bổng"), "{got}");
}

#[test]
fn a_line_typed_with_diacritics_comes_back_as_it_is() {
    for s in SENTENCES.iter().take(10) {
        let r = restorer().restore(s, &mut Scratch::default());
        assert_eq!((r.text.as_str(), r.changed), (*s, 0));
    }
    // Unaccented Vietnamese words in accented text ("con", "to", "ba") are right as typed.
    let s = "Nhà em có ba con bò to";
    assert_eq!(restore(s), s);
    assert!(Restorer::is_unaccented("toi muon hoc nghe"));
    assert!(!Restorer::is_unaccented(s));
    assert!(!Restorer::is_unaccented("12/5/2024 — 0912 345 678"));
}

#[test]
fn a_damaged_model_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(models_dir().join("restorer.bin")).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.bin", Vec::new()),
        ("cut.bin", good[..good.len() / 3].to_vec()),
        ("noise.bin", (0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()),
        ("plain.bin", b"YKIEN-RESTORER-1\n\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff".to_vec()),
    ];
    for (name, bytes) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, &bytes).unwrap();
        let e = Restorer::load(&p).expect_err(name).to_string();
        assert!(e.contains(name), "{e}");
    }
}

#[test]
fn trains_saves_and_loads_a_model_that_restores_alike() {
    let text: Vec<&str> = SENTENCES.iter().copied().cycle().take(300).collect();
    let params = RestorerParams { min_syllable_count: 1, min_trigram_count: 1, min_bigram_count: 1 };
    let m = params.train(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.bin");
    m.save(&p).unwrap();
    let back = Restorer::load(&p).unwrap();
    let typed = strip(SENTENCES[4]);
    let (a, b) = (m.restore(&typed, &mut Scratch::default()), back.restore(&typed, &mut Scratch::default()));
    assert_eq!(a, b);
    assert_eq!(a.text, SENTENCES[4], "a sentence it learned is restored whole");
    let zero = RestorerParams { min_syllable_count: 0, ..params };
    assert!(zero.train(&text).is_err());
}

/// Submissions of the province, typed without diacritics, with the words only text of
/// this kind teaches: place names of the gazetteer, requests to "tỉnh" (the province),
/// invitations ("mời"). News text alone restores them as "Tân Thạnh", "tính", "mỗi".
#[test]
fn the_shipped_model_knows_the_provinces_names_and_requests() {
    for gold in [
        "Xã Tân Thanh huyện Văn Lãng có nhiều thanh niên đi làm ở cửa khẩu.",
        "Thanh niên huyện Văn Quan và huyện Tràng Định mong tỉnh quan tâm.",
        "Đề nghị nhà trường mời doanh nghiệp về tư vấn.",
    ] {
        assert_eq!(restore(&strip(gold)), gold);
    }
}

/// `--domain`: the texts of the kind the restorer will read teach it their words, counted
/// `--domain-weight` times; rows of another split than `train` are left out (they
/// measure); the gazetteer's unit names are added.
#[test]
fn the_domain_teaches_its_words_but_not_its_test_rows() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.txt");
    std::fs::write(&base, SENTENCES.join("\n")).unwrap();
    let domain = dir.path().join("y-kien.csv");
    std::fs::write(
        &domain,
        "id,text,split\n\
         1,Ban chấp hành Đoàn trường tổ chức hội trại cho đoàn viên.,train\n\
         2,Đoạn đường ven suối đã được sửa xong.,test\n",
    )
    .unwrap();
    let run = |extra: &[&str], out: &str| {
        let mut args = vec!["train-restorer", base.to_str().unwrap(), "--min-syllable-count", "1"];
        args.extend_from_slice(&["--min-trigram-count", "1", "--out", out]);
        args.extend_from_slice(extra);
        let (ok, stdout, stderr) = run_ykien(&args, dir.path());
        assert!(ok, "{stderr}");
        let r = Restorer::load_with_teencode(&dir.path().join(out), &models_dir()).unwrap();
        (stdout, move |l: &str| r.restore(l, &mut Scratch::default()).text)
    };
    let (_, plain) = run(&[], "plain.bin");
    let (said, domain_taught) = run(&["--domain", domain.to_str().unwrap(), "--domain-weight", "3"], "domain.bin");
    assert!(said.contains("each 3 times"), "{said}");
    let typed = "Doan truong to chuc hoi trai o huyen Huu Lung";
    assert_eq!(domain_taught(typed), "Đoàn trường tổ chức hội trại ở huyện Hữu Lũng");
    assert_ne!(plain(typed), domain_taught(typed), "the base text alone does not know them");
    // The test row's words were not learned: "doan duong" is not "Đoạn đường".
    assert!(!domain_taught("Doan duong ven suoi").contains("Đoạn đường"));
}

/// `eval-restorer` on submissions: the accented texts outside the train split, folded and
/// restored; on the hand-written held-out submissions (corpus/heldout.csv, never learned
/// from) the shipped model gets at least 0.965 of the syllables right (news text alone: 0.957).
#[test]
fn eval_restorer_scores_held_out_submissions() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("y-kien.csv");
    std::fs::write(
        &f,
        "text,split\nMong tỉnh mở lớp học nghề.,train\nĐề nghị tỉnh hỗ trợ vay vốn.,test\nde nghi tinh ho tro,test\n",
    )
    .unwrap();
    let (ok, out, err) = run_ykien(&["eval-restorer", f.to_str().unwrap()], dir.path());
    assert!(ok, "{err}");
    assert!(out.contains(": 1 texts, 7 syllables"), "only the accented test row is gold: {out}");
    let none = dir.path().join("khong-dau.csv");
    std::fs::write(&none, "text,split\nde nghi tinh ho tro,test\n").unwrap();
    let (ok, _, err) = run_ykien(&["eval-restorer", none.to_str().unwrap()], dir.path());
    assert!(!ok && err.contains("khong-dau.csv") && err.contains("có dấu"), "{err}");
    let heldout = models_dir().join("../corpus/heldout.csv");
    let (ok, out, err) = run_ykien(&["eval-restorer", heldout.to_str().unwrap()], dir.path());
    assert!(ok, "{err}");
    let acc: f64 = out
        .split("syllable accuracy ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no accuracy in {out}"));
    assert!(acc >= 0.965, "held-out submissions restored at {acc}");
}

#[test]
fn the_command_restores_line_for_line() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ykien"))
        .args(["restore"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all("thanh nien muon vay von\n\nXin cảm ơn.\n".as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "thanh niên muốn vay vốn\n\nXin cảm ơn.\n");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    /// Any line: no panic, and nothing but marks added (the folded text is the same).
    #[test]
    fn restoration_only_adds_marks(parts in prop::collection::vec(prop_oneof![
        "[a-zA-Z]{1,7}",
        Just("nguoi".to_string()), Just("Viet".to_string()), Just("đi".to_string()),
        "[ ,.!?0-9/:-]{1,3}",
        any::<char>().prop_map(|c| c.to_string()),
        Just("\u{301}".to_string()), Just("e\u{302}\u{301}".to_string()),
    ], 0..40)) {
        let line: String = parts.concat();
        let got = restore(&line);
        prop_assert_eq!(fold_lower(&ykien::text::normalize(&got).text), fold_lower(&ykien::text::normalize(&line).text));
    }
}
