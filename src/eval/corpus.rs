//! `ykien eval` on a labelled corpus: clustering against the gold topics, then topic areas
//! and departments on the test split (all records when there is no `split` column).

use std::fmt::Write as _;

use indicatif::ProgressBar;

use super::{ari, nmi, purity, ClassificationReport};
use crate::error::{Error, Result};
use crate::input::Submission;
use crate::pipeline::{analyze, Models, Report, Settings};

/// Runs the analysis on `subs` (k defaults to the number of gold topics; with `auto_k`
/// it is found as `analyze` finds it) and returns the evaluation as text: clustering
/// NMI/ARI/purity, topic areas and routing reports.
pub fn corpus_report(
    models: &Models,
    subs: &[Submission],
    settings: &Settings,
    auto_k: bool,
    pb: &ProgressBar,
) -> Result<String> {
    let gold_topic: Vec<String> = subs.iter().map(|s| s.field("topic").unwrap_or("").to_string()).collect();
    if gold_topic.iter().any(String::is_empty) {
        return Err(Error::Param("every record needs a gold 'topic' column to evaluate".into()));
    }
    let mut topics_gold = gold_topic.clone();
    topics_gold.sort();
    topics_gold.dedup();
    let k = if auto_k { None } else { Some(settings.k.unwrap_or(topics_gold.len())) };
    let report = analyze(models, subs, &Settings { k, ..settings.clone() }, pb)?;
    let clusters: Vec<i64> = report.records.iter().map(|r| r.cluster.map(|c| c as i64).unwrap_or(-1)).collect();
    let mut out = String::new();
    let how = if auto_k { "found" } else { "given" };
    let _ = writeln!(
        out,
        "Clustering: {} submissions, {} clusters (k {how}), against {} gold topics (all records)",
        subs.len(),
        report.k,
        topics_gold.len()
    );
    let (n, a, p) = (nmi(&clusters, &gold_topic), ari(&clusters, &gold_topic), purity(&clusters, &gold_topic));
    let _ = writeln!(out, "  NMI {n:.3}   ARI {a:.3}   purity {p:.3}");
    let (passed, phrases, whole) = label_checks(models, subs, &report);
    let _ = writeln!(
        out,
        "  labels: {passed} of {phrases} phrases pass the checks ({:.1}%); {whole} of {} clusters wholly\n",
        100.0 * passed as f64 / phrases.max(1) as f64,
        report.clusters.len()
    );

    let test: Vec<usize> = match subs.iter().any(|s| s.field("split").is_some()) {
        true => (0..subs.len()).filter(|&i| subs[i].field("split") == Some("test")).collect(),
        false => (0..subs.len()).collect(),
    };
    let has_split = subs.iter().any(|s| s.field("split").is_some());
    let scope = if has_split { "test split" } else { "all records (no split column: models may have seen them)" };
    let pred_t: Vec<String> = test.iter().map(|&i| report.records[i].routed.topic.to_string()).collect();
    let gold_t: Vec<String> = test.iter().map(|&i| gold_topic[i].clone()).collect();
    let topics = ClassificationReport::new(&pred_t, &gold_t).render();
    let _ = writeln!(out, "Topic areas, {scope} ({} records):\n{topics}", test.len());
    routing_section(&mut out, models, subs, &report, &test, scope);
    Ok(out)
}

/// How many label phrases pass [`crate::cluster::label::check_label`], of how many, and
/// how many clusters' labels pass wholly.
pub fn label_checks(models: &Models, subs: &[Submission], report: &Report) -> (usize, usize, usize) {
    let mut members: Vec<Vec<(&str, bool)>> = vec![Vec::new(); report.clusters.len()];
    for (s, r) in subs.iter().zip(&report.records) {
        if let Some(c) = r.cluster {
            members[c].push((s.text.as_str(), r.routed.typed_without_diacritics));
        }
    }
    let (mut passed, mut total, mut whole) = (0, 0, 0);
    for c in &report.clusters {
        let ok = c
            .terms
            .iter()
            .filter(|t| crate::cluster::label::check_label(&models.analyzer, t, &members[c.id]).passes())
            .count();
        passed += ok;
        total += c.terms.len();
        whole += (ok == c.terms.len() && ok > 0) as usize;
    }
    (passed, total, whole)
}

