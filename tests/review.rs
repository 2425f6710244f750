//! The review desk at the HTTP level: every page and action, roles, CSRF, escaping of
//! hostile text, concurrent decisions, exports, learning from decisions.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use ykien::data_dir::DataDir;
use ykien::input::{read_file, ReadOptions};
use ykien::pipeline::{analyze, Models, Settings};
use ykien::review::{accounts, auth, store_report, web, Db, Role};

const HOSTILE: &str = "<script>alert('xss')</script> Em muốn vay vốn \"onmouseover=alert(1) & học nghề";

struct Desk {
    _dir: tempfile::TempDir,
    data: DataDir,
    app: axum::Router,
}

fn models() -> Models {
    Models::load(&common::models_dir(), "lang-son-2024").expect("models load")
}

/// A data directory holding an analysis of 120 bundled submissions plus a hostile one,
/// with a reviewer, a second reviewer and an analyst.
fn desk() -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let corpus = std::fs::read_to_string(common::models().bundled_corpus()).unwrap();
    let mut lines: Vec<&str> = corpus.lines().take(121).collect();
    let hostile = format!("evil-1,\"{}\",Bình Gia", HOSTILE.replace('"', "\"\""));
    let header: Vec<&str> = lines[0].split(',').collect();
    // Fit the hostile row to the corpus header (id, text, locality first).
    assert_eq!(&header[..3], ["id", "text", "locality"]);
    let pad = ",".repeat(header.len() - 3);
    let hostile = format!("{hostile}{pad}");
    lines.push(&hostile);
    let f = dir.path().join("in.csv");
    std::fs::write(&f, lines.join("\n")).unwrap();
    let read = read_file(&f, &ReadOptions::default()).unwrap();
    let m = models();
    let report = analyze(
        &m,
        &read.submissions,
        &Settings { k: Some(6), ..Settings::default() },
        &indicatif::ProgressBar::hidden(),
    )
    .unwrap();
    let data = DataDir::resolve(Some(&dir.path().join("data")));
    let mut db = Db::open(&data.review_db()).unwrap();
    store_report(&mut db, &read, &report).unwrap();
    for (name, role) in [("lan", Role::Reviewer), ("minh", Role::Reviewer), ("an", Role::Analyst)] {
        db.add_user(name, role, &auth::hash_password("mat-khau-dai").unwrap()).unwrap();
    }
    let state = web::AppState::new(data.clone(), &m, false, false).unwrap();
    Desk { _dir: dir, data, app: web::app(state) }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Resp {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
            let first = c.split(';').next()?;
            let (k, v) = first.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }
    fn csrf(&self) -> String {
        let t = self.text();
        let at = t.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + 19;
        let end = t[at..].find('"').expect("the token's closing quote");
        t[at..at + end].to_string()
    }
}

