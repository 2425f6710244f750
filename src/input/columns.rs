//! Which column holds what, found as a person would: by header names in Vietnamese or
//! English, with or without diacritics, from a synonym list in models/columns.toml (data,
//! not code); failing a name, the text is the column of the longest free text. The header
//! row itself is found below title and letterhead rows.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// What ykien reads from a column, under the key the record builder knows it by.
pub const ROLES: [&str; 5] = ["text", "id", "locality", "submitted_at", "group"];

/// The column that says which of a form's question columns a submission was read from
/// (when there are several).
pub const QUESTION_COLUMN: &str = "Cột ý kiến";

/// The bundled synonym list (models/columns.toml), used where no models folder is read.
const BUNDLED: &str = include_str!("../../models/columns.toml");

/// Header names by role.
#[derive(Debug, Clone)]
pub struct ColumnNames {
    /// (role, folded names) in [`ROLES`] order.
    roles: Vec<(&'static str, Vec<String>)>,
    /// Folded headers that look like a text column's but hold answers or notes (`[not_text]`).
    not_text: Vec<String>,
}

#[derive(Deserialize)]
struct RoleEntry {
    names: Vec<String>,
}

impl Default for ColumnNames {
    fn default() -> Self {
        Self::parse(BUNDLED, Path::new("models/columns.toml")).expect("the bundled columns.toml is valid")
    }
}

impl ColumnNames {
    /// Loads models/columns.toml from a models folder.
    pub fn load(models: &Path) -> Result<Self> {
        let p = models.join("columns.toml");
        let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
        Self::parse(&text, &p)
    }

    fn parse(text: &str, path: &Path) -> Result<Self> {
        let mut t: BTreeMap<String, RoleEntry> =
            toml::from_str(text).map_err(|e| Error::model(path, crate::t!("model.not-columns", what = e)))?;
        let mut roles = Vec::new();
        for role in ROLES {
            let e = t.remove(role).ok_or_else(|| Error::model(path, crate::t!("model.no-table", table = role)))?;
            roles.push((role, e.names.iter().map(|n| fold_header(n)).collect()));
        }
        let not_text =
            t.remove("not_text").map(|e| e.names.iter().map(|n| fold_header(n)).collect()).unwrap_or_default();
        Ok(ColumnNames { roles, not_text })
    }

    /// The role a header names, if any, and whether it is an exact match (else a prefix).
    pub fn role_of(&self, header: &str) -> Option<(&'static str, bool)> {
        let h = fold_header(header);
        if h.is_empty() {
            return None;
        }
        for (role, names) in &self.roles {
            if names.contains(&h) {
                return Some((role, true));
            }
        }
        for (role, names) in &self.roles {
            if names.iter().any(|n| h.starts_with(n.as_str()) && h.as_bytes().get(n.len()) == Some(&b' ')) {
                return Some((role, false));
            }
        }
        None
    }
}

impl ColumnNames {
    /// Whether a header names a further column of opinions (a form's second question):
    /// it names a text column and is not one of `[not_text]` (answers, notes).
    fn names_more_text(&self, header: &str) -> bool {
        let h = fold_header(header);
        self.role_of(header).is_some_and(|(role, _)| role == "text")
            && !self
                .not_text
                .iter()
                .any(|n| h == *n || h.starts_with(n.as_str()) && h.as_bytes().get(n.len()) == Some(&b' '))
    }
}

/// A header folded for matching: lowercase, no diacritics (đ as d), anything but letters
/// and digits as one space.
pub fn fold_header(h: &str) -> String {
    let f = crate::text::fold_lower(h.trim());
    let mut out = String::with_capacity(f.len());
    for c in f.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    }
    out.trim_end().to_string()
}

/// The columns chosen for one file: the key each column is read under, the row the header
/// was found on, and what to tell the user.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Index of the header row among the rows looked at.
    pub header_row: usize,
    /// The key of each column: a role from [`ROLES`], or the header as written
    /// (repeated names numbered "name (2)"), "" for a column without a name.
    pub keys: Vec<String>,
    /// "văn bản ← cột 'Ý kiến, kiến nghị'" for each role found.
    pub chosen: Vec<String>,
    /// Further columns of opinions (a form asking one question per topic area): each
    /// filled cell of them is a submission of its own, as the text column's is.
    pub more_text: Vec<usize>,
}

