//! Spherical k-means and the clustering pipeline on Vietnamese text.

mod common;
use common::*;
use ykien::cluster::{KMeansParams, KSearch};
use ykien::eval::nmi;
use ykien::features::TfidfParams;
use ykien::rng::Rng;
use ykien::traits::Fit;

/// Three clearly separate themes: each submission names five of the eight phrases of
/// its theme's pool, and the pools share no word.
fn three_themes(per: usize) -> (Vec<String>, Vec<usize>) {
    let pools = [
        ["vay vốn", "lãi suất", "ngân hàng chính sách", "trả nợ", "giải ngân", "tín chấp", "hạn mức", "gia hạn"],
        ["học bổng", "giáo viên", "sách giáo khoa", "phòng học", "thư viện", "bán trú", "ôn thi", "lớp học"],
        ["bệnh viện", "bác sĩ", "trạm y tế", "tiêm chủng", "thuốc men", "khám bệnh", "y tá", "cấp cứu"],
    ];
    let mut rng = Rng::new(3);
    let (mut texts, mut gold) = (Vec::new(), Vec::new());
    for (g, pool) in pools.iter().enumerate() {
        for _ in 0..per {
            let mut order: Vec<usize> = (0..pool.len()).collect();
            rng.shuffle(&mut order);
            let p: Vec<&str> = order[..5].iter().map(|&i| pool[i]).collect();
            texts.push(format!("Em đề nghị tỉnh quan tâm {}, {}, {}, {} và {} ạ", p[0], p[1], p[2], p[3], p[4]));
            gold.push(g);
        }
    }
    (texts, gold)
}

fn matrix(texts: &[String]) -> ykien::features::CsrMatrix {
    let keys: Vec<Vec<u64>> = texts.iter().map(|t| keys(t)).collect();
    let t = TfidfParams { min_df: 1, ..Default::default() }.fit(&keys).unwrap();
    t.transform(&keys)
}

#[test]
fn recovers_well_separated_groups() {
    let (texts, gold) = three_themes(30);
    let x = matrix(&texts);
    let m = KMeansParams::new(3).fit(&x).unwrap();
    assert!((nmi(&m.assignments, &gold) - 1.0).abs() < 1e-9, "NMI {}", nmi(&m.assignments, &gold));
    assert!(m.similarity.iter().all(|&s| s > 0.0));
    // The automatic choice of k finds three as well.
    let (k, scores) = ykien::cluster::choose_k(
        &x,
        &KSearch { min_k: 2, max_k: 8, sample: 1000, min_gain: 0.02 },
        &KMeansParams::new(2),
    )
    .unwrap();
    assert_eq!(k, 3, "{scores:?}");
}

#[test]
fn same_seed_same_result_across_thread_counts() {
    let read = ykien::input::read_file(&models_dir().join("../corpus/submissions.csv"), &Default::default()).unwrap();
    let texts: Vec<String> = read.submissions.iter().map(|s| s.text.clone()).collect();
    let x = matrix(&texts);
    let p = KMeansParams { seed: 11, ..KMeansParams::new(7) };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(|| p.fit(&x).unwrap())
    };
    let (a, b, c) = (run(1), run(2), run(2));
    assert_eq!(a.assignments, b.assignments);
    assert_eq!(b.assignments, c.assignments);
    assert_eq!(a.centroids, b.centroids);
    let other = KMeansParams { seed: 12, ..KMeansParams::new(7) }.fit(&x).unwrap();
    assert_ne!(other.assignments, a.assignments, "a different seed should explore differently");
}

