//! Searching: ranked hits with snippets, filters and facet counts.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::{DocAddress, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

use super::query::{parse_query, ParsedQuery};
use super::{index_error, open_index, Fields, IndexMeta};
use crate::data_dir::DataDir;
use crate::error::{Error, Result};
use crate::text::normalize::fold_char;
use crate::text::{fold_lower, Analyzer};

/// The facet dimensions, in display order.
pub const DIMENSIONS: [&str; 3] = ["topic", "department", "locality"];

/// What to search for.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest<'a> {
    /// The query as typed (may be empty when a filter is given).
    pub query: &'a str,
    /// Only this topic (code or name, diacritics and case ignored).
    pub topic: Option<&'a str>,
    /// Only this suggested department (code or name).
    pub department: Option<&'a str>,
    /// Only this locality.
    pub locality: Option<&'a str>,
    /// How many hits to return.
    pub limit: usize,
    /// Count hits per topic, department and locality.
    pub facets: bool,
    /// Build highlighted snippets of the hits.
    pub snippets: bool,
    /// The query is being typed: a last word without a space after it may be partial.
    pub typing: bool,
}

/// A piece of a submission with the matched words marked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snippet {
    /// The text shown (the whole submission, or a window of it with "…" at cut ends).
    pub text: String,
    /// Byte ranges of `text` that matched the query.
    pub highlights: Vec<(usize, usize)>,
}

/// One search hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Submission id.
    pub id: String,
    /// BM25 score (higher is better).
    pub score: f32,
    /// Locality.
    pub locality: String,
    /// Date of the submission.
    pub submitted_at: String,
    /// Topic code.
    pub topic: String,
    /// Topic name, when known.
    pub topic_name: String,
    /// Suggested department code.
    pub department: String,
    /// Department name, when known.
    pub department_name: String,
    /// Confidence of the suggestion.
    pub confidence: f32,
    /// Cluster label from the latest analysis (empty before one).
    pub cluster: String,
    /// The file it came from.
    pub source: String,
    /// The original text.
    pub text: String,
    /// The matched words in context.
    pub snippet: Snippet,
}

/// A facet value and how many hits have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    /// The value (a code for topics and departments).
    pub value: String,
    /// Its display name, when known.
    pub name: String,
    /// Hits with this value.
    pub count: u64,
}

/// Hit counts per topic, department and locality.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    /// Per topic.
    pub topic: Vec<FacetCount>,
    /// Per suggested department.
    pub department: Vec<FacetCount>,
    /// Per locality.
    pub locality: Vec<FacetCount>,
}

/// The answer to a [`SearchRequest`].
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// Number of matching submissions.
    pub total: usize,
    /// The best `limit` of them, best first.
    pub hits: Vec<Hit>,
    /// Counts per dimension (empty unless asked for).
    pub facets: Facets,
}

/// A read-only view of the index of a data directory; works while another process writes.
pub struct SearchIndex {
    dir: PathBuf,
    reader: IndexReader,
    fields: Fields,
    meta: IndexMeta,
    analyzer: Arc<Analyzer>,
    names: BTreeMap<(String, String), String>,
}

impl SearchIndex {
    /// The analyzer queries and texts are read with.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Opens the index of `data` for searching.
    pub fn open(data: &DataDir, analyzer: &Arc<Analyzer>) -> Result<Self> {
        let dir = data.index_dir();
        let (index, fields, meta) = open_index(data, analyzer, false)?;
        let reader =
            index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(|e| index_error(&dir, e))?;
        Ok(SearchIndex { dir, reader, fields, meta, analyzer: Arc::clone(analyzer), names: BTreeMap::new() })
    }

    /// What the index records about itself (the routing profile of its departments).
    pub fn meta(&self) -> &IndexMeta {
        &self.meta
    }

    /// Display names for the codes of a dimension ("topic" or "department").
    pub fn set_names(&mut self, dimension: &str, pairs: impl IntoIterator<Item = (String, String)>) {
        for (code, name) in pairs {
            self.names.insert((dimension.to_string(), code), name);
        }
    }

    fn name(&self, dimension: &str, code: &str) -> String {
        self.names.get(&(dimension.to_string(), code.to_string())).cloned().unwrap_or_default()
    }

    /// Sees what writers have committed since the index was opened.
    pub fn reload(&self) -> Result<()> {
        self.reader.reload().map_err(|e| index_error(&self.dir, e))
    }

