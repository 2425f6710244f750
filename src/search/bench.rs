//! `ykien bench-search`: every query of a list run against the index, with latencies.

use super::{SearchIndex, SearchRequest};
use crate::error::Result;

/// Latencies of a list of queries and what each found.
pub struct Bench {
    /// Each query's latency in milliseconds, in order.
    pub latencies_ms: Vec<f64>,
    /// Queries that found nothing.
    pub zero_hits: usize,
    /// Each query's hit count and top ids (for comparison with another engine).
    pub rows: Vec<serde_json::Value>,
}

/// Runs every query of `queries` (after a warming pass over the first fifty).
pub fn run(idx: &SearchIndex, queries: &[&str], limit: usize, facets: bool) -> Result<Bench> {
    for q in queries.iter().take(50) {
        idx.search(&SearchRequest { query: q, limit, ..Default::default() })?;
    }
    let mut b = Bench { latencies_ms: Vec::with_capacity(queries.len()), zero_hits: 0, rows: Vec::new() };
    for q in queries {
        let req = SearchRequest { query: q, limit, facets, snippets: false, ..Default::default() };
        let t0 = std::time::Instant::now();
        let res = idx.search(&req)?;
        b.latencies_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        b.zero_hits += (res.total == 0) as usize;
        let ids: Vec<&str> = res.hits.iter().map(|h| h.id.as_str()).collect();
        b.rows.push(serde_json::json!({"query": q, "total": res.total, "ids": ids}));
    }
    Ok(b)
}

impl Bench {
    /// One line: percentiles, mean and maximum latency, and the queries with no hit.
    pub fn summary(&self, docs: u64, limit: usize, facets: bool) -> String {
        let mut sorted = self.latencies_ms.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len().max(1);
        let pct = |p: f64| sorted.get(((p * n as f64).ceil() as usize).clamp(1, n) - 1).copied().unwrap_or(0.0);
        let mean = sorted.iter().sum::<f64>() / n as f64;
        format!(
            "{} queries over {docs} submissions (top {limit}{}): p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, mean {:.2} ms, max {:.2} ms; {} with no hit",
            sorted.len(),
            if facets { ", with facet counts" } else { "" },
            pct(0.5),
            pct(0.9),
            pct(0.99),
            mean,
            sorted.last().copied().unwrap_or(0.0),
            self.zero_hits
        )
    }
}