#[test]
fn texts_sent_many_times_clustered_once_give_what_a_row_each_gives() {
    // The bundled corpus's distinct texts, each read by one to five submissions.
    let read = ykien::input::read_file(&models_dir().join("../corpus/submissions.csv"), &Default::default()).unwrap();
    let texts: Vec<String> = read.submissions.iter().map(|s| s.text.clone()).collect();
    let x = matrix(&texts);
    let mut rng = Rng::new(5);
    let rows: Vec<u32> = (0..x.n_rows() as u32).flat_map(|r| std::iter::repeat_n(r, 1 + rng.below(5))).collect();
    let ids: Vec<usize> = rows.iter().map(|&r| r as usize).collect();
    let each = x.select(&ids);
    // Choosing k on the shared rows is choosing it on a row each (the same sample drawn).
    let search = KSearch { min_k: 3, max_k: 9, sample: 1000, min_gain: 0.02 };
    let shared = ykien::cluster::choose_k_rows(&x, &rows, &search, &KMeansParams::new(2)).unwrap();
    assert_eq!(shared, ykien::cluster::choose_k(&each, &search, &KMeansParams::new(2)).unwrap());
    // A model assigns each distinct text once; spread back, as if every copy had been assigned.
    let model = KMeansParams { seed: 3, ..KMeansParams::new(7) }.fit(&x).unwrap();
    let once = model.clone().assign_all(&x).expand(&rows);
    let every = model.assign_all(&each);
    assert_eq!(once.assignments, every.assignments);
    assert_eq!(once.similarity, every.similarity);
    assert_eq!(once.objective, every.objective);
    assert!(rows.len() > x.n_rows() * 2, "{} rows for {} texts", rows.len(), x.n_rows());
}

#[test]
fn invalid_parameters_are_errors_not_panics() {
    let (texts, _) = three_themes(2);
    let x = matrix(&texts);
    assert!(KMeansParams::new(0).fit(&x).is_err());
    let e = KMeansParams::new(50).fit(&x).err().unwrap().to_string();
    assert!(e.contains("k = 50") && e.contains("(6)"), "{e}");
    assert!(TfidfParams { min_df: 0, ..Default::default() }.fit(&[]).is_err());
}

#[test]
fn pipeline_report_is_consistent_with_its_records() {
    let read = ykien::input::read_file(&models_dir().join("../corpus/submissions.csv"), &Default::default()).unwrap();
    let subs: Vec<_> = read.submissions.into_iter().take(300).collect();
    let settings = ykien::pipeline::Settings { k: Some(6), ..Default::default() };
    let r = ykien::pipeline::analyze(models(), &subs, &settings, &indicatif::ProgressBar::hidden()).unwrap();
    assert_eq!(r.records.len(), subs.len());
    assert_eq!(r.clusters.len(), 6);
    let clustered = r.records.iter().filter(|x| x.cluster.is_some()).count();
    assert_eq!(r.clusters.iter().map(|c| c.size).sum::<usize>(), clustered);
    assert_eq!(clustered + r.unclustered, subs.len());
    for c in &r.clusters {
        assert_eq!(c.localities.values().sum::<usize>(), c.size);
        assert_eq!(c.departments.values().sum::<usize>(), c.size);
        assert!(!c.label.is_empty() && c.representatives.len() <= 5);
        // Representatives are members of the cluster: written with diacritics first,
        // then most similar first within each group.
        for w in c.representatives.windows(2) {
            assert!(w[0].typed_without_diacritics <= w[1].typed_without_diacritics);
            if w[0].typed_without_diacritics == w[1].typed_without_diacritics {
                assert!(w[0].similarity >= w[1].similarity);
            }
        }
        for rep in &c.representatives {
            let at = subs.iter().position(|s| s.id == rep.id).unwrap();
            assert_eq!(r.records[at].cluster, Some(c.id));
        }
    }
    // Clusters come largest first.
    assert!(r.clusters.windows(2).all(|w| w[0].size >= w[1].size));
}

