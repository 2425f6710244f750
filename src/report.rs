//! The analyst's report: one self-contained HTML file (inline CSS and SVG, no network),
//! in Vietnamese, readable on a phone and printable on A4; and the same tables as XLSX.
//!
//! [`Tables`] holds every number the report shows, computed once from the analysis;
//! [`render_html`] and [`write_xlsx`] only lay them out.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::input::ReadOutcome;
use crate::pipeline::{ClusterReport, DuplicateGroup, Models, Report};

/// Suggestions below this confidence are counted as needing a careful look.
pub const LOW_CONFIDENCE: f32 = 0.5;

/// Totals at the top of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    /// Submissions analysed.
    pub submissions: usize,
    /// Records that could not be read.
    pub rejected: usize,
    /// Distinct localities.
    pub localities: usize,
    /// Submissions typed without diacritics.
    pub without_diacritics: usize,
    /// Clusters.
    pub clusters: usize,
}

/// One topic area's line.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicRow {
    /// Topic code.
    pub code: String,
    /// Vietnamese name.
    pub name: String,
    /// Submissions in it.
    pub count: usize,
    /// Share of all submissions.
    pub share: f64,
}

/// One department's line.
#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentRow {
    /// Department code.
    pub code: String,
    /// Full name.
    pub name: String,
    /// Submissions suggested to it.
    pub count: usize,
    /// Of which with confidence below [`LOW_CONFIDENCE`].
    pub low_confidence: usize,
}

/// Change of one topic or cluster since the earlier run.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Topic code or cluster label.
    pub what: String,
    /// Count in the earlier run (0 when it appeared).
    pub before: usize,
    /// Count now (0 when it disappeared).
    pub now: usize,
    /// Share before.
    pub share_before: f64,
    /// Share now.
    pub share_now: f64,
}

/// Comparison with an earlier run.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The earlier run's folder.
    pub dir: PathBuf,
    /// Submissions then.
    pub before_total: usize,
    /// By topic area.
    pub topics: Vec<Change>,
    /// Clusters found in both runs (matched by their phrases).
    pub kept: Vec<Change>,
    /// Clusters new in this run.
    pub appeared: Vec<Change>,
    /// Clusters of the earlier run not found now.
    pub disappeared: Vec<Change>,
}

/// Every number the report shows.
#[derive(Debug, Clone)]
pub struct Tables {
    /// Totals.
    pub totals: Totals,
    /// Topic areas, in taxonomy order.
    pub topics: Vec<TopicRow>,
    /// Localities, most submissions first.
    pub localities: Vec<String>,
    /// `locality_topic[l][t]`: submissions of locality l in topic t.
    pub locality_topic: Vec<Vec<usize>>,
    /// Departments, most submissions first.
    pub departments: Vec<DepartmentRow>,
    /// Comparison with an earlier run, when asked for.
    pub comparison: Option<Comparison>,
    /// The report's title.
    pub title: String,
    /// The first and last dates of the submissions (dd/mm/yyyy), when they have dates.
    pub period: Option<(String, String)>,
}

/// The report's title unless `--title` names another.
pub const DEFAULT_TITLE: &str = "Báo cáo tổng hợp ý kiến, kiến nghị của thanh niên";

/// A date as offices write it ("2024-04-13", "13/04/2024 09:01:22", "13-4-2024") as
/// (year, month, day).
pub fn parse_date(s: &str) -> Option<(u32, u32, u32)> {
    let d = s.trim().split([' ', 'T']).next()?;
    let parts: Vec<u32> = d.split(['-', '/', '.']).map(|p| p.parse().ok()).collect::<Option<Vec<u32>>>()?;
    let (y, m, day) = match parts[..] {
        [y, m, d] if y > 1900 => (y, m, d),
        [d, m, y] if y > 1900 => (y, m, d),
        _ => return None,
    };
    ((1..=12).contains(&m) && (1..=31).contains(&day)).then_some((y, m, day))
}

/// A (year, month, day) as a person in Vietnam writes it: "07/12/2026".
pub fn dmy((y, m, d): (u32, u32, u32)) -> String {
    format!("{d:02}/{m:02}/{y}")
}

