//! The answering pages of a department account: only what was forwarded to its own body,
//! grouped by cluster; one answer written for a group of like questions (applied to every
//! member ticked, then editable per member), saved as a draft or submitted.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};

use super::{
    answered_before, excerpt, fail, layout, urlencode, with_session, Access, AppState, Page, SessionToken, User,
};
use crate::review::auth::vietnam_time_of;
use crate::review::db::Db;
use crate::review::drafts::{AnswerAction, Answerable, MAX_ANSWER_CHARS};
use crate::review::forward::{today, vn_date};

/// The most submissions one form may answer at once (bounds a request's work).
const MAX_IDS: usize = 5_000;

/// A group's key in addresses: its cluster number, or "khac" outside every cluster.
fn group_key(cluster: Option<i64>) -> String {
    cluster.map_or_else(|| "khac".to_string(), |c| c.to_string())
}

fn state_of(a: &Answerable) -> Markup {
    html! {
        @if let Some((answer, _)) = &a.answer { span.ok { "đã trả lời" } br; span.muted { "«" (excerpt(answer, 120)) "»" } }
        @if a.draft.is_some() { @if a.answer.is_some() { " · " } span.warn-tag { "bản nháp" } }
        @if a.answer.is_none() && a.draft.is_none() { span.muted { "chưa trả lời" } }
    }
}

fn is_late(a: &Answerable, today: &str) -> bool {
    a.answer.is_none() && a.forward.due.as_str() < today
}

fn today_iso() -> String {
    let (y, m, d) = today();
    format!("{y:04}-{m:02}-{d:02}")
}

/// GET /answer: the body's forwarded submissions by group.
pub(super) async fn home(State(st): State<Arc<AppState>>, token: SessionToken) -> Response {
    with_session(st, token, Access::Answering, move |st, db, user| groups_page(st, db, &user)).await
}

fn groups_page(st: &AppState, db: &mut Db, user: &User) -> Result<Markup, Page> {
    let all = db.answerable(&user.body).map_err(fail)?;
    let today = today_iso();
    let mut groups: BTreeMap<String, Vec<&Answerable>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for a in &all {
        let k = group_key(a.forward.item.cluster);
        if !groups.contains_key(&k) {
            order.push(k.clone());
        }
        groups.entry(k).or_default().push(a);
    }
    let answered = all.iter().filter(|a| a.answer.is_some()).count();
    let late = all.iter().filter(|a| is_late(a, &today)).count();
    Ok(layout(
        &format!("Ý kiến chuyển cho {}", st.dept_name(&user.body)),
        user,
        html! {
            p { (all.len()) " ý kiến được chuyển; " (answered) " đã trả lời"
                @if late > 0 { "; " span.err { (late) " quá hạn" } } "." }
            @if all.is_empty() { p.muted { "Chưa có ý kiến nào được chuyển cho cơ quan." } }
            @else {
                table.cards {
                    thead { tr { th { "Nhóm ý kiến" } th { "Lĩnh vực" } th.num { "Số ý kiến" } th.num { "Đã trả lời" } th.num { "Nháp" } th { "Hạn sớm nhất" } } }
                    tbody { @for k in &order {
                        @let g = &groups[k];
                        @let first = &g[0].forward.item;
                        @let due = g.iter().filter(|a| a.answer.is_none()).map(|a| a.forward.due.as_str()).min();
                        tr {
                            td { a href={ "/answer/group/" (k) } { @if first.cluster_label.is_empty() { "Ý kiến khác" } @else { (first.cluster_label) } } }
                            td data-label="Lĩnh vực" { (st.topic_name(&first.topic)) }
                            td.num data-label="Số ý kiến" { (g.len()) }
                            td.num data-label="Đã trả lời" { (g.iter().filter(|a| a.answer.is_some()).count()) }
                            td.num data-label="Nháp" { (g.iter().filter(|a| a.draft.is_some()).count()) }
                            td data-label="Hạn" { @match due { Some(d) => { (vn_date(d)) @if d < today.as_str() { " " span.err { "quá hạn" } } }, None => { span.ok { "xong" } } } }
                        }
                    } }
                }
            }
        },
    ))
}