/// The routing part: accuracy against the gold `department` (mapped into the profile),
/// and how often a second body was flagged and right.
fn routing_section(
    out: &mut String,
    models: &Models,
    subs: &[Submission],
    report: &Report,
    test: &[usize],
    scope: &str,
) {
    let profile = &models.router.profile;
    let gold_of = |i: usize, col: &str| subs[i].field(col).and_then(|g| profile.map_code(g, subs[i].field("topic")));
    let mut pred_d = Vec::new();
    let mut gold_d = Vec::new();
    for &i in test {
        let Some(g) = subs[i].field("department") else { continue };
        gold_d.push(profile.map_code(g, subs[i].field("topic")).unwrap_or(g).to_string());
        pred_d.push(report.records[i].routed.suggestion.department.to_string());
    }
    if gold_d.is_empty() {
        let _ = writeln!(out, "Routing: no 'department' column, nothing to compare.");
        return;
    }
    let also_hit = test
        .iter()
        .filter(|&&i| {
            let r = &report.records[i].routed.suggestion;
            subs[i].field("department").is_some()
                && (gold_of(i, "department") == Some(&*r.department) || r.also.as_deref() == gold_of(i, "department"))
        })
        .count();
    let table = ClassificationReport::new(&pred_d, &gold_d).render();
    let _ = writeln!(out, "Routing with profile {}, {scope} ({} records):\n{table}", profile.name, gold_d.len());
    let b = models.router.blend;
    let _ = writeln!(
        out,
        "weights of the evidence (fitted out of fold): model {:.2}, keywords {:.2}, topic areas {:.2}, word vectors {:.2}",
        b.model, b.rules, b.topics, b.meaning
    );
    let _ = writeln!(
        out,
        "confidence: the blend scaled and mapped by an isotonic fit of {} knots (out of fold, on folds by hash and by held-out topic area)",
        models.router.calibration.len()
    );
    let pairs: Vec<(f64, bool)> = test
        .iter()
        .filter(|&&i| subs[i].field("department").is_some())
        .map(|&i| {
            let s = &report.records[i].routed.suggestion;
            (s.confidence as f64, gold_of(i, "department") == Some(&*s.department))
        })
        .collect();
    out.push_str(&reliability(&pairs));
    let share = also_hit as f64 / gold_d.len() as f64;
    let _ = writeln!(out, "gold department is the suggestion or its flagged second body: {share:.3}");
    let flagged: Vec<usize> =
        test.iter().copied().filter(|&i| report.records[i].routed.suggestion.also.is_some()).collect();
    let two_gold = test.iter().filter(|&&i| subs[i].field("department2").is_some_and(|d| !d.is_empty())).count();
    let agree = flagged
        .iter()
        .filter(|&&i| {
            let s = &report.records[i].routed.suggestion;
            let g2 = subs[i].field("department2").unwrap_or("");
            let both = [gold_of(i, "department"), gold_of(i, "department2")];
            !g2.is_empty() && both.iter().all(|g| [Some(&*s.department), s.also.as_deref()].contains(g))
        })
        .count();
    let _ = writeln!(
        out,
        "flagged as concerning two bodies: {} of {} (gold names two bodies for {}; both bodies right in {})",
        flagged.len(),
        test.len(),
        two_gold,
        agree
    );
}

/// Bins of confidence the reliability table reads: [lower, upper).
const BINS: [(f64, f64); 6] = [(0.0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)];

/// Per bin of [`BINS`] holding any suggestion: its bounds, how many, their mean
/// confidence and the share right.
fn bins(pairs: &[(f64, bool)]) -> Vec<(f64, f64, usize, f64, f64)> {
    BINS.iter()
        .filter_map(|&(lo, hi)| {
            let inside: Vec<&(f64, bool)> = pairs.iter().filter(|(c, _)| *c >= lo && *c < hi).collect();
            let n = inside.len() as f64;
            let conf = inside.iter().map(|(c, _)| c).sum::<f64>() / n;
            let acc = inside.iter().filter(|(_, ok)| *ok).count() as f64 / n;
            (!inside.is_empty()).then_some((lo, hi, inside.len(), conf, acc))
        })
        .collect()
}

/// The share right and the expected calibration error (ECE: the gap between confidence
/// and accuracy, weighted by each bin's share) of (confidence, right) pairs.
pub fn reliability_figures(pairs: &[(f64, bool)]) -> (f64, f64) {
    let n = pairs.len().max(1) as f64;
    let right = pairs.iter().filter(|(_, ok)| *ok).count() as f64 / n;
    let ece = bins(pairs).iter().map(|&(_, _, m, conf, acc)| m as f64 / n * (conf - acc).abs()).sum();
    (right, ece)
}

/// The reliability of a confidence: per bin, how many suggestions, their mean confidence
/// and how many were right; and the expected calibration error.
pub fn reliability(pairs: &[(f64, bool)]) -> String {
    let mut out = String::from("reliability of the confidence (suggestions, mean confidence, share right):\n");
    for (lo, hi, n, conf, acc) in bins(pairs) {
        let _ = writeln!(out, "  {lo:.1}-{:.1}  {n:>5}  {conf:.3}  {acc:.3}", hi.min(1.0));
    }
    let _ = writeln!(out, "expected calibration error {:.3}", reliability_figures(pairs).1);
    out
}
