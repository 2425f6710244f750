//! The index's fields and how they are analysed.

use std::sync::Arc;

use tantivy::schema::{
    FacetOptions, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Index;

use super::tokens::{TokenMode, VietnameseTokenizer};
use crate::text::Analyzer;

/// Version of the schema below; an index written with another is refused with a clear message.
pub const SCHEMA_VERSION: u32 = 1;

/// Handles on every field of the index.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Identity: 64-bit hash of the id (or of the normalised text); indexed, fast.
    pub key: Field,
    /// Hash of the text, locality, date and group: tells a changed submission from the same one sent again.
    pub content_hash: Field,
    /// The submission id as given (or made from the file name and record number).
    pub id: Field,
    /// The original text, stored for display.
    pub text: Field,
    /// Words, exact.
    pub words: Field,
    /// Words, folded.
    pub words_folded: Field,
    /// Syllables, exact, with positions.
    pub syllables: Field,
    /// Syllables, folded, with positions.
    pub syllables_folded: Field,
    /// Locality, stored.
    pub locality: Field,
    /// Date of the submission, stored.
    pub submitted_at: Field,
    /// The file it came from, stored.
    pub source: Field,
    /// Topic code from the latest analysis, stored.
    pub topic: Field,
    /// Suggested department code from the latest analysis, stored.
    pub department: Field,
    /// Confidence of the suggestion, stored.
    pub confidence: Field,
    /// Cluster label from the latest analysis (empty until `analyze` runs), stored.
    pub cluster: Field,
    /// Facets: `/topic/…`, `/department/…`, `/locality/…`.
    pub facets: Field,
}

impl Fields {
    /// The text field of each token mode.
    pub fn of(&self, mode: TokenMode) -> Field {
        match mode {
            TokenMode::Words => self.words,
            TokenMode::FoldedWords => self.words_folded,
            TokenMode::Syllables => self.syllables,
            TokenMode::FoldedSyllables => self.syllables_folded,
        }
    }

    /// Looks the fields up in an existing schema.
    pub fn from_schema(schema: &Schema) -> tantivy::Result<Self> {
        let f = |name: &str| schema.get_field(name);
        Ok(Fields {
            key: f("key")?,
            content_hash: f("content_hash")?,
            id: f("id")?,
            text: f("text")?,
            words: f("words")?,
            words_folded: f("words_folded")?,
            syllables: f("syllables")?,
            syllables_folded: f("syllables_folded")?,
            locality: f("locality")?,
            submitted_at: f("submitted_at")?,
            source: f("source")?,
            topic: f("topic")?,
            department: f("department")?,
            confidence: f("confidence")?,
            cluster: f("cluster")?,
            facets: f("facets")?,
        })
    }
}

/// The schema of a ykien index.
pub fn build_schema() -> Schema {
    let mut b = Schema::builder();
    let analysed = |mode: TokenMode| {
        let record =
            if mode.syllables() { IndexRecordOption::WithFreqsAndPositions } else { IndexRecordOption::WithFreqs };
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(mode.tokenizer_name()).set_index_option(record),
        )
    };
    b.add_u64_field("key", INDEXED | FAST);
    b.add_u64_field("content_hash", FAST);
    b.add_text_field("id", STRING | STORED);
    b.add_text_field("text", STORED);
    b.add_text_field("words", analysed(TokenMode::Words));
    b.add_text_field("words_folded", analysed(TokenMode::FoldedWords));
    b.add_text_field("syllables", analysed(TokenMode::Syllables));
    b.add_text_field("syllables_folded", analysed(TokenMode::FoldedSyllables));
    for name in ["locality", "submitted_at", "source", "topic", "department", "cluster"] {
        b.add_text_field(name, STORED);
    }
    b.add_f64_field("confidence", STORED);
    b.add_facet_field("facets", FacetOptions::default());
    b.build()
}

/// Registers the four Vietnamese tokenizers with an index.
pub fn register_tokenizers(index: &Index, analyzer: &Arc<Analyzer>) {
    for mode in TokenMode::ALL {
        let tok = VietnameseTokenizer::new(Arc::clone(analyzer), mode);
        index.tokenizers().register(mode.tokenizer_name(), TextAnalyzer::builder(tok).build());
    }
}
