//! An analyst's edits of the clusters (rename, merge, split, move), kept in the data
//! directory and carried onto later runs: each edit names its clusters by their members
//! at the time, so a later run's cluster is found by member overlap, whatever its number.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use super::{counts, is_new_theme, ClusterReport, Models, Report, Representative};
use crate::input::Submission;

/// One edit of the clusters. Clusters are given by their members' ids when the edit was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum ClusterEdit {
    /// A cluster gets the analyst's label.
    Rename {
        /// The cluster's members.
        members: Vec<String>,
        /// The new label.
        label: String,
    },
    /// Clusters join the first.
    Merge {
        /// The cluster that stays.
        into: Vec<String>,
        /// The clusters that join it.
        from: Vec<Vec<String>>,
    },
    /// A cluster splits into parts (found by clustering its members again).
    Split {
        /// The cluster's members.
        members: Vec<String>,
        /// The parts after the first, each with its label; members in none stay.
        parts: Vec<(String, Vec<String>)>,
    },
    /// One submission moves to another cluster.
    Move {
        /// The submission.
        id: String,
        /// The cluster it joins.
        to: Vec<String>,
    },
}

/// Which cluster each submission is in, and each cluster's label: what edits change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assignment {
    /// Cluster of each submission id (submissions without one are absent).
    pub cluster_of: BTreeMap<String, usize>,
    /// Label of each cluster, by number.
    pub labels: Vec<String>,
    /// Clusters an edit changed (their reports are rebuilt).
    pub touched: FxHashSet<usize>,
}

impl Assignment {
    /// The members of cluster `c`.
    pub fn members(&self, c: usize) -> Vec<String> {
        self.cluster_of.iter().filter(|(_, &k)| k == c).map(|(id, _)| id.clone()).collect()
    }

    /// The members of cluster `c`, or an error naming the clusters there are (a number
    /// typed at the command line or sent from the desk).
    pub fn members_of(&self, c: i64) -> crate::Result<Vec<String>> {
        let m = if c >= 0 { self.members(c as usize) } else { Vec::new() };
        if m.is_empty() {
            let last = self.labels.len().saturating_sub(1);
            return Err(crate::Error::NotFound(crate::t!("edits.no-cluster", n = c, last = last)));
        }
        Ok(m)
    }

    /// The cluster holding most of `members` (at least half of those present in this run).
    pub fn find(&self, members: &[String]) -> Option<usize> {
        let mut votes: FxHashMap<usize, usize> = FxHashMap::default();
        let mut present = 0;
        for m in members {
            if let Some(&c) = self.cluster_of.get(m) {
                *votes.entry(c).or_default() += 1;
                present += 1;
            }
        }
        let (c, n) = votes.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?;
        (2 * n >= present.max(1)).then_some(c)
    }

    /// Applies `edit`; `Err` says why it could not be carried onto these clusters.
    pub fn apply(&mut self, edit: &ClusterEdit) -> Result<(), String> {
        let gone = || crate::t!("edits.not-found");
        match edit {
            ClusterEdit::Rename { members, label } => {
                let c = self.find(members).ok_or_else(gone)?;
                self.labels[c] = label.clone();
                self.touched.insert(c);
            }
            ClusterEdit::Merge { into, from } => {
                let a = self.find(into).ok_or_else(gone)?;
                for f in from {
                    let b = self.find(f).ok_or_else(gone)?;
                    if b != a {
                        self.cluster_of.values_mut().filter(|c| **c == b).for_each(|c| *c = a);
                        self.touched.insert(b);
                    }
                }
                self.touched.insert(a);
            }
            ClusterEdit::Split { members, parts } => {
                let c = self.find(members).ok_or_else(gone)?;
                for (label, part) in parts {
                    let new = self.labels.len();
                    self.labels.push(label.clone());
                    let part: FxHashSet<&String> = part.iter().collect();
                    for (id, k) in self.cluster_of.iter_mut() {
                        if *k == c && part.contains(id) {
                            *k = new;
                        }
                    }
                    self.touched.insert(new);
                }
                self.touched.insert(c);
            }
            ClusterEdit::Move { id, to } => {
                let c = self.find(to).ok_or_else(gone)?;
                let Some(k) = self.cluster_of.get_mut(id) else {
                    return Err(crate::t!("edits.no-submission", id = id));
                };
                self.touched.insert(*k);
                *k = c;
                self.touched.insert(c);
            }
        }
        Ok(())
    }
}

impl ClusterEdit {
    /// How the edit reads in the terminal and the audit.
    pub fn describe(&self) -> String {
        match self {
            ClusterEdit::Rename { label, .. } => crate::t!("edits.rename", label = label),
            ClusterEdit::Merge { from, .. } => crate::t!("edits.merge", n = from.len() + 1),
            ClusterEdit::Split { parts, .. } => crate::t!("edits.split", n = parts.len() + 1),
            ClusterEdit::Move { id, .. } => crate::t!("edits.move", id = id),
        }
    }
}

