//! Search results as `ykien search` writes them: readable text or JSON Lines.

use std::fmt::Write as _;

use super::SearchResults;
use crate::error::{Error, Result};

/// Hits with highlighted snippets, then counts per topic, department and locality.
/// `color` highlights with terminal colours, else with brackets.
pub fn text(q: &str, res: &SearchResults, ms: f64, color: bool) -> String {
    let (open, close) = if color { ("\x1b[1;33m", "\x1b[0m") } else { ("[", "]") };
    let mut out = String::new();
    let _ = writeln!(out, "{} kết quả cho «{q}» ({ms:.1} ms)", res.total);
    for (i, h) in res.hits.iter().enumerate() {
        let name = |code: &str, name: &str| if name.is_empty() { code.to_string() } else { name.to_string() };
        let _ = writeln!(
            out,
            "\n{}. {} · {} · {} → {} ({:.2}){}",
            i + 1,
            h.id,
            if h.locality.is_empty() { "—" } else { &h.locality },
            name(&h.topic, &h.topic_name),
            name(&h.department, &h.department_name),
            h.confidence,
            if h.cluster.is_empty() { String::new() } else { format!(" · cụm: {}", h.cluster) }
        );
        let mut line = String::with_capacity(h.snippet.text.len() + 16);
        let mut at = 0;
        for &(s, e) in &h.snippet.highlights {
            line.push_str(&h.snippet.text[at..s]);
            line.push_str(open);
            line.push_str(&h.snippet.text[s..e]);
            line.push_str(close);
            at = e;
        }
        line.push_str(&h.snippet.text[at..]);
        let _ = writeln!(out, "   {line}");
    }
    let facets =
        [("Lĩnh vực", &res.facets.topic), ("Cơ quan", &res.facets.department), ("Địa phương", &res.facets.locality)];
    for (title, counts) in facets {
        if counts.is_empty() {
            continue;
        }
        let shown: Vec<String> = counts
            .iter()
            .take(12)
            .map(|c| format!("{} {}", if c.name.is_empty() { &c.value } else { &c.name }, c.count))
            .collect();
        let more = if counts.len() > 12 { format!(" · … (+{})", counts.len() - 12) } else { String::new() };
        let _ = writeln!(out, "\n{title}: {}{more}", shown.join(" · "));
    }
    out
}

/// One JSON object per hit (`"type": "hit"`), then one with the total and the counts.
pub fn jsonl(q: &str, res: &SearchResults) -> Result<String> {
    let mut out = String::new();
    let err = |e: serde_json::Error| Error::write("JSON", e);
    for h in &res.hits {
        let mut v = serde_json::to_value(h).map_err(err)?;
        v["type"] = "hit".into();
        out.push_str(&v.to_string());
        out.push('\n');
    }
    let summary = serde_json::json!({"type": "summary", "query": q, "total": res.total, "facets": res.facets});
    out.push_str(&summary.to_string());
    out.push('\n');
    Ok(out)
}
