//! Adding submissions to the index: identity, idempotence, batches committed atomically.

use std::path::PathBuf;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::Serialize;
use tantivy::schema::Facet;
use tantivy::{Index, IndexWriter, TantivyDocument, Term};

use super::{index_error, open_index, stable_hash, Fields, IndexMeta, SCHEMA_VERSION};
use crate::data_dir::DataDir;
use crate::error::{Error, Result};
use crate::input::Submission;
use crate::text::normalize;
use crate::text::Analyzer;

/// The identity of a text without an id: the hash of its normalised, lowercased words.
/// A submission's identity in the index is its id when the file gave one; otherwise this
/// and the how-many-th copy of the text it is in its file, so that a file indexed twice
/// adds nothing twice and two people who sent the same words are both kept.
pub fn text_identity(text: &str) -> u64 {
    let norm = normalize(text).text.to_lowercase();
    let mut h = stable_hash([b"text".as_slice()]);
    for w in norm.split_whitespace() {
        h = stable_hash([h.to_le_bytes().as_slice(), w.as_bytes()]);
    }
    h
}

/// One submission to index, with the latest analysis results.
#[derive(Debug, Clone)]
pub struct IndexEntry<'a> {
    /// The submission.
    pub sub: &'a Submission,
    /// Its identity (see [`text_identity`]).
    pub key: u64,
    /// Its [`content_hash`].
    pub content_hash: u64,
    /// The file it came from.
    pub source: &'a str,
    /// Topic code.
    pub topic: &'a str,
    /// Suggested department code.
    pub department: &'a str,
    /// Confidence of the suggestion.
    pub confidence: f32,
    /// Cluster label, when an analysis clustered it.
    pub cluster: Option<&'a str>,
}

/// What an indexing run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IndexStats {
    /// Submissions new to the index.
    pub added: usize,
    /// Submissions already there whose text or results changed, replaced.
    pub updated: usize,
    /// Submissions already there, unchanged, skipped.
    pub unchanged: usize,
    /// Commits made.
    pub commits: usize,
}

/// Writes to the index of a data directory. Only one may be open at a time (a lock file);
/// searching while it writes is fine. Work is committed in batches: a crash loses at most
/// the batch not yet committed, and the index stays readable.
pub struct Indexer {
    dir: PathBuf,
    index: Index,
    writer: IndexWriter,
    fields: Fields,
    meta: IndexMeta,
    known: FxHashMap<u64, u64>,
    uncommitted: usize,
    commit_every: usize,
    stats: IndexStats,
}

impl Indexer {
    /// Opens (creating if needed) the index of `data` for writing with `threads` indexing
    /// threads, for department codes of `profile`; commits every `commit_every` submissions.
    pub fn open(
        data: &DataDir,
        analyzer: &Arc<Analyzer>,
        profile: &str,
        threads: usize,
        commit_every: usize,
    ) -> Result<Self> {
        let dir = data.index_dir();
        let (index, fields, mut meta) = open_index(data, analyzer, true)?;
        if !meta.profile.is_empty() && meta.profile != profile {
            return Err(Error::index(
                &dir,
                format!(
                    "holds departments of profile '{}', not '{}'; pass --profile {} or use another --data-dir",
                    meta.profile, profile, meta.profile
                ),
            ));
        }
        meta.profile = profile.to_string();
        meta.schema = SCHEMA_VERSION;
        let threads = threads.clamp(1, 8);
        let writer = index.writer_with_num_threads(threads, threads * 96_000_000).map_err(|e| index_error(&dir, e))?;
        let known = load_known(&index, &dir)?;
        Ok(Indexer {
            dir,
            index,
            writer,
            fields,
            meta,
            known,
            uncommitted: 0,
            commit_every: commit_every.max(1),
            stats: IndexStats::default(),
        })
    }

    /// True when a submission with this identity and content is in the index already.
    pub fn is_unchanged(&self, key: u64, content_hash: u64) -> bool {
        self.known.get(&key) == Some(&content_hash)
    }

