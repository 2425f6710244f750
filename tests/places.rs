//! Localities as people write them, recognised against the gazetteer of models/places:
//! prefixes, diacritics, typos, a commune within its district, a place named in a text,
//! ambiguous names reported, and 2024 units mapped onto the units of 1 July 2025.

mod common;

use ykien::places::{Gazetteer, Level, Recognised};

fn gz() -> Gazetteer {
    Gazetteer::load(&common::models_dir(), "lang-son").expect("gazetteer loads")
}

fn code(r: &Recognised) -> String {
    match r {
        Recognised::Found { place } => place.code.clone(),
        Recognised::Ambiguous { candidates } => {
            format!("?{}", candidates.iter().map(|c| c.code.as_str()).collect::<Vec<_>>().join("|"))
        }
        Recognised::Unknown => "-".into(),
    }
}

#[test]
fn the_gazetteer_holds_both_structures() {
    let g = gz();
    assert_eq!(g.districts.len(), 11);
    assert_eq!(g.districts.iter().map(|d| d.units.len()).sum::<usize>(), 200);
    assert_eq!(g.units2025.len(), 65);
    assert_eq!(g.units2025.iter().filter(|u| u.kind == "phường").count(), 4);
}

#[test]
fn one_district_written_five_ways_is_one_unit() {
    let g = gz();
    for s in ["H. Hữu Lũng", "huyen huu lung", "Hữu Lũng - Lạng Sơn", "HUYỆN HỮU LŨNG", "h.Hữu Lũng", "Huu Lungg"]
    {
        assert_eq!(code(&g.recognise(s)), "2024:huu-lung", "{s}");
    }
    for s in ["TP Lạng Sơn", "Thành phố Lạng Sơn", "tp. lang son", "T.P Lạng Sơn"] {
        assert_eq!(code(&g.recognise(s)), "2024:lang-son", "{s}");
    }
    assert_eq!(code(&g.recognise("Lạng Sơn")), "tinh", "the province itself");
    assert_eq!(code(&g.recognise("Trang Dinh")), "2024:trang-dinh");
    assert_eq!(code(&g.recognise("Tràng Địng")), "2024:trang-dinh", "one typo in a long name");
    assert_eq!(code(&g.recognise("Hà Nội")), "-");
    assert_eq!(code(&g.recognise("")), "-");
}

