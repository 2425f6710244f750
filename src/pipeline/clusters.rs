//! Stage 3: each cluster as an analyst reads it (label, representatives, topic, counts per
//! locality and department), numbered by size, and each record's cluster filled in.

use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashSet;

use super::vectors::{Clustering, Vectors};
use super::{counts, is_new_theme, ClusterReport, Models, RecordResult, Representative};
use crate::cluster::{label, KMeans};
use crate::features::Tfidf;
use crate::input::Submission;
use crate::text::Analysis;

/// What every cluster's report reads.
struct Inputs<'a> {
    models: &'a Models,
    subs: &'a [Submission],
    records: &'a [RecordResult],
    /// The submissions clustered, by index in the run.
    active: &'a [usize],
    km: &'a KMeans,
    /// For every submission, the first submission of its family.
    family: &'a [u32],
    tfidf: &'a Tfidf,
    /// Each cluster's members (indices into `active`).
    members: Vec<Vec<usize>>,
    /// Each cluster's distinctive terms (columns of `tfidf`) and their weights.
    terms: Vec<Vec<(u32, f32)>>,
    /// The phrases of a sample of all submissions (what is common everywhere).
    everywhere: label::PhraseCounts,
    /// Each submission's place as the tables name it, when places are recognised.
    place_rows: &'a [crate::places::PlaceRow],
}

/// Submissions read to learn which phrases are common everywhere, and at most per cluster
/// to find its own.
const PHRASE_SAMPLE: usize = 5_000;
const PHRASE_MEMBERS: usize = 300;

/// Up to `m` of `items`, evenly spread.
fn spread<T: Copy>(items: &[T], m: usize) -> impl Iterator<Item = T> + '_ {
    let step = (items.len() as f64 / m.max(1) as f64).max(1.0);
    (0..items.len().min(m)).map(move |i| items[(i as f64 * step) as usize])
}

/// The clusters' reports, largest first; fills in each record's cluster. Returns them
/// with the vocabulary's size. The vectors are freed once the labels' terms are found.
pub(super) fn reports(
    models: &Models,
    subs: &[Submission],
    records: &mut [RecordResult],
    vectors: Vectors,
    clustering: &Clustering,
    family: &[u32],
    place_rows: &[crate::places::PlaceRow],
) -> (Vec<ClusterReport>, usize) {
    let Vectors { tfidf, x, rows, active, .. } = vectors;
    let km = &clustering.km;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); km.k];
    for (r, &c) in km.assignments.iter().enumerate() {
        members[c as usize].push(r);
    }
    // Labels: distinctive terms, shown as people wrote them.
    let terms = label::distinctive_terms(&x, &rows, &tfidf, &members, 12);
    drop((x, rows));
    let mut clusters: Vec<ClusterReport> = {
        let sample: Vec<usize> = spread(&active, PHRASE_SAMPLE).collect();
        let read = |i: usize| records[i].routed.restored.as_deref().unwrap_or(&subs[i].text);
        let everywhere = label::mine_phrases(sample.iter().map(|&i| models.analyzer.analyze(read(i))), false);
        let inputs = Inputs {
            models,
            subs,
            records,
            active: &active,
            km,
            family,
            tfidf: &tfidf,
            members,
            terms,
            everywhere,
            place_rows,
        };
        (0..km.k).into_par_iter().map(|c| inputs.report(c)).collect()
    };
    // Number clusters by size, largest first, so the output reads top-down.
    clusters.sort_by(|a, b| b.size.cmp(&a.size).then(a.id.cmp(&b.id)));
    let mut renumber = vec![0usize; km.k];
    for (new, c) in clusters.iter_mut().enumerate() {
        renumber[c.id] = new;
        c.id = new;
    }
    for (r, &c) in km.assignments.iter().enumerate() {
        records[active[r]].cluster = Some(renumber[c as usize]);
    }
    (clusters, tfidf.n_terms())
}

