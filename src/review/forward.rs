//! Forwarding decided submissions to the bodies that answer them: each forward has a due
//! date from the routing profile, and each body gets one workbook listing what it must
//! answer, with empty columns for the answer and the officer who gives it.

use std::path::{Path, PathBuf};

use super::db::{Db, Forwarded};
use crate::error::{Error, Result};
use crate::routing::{Profile, Ymd};

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil((y, m, d): Ymd) -> i64 {
    let (y, m, d) = (y as i64 - (m <= 2) as i64, m as i64, d as i64);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01 (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> Ymd {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + (m <= 2) as i64;
    (y as u32, m as u32, d as u32)
}

/// `date` plus `days` calendar days.
pub fn add_days(date: Ymd, days: i64) -> Ymd {
    civil_from_days(days_from_civil(date) + days)
}

/// Calendar days from `a` to `b` (negative when `b` is earlier).
pub fn days_between(a: Ymd, b: Ymd) -> i64 {
    days_from_civil(b) - days_from_civil(a)
}

/// A date as the database keeps it ("2026-12-22").
pub fn iso_date((y, m, d): Ymd) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// A date as a person in Vietnam reads it ("22/12/2026"); anything unreadable as it is.
pub fn vn_date(s: &str) -> String {
    match crate::report::parse_date(s) {
        Some(date) => crate::report::dmy(date),
        None => s.to_string(),
    }
}

/// Today in Vietnam (UTC+7): the one reading of the clock for dates (due dates, the
/// profile in force, a tracking code's year).
pub fn today() -> Ymd {
    crate::report::parse_date(&super::auth::vietnam_time(super::auth::unix_now())).unwrap_or((1970, 1, 1))
}

/// The headers of a body's forward workbook before the input's own columns.
pub const FORWARD_HEADER: [&str; 10] = [
    "Mã theo dõi",
    "Mã",
    "Ý kiến",
    "Địa phương",
    "Ngày gửi",
    "Nhóm ý kiến",
    "Lĩnh vực",
    "Cùng trả lời với",
    "Ngày chuyển",
    "Hạn trả lời",
];

/// The columns the body fills in, after the input's own.
pub const ANSWER_HEADER: [&str; 2] = ["Trả lời", "Cán bộ trả lời"];

/// How a suggested answer begins in the "Trả lời" cell: an answer given before to a
/// submission like it. Read back still beginning so, the cell counts as not answered.
pub const SUGGESTION_MARK: &str = "GỢI Ý —";

/// The local date an earlier answer was given ("dd/mm/yyyy").
pub fn answered_on(e: &super::archive::EarlierAnswer) -> String {
    let t = super::auth::vietnam_time_of(&e.answered_at);
    t.get(..10).map_or(t.clone(), str::to_string)
}

/// The "Trả lời" cell pre-filled with an earlier answer, marked as a suggestion.
pub fn suggested_answer(e: &super::archive::EarlierAnswer, name: &dyn Fn(&str) -> String) -> String {
    format!(
        "{SUGGESTION_MARK} ý kiến giống ý kiến {} đã được {} trả lời ngày {}. Xoá dòng này nếu dùng lại câu trả lời dưới đây, hoặc viết câu trả lời mới:\n{}",
        e.code,
        name(&e.department),
        answered_on(e),
        e.answer
    )
}

/// What one forwarding run did: how many forwards it made, and each body's workbook.
#[derive(Debug, Clone, Default)]
pub struct ForwardRun {
    /// Submissions accepted as suggested first (`--all-suggested`).
    pub accepted: usize,
    /// Forwards made now.
    pub forwarded: usize,
    /// Per body: code, workbook, submissions it lists, of them forwarded now.
    pub sheets: Vec<(String, PathBuf, usize)>,
}

/// Forwards every decided submission not yet forwarded (after accepting every pending
/// suggestion as it is, when `accept_all`), due `due_days` days from today or, without it,
/// the profile's days for the body; then writes one workbook per body into `out` (the
/// folder replaced whole). Every acceptance and forward is audited as `user`'s.
pub fn forward(
    db: &mut Db,
    profile: &Profile,
    topic_name: &dyn Fn(&str) -> String,
    due_days: Option<u32>,
    accept_all: bool,
    out: &Path,
    user: &str,
) -> Result<ForwardRun> {
    let mut run = ForwardRun::default();
    if accept_all {
        let note = "đồng ý đề xuất khi chuyển hàng loạt";
        for it in db.pending_items()? {
            // As suggested: with the second body too, when the suggestion names one.
            let d = if it.also.is_empty() || it.also == it.suggested {
                super::Decision::Accept
            } else {
                super::Decision::Split(it.suggested.clone(), it.also.clone())
            };
            if db.decide(&it.id, it.version, &d, note, user)? == super::Outcome::Done {
                run.accepted += 1;
            }
        }
    }
    let today = today();
    let due_of = |dept: &str| iso_date(add_days(today, due_days.unwrap_or_else(|| profile.due_days(dept)) as i64));
    run.forwarded = db.forward_decided(&due_of, user)?;
    let bodies = db.forwarded_departments()?;
    let name = |code: &str| profile.index(code).map(|i| profile.departments[i].name.to_string()).unwrap_or(code.into());
    // The folder holds ykien's workbooks only: one per body code.
    let ours = |name: &str| {
        name.strip_suffix(".xlsx")
            .is_some_and(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-'))
    };
    run.sheets = crate::output::Staging::replace_with(out, &ours, |dir| {
        let mut sheets = Vec::new();
        for code in &bodies {
            let rows = db.forwarded_to(code)?;
            let file = format!("{}.xlsx", file_stem(code));
            crate::output::write_atomic(&dir.join(&file), &workbook(&name(code), &rows, &name, topic_name)?)?;
            sheets.push((code.clone(), out.join(file), rows.len()));
        }
        Ok(sheets)
    })?;
    Ok(run)
}

/// A body code as a file name: ASCII letters, digits and '-' kept, anything else '-'.
fn file_stem(code: &str) -> String {
    let s: String = code.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    if s.is_empty() {
        "-".into()
    } else {
        s
    }
}

/// Where one body stands on a date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodyStatus {
    /// Body code.
    pub department: String,
    /// Submissions forwarded to it.
    pub forwarded: usize,
    /// Of them, answered.
    pub answered: usize,
    /// Unanswered past their due date.
    pub overdue: usize,
    /// Days the latest of them is late.
    pub most_days_late: i64,
}

/// An unanswered forward past its due date, with its days late.
pub type Overdue = (Forwarded, i64);

/// Each body's forwarded, answered and overdue submissions on `as_of`, and the overdue
/// ones themselves with their days late, latest first.
pub fn status(db: &Db, as_of: Ymd) -> Result<(Vec<BodyStatus>, Vec<Overdue>)> {
    let mut bodies: Vec<BodyStatus> = Vec::new();
    let mut late = Vec::new();
    for (f, answered) in db.forwards()? {
        if bodies.last().is_none_or(|b| b.department != f.department) {
            bodies.push(BodyStatus { department: f.department.clone(), ..Default::default() });
        }
        let b = bodies.last_mut().expect("pushed above");
        b.forwarded += 1;
        b.answered += answered as usize;
        let days = crate::report::parse_date(&f.due).map_or(0, |due| days_between(due, as_of));
        if !answered && days > 0 {
            b.overdue += 1;
            b.most_days_late = b.most_days_late.max(days);
            late.push((f, days));
        }
    }
    late.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.department.cmp(&b.0.department)));
    Ok((bodies, late))
}