    /// Counts `n` submissions found unchanged without calling [`Indexer::add`].
    pub fn note_unchanged(&mut self, n: usize) {
        self.stats.unchanged += n;
    }

    /// Adds one submission. One already there with the same content is skipped unless
    /// `refresh` is set (new analysis results); one whose content changed is replaced.
    pub fn add(&mut self, e: &IndexEntry, refresh: bool) -> Result<()> {
        let hash = e.content_hash;
        match self.known.get(&e.key) {
            Some(&h) if h == hash && !refresh => {
                self.stats.unchanged += 1;
                return Ok(());
            }
            Some(_) => {
                self.writer.delete_term(Term::from_field_u64(self.fields.key, e.key));
                self.stats.updated += 1;
            }
            None => self.stats.added += 1,
        }
        self.known.insert(e.key, hash);
        let f = &self.fields;
        let mut doc = TantivyDocument::new();
        doc.add_u64(f.key, e.key);
        doc.add_u64(f.content_hash, hash);
        doc.add_text(f.id, &e.sub.id);
        doc.add_text(f.text, &e.sub.text);
        for field in [f.words, f.words_folded, f.syllables, f.syllables_folded] {
            doc.add_text(field, &e.sub.text);
        }
        doc.add_text(f.source, e.source);
        doc.add_text(f.topic, e.topic);
        doc.add_text(f.department, e.department);
        doc.add_f64(f.confidence, e.confidence as f64);
        if let Some(c) = e.cluster {
            doc.add_text(f.cluster, c);
        }
        if let Some(d) = &e.sub.submitted_at {
            doc.add_text(f.submitted_at, d);
        }
        doc.add_facet(f.facets, Facet::from_path(["topic", e.topic]));
        doc.add_facet(f.facets, Facet::from_path(["department", e.department]));
        if let Some(l) = e.sub.locality.as_deref() {
            doc.add_text(f.locality, l);
            doc.add_facet(f.facets, Facet::from_path(["locality", l]));
        }
        self.writer.add_document(doc).map_err(|err| index_error(&self.dir, err))?;
        self.uncommitted += 1;
        if self.uncommitted >= self.commit_every {
            self.commit()?;
        }
        Ok(())
    }

    /// Commits what was added: from now on it survives a crash and searchers see it.
    pub fn commit(&mut self) -> Result<()> {
        let payload = serde_json::to_string(&self.meta).expect("metadata serialises");
        let mut prepared = self.writer.prepare_commit().map_err(|e| index_error(&self.dir, e))?;
        prepared.set_payload(&payload);
        prepared.commit().map_err(|e| index_error(&self.dir, e))?;
        self.uncommitted = 0;
        self.stats.commits += 1;
        Ok(())
    }

    /// Commits, waits for background merges, and reports what was done.
    pub fn finish(mut self) -> Result<IndexStats> {
        self.commit()?;
        let stats = self.stats;
        let dir = self.dir.clone();
        self.writer.wait_merging_threads().map_err(|e| index_error(&dir, e))?;
        drop(self.index);
        Ok(stats)
    }
}

/// Identity → content hash of every live submission in the index.
fn load_known(index: &Index, dir: &std::path::Path) -> Result<FxHashMap<u64, u64>> {
    let reader = index.reader().map_err(|e| index_error(dir, e))?;
    let searcher = reader.searcher();
    let mut known = FxHashMap::default();
    for seg in searcher.segment_readers() {
        let ff = seg.fast_fields();
        let keys = ff.u64("key").map_err(|e| index_error(dir, e))?;
        let hashes = ff.u64("content_hash").map_err(|e| index_error(dir, e))?;
        for doc in seg.doc_ids_alive() {
            if let (Some(k), Some(h)) = (keys.first(doc), hashes.first(doc)) {
                known.insert(k, h);
            }
        }
    }
    Ok(known)
}