#[test]
fn a_commune_is_resolved_within_its_district_and_an_ambiguous_name_reported() {
    let g = gz();
    assert_eq!(code(&g.recognise("xã Hòa Bình (Chi Lăng)")), "2024:chi-lang/hoa-binh");
    assert_eq!(code(&g.recognise("Xã Hoà Bình, huyện Hữu Lũng")), "2024:huu-lung/hoa-binh", "either tone placement");
    assert_eq!(code(&g.recognise("xa hoa binh - huyen van quan")), "2024:van-quan/hoa-binh");
    // Four districts have a Hòa Bình: said so, not guessed.
    match g.recognise("xã Hòa Bình") {
        Recognised::Ambiguous { candidates } => {
            let codes: Vec<&str> = candidates.iter().map(|c| c.code.as_str()).collect();
            assert_eq!(codes.len(), 4, "{codes:?}");
            assert!(codes.contains(&"2024:binh-gia/hoa-binh") && codes.contains(&"2024:chi-lang/hoa-binh"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(code(&g.recognise("X. Khuất Xá")), "2024:loc-binh/khuat-xa", "a name only one district has");
    assert_eq!(code(&g.recognise("TT Đồng Đăng")), "2024:cao-loc/dong-dang");
    assert_eq!(code(&g.recognise("P. Đông Kinh")), "2024:lang-son/dong-kinh");
    // A prefix decides between a district and a commune of the same name.
    assert_eq!(code(&g.recognise("Chi Lăng")), "2024:chi-lang");
    assert_eq!(code(&g.recognise("thị trấn Chi Lăng")), "2024:chi-lang/thi-tran-chi-lang");
    // The district has a commune of the same name: a unit of its own, in the tables too.
    assert_eq!(code(&g.recognise("xã Chi Lăng, huyện Chi Lăng")), "2024:chi-lang/xa-chi-lang");
    let row = |s: &str| g.row(&g.recognise(s), Some(s), ykien::places::Structure::Y2024).label;
    assert_eq!(row("thị trấn Chi Lăng"), "huyện Chi Lăng · thị trấn Chi Lăng");
    assert_eq!(row("xã Chi Lăng, huyện Chi Lăng"), "huyện Chi Lăng · xã Chi Lăng");
    assert_eq!(code(&g.recognise("phường Chi Lăng")), "2024:lang-son/chi-lang");
    // A 2025 unit's new name.
    assert_eq!(code(&g.recognise("xã Tuấn Sơn")), "2025:tuan-son");
    assert_eq!(code(&g.recognise("Phường Kỳ Lừa")), "2025:ky-lua");
}

#[test]
fn a_place_named_in_the_text_is_found_and_common_words_are_not_places() {
    let g = gz();
    let r = g.in_text("Em ở xã Tân Tiến, huyện Tràng Định, em muốn hỏi về vay vốn học nghề.");
    assert_eq!(code(&r), "2024:trang-dinh/tan-tien");
    assert_eq!(code(&g.in_text("thanh niên huyện Bình Gia mong có thêm lớp học nghề")), "2024:binh-gia");
    assert_eq!(code(&g.in_text("em o huyen huu lung, xin hoi ve hoc bong")), "2024:huu-lung");
    // "Hòa bình", "thống nhất", "chiến thắng" are words before they are communes.
    assert_eq!(code(&g.in_text("Mong đất nước hòa bình, thống nhất và chiến thắng đói nghèo.")), "-");
    assert_eq!(code(&g.in_text("Em muốn vay vốn mở xưởng mộc.")), "-");
}

#[test]
fn units_of_2024_map_onto_2025_and_a_split_one_says_so() {
    let g = gz();
    let place = |s: &str| match g.recognise(s) {
        Recognised::Found { place } => place,
        other => panic!("{s}: {other:?}"),
    };
    let names = |s: &str| g.to_2025(&place(s)).iter().map(|u| u.name.clone()).collect::<Vec<_>>();
    assert_eq!(names("xã Tam Gia, huyện Lộc Bình"), ["Khuất Xá"]);
    assert_eq!(names("thị trấn Cao Lộc"), ["Kỳ Lừa"], "a town of a district into a ward of the city");
    // Đại Đồng was split in December 2024 between Thất Khê town and Đội Cấn, which went to
    // two 2025 communes; Bính Xá was split between Đình Lập and Kiên Mộc.
    assert_eq!(names("xã Đại Đồng (Tràng Định)"), ["Thất Khê", "Quốc Khánh"]);
    assert_eq!(names("xã Bính Xá"), ["Đình Lập", "Kiên Mộc"]);
    let district = g.to_2025(&place("huyện Tràng Định"));
    assert_eq!(district.len(), 7, "Tràng Định's communes went to seven units");
    assert_eq!(place("xã Tuấn Sơn").level, Level::Unit2025);
}

#[test]
fn names_folding_alike_are_told_apart_by_their_diacritics() {
    let g = gz();
    assert_eq!(code(&g.recognise("Xã Vạn Thủy")), "2024:bac-son/van-thuy");
    assert_eq!(code(&g.recognise("Xã Vân Thủy")), "2024:chi-lang/van-thuy");
    // Typed without them, both remain possible.
    assert!(matches!(g.recognise("xa van thuy"), Recognised::Ambiguous { .. }));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Any string, place-like or not, gets an answer: no panic, and a found unit is
        /// one the gazetteer has.
        #[test]
        fn any_string_gets_an_answer(
            s in prop::collection::vec(prop::sample::select(vec![
                "xã", "X.", "huyện", "H.", "TP", "tp.", "thị trấn", "phường", "P.", "Hòa", "Bình", "Tân",
                "Thành", "Chi", "Lăng", "Hữu", "Lũng", "-", ",", "(", ")", "đ", "  ", "\u{301}", "Ω", "1",
            ]), 0..12)
        ) {
            let g = gz();
            let text = s.concat();
            for r in [g.recognise(&text), g.in_text(&text)] {
                if let Recognised::Found { place } = r {
                    prop_assert!(place.code == "tinh" || place.code.starts_with("2024:") || place.code.starts_with("2025:"));
                }
            }
        }
    }
}

#[test]
fn analyze_counts_places_by_the_structure_not_by_the_string() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("y.csv");
    std::fs::write(
        &input,
        "Mã,Huyện/xã,Ý kiến\n\
         1,H. Hữu Lũng,Em muốn vay vốn ngân hàng chính sách để nuôi bò\n\
         2,huyen huu lung,Đề nghị mở lớp dạy nghề sửa xe máy cho thanh niên\n\
         3,Hữu Lũng - Lạng Sơn,Mong có thêm việc làm cho thanh niên ở quê\n\
         4,xã Bính Xá,Trường em thiếu giáo viên tiếng Anh\n\
         5,,Em ở xã Tân Tiến huyện Tràng Định muốn hỏi về học bổng\n\
         6,xã Hòa Bình,Xin hỏi về vay vốn khởi nghiệp cho thanh niên\n\
         7,Tràng Định,Đường vào thôn em ở xã Quốc Việt rất xấu\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let (ok, _, err) = common::run_ykien(
        &["analyze", input.to_str().unwrap(), "--out", out.to_str().unwrap(), "--profile", "lang-son-2024", "--k", "2"],
        tmp.path(),
    );
    assert!(ok, "{err}");
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(out.join("submissions.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let place = |i: usize| rows[i]["place"]["place"]["code"].as_str().unwrap_or("").to_string();
    assert_eq!(
        (place(0), place(1), place(2)),
        ("2024:huu-lung".into(), "2024:huu-lung".into(), "2024:huu-lung".into())
    );
    assert_eq!(rows[0]["locality"], "H. Hữu Lũng", "the string as written is kept beside it");
    assert_eq!(place(4), "2024:trang-dinh/tan-tien", "no column: the text says where");
    assert_eq!(rows[5]["place"]["status"], "ambiguous");
    assert_eq!(place(6), "2024:trang-dinh/quoc-viet", "the district's commune named in the text");
    // One row for Hữu Lũng, however written, in clusters.json and the report.
    let clusters: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("clusters.json")).unwrap()).unwrap();
    let mut per: std::collections::BTreeMap<String, u64> = Default::default();
    for c in clusters["clusters"].as_array().unwrap() {
        for (k, v) in c["localities"].as_object().unwrap() {
            *per.entry(k.clone()).or_default() += v.as_u64().unwrap();
        }
    }
    assert_eq!(per.get("huyện Hữu Lũng"), Some(&3), "{per:?}");
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    let heat = &report[report.find("id=\"dia-phuong\"").expect("the places section")..];
    let at = |s: &str| heat.find(s).unwrap_or_else(|| panic!("{s} in the report's places"));
    // Ordered by the structure: Tràng Định's communes before Hữu Lũng, the ambiguous after.
    assert!(at("huyện Tràng Định · xã Tân Tiến") < at("<td>huyện Hữu Lũng</td>"));
    assert!(at("<td>huyện Hữu Lũng</td>") < at("(tên trùng, chưa rõ nơi) xã Hòa Bình"));
    // By district alone: Tràng Định's communes counted in it.
    let outd = tmp.path().join("outd");
    let (ok, _, err) = common::run_ykien(
        &["analyze", input.to_str().unwrap(), "--out", outd.to_str().unwrap(), "--k", "2", "--places-by", "district"],
        tmp.path(),
    );
    assert!(ok, "{err}");
    let report = std::fs::read_to_string(outd.join("report.html")).unwrap();
    let heat = &report[report.find("id=\"dia-phuong\"").unwrap()..];
    assert!(heat.contains("<td>huyện Tràng Định</td>") && !heat.contains("xã Tân Tiến"), "{heat}");
    // By the units of 2025: a commune split between two says so.
    let out25 = tmp.path().join("out25");
    let (ok, _, err) = common::run_ykien(
        &[
            "analyze",
            input.to_str().unwrap(),
            "--out",
            out25.to_str().unwrap(),
            "--profile",
            "lang-son-2024",
            "--k",
            "2",
            "--places-by",
            "2025",
        ],
        tmp.path(),
    );
    assert!(ok, "{err}");
    let report = std::fs::read_to_string(out25.join("report.html")).unwrap();
    assert!(report.contains("xã Bính Xá (huyện Đình Lập) cũ, nay chia cho xã Đình Lập và xã Kiên Mộc"), "split");
    assert!(report.contains("<td>xã Tân Tiến</td>") && report.contains("huyện Hữu Lũng (cũ, chưa rõ xã)"));
}

#[test]
fn a_long_hostile_locality_or_text_is_read_in_bounded_work() {
    let g = gz();
    let cell = "xã Hòa Bìnhh huyện Chi Lăngg ".repeat(40_000);
    assert!(!matches!(g.recognise(&cell), Recognised::Unknown), "its beginning still counts");
    let text = "em ở xã Tân Tiến huyện Tràng Định ".repeat(20_000);
    assert_eq!(code(&g.in_text(&text)), "2024:trang-dinh/tan-tien");
}

#[test]
fn other_written_forms_of_a_name_are_the_unit() {
    let g = gz();
    assert_eq!(code(&g.recognise("TPLS")), "2024:lang-son");
    assert_eq!(code(&g.recognise("TP.LS")), "2024:lang-son");
    assert_eq!(code(&g.recognise("Xã Mai Pha - TP.LS")), "2024:lang-son/mai-pha");
    assert_eq!(code(&g.recognise("P. Vĩnh Trại, TP.LS")), "2024:lang-son/vinh-trai");
    assert_eq!(code(&g.recognise("TT NT Thái Bình")), "2024:dinh-lap/nong-truong-thai-binh");
}