/// GET /answer/group/{key}: a group's members with one answer form for the ticked ones.
pub(super) async fn group(
    State(st): State<Arc<AppState>>,
    token: SessionToken,
    Path(key): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    with_session(st, token, Access::Answering, move |st, db, user| group_page(st, db, &user, &key, &q)).await
}

fn members<'a>(all: &'a [Answerable], key: &str) -> Vec<&'a Answerable> {
    all.iter().filter(|a| group_key(a.forward.item.cluster) == key).collect()
}

fn group_page(
    st: &AppState,
    db: &mut Db,
    user: &User,
    key: &str,
    q: &BTreeMap<String, String>,
) -> Result<Response, Page> {
    let all = db.answerable(&user.body).map_err(fail)?;
    let group = members(&all, key);
    if group.is_empty() {
        return Err(fail(crate::Error::NotFound(
            "Không có nhóm ý kiến này trong các ý kiến chuyển cho cơ quan.".into(),
        )));
    }
    let first = &group[0].forward.item;
    // The form starts from the draft most members share, else empty.
    let mut drafts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for a in &group {
        if let Some(d) = &a.draft {
            *drafts.entry((d.answer.as_str(), d.officer.as_str())).or_default() += 1;
        }
    }
    let earlier = group.iter().find_map(|a| a.forward.item.answered_before.as_ref());
    let (start, officer) = drafts.iter().max_by_key(|(_, n)| **n).map_or(("", ""), |(k, _)| *k);
    let today = today_iso();
    let label = if first.cluster_label.is_empty() { "Ý kiến khác" } else { first.cluster_label.as_str() };
    Ok(layout(
        &format!("Nhóm: {label}"),
        user,
        html! {
            p.nav { a href="/answer" { "← Các nhóm ý kiến" } }
            @if let Some(n) = q.get("done") {
                p.flash { @if q.get("action").map(String::as_str) == Some("draft") { "Đã lưu nháp cho " } @else { "Đã gửi câu trả lời cho " } (n) " ý kiến." }
            }
            @if let Some(e) = earlier {
                p.warn { "Có ý kiến trong nhóm giống ý kiến " (e.code) " đã được " (st.dept_name(&e.department)) " trả lời ngày " (crate::review::forward::answered_on(e)) " (gợi ý, mở ý kiến đó để dùng lại): «" (excerpt(&e.answer, 600)) "»" }
            }
            p.muted { "Lĩnh vực: " (st.topic_name(&first.topic)) " · " (group.len()) " ý kiến. Viết một câu trả lời cho các ý kiến đánh dấu; sau đó có thể sửa riêng từng ý kiến." }
            form method="post" action={ "/answer/group/" (key) } {
                input type="hidden" name="csrf" value=(user.csrf);
                table.cards {
                    thead { tr { th { "Chọn" } th { "Mã theo dõi" } th { "Ý kiến" } th { "Địa phương" } th { "Hạn" } th { "Trạng thái" } } }
                    tbody { @for a in &group {
                        @let it = &a.forward.item;
                        tr {
                            td { input type="checkbox" name="id" value=(it.id) checked[a.answer.is_none()] aria-label={ "chọn " (it.code) }; }
                            td data-label="Mã" { a href={ "/answer/s/" (urlencode(&it.id)) } { @if it.code.is_empty() { (it.id) } @else { (it.code) } } }
                            td.text { (excerpt(&it.text, 400)) }
                            @if it.locality.is_empty() { td.empty {} } @else { td data-label="Địa phương" { (it.locality) } }
                            td data-label="Hạn" { (vn_date(&a.forward.due)) @if is_late(a, &today) { " " span.err { "quá hạn" } } }
                            td data-label="Trạng thái" { (state_of(a)) @if it.answered_before.is_some() { " · " span.warn-tag { "đã được trả lời trước đây" } } }
                        }
                    } }
                }
                div.card.actions.answer {
                    label { "Câu trả lời cho các ý kiến đã chọn"
                        textarea name="answer" rows="8" maxlength=(MAX_ANSWER_CHARS) required { (start) } }
                    label { "Cán bộ trả lời" input type="text" name="officer" value=(officer) maxlength="200"; }
                    div {
                        button name="action" value="draft" { "Lưu nháp" }
                        button.primary name="action" value="submit" { "Gửi câu trả lời" }
                    }
                }
            }
        },
    )
    .into_response())
}