/// How the user named columns: `--text-column` and `--columns role=header,...`.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Role → header as the user wrote it.
    pub by_role: Vec<(String, String)>,
}

impl Overrides {
    /// Parses "text=Ý kiến,locality=Huyện" (a header may hold commas only when quoted by
    /// the shell as one argument per role: `--columns text=... --columns locality=...`).
    pub fn parse(specs: &[String]) -> std::result::Result<Self, String> {
        let mut by_role = Vec::new();
        // "text=Ý kiến, kiến nghị,locality=Huyện": a comma starts a new pair only where a
        // role and '=' follow it, so headers may hold commas.
        let mut pairs: Vec<String> = Vec::new();
        for spec in specs {
            let mut start = 0;
            for (i, _) in spec.match_indices(',') {
                let rest = spec[i + 1..].trim_start();
                if ROLES.iter().any(|r| rest.starts_with(r) && rest[r.len()..].trim_start().starts_with('=')) {
                    pairs.push(spec[start..i].to_string());
                    start = i + 1;
                }
            }
            pairs.push(spec[start..].to_string());
        }
        for spec in &pairs {
            let (role, header) = spec
                .split_once('=')
                .ok_or_else(|| crate::t!("input.columns-spec", roles = ROLES.join(", "), spec = spec))?;
            let role = role.trim();
            if !ROLES.contains(&role) {
                return Err(crate::t!("input.columns-role", role = role, roles = ROLES.join(", ")));
            }
            by_role.push((role.to_string(), header.trim().to_string()));
        }
        Ok(Overrides { by_role })
    }
}

/// Finds the header among the first `rows` (title and letterhead rows above it, blank rows
/// between) and what each column holds. The header is the first row naming a text column
/// (by the user's override or a synonym); else the first row with the most filled cells.
/// Without a named text column, the text is the column of the longest values below the
/// header (at least 12 characters on average). `Err` says what was found instead.
pub fn find_layout(rows: &[Vec<String>], names: &ColumnNames, over: &Overrides) -> std::result::Result<Layout, String> {
    let mut header_row = header_row(rows, names, over)?;
    let mut keys = assign_roles(&rows[header_row], names, over)?;
    // A header of two rows (a group "Người gửi" over "Họ tên", "Địa chỉ"; the text's header
    // merged down both, so its name is in the second row too): the second row's names win.
    let mut header: &[String] = &rows[header_row];
    let combined = two_row_header(rows, header_row, &keys);
    if let Some(c) = &combined {
        if let Ok(k) = assign_roles(c, names, over) {
            keys = k;
            header_row += 1;
            header = c;
        }
    }
    let by_content = !keys.contains(&Some("text"));
    if by_content {
        let i = text_by_content(header, &rows[header_row + 1..], &keys)?;
        keys[i] = Some("text");
    }
    let mut chosen = Vec::new();
    for role in ROLES {
        if let Some(i) = keys.iter().position(|k| *k == Some(role)) {
            let label = crate::i18n::text(&format!("role.{role}")).to_string();
            let column = header[i].trim();
            chosen.push(if role == "text" && by_content {
                crate::t!("input.chosen-by-content", role = label, column = column)
            } else {
                crate::t!("input.chosen", role = label, column = column)
            });
        }
    }
    // A form's further questions: other columns a synonym names as text, when the text
    // column was found by a synonym too (not named by the user, not found by content).
    let user_text = over.by_role.iter().any(|(r, _)| r == "text");
    let mut more_text = Vec::new();
    if !by_content && !user_text {
        more_text = (0..header.len()).filter(|&i| keys[i].is_none() && names.names_more_text(&header[i])).collect();
        if let (false, Some(t)) = (more_text.is_empty(), keys.iter().position(|k| *k == Some("text"))) {
            if !names.names_more_text(&header[t]) {
                more_text.clear();
            }
        }
    }
    if !more_text.is_empty() {
        let columns: Vec<String> = more_text.iter().map(|&i| format!("'{}'", header[i].trim())).collect();
        chosen.push(crate::t!("input.chosen-more-text", columns = columns.join(", "), column = QUESTION_COLUMN));
    }
    Ok(Layout { header_row, keys: column_keys(header, &keys), chosen, more_text })
}