/// The overdue list as a workbook, for the reminder letter.
pub fn overdue_workbook(late: &[Overdue], name: &dyn Fn(&str) -> String, as_of: Ymd) -> Result<Vec<u8>> {
    let x = |e: rust_xlsxwriter::XlsxError| Error::write("XLSX", e);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Quá hạn").map_err(x)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let wrap = rust_xlsxwriter::Format::new().set_text_wrap();
    let cut = std::cell::Cell::new(0);
    ws.write_string_with_format(0, 0, format!("Ý kiến quá hạn trả lời đến ngày {}", crate::report::dmy(as_of)), &bold)
        .map_err(x)?;
    let header = ["Cơ quan", "Mã theo dõi", "Ý kiến", "Địa phương", "Ngày chuyển", "Hạn trả lời", "Số ngày quá hạn"];
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &bold).map_err(x)?;
    }
    for (r, (f, days)) in late.iter().enumerate() {
        let row = 3 + r as u32;
        let cells = [
            name(&f.department),
            f.item.code.clone(),
            f.item.text.clone(),
            f.item.locality.clone(),
            super::auth::vietnam_time_of(&f.forwarded_at),
            vn_date(&f.due),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, crate::report::fit_cell(&cut, v), &wrap).map_err(x)?;
        }
        ws.write_number(row, 6, *days as f64).map_err(x)?;
    }
    ws.set_column_width(0, 30).map_err(x)?;
    ws.set_column_width(2, 70).map_err(x)?;
    wb.save_to_buffer().map_err(x)
}

