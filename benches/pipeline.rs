//! Per-stage throughput on the bundled corpus: text analysis, TF-IDF, k-means, routing.
//! Run: cargo bench --bench pipeline

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rayon::prelude::*;
use ykien::cluster::KMeansParams;
use ykien::features::TfidfParams;
use ykien::pipeline::{route_all, Models};
use ykien::text::Analyzer;
use ykien::traits::Fit;

fn stages(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let models = Models::load(&root.join("models"), "lang-son-2024").expect("models");
    let subs =
        ykien::input::read_file(&root.join("corpus/submissions.csv"), &Default::default()).expect("corpus").submissions;
    let texts: Vec<&str> = subs.iter().map(|s| s.text.as_str()).collect();
    let bytes: usize = texts.iter().map(|t| t.len()).sum();

    let mut g = c.benchmark_group("stages");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("analyze_1_thread", |b| {
        b.iter(|| texts.iter().map(|t| models.analyzer.analyze(t).words.len()).sum::<usize>())
    });
    // Each pass from empty memos: what a corpus of texts never seen before costs (the two
    // benches above repeat the same 811 texts, so after the first pass they mostly copy
    // remembered clauses).
    g.bench_function("analyze_1_thread_cold", |b| {
        b.iter(|| {
            ykien::text::memo::forget_here();
            texts.iter().map(|t| models.analyzer.analyze(t).words.len()).sum::<usize>()
        })
    });
    g.bench_function("analyze_rayon", |b| {
        b.iter(|| texts.par_iter().map(|t| models.analyzer.analyze(t).words.len()).sum::<usize>())
    });
    let keys: Vec<Vec<u64>> = texts
        .iter()
        .map(|t| {
            let mut v = Vec::new();
            Analyzer::feature_keys(&models.analyzer.analyze(t), &mut v);
            v
        })
        .collect();
    g.throughput(Throughput::Elements(texts.len() as u64));
    g.bench_function("tfidf_fit_transform", |b| {
        b.iter(|| TfidfParams::default().fit(&keys).unwrap().transform(&keys).nnz())
    });
    let x = TfidfParams::default().fit(&keys).unwrap().transform(&keys);
    g.bench_function("kmeans_k7_4_restarts", |b| b.iter(|| KMeansParams::new(7).fit(&x).unwrap().objective));
    g.bench_function("topic_and_route", |b| {
        b.iter(|| route_all(&models, &subs, &indicatif::ProgressBar::hidden()).len())
    });
    // Topic scores and the routing suggestion alone, one thread, on texts analysed once.
    let analysed: Vec<_> = texts
        .iter()
        .map(|t| {
            let a = models.analyzer.analyze(t);
            let mut k = Vec::new();
            Analyzer::feature_keys(&a, &mut k);
            k.sort_unstable();
            let n = k.len();
            Analyzer::classifier_extras(&a, &mut k);
            (a, k, n)
        })
        .collect();
    g.bench_function("score_and_suggest_1_thread", |b| {
        b.iter(|| {
            analysed
                .iter()
                .zip(&texts)
                .map(|((a, k, n), t)| {
                    let ts = models.topics.score(a, &k[..*n]);
                    models.router.suggest(t, a, &[&k[..*n], &k[*n..]], &ts, &models.topics).reasons.len()
                })
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