/// The header of two rows, when the row below `at` repeats the text column's name (its
/// header merged down): each column named by the lower row where it names one.
fn two_row_header(rows: &[Vec<String>], at: usize, keys: &[Option<&str>]) -> Option<Vec<String>> {
    let (upper, lower) = (&rows[at], rows.get(at + 1)?);
    let t = keys.iter().position(|k| *k == Some("text"))?;
    let name = fold_header(upper.get(t)?);
    if name.is_empty() || lower.get(t).map(|c| fold_header(c)) != Some(name) {
        return None;
    }
    let width = upper.len().max(lower.len());
    Some(
        (0..width)
            .map(|i| match (upper.get(i), lower.get(i)) {
                (_, Some(l)) if !l.trim().is_empty() => l.clone(),
                (Some(u), _) => u.clone(),
                _ => String::new(),
            })
            .collect(),
    )
}

/// The header: the first row naming a text column (by the user's override or a synonym),
/// else the first row with the most filled cells.
fn header_row(rows: &[Vec<String>], names: &ColumnNames, over: &Overrides) -> std::result::Result<usize, String> {
    let filled = |r: &Vec<String>| r.iter().filter(|c| !c.trim().is_empty()).count();
    if let Some(i) = rows.iter().position(|r| names_text_column(r, names, over)) {
        return Ok(i);
    }
    let most = rows.iter().map(filled).max().unwrap_or(0);
    rows.iter().position(|r| filled(r) == most && most > 0).ok_or_else(|| crate::t!("input.no-header-row"))
}

/// Whether a row names a text column: the user's `--text-column` (or `--columns text=…`)
/// when given, else a synonym of models/columns.toml.
pub fn names_text_column(row: &[String], names: &ColumnNames, over: &Overrides) -> bool {
    let user_text = over.by_role.iter().find(|(r, _)| r == "text").map(|(_, h)| fold_header(h));
    row.iter().any(|c| match &user_text {
        Some(t) => fold_header(c) == *t,
        None => names.role_of(c).is_some_and(|(role, _)| role == "text"),
    })
}

/// Each column's role: the user's names first, then exact synonyms, then prefixes, one
/// column per role; the same name twice for a role is an error (which is meant?).
fn assign_roles(
    header: &[String],
    names: &ColumnNames,
    over: &Overrides,
) -> std::result::Result<Vec<Option<&'static str>>, String> {
    let mut keys: Vec<Option<&'static str>> = vec![None; header.len()];
    for (role, h) in &over.by_role {
        let role = ROLES.iter().copied().find(|r| r == role).unwrap_or("text");
        match header.iter().position(|c| fold_header(c) == fold_header(h)) {
            Some(i) => keys[i] = Some(role),
            None => return Err(crate::t!("input.no-column-for", column = h, role = role, header = listed(header))),
        }
    }
    for exact in [true, false] {
        for (i, c) in header.iter().enumerate() {
            if let (None, Some((role, is_exact))) = (keys[i], names.role_of(c)) {
                if is_exact == exact && !keys.contains(&Some(role)) {
                    keys[i] = Some(role);
                }
            }
        }
    }
    for (i, c) in header.iter().enumerate() {
        if let (None, Some((role, true))) = (keys[i], names.role_of(c)) {
            if let Some(j) = keys.iter().position(|k| *k == Some(role)) {
                if fold_header(&header[j]) == fold_header(c) {
                    return Err(crate::t!(
                        "input.column-twice",
                        column = c.trim(),
                        first = j.min(i) + 1,
                        second = j.max(i) + 1,
                        role = role
                    ));
                }
            }
        }
    }
    Ok(keys)
}

/// Without a named text column: the column (of those with no role) of the longest values
/// below the header, at least 12 characters on average.
fn text_by_content(
    header: &[String],
    below: &[Vec<String>],
    keys: &[Option<&str>],
) -> std::result::Result<usize, String> {
    let mean = |i: usize| {
        let vals: Vec<usize> = below.iter().filter_map(|r| r.get(i)).map(|v| v.trim().chars().count()).collect();
        if vals.is_empty() {
            0.0
        } else {
            vals.iter().sum::<usize>() as f64 / vals.len() as f64
        }
    };
    let best = (0..header.len()).filter(|&i| keys[i].is_none()).max_by(|&a, &b| mean(a).total_cmp(&mean(b)));
    best.filter(|&i| mean(i) >= 12.0).ok_or_else(|| crate::t!("input.no-text-column", header = listed(header)))
}

