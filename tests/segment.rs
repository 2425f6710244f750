//! The trained segmenter: real sentences, text without diacritics, NFD, tone variants,
//! special tokens, exact offsets, and a train-then-evaluate round trip on the treebank.

mod common;
use common::*;
use std::path::PathBuf;
use unicode_normalization::UnicodeNormalization;
use ykien::text::conllu::read_conllu;
use ykien::text::{Dictionary, LongestMatch, Perceptron, PerceptronParams, Segmenter};

fn seg(text: &str) -> String {
    words(text).join(" ")
}

#[test]
fn segments_real_submissions() {
    assert_eq!(
        seg("Thanh niên muốn vay vốn ngân hàng chính sách để học nghề"),
        "Thanh_niên muốn vay_vốn ngân_hàng chính_sách để học_nghề"
    );
    let w = words("Đề nghị tỉnh tổ chức ngày hội tư vấn tuyển sinh");
    for x in ["Đề_nghị", "tổ_chức", "tư_vấn", "tuyển_sinh"] {
        assert!(w.contains(&x.to_string()), "{x} in {w:?}");
    }
    assert_eq!(seg("Sinh viên cử tuyển chưa được bố trí việc làm"), "Sinh_viên cử_tuyển chưa được bố_trí việc_làm");
}

#[test]
fn no_diacritics_caps_nfd_and_tone_variants_segment_alike() {
    assert_eq!(seg("thanh nien muon vay von"), "thanh_nien muon vay_von");
    assert_eq!(seg("THANH NIÊN MUỐN VAY VỐN"), "THANH_NIÊN MUỐN VAY_VỐN");
    let nfd: String = "Thanh niên muốn vay vốn".nfd().collect();
    assert_eq!(seg(&nfd).nfc().collect::<String>(), "Thanh_niên muốn vay_vốn");
    // Either tone placement, one segmentation.
    let old = words("Chính sách hoà nhập cộng đồng cho thanh niên khuyết tật");
    let new = words("Chính sách hòa nhập cộng đồng cho thanh niên khuyết tật");
    assert_eq!(old.len(), new.len());
    assert!(old.contains(&"hoà_nhập".to_string()) && new.contains(&"hòa_nhập".to_string()), "{old:?}");
}

#[test]
fn special_tokens_stay_whole_and_offsets_slice_the_original() {
    let text = "Vay 2,5 triệu (90%) từ 12/3/2024, gọi 0912.345.678 hoặc xem https://ykien.vn 😊 nhé";
    let a = analyzer().analyze(text);
    let surf: Vec<&str> = a.words.iter().map(|w| w.surface(text)).collect();
    for t in ["2,5", "triệu", "90%", "12/3/2024", "0912.345.678", "https://ykien.vn", "😊"] {
        assert!(surf.contains(&t), "{t} in {surf:?}");
    }
    // NFD input: every span starts and ends on a char boundary of the original and,
    // once composed, reads as the word.
    let nfd: String = "Chúng em đề nghị mở lớp đào tạo nghề".nfd().collect();
    let a = analyzer().analyze(&nfd);
    let composed: Vec<String> = a.words.iter().map(|w| w.surface(&nfd).nfc().collect()).collect();
    assert_eq!(composed, ["Chúng em", "đề nghị", "mở", "lớp", "đào tạo", "nghề"].map(String::from));
    assert_eq!(a.words.last().unwrap().end as usize, nfd.len());
}

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ud-vtb");
    if p.join("vi_vtb-ud-train.conllu").exists() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared/data/ud-vtb is absent (a fresh clone); CI has it");
        None
    }
}

#[test]
fn train_then_evaluate_round_trip_on_a_treebank_slice() {
    let Some(dir) = shared() else { return };
    let train = read_conllu(&dir.join("vi_vtb-ud-train.conllu")).unwrap();
    let dev = read_conllu(&dir.join("vi_vtb-ud-dev.conllu")).unwrap();
    let (train, dev) = (&train[..400], &dev[..300]);
    let dict = || Dictionary::load_dir(&models_dir().join("dict")).unwrap();
    let params = PerceptronParams { epochs: 5, seed: 3, augment_folded: true };
    let mut seen = Vec::new();
    let (model, _) = params.train(dict(), train, Some(dev), |e, f| seen.push((e, f.unwrap()))).unwrap();
    assert_eq!(seen.len(), 5);
    let f1 = model.evaluate(dev).f1();
    // Learning from 400 sentences beats the dictionary alone on unseen sentences.
    let lm = LongestMatch::from_dictionary(dict());
    let mut base = ykien::text::conllu::SpanScore::default();
    let mut starts = Vec::new();
    for g in dev {
        ykien::text::perceptron::Prepared::new(g, false).with(|s| lm.segment(s, &mut starts));
        base.add(&starts, &g.starts);
    }
    assert!(f1 > base.f1() && f1 > 0.93, "perceptron {f1:.4} vs longest match {:.4}", base.f1());
    // Saving and loading gives the same model.
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("seg.bin");
    model.save(&path).unwrap();
    let again = Perceptron::load(&path, dict()).unwrap();
    assert_eq!(again.evaluate(dev), model.evaluate(dev));
    // The same seed trains the same model.
    let (twin, _) = params.train(dict(), train, Some(dev), |_, _| {}).unwrap();
    assert_eq!(twin.evaluate(dev), model.evaluate(dev));
}

#[test]
fn a_corrupt_model_file_is_an_error_not_a_panic() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("bad.bin");
    std::fs::write(&p, b"YKSEG\x01\x14garbage").unwrap();
    let e = Perceptron::load(&p, Dictionary::from_words(["thanh niên"])).err().unwrap().to_string();
    assert!(e.contains("bad.bin") && e.contains("không phải mô hình tách từ của ykien"), "{e}");
}

#[test]
fn every_character_of_the_treebank_is_kept_and_punctuation_stands_alone() {
    let Some(dir) = shared() else { return };
    let text = std::fs::read_to_string(dir.join("vi_vtb-ud-dev.conllu")).unwrap();
    let lines: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("# text = ")).collect();
    assert!(lines.len() > 1000);
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace() && *c != '_').collect::<String>();
    let a = analyzer();
    let mut lost = 0;
    for line in &lines {
        let out = ykien::text::segmented_line(&a.analyze(line), line);
        lost += (squeeze(&out) != squeeze(line)) as usize;
    }
    assert_eq!(lost, 0, "{lost} of {} lines lose characters", lines.len());
    let out = ykien::text::segmented_line(
        &a.analyze("Thanh niên (18-30 tuổi) học nghề, đi làm..."),
        "Thanh niên (18-30 tuổi) học nghề, đi làm...",
    );
    assert!(out.starts_with("Thanh_niên ( ") && out.contains(" , ") && out.ends_with(" ..."), "{out}");
}