async fn send(app: &axum::Router, method: &str, uri: &str, cookie: &str, form: &[(&str, &str)]) -> Resp {
    let mut b = Request::builder().method(method).uri(uri);
    if !cookie.is_empty() {
        b = b.header(header::COOKIE, cookie);
    }
    let body = if form.is_empty() && method == "GET" {
        Body::empty()
    } else {
        b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        Body::from(form.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&"))
    };
    let res = app.clone().oneshot(b.body(body).unwrap()).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Resp { status, headers, body }
}

/// Logs in; returns the session cookie header and the session's CSRF token.
async fn login(app: &axum::Router, name: &str) -> (String, String) {
    let page = send(app, "GET", "/login", "", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    let pre = page.cookie("ykien_login").expect("login cookie");
    let r = send(
        app,
        "POST",
        "/login",
        &format!("ykien_login={pre}"),
        &[("name", name), ("password", "mat-khau-dai"), ("csrf", &page.csrf())],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let sc = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("ykien_session="))
        .unwrap();
    assert!(sc.contains("HttpOnly") && sc.contains("SameSite=Strict"), "{sc}");
    let cookie = format!("ykien_session={}", r.cookie("ykien_session").unwrap());
    let home = send(app, "GET", r.location(), &cookie, &[]).await;
    (cookie.clone(), home.csrf())
}

fn first_pending(data: &DataDir) -> ykien::review::Item {
    let db = Db::open(&data.review_db()).unwrap();
    let (items, _) = db
        .queue(&ykien::review::QueueFilter {
            status: ykien::review::StatusFilter::Pending,
            limit: 1,
            ..Default::default()
        })
        .unwrap();
    items.into_iter().next().unwrap()
}

#[tokio::test]
async fn login_is_required_and_bad_passwords_are_refused() {
    let d = desk();
    let r = send(&d.app, "GET", "/", "", &[]).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login"));
    let page = send(&d.app, "GET", "/login", "", &[]).await;
    let pre = page.cookie("ykien_login").unwrap();
    let r = send(
        &d.app,
        "POST",
        "/login",
        &format!("ykien_login={pre}"),
        &[("name", "lan"), ("password", "sai-mat-khau"), ("csrf", &page.csrf())],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.cookie("ykien_session").is_none());
    // The login form's CSRF token must match its cookie.
    let r = send(
        &d.app,
        "POST",
        "/login",
        "ykien_login=abc",
        &[("name", "lan"), ("password", "mat-khau-dai"), ("csrf", "def")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Security headers on every page.
    assert!(page.headers.get(header::CONTENT_SECURITY_POLICY).is_some());
    // Logging out ends the session.
    let (cookie, csrf) = login(&d.app, "lan").await;
    let r = send(&d.app, "POST", "/logout", &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(r.location(), "/login");
    assert_eq!(send(&d.app, "GET", "/", &cookie, &[]).await.location(), "/login");
}

#[tokio::test]
async fn the_queue_lists_least_confident_first_and_filters() {
    let d = desk();
    let (cookie, _) = login(&d.app, "lan").await;
    let r = send(&d.app, "GET", "/", &cookie, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let t = r.text();
    assert!(t.contains("121 ý kiến"), "all pending");
    // Confidences appear in ascending order.
    let confs: Vec<u32> =
        t.match_indices("</span> ").filter_map(|(i, _)| t[i + 8..].split('%').next()?.parse().ok()).collect();
    assert!(confs.len() > 10 && confs.windows(2).all(|w| w[0] <= w[1]), "{confs:?}");
    // Filter by suggested department: every row names it.
    let r = send(&d.app, "GET", "/?department=nhcsxh", &cookie, &[]).await;
    let n: usize = r.text().split(" ý kiến").next().unwrap().rsplit('>').next().unwrap().trim().parse().unwrap();
    let db = Db::open(&d.data.review_db()).unwrap();
    let (_, expect) = db
        .queue(&ykien::review::QueueFilter {
            department: Some("nhcsxh".into()),
            status: ykien::review::StatusFilter::Pending,
            limit: 1,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(n as i64, expect);
    assert!(expect > 0);
    // Search box without a search index: folded words, diacritics ignored.
    let r = send(&d.app, "GET", "/?q=vay+von", &cookie, &[]).await;
    assert!(r.text().contains("vay vốn") || r.text().contains("vay von"));
    // Confidence filter.
    let r = send(&d.app, "GET", "/?max_confidence=0.5", &cookie, &[]).await;
    assert!(!r.text().contains(">99%<"));
}

#[tokio::test]
async fn hostile_text_is_escaped_everywhere() {
    let d = desk();
    let (cookie, _) = login(&d.app, "lan").await;
    for uri in ["/s/evil-1", "/?q=script", "/?status=all"] {
        let t = send(&d.app, "GET", uri, &cookie, &[]).await.text();
        assert!(!t.contains("<script>"), "{uri}");
        assert!(!t.contains("\"onmouseover"), "{uri}");
    }
    let t = send(&d.app, "GET", "/s/evil-1", &cookie, &[]).await.text();
    assert!(t.contains("&lt;script&gt;alert('xss')&lt;/script&gt;") && t.contains("&amp; học nghề"), "{t}");
}

#[tokio::test]
async fn decisions_accept_reassign_split_and_note_with_an_audit_trail() {
    let d = desk();
    let (cookie, csrf) = login(&d.app, "lan").await;
    let it = first_pending(&d.data);
    let page = send(&d.app, "GET", &format!("/s/{}", it.id), &cookie, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    let t = page.text();
    assert!(t.contains("Đề xuất:") && t.contains("Phương án hai") && t.contains("Chia cho hai cơ quan"));
    let uri = format!("/s/{}", it.id);
    let r = send(
        &d.app,
        "POST",
        &uri,
        &cookie,
        &[
            ("csrf", &csrf),
            ("version", "0"),
            ("action", "reassign"),
            ("department", "so-gddt"),
            ("note", "Thuộc ngành giáo dục"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let db = Db::open(&d.data.review_db()).unwrap();
    let now = db.item(&it.id).unwrap().unwrap();
    assert_eq!(
        (now.status.as_str(), now.department.as_str(), now.decided_by.as_str(), now.version),
        ("decided", "so-gddt", "lan", 1)
    );
    // Split, then a note alone (the decision stays), then accept.
    let r = send(
        &d.app,
        "POST",
        &uri,
        &cookie,
        &[("csrf", &csrf), ("version", "1"), ("action", "split"), ("department", "so-gddt"), ("second", "so-ldtbxh")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = send(
        &d.app,
        "POST",
        &uri,
        &cookie,
        &[("csrf", &csrf), ("version", "2"), ("action", "note"), ("note", "Đã gọi điện hỏi thêm")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let now = db.item(&it.id).unwrap().unwrap();
    assert_eq!(
        (now.department.as_str(), now.second_department.as_str(), now.note.as_str()),
        ("so-gddt", "so-ldtbxh", "Đã gọi điện hỏi thêm")
    );
    let audit = db.audit(&it.id).unwrap();
    // Received when the analysis was loaded, then each of the reviewer's steps.
    assert_eq!(audit.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(), ["receive", "reassign", "split", "note"]);
    assert_eq!(audit[0].user, "ykien analyze");
    assert!(audit[1..].iter().all(|a| a.user == "lan" && a.at.starts_with("20")));
    // The audit table is append-only.
    let conn = rusqlite::Connection::open(d.data.review_db()).unwrap();
    assert!(conn.execute("UPDATE audit SET user_name = 'x'", []).is_err());
    assert!(conn.execute("DELETE FROM audit", []).is_err());
    // Bad decisions are refused with a reason.
    let r = send(
        &d.app,
        "POST",
        &uri,
        &cookie,
        &[("csrf", &csrf), ("version", "3"), ("action", "reassign"), ("department", "bo-quoc-phong")],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(
        &d.app,
        "POST",
        &uri,
        &cookie,
        &[("csrf", &csrf), ("version", "3"), ("action", "split"), ("department", "so-gddt"), ("second", "so-gddt")],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(send(&d.app, "GET", "/s/khong-co", &cookie, &[]).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn analysts_read_but_cannot_decide_and_csrf_is_checked() {
    let d = desk();
    let it = first_pending(&d.data);
    let uri = format!("/s/{}", it.id);
    let (acookie, acsrf) = login(&d.app, "an").await;
    let page = send(&d.app, "GET", &uri, &acookie, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text().contains("name=\"action\""), "no decision buttons for an analyst");
    let r = send(&d.app, "POST", &uri, &acookie, &[("csrf", &acsrf), ("version", "0"), ("action", "accept")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&d.app, "POST", "/retrain", &acookie, &[("csrf", &acsrf)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&d.app, "GET", "/progress", &acookie, &[]).await.status, StatusCode::OK);
    // A reviewer without the right token is refused too.
    let (cookie, _) = login(&d.app, "lan").await;
    for form in [
        vec![("version", "0"), ("action", "accept")],
        vec![("csrf", acsrf.as_str()), ("version", "0"), ("action", "accept")],
    ] {
        let r = send(&d.app, "POST", &uri, &cookie, &form).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        Db::open(&d.data.review_db()).unwrap().item(&it.id).unwrap().unwrap().status,
        ykien::review::Status::Pending
    );
}

#[tokio::test]
async fn two_reviewers_deciding_at_once_lose_nothing() {
    let d = desk();
    let (c1, t1) = login(&d.app, "lan").await;
    let (c2, t2) = login(&d.app, "minh").await;
    let it = first_pending(&d.data);
    let uri = format!("/s/{}", it.id);
    // Both opened the page at version 0; lan decides first.
    let r = send(
        &d.app,
        "POST",
        &uri,
        &c1,
        &[("csrf", &t1), ("version", "0"), ("action", "reassign"), ("department", "so-taichinh")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = send(&d.app, "POST", &uri, &c2, &[("csrf", &t2), ("version", "0"), ("action", "accept")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let t = r.text();
    assert!(
        t.contains("vừa được thay đổi") && t.contains("lan") && t.contains("value=\"1\""),
        "shows who changed it and offers the new version"
    );
    let db = Db::open(&d.data.review_db()).unwrap();
    assert_eq!(db.item(&it.id).unwrap().unwrap().department, "so-taichinh");
    // Truly at once: of many racing decisions on the same version exactly one lands.
    let other = db
        .queue(&ykien::review::QueueFilter {
            status: ykien::review::StatusFilter::Pending,
            limit: 1,
            ..Default::default()
        })
        .unwrap()
        .0
        .remove(0);
    let uri2 = format!("/s/{}", other.id);
    let mut tasks = Vec::new();
    for k in 0..8 {
        let (app, uri2) = (d.app.clone(), uri2.clone());
        let (c, t) = if k % 2 == 0 { (c1.clone(), t1.clone()) } else { (c2.clone(), t2.clone()) };
        tasks.push(tokio::spawn(async move {
            send(&app, "POST", &uri2, &c, &[("csrf", &t), ("version", "0"), ("action", "accept")]).await.status
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == StatusCode::SEE_OTHER).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == StatusCode::CONFLICT).count(), 7, "{codes:?}");
    assert_eq!(db.audit(&other.id).unwrap().iter().filter(|a| a.action != "receive").count(), 1);
}

#[tokio::test]
async fn a_cluster_is_decided_in_one_step_after_confirmation() {
    let d = desk();
    let (cookie, csrf) = login(&d.app, "lan").await;
    let mut db = Db::open(&d.data.review_db()).unwrap();
    let it = first_pending(&d.data);
    let c = it.cluster.expect("clustered");
    let members = db.cluster(c).unwrap();
    assert!(members.len() > 1);
    let page = send(&d.app, "GET", &format!("/cluster/{c}"), &cookie, &[]).await;
    assert!(page.text().contains(&format!("{} ý kiến", members.len())));
    // One member decided by someone else first is left alone.
    db.decide(&members[0].id, members[0].version, &ykien::review::Decision::Reassign("so-gddt".into()), "", "minh")
        .unwrap();
    let r = send(
        &d.app,
        "POST",
        &format!("/cluster/{c}"),
        &cookie,
        &[("csrf", &csrf), ("action", "reassign"), ("department", "tinh-doan")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("Xác nhận") && r.text().contains(&format!("{} ý kiến chờ duyệt", members.len() - 1)));
    assert_eq!(
        db.cluster(c).unwrap().iter().filter(|i| i.status == ykien::review::Status::Decided).count(),
        1,
        "nothing before confirmation"
    );
    let r = send(
        &d.app,
        "POST",
        &format!("/cluster/{c}"),
        &cookie,
        &[("csrf", &csrf), ("action", "reassign"), ("department", "tinh-doan"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let after = db.cluster(c).unwrap();
    assert!(after.iter().all(|i| i.status == ykien::review::Status::Decided));
    assert_eq!(after.iter().filter(|i| i.department == "tinh-doan").count(), members.len() - 1);
    assert_eq!(after.iter().find(|i| i.id == members[0].id).unwrap().department, "so-gddt");
}

#[tokio::test]
async fn progress_exports_and_backup() {
    let d = desk();
    let (cookie, csrf) = login(&d.app, "lan").await;
    let db = Db::open(&d.data.review_db()).unwrap();
    let (items, _) = db
        .queue(&ykien::review::QueueFilter {
            status: ykien::review::StatusFilter::Pending,
            limit: 3,
            ..Default::default()
        })
        .unwrap();
    for it in &items {
        let r = send(
            &d.app,
            "POST",
            &format!("/s/{}", it.id),
            &cookie,
            &[
                ("csrf", &csrf),
                ("version", "0"),
                ("action", "reassign"),
                ("department", "so-noivu"),
                ("note", "Chuyển Sở Nội vụ"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let p = send(&d.app, "GET", "/progress", &cookie, &[]).await.text();
    assert!(p.contains("3 ý kiến đã duyệt, 118 chờ duyệt"), "{p}");
    let x = send(&d.app, "GET", "/export/so-noivu?format=xlsx", &cookie, &[]).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.headers.get(header::CONTENT_DISPOSITION).unwrap().to_str().unwrap().contains("so-noivu.xlsx"));
    let path = d.data.root().join("out.xlsx");
    std::fs::write(&path, &x.body).unwrap();
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(&path).unwrap();
    let range = wb.worksheet_range("Danh sách").unwrap();
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[2][..3], ["Mã theo dõi".to_string(), "Mã".to_string(), "Ý kiến".to_string()]);
    assert!(rows[3..].iter().all(|r| r[0].starts_with("YK-")), "tracking codes in the export");
    let ids: Vec<&str> = rows[3..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(ids.len(), 3);
    assert!(items.iter().all(|i| ids.contains(&i.id.as_str())));
    assert!(rows[3..].iter().all(|r| r[7] == "Chuyển Sở Nội vụ"));
    let c = send(&d.app, "GET", "/export/so-noivu?format=csv", &cookie, &[]).await;
    assert!(c.body.starts_with(&[0xEF, 0xBB, 0xBF]) && c.text().lines().count() == 4);
    // A note Excel would run as a formula is exported with an apostrophe before it.
    let it = &items[2];
    let r = send(
        &d.app,
        "POST",
        &format!("/s/{}", it.id),
        &cookie,
        &[("csrf", &csrf), ("version", "1"), ("action", "note"), ("note", "=HYPERLINK(\"http://x\",\"xem\")")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let c = send(&d.app, "GET", "/export/so-noivu?format=csv", &cookie, &[]).await.text();
    // The input's own columns travel with the submission: the corpus's 'split' among them.
    assert!(c.lines().next().is_some_and(|h| h.ends_with(",topic,department,department2,split")), "{c}");
    let page = send(&d.app, "GET", &format!("/s/{}", urlencode_id(&items[0].id)), &cookie, &[]).await.text();
    assert!(page.contains("<th>split</th>"), "the submission's page shows its columns");
    assert!(c.contains("'=HYPERLINK") && !c.contains(",=HYPERLINK") && !c.contains(",\"=HYPERLINK"), "{c}");
    assert_eq!(send(&d.app, "GET", "/export/khong-co", &cookie, &[]).await.status, StatusCode::NOT_FOUND);
    // A backup is a complete, consistent copy.
    let dest = d.data.root().join("backup.db");
    db.backup(&dest).unwrap();
    let copy = Db::open(&dest).unwrap();
    assert_eq!(copy.decisions().unwrap().len(), 3);
    assert_eq!(
        copy.audit(&items[0].id).unwrap().iter().map(|a| a.action.as_str()).collect::<Vec<_>>(),
        ["receive", "reassign"]
    );
}

#[tokio::test]
async fn corrections_teach_the_router() {
    let d = desk();
    let (cookie, csrf) = login(&d.app, "lan").await;
    // Reviewers send every request about lighting in the villages to the Youth Union (its
    // "thắp sáng đường quê" works), not to the district People's Committee whose remit
    // (local infrastructure) the text is near in meaning.
    let water = [
        "Ngõ xóm em tối om, mong lắp đèn chiếu sáng",
        "Đề nghị lắp hệ thống chiếu sáng công cộng cho khu dân cư",
        "Đoạn ngõ từ nhà văn hóa về xóm không có bóng đèn chiếu sáng, đi đêm rất sợ",
        "Mong đầu tư đèn năng lượng mặt trời chiếu sáng ngõ xóm",
        "Xóm em xin được lắp thêm cột đèn chiếu sáng",
        "Đề nghị sửa các bóng đèn chiếu sáng bị hỏng trong khu dân cư",
    ];
    let probe = "Đề nghị lắp thêm đèn chiếu sáng ở ngõ xóm";
    let m = models();
    let before = ykien::pipeline::route_one(&m, &sub("p", probe)).suggestion.department.to_string();
    assert_ne!(before, "tinh-doan", "the base router does not know this yet");
    let mut db = Db::open(&d.data.review_db()).unwrap();
    let items: Vec<ykien::review::NewItem> = water
        .iter()
        .enumerate()
        .map(|(i, t)| ykien::review::NewItem {
            id: ["w1", "w2", "w3", "w4", "w5", "w6"][i],
            text: t,
            topic: "khac",
            suggested: "so-nnptnt",
            confidence: 0.3,
            ..Default::default()
        })
        .chain(std::iter::once(ykien::review::NewItem {
            id: "probe",
            text: probe,
            topic: "khac",
            suggested: &before,
            confidence: 0.3,
            ..Default::default()
        }))
        .collect();
    db.load_items(&items).unwrap();
    for id in ["w1", "w2", "w3", "w4", "w5", "w6"] {
        let r = send(
            &d.app,
            "POST",
            &format!("/s/{id}"),
            &cookie,
            &[("csrf", &csrf), ("version", "0"), ("action", "reassign"), ("department", "tinh-doan")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let r = send(&d.app, "POST", "/retrain", &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/progress?learned="));
    let probe_now = db.item("probe").unwrap().unwrap();
    assert_eq!(probe_now.suggested, "tinh-doan", "a later submission follows the corrections");
    assert_eq!(probe_now.status, ykien::review::Status::Pending);
    // Decided ones are not re-suggested.
    assert_eq!(db.item("w1").unwrap().unwrap().suggested, "so-nnptnt");
}

fn sub(id: &str, text: &str) -> ykien::input::Submission {
    common::submission(id, text)
}

#[test]
fn migrations_are_recorded_and_reopening_keeps_everything() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("r.db");
    {
        let db = Db::open(&p).unwrap();
        db.add_user("lan", Role::Admin, &auth::hash_password("mat-khau-dai").unwrap()).unwrap();
        assert!(db.add_user("lan", Role::Reviewer, "x").unwrap_err().to_string().contains("đã có tài khoản tên 'lan'"));
    }
    let conn = rusqlite::Connection::open(&p).unwrap();
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!((v as usize, mode.as_str()), (ykien::review::db::SCHEMA_VERSION, "wal"), "every migration applied");
    assert!(v >= 7, "tracking codes, forwards and answers are in the schema");
    let db = Db::open(&p).unwrap();
    assert_eq!(db.user("lan").unwrap().unwrap().1, Role::Admin);
    let _ = Arc::new(());
}

#[tokio::test]
async fn hostile_queries_and_parameters_get_400_and_unknown_ids_404() {
    let mut d = desk();
    // A search index beside the review database, so the search box parses queries.
    let read = read_file(&common::models().bundled_corpus(), &ReadOptions::default()).unwrap();
    let m = models();
    let mut ix = ykien::search::Indexer::open(&d.data, &m.analyzer, "lang-son-2024", 2, 1000).unwrap();
    ykien::search::index_submissions(&m, &mut ix, &read, &indicatif::ProgressBar::hidden()).unwrap();
    ix.finish().unwrap();
    d.app = web::app(web::AppState::new(d.data.clone(), &m, false, false).unwrap());
    let (c, _) = login(&d.app, "an").await;
    // An ordinary search works; 5,000 nested parentheses (a 15 KB URL) are refused, and
    // the server goes on serving.
    let r = send(&d.app, "GET", &format!("/?q={}", enc("vay vốn")), &c, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let deep = format!("/?q={}", enc(&"(".repeat(5_000)));
    let r = send(&d.app, "GET", &deep, &c, &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains("câu tìm kiếm bị từ chối"), "{}", r.text());
    assert_eq!(send(&d.app, "GET", "/", &c, &[]).await.status, StatusCode::OK);
    // A page number no queue reaches.
    let r = send(&d.app, "GET", "/?page=368934881474191032", &c, &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // An id that does not exist, read and decided.
    assert_eq!(send(&d.app, "GET", "/s/khong-co", &c, &[]).await.status, StatusCode::NOT_FOUND);
    let (c2, t2) = login(&d.app, "lan").await;
    let r = send(&d.app, "POST", "/s/khong-co", &c2, &[("csrf", &t2), ("version", "0"), ("action", "accept")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
}

/// Posts the login form with `password` for `name`; returns the response.
async fn try_login(app: &axum::Router, name: &str, password: &str) -> Resp {
    let page = send(app, "GET", "/login", "", &[]).await;
    let pre = page.cookie("ykien_login").expect("login cookie");
    send(
        app,
        "POST",
        "/login",
        &format!("ykien_login={pre}"),
        &[("name", name), ("password", password), ("csrf", &page.csrf())],
    )
    .await
}

#[tokio::test]
async fn failed_logins_lock_the_account_with_a_time_and_are_audited() {
    let d = desk();
    for _ in 0..accounts::ACCOUNT_FAILURES {
        let r = try_login(&d.app, "lan", "sai-mat-khau-roi").await;
        assert!(matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS));
    }
    // Locked: even the right password is refused now, with the time the lock ends.
    let r = try_login(&d.app, "lan", "mat-khau-dai").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert!(r.text().contains("tạm bị khoá đến"), "{}", r.text());
    assert!(r.cookie("ykien_session").is_none());
    // Another account is not locked by lan's failures.
    let r = try_login(&d.app, "minh", "mat-khau-dai").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let db = Db::open(&d.data.review_db()).unwrap();
    let audit = db.account_audit().unwrap();
    assert!(audit
        .iter()
        .any(|(_, action, target, _)| action.starts_with("locked until") && target.contains("user:lan")));
    // The lock ends: failures older than the window no longer count.
    let later = auth::unix_now() + accounts::FAILURE_WINDOW + 1;
    assert_eq!(db.login_locked(&accounts::failure_keys("lan", "unknown"), later).unwrap(), None);
}

#[tokio::test]
async fn a_login_token_an_attacker_planted_as_a_cookie_is_refused() {
    let d = desk();
    // The attacker sets ykien_login=abc (a sibling subdomain can) and posts abc too.
    for planted in ["abc", &"0".repeat(64), &format!("{}.{}", "1".repeat(64), "2".repeat(64))] {
        let r = send(
            &d.app,
            "POST",
            "/login",
            &format!("ykien_login={planted}"),
            &[("name", "lan"), ("password", "mat-khau-dai"), ("csrf", planted)],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{planted}");
        assert!(r.cookie("ykien_session").is_none());
    }
}

#[tokio::test]
async fn pages_are_not_stored_and_disabled_accounts_lose_their_sessions() {
    let d = desk();
    let (c, _) = login(&d.app, "lan").await;
    let r = send(&d.app, "GET", "/", &c, &[]).await;
    assert_eq!(r.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
    let login_page = send(&d.app, "GET", "/login", "", &[]).await;
    assert_eq!(login_page.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
    let db = Db::open(&d.data.review_db()).unwrap();
    db.set_disabled("lan", true, "test").unwrap();
    let r = send(&d.app, "GET", "/", &c, &[]).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login"), "the session ended");
    assert_eq!(try_login(&d.app, "lan", "mat-khau-dai").await.status, StatusCode::UNAUTHORIZED);
    db.set_disabled("lan", false, "test").unwrap();
    assert_eq!(try_login(&d.app, "lan", "mat-khau-dai").await.status, StatusCode::SEE_OTHER);
    let actions: Vec<String> = db.account_audit().unwrap().into_iter().map(|(_, a, t, _)| format!("{a} {t}")).collect();
    assert!(
        actions.contains(&"disabled lan".to_string()) && actions.contains(&"enabled lan".to_string()),
        "{actions:?}"
    );
    // Sessions idle too long are purged.
    let purged = db.purge_sessions(auth::unix_now() + accounts::SESSION_IDLE + 61).unwrap();
    assert!(purged >= 1);
}

#[test]
fn weak_passwords_are_refused_by_the_policy() {
    let common = accounts::CommonPasswords::load(&common::models_dir()).unwrap();
    for (name, pw) in [
        ("lan", "        "),
        ("admin", "12345678"),
        ("nguyenvanlan", "nguyenvanlan"),
        ("nguyễn văn lan", "Nguyen Van Lan 1"),
        ("minh", "1234567890"),
        ("minh", "matkhau123"),
        ("minh", "ngắn quá"),
    ] {
        assert!(accounts::check_password(name, pw, &common).is_err(), "{name}: {pw:?}");
    }
    assert!(accounts::check_password("lan", "ruộng bậc thang Bắc Sơn 2024", &common).is_ok());
}

fn urlencode_id(id: &str) -> String {
    enc(id)
}

#[tokio::test]
async fn a_submission_page_shows_only_the_fields_it_has_and_vietnamese_times() {
    let d = desk();
    let mut db = Db::open(&d.data.review_db()).unwrap();
    let bare = ykien::review::NewItem {
        id: "khong-dia-phuong",
        text: "Em muốn hỏi về học bổng",
        topic: "hoc-tap",
        suggested: "so-gddt",
        confidence: 0.9,
        ..Default::default()
    };
    db.load_items(&[bare]).unwrap();
    let (c, t) = login(&d.app, "lan").await;
    let page = send(&d.app, "GET", "/s/khong-dia-phuong", &c, &[]).await.text();
    assert!(page.contains("Mã khong-dia-phuong · lĩnh vực:"), "no empty fields between dots");
    assert!(!page.contains(" · — · "));
    let r =
        send(&d.app, "POST", "/s/khong-dia-phuong", &c, &[("csrf", &t), ("version", "0"), ("action", "accept")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = send(&d.app, "GET", "/s/khong-dia-phuong", &c, &[]).await.text();
    // The decision's time as dd/mm/yyyy HH:MM, never the stored UTC form.
    let shaped = |s: &str| {
        s.len() == 16
            && s.chars().enumerate().all(|(i, ch)| match i {
                2 | 5 => ch == '/',
                10 => ch == ' ',
                13 => ch == ':',
                _ => ch.is_ascii_digit(),
            })
    };
    let after = &page[page.find("lan, ").expect("who decided, then when") + 5..];
    assert!(shaped(&after[..16]), "{}", &after[..16]);
    assert!(!page.contains("Z</td>") && !page.contains(":00Z"), "no UTC ISO times on the page");
}

#[tokio::test]
async fn retraining_says_truthfully_how_many_suggestions_changed_department() {
    let d = desk();
    let (c, t) = login(&d.app, "lan").await;
    let db = Db::open(&d.data.review_db()).unwrap();
    let filter =
        ykien::review::QueueFilter { status: ykien::review::StatusFilter::Pending, limit: 500, ..Default::default() };
    // Reviewers send a dozen to Home Affairs, whatever was suggested.
    for it in db.queue(&filter).unwrap().0.iter().take(12) {
        let r = send(
            &d.app,
            "POST",
            &format!("/s/{}", enc(&it.id)),
            &c,
            &[("csrf", &t), ("version", "0"), ("action", "reassign"), ("department", "so-noivu")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let before: std::collections::HashMap<String, (String, f64)> =
        db.queue(&filter).unwrap().0.into_iter().map(|i| (i.id, (i.suggested, i.confidence))).collect();
    let mut m = models();
    let mut db = Db::open(&d.data.review_db()).unwrap();
    let (n, r) = ykien::review::learn::retrain(&mut m, &mut db).unwrap();
    assert_eq!(n, 12);
    let after = db.queue(&filter).unwrap().0;
    let moved_dept = after.iter().filter(|i| before[&i.id].0 != i.suggested).count();
    let moved_conf = after
        .iter()
        .filter(|i| {
            before[&i.id].0 == i.suggested
                && (before[&i.id].1 - i.confidence).abs() > ykien::review::db::CONFIDENCE_MOVE
        })
        .count();
    assert_eq!((r.pending, r.department_changed, r.confidence_moved), (before.len(), moved_dept, moved_conf));
}

#[tokio::test]
async fn a_decision_opens_the_next_pending_submission_of_the_same_filter() {
    let d = desk();
    let (c, t) = login(&d.app, "lan").await;
    let queue = send(&d.app, "GET", "/?topic=vay-von", &c, &[]).await.text();
    let first = queue.split("href=\"/s/").nth(1).unwrap();
    let (link, _) = first.split_once('"').unwrap();
    assert!(link.ends_with("?topic=vay-von"), "the filter travels with the link: {link}");
    let page = send(&d.app, "GET", &format!("/s/{link}"), &c, &[]).await;
    let p = page.text();
    assert!(
        p.contains("accesskey=\"a\"") && p.contains("accesskey=\"n\"") && p.contains("phím tắt"),
        "shortcuts shown"
    );
    let id = link.split('?').next().unwrap();
    let r = send(
        &d.app,
        "POST",
        &format!("/s/{id}"),
        &c,
        &[("csrf", &t), ("version", "0"), ("action", "accept"), ("back", "topic=vay-von")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let next = r.location().to_string();
    assert!(
        next.starts_with("/s/") && next.ends_with("?topic=vay-von") && !next.starts_with(&format!("/s/{id}?")),
        "{next}"
    );
    let db = Db::open(&d.data.review_db()).unwrap();
    let next_id = next[3..].split('?').next().unwrap();
    let it = db.item(&common::ykien_decode(next_id)).unwrap().unwrap();
    assert_eq!((it.topic.as_str(), it.status), ("vay-von", ykien::review::Status::Pending));
}

#[test]
fn tls_settings_come_from_pem_files_and_bad_ones_are_named() {
    let d = tempfile::tempdir().unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["ykien.local".into(), "127.0.0.1".into()]).unwrap();
    let (cert, key) = (d.path().join("cert.pem"), d.path().join("key.pem"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    assert!(web::tls_config(&cert, &key).is_ok());
    // The files swapped, a key from another certificate, a file that is not PEM: each named.
    let e = web::tls_config(&key, &cert).unwrap_err().to_string();
    assert!(e.contains("key.pem") && e.contains("không có chứng chỉ"), "{e}");
    let other = d.path().join("other.pem");
    let ck2 = rcgen::generate_simple_self_signed(vec!["khac.local".into()]).unwrap();
    std::fs::write(&other, ck2.signing_key.serialize_pem()).unwrap();
    let e = web::tls_config(&cert, &other).unwrap_err().to_string();
    assert!(e.contains("other.pem") && e.contains("không khớp"), "{e}");
    let junk = d.path().join("junk.pem");
    std::fs::write(&junk, "Đây không phải chứng chỉ").unwrap();
    let e = web::tls_config(&junk, &key).unwrap_err().to_string();
    assert!(e.contains("junk.pem"), "{e}");
    let e = web::tls_config(&d.path().join("khong-co.pem"), &key).unwrap_err().to_string();
    assert!(e.contains("khong-co.pem"), "{e}");
}

#[tokio::test]
async fn served_over_https_the_desk_sends_hsts_and_secure_cookies_and_not_otherwise() {
    let d = desk();
    let m = models();
    for https in [false, true] {
        let app = web::app(web::AppState::new(d.data.clone(), &m, false, https).unwrap());
        let res = app.oneshot(Request::get("/login").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let hsts = res.headers().get(header::STRICT_TRANSPORT_SECURITY).map(|v| v.to_str().unwrap().to_string());
        let cookie = res.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().to_string();
        if https {
            assert!(hsts.is_some_and(|h| h.contains("max-age=")), "HTTPS without HSTS");
            assert!(cookie.contains("; Secure"), "{cookie}");
        } else {
            assert!(hsts.is_none() && !cookie.contains("Secure"), "{cookie}");
        }
    }
    // The keyboard script is served from the desk itself (the CSP allows no inline script).
    let res = d.app.clone().oneshot(Request::get("/static/desk.js").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
    let js = res.into_body().collect().await.unwrap().to_bytes();
    assert!(std::str::from_utf8(&js).unwrap().contains("keydown"));
}

#[tokio::test]
async fn a_submissions_page_lists_similar_ones_by_content_with_their_score() {
    let d = desk();
    let (cookie, _) = login(&d.app, "lan").await;
    // Of the first twenty submissions of the queue, most have others on the same matter.
    let db = Db::open(&d.data.review_db()).unwrap();
    let (items, _) = db.queue(&ykien::review::QueueFilter { limit: 20, ..Default::default() }).unwrap();
    let mut pages = Vec::new();
    for it in &items {
        let page = send(&d.app, "GET", &format!("/s/{}", urlencode_id(&it.id)), &cookie, &[]).await.text();
        if page.contains("Ý kiến tương tự (theo nội dung)") {
            pages.push(page);
        }
    }
    assert!(pages.len() >= 10, "{} of 20 pages list similar submissions", pages.len());
    let page = &pages[0];
    // Each listed with its score, most similar first.
    let section = &page[page.find("Ý kiến tương tự").unwrap()..];
    let scores: Vec<f64> = section
        .split("</li>")
        .filter_map(|li| li.split(" · ").nth(1))
        .filter_map(|s| s.split('%').next()?.trim().replace(',', ".").parse().ok())
        .collect();
    assert!(!scores.is_empty() && scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(scores.iter().all(|&s| (20.0..=100.0).contains(&s)), "{scores:?}");
}

#[tokio::test]
async fn analysts_edit_clusters_on_the_desk_reviewers_may_not_and_each_edit_is_kept() {
    let d = desk();
    let db = Db::open(&d.data.review_db()).unwrap();
    let clusters = db.clusters().unwrap();
    let (a, b) = (clusters[0].0, clusters[1].0);
    let (an, an_csrf) = login(&d.app, "an").await;
    let page = send(&d.app, "GET", &format!("/cluster/{a}"), &an, &[]).await.text();
    assert!(page.contains("Sửa cụm") && page.contains("Tách cụm làm hai"), "the analyst sees the edits");
    let uri = format!("/cluster/{a}/edit");
    // Without the session's CSRF token: refused.
    let r = send(&d.app, "POST", &uri, &an, &[("action", "rename"), ("label", "x"), ("csrf", "sai")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(
        &d.app,
        "POST",
        &uri,
        &an,
        &[("action", "rename"), ("label", "Vay vốn <b>ưu đãi</b>"), ("csrf", &an_csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r =
        send(&d.app, "POST", &uri, &an, &[("action", "merge"), ("other", &b.to_string()), ("csrf", &an_csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let shown = send(&d.app, "GET", r.location(), &an, &[]).await.text();
    assert!(shown.contains("Vay vốn &lt;b&gt;ưu đãi&lt;/b&gt;") && !shown.contains("<b>ưu đãi</b>"), "escaped");
    let db = Db::open(&d.data.review_db()).unwrap();
    assert!(db.cluster(b).unwrap().is_empty(), "merged away");
    assert_eq!(db.cluster(a).unwrap().len(), clusters[0].2 as usize + clusters[1].2 as usize);
    let edits = db.cluster_edits().unwrap();
    assert_eq!(edits.len(), 2);
    assert!(edits.iter().all(|(at, who, _)| who == "an" && !at.is_empty()));
    // A reviewer decides but does not edit clusters; a bad request is a 400, not a panic.
    let (lan, lan_csrf) = login(&d.app, "lan").await;
    let r = send(&d.app, "POST", &uri, &lan, &[("action", "rename"), ("label", "x"), ("csrf", &lan_csrf)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for form in [
        [("action", "merge"), ("other", "abc")],
        [("action", "rename"), ("label", " ")],
        [("action", "nổ"), ("label", "")],
    ] {
        let mut f = form.to_vec();
        f.push(("csrf", &an_csrf));
        let r = send(&d.app, "POST", &uri, &an, &f).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{form:?}");
    }
    let r = send(&d.app, "POST", &uri, &an, &[("action", "move"), ("id", "khong-co"), ("csrf", &an_csrf)]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(Db::open(&d.data.review_db()).unwrap().cluster_edits().unwrap().len(), 2, "nothing kept from refusals");
}

#[tokio::test]
async fn an_admin_accepts_every_suggestion_above_a_threshold_after_being_told_the_expected_errors() {
    let d = desk();
    let db = Db::open(&d.data.review_db()).unwrap();
    db.add_user("ha", Role::Admin, &auth::hash_password("mat-khau-dai").unwrap()).unwrap();
    let pending_above = |t: f64| {
        let f = ykien::review::QueueFilter { min_confidence: Some(t), limit: 10_000, ..Default::default() };
        db.queue(&f).unwrap()
    };
    let (above, n) = pending_above(0.9);
    assert!(n > 10, "{n} above 0.9");
    let expect = above.iter().map(|i| 1.0 - i.confidence).sum::<f64>().round() as i64;
    // Everyone reads the count and the expected errors; only an admin gets the button.
    let (lan, lan_csrf) = login(&d.app, "lan").await;
    let page = send(&d.app, "GET", "/progress?above=0,9", &lan, &[]).await.text();
    assert!(
        page.contains(&format!("<b>{n}</b> ý kiến chờ duyệt có độ tin cậy từ 90%")),
        "{}",
        &page[page.find("độ tin cậy cao").unwrap_or(0)..][..400]
    );
    assert!(page.contains(&format!("<b>{expect}</b> đề xuất sai")) && !page.contains("/accept-above"));
    let r =
        send(&d.app, "POST", "/accept-above", &lan, &[("above", "0.9"), ("confirm", "yes"), ("csrf", &lan_csrf)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (ha, ha_csrf) = login(&d.app, "ha").await;
    assert!(send(&d.app, "GET", "/progress?above=0.9", &ha, &[]).await.text().contains("/accept-above"));
    // First the confirmation, stating the expected wrong ones; nothing decided yet.
    let r = send(&d.app, "POST", "/accept-above", &ha, &[("above", "0.9"), ("csrf", &ha_csrf)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text().contains(&format!("<b>{n} ý kiến</b>")) && r.text().contains(&format!("<b>{expect}</b> trong số đó"))
    );
    assert_eq!(pending_above(0.9).1, n);
    let r =
        send(&d.app, "POST", "/accept-above", &ha, &[("above", "0.9"), ("confirm", "yes"), ("csrf", &ha_csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(pending_above(0.9).1, 0, "every one above the threshold decided");
    for it in &above {
        let now = db.item(&it.id).unwrap().unwrap();
        assert_eq!(
            (now.status, now.department.as_str(), now.decided_by.as_str()),
            (ykien::review::Status::Decided, it.suggested.as_str(), "ha")
        );
        let audit = db.audit(&it.id).unwrap();
        assert!(audit.iter().any(|a| a.user == "ha" && a.note.contains("đồng ý hàng loạt")), "{audit:?}");
    }
    // Those below stay pending.
    assert!(pending_above(0.0).1 > 0);
}

#[tokio::test]
async fn an_admin_forwards_decided_submissions_from_the_desk_and_anyone_sees_who_is_late() {
    let d = desk();
    let mut db = Db::open(&d.data.review_db()).unwrap();
    db.add_user("ha", Role::Admin, &auth::hash_password("mat-khau-dai").unwrap()).unwrap();
    let (items, _) = db.queue(&ykien::review::QueueFilter { limit: 3, ..Default::default() }).unwrap();
    for it in &items {
        assert!(it.code.starts_with("YK-2024-"), "{}", it.code);
        assert_eq!(
            db.decide(&it.id, it.version, &ykien::review::Decision::Accept, "", "lan").unwrap(),
            ykien::review::Outcome::Done
        );
    }
    // A reviewer sees where things stand but may not forward.
    let (lan, lan_csrf) = login(&d.app, "lan").await;
    let page = send(&d.app, "GET", "/progress", &lan, &[]).await.text();
    assert!(page.contains("Chưa chuyển ý kiến nào") && !page.contains("action=\"/forward\""), "{page}");
    let r = send(&d.app, "POST", "/forward", &lan, &[("confirm", "yes"), ("csrf", &lan_csrf)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The admin is asked first, with the count; then forwards, each forward audited as theirs.
    let (ha, ha_csrf) = login(&d.app, "ha").await;
    assert!(send(&d.app, "GET", "/progress", &ha, &[]).await.text().contains("<b>3</b> lượt chuyển đang chờ"));
    let r = send(&d.app, "POST", "/forward", &ha, &[("csrf", &ha_csrf)]).await;
    assert!(r.status == StatusCode::OK && r.text().contains("<b>3 lượt</b>"), "{}", r.text());
    assert_eq!(db.unforwarded().unwrap(), 3, "nothing forwarded before the confirmation");
    let r = send(&d.app, "POST", "/forward", &ha, &[("confirm", "yes"), ("csrf", &ha_csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(db.unforwarded().unwrap(), 0);
    for it in &items {
        assert!(db.audit(&it.id).unwrap().iter().any(|a| a.action == "forward" && a.user == "ha"));
    }
    assert!(std::fs::read_dir(d.data.root().join("forward")).unwrap().count() >= 1, "the bodies' workbooks");
    let page = send(&d.app, "GET", "/progress", &lan, &[]).await.text();
    assert!(page.contains("Đã chuyển") && page.contains("Quá hạn"), "{page}");
    // Nobody is late yet: the overdue list is there, empty but for its header.
    let x = send(&d.app, "GET", "/overdue.xlsx", &lan, &[]).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.headers.get(header::CACHE_CONTROL).is_some_and(|v| v == "no-store"));
    let path = d.data.root().join("late.xlsx");
    std::fs::write(&path, &x.body).unwrap();
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(&path).unwrap();
    let range = wb.worksheet_range("Quá hạn").unwrap();
    assert_eq!(range.rows().count(), 3, "title, blank, header");
    // Signed out: no list.
    assert_ne!(send(&d.app, "GET", "/overdue.xlsx", "", &[]).await.status, StatusCode::OK);
}

/// Accepts every pending suggestion and forwards them all; returns the body with the most
/// forwarded submissions, a cluster of it holding at least two, and another body.
fn forward_everything(data: &DataDir) -> (String, i64, String) {
    let mut db = Db::open(&data.review_db()).unwrap();
    for it in db.pending_items().unwrap() {
        db.decide(&it.id, it.version, &ykien::review::Decision::Accept, "", "lan").unwrap();
    }
    db.forward_decided(&|_| "2030-01-01".to_string(), "lan").unwrap();
    let mut per: std::collections::HashMap<(String, i64), usize> = Default::default();
    for (f, _) in db.forwards().unwrap() {
        if let Some(c) = f.item.cluster {
            *per.entry((f.department.clone(), c)).or_default() += 1;
        }
    }
    let ((body, cluster), _) = per.iter().max_by_key(|(k, n)| (**n, k.0.clone(), k.1)).unwrap();
    let other = db.forwarded_departments().unwrap().into_iter().find(|d| d != body).unwrap();
    (body.clone(), *cluster, other)
}

#[tokio::test]
async fn a_department_sees_only_its_body_and_answers_a_group_at_once() {
    let d = desk();
    let (body, cluster, other) = forward_everything(&d.data);
    let db = Db::open(&d.data.review_db()).unwrap();
    let hash = auth::hash_password("mat-khau-dai").unwrap();
    db.add_user_of("so", Role::Department, &body, &hash).unwrap();
    db.add_user_of("khac", Role::Department, &other, &hash).unwrap();
    assert!(db.add_user_of("sai", Role::Department, "", &hash).is_err(), "a department account names its body");
    assert!(db.add_user_of("sai", Role::Reviewer, &body, &hash).is_err(), "only department accounts have one");
    let ours: Vec<ykien::review::Forwarded> = db.forwarded_to(&body).unwrap();
    let theirs = db.forwarded_to(&other).unwrap();
    let members: Vec<&ykien::review::Item> =
        ours.iter().map(|f| &f.item).filter(|it| it.cluster == Some(cluster)).collect();
    assert!(members.len() >= 2);
    drop(db);

    // Signed in, the account lands on its body's groups; the desk's pages are closed to it.
    let (c, csrf) = login(&d.app, "so").await;
    let home = send(&d.app, "GET", "/answer", &c, &[]).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains(&format!("{} ý kiến được chuyển", ours.len())), "{}", home.text());
    for path in ["/", "/progress", &format!("/s/{}", enc(&members[0].id)), &format!("/export/{body}"), "/overdue.xlsx"]
    {
        assert_eq!(send(&d.app, "GET", path, &c, &[]).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let r = send(&d.app, "POST", &format!("/s/{}", enc(&members[0].id)), &c, &[("csrf", &csrf), ("action", "accept")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another body's submission is not there at all.
    let foreign = &theirs[0].item;
    assert_eq!(
        send(&d.app, "GET", &format!("/answer/s/{}", enc(&foreign.id)), &c, &[]).await.status,
        StatusCode::NOT_FOUND
    );
    // A reviewer has no answering pages.
    let (rc, _) = login(&d.app, "lan").await;
    assert_eq!(send(&d.app, "GET", "/answer", &rc, &[]).await.status, StatusCode::FORBIDDEN);

    // The group's page lists its members; one answer is saved as a draft for two of them.
    let group = send(&d.app, "GET", &format!("/answer/group/{cluster}"), &c, &[]).await;
    assert_eq!(group.status, StatusCode::OK);
    for it in &members {
        assert!(group.text().contains(&it.code), "{}", it.code);
    }
    let answer = "Sở đã có kế hoạch hỗ trợ; đề nghị các em liên hệ <b>bộ phận một cửa</b> & Đoàn xã.";
    let (a, b) = (members[0].id.as_str(), members[1].id.as_str());
    let form = |action: &'static str| {
        vec![
            ("csrf", csrf.as_str()),
            ("id", a),
            ("id", b),
            ("answer", answer),
            ("officer", "Hoàng Thị Mai"),
            ("action", action),
        ]
    };
    let r = send(&d.app, "POST", &format!("/answer/group/{cluster}"), &c, &form("draft")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let db = Db::open(&d.data.review_db()).unwrap();
    assert_eq!(db.draft(a, &body).unwrap().unwrap().answer, answer);
    assert!(db.answer(a, &body).unwrap().is_none(), "a draft is not an answer");
    drop(db);
    let page = send(&d.app, "GET", &format!("/answer/group/{cluster}"), &c, &[]).await.text();
    assert!(
        page.contains("&lt;b&gt;bộ phận một cửa&lt;/b&gt; &amp; Đoàn xã") && !page.contains("<b>bộ phận"),
        "the draft comes back, escaped"
    );
    // Submitted: both answered, audited, drafts gone.
    let r = send(&d.app, "POST", &format!("/answer/group/{cluster}"), &c, &form("submit")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let db = Db::open(&d.data.review_db()).unwrap();
    for id in [a, b] {
        assert_eq!(db.answer(id, &body).unwrap(), Some((answer.to_string(), "Hoàng Thị Mai".to_string())));
        assert!(db.draft(id, &body).unwrap().is_none());
        assert!(db.audit(id).unwrap().iter().any(|e| e.action == "answer" && e.user == "so"));
    }
    drop(db);
    // Then edited for one member alone: a new version, the other untouched.
    let edited = "Riêng trường hợp của em: Sở sẽ liên hệ trực tiếp.";
    let r = send(
        &d.app,
        "POST",
        &format!("/answer/s/{}", enc(a)),
        &c,
        &[("csrf", &csrf), ("answer", edited), ("action", "submit")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let db = Db::open(&d.data.review_db()).unwrap();
    assert_eq!(db.answer_versions(a, &body).unwrap().len(), 2);
    assert_eq!(db.answer(b, &body).unwrap().unwrap().0, answer);
    drop(db);
    // Refused: a submission of another body among the ids (nothing written), no CSRF
    // token, another department's account, an empty answer.
    let r = send(
        &d.app,
        "POST",
        &format!("/answer/group/{cluster}"),
        &c,
        &[("csrf", csrf.as_str()), ("id", b), ("id", foreign.id.as_str()), ("answer", "x"), ("action", "submit")],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(
        &d.app,
        "POST",
        &format!("/answer/group/{cluster}"),
        &c,
        &[("id", a), ("answer", "x"), ("action", "submit")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (oc, ocsrf) = login(&d.app, "khac").await;
    let r = send(
        &d.app,
        "POST",
        &format!("/answer/s/{}", enc(a)),
        &oc,
        &[("csrf", &ocsrf), ("answer", "x"), ("action", "submit")],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(
        &d.app,
        "POST",
        &format!("/answer/s/{}", enc(b)),
        &c,
        &[("csrf", &csrf), ("answer", "  "), ("action", "submit")],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let db = Db::open(&d.data.review_db()).unwrap();
    assert_eq!(db.answer(b, &body).unwrap().unwrap().0, answer, "nothing changed by the refused posts");
    assert!(db.answer(&foreign.id, &other).unwrap().is_none());
}

#[tokio::test]
async fn an_earlier_answer_is_shown_on_the_submission_and_offered_to_its_body() {
    let d = desk();
    let (body, cluster, _) = forward_everything(&d.data);
    let mut db = Db::open(&d.data.review_db()).unwrap();
    let it = db.forwarded_to(&body).unwrap().into_iter().map(|f| f.item).find(|i| i.cluster == Some(cluster)).unwrap();
    let earlier = ykien::review::archive::EarlierAnswer {
        code: "YK-2024-000077".into(),
        run: "2024".into(),
        department: body.clone(),
        answer: "Đã trả lời: <i>liên hệ</i> Phòng Lao động & Xã hội.".into(),
        answered_at: "2024-06-30T20:00:00Z".into(),
        text: "Câu hỏi năm trước về cùng việc".into(),
        similarity: 0.62,
    };
    let reasons: Vec<std::sync::Arc<str>> = it.reasons.iter().map(|r| r.as_str().into()).collect();
    let again = ykien::review::NewItem {
        id: &it.id,
        text: &it.text,
        topic: &it.topic,
        cluster: it.cluster,
        cluster_label: &it.cluster_label,
        suggested: &it.suggested,
        confidence: it.confidence,
        reasons: &reasons,
        answered_before: Some(&earlier),
        ..Default::default()
    };
    db.load_items(&[again]).unwrap();
    drop(db);
    let (c, _) = login(&d.app, "lan").await;
    let page = send(&d.app, "GET", &format!("/s/{}", enc(&it.id)), &c, &[]).await.text();
    assert!(page.contains("Đã được trả lời") && page.contains("YK-2024-000077"), "{page}");
    // Answered at 20:00 UTC on 30 June: 1 July in Vietnam.
    assert!(page.contains("trả lời ngày 01/07/2024"), "{page}");
    assert!(page.contains("&lt;i&gt;liên hệ&lt;/i&gt; Phòng Lao động &amp; Xã hội") && !page.contains("<i>liên hệ"));
    // The body's group page says a member was answered before; the member's own page
    // starts its answer from it, said to be a suggestion.
    let db = Db::open(&d.data.review_db()).unwrap();
    let hash = auth::hash_password("mat-khau-dai").unwrap();
    db.add_user_of("so", Role::Department, &body, &hash).unwrap();
    drop(db);
    let (c, _) = login(&d.app, "so").await;
    let page = send(&d.app, "GET", &format!("/answer/group/{cluster}"), &c, &[]).await.text();
    assert!(page.contains("gợi ý, mở ý kiến đó") && page.contains("đã được trả lời trước đây"), "{page}");
    assert!(page.contains("required></textarea>"), "the group's answer is not pre-filled: {page}");
    let page = send(&d.app, "GET", &format!("/answer/s/{}", enc(&it.id)), &c, &[]).await.text();
    assert!(page.contains("điền sẵn câu trả lời trước đây (gợi ý)"), "{page}");
    assert!(page.contains("&lt;i&gt;liên hệ&lt;/i&gt; Phòng Lao động &amp; Xã hội.</textarea>"), "{page}");
}

#[tokio::test]
async fn the_queue_filters_by_place_as_the_structure_names_it() {
    let d = desk();
    let (c, _) = login(&d.app, "an").await;
    let page = send(&d.app, "GET", "/", &c, &[]).await.text();
    // The bundled corpus writes its districts plainly; each is a place of the structure.
    assert!(page.contains("name=\"place\"") && page.contains("huyện Hữu Lũng ("), "{page}");
    let db = Db::open(&d.data.review_db()).unwrap();
    let n = db.values("place").unwrap().into_iter().find(|(p, _)| p == "huyện Hữu Lũng").map(|(_, n)| n).unwrap();
    let filtered = send(&d.app, "GET", &format!("/?place={}&status=all", enc("huyện Hữu Lũng")), &c, &[]).await.text();
    assert!(filtered.contains(&format!("{n} ý kiến")), "{n} in the filtered queue");
    let (items, total) = db
        .queue(&ykien::review::QueueFilter {
            place: Some("huyện Hữu Lũng".into()),
            status: ykien::review::StatusFilter::All,
            limit: 500,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(total, n);
    assert!(items.iter().all(|it| it.locality == "Hữu Lũng" && it.place == "huyện Hữu Lũng"));
}

#[tokio::test]
async fn an_admin_publishes_the_answers_after_a_confirmation() {
    let d = desk();
    let (body, _, _) = forward_everything(&d.data);
    let mut db = Db::open(&d.data.review_db()).unwrap();
    db.add_user("quan", Role::Admin, &auth::hash_password("mat-khau-dai").unwrap()).unwrap();
    let it = db.forwarded_to(&body).unwrap().remove(0).item;
    db.record_answer(&it.id, &body, "Sở đã bố trí kinh phí trong năm nay.", "", "thư", "cli:test").unwrap();
    drop(db);
    let (ac, acsrf) = login(&d.app, "quan").await;
    let page = send(&d.app, "GET", "/progress", &ac, &[]).await.text();
    assert!(page.contains("<b>1</b> câu trả lời chưa công bố"), "{page}");
    // A reviewer may not; the admin is asked first.
    let (rc, rcsrf) = login(&d.app, "lan").await;
    let r = send(&d.app, "POST", "/publish", &rc, &[("csrf", &rcsrf), ("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(&d.app, "POST", "/publish", &ac, &[("csrf", &acsrf)]).await;
    assert!(r.status == StatusCode::OK && r.text().contains("ghi nhận công bố"), "{}", r.text());
    assert!(!Db::open(&d.data.review_db()).unwrap().is_published(&it.id, &body).unwrap());
    let r = send(&d.app, "POST", "/publish", &ac, &[("csrf", &acsrf), ("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let db = Db::open(&d.data.review_db()).unwrap();
    assert!(db.is_published(&it.id, &body).unwrap());
    assert!(db.audit(&it.id).unwrap().iter().any(|a| a.action == "publish" && a.user == "quan"));
    assert_eq!(db.unpublished().unwrap(), 0);
    let notice = d.data.root().join("notice");
    assert!(notice.join("thong-bao-ket-luan.docx").exists() && notice.join("hoi-dap.html").exists());
    assert!(std::fs::read_to_string(notice.join("hoi-dap.html")).unwrap().contains("Sở đã bố trí kinh phí"));
}

#[tokio::test]
async fn a_text_typed_without_diacritics_is_shown_restored_under_the_original() {
    let d = desk();
    let mut db = Db::open(&d.data.review_db()).unwrap();
    let typed = "Em muon hoi dieu kien vay von ngan hang chinh sach de hoc nghe";
    let item = ykien::review::NewItem {
        id: "khong-dau-1",
        text: typed,
        topic: "vay-von",
        suggested: "nhcsxh",
        confidence: 0.8,
        ..Default::default()
    };
    let accented = ykien::review::NewItem {
        id: "co-dau-1",
        text: "Em muốn hỏi điều kiện vay vốn ngân hàng chính sách để học nghề",
        topic: "vay-von",
        suggested: "nhcsxh",
        confidence: 0.8,
        ..Default::default()
    };
    db.load_items(&[item, accented]).unwrap();
    let (c, _) = login(&d.app, "lan").await;
    let page = send(&d.app, "GET", "/s/khong-dau-1", &c, &[]).await.text();
    let original = page.find(typed).expect("the original as typed");
    let note = page.find("Thêm dấu tự động").expect("the restored text, marked");
    assert!(original < note, "the original first, the restored text under it");
    assert!(page.contains("vay vốn ngân hàng chính sách"), "restored words shown");
    // A text typed with diacritics has no such note.
    let page = send(&d.app, "GET", "/s/co-dau-1", &c, &[]).await.text();
    assert!(page.contains("Em muốn hỏi điều kiện vay vốn"));
    assert!(!page.contains("Thêm dấu tự động"));
}