#[test]
fn the_mixture_recovers_themes_and_ignores_the_thread_count() {
    use ykien::cluster::dmm::DmmParams;
    let (texts, gold) = three_themes(30);
    let m = DmmParams::new(3).fit(&matrix(&texts)).unwrap();
    assert!(nmi(&m.assignments, &gold) > 0.95, "NMI {}", nmi(&m.assignments, &gold));
    // More rows than one sampling block: blocks run in parallel, yet the result is the same.
    let (texts, gold) = three_themes(3000);
    let x = matrix(&texts);
    let p = DmmParams { seed: 5, iters: 8, ..DmmParams::new(3) };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(|| p.fit(&x).unwrap())
    };
    let (a, b, c) = (run(1), run(2), run(3));
    assert_eq!(a.assignments, b.assignments);
    assert_eq!(a.assignments, c.assignments);
    assert!(a.k <= 3 && nmi(&a.assignments, &gold) > 0.9, "k {} NMI {}", a.k, nmi(&a.assignments, &gold));
    assert!(DmmParams::new(0).fit(&x).is_err());
}

#[test]
fn analysing_while_reading_in_batches_gives_the_one_batch_results() {
    use ykien::pipeline::{analyze, analyze_files, Settings};
    let m = models();
    let corpus = m.bundled_corpus();
    let d = tempfile::tempdir().unwrap();
    // Two files, so batches also cross a file boundary.
    let text = std::fs::read_to_string(&corpus).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (a, b) = (d.path().join("a.csv"), d.path().join("b.csv"));
    std::fs::write(&a, lines[..400].join("\n")).unwrap();
    std::fs::write(&b, [lines[0]].iter().chain(&lines[400..]).copied().collect::<Vec<_>>().join("\n")).unwrap();
    let paths = vec![a, b];
    let settings = Settings { k: Some(7), ..Settings::default() };
    let pb = indicatif::ProgressBar::hidden();
    let whole = ykien::input::read_files(&paths, &Default::default()).unwrap();
    let one = analyze(m, &whole.submissions, &settings, &pb).unwrap();
    let (read, batched) = analyze_files(m, &paths, &Default::default(), 37, &settings, &pb).unwrap();
    assert_eq!(read.submissions, whole.submissions);
    assert_eq!(read.sources, whole.sources);
    assert_eq!(serde_json::to_string(&batched).unwrap(), serde_json::to_string(&one).unwrap());
    let recs =
        |r: &ykien::pipeline::Report| r.records.iter().map(|x| serde_json::to_string(x).unwrap()).collect::<Vec<_>>();
    assert_eq!(recs(&batched), recs(&one));
    // A bad record stops the batched read with its file and line, as the whole read does.
    std::fs::write(&paths[1], format!("{}\nx1,{}\n", lines[0], "thừa,".repeat(12))).unwrap();
    let err = analyze_files(m, &paths, &Default::default(), 37, &settings, &pb).unwrap_err().to_string();
    assert!(err.contains("b.csv:2"), "{err}");
}

#[test]
fn a_submission_sent_again_word_for_word_gets_its_originals_results() {
    use ykien::pipeline::{analyze, RecordResult, Settings};
    let m = models();
    let read = ykien::input::read_file(&m.bundled_corpus(), &Default::default()).unwrap();
    let mut subs = read.submissions.clone();
    let n = subs.len();
    // The first forty sent again after everything else, under ids of their own.
    for (i, s) in read.submissions.iter().take(40).enumerate() {
        let mut c = s.clone();
        c.id = format!("again-{i}");
        subs.push(c);
    }
    let r =
        analyze(m, &subs, &Settings { k: Some(7), ..Settings::default() }, &indicatif::ProgressBar::hidden()).unwrap();
    // Results sit at the submission's position; its id is the submission's own.
    let json = |x: &RecordResult| serde_json::to_value(x).unwrap();
    let mut grouped = 0;
    for (i, sub) in subs.iter().take(40).enumerate() {
        let (a, b) = (&r.records[i], &r.records[n + i]);
        assert_eq!(json(a), json(b), "{}", sub.text);
        if a.cluster.is_some() {
            grouped += r.duplicates.iter().any(|g| g.ids.contains(&sub.id) && g.ids.contains(&subs[n + i].id)) as usize;
        }
    }
    // Every clustered copy lands in its original's near-duplicate group.
    assert_eq!(grouped, (0..40).filter(|&i| r.records[i].cluster.is_some()).count());
    assert!(grouped > 30);
}