/// The key each column is read under: its role, or its header as written (repeated
/// names, and a role's own key used as another column's name, numbered).
fn column_keys(header: &[String], keys: &[Option<&'static str>]) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = ROLES.iter().map(|r| (r.to_string(), 1)).collect();
    header
        .iter()
        .zip(keys)
        .map(|(h, k)| match k {
            Some(role) => role.to_string(),
            None => {
                let h = h.trim().to_string();
                if h.is_empty() {
                    return h;
                }
                let n = seen.entry(h.clone()).or_insert(0);
                *n += 1;
                if *n == 1 {
                    h
                } else {
                    format!("{h} ({n})")
                }
            }
        })
        .collect()
}

fn listed(header: &[String]) -> String {
    let named: Vec<String> =
        header.iter().filter(|c| !c.trim().is_empty()).take(20).map(|c| format!("'{}'", c.trim())).collect();
    if named.is_empty() {
        "no names".into()
    } else {
        named.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn a_google_form_header_below_two_title_rows_is_read_by_its_vietnamese_names() {
        let rows = vec![
            row(&["TỈNH ĐOÀN LẠNG SƠN", "", "", "", ""]),
            row(&["TỔNG HỢP Ý KIẾN, KIẾN NGHỊ CỦA THANH NIÊN", "", "", "", ""]),
            row(&["", "", "", "", ""]),
            row(&["Dấu thời gian", "Họ và tên", "Đơn vị", "Huyện/Thành phố", "Ý kiến, kiến nghị"]),
            row(&["13/04/2024 9:01", "Hoàng Văn A", "Chi đoàn xã", "Chi Lăng", "Em muốn học nghề sửa xe máy"]),
        ];
        let l = find_layout(&rows, &ColumnNames::default(), &Overrides::default()).unwrap();
        assert_eq!(l.header_row, 3);
        assert_eq!(l.keys, ["submitted_at", "Họ và tên", "Đơn vị", "locality", "text"]);
        assert!(l.chosen.iter().any(|c| c == "văn bản ← cột 'Ý kiến, kiến nghị'"), "{:?}", l.chosen);
    }

    #[test]
    fn without_a_known_name_the_longest_free_text_is_the_text() {
        let rows = vec![
            row(&["STT", "Ho ten", "Y kien cua thanh nien ve viec lam o dia phuong"]),
            row(&["1", "Lan", "Đề nghị tỉnh mở thêm lớp dạy nghề cho thanh niên"]),
            row(&["2", "Minh", "Mong có thêm thông tin tuyển dụng ở huyện"]),
        ];
        // "Y kien cua ..." starts with the synonym "y kien": a prefix match.
        let l = find_layout(&rows, &ColumnNames::default(), &Overrides::default()).unwrap();
        assert_eq!(l.keys[2], "text");
        let rows = vec![
            row(&["STT", "Ho ten", "Noi dung chi tiet"])
                .into_iter()
                .map(|c| c.replace("Noi dung chi tiet", "Cot C"))
                .collect(),
            rows[1].clone(),
            rows[2].clone(),
        ];
        let l = find_layout(&rows, &ColumnNames::default(), &Overrides::default()).unwrap();
        assert_eq!(l.keys[2], "text");
        assert!(l.chosen[0].contains("theo nội dung"), "{:?}", l.chosen);
        let two = Overrides::parse(&["text=Ý kiến, kiến nghị,locality=Huyện".into()]).unwrap();
        assert_eq!(two.by_role, [("text".into(), "Ý kiến, kiến nghị".into()), ("locality".into(), "Huyện".into())]);
        let o = Overrides::parse(&["text=Ho ten".into()]).unwrap();
        assert_eq!(find_layout(&rows, &ColumnNames::default(), &o).unwrap().keys[1], "text");
        assert!(Overrides::parse(&["tex=Ho ten".into()]).is_err());
    }
}
