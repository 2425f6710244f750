//! Segmentation throughput in syllables/s: the trained segmenter alone on prepared
//! sentences, and the whole analyzer (normalise, tokenise, segment) on raw text; each on
//! one thread and with rayon over documents. Uses the UD VTB dev split when ../shared is
//! there, else the bundled corpus. Run: cargo bench --bench segment

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rayon::prelude::*;
use ykien::text::conllu::{read_conllu, GoldSentence};
use ykien::text::perceptron::Prepared;
use ykien::text::{Analyzer, Dictionary, Perceptron, Segmenter};

fn bench(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let models = root.join("models");
    let dict = Dictionary::load_dir(&models.join("dict")).unwrap();
    let seg = Perceptron::load(&models.join("segmenter.bin"), dict).unwrap();
    let analyzer = Analyzer::load(&models).unwrap();
    let dev = root.join("../shared/data/ud-vtb/vi_vtb-ud-dev.conllu");
    let gold: Vec<GoldSentence> = if dev.exists() {
        read_conllu(&dev).unwrap()
    } else {
        eprintln!("../shared absent: benchmarking on the bundled corpus");
        let subs =
            ykien::input::read_file(&root.join("corpus/submissions.csv"), &Default::default()).unwrap().submissions;
        subs.iter()
            .map(|s| {
                let syllables: Vec<String> = s.text.split_whitespace().map(String::from).collect();
                let starts = vec![true; syllables.len()];
                GoldSentence { syllables, starts }
            })
            .collect()
    };
    let prepared: Vec<Prepared> = gold.iter().map(|g| Prepared::new(g, false)).collect();
    let texts: Vec<String> = gold.iter().map(|g| g.syllables.join(" ")).collect();
    let syllables: usize = gold.iter().map(|g| g.syllables.len()).sum();

    let mut g = c.benchmark_group("segment");
    g.throughput(Throughput::Elements(syllables as u64));
    g.bench_function("perceptron_1_thread", |b| {
        let mut starts = Vec::new();
        b.iter(|| {
            for p in &prepared {
                p.with(|s| seg.segment(s, &mut starts));
            }
            starts.len()
        })
    });
    g.bench_function("perceptron_rayon", |b| {
        b.iter(|| {
            prepared
                .par_iter()
                .map(|p| {
                    let mut st = Vec::new();
                    p.with(|s| seg.segment(s, &mut st));
                    st.len()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("analyzer_1_thread", |b| {
        b.iter(|| texts.iter().map(|t| analyzer.analyze(t).words.len()).sum::<usize>())
    });
    g.bench_function("analyzer_rayon", |b| {
        b.iter(|| texts.par_iter().map(|t| analyzer.analyze(t).words.len()).sum::<usize>())
    });
    g.finish();
    let mut l = c.benchmark_group("load");
    l.sample_size(10);
    l.bench_function("segmenter_and_dictionary", |b| {
        b.iter(|| {
            Perceptron::load(&models.join("segmenter.bin"), Dictionary::load_dir(&models.join("dict")).unwrap())
                .unwrap()
        })
    });
    l.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