    /// Opens the index of `data` for the command line: the analyzer and the display names
    /// of topics and departments loaded from `models_dir` (the profile the index records).
    pub fn open_named(models_dir: &std::path::Path, data: &DataDir) -> Result<Self> {
        let analyzer = Arc::new(Analyzer::load(models_dir)?);
        let mut idx = SearchIndex::open(data, &analyzer)?;
        idx.set_names("topic", crate::topics::topic_names(&models_dir.join("topics.toml"))?);
        let profile =
            if idx.meta().profile.is_empty() { "lang-son-2024".to_string() } else { idx.meta().profile.clone() };
        if let Ok(p) = crate::routing::Profile::load(models_dir, &profile) {
            idx.set_names("department", p.departments.into_iter().map(|d| (d.code.to_string(), d.name.to_string())));
        }
        Ok(idx)
    }
    /// Submissions in the index.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Every value of a dimension with its count over the whole index.
    pub fn values(&self, dimension: &str) -> Result<Vec<FacetCount>> {
        let searcher = self.reader.searcher();
        let mut fc = FacetCollector::for_field("facets");
        fc.add_facet(Facet::from_path([dimension]));
        let counts = searcher.search(&AllQuery, &fc).map_err(|e| index_error(&self.dir, e))?;
        Ok(self.facet_list(&counts, dimension))
    }

    fn facet_list(&self, counts: &tantivy::collector::FacetCounts, dimension: &str) -> Vec<FacetCount> {
        let mut v: Vec<FacetCount> = counts
            .get(Facet::from_path([dimension]))
            .map(|(f, n)| {
                let value = f.to_path().last().map(|s| s.to_string()).unwrap_or_default();
                FacetCount { name: self.name(dimension, &value), value, count: n }
            })
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        v
    }

    /// Finds the stored value of `dimension` that the user meant by `given`: the exact
    /// value, else one equal ignoring case and diacritics (code or name), else the one
    /// value containing it. Several or none is an error listing what there is.
    pub fn resolve(&self, dimension: &str, given: &str) -> Result<String> {
        let values = self.values(dimension)?;
        if values.iter().any(|v| v.value == given) {
            return Ok(given.to_string());
        }
        let g = fold_lower(given.trim());
        let keyed = |v: &FacetCount| [fold_lower(&v.value), fold_lower(&v.name)];
        if let Some(v) = values.iter().find(|v| keyed(v).contains(&g)) {
            return Ok(v.value.clone());
        }
        let partial: Vec<&FacetCount> =
            values.iter().filter(|v| keyed(v).iter().any(|k| !g.is_empty() && k.contains(&g))).collect();
        if partial.len() == 1 {
            return Ok(partial[0].value.clone());
        }
        let listed = |vs: &[&FacetCount]| {
            vs.iter()
                .take(12)
                .map(|v| if v.name.is_empty() { v.value.clone() } else { format!("{} ({})", v.value, v.name) })
                .collect::<Vec<_>>()
                .join(", ")
        };
        Err(Error::Param(if partial.is_empty() {
            let all: Vec<&FacetCount> = values.iter().collect();
            let dim = crate::i18n::text(&format!("facet.{dimension}")).to_string();
            crate::t!("search.no-value", dimension = dim, given = given, values = listed(&all))
        } else {
            let dim = crate::i18n::text(&format!("facet.{dimension}")).to_string();
            crate::t!("search.several-values", dimension = dim, given = given, values = listed(&partial))
        }))
    }

    /// Parses a query the way [`SearchIndex::search`] does.
    pub fn parse(&self, query: &str, typing: bool) -> Result<ParsedQuery> {
        parse_query(query, &self.analyzer, typing)
    }