impl Inputs<'_> {
    /// Cluster `c`'s report (numbered `c` until sorted by size).
    fn report(&self, c: usize) -> ClusterReport {
        // The first members give the terms' spellings, members spread over the cluster its
        // phrases: the same texts, analysed once, unless the cluster is larger than that.
        // Texts typed without diacritics are read restored: labels show words with them.
        let text = |r: &usize| {
            let i = self.active[*r];
            self.records[i].routed.restored.as_deref().unwrap_or(self.subs[i].text.as_str())
        };
        let analysed = |ids: &[usize]| -> Vec<(&str, Analysis)> {
            ids.iter().map(|r| (text(r), self.models.analyzer.analyze(text(r)))).collect()
        };
        let first: Vec<usize> = self.members[c].iter().take(PHRASE_MEMBERS).copied().collect();
        let spread_ids: Vec<usize> = spread(&self.members[c], PHRASE_MEMBERS).collect();
        let first_a = analysed(&first);
        let spread_a = if spread_ids == first { None } else { Some(analysed(&spread_ids)) };
        let phrases = self.phrases(c, &first_a);
        let mined = label::mine_phrases(spread_a.as_ref().unwrap_or(&first_a).iter().map(|(_, a)| a), true);
        let mut words = label::phrase_label(&mined, &self.everywhere, 3);
        if words.is_empty() {
            // Nothing shared enough (a cluster of two or three): its most distinctive terms.
            words = phrases.iter().take(3).cloned().collect();
        }
        let representatives = self.representatives(c);
        let summary = representatives
            .first()
            .map(|r| label::summary_sentence(&self.models.analyzer, &r.text, &words))
            .unwrap_or_default();
        let ((localities, departments), topic_sum) = rayon::join(
            || {
                rayon::join(
                    || {
                        let at = |r: &usize| self.active[*r];
                        if self.place_rows.is_empty() {
                            counts(self.members[c].iter().map(|r| self.subs[at(r)].locality_or_unknown()))
                        } else {
                            counts(self.members[c].iter().map(|r| self.place_rows[at(r)].label.as_str()))
                        }
                    },
                    || {
                        let dept = |r: &usize| &*self.records[self.active[*r]].routed.suggestion.department;
                        counts(self.members[c].iter().map(dept))
                    },
                )
            },
            || self.topic_sum(c),
        );
        let topics = &self.models.topics;
        let (t, s) =
            topic_sum
                .iter()
                .enumerate()
                .fold((topics.fallback, f32::NEG_INFINITY), |b, (i, &v)| if v > b.1 { (i, v) } else { b });
        let size = self.members[c].len();
        let topic_score = if size > 0 { s / size as f32 } else { 0.0 };
        let fallback = &topics.topics[topics.fallback].code;
        let outside =
            self.members[c].iter().filter(|&&r| self.records[self.active[r]].routed.topic == *fallback).count();
        ClusterReport {
            id: c,
            label: if words.is_empty() { "(không có nhãn)".into() } else { words.join(" · ") },
            terms: words,
            summary,
            phrases,
            new_theme: is_new_theme(size, outside, self.active.len()),
            size,
            topic: topics.topics[t].code.to_string(),
            topic_score,
            localities,
            departments,
            representatives,
        }
    }

    /// Up to eight distinctive phrases, best first, in the forms people wrote them (in
    /// `first`, the cluster's first members with their analyses).
    fn phrases(&self, c: usize, first: &[(&str, Analysis)]) -> Vec<String> {
        let key = |j: u32| self.tfidf.keys[j as usize];
        let wanted: FxHashSet<u64> = self.terms[c].iter().map(|&(j, _)| key(j)).collect();
        let forms = label::display_forms(first.iter().map(|(t, a)| (*t, a)), &wanted);
        let keyed: Vec<(u64, f32)> = self.terms[c].iter().map(|&(j, s)| (key(j), s)).collect();
        label::make_label(&keyed, &forms, 8)
    }

    /// Five members to show. A family (a text, its copies and its near-duplicates) is
    /// shown once, by its member nearest the centre: a text sent a thousand times is not
    /// five of the five. Among the twenty nearest the centre (picked, then sorted: the
    /// order is total, so these are a full sort's first twenty), those written with
    /// diacritics come first (most similar first within each group).
    fn representatives(&self, c: usize) -> Vec<Representative> {
        let (km, active, records) = (self.km, self.active, self.records);
        let nearer = |a: &usize, b: &usize| km.similarity[*b].total_cmp(&km.similarity[*a]).then(a.cmp(b));
        let mut nearest: rustc_hash::FxHashMap<u32, usize> = rustc_hash::FxHashMap::default();
        for &r in &self.members[c] {
            nearest.entry(self.family[active[r]]).and_modify(|b| *b = std::cmp::min_by(*b, r, nearer)).or_insert(r);
        }
        let mut reps: Vec<usize> = nearest.into_values().collect();
        let near = reps.len().min(20);
        if near > 0 && near < reps.len() {
            reps.select_nth_unstable_by(near - 1, nearer);
            reps.truncate(near);
        }
        reps.sort_by(nearer);
        reps.sort_by_key(|&r| records[active[r]].routed.typed_without_diacritics);
        reps.iter()
            .take(5)
            .map(|&r| Representative {
                id: self.subs[active[r]].id.clone(),
                text: self.subs[active[r]].text.clone(),
                restored: records[active[r]].routed.restored.as_deref().map(str::to_string),
                similarity: km.similarity[r],
                typed_without_diacritics: records[active[r]].routed.typed_without_diacritics,
            })
            .collect()
    }

    /// The sum of each topic's probability over cluster `c`'s members.
    fn topic_sum(&self, c: usize) -> Vec<f32> {
        let topics = &self.models.topics;
        let mut sum = vec![0.0f32; topics.topics.len()];
        for &r in &self.members[c] {
            let routed = &self.records[self.active[r]].routed;
            // A record's topic code is the taxonomy's own shared string: found by pointer.
            let t = topics
                .topics
                .iter()
                .position(|t| Arc::ptr_eq(&t.code, &routed.topic))
                .or_else(|| topics.index(&routed.topic));
            if let Some(t) = t {
                sum[t] += routed.topic_score;
            }
        }
        sum
    }
}