/// The report's clusters as an [`Assignment`].
pub fn assignment_of(report: &Report, subs: &[Submission]) -> Assignment {
    let cluster_of =
        subs.iter().zip(&report.records).filter_map(|(s, r)| r.cluster.map(|c| (s.id.clone(), c))).collect();
    Assignment {
        cluster_of,
        labels: report.clusters.iter().map(|c| c.label.clone()).collect(),
        touched: Default::default(),
    }
}

/// Carries `edits` onto `report` in order; returns those that could not be carried, each by
/// its place in `edits` and with why. Clusters an edit changed are rebuilt from their
/// members; all are numbered by size again.
pub fn carry<'e>(
    models: &Models,
    subs: &[Submission],
    report: &mut Report,
    edits: impl IntoIterator<Item = &'e ClusterEdit>,
) -> Vec<(usize, String)> {
    let mut a = assignment_of(report, subs);
    let mut failed = Vec::new();
    for (i, e) in edits.into_iter().enumerate() {
        if let Err(why) = a.apply(e) {
            failed.push((i, why));
        }
    }
    if !a.touched.is_empty() {
        rebuild(models, subs, report, &a);
    }
    failed
}

/// Rebuilds the clusters `a` touched from their members, keeps the rest, drops the empty
/// ones and numbers them by size.
fn rebuild(models: &Models, subs: &[Submission], report: &mut Report, a: &Assignment) {
    let index: FxHashMap<&str, usize> = subs.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); a.labels.len()];
    for (id, &c) in &a.cluster_of {
        if let Some(&i) = index.get(id.as_str()) {
            members[c].push(i);
        }
    }
    let old: Vec<ClusterReport> = std::mem::take(&mut report.clusters);
    let reps: FxHashMap<String, Representative> =
        old.iter().flat_map(|c| c.representatives.iter().map(|r| (r.id.clone(), r.clone()))).collect();
    let topics = &models.topics;
    let fallback = topics.topics[topics.fallback].code.to_string();
    let clustered = a.cluster_of.len();
    let mut clusters = Vec::new();
    for (c, m) in members.iter().enumerate() {
        if m.is_empty() {
            continue;
        }
        if !a.touched.contains(&c) {
            if let Some(o) = old.get(c) {
                clusters.push((c, o.clone()));
                continue;
            }
        }
        let base = old.get(c);
        let topic_counts = counts(m.iter().map(|&i| &*report.records[i].routed.topic));
        let topic = topic_counts
            .iter()
            .max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0)))
            .map(|(t, _)| t.clone())
            .unwrap_or_default();
        let outside = topic_counts.get(&fallback).copied().unwrap_or(0);
        let mut representatives: Vec<Representative> =
            m.iter().filter_map(|&i| reps.get(&subs[i].id).cloned()).take(5).collect();
        for &i in m.iter() {
            if representatives.len() >= 5 {
                break;
            }
            if !representatives.iter().any(|r| r.id == subs[i].id) {
                representatives.push(Representative {
                    id: subs[i].id.clone(),
                    text: subs[i].text.clone(),
                    restored: report.records[i].routed.restored.as_deref().map(str::to_string),
                    similarity: 0.0,
                    typed_without_diacritics: report.records[i].routed.typed_without_diacritics,
                });
            }
        }
        let label = a.labels[c].clone();
        let terms: Vec<String> = label.split(" · ").map(str::to_string).collect();
        let summary = representatives
            .first()
            .map(|r| crate::cluster::label::summary_sentence(&models.analyzer, &r.text, &terms))
            .unwrap_or_default();
        let size = m.len();
        clusters.push((
            c,
            ClusterReport {
                id: c,
                label,
                terms,
                summary,
                phrases: base.map(|b| b.phrases.clone()).unwrap_or_default(),
                new_theme: is_new_theme(size, outside, clustered),
                size,
                topic_score: m.iter().map(|&i| report.records[i].routed.topic_score).sum::<f32>() / size as f32,
                topic,
                localities: counts(m.iter().map(|&i| subs[i].locality_or_unknown())),
                departments: counts(m.iter().map(|&i| &*report.records[i].routed.suggestion.department)),
                representatives,
            },
        ));
    }
    clusters.sort_by(|x, y| y.1.size.cmp(&x.1.size).then(x.0.cmp(&y.0)));
    let mut renumber = vec![usize::MAX; a.labels.len()];
    for (new, (old_id, c)) in clusters.iter_mut().enumerate() {
        renumber[*old_id] = new;
        c.id = new;
    }
    for r in report.records.iter_mut() {
        r.cluster = None;
    }
    for (id, &c) in &a.cluster_of {
        if let Some(&i) = index.get(id.as_str()) {
            report.records[i].cluster = Some(renumber[c]).filter(|&n| n != usize::MAX);
        }
    }
    report.clusters = clusters.into_iter().map(|(_, c)| c).collect();
    report.k = report.clusters.len();
}