#[test]
fn a_text_sent_many_times_is_one_representative_not_five() {
    use ykien::pipeline::{analyze, Settings};
    let m = models();
    let read = ykien::input::read_file(&m.bundled_corpus(), &Default::default()).unwrap();
    let mut subs = read.submissions.clone();
    // Every tenth submission sent thirty times more: word for word, in capitals, and with
    // a greeting before it (near-duplicates, not copies).
    for (i, s) in read.submissions.iter().enumerate().filter(|(i, _)| i % 10 == 0) {
        for j in 0..30 {
            let mut c = s.clone();
            c.id = format!("again-{i}-{j}");
            c.text = match j % 3 {
                0 => s.text.clone(),
                1 => s.text.to_uppercase(),
                _ => format!("Kính gửi lãnh đạo tỉnh, {}", s.text),
            };
            subs.push(c);
        }
    }
    let r =
        analyze(m, &subs, &Settings { k: Some(7), ..Settings::default() }, &indicatif::ProgressBar::hidden()).unwrap();
    let group_of = |id: &str| r.duplicates.iter().position(|g| g.ids.iter().any(|x| x == id));
    let mut shown = 0;
    for c in &r.clusters {
        shown += c.representatives.len();
        assert_eq!(c.representatives.len(), c.size.min(5), "cluster {}", c.label);
        for (a, x) in c.representatives.iter().enumerate() {
            for y in &c.representatives[a + 1..] {
                assert_ne!(x.text.to_lowercase(), y.text.to_lowercase(), "cluster {}", c.label);
                let gx = group_of(&x.id);
                assert!(gx.is_none() || gx != group_of(&y.id), "{} and {} are near-duplicates", x.text, y.text);
            }
        }
    }
    assert!(shown >= 30, "{shown}");
}

#[test]
fn the_mixture_places_new_rows_as_it_placed_its_own_and_keeps_the_likeliest_chain() {
    use ykien::cluster::dmm::DmmParams;
    let (texts, gold) = three_themes(40);
    let x = matrix(&texts);
    let m = DmmParams { k: 10, ..DmmParams::new(10) }.fit(&x).unwrap();
    // Given room, the mixture empties the clusters it does not need.
    assert!(m.k >= 3 && m.k < 10, "kept {} clusters", m.k);
    let again = m.predict(&x);
    let same = again.iter().zip(&m.assignments).filter(|(a, b)| a == b).count();
    assert!(same as f64 >= 0.95 * texts.len() as f64, "{same} of {} placed as fitted", texts.len());
    assert!(nmi(&again, &gold) > 0.9, "NMI {}", nmi(&again, &gold));
    // One chain or several: the result is a valid clustering either way, and restarts
    // never end worse on these separate themes.
    let one = DmmParams { restarts: 1, ..DmmParams::new(3) }.fit(&x).unwrap();
    let five = DmmParams { restarts: 5, ..DmmParams::new(3) }.fit(&x).unwrap();
    assert!(nmi(&five.assignments, &gold) >= nmi(&one.assignments, &gold) - 1e-9);
    assert!(DmmParams { restarts: 0, ..DmmParams::new(3) }.fit(&x).is_err());
}

/// The bundled corpus's submissions with their gold topic areas.
fn bundled() -> (Vec<ykien::input::Submission>, Vec<String>) {
    let read = ykien::input::read_file(&models().bundled_corpus(), &Default::default()).unwrap();
    let gold = read.submissions.iter().map(|s| s.field("topic").unwrap().to_string()).collect();
    (read.submissions, gold)
}

