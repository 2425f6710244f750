//! Full-text search over submissions: a persistent tantivy index in the data directory,
//! analysed by the pipeline's own Vietnamese analyzer.
//!
//! Each submission is indexed four ways ([`TokenMode`]): words and syllables, each with
//! diacritics and folded, so that "viec lam" finds "việc làm" and the reverse while an
//! exact match ranks first, and phrases match whole syllables in order.

pub mod bench;
mod ingest;
mod query;
pub mod render;
mod schema;
mod searcher;
pub mod similar;
mod tokens;
mod writer;

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tantivy::directory::error::LockError;
use tantivy::{Index, TantivyError};

pub use ingest::{identity_keys, index_submissions, store_analysis};
pub use query::{parse_query, ParsedQuery};
pub use schema::{build_schema, register_tokenizers, Fields, SCHEMA_VERSION};
pub use searcher::{snippet, FacetCount, Facets, Hit, SearchIndex, SearchRequest, SearchResults, Snippet};
pub use tokens::{tokens_of, TokenMode, TokenSpec, VietnameseTokenizer};
pub use writer::{text_identity, IndexEntry, IndexStats, Indexer};

use crate::data_dir::DataDir;
use crate::error::{Error, Result};
use crate::input::Submission;
use crate::text::Analyzer;

/// What ykien records with every commit (tantivy's commit payload).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct IndexMeta {
    /// Schema version ([`SCHEMA_VERSION`]).
    pub schema: u32,
    /// Routing profile whose department codes the index holds.
    pub profile: String,
}

/// Opens the index of `data`, creating it when `create` is set; registers the tokenizers.
fn open_index(data: &DataDir, analyzer: &Arc<Analyzer>, create: bool) -> Result<(Index, Fields, IndexMeta)> {
    let dir = data.index_dir();
    let index = if data.has_index() {
        Index::open_in_dir(&dir).map_err(|e| index_error(&dir, e))?
    } else if create {
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Index::create_in_dir(&dir, build_schema()).map_err(|e| index_error(&dir, e))?
    } else {
        return Err(Error::index(&dir, crate::t!("search.no-index")));
    };
    let fields =
        Fields::from_schema(&index.schema()).map_err(|_| Error::index(&dir, crate::t!("search.other-version")))?;
    let meta = read_meta(&index, &dir)?;
    register_tokenizers(&index, analyzer);
    Ok((index, fields, meta))
}

fn read_meta(index: &Index, dir: &Path) -> Result<IndexMeta> {
    let metas = index.load_metas().map_err(|e| index_error(dir, e))?;
    let Some(payload) = metas.payload else { return Ok(IndexMeta { schema: SCHEMA_VERSION, profile: String::new() }) };
    let meta: IndexMeta = serde_json::from_str(&payload)
        .map_err(|e| Error::index(dir, format!("unreadable ykien metadata in meta.json: {e}")))?;
    if meta.schema != SCHEMA_VERSION {
        return Err(Error::index(
            dir,
            format!(
                "index schema {} but this ykien reads {}; remove the folder and index again",
                meta.schema, SCHEMA_VERSION
            ),
        ));
    }
    Ok(meta)
}

/// Turns a tantivy error into one that names the index and says what to do.
fn index_error(dir: &Path, e: TantivyError) -> Error {
    match e {
        TantivyError::LockFailure(LockError::LockBusy, _) => Error::index(dir, crate::t!("search.locked")),
        other => Error::index(dir, other),
    }
}

/// 64-bit FNV-1a over byte strings, each followed by a separator: stable across runs and versions.
pub fn stable_hash<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.iter().chain(std::iter::once(&0xffu8)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100_0000_01b3);
        }
    }
    h
}

/// Hash of what a reader sees of a submission: text, locality, date, group.
pub fn content_hash(s: &Submission) -> u64 {
    fn opt(o: &Option<std::sync::Arc<str>>) -> &[u8] {
        o.as_deref().unwrap_or("").as_bytes()
    }
    stable_hash([s.text.as_bytes(), opt(&s.locality), opt(&s.submitted_at), opt(&s.group)])
}