impl Tables {
    /// Computes the tables from an analysis.
    pub fn new(models: &Models, read: &ReadOutcome, report: &Report, previous: Option<&Path>) -> Result<Self> {
        let recs = &report.records;
        let n = recs.len();
        let topics_def = &models.topics.topics;
        let tindex = |code: &str| topics_def.iter().position(|t| &*t.code == code).unwrap_or(models.topics.fallback);
        let mut topic_counts = vec![0usize; topics_def.len()];
        // Counted under borrowed keys (no string made per submission), then owned.
        let mut by_loc: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        let mut deps: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        // Places by the structure when recognised (ordered by it), else as written.
        let mut order: BTreeMap<&str, &crate::places::PlaceRow> = BTreeMap::new();
        for (i, (r, sub)) in recs.iter().zip(&read.submissions).enumerate() {
            let t = tindex(&r.routed.topic);
            topic_counts[t] += 1;
            let place = match report.place_rows.get(i) {
                Some(row) => {
                    order.entry(row.label.as_str()).or_insert(row);
                    row.label.as_str()
                }
                None => sub.locality_or_unknown(),
            };
            by_loc.entry(place).or_insert_with(|| vec![0; topics_def.len()])[t] += 1;
            let d = deps.entry(&r.routed.suggestion.department).or_default();
            d.0 += 1;
            if r.routed.suggestion.confidence < LOW_CONFIDENCE {
                d.1 += 1;
            }
        }
        let share = |c: usize, total: usize| if total == 0 { 0.0 } else { c as f64 / total as f64 };
        let topics: Vec<TopicRow> = topics_def
            .iter()
            .zip(&topic_counts)
            .map(|(t, &c)| TopicRow { code: t.code.to_string(), name: t.name.clone(), count: c, share: share(c, n) })
            .collect();
        let mut locs: Vec<(String, Vec<usize>)> = by_loc.into_iter().map(|(l, c)| (l.to_string(), c)).collect();
        if order.is_empty() {
            locs.sort_by(|a, b| b.1.iter().sum::<usize>().cmp(&a.1.iter().sum::<usize>()).then(a.0.cmp(&b.0)));
        } else {
            locs.sort_by(|a, b| order[a.0.as_str()].cmp(order[b.0.as_str()]));
        }
        let profile = &models.router.profile;
        let mut departments: Vec<DepartmentRow> = deps
            .into_iter()
            .map(|(code, (count, low))| {
                let name = profile.index(code).map_or(code, |i| &profile.departments[i].name);
                DepartmentRow { code: code.to_string(), name: name.to_string(), count, low_confidence: low }
            })
            .collect();
        departments.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
        let comparison = match previous {
            Some(dir) => Some(compare(dir, &topics, report, n)?),
            None => None,
        };
        Ok(Tables {
            totals: Totals {
                submissions: n,
                rejected: read.rejects.len(),
                localities: locs
                    .iter()
                    .filter(|(l, _)| l != crate::input::UNKNOWN_LOCALITY && l != crate::places::UNKNOWN_ROW)
                    .count(),
                without_diacritics: recs.iter().filter(|r| r.routed.typed_without_diacritics).count(),
                clusters: report.clusters.len(),
            },
            topics,
            localities: locs.iter().map(|(l, _)| l.clone()).collect(),
            locality_topic: locs.into_iter().map(|(_, v)| v).collect(),
            departments,
            comparison,
            title: DEFAULT_TITLE.to_string(),
            period: period(read),
        })
    }
}

/// The first and last dates among the submissions' dates, as dd/mm/yyyy.
fn period(read: &ReadOutcome) -> Option<(String, String)> {
    let mut dates = read.submissions.iter().filter_map(|s| s.submitted_at.as_deref()).filter_map(parse_date);
    let first = dates.next()?;
    let (lo, hi) = dates.fold((first, first), |(lo, hi), d| (lo.min(d), hi.max(d)));
    Some((dmy(lo), dmy(hi)))
}

#[derive(Deserialize)]
struct PrevReport {
    clusters: Vec<PrevCluster>,
}

#[derive(Deserialize)]
struct PrevCluster {
    label: String,
    size: usize,
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    terms: Vec<String>,
}

#[derive(Deserialize)]
struct PrevRecord {
    topic: String,
}

/// Compares with the analysis written earlier to `dir` (clusters.json, submissions.jsonl
/// or, where a run wrote Parquet alone, submissions.parquet).
fn compare(dir: &Path, topics: &[TopicRow], report: &Report, n: usize) -> Result<Comparison> {
    let cpath = dir.join("clusters.json");
    let spath = dir.join("submissions.jsonl");
    let ctext = std::fs::read_to_string(&cpath).map_err(|e| Error::io(&cpath, e))?;
    let prev: PrevReport = serde_json::from_str(&ctext)
        .map_err(|e| Error::input(&cpath, crate::error::Location::File, format!("not a ykien clusters.json: {e}")))?;
    let mut before: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = 0usize;
    // A run written as Parquet alone has its topics there.
    let parquet = dir.join("submissions.parquet");
    if !spath.exists() && parquet.exists() {
        for topic in crate::output::read_text_column(&parquet, "topic")? {
            *before.entry(topic).or_default() += 1;
            total += 1;
        }
    } else {
        let stext = std::fs::read_to_string(&spath).map_err(|e| Error::io(&spath, e))?;
        for (i, line) in stext.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let r: PrevRecord = serde_json::from_str(line).map_err(|e| {
                Error::input(
                    &spath,
                    crate::error::Location::Line(i as u64 + 1),
                    format!("not a ykien submissions.jsonl record: {e}"),
                )
            })?;
            *before.entry(r.topic).or_default() += 1;
            total += 1;
        }
    }
    let share = |c: usize, t: usize| if t == 0 { 0.0 } else { c as f64 / t as f64 };
    let topic_changes = topics
        .iter()
        .map(|t| {
            let b = before.get(&t.code).copied().unwrap_or(0);
            Change { what: t.code.clone(), before: b, now: t.count, share_before: share(b, total), share_now: t.share }
        })
        .collect();
    // Match clusters by the overlap of their phrases (Jaccard over phrase sets and their words).
    let words = |phrases: &[String]| -> std::collections::BTreeSet<String> {
        phrases.iter().flat_map(|p| p.split_whitespace().map(str::to_string)).collect()
    };
    let prev_words: Vec<_> =
        prev.clusters.iter().map(|c| words(if c.phrases.is_empty() { &c.terms } else { &c.phrases })).collect();
    let mut used = vec![false; prev.clusters.len()];
    let (mut kept, mut appeared) = (Vec::new(), Vec::new());
    for c in &report.clusters {
        let w = words(&c.phrases);
        let best = prev_words
            .iter()
            .enumerate()
            .filter(|(i, _)| !used[*i])
            .map(|(i, p)| (i, w.intersection(p).count() as f64 / w.union(p).count().max(1) as f64))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        match best {
            Some((i, j)) if j >= 0.25 => {
                used[i] = true;
                kept.push(Change {
                    what: c.label.clone(),
                    before: prev.clusters[i].size,
                    now: c.size,
                    share_before: share(prev.clusters[i].size, total),
                    share_now: share(c.size, n),
                });
            }
            _ => appeared.push(Change {
                what: c.label.clone(),
                before: 0,
                now: c.size,
                share_before: 0.0,
                share_now: share(c.size, n),
            }),
        }
    }
    let disappeared = prev
        .clusters
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(c, _)| Change {
            what: c.label.clone(),
            before: c.size,
            now: 0,
            share_before: share(c.size, total),
            share_now: 0.0,
        })
        .collect();
    kept.sort_by(|a, b| (b.share_now - b.share_before).total_cmp(&(a.share_now - a.share_before)));
    Ok(Comparison { dir: dir.to_path_buf(), before_total: total, topics: topic_changes, kept, appeared, disappeared })
}