/// One body's workbook: its name, then a row per submission forwarded to it.
pub fn workbook(
    body: &str,
    rows: &[Forwarded],
    name: &dyn Fn(&str) -> String,
    topic_name: &dyn Fn(&str) -> String,
) -> Result<Vec<u8>> {
    let x = |e: rust_xlsxwriter::XlsxError| Error::write("XLSX", e);
    let items: Vec<super::Item> = rows.iter().map(|f| f.item.clone()).collect();
    let columns = super::input_columns(&items);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Ý kiến cần trả lời").map_err(x)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let wrap = rust_xlsxwriter::Format::new().set_text_wrap();
    let cut = std::cell::Cell::new(0);
    ws.write_string_with_format(0, 0, format!("Ý kiến, kiến nghị của thanh niên chuyển {body} trả lời"), &bold)
        .map_err(x)?;
    let header = FORWARD_HEADER.iter().copied().chain(columns.iter().map(String::as_str)).chain(ANSWER_HEADER);
    for (c, h) in header.enumerate() {
        ws.write_string_with_format(2, c as u16, h, &bold).map_err(x)?;
    }
    for (r, f) in rows.iter().enumerate() {
        let it = &f.item;
        let with = it.other_body(&f.department).map(name).unwrap_or_default();
        let mut cells = vec![
            it.code.clone(),
            it.id.clone(),
            it.text.clone(),
            it.locality.clone(),
            vn_date(&it.submitted_at),
            it.cluster_label.clone(),
            topic_name(&it.topic),
            with,
            super::auth::vietnam_time_of(&f.forwarded_at),
            vn_date(&f.due),
        ];
        cells.extend(it.column_values(&columns));
        if let Some(e) = &it.answered_before {
            cells.push(suggested_answer(e, name));
        }
        for (c, v) in cells.iter().enumerate() {
            ws.write_string_with_format(3 + r as u32, c as u16, crate::report::fit_cell(&cut, v), &wrap).map_err(x)?;
        }
    }
    let answer_col = (FORWARD_HEADER.len() + columns.len()) as u16;
    ws.set_column_width(2, 70).map_err(x)?;
    ws.set_column_width(answer_col, 70).map_err(x)?;
    ws.set_column_width(answer_col + 1, 24).map_err(x)?;
    ws.set_freeze_panes(3, 1).map_err(x)?;
    wb.save_to_buffer().map_err(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_add_across_months_years_and_leap_days() {
        assert_eq!(add_days((2026, 12, 7), 15), (2026, 12, 22));
        assert_eq!(add_days((2026, 12, 20), 15), (2027, 1, 4));
        assert_eq!(add_days((2024, 2, 20), 10), (2024, 3, 1));
        assert_eq!(add_days((2023, 2, 20), 10), (2023, 3, 2));
        assert_eq!(days_between((2024, 1, 1), (2025, 1, 1)), 366);
        let mut rng = crate::rng::Rng::new(5);
        for _ in 0..2000 {
            let d = civil_from_days((rng.next_f64() * 80_000.0) as i64);
            assert_eq!(civil_from_days(days_from_civil(d)), d);
            assert_eq!(add_days(add_days(d, 40), -40), d);
        }
        assert_eq!(vn_date("2026-12-22"), "22/12/2026");
    }
}