fn clusters_of(subs: &[ykien::input::Submission], settings: &ykien::pipeline::Settings) -> (usize, Vec<i64>) {
    let r = ykien::pipeline::analyze(models(), subs, settings, &indicatif::ProgressBar::hidden()).unwrap();
    (r.k, r.records.iter().map(|x| x.cluster.map_or(-1, |c| c as i64)).collect())
}

#[test]
fn by_default_the_mixture_finds_its_own_k_and_beats_kmeans_on_real_submissions() {
    use ykien::pipeline::{ClusterMethod, Settings};
    let (subs, gold) = bundled();
    // A district's few hundred mixed submissions, hand-written: every third of the corpus.
    let few: Vec<_> = subs.iter().step_by(3).cloned().collect();
    let few_gold: Vec<_> = gold.iter().step_by(3).cloned().collect();
    assert_eq!(Settings::default().method, ClusterMethod::Dmm);
    let (k, dmm) = clusters_of(&few, &Settings::default());
    let (_, km) = clusters_of(&few, &Settings { method: ClusterMethod::KMeans, ..Settings::default() });
    let (a, b) = (nmi(&dmm, &few_gold), nmi(&km, &few_gold));
    // Not coarse: more clusters than the 7 topic areas, far fewer than the 40 it starts from.
    assert!((7..=25).contains(&k), "k = {k}");
    assert!(a > b + 0.05, "mixture NMI {a:.3}, k-means {b:.3}");
    let (k_all, all) = clusters_of(&subs, &Settings::default());
    assert!((7..=25).contains(&k_all) && nmi(&all, &gold) > 0.33, "k {k_all} NMI {:.3}", nmi(&all, &gold));
}

#[test]
fn news_titles_from_vntc_cluster_by_topic_with_the_default() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/vntc/vntc-train.tsv.gz");
    if !path.exists() {
        eprintln!("skipped: {} is absent (../shared holds the VNTC news titles)", path.display());
        return;
    }
    let raw = std::process::Command::new("gzip").arg("-dc").arg(&path).output().unwrap().stdout;
    let text = String::from_utf8(raw).unwrap();
    // Every sixth title (5,600 or so), each headline with its lead, and its gold topic.
    let (mut subs, mut gold) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate().filter(|(i, _)| i % 6 == 0) {
        let p: Vec<&str> = line.split('\t').collect();
        if p.len() >= 2 && !p[1].trim().is_empty() {
            subs.push(ykien::input::Submission {
                id: format!("vntc-{i}"),
                id_given: true,
                text: p[1].trim().into(),
                locality: None,
                submitted_at: None,
                group: None,
                extra: Default::default(),
            });
            gold.push(p[0].to_string());
        }
    }
    let settings = ykien::pipeline::Settings { k: Some(10), ..Default::default() };
    let (_, c) = clusters_of(&subs, &settings);
    let score = nmi(&c, &gold);
    let (_, km) =
        clusters_of(&subs, &ykien::pipeline::Settings { method: ykien::pipeline::ClusterMethod::KMeans, ..settings });
    assert!(score > 0.28 && score > nmi(&km, &gold) + 0.15, "default NMI {score:.3}, k-means {:.3}", nmi(&km, &gold));
}

