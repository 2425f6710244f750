//! Putting submissions, with their topic, department and cluster, into the index.

use std::path::Path;

use indicatif::ProgressBar;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::writer::{text_identity, IndexEntry, Indexer};
use super::{content_hash, stable_hash};
use crate::error::Result;
use crate::input::{ReadOutcome, Submission};
use crate::pipeline::{route_one, Models, Report};

/// Submissions routed and handed to the index at a time.
const BATCH: usize = 20_000;

/// The identity of every submission of `read` (see [`text_identity`]); copies of a
/// text without an id are numbered within their file.
pub fn identity_keys(read: &ReadOutcome) -> Vec<u64> {
    let text_ids: Vec<Option<u64>> =
        read.submissions.par_iter().map(|s| (!s.id_given).then(|| text_identity(&s.text))).collect();
    let mut out = Vec::with_capacity(read.submissions.len());
    let mut seen: FxHashMap<u64, u32> = FxHashMap::default();
    let mut current: Option<&Path> = None;
    for ((s, t), src) in read.submissions.iter().zip(&text_ids).zip(read.source_of_each()) {
        if current != Some(src) {
            seen.clear();
            current = Some(src);
        }
        out.push(match t {
            None => stable_hash([b"id".as_slice(), s.id.as_bytes()]),
            Some(t) => {
                let n = seen.entry(*t).or_insert(0);
                *n += 1;
                stable_hash([b"text".as_slice(), &t.to_le_bytes(), &(*n - 1).to_le_bytes()])
            }
        });
    }
    out
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Indexes the submissions of `read`, suggesting a topic and a department for each (in
/// parallel batches). Submissions already in the index unchanged are skipped before any work.
pub fn index_submissions(models: &Models, indexer: &mut Indexer, read: &ReadOutcome, pb: &ProgressBar) -> Result<()> {
    let keys = identity_keys(read);
    let sources: Vec<String> = read.sources.iter().map(|(p, _)| file_name(p)).collect();
    let source_idx: Vec<usize> =
        read.sources.iter().enumerate().flat_map(|(i, (_, n))| std::iter::repeat_n(i, *n)).collect();
    pb.set_length(read.submissions.len() as u64);
    let mut start = 0;
    while start < read.submissions.len() {
        let end = (start + BATCH).min(read.submissions.len());
        let hashes: Vec<u64> = read.submissions[start..end].par_iter().map(content_hash).collect();
        let todo: Vec<usize> = (start..end).filter(|&i| !indexer.is_unchanged(keys[i], hashes[i - start])).collect();
        pb.inc((end - start - todo.len()) as u64);
        let routed: Vec<_> = todo
            .par_iter()
            .map(|&i| {
                let r = route_one(models, &read.submissions[i]);
                pb.inc(1);
                r
            })
            .collect();
        for (&i, r) in todo.iter().zip(&routed) {
            let sub: &Submission = &read.submissions[i];
            indexer.add(
                &IndexEntry {
                    sub,
                    key: keys[i],
                    content_hash: hashes[i - start],
                    source: &sources[source_idx[i]],
                    topic: &r.topic,
                    department: &r.suggestion.department,
                    confidence: r.suggestion.confidence,
                    cluster: None,
                },
                false,
            )?;
        }
        indexer.note_unchanged(end - start - todo.len());
        start = end;
    }
    Ok(())
}

/// Stores an analysis's results (cluster label, topic, department) with each submission
/// of `read`, adding those not indexed yet.
pub fn store_analysis(indexer: &mut Indexer, read: &ReadOutcome, report: &Report) -> Result<()> {
    let keys = identity_keys(read);
    let sources: Vec<String> = read.source_of_each().map(file_name).collect();
    for (((row, sub), key), source) in report.rows(&read.submissions).zip(&read.submissions).zip(&keys).zip(&sources) {
        let cluster = row.cluster.map(|_| row.cluster_label);
        indexer.add(
            &IndexEntry {
                sub,
                key: *key,
                content_hash: content_hash(sub),
                source,
                topic: row.topic,
                department: row.department,
                confidence: row.confidence,
                cluster,
            },
            true,
        )?;
    }
    Ok(())
}