/// What an answer form sends: the CSRF token, the ticked ids, the answer, the officer and
/// the action, as pairs (a checkbox list repeats its name).
fn read_form(pairs: &[(String, String)]) -> (String, Vec<String>, String, String, String) {
    let (mut csrf, mut ids, mut answer, mut officer, mut action) =
        (String::new(), Vec::new(), String::new(), String::new(), String::new());
    for (k, v) in pairs {
        match k.as_str() {
            "csrf" => csrf = v.clone(),
            "id" => ids.push(v.clone()),
            "answer" => answer = v.clone(),
            "officer" => officer = v.clone(),
            "action" => action = v.clone(),
            _ => {}
        }
    }
    (csrf, ids, answer, officer, action)
}

/// Applies an answer form to `ids` (each checked to be forwarded to the user's body).
fn apply(db: &mut Db, user: &User, pairs: &[(String, String)], only: &[String]) -> Result<(usize, AnswerAction), Page> {
    let (csrf, ids, answer, officer, action) = read_form(pairs);
    user.may_post(&csrf, false)?;
    let action = match action.as_str() {
        "draft" => AnswerAction::Draft,
        "submit" => AnswerAction::Submit,
        _ => return Err(fail(crate::Error::Param("Không rõ thao tác (lưu nháp hay gửi).".into()))),
    };
    let ids: Vec<String> = if only.is_empty() { ids } else { only.to_vec() };
    if ids.is_empty() {
        return Err(fail(crate::Error::Param("Chưa chọn ý kiến nào.".into())));
    }
    if ids.len() > MAX_IDS {
        return Err(fail(crate::Error::Param(format!(
            "Quá nhiều ý kiến trong một lần ({}; tối đa {MAX_IDS}).",
            ids.len()
        ))));
    }
    let n = db.answer_many(&ids, &user.body, &answer, &officer, action, &user.name).map_err(fail)?;
    Ok((n, action))
}

/// POST /answer/group/{key}: one answer for the ticked members of the group.
pub(super) async fn group_answer(
    State(st): State<Arc<AppState>>,
    token: SessionToken,
    Path(key): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    with_session(st, token, Access::Answering, move |_, db, user| -> Result<Response, Page> {
        let (n, action) = apply(db, &user, &pairs, &[])?;
        let a = if action == AnswerAction::Draft { "draft" } else { "submit" };
        Ok(Redirect::to(&format!("/answer/group/{}?done={n}&action={a}", urlencode(&key))).into_response())
    })
    .await
}

/// GET /answer/s/{id}: one forwarded submission with its answer, editable.
pub(super) async fn one(
    State(st): State<Arc<AppState>>,
    token: SessionToken,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    with_session(st, token, Access::Answering, move |st, db, user| one_page(st, db, &user, &id, &q)).await
}