#[test]
fn labels_are_shared_phrases_a_person_would_write_and_summaries_skip_greetings() {
    let (subs, _) = bundled();
    let m = models();
    let report = ykien::pipeline::analyze(m, &subs, &Default::default(), &indicatif::ProgressBar::hidden()).unwrap();
    let (passed, total, _) = ykien::eval::label_checks(m, &subs, &report);
    assert!(total >= report.clusters.len() && passed as f64 >= 0.9 * total as f64, "{passed} of {total} pass");
    let fillers = ["tháng", "chủ yếu", "và", "hỗ trợ", "thanh niên", "tổ chức", "trường", "mở", "nghề"];
    for c in &report.clusters {
        assert!((1..=3).contains(&c.terms.len()), "cluster {}: {:?}", c.id, c.terms);
        for t in &c.terms {
            assert!(!fillers.contains(&t.as_str()), "cluster {} labelled with the filler '{t}'", c.id);
        }
        assert!(!c.summary.is_empty() && c.summary.chars().count() <= 200, "cluster {}: {:?}", c.id, c.summary);
        let lower = c.summary.to_lowercase();
        assert!(!lower.starts_with("kính gửi") && !lower.starts_with("em chào"), "{}", c.summary);
    }
    // The summary is the central member's sentence that carries the label, past greetings.
    let text = "Kính gửi Ban tổ chức. Em chào các anh chị ạ! Em là sinh viên năm hai. \
                Em mong tỉnh có thêm học bổng cho sinh viên dân tộc thiểu số ạ. Em xin cảm ơn!";
    let s = ykien::cluster::label::summary_sentence(&m.analyzer, text, &["học bổng".to_string()]);
    assert_eq!(s, "Em mong tỉnh có thêm học bổng cho sinh viên dân tộc thiểu số");
    let s =
        ykien::cluster::label::summary_sentence(&m.analyzer, "Dạ. Cho em hỏi lịch khám nghĩa vụ quân sự năm nay?", &[]);
    assert_eq!(s, "Cho em hỏi lịch khám nghĩa vụ quân sự năm nay?");
}

#[test]
fn a_new_theme_is_a_cluster_outside_the_plans_areas_raised_by_several() {
    let (subs, _) = bundled();
    let m = models();
    for seed in [42, 1] {
        let settings = ykien::pipeline::Settings { seed, ..Default::default() };
        let r = ykien::pipeline::analyze(m, &subs, &settings, &indicatif::ProgressBar::hidden()).unwrap();
        let new: Vec<_> = r.clusters.iter().filter(|c| c.new_theme).map(|c| &c.label).collect();
        assert!(new.len() <= 1, "seed {seed}: the bundled corpus lies inside the plan's areas: {new:?}");
    }
    // Forty requests about the plan's areas and eight about stray dogs, which no area covers.
    let mut texts: Vec<String> = Vec::new();
    for i in 0..20 {
        texts.push(format!("Em đề nghị ngân hàng chính sách cho thanh niên vay vốn ưu đãi để nuôi bò, đợt {i}"));
        texts.push(format!("Mong tỉnh tăng học bổng cho học sinh nghèo học giỏi ở trường {i}"));
    }
    for i in 0..8 {
        texts.push(format!("Chó thả rông cắn người trong thôn {i}, đề nghị xã nhắc các hộ nuôi chó phải xích lại"));
    }
    let subs: Vec<_> = texts.iter().enumerate().map(|(i, t)| common::submission(&format!("t{i}"), t)).collect();
    let settings = ykien::pipeline::Settings { k: Some(3), ..Default::default() };
    let r = ykien::pipeline::analyze(m, &subs, &settings, &indicatif::ProgressBar::hidden()).unwrap();
    let flagged: Vec<_> = r.clusters.iter().filter(|c| c.new_theme).collect();
    assert_eq!(
        flagged.len(),
        1,
        "{:?}",
        r.clusters.iter().map(|c| (&c.label, c.new_theme, &c.topic)).collect::<Vec<_>>()
    );
    assert!(flagged[0].label.contains("chó"), "{}", flagged[0].label);
    // The same stray dogs raised twice: too few to be a theme.
    let few: Vec<_> = subs[..42].to_vec();
    let r = ykien::pipeline::analyze(m, &few, &settings, &indicatif::ProgressBar::hidden()).unwrap();
    assert!(r.clusters.iter().all(|c| !c.new_theme), "two texts flagged as a theme");
}
