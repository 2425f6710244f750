//! Answers coming back from the bodies: the workbooks `ykien forward` wrote, filled in,
//! read back by tracking code. A row whose code is unknown, whose text was changed, or
//! that names a body the submission was not forwarded to is refused with its reason;
//! reading the same file twice records nothing twice; a changed answer is a new version.

use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, Reader};

use super::db::Db;
use crate::error::{Error, Result};
use crate::routing::Profile;

/// What an import took and refused.
#[derive(Debug, Clone, Default)]
pub struct AnswerImport {
    /// Answers recorded for the first time.
    pub new: usize,
    /// Answers that replaced an earlier one (kept as a version).
    pub changed: usize,
    /// Answers already recorded as they are.
    pub unchanged: usize,
    /// Rows with no answer yet.
    pub blank: usize,
    /// Of them, rows still holding the suggestion ykien wrote in (its mark not removed).
    pub suggested: usize,
    /// Rows refused: "file:row: why".
    pub refused: Vec<String>,
}

/// Text compared as a person reads it: NFC, one space between words.
fn same_text(a: &str, b: &str) -> bool {
    let norm = |s: &str| crate::text::normalize(s).text.split_whitespace().collect::<Vec<_>>().join(" ");
    norm(a) == norm(b)
}

fn cell(c: &Data) -> String {
    match c {
        Data::String(s) => s.trim().to_string(),
        Data::Empty => String::new(),
        other => other.to_string().trim().to_string(),
    }
}

/// Reads the filled workbooks `paths` and records their answers as `user`'s.
pub fn import(db: &mut Db, profile: &Profile, paths: &[PathBuf], user: &str) -> Result<AnswerImport> {
    let mut out = AnswerImport::default();
    for path in paths {
        import_one(db, profile, path, user, &mut out)?;
    }
    Ok(out)
}

fn import_one(db: &mut Db, profile: &Profile, path: &Path, user: &str, out: &mut AnswerImport) -> Result<()> {
    let bad = |why: String| Error::input(path, crate::error::Location::File, why);
    let mut wb = open_workbook_auto(path).map_err(|e| bad(e.to_string()))?;
    let Some(name) = wb.sheet_names().first().cloned() else { return Err(bad(crate::t!("answers.no-sheet"))) };
    let range = wb.worksheet_range(&name).map_err(|e| bad(e.to_string()))?;
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(cell).collect()).collect();
    let folded = |s: &str| crate::text::fold_lower(s);
    let Some(h) = rows
        .iter()
        .take(20)
        .position(|r| r.iter().any(|c| folded(c) == "ma theo doi") && r.iter().any(|c| folded(c) == "tra loi"))
    else {
        return Err(bad(crate::t!("answers.no-header")));
    };
    let col = |name: &str| rows[h].iter().position(|c| folded(c) == folded(name));
    let (Some(c_code), Some(c_answer)) = (col("Mã theo dõi"), col("Trả lời")) else {
        unreachable!("found above")
    };
    let c_text = col("Ý kiến");
    let c_officer = col("Cán bộ trả lời");
    // The body: named in the title above the header, else by the file's name.
    let title = rows[..h].iter().flatten().map(String::as_str).collect::<Vec<_>>().join(" ");
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let body = profile
        .departments
        .iter()
        .filter(|d| title.contains(&*d.name))
        .max_by_key(|d| d.name.len())
        .or_else(|| profile.departments.iter().find(|d| *d.code == *stem))
        .map(|d| d.code.to_string());
    let file = path.display().to_string();
    for (i, r) in rows.iter().enumerate().skip(h + 1) {
        let at = |k: Option<usize>| k.and_then(|k| r.get(k)).cloned().unwrap_or_default();
        let code = at(Some(c_code));
        if code.is_empty() {
            if r.iter().any(|c| !c.is_empty()) {
                out.refused.push(format!("{file}:{}: {}", i + 1, crate::t!("answers.no-code")));
            }
            continue;
        }
        let refuse = |why: String| format!("{file}:{}: {code}: {why}", i + 1);
        let Some(item) = db.by_code(&code)? else {
            out.refused.push(refuse(crate::t!("answers.unknown-code")));
            continue;
        };
        if c_text.is_some() && !same_text(&at(c_text), &item.text) {
            out.refused.push(refuse(crate::t!("answers.text-changed")));
            continue;
        }
        let sent = db.forwarded_bodies(&item.id)?;
        let dept = match &body {
            Some(b) if sent.contains(b) => b.clone(),
            Some(b) => {
                let name = profile.index(b).map_or(b.as_str(), |i| &*profile.departments[i].name);
                out.refused.push(refuse(crate::t!("answers.not-forwarded", body = name)));
                continue;
            }
            None if sent.len() == 1 => sent[0].clone(),
            None => {
                out.refused.push(refuse(crate::t!("answers.which-body")));
                continue;
            }
        };
        let answer = at(Some(c_answer));
        // Empty, or still the suggestion ykien wrote in: not answered yet.
        if answer.starts_with(super::forward::SUGGESTION_MARK) {
            out.suggested += 1;
        }
        if answer.is_empty() || answer.starts_with(super::forward::SUGGESTION_MARK) {
            out.blank += 1;
            continue;
        }
        match db.record_answer(&item.id, &dept, &answer, &at(c_officer), &file, user)? {
            super::db::Recorded::New => out.new += 1,
            super::db::Recorded::Changed => out.changed += 1,
            super::db::Recorded::Unchanged => out.unchanged += 1,
        }
    }
    Ok(())
}