/// Escapes text for HTML (submissions are untrusted input).
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0).replace('.', ",")
}

/// A horizontal bar chart as HTML: its text is the page's text, so it stays readable at a
/// phone's width (where the label goes above its bar) and prints sharp.
fn bar_chart(rows: &[(String, usize)], title: &str) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    let mut s = format!(
        r#"<figure class="bars" role="img" aria-label="{}"><figcaption>{}</figcaption>"#,
        escape(title),
        escape(title)
    );
    for (label, v) in rows {
        let w = *v as f64 / max * 100.0;
        let _ = write!(
            s,
            r#"<div class="bar-row"><span class="bar-label" title="{l}">{l}</span><span class="bar-track"><span class="bar" style="width:{w:.1}%"></span><span class="bar-value">{v}</span></span></div>"#,
            l = escape(label),
        );
    }
    s.push_str("</figure>");
    s
}

const CSS: &str = r#"
:root{--ink:#1d2430;--muted:#5b6472;--line:#d9dee6;--accent:#b3261e;--bar:#2f6db5;--bg:#fff}
*{box-sizing:border-box}body{font-family:"Noto Sans","Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);background:var(--bg);margin:0;line-height:1.45}
main{max-width:980px;margin:0 auto;padding:16px}
h1{font-size:1.6rem;margin:.2em 0}h2{font-size:1.25rem;border-bottom:2px solid var(--accent);padding-bottom:.2em;margin-top:1.6em}h3{font-size:1.05rem;margin:.9em 0 .3em}
.sub{color:var(--muted)}.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px}.card b{display:block;font-size:1.5rem}
.bars{margin:8px 0}.bars figcaption{color:var(--muted);font-size:.9rem;margin-bottom:4px}
.bar-row{display:grid;grid-template-columns:minmax(9em,34%) 1fr;gap:4px 10px;align-items:center;margin:3px 0}
.bar-label{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;text-align:right}
.bar-track{display:flex;align-items:center;gap:6px}.bar{display:inline-block;height:1em;min-width:2px;background:var(--bar);border-radius:3px;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.bar-value{font-variant-numeric:tabular-nums}
.heat-list{display:none}
@media (max-width:600px){main{padding:10px}h1{font-size:1.3rem}
.bar-row{grid-template-columns:1fr;gap:0;margin:6px 0}.bar-label{text-align:left;white-space:normal}
.heat-table{display:none}.heat-list{display:block;padding:0;list-style:none}.heat-list li{border:1px solid var(--line);border-radius:6px;padding:6px 8px;margin:6px 0}
.cards{grid-template-columns:repeat(2,1fr)}table{font-size:.85rem}}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.cluster{border:1px solid var(--line);border-left:4px solid var(--bar);border-radius:6px;padding:8px 10px;margin:8px 0;break-inside:avoid}
.cluster.new{border-left-color:var(--accent)}.tag{display:inline-block;background:#eef2f8;border-radius:10px;padding:0 8px;margin:2px 4px 2px 0;font-size:.85rem}
blockquote{margin:4px 0 4px 8px;padding-left:8px;border-left:2px solid var(--line);color:#333}
.restored{font-style:italic;color:#555}
.flag{color:var(--accent);font-weight:600}.up{color:#1b7f3b}.down{color:var(--accent)}
@media print{@page{size:A4;margin:14mm}main{max-width:none;padding:0}h2{break-after:avoid}table,.cluster,.bars{break-inside:avoid}.heat-table{display:block}.heat-list{display:none}a{color:inherit}}
"#;

/// The report as one self-contained HTML page.
pub fn render_html(t: &Tables, report: &Report, models: &Models) -> String {
    let mut h = String::new();
    let tot = &t.totals;
    let _ = write!(
        h,
        r#"<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{}</title><style>{CSS}</style></head><body><main>
<h1>{}</h1>
<p class="sub">{}Tạo bởi ykien · hồ sơ cơ quan: {} · {} cụm chủ đề</p>
<section id="tong-quan"><h2>Tổng quan</h2><div class="cards">
<div class="card"><b>{}</b>ý kiến đã phân tích</div><div class="card"><b>{}</b>bản ghi không đọc được</div>
<div class="card"><b>{}</b>địa phương</div><div class="card"><b>{}</b>gõ không dấu ({} ý kiến)</div><div class="card"><b>{}</b>cụm chủ đề</div></div></section>"#,
        escape(&t.title),
        escape(&t.title),
        t.period.as_ref().map(|(a, b)| format!("Ý kiến gửi từ {a} đến {b} · ")).unwrap_or_default(),
        escape(&report.profile),
        tot.clusters,
        tot.submissions,
        tot.rejected,
        tot.localities,
        pct(tot.without_diacritics as f64 / tot.submissions.max(1) as f64),
        tot.without_diacritics,
        tot.clusters
    );
    topics_html(&mut h, t);
    clusters_html(&mut h, t, report);
    new_themes_html(&mut h, report);
    heat_map_html(&mut h, t);
    departments_html(&mut h, t);
    thresholds_html(&mut h, report);
    duplicates_html(&mut h, report);
    if let Some(c) = &t.comparison {
        comparison_html(&mut h, c, models);
    }
    h.push_str("</main></body></html>\n");
    h
}

/// Topic areas: a bar chart and a table.
fn topics_html(h: &mut String, t: &Tables) {
    h.push_str(r#"<section id="linh-vuc"><h2>Ý kiến theo lĩnh vực</h2>"#);
    let mut sorted: Vec<&TopicRow> = t.topics.iter().collect();
    sorted.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
    let rows: Vec<(String, usize)> = sorted.iter().map(|r| (r.name.clone(), r.count)).collect();
    h.push_str(&bar_chart(&rows, "Số ý kiến theo lĩnh vực"));
    h.push_str(
        r#"<div class="scroll"><table><tr><th>Lĩnh vực</th><th class="n">Số ý kiến</th><th class="n">Tỷ lệ</th></tr>"#,
    );
    for r in sorted {
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            escape(&r.name),
            r.count,
            pct(r.share)
        );
    }
    h.push_str("</table></div></section>");
}

/// The clusters within each topic area.
fn clusters_html(h: &mut String, t: &Tables, report: &Report) {
    h.push_str(r#"<section id="cum"><h2>Các cụm vấn đề trong từng lĩnh vực</h2>"#);
    for tr in &t.topics {
        let cs: Vec<&ClusterReport> = report.clusters.iter().filter(|c| c.topic == tr.code).collect();
        if cs.is_empty() {
            continue;
        }
        let _ = write!(h, "<h3>{} ({} cụm)</h3>", escape(&tr.name), cs.len());
        for c in cs {
            cluster_html(h, c);
        }
    }
    h.push_str("</section>");
}

/// Clusters that fit no topic area of the plan.
fn new_themes_html(h: &mut String, report: &Report) {
    h.push_str(r#"<section id="chu-de-moi"><h2>Chủ đề mới cần chú ý</h2><p class="sub">Cụm nằm ngoài các lĩnh vực của kế hoạch: hơn "#);
    h.push_str(&pct(crate::pipeline::NEW_THEME_SHARE as f64));
    let _ = write!(
        h,
        r#" số ý kiến trong cụm thuộc nhóm "vấn đề khác", và cụm có ít nhất {} ý kiến (hoặc 1% tổng số).</p>"#,
        crate::pipeline::NEW_THEME_MIN
    );
    let new: Vec<&ClusterReport> = report.clusters.iter().filter(|c| c.new_theme).collect();
    if new.is_empty() {
        h.push_str("<p>Không có.</p>");
    }
    for c in new {
        cluster_html(h, c);
    }
    h.push_str("</section>");
}

/// Submissions per locality and topic area.
fn heat_map_html(h: &mut String, t: &Tables) {
    h.push_str(
        r#"<section id="dia-phuong"><h2>Địa phương × lĩnh vực</h2><div class="scroll heat-table"><table><tr><th>Địa phương</th>"#,
    );
    for tr in &t.topics {
        let _ = write!(h, r#"<th class="n" title="{}">{}</th>"#, escape(&tr.code), escape(&tr.name));
    }
    h.push_str(r#"<th class="n">Tổng</th></tr>"#);
    let max = t.locality_topic.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
    for (l, row) in t.localities.iter().zip(&t.locality_topic) {
        let _ = write!(h, "<tr><td>{}</td>", escape(l));
        for &v in row {
            let a = v as f64 / max * 0.75;
            let _ = write!(h, r#"<td class="n" style="background:rgba(47,109,181,{a:.2})">{v}</td>"#);
        }
        let _ = write!(h, r#"<td class="n"><b>{}</b></td></tr>"#, row.iter().sum::<usize>());
    }
    h.push_str("</table></div>");
    // At a phone's width the table would scroll sideways: each place is a card instead,
    // its topics largest first.
    h.push_str(r#"<ul class="heat-list">"#);
    for (l, row) in t.localities.iter().zip(&t.locality_topic) {
        let mut topics: Vec<(usize, &str)> =
            row.iter().zip(&t.topics).filter(|(v, _)| **v > 0).map(|(v, tr)| (*v, tr.name.as_str())).collect();
        topics.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let parts: Vec<String> = topics.iter().map(|(v, n)| format!("{} {v}", escape(n))).collect();
        let total: usize = row.iter().sum();
        let _ = write!(h, "<li><b>{}</b> · {total} ý kiến<br>{}</li>", escape(l), parts.join(" · "));
    }
    h.push_str("</ul></section>");
}

/// For a few confidence thresholds: how many suggestions reach each, and how many of those
/// their own confidences expect to be wrong (the sum of 1 − confidence).
fn thresholds_html(h: &mut String, report: &Report) {
    h.push_str(r#"<section id="nguong"><h2>Đề xuất theo độ tin cậy</h2><div class="scroll"><table><tr><th>Độ tin cậy từ</th><th class="n">Số đề xuất</th><th class="n">Ước tính sai</th></tr>"#);
    for t in [0.9f32, 0.8, 0.7, 0.5] {
        let above: Vec<f32> =
            report.records.iter().map(|r| r.routed.suggestion.confidence).filter(|&c| c >= t).collect();
        let wrong: f32 = above.iter().map(|c| 1.0 - c).sum();
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            pct(t as f64),
            above.len(),
            wrong.round() as i64
        );
    }
    h.push_str(r#"</table></div><p class="sub">Ước tính từ chính độ tin cậy của từng đề xuất (chưa hiệu chỉnh): cộng phần không chắc của các đề xuất.</p></section>"#);
}

/// Departments suggested, with low-confidence counts.
fn departments_html(h: &mut String, t: &Tables) {
    h.push_str(r#"<section id="co-quan"><h2>Cơ quan được đề xuất trả lời</h2>"#);
    let rows: Vec<(String, usize)> = t.departments.iter().map(|d| (d.name.clone(), d.count)).collect();
    h.push_str(&bar_chart(&rows, "Số ý kiến theo cơ quan được đề xuất"));
    let _ = write!(
        h,
        r#"<div class="scroll"><table><tr><th>Cơ quan</th><th class="n">Số ý kiến</th><th class="n">Độ tin cậy dưới {}</th></tr>"#,
        pct(LOW_CONFIDENCE as f64)
    );
    for d in &t.departments {
        let _ = write!(
            h,
            r#"<tr><td>{} <span class="sub">({})</span></td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            escape(&d.name),
            escape(&d.code),
            d.count,
            d.low_confidence
        );
    }
    h.push_str("</table></div></section>");
}

/// Near-duplicate groups: one request sent several times.
fn duplicates_html(h: &mut String, report: &Report) {
    let _ = write!(
        h,
        r#"<section id="trung-lap"><h2>Ý kiến trùng lặp</h2><p class="sub">Cùng một kiến nghị gửi nhiều lần (kể cả khi sửa nhẹ câu chữ, bỏ dấu): {} nhóm, gộp {} ý kiến.</p>"#,
        report.duplicates.len(),
        report.duplicates.iter().map(|d| d.count).sum::<usize>()
    );
    if !report.duplicates.is_empty() {
        h.push_str(r#"<div class="scroll"><table><tr><th class="n">Số lần</th><th>Nội dung (bản đầu tiên)</th><th>Địa phương</th></tr>"#);
        for d in report.duplicates.iter().take(100) {
            dup_row(h, d);
        }
        h.push_str("</table></div>");
    }
    h.push_str("</section>");
}

fn cluster_html(h: &mut String, c: &ClusterReport) {
    let _ = write!(
        h,
        r#"<div class="cluster{}"><b>Cụm {}: {}</b> · {} ý kiến{}<div>"#,
        if c.new_theme { " new" } else { "" },
        c.id,
        escape(&c.label),
        c.size,
        if c.new_theme { r#" · <span class="flag">chủ đề mới</span>"# } else { "" }
    );
    for p in &c.phrases {
        let _ = write!(h, r#"<span class="tag">{}</span>"#, escape(p));
    }
    h.push_str("</div>");
    if !c.summary.is_empty() {
        let _ = write!(h, r#"<p class="summary">{}</p>"#, escape(&c.summary));
    }
    for r in c.representatives.iter().take(5) {
        let _ = write!(h, "<blockquote>{}", escape(&crate::output::truncate(&r.text, 400)));
        // Typed without diacritics: the restored text under it, marked (the original stays).
        if let Some(x) = &r.restored {
            let _ = write!(
                h,
                r#"<div class="restored"><span class="sub">Thêm dấu tự động:</span> {}</div>"#,
                escape(&crate::output::truncate(x, 400))
            );
        }
        h.push_str("</blockquote>");
    }
    let mut locs: Vec<(&String, &usize)> = c.localities.iter().collect();
    locs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let top: Vec<String> = locs.iter().take(4).map(|(l, n)| format!("{} ({n})", escape(l))).collect();
    let _ = write!(h, r#"<div class="sub">Địa phương: {}</div></div>"#, top.join(", "));
}

fn dup_row(h: &mut String, d: &DuplicateGroup) {
    let locs: Vec<String> = d.localities.iter().map(|(l, n)| format!("{} ({n})", escape(l))).collect();
    let _ = write!(
        h,
        r#"<tr><td class="n">{}</td><td>{}</td><td>{}</td></tr>"#,
        d.count,
        escape(&crate::output::truncate(&d.text, 300)),
        locs.join(", ")
    );
}

fn change_cell(c: &Change) -> String {
    let d = c.share_now - c.share_before;
    let class = if d > 0.0 {
        "up"
    } else if d < 0.0 {
        "down"
    } else {
        ""
    };
    format!(
        r#"<td class="n">{}</td><td class="n">{}</td><td class="n {class}">{}{}</td>"#,
        c.before,
        c.now,
        if d > 0.0 { "+" } else { "" },
        pct(d)
    )
}

fn comparison_html(h: &mut String, c: &Comparison, models: &Models) {
    let _ = write!(
        h,
        r#"<section id="so-sanh"><h2>So sánh với lần tổng hợp trước</h2><p class="sub">Lần trước: {} ý kiến ({}).</p>"#,
        c.before_total,
        escape(&c.dir.display().to_string())
    );
    h.push_str(r#"<h3>Theo lĩnh vực</h3><div class="scroll"><table><tr><th>Lĩnh vực</th><th class="n">Trước</th><th class="n">Nay</th><th class="n">Thay đổi tỷ lệ</th></tr>"#);
    for ch in &c.topics {
        let name = models
            .topics
            .index(&ch.what)
            .map(|i| models.topics.topics[i].name.clone())
            .unwrap_or_else(|| ch.what.clone());
        let _ = write!(h, "<tr><td>{}</td>{}</tr>", escape(&name), change_cell(ch));
    }
    h.push_str("</table></div>");
    for (title, list) in
        [("Cụm có ở cả hai lần", &c.kept), ("Cụm mới xuất hiện", &c.appeared), ("Cụm không còn", &c.disappeared)]
    {
        let _ = write!(h, r#"<h3>{title} ({})</h3>"#, list.len());
        if list.is_empty() {
            continue;
        }
        h.push_str(r#"<div class="scroll"><table><tr><th>Cụm</th><th class="n">Trước</th><th class="n">Nay</th><th class="n">Thay đổi tỷ lệ</th></tr>"#);
        for ch in list {
            let _ = write!(h, "<tr><td>{}</td>{}</tr>", escape(&ch.what), change_cell(ch));
        }
        h.push_str("</table></div>");
    }
    h.push_str("</section>");
}

fn header(
    s: &mut rust_xlsxwriter::Worksheet,
    cols: &[&str],
    bold: &rust_xlsxwriter::Format,
) -> std::result::Result<(), rust_xlsxwriter::XlsxError> {
    for (c, h) in cols.iter().enumerate() {
        s.write_string_with_format(0, c as u16, *h, bold)?;
    }
    Ok(())
}

/// The report's tables as an Excel workbook, one sheet per table, written atomically.
/// Returns how many cells were cut to Excel's limit of 32,767 characters.
pub fn write_xlsx(t: &Tables, report: &Report, subs: &[crate::input::Submission], path: &Path) -> Result<usize> {
    let err = |e: rust_xlsxwriter::XlsxError| Error::io(path, std::io::Error::other(e.to_string()));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let pctf = Format::new().set_num_format("0.0%");
    let cut = std::cell::Cell::new(0);
    sheet_overview(&mut wb, t).map_err(err)?;
    sheet_topics(&mut wb, t, &bold, &pctf).map_err(err)?;
    sheet_clusters(&mut wb, t, report, &bold, &cut).map_err(err)?;
    sheet_locality_topic(&mut wb, t, &bold).map_err(err)?;
    sheet_departments(&mut wb, t, &bold).map_err(err)?;
    sheet_duplicates(&mut wb, report, &bold, &cut).map_err(err)?;
    if let Some(c) = &t.comparison {
        sheet_comparison(&mut wb, c, &bold, &pctf, &cut).map_err(err)?;
    }
    sheet_submissions(&mut wb, t, report, subs, &bold, &cut).map_err(err)?;
    let bytes = wb.save_to_buffer().map_err(err)?;
    crate::output::write_atomic(path, &bytes)?;
    Ok(cut.get())
}

/// Excel's limit on the characters of one cell.
pub const XLSX_CELL_CHARS: usize = 32_767;

/// `text` as one cell can hold it: past [`XLSX_CELL_CHARS`] characters it is cut, with a
/// visible marker saying how much was left out, and `cut` counts it.
pub fn fit_cell(cut: &std::cell::Cell<usize>, text: &str) -> String {
    let n = text.chars().count();
    if n <= XLSX_CELL_CHARS {
        return text.to_string();
    }
    let marker = format!(" … [cắt bớt {} ký tự: ô Excel chứa tối đa {XLSX_CELL_CHARS}]", n - 32_000);
    let keep: String = text.chars().take(32_000).collect();
    cut.set(cut.get() + 1);
    keep + &marker
}

/// The sheet of the totals.
fn sheet_overview(wb: &mut Workbook, t: &Tables) -> std::result::Result<(), XlsxError> {
    let s = wb.add_worksheet().set_name("Tổng quan")?;
    let tot = &t.totals;
    s.write_string_with_format(0, 0, &t.title, &Format::new().set_bold().set_font_size(14))?;
    if let Some((a, b)) = &t.period {
        s.write_string(1, 0, format!("Ý kiến gửi từ {a} đến {b}"))?;
    }
    for (r, (k, v)) in [
        ("Ý kiến đã phân tích", tot.submissions),
        ("Bản ghi không đọc được", tot.rejected),
        ("Địa phương", tot.localities),
        ("Gõ không dấu", tot.without_diacritics),
        ("Cụm chủ đề", tot.clusters),
    ]
    .iter()
    .enumerate()
    {
        s.write_string(r as u32 + 3, 0, *k)?;
        s.write_number(r as u32 + 3, 1, *v as f64)?;
    }
    s.set_column_width(0, 28)?;
    Ok(())
}

/// The sheet of topic areas with their counts and shares.
fn sheet_topics(wb: &mut Workbook, t: &Tables, bold: &Format, pctf: &Format) -> std::result::Result<(), XlsxError> {
    let s = wb.add_worksheet().set_name("Lĩnh vực")?;
    header(s, &["Mã", "Lĩnh vực", "Số ý kiến", "Tỷ lệ"], bold)?;
    for (i, r) in t.topics.iter().enumerate() {
        let row = i as u32 + 1;
        s.write_string(row, 0, &r.code)?;
        s.write_string(row, 1, &r.name)?;
        s.write_number(row, 2, r.count as f64)?;
        s.write_number_with_format(row, 3, r.share, pctf)?;
    }
    s.set_column_width(1, 44)?;
    Ok(())
}

/// The sheet of one row per cluster.
fn sheet_clusters(
    wb: &mut Workbook,
    t: &Tables,
    report: &Report,
    bold: &Format,
    cut: &std::cell::Cell<usize>,
) -> std::result::Result<(), XlsxError> {
    let s = wb.add_worksheet().set_name("Cụm")?;
    header(
        s,
        &["Cụm", "Nhãn", "Tóm tắt", "Lĩnh vực", "Số ý kiến", "Chủ đề mới", "Cụm từ đặc trưng", "Ý kiến tiêu biểu"],
        bold,
    )?;
    for (i, c) in report.clusters.iter().enumerate() {
        let row = i as u32 + 1;
        s.write_number(row, 0, c.id as f64)?;
        s.write_string(row, 1, fit_cell(cut, &c.label))?;
        s.write_string(row, 2, fit_cell(cut, &c.summary))?;
        s.write_string(
            row,
            3,
            t.topics.iter().find(|r| r.code == c.topic).map_or(c.topic.as_str(), |r| r.name.as_str()),
        )?;
        s.write_number(row, 4, c.size as f64)?;
        s.write_string(row, 5, if c.new_theme { "có" } else { "" })?;
        s.write_string(row, 6, fit_cell(cut, &c.phrases.join("; ")))?;
        s.write_string(row, 7, fit_cell(cut, c.representatives.first().map(|r| r.text.as_str()).unwrap_or("")))?;
    }
    s.set_column_width(1, 40)?;
    s.set_column_width(2, 60)?;
    s.set_column_width(7, 80)?;
    Ok(())
}

/// The sheet of submissions per locality and topic area.
fn sheet_locality_topic(wb: &mut Workbook, t: &Tables, bold: &Format) -> std::result::Result<(), XlsxError> {
    let s = wb.add_worksheet().set_name("Địa phương × lĩnh vực")?;
    s.write_string_with_format(0, 0, "Địa phương", bold)?;
    for (c, tr) in t.topics.iter().enumerate() {
        s.write_string_with_format(0, c as u16 + 1, &tr.name, bold)?;
    }
    for (i, (l, row)) in t.localities.iter().zip(&t.locality_topic).enumerate() {
        s.write_string(i as u32 + 1, 0, l)?;
        for (c, v) in row.iter().enumerate() {
            s.write_number(i as u32 + 1, c as u16 + 1, *v as f64)?;
        }
    }
    s.set_column_width(0, 24)?;
    Ok(())
}

/// The sheet of departments suggested.
fn sheet_departments(wb: &mut Workbook, t: &Tables, bold: &Format) -> std::result::Result<(), XlsxError> {
    let s = wb.add_worksheet().set_name("Cơ quan")?;
    header(s, &["Mã", "Cơ quan", "Số ý kiến", "Độ tin cậy thấp"], bold)?;
    for (i, d) in t.departments.iter().enumerate() {
        let row = i as u32 + 1;
        s.write_string(row, 0, &d.code)?;
        s.write_string(row, 1, &d.name)?;
        s.write_number(row, 2, d.count as f64)?;
        s.write_number(row, 3, d.low_confidence as f64)?;
    }
    s.set_column_width(1, 44)?;
    Ok(())
}

/// The sheet of near-duplicate groups.
fn sheet_duplicates(
    wb: &mut Workbook,
    report: &Report,
    bold: &Format,
    cut: &std::cell::Cell<usize>,
) -> std::result::Result<(), XlsxError> {
    let s = wb.add_worksheet().set_name("Trùng lặp")?;
    header(s, &["Số lần", "Nội dung", "Mã ý kiến", "Địa phương"], bold)?;
    for (i, d) in report.duplicates.iter().enumerate() {
        let row = i as u32 + 1;
        s.write_number(row, 0, d.count as f64)?;
        s.write_string(row, 1, fit_cell(cut, &d.text))?;
        s.write_string(row, 2, fit_cell(cut, &d.ids.join(", ")))?;
        let places = d.localities.iter().map(|(l, n)| format!("{l} ({n})")).collect::<Vec<_>>().join(", ");
        s.write_string(row, 3, fit_cell(cut, &places))?;
    }
    s.set_column_width(1, 80)?;
    Ok(())
}

/// The sheet of the comparison with an earlier run.
fn sheet_comparison(
    wb: &mut Workbook,
    c: &Comparison,
    bold: &Format,
    pctf: &Format,
    cut: &std::cell::Cell<usize>,
) -> std::result::Result<(), XlsxError> {
    let s = wb.add_worksheet().set_name("So sánh")?;
    header(s, &["Loại", "Lĩnh vực / cụm", "Trước", "Nay", "Tỷ lệ trước", "Tỷ lệ nay"], bold)?;
    let mut row = 1u32;
    for (kind, list) in [
        ("lĩnh vực", &c.topics),
        ("cụm giữ nguyên", &c.kept),
        ("cụm mới", &c.appeared),
        ("cụm không còn", &c.disappeared),
    ] {
        for ch in list {
            s.write_string(row, 0, kind)?;
            s.write_string(row, 1, fit_cell(cut, &ch.what))?;
            s.write_number(row, 2, ch.before as f64)?;
            s.write_number(row, 3, ch.now as f64)?;
            s.write_number_with_format(row, 4, ch.share_before, pctf)?;
            s.write_number_with_format(row, 5, ch.share_now, pctf)?;
            row += 1;
        }
    }
    s.set_column_width(1, 44)?;
    Ok(())
}

/// The run's summary for the terminal: totals, one line per cluster (size, topic, label,
/// the departments suggested most), and how many suggestions need a careful look.
pub fn summary(read: &ReadOutcome, report: &Report, out: &Path) -> String {
    let mut s = String::new();
    let n = report.records.len();
    let folded = report.records.iter().filter(|r| r.routed.typed_without_diacritics).count();
    let line = crate::t!(
        "summary.totals",
        n = n,
        k = report.k,
        profile = report.profile,
        folded = folded,
        rejected = read.rejects.len(),
        blank = read.blank
    );
    let _ = writeln!(s, "{line}");
    if report.unclustered > 0 {
        let _ = writeln!(s, "{}", crate::t!("summary.unclustered", n = report.unclustered));
    }
    let (count, topic, label, deps) = (
        crate::t!("summary.col-count"),
        crate::t!("summary.col-topic"),
        crate::t!("summary.col-label"),
        crate::t!("summary.col-departments"),
    );
    let _ = writeln!(s, "\n{:>3} {count:>5}  {topic:<13} {label:<44} {deps}", "#");
    for c in &report.clusters {
        let mut deps: Vec<(&String, &usize)> = c.departments.iter().collect();
        deps.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = deps.iter().take(2).map(|(d, k)| format!("{d} ({k})")).collect();
        let label = crate::output::truncate(&c.label, 44);
        let _ = writeln!(s, "{:>3} {:>5}  {:<13} {:<44} {}", c.id, c.size, c.topic, label, top.join(", "));
    }
    let low = report.records.iter().filter(|r| r.routed.suggestion.confidence < 0.5).count();
    let _ = write!(s, "\n{}", crate::t!("summary.low-confidence", n = low, out = out.display()));
    s
}

/// Rows the submissions sheet holds at most; past them, submissions.csv has every one.
pub const SHEET_ROWS: usize = 50_000;

/// The sheet of every submission with all its columns and ykien's results: a filter on
/// every column, the header frozen, widths that suit each column.
fn sheet_submissions(
    wb: &mut Workbook,
    t: &Tables,
    report: &Report,
    subs: &[crate::input::Submission],
    bold: &Format,
    cut: &std::cell::Cell<usize>,
) -> std::result::Result<(), XlsxError> {
    // Rows go straight to a temporary file as written: a large run's sheet never sits in memory.
    let s = wb.add_worksheet_with_constant_memory()?.set_name("Ý kiến")?;
    let layout = crate::output::CsvLayout::of(subs);
    let mut header: Vec<String> = [
        "Mã",
        "Ý kiến",
        "Địa phương",
        "Thời gian",
        "Nhóm",
        "Cụm",
        "Nhãn cụm",
        "Lĩnh vực",
        "Cơ quan đề xuất",
        "Độ tin cậy",
        "Phương án hai",
        "Lý do",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    header.extend(layout.extra.iter().cloned());
    for (c, h) in header.iter().enumerate() {
        s.write_string_with_format(0, c as u16, h, bold)?;
    }
    let topic_name = |code: &str| t.topics.iter().find(|r| r.code == code).map_or(code.to_string(), |r| r.name.clone());
    let n = report.records.len().min(SHEET_ROWS);
    for i in 0..n {
        let r = report.row(subs, i);
        let row = i as u32 + 1;
        let cells = [
            r.id.to_string(),
            fit_cell(cut, r.text),
            r.locality.unwrap_or("").to_string(),
            r.submitted_at.unwrap_or("").to_string(),
            r.group.unwrap_or("").to_string(),
            r.cluster.map(|c| c.to_string()).unwrap_or_default(),
            fit_cell(cut, r.cluster_label),
            topic_name(r.topic),
            r.department_name.to_string(),
        ];
        for (c, v) in cells.iter().enumerate() {
            s.write_string(row, c as u16, v)?;
        }
        s.write_number(row, 9, r.confidence as f64)?;
        s.write_string(row, 10, r.runner_up)?;
        let reasons: Vec<&str> = r.reasons.iter().map(|x| &**x).collect();
        s.write_string(row, 11, fit_cell(cut, &reasons.join(" | ")))?;
        for (k, v) in r.columns.iter() {
            if let Some(j) = layout.extra.iter().position(|h| h == k) {
                s.write_string(row, (12 + j) as u16, fit_cell(cut, v))?;
            }
        }
    }
    if report.records.len() > SHEET_ROWS {
        let note = format!("… {} ý kiến nữa: xem submissions.csv", report.records.len() - SHEET_ROWS);
        s.write_string(n as u32 + 1, 1, note)?;
    }
    s.autofilter(0, 0, n.max(1) as u32, header.len().saturating_sub(1) as u16)?;
    s.set_freeze_panes(1, 0)?;
    for (c, w) in [(0u16, 14.0), (1, 70.0), (2, 18.0), (3, 18.0), (6, 30.0), (7, 28.0), (8, 36.0), (11, 50.0)] {
        s.set_column_width(c, w)?;
    }
    Ok(())
}