fn one_page(st: &AppState, db: &mut Db, user: &User, id: &str, q: &BTreeMap<String, String>) -> Result<Markup, Page> {
    let all = db.answerable(&user.body).map_err(fail)?;
    // Not forwarded to this body: as though it did not exist.
    let Some(a) = all.iter().find(|a| a.forward.item.id == id) else {
        return Err(fail(crate::Error::NotFound("Không có ý kiến này trong các ý kiến chuyển cho cơ quan.".into())));
    };
    let it = &a.forward.item;
    let versions = db.answer_versions(id, &user.body).map_err(fail)?;
    // The draft, else the answer given, else (a suggestion, said so) the earlier answer to
    // a submission like it.
    let (start, officer) = match (&a.draft, &a.answer, &it.answered_before) {
        (Some(d), _, _) => (d.answer.as_str(), d.officer.as_str()),
        (None, Some((ans, o)), _) => (ans.as_str(), o.as_str()),
        (None, None, Some(e)) => (e.answer.as_str(), ""),
        (None, None, None) => ("", ""),
    };
    let suggested = a.draft.is_none() && a.answer.is_none() && it.answered_before.is_some();
    Ok(layout(
        &format!("Ý kiến {}", if it.code.is_empty() { &it.id } else { &it.code }),
        user,
        html! {
            p.nav { a href={ "/answer/group/" (group_key(it.cluster)) } { "← Nhóm: " @if it.cluster_label.is_empty() { "Ý kiến khác" } @else { (it.cluster_label) } } }
            @if let Some(n) = q.get("done") { p.flash { @if q.get("action").map(String::as_str) == Some("draft") { "Đã lưu nháp." } @else { "Đã gửi câu trả lời." } " (" (n) ")" } }
            div.card {
                blockquote { (it.text) }
                (st.restored_note(&it.text))
                p.muted {
                    @if !it.locality.is_empty() { (it.locality) " · " }
                    @if !it.submitted_at.is_empty() { "gửi " (vietnam_time_of(&it.submitted_at)) " · " }
                    "chuyển " (vietnam_time_of(&a.forward.forwarded_at)) " · hạn " (vn_date(&a.forward.due)) " · " (state_of(a))
                }
                @if !it.columns.is_empty() {
                    table.columns { @for (h, v) in &it.columns { @if !v.is_empty() { tr { th { (h) } td { (v) } } } } }
                }
            }
            @if let Some(e) = &it.answered_before { (answered_before(st, e)) }
            form method="post" action={ "/answer/s/" (urlencode(id)) } {
                input type="hidden" name="csrf" value=(user.csrf);
                div.card.actions.answer {
                    @if suggested { p.warn { "Ô trả lời điền sẵn câu trả lời trước đây (gợi ý): hãy đọc và sửa trước khi gửi." } }
                    label { "Câu trả lời" textarea name="answer" rows="8" maxlength=(MAX_ANSWER_CHARS) required { (start) } }
                    label { "Cán bộ trả lời" input type="text" name="officer" value=(officer) maxlength="200"; }
                    div {
                        button name="action" value="draft" { "Lưu nháp" }
                        button.primary name="action" value="submit" { "Gửi câu trả lời" }
                    }
                }
            }
            @if !versions.is_empty() {
                h2 { "Các lần trả lời" }
                table.cards { thead { tr { th { "Lúc" } th { "Ai" } th { "Cán bộ" } th { "Câu trả lời" } } }
                    tbody { @for (answer, officer, at, who) in versions.iter().rev() { tr {
                        td { (vietnam_time_of(at)) } td data-label="Ai" { (who) } td data-label="Cán bộ" { (officer) } td.text { (answer) }
                    } } } }
            }
            @if st.is_department(&user.body) {} @else { p.warn { "Cơ quan của tài khoản không có trong hồ sơ định tuyến đang dùng." } }
        },
    ))
}

/// POST /answer/s/{id}: the answer to one submission.
pub(super) async fn one_answer(
    State(st): State<Arc<AppState>>,
    token: SessionToken,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    with_session(st, token, Access::Answering, move |_, db, user| -> Result<Response, Page> {
        let (n, action) = apply(db, &user, &pairs, std::slice::from_ref(&id))?;
        let a = if action == AnswerAction::Draft { "draft" } else { "submit" };
        Ok(Redirect::to(&format!("/answer/s/{}?done={n}&action={a}", urlencode(&id))).into_response())
    })
    .await
}