    /// Runs a search.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        let parsed = self.parse(req.query, req.typing)?;
        let mut filters = Vec::new();
        for (dim, given) in [("topic", req.topic), ("department", req.department), ("locality", req.locality)] {
            if let Some(g) = given {
                let value = self.resolve(dim, g)?;
                let t = Term::from_facet(self.fields.facets, &Facet::from_path([dim, value.as_str()]));
                filters.push(t);
            }
        }
        let main: Box<dyn Query> = match parsed.to_tantivy(&self.fields, &searcher) {
            Some(q) => q,
            None if !filters.is_empty() => Box::new(AllQuery),
            None => return Ok(SearchResults { total: 0, hits: Vec::new(), facets: Facets::default() }),
        };
        let query: Box<dyn Query> = if filters.is_empty() {
            main
        } else {
            let mut clauses = vec![(Occur::Must, main)];
            for t in filters {
                let q: Box<dyn Query> =
                    Box::new(ConstScoreQuery::new(Box::new(TermQuery::new(t, IndexRecordOption::Basic)), 0.0));
                clauses.push((Occur::Must, q));
            }
            Box::new(BooleanQuery::new(clauses))
        };
        let top = TopDocs::with_limit(req.limit.max(1)).order_by_score();
        let err = |e| index_error(&self.dir, e);
        let (top_docs, total, facets) = if req.facets {
            let mut fc = FacetCollector::for_field("facets");
            for d in DIMENSIONS {
                fc.add_facet(Facet::from_path([d]));
            }
            let (t, n, counts) = searcher.search(&*query, &(top, Count, fc)).map_err(err)?;
            let facets = Facets {
                topic: self.facet_list(&counts, "topic"),
                department: self.facet_list(&counts, "department"),
                locality: self.facet_list(&counts, "locality"),
            };
            (t, n, facets)
        } else {
            let (t, n) = searcher.search(&*query, &(top, Count)).map_err(err)?;
            (t, n, Facets::default())
        };
        let mut hits = Vec::with_capacity(top_docs.len().min(req.limit));
        for (score, addr) in top_docs.into_iter().take(req.limit) {
            hits.push(self.hit(&searcher, score, addr, req.snippets.then_some(&parsed))?);
        }
        Ok(SearchResults { total, hits, facets })
    }

    fn hit(&self, searcher: &Searcher, score: f32, addr: DocAddress, parsed: Option<&ParsedQuery>) -> Result<Hit> {
        let doc: TantivyDocument = searcher.doc(addr).map_err(|e| index_error(&self.dir, e))?;
        let f = &self.fields;
        let s = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("").to_string();
        let text = s(f.text);
        let topic = s(f.topic);
        let department = s(f.department);
        let snippet = match parsed {
            Some(p) => snippet(&self.analyzer, &text, &p.highlight),
            None => Snippet::default(),
        };
        Ok(Hit {
            id: s(f.id),
            score,
            locality: s(f.locality),
            submitted_at: s(f.submitted_at),
            topic_name: self.name("topic", &topic),
            department_name: self.name("department", &department),
            topic,
            department,
            confidence: doc.get_first(f.confidence).and_then(|v| v.as_f64()).unwrap_or(0.0) as f32,
            cluster: s(f.cluster),
            source: s(f.source),
            snippet,
            text,
        })
    }
}

/// Longest snippet shown whole, in characters; longer texts are cut to a window this wide.
const SNIPPET_CHARS: usize = 220;

/// Marks where the query's words occur in `text` (as folded syllables, so "viec lam"
/// marks "việc làm") and cuts a window around the first mark when the text is long.
pub fn snippet(analyzer: &Analyzer, text: &str, patterns: &[(Vec<String>, bool)]) -> Snippet {
    let a = analyzer.analyze(text);
    let folded: Vec<String> = (0..a.spans.len()).map(|i| a.syllable_text(i).chars().map(fold_char).collect()).collect();
    let mut marked = vec![false; folded.len()];
    for (pat, prefix) in patterns {
        if pat.is_empty() || pat.len() > folded.len() {
            continue;
        }
        for i in 0..=folded.len() - pat.len() {
            let last = pat.len() - 1;
            let ok = (0..last).all(|j| folded[i + j] == pat[j])
                && if *prefix {
                    folded[i + last].starts_with(pat[last].as_str())
                } else {
                    folded[i + last] == pat[last]
                };
            if ok {
                marked[i..=i + last].iter_mut().for_each(|m| *m = true);
            }
        }
    }
    // Marked syllables separated only by white space form one highlight.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for (i, _) in marked.iter().enumerate().filter(|(_, m)| **m) {
        let (s, e) = (a.spans[i].start as usize, a.spans[i].end as usize);
        match spans.last_mut() {
            // Several syllables from one written word (teen code such as "xkld" expands
            // to four) share its span: one highlight.
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            Some(last) if text[last.1..s].chars().all(char::is_whitespace) => last.1 = e,
            _ => spans.push((s, e)),
        }
    }
    if text.chars().count() <= SNIPPET_CHARS {
        return Snippet { text: text.to_string(), highlights: spans };
    }
    // A window starting a little before the first highlight, cut at white space.
    let anchor = spans.first().map_or(0, |s| s.0);
    let back: usize = text[..anchor].char_indices().rev().nth(60).map_or(0, |(i, _)| i);
    let start = if back == 0 { 0 } else { text[back..anchor].find(char::is_whitespace).map_or(back, |p| back + p + 1) };
    let mut end = text[start..].char_indices().nth(SNIPPET_CHARS).map_or(text.len(), |(i, _)| start + i);
    if end < text.len() {
        end = text[start..end].rfind(char::is_whitespace).map_or(end, |p| start + p);
    }
    let lead = if start > 0 { "…" } else { "" };
    let mut out = String::with_capacity(end - start + 8);
    out.push_str(lead);
    out.push_str(&text[start..end]);
    if end < text.len() {
        out.push('…');
    }
    let shift = lead.len();
    let highlights = spans
        .into_iter()
        .filter(|&(s, e)| s >= start && e <= end)
        .map(|(s, e)| (s - start + shift, e - start + shift))
        .collect();
    Snippet { text: out, highlights }
}
