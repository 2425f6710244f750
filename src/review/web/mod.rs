//! The review desk's web server (axum): plain server-rendered pages (maud escapes every
//! value), sessions in HttpOnly SameSite=Strict cookies, a CSRF token on every form.

mod answer;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;

use super::accounts;
use super::auth::{random_token, same_secret, token_hash, unix_now, verify_password};
use super::db::{AuditEntry, Db, Decision, Item, Outcome, QueueFilter, Role, Status, StatusFilter};
use super::learn::retrain;
use crate::data_dir::DataDir;
use crate::error::{Error, Result};
use crate::pipeline::Models;
use crate::search::similar::{content_keys, rank, Similar};
use crate::search::{SearchIndex, SearchRequest};
use crate::text::Analyzer;

/// Session lifetime.
const SESSION_SECS: i64 = 12 * 3600;
const SESSION_COOKIE: &str = "ykien_session";
const LOGIN_COOKIE: &str = "ykien_login";
/// Queue page size.
const PAGE: usize = 50;
/// The highest page number taken (far past any real queue; bounds the offset's arithmetic).
const MAX_PAGE: usize = 1_000_000;

/// What every request shares.
pub struct AppState {
    data: DataDir,
    models_dir: PathBuf,
    profile: String,
    search: Option<SearchIndex>,
    /// Reads texts to compare them (similar submissions without a search index).
    analyzer: Arc<Analyzer>,
    /// The accent restorer of the models, loaded when a text typed without diacritics is shown.
    restorer: crate::pipeline::RestorerSlot,
    topics: BTreeMap<String, String>,
    departments: Vec<(String, String)>,
    secure_cookies: bool,
    /// Served over HTTPS: Strict-Transport-Security is sent.
    https: bool,
    /// Signs the login form's tokens (a new key each start: older forms need reloading).
    login_key: [u8; 32],
}

impl AppState {
    /// State over a data directory, with the models the submissions were analysed with
    /// (names of topics and departments; retraining reloads them from their folder).
    /// `secure_cookies` adds the Secure flag (behind HTTPS); `https` (served by ykien over
    /// TLS) adds it too, and Strict-Transport-Security.
    pub fn new(data: DataDir, models: &Models, secure_cookies: bool, https: bool) -> Result<Arc<AppState>> {
        Db::open(&data.review_db())?;
        let search = if data.has_index() { Some(SearchIndex::open(&data, &models.analyzer)?) } else { None };
        let topics = models.topics.topics.iter().map(|t| (t.code.to_string(), t.name.clone())).collect();
        let departments =
            models.router.profile.departments.iter().map(|d| (d.code.to_string(), d.name.to_string())).collect();
        let (models_dir, profile) = (models.dir.clone(), models.router.profile.name.clone());
        let mut login_key = [0u8; 32];
        getrandom::fill(&mut login_key)
            .map_err(|e| Error::Account(format!("no random bytes for the login key: {e}")))?;
        Db::open(&data.review_db())?.purge_sessions(unix_now())?;
        let secure_cookies = secure_cookies || https;
        Ok(Arc::new(AppState {
            data,
            models_dir,
            profile,
            search,
            analyzer: Arc::clone(&models.analyzer),
            restorer: Arc::clone(&models.restorer_slot),
            topics,
            departments,
            secure_cookies,
            https,
            login_key,
        }))
    }

    fn db(&self) -> Result<Db> {
        Db::open(&self.data.review_db())
    }

    /// A text typed without diacritics as the restorer writes it, shown under the
    /// original (never instead of it), marked as restored.
    pub(super) fn restored_note(&self, text: &str) -> Markup {
        match crate::pipeline::restored_with(&self.restorer, &self.models_dir, text) {
            Some(r) => html! {
                p.restored lang="vi" {
                    span.muted { "Thêm dấu tự động (để dễ đọc; bản gốc ở trên): " }
                    (r)
                }
            },
            None => html! {},
        }
    }

    /// A fresh login-form token: a random nonce and this server's signature of it.
    fn login_token(&self) -> String {
        let nonce = random_token();
        let sig = super::auth::sign(&self.login_key, &nonce);
        format!("{nonce}.{sig}")
    }

    /// Whether a login-form token is one this server signed.
    fn login_token_is_ours(&self, token: &str) -> bool {
        token.split_once('.').is_some_and(|(nonce, sig)| same_secret(&super::auth::sign(&self.login_key, nonce), sig))
    }

    fn dept_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.departments.iter().find(|(c, _)| c == code).map_or(code, |(_, n)| n.as_str())
    }

    fn topic_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.topics.get(code).map_or(code, String::as_str)
    }

    fn is_department(&self, code: &str) -> bool {
        self.departments.iter().any(|(c, _)| c == code)
    }
}

/// The router with every page and action.
pub fn app(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(queue))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/s/{id}", get(item_page).post(decide))
        .route("/cluster/{n}", get(cluster_page).post(cluster_decide))
        .route("/cluster/{n}/edit", post(cluster_edit))
        .route("/progress", get(progress))
        .route("/export/{dept}", get(export))
        .route("/retrain", post(retrain_now))
        .route("/accept-above", post(accept_above))
        .route("/forward", post(forward_now))
        .route("/publish", post(publish_now))
        .route("/overdue.xlsx", get(overdue_xlsx))
        .route("/answer", get(answer::home))
        .route("/answer/group/{key}", get(answer::group).post(answer::group_answer))
        .route("/answer/s/{id}", get(answer::one).post(answer::one_answer))
        .route("/static/desk.js", get(desk_js))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security_headers))
        .with_state(state)
}

/// Serves until Ctrl-C: plain HTTP, or HTTPS when `tls` is given ([`tls_config`]).
pub async fn serve(state: Arc<AppState>, addr: SocketAddr, tls: Option<Arc<rustls::ServerConfig>>) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| Error::Server { addr, source })?;
    let Some(tls) = tls else {
        return axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|source| Error::Server { addr, source });
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let app = app(state);
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = &mut stop => return Ok(()),
            r = listener.accept() => match r {
                Ok(c) => c,
                // Out of file descriptors and the like: wait, then accept again.
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            // A client that never finishes its handshake holds nothing for long.
            let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await;
            let Ok(Ok(stream)) = handshake else { return };
            let svc =
                tower::ServiceExt::map_request(app, move |mut req: axum::extract::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                    req.map(axum::body::Body::new)
                });
            let svc = hyper_util::service::TowerToHyperService::new(svc);
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HANDSHAKE_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// How long a client may take over its TLS handshake, and then over a request's headers.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The TLS settings of `ykien serve --tls-cert CERT --tls-key KEY`: the certificate chain
/// and private key in PEM files (as `openssl req` or a CA writes them).
pub fn tls_config(cert: &std::path::Path, key: &std::path::Path) -> Result<Arc<rustls::ServerConfig>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |p: &std::path::Path, e: &dyn std::fmt::Display| {
        Error::input(p, crate::error::Location::File, crate::t!("tls.bad-pem", what = e))
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad(cert, &e))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| bad(cert, &e))?;
    if chain.is_empty() {
        return Err(bad(cert, &crate::t!("tls.no-certificate")));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(key, &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(cert, &e))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| bad(key, &crate::t!("tls.key-mismatch", what = e)))?;
    Ok(Arc::new(config))
}

async fn security_headers(
    State(st): State<Arc<AppState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let https = st.https;
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // Pages hold submissions and accounts: never kept by a browser or a proxy.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if https {
        // Served over HTTPS: browsers are to come back only that way, for a year.
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    res
}

/// An error page with a status.
struct Page(StatusCode, Markup);

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

/// An error as a page: what the user asked for that cannot be (a refused query, a
/// parameter out of range) is 400, what does not exist 404, anything else 500.
fn fail(e: Error) -> Page {
    let (status, title) = match &e {
        Error::Query(_) | Error::Param(_) => (StatusCode::BAD_REQUEST, "Yêu cầu không hợp lệ"),
        Error::NotFound(_) => (StatusCode::NOT_FOUND, "Không tìm thấy"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "Lỗi"),
    };
    let back = status != StatusCode::INTERNAL_SERVER_ERROR;
    Page(status, bare(title, html! { p.err { (e.to_string()) } @if back { p { a href="/" { "Về hàng chờ" } } } }))
}

fn forbidden(msg: &str) -> Page {
    forbidden_to(msg, "/")
}

/// 403 with a link to where the user may go.
fn forbidden_to(msg: &str, home: &str) -> Page {
    Page(
        StatusCode::FORBIDDEN,
        bare("Không được phép", html! { p.err { (msg) } p { a href=(home) { "Về trang của bạn" } } }),
    )
}

/// The signed-in user.
#[derive(Debug, Clone)]
pub struct User {
    name: String,
    role: Role,
    csrf: String,
    /// The body a department account answers for.
    body: String,
    token_hash: String,
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// The session cookie of a request, checked against the database in [`with_user`].
struct SessionToken(Option<String>);

impl FromRequestParts<Arc<AppState>> for SessionToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &Arc<AppState>) -> std::result::Result<Self, Self::Rejection> {
        Ok(SessionToken(cookie(&parts.headers, SESSION_COOKIE).map(str::to_string)))
    }
}

/// Runs `work` on tokio's blocking threads (SQLite and argon2 never hold up the async
/// ones); a panic there is a 500 page, not a lost connection.
async fn blocking<R: IntoResponse + Send + 'static>(work: impl FnOnce() -> R + Send + 'static) -> Response {
    match tokio::task::spawn_blocking(work).await {
        Ok(r) => r.into_response(),
        Err(_) => fail(Error::Stopped("request")).into_response(),
    }
}

/// Who may open a page.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Home Affairs' desk: reviewers, analysts, admins.
    Desk,
    /// A body's answering pages: department accounts.
    Answering,
    /// Anyone signed in (signing out).
    Any,
}

/// Runs `page` off the async threads with the database opened once for the request and
/// the signed-in user, if the user's role may open the desk's pages (a department account
/// is sent to its own); without a valid session the browser goes to the login page.
async fn with_user<R: IntoResponse + Send + 'static>(
    st: Arc<AppState>,
    token: SessionToken,
    page: impl FnOnce(&AppState, &mut Db, User) -> R + Send + 'static,
) -> Response {
    with_session(st, token, Access::Desk, page).await
}

/// [`with_user`] for the pages of `access`: the role is checked on every request.
async fn with_session<R: IntoResponse + Send + 'static>(
    st: Arc<AppState>,
    token: SessionToken,
    access: Access,
    page: impl FnOnce(&AppState, &mut Db, User) -> R + Send + 'static,
) -> Response {
    blocking(move || -> Response {
        let to_login = || Redirect::to("/login").into_response();
        let Some(token) = token.0 else { return to_login() };
        let mut db = match st.db() {
            Ok(db) => db,
            Err(e) => return fail(e).into_response(),
        };
        let th = token_hash(&token);
        match db.session(&th, unix_now()) {
            Ok(Some(u)) => {
                let department = u.role == Role::Department;
                match access {
                    Access::Desk if department => {
                        return forbidden_to(
                            "Tài khoản của cơ quan trả lời chỉ xem được các ý kiến chuyển cho cơ quan mình.",
                            "/answer",
                        )
                        .into_response()
                    }
                    Access::Answering if !department => {
                        return forbidden("Trang này dành cho tài khoản của cơ quan trả lời.").into_response()
                    }
                    _ => {}
                }
                let user = User { name: u.name, role: u.role, csrf: u.csrf, body: u.body, token_hash: th };
                page(&st, &mut db, user).into_response()
            }
            Ok(None) => to_login(),
            Err(e) => fail(e).into_response(),
        }
    })
    .await
}

impl User {
    /// Checks a form's CSRF token and that the user may decide.
    fn may_post(&self, csrf: &str, deciding: bool) -> std::result::Result<(), Page> {
        if !same_secret(csrf, &self.csrf) {
            return Err(forbidden(
                "Phiên làm việc không khớp (thiếu hoặc sai mã CSRF). Hãy tải lại trang rồi thử lại.",
            ));
        }
        if deciding && !self.role.can_decide() {
            return Err(forbidden("Tài khoản phân tích viên chỉ được xem, không được quyết định."));
        }
        Ok(())
    }
}

const CSS: &str = "body{font-family:system-ui,'Segoe UI',Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#123d6a;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;font-weight:600}header .me{margin-left:auto;font-size:.9rem}
header form{display:inline}header button{background:none;border:1px solid #fff;color:#fff;border-radius:4px;cursor:pointer}
main{max-width:1100px;margin:1rem auto;padding:0 1rem}h1{font-size:1.4rem}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #e3e6ea;padding:.4rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f5;font-size:.85rem}.num{text-align:right;font-variant-numeric:tabular-nums}
.card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:1rem;margin:0 0 1rem}
blockquote{margin:0;font-size:1.1rem;line-height:1.5;white-space:pre-wrap}
.conf{display:inline-block;height:.6rem;background:#c0392b;border-radius:2px;vertical-align:middle}
.ok{color:#1e7e34}.err{color:#b00020;font-weight:600}.muted{color:#667}
.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:1rem}.filters label{display:flex;flex-direction:column;font-size:.8rem}
button,select,input,textarea{font:inherit}button.primary{background:#123d6a;color:#fff;border:0;border-radius:4px;padding:.4rem .8rem;cursor:pointer}
table.columns{margin-top:.5rem;font-size:.9rem}table.columns th{width:30%}.actions{display:grid;gap:.6rem}.actions div{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}
.answer label{display:flex;flex-direction:column;gap:.3rem;max-width:48rem}.answer textarea{max-width:none}
.warn-tag{background:#fff4e5;border:1px solid #f0b35a;border-radius:3px;padding:0 .3rem;font-size:.85rem}
.flash{background:#e7f5ea;border:1px solid #9bd3a8;padding:.5rem 1rem;border-radius:4px}
.warn{background:#fff4e5;border:1px solid #f0b35a;padding:.5rem 1rem;border-radius:4px}
textarea{width:100%;max-width:40rem;box-sizing:border-box}.actions label{flex:1 1 18rem}.actions select{max-width:100%}
@media (max-width:600px){main{padding:0 .6rem;margin:.6rem auto}h1{font-size:1.2rem}h2{font-size:1.05rem}header{gap:.4rem .8rem;padding:.5rem .6rem}
table.cards thead{display:none}table.cards,table.cards tbody,table.cards tr,table.cards td{display:block}
table.cards tr{background:#fff;border:1px solid #dde1e6;border-radius:6px;margin:0 0 .6rem;padding:.4rem .6rem}
table.cards td{border:0;padding:.1rem 0}table.cards td.empty{display:none}table.cards td.text{margin-top:.2rem}
table.cards td[data-label]::before{content:attr(data-label) \": \";color:#667;font-size:.85rem}table.cards td.num{text-align:left}
.filters label{flex:1 1 45%}.filters input,.filters select{width:100%;box-sizing:border-box}
.actions{grid-template-columns:minmax(0,1fr)}.actions div{flex-direction:column;align-items:stretch}
.actions label{display:flex;flex-direction:column;flex:none}.actions select{width:100%}.actions button{padding:.6rem;white-space:normal}table.columns th{width:40%}
.keys{display:none}}";

fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" {
            head { meta charset="utf-8"; meta name="viewport" content="width=device-width, initial-scale=1"; title { (title) " · ykien" } style { (maud::PreEscaped(CSS)) } }
            body { header { a href="/" { "ykien · Bàn duyệt ý kiến" } } main { h1 { (title) } (body) } }
        }
    }
}

fn layout(title: &str, user: &User, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" {
            head { meta charset="utf-8"; meta name="viewport" content="width=device-width, initial-scale=1"; title { (title) " · ykien" } style { (maud::PreEscaped(CSS)) } script src="/static/desk.js" defer {} }
            body {
                header {
                    @if user.role == Role::Department {
                        a href="/answer" { "Ý kiến được chuyển" }
                    } @else {
                        a href="/" { "Hàng chờ" }
                        a href="/?status=decided" { "Đã duyệt" }
                        a href="/progress" { "Tiến độ" }
                    }
                    span.me { (user.name) " (" (role_vi(user.role)) ")" }
                    form method="post" action="/logout" { input type="hidden" name="csrf" value=(user.csrf); button { "Đăng xuất" } }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

fn role_vi(r: Role) -> &'static str {
    match r {
        Role::Reviewer => "người duyệt",
        Role::Analyst => "phân tích viên, chỉ xem",
        Role::Admin => "quản trị",
        Role::Department => "cơ quan trả lời",
    }
}

fn action_vi(a: &str) -> &str {
    match a {
        "accept" => "đồng ý đề xuất",
        "reassign" => "chuyển cơ quan",
        "split" => "chia cho hai cơ quan",
        "note" => "ghi chú",
        "forward" => "chuyển cơ quan trả lời",
        "receive" => "tiếp nhận",
        "answer" => "trả lời",
        "publish" => "công bố câu trả lời",
        other => other,
    }
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn excerpt(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut e: String = s.chars().take(n).collect();
        e.push('…');
        e
    }
}

// ---------------------------------------------------------------- login

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    name: String,
    password: String,
    csrf: String,
}

fn set_cookie(state: &AppState, name: &str, value: &str, path: &str, max_age: i64) -> HeaderValue {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; HttpOnly; SameSite=Strict; Path={path}; Max-Age={max_age}{secure}"))
        .expect("cookie is ASCII")
}

async fn login_page(State(st): State<Arc<AppState>>) -> Response {
    login_form(&st, None)
}

fn login_form(st: &AppState, error: Option<&str>) -> Response {
    let token = st.login_token();
    let body = html! {
        @if let Some(e) = error { p.err { (e) } }
        form.card method="post" action="/login" {
            input type="hidden" name="csrf" value=(token);
            p { label { "Tên đăng nhập " input name="name" autocomplete="username" required autofocus; } }
            p { label { "Mật khẩu " input type="password" name="password" autocomplete="current-password" required; } }
            button.primary type="submit" { "Đăng nhập" }
        }
    };
    let status = if error.is_some() { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
    let mut res = (status, bare("Đăng nhập", body)).into_response();
    res.headers_mut().append(header::SET_COOKIE, set_cookie(st, LOGIN_COOKIE, &token, "/login", 3600));
    res
}

async fn login(
    State(st): State<Arc<AppState>>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    // The login form's token must match the cookie set with it (double submit) and be one
    // this server signed: a token an attacker planted as a cookie is refused.
    let matches = cookie(&headers, LOGIN_COOKIE).is_some_and(|c| same_secret(c, &f.csrf));
    if !matches || !st.login_token_is_ours(&f.csrf) {
        return forbidden("Biểu mẫu đăng nhập đã hết hạn hoặc thiếu mã CSRF. Hãy tải lại trang.").into_response();
    }
    blocking(move || sign_in(&st, f, &addr)).await
}

/// The address a request came from ("unknown" where the server was not told).
struct ClientAddr(String);

impl FromRequestParts<Arc<AppState>> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &Arc<AppState>) -> std::result::Result<Self, Self::Rejection> {
        let ip = parts.extensions.get::<axum::extract::ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
        Ok(ClientAddr(ip.unwrap_or_else(|| "unknown".into())))
    }
}

/// Checks the name and password (argon2) and opens a session; failed logins are counted
/// per account and per address, and past the limits refused until a stated time.
fn sign_in(st: &AppState, f: LoginForm, addr: &str) -> Response {
    let db = match st.db() {
        Ok(db) => db,
        Err(e) => return fail(e).into_response(),
    };
    let now = unix_now();
    let keys = accounts::failure_keys(&f.name, addr);
    match db.login_locked(&keys, now) {
        Ok(Some(until)) => return locked(st, until),
        Ok(None) => {}
        Err(e) => return fail(e).into_response(),
    }
    let user = match db.user(f.name.trim()) {
        Ok(u) => u,
        Err(e) => return fail(e).into_response(),
    };
    // An unknown name costs the same argon2 work as a wrong password.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| super::auth::hash_password("not a real password").unwrap_or_default());
    let ok = match &user {
        Some((_, _, h)) => verify_password(&f.password, h),
        None => {
            let _ = verify_password(&f.password, dummy);
            false
        }
    };
    let Some((uid, role, _)) = user.filter(|_| ok) else {
        return match db.login_failed(&keys, now) {
            Ok(Some(until)) => locked(st, until),
            Ok(None) => login_form(st, Some("Sai tên đăng nhập hoặc mật khẩu.")),
            Err(e) => fail(e).into_response(),
        };
    };
    let token = random_token();
    let opened = db
        .login_succeeded(&keys)
        .and_then(|_| db.purge_sessions(now))
        .and_then(|_| db.add_session(&token_hash(&token), uid, &random_token(), now + SESSION_SECS));
    if let Err(e) = opened {
        return fail(e).into_response();
    }
    let home = if role == Role::Department { "/answer" } else { "/" };
    let mut res = Redirect::to(home).into_response();
    res.headers_mut().append(header::SET_COOKIE, set_cookie(st, SESSION_COOKIE, &token, "/", SESSION_SECS));
    res.headers_mut().append(header::SET_COOKIE, set_cookie(st, LOGIN_COOKIE, "", "/login", 0));
    res
}

/// The login page saying until when logins are refused (429).
fn locked(st: &AppState, until: i64) -> Response {
    let when = super::auth::vietnam_time(until);
    let msg = format!("Đăng nhập sai quá nhiều lần. Tài khoản hoặc địa chỉ này tạm bị khoá đến {when}.");
    let mut res = login_form(st, Some(&msg));
    *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    res
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CsrfOnly {
    csrf: String,
}

async fn logout(State(st): State<Arc<AppState>>, token: SessionToken, Form(f): Form<CsrfOnly>) -> Response {
    with_session(st, token, Access::Any, move |st, db, user| {
        if let Err(p) = user.may_post(&f.csrf, false) {
            return p.into_response();
        }
        if let Err(e) = db.end_session(&user.token_hash) {
            return fail(e).into_response();
        }
        let mut res = Redirect::to("/login").into_response();
        res.headers_mut().append(header::SET_COOKIE, set_cookie(st, SESSION_COOKIE, "", "/", 0));
        res
    })
    .await
}

/// The desk's one script: its keyboard shortcuts (served from the desk itself, as the
/// Content-Security-Policy allows no inline script).
const DESK_JS: &str = include_str!("desk.js");

async fn desk_js() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], DESK_JS).into_response()
}

// ---------------------------------------------------------------- queue

#[derive(Deserialize, Default)]
#[serde(default)]
struct QueueQuery {
    department: String,
    topic: String,
    cluster: String,
    locality: String,
    place: String,
    max_confidence: String,
    status: String,
    q: String,
    page: usize,
    saved: String,
}

impl QueueQuery {
    /// The filter as a query string (no page, no flash): carried from the queue to a
    /// submission and back, so that the next one comes from the same filter.
    fn filter_qs(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("department", &self.department),
            ("topic", &self.topic),
            ("cluster", &self.cluster),
            ("locality", &self.locality),
            ("place", &self.place),
            ("max_confidence", &self.max_confidence),
            ("status", &self.status),
            ("q", &self.q),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", urlencode(v)));
            }
        }
        parts.join("&")
    }

    /// A filter from a query string (what is not understood is left out).
    fn from_qs(qs: &str) -> QueueQuery {
        serde_urlencoded::from_str(qs).unwrap_or_default()
    }
}

fn some(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

async fn queue(State(st): State<Arc<AppState>>, token: SessionToken, Query(q): Query<QueueQuery>) -> Response {
    with_user(st, token, move |st, db, user| queue_page(st, db, &user, q)).await
}

/// The queue's filter from the query string, and a note saying what a search found.
fn queue_filter(st: &AppState, q: &QueueQuery) -> std::result::Result<(QueueFilter, Option<String>), Page> {
    if q.page > MAX_PAGE {
        return Err(fail(Error::Param(format!("page {} is past the last page there can be ({MAX_PAGE})", q.page))));
    }
    let mut filter = QueueFilter {
        department: some(&q.department),
        topic: some(&q.topic),
        cluster: q.cluster.trim().parse().ok(),
        locality: some(&q.locality),
        place: some(&q.place),
        max_confidence: q.max_confidence.trim().replace(',', ".").parse::<f64>().ok().map(|x| {
            if x > 1.0 {
                x / 100.0
            } else {
                x
            }
        }),
        status: StatusFilter::parse(&q.status),
        limit: PAGE,
        offset: q.page * PAGE,
        ..Default::default()
    };
    let mut note = None;
    if let Some(text) = some(&q.q) {
        match &st.search {
            Some(idx) => {
                let _ = idx.reload();
                let res =
                    idx.search(&SearchRequest { query: &text, limit: 5000, ..Default::default() }).map_err(fail)?;
                note = Some(format!("Tìm «{text}»: {} ý kiến khớp trong chỉ mục.", res.total));
                filter.ids = Some(res.hits.into_iter().map(|h| h.id).collect());
            }
            None => filter.words = crate::text::fold_lower(&text).split_whitespace().map(String::from).collect(),
        }
    }
    Ok((filter, note))
}

/// The queue with its filters, a page at a time.
fn queue_page(st: &AppState, db: &mut Db, user: &User, q: QueueQuery) -> std::result::Result<Markup, Page> {
    let (filter, note) = queue_filter(st, &q)?;
    let (items, total) = db.queue(&filter).map_err(fail)?;
    let localities = db.values("locality").map_err(fail)?;
    let places = db.values("place").map_err(fail)?;
    let clusters = db.clusters().map_err(fail)?;
    let pages = (total as usize).div_ceil(PAGE);
    let link = |page: usize| {
        let mut s = format!("/?page={page}");
        for (k, v) in [
            ("department", &q.department),
            ("topic", &q.topic),
            ("cluster", &q.cluster),
            ("locality", &q.locality),
            ("place", &q.place),
            ("max_confidence", &q.max_confidence),
            ("status", &q.status),
            ("q", &q.q),
        ] {
            if !v.is_empty() {
                s.push_str(&format!("&{k}={}", urlencode(v)));
            }
        }
        s
    };
    let title = match filter.status {
        StatusFilter::Decided => "Đã duyệt",
        StatusFilter::All => "Tất cả ý kiến",
        StatusFilter::Pending => "Hàng chờ duyệt",
    };
    Ok(layout(
        title,
        user,
        html! {
            @if !q.saved.is_empty() { p.flash { "Đã lưu quyết định cho ý kiến " a href={ "/s/" (urlencode(&q.saved)) } { (q.saved) } "." } }
            form.filters method="get" action="/" {
                label { "Tìm" input type="search" name="q" value=(q.q) placeholder="vd. vay von, cử tuyển"; }
                label { "Cơ quan đề xuất" select name="department" { option value="" { "Tất cả" } @for (c, n) in &st.departments { option value=(c) selected[*c == q.department] { (n) } } } }
                label { "Lĩnh vực" select name="topic" { option value="" { "Tất cả" } @for (c, n) in &st.topics { option value=(c) selected[*c == q.topic] { (n) } } } }
                label { "Địa phương (như đã ghi)" select name="locality" { option value="" { "Tất cả" } @for (l, n) in &localities { @if !l.is_empty() { option value=(l) selected[*l == q.locality] { (l) " (" (n) ")" } } } } }
                @if places.iter().any(|(p, _)| !p.is_empty()) {
                    label { "Địa bàn" select name="place" { option value="" { "Tất cả" } @for (p, n) in &places { @if !p.is_empty() { option value=(p) selected[*p == q.place] { (p) " (" (n) ")" } } } } }
                }
                label { "Cụm" select name="cluster" { option value="" { "Tất cả" }
                    @for (c, label, n) in &clusters { option value=(c) selected[c.to_string() == q.cluster.trim()] { (c) ". " (excerpt(label, 60)) " (" (n) ")" } } } }
                label { "Độ tin cậy tối đa" input name="max_confidence" size="5" value=(q.max_confidence) placeholder="0.6"; }
                label { "Trạng thái" select name="status" {
                    option value="pending" selected[filter.status == StatusFilter::Pending] { "Chờ duyệt" }
                    option value="decided" selected[filter.status == StatusFilter::Decided] { "Đã duyệt" }
                    option value="all" selected[filter.status == StatusFilter::All] { "Tất cả" } } }
                button.primary { "Lọc" }
            }
            @if let Some(n) = note { p.muted { (n) } }
            p { (total) " ý kiến" @if filter.status == StatusFilter::Pending { ", độ tin cậy thấp nhất trước" } "." }
            @if let Some(first) = items.first() {
                p.muted { a href={ "/s/" (urlencode(&first.id)) "?" (q.filter_qs()) } data-key="next" { "Mở ý kiến đầu tiên" } " (phím N); trên trang ý kiến: A đồng ý, R chuyển cho phương án hai, N tiếp, P trước, Q về hàng chờ." }
            }
            table.cards {
                thead { tr { th { "Mã" } th.num { "Tin cậy" } th { "Đề xuất" } th { "Lĩnh vực" } th { "Địa phương" } th { "Ý kiến" } } }
                tbody { @for it in &items { tr {
                    td.id { a href={ "/s/" (urlencode(&it.id)) "?" (q.filter_qs()) } { (it.id) } @if !it.code.is_empty() { br; small.muted { (it.code) } } }
                    td.num data-label="Tin cậy" { span.conf style={ "width:" (((1.0 - it.confidence) * 40.0).round()) "px" } {} " " (pct(it.confidence)) }
                    td data-label="Đề xuất" { @if it.status == Status::Decided { span.ok { "✓ " (st.dept_name(&it.department)) } } @else { (st.dept_name(&it.suggested)) } }
                    td data-label="Lĩnh vực" { (st.topic_name(&it.topic)) }
                    @if it.locality.is_empty() { td.empty {} } @else { td data-label="Địa phương" { (it.locality) } }
                    td.text { (excerpt(&it.text, 160)) }
                } } }
            }
            @if pages > 1 { p {
                @if q.page > 0 { a href=(link(q.page - 1)) { "← Trước" } " " }
                "Trang " (q.page + 1) "/" (pages)
                @if q.page + 1 < pages { " " a href=(link(q.page + 1)) { "Sau →" } }
            } }
        },
    ))
}

fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------- one submission

fn decision_form(st: &AppState, user: &User, it: &Item, back: &str) -> Markup {
    let options =
        |selected: &str| html! { @for (c, n) in &st.departments { option value=(c) selected[c == selected] { (n) } } };
    html! {
        form.card.actions method="post" action={ "/s/" (urlencode(&it.id)) } data-runner-up=(it.runner_up) {
            input type="hidden" name="csrf" value=(user.csrf);
            input type="hidden" name="version" value=(it.version);
            input type="hidden" name="back" value=(back);
            div { button.primary name="action" value="accept" accesskey="a" { "Đồng ý: " (st.dept_name(&it.suggested)) } }
            div { label { "Chuyển cho " select name="department" { (options(if it.runner_up.is_empty() { &it.suggested } else { &it.runner_up })) } } button name="action" value="reassign" accesskey="r" { "Chuyển" } }
            div { label { "Cùng trả lời với " select name="second" { (options(if it.also.is_empty() { &it.runner_up } else { &it.also })) } } button name="action" value="split" { "Chia cho hai cơ quan" } }
            div { label { "Ghi chú " textarea name="note" rows="2" { (it.note) } } button name="action" value="note" { "Chỉ lưu ghi chú" } }
        }
    }
}

/// A submission's page: its text and fields, the suggestion, the decision form (with the
/// queue's filter in `back`), the previous and next submissions of that filter.
fn item_body(
    st: &AppState,
    user: &User,
    it: &Item,
    similar: &[Similar],
    audit: &[AuditEntry],
    back: &str,
    nav: (Option<&str>, Option<&str>),
) -> Markup {
    let to = |id: &str| format!("/s/{}?{back}", urlencode(id));
    html! {
        p.nav {
            a href={ "/?" (back) } accesskey="q" data-key="queue" { "← Hàng chờ" }
            @if let Some(p) = nav.0 { " · " a href=(to(p)) accesskey="p" data-key="prev" { "Trước" } }
            @if let Some(n) = nav.1 { " · " a href=(to(n)) accesskey="n" data-key="next" { "Tiếp" } }
            span.muted.keys { " · phím tắt: A đồng ý, R chuyển cho phương án hai, N tiếp, P trước, Q hàng chờ" }
        }
        div.card {
            blockquote { (it.text) }
            (st.restored_note(&it.text))
            // Only the fields the submission has, between dots.
            p.muted {
                @if !it.code.is_empty() { "Mã theo dõi " b { (it.code) } " · " }
                "Mã " (it.id)
                @if !it.locality.is_empty() { " · " (it.locality) }
                @if !it.place.is_empty() && it.place != it.locality { " (địa bàn: " (it.place) ")" }
                @if !it.submitted_at.is_empty() { " · gửi " (super::auth::vietnam_time_of(&it.submitted_at)) }
                " · lĩnh vực: " (st.topic_name(&it.topic))
                @if let Some(c) = it.cluster { " · cụm " a href={ "/cluster/" (c) } { (c) ": " (it.cluster_label) } }
            }
            @if !it.columns.is_empty() {
                table.columns { @for (h, v) in &it.columns { @if !v.is_empty() { tr { th { (h) } td { (v) } } } } }
            }
        }
        @if let Some(e) = &it.answered_before { (answered_before(st, e)) }
        div.card {
            h2 { "Đề xuất: " (st.dept_name(&it.suggested)) " (" (pct(it.confidence)) ")" }
            @if !it.reasons.is_empty() { ul { @for r in &it.reasons { li { (r) } } } }
            p { "Phương án hai: " (st.dept_name(&it.runner_up)) " (" (pct(it.runner_up_confidence)) ")"
                @if !it.also.is_empty() { br; "Có thể liên quan cả: " (st.dept_name(&it.also)) } }
            @if it.status == Status::Decided {
                p.ok { "Đã quyết định: " (st.dept_name(&it.department))
                    @if !it.second_department.is_empty() { " cùng " (st.dept_name(&it.second_department)) }
                    " — " (it.decided_by) ", " (super::auth::vietnam_time_of(&it.decided_at)) }
            }
            @if !it.note.is_empty() { p { "Ghi chú: " (it.note) } }
        }
        @if user.role.can_decide() { (decision_form(st, user, it, back)) } @else { p.muted { "Bạn chỉ có quyền xem." } }
        @if !similar.is_empty() {
            h2 { "Ý kiến tương tự (theo nội dung)" }
            ul { @for s in similar { li {
                a href={ "/s/" (urlencode(&s.id)) } { (s.id) }
                " · " (pct(s.similarity as f64)) @if s.near_duplicate() { " · " span.warn-tag { "gần trùng" } }
                " — " (excerpt(&s.text, 140))
            } } }
        }
        @if !audit.is_empty() {
            h2 { "Lịch sử" }
            table.cards { thead { tr { th { "Lúc" } th { "Ai" } th { "Việc" } th { "Cơ quan" } th { "Ghi chú" } } }
                tbody { @for a in audit { tr { td { (super::auth::vietnam_time_of(&a.at)) } td data-label="Ai" { (a.user) } td data-label="Việc" { (action_vi(&a.action)) } td data-label="Cơ quan" { (st.dept_name(&a.department)) @if !a.second_department.is_empty() { " + " (st.dept_name(&a.second_department)) } } @if a.note.is_empty() { td.empty {} } @else { td data-label="Ghi chú" { (a.note) } } } } } }
        }
    }
}

/// "Đã được trả lời": the earlier answer to a submission like this one.
fn answered_before(st: &AppState, e: &super::archive::EarlierAnswer) -> Markup {
    html! {
        div.card.warn {
            h2 { "Đã được trả lời" }
            p { "Ý kiến này giống ý kiến " b { (e.code) } " (năm " (e.run) ", giống " (pct(e.similarity as f64)) "): «" (excerpt(&e.text, 300)) "»" }
            p { b { (st.dept_name(&e.department)) " trả lời ngày " (super::forward::answered_on(e)) ": " } (e.answer) }
        }
    }
}

fn load_item(st: &AppState, db: &Db, id: &str) -> std::result::Result<(Item, Vec<Similar>, Vec<AuditEntry>), Page> {
    let it = db.item(id).map_err(fail)?.ok_or_else(|| {
        Page(StatusCode::NOT_FOUND, bare("Không tìm thấy", html! { p { "Không có ý kiến mã " (id) "." } }))
    })?;
    let similar = similar_to(st, db, &it)?;
    let audit = db.audit(id).map_err(fail)?;
    Ok((it, similar, audit))
}

/// Submissions on the same matter as `it`, by content across every cluster (through the
/// search index; without one, among its cluster), most similar first with their score.
fn similar_to(st: &AppState, db: &Db, it: &Item) -> std::result::Result<Vec<Similar>, Page> {
    const SHOWN: usize = 6;
    const FLOOR: f32 = 0.2;
    if let Some(idx) = &st.search {
        return idx.similar(&it.text, &it.id, SHOWN, FLOOR).map_err(fail);
    }
    let Some(c) = it.cluster else { return Ok(Vec::new()) };
    let analyzer = &st.analyzer;
    let mine = content_keys(analyzer, &it.text);
    let members =
        db.cluster(c).map_err(fail)?.into_iter().filter(|s| s.id != it.id).take(2_000).map(|s| (s.id, s.text));
    Ok(rank(analyzer, &mine, members, SHOWN, FLOOR))
}

async fn item_page(
    State(st): State<Arc<AppState>>,
    token: SessionToken,
    Path(id): Path<String>,
    Query(q): Query<QueueQuery>,
) -> Response {
    with_user(st, token, move |st, db, user| -> std::result::Result<Markup, Page> {
        let (it, similar, audit) = load_item(st, db, &id)?;
        let back = q.filter_qs();
        let (prev, next) = neighbours(st, db, &q, &id)?;
        let nav = (prev.as_deref(), next.as_deref());
        Ok(layout(&format!("Ý kiến {id}"), &user, item_body(st, &user, &it, &similar, &audit, &back, nav)))
    })
    .await
}

/// The submissions before and after `id` in the queue of filter `q` (among its first 2,000).
fn neighbours(
    st: &AppState,
    db: &Db,
    q: &QueueQuery,
    id: &str,
) -> std::result::Result<(Option<String>, Option<String>), Page> {
    let (mut filter, _) = queue_filter(st, q)?;
    filter.offset = 0;
    filter.limit = 2_000;
    let (items, _) = db.queue(&filter).map_err(fail)?;
    let Some(at) = items.iter().position(|i| i.id == id) else {
        // Not in the filter (decided meanwhile): the first one still in it is next.
        return Ok((None, items.first().map(|i| i.id.clone())));
    };
    Ok((at.checked_sub(1).map(|p| items[p].id.clone()), items.get(at + 1).map(|i| i.id.clone())))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DecideForm {
    csrf: String,
    /// The queue's filter the submission was opened from.
    back: String,
    version: i64,
    action: String,
    department: String,
    second: String,
    note: String,
}

async fn decide(
    State(st): State<Arc<AppState>>,
    token: SessionToken,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Response {
    with_user(st, token, move |st, db, user| decide_one(st, db, &user, &id, f)).await
}

/// Records a reviewer's decision on one submission (or says it changed meanwhile).
fn decide_one(st: &AppState, db: &mut Db, user: &User, id: &str, f: DecideForm) -> std::result::Result<Response, Page> {
    user.may_post(&f.csrf, true)?;
    let bad = |m: &str| {
        Page(
            StatusCode::BAD_REQUEST,
            bare(
                "Quyết định không hợp lệ",
                html! { p.err { (m) } p { a href={ "/s/" (urlencode(id)) } { "Quay lại" } } },
            ),
        )
    };
    let decision = match f.action.as_str() {
        "accept" => Decision::Accept,
        "reassign" if st.is_department(&f.department) => Decision::Reassign(f.department.clone()),
        "split" if st.is_department(&f.department) && st.is_department(&f.second) && f.department != f.second => {
            Decision::Split(f.department.clone(), f.second.clone())
        }
        "split" => return Err(bad("Chia cho hai cơ quan cần hai cơ quan khác nhau của hồ sơ định tuyến.")),
        "note" => Decision::Note,
        _ => return Err(bad("Không rõ quyết định hoặc cơ quan không thuộc hồ sơ định tuyến.")),
    };
    match db.decide(id, f.version, &decision, &f.note, &user.name).map_err(fail)? {
        Outcome::Done => {
            // One step per decision: the next pending submission of the same filter opens.
            let q = QueueQuery::from_qs(&f.back);
            let (mut filter, _) = queue_filter(st, &q)?;
            filter.status = StatusFilter::Pending;
            filter.offset = 0;
            filter.limit = 1;
            let next = db.queue(&filter).map_err(fail)?.0.into_iter().next();
            let back = q.filter_qs();
            let to = match next {
                Some(n) => format!("/s/{}?{back}", urlencode(&n.id)),
                None => format!("/?saved={}&{back}", urlencode(id)),
            };
            Ok(Redirect::to(&to).into_response())
        }
        Outcome::Conflict(cur) => {
            let (_, similar, audit) = load_item(st, db, id)?;
            let body = html! {
                p.warn { "Ý kiến này vừa được thay đổi"
                    @if !cur.decided_by.is_empty() { " bởi " b { (cur.decided_by) } " lúc " (super::auth::vietnam_time_of(&cur.decided_at)) }
                    " trong khi bạn xem. Quyết định của bạn chưa được lưu: hãy xem trạng thái hiện tại và chọn lại." }
                (item_body(st, user, &cur, &similar, &audit, &QueueQuery::from_qs(&f.back).filter_qs(), (None, None)))
            };
            Ok((StatusCode::CONFLICT, layout(&format!("Ý kiến {id}"), user, body)).into_response())
        }
    }
}

// ---------------------------------------------------------------- clusters

async fn cluster_page(
    State(st): State<Arc<AppState>>,
    token: SessionToken,
    Path(n): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    with_user(st, token, move |st, db, user| cluster_view(st, db, &user, n, q)).await
}

/// A cluster's submissions, with the whole-cluster actions.
fn cluster_view(
    st: &AppState,
    db: &mut Db,
    user: &User,
    n: i64,
    q: HashMap<String, String>,
) -> std::result::Result<Markup, Page> {
    let items = db.cluster(n).map_err(fail)?;
    let label = items.first().map(|i| i.cluster_label.clone()).unwrap_or_default();
    let clusters = if user.role.can_edit_clusters() { db.clusters().map_err(fail)? } else { Vec::new() };
    let pending = items.iter().filter(|i| i.status == Status::Pending).count();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for i in items.iter().filter(|i| i.status == Status::Pending) {
        *counts.entry(i.suggested.as_str()).or_default() += 1;
    }
    Ok(layout(
        &format!("Cụm {n}: {label}"),
        user,
        html! {
            @if let Some(d) = q.get("done") { p.flash { "Đã lưu " (d) " quyết định." } }
            @if let Some(e) = q.get("edited") { p.flash { "Đã sửa cụm: " (e) "." } }
            p { (items.len()) " ý kiến, " (pending) " chờ duyệt. Đề xuất cho các ý kiến chờ duyệt: "
                @for (i, (d, c)) in counts.iter().enumerate() { @if i > 0 { ", " } (st.dept_name(d)) " " (c) } }
            @if user.role.can_decide() && pending > 0 {
                form.card.actions method="post" action={ "/cluster/" (n) } {
                    input type="hidden" name="csrf" value=(user.csrf);
                    div { button.primary name="action" value="accept" { "Đồng ý đề xuất cho cả " (pending) " ý kiến chờ duyệt" } }
                    div { label { "Hoặc chuyển tất cả cho " select name="department" { @for (c, nm) in &st.departments { option value=(c) { (nm) } } } } button name="action" value="reassign" { "Chuyển cả cụm" } }
                    p.muted { "Chỉ các ý kiến đang chờ duyệt bị ảnh hưởng; bước sau sẽ hỏi xác nhận." }
                }
            }
            @if user.role.can_edit_clusters() && !items.is_empty() {
                form.card.actions method="post" action={ "/cluster/" (n) "/edit" } {
                    input type="hidden" name="csrf" value=(user.csrf);
                    h2 { "Sửa cụm" }
                    div { label { "Tên cụm " input name="label" value=(label) maxlength="200"; } button name="action" value="rename" { "Đặt tên" } }
                    div { label { "Gộp cụm này với " select name="other" { @for (c, l, k) in &clusters { @if *c != n { option value=(c) { (c) ". " (excerpt(l, 60)) " (" (k) ")" } } } } } button name="action" value="merge" { "Gộp vào cụm này" } }
                    div { button name="action" value="split" { "Tách cụm làm hai" } }
                    div { label { "Chuyển ý kiến mã " input name="id" size="12"; } " vào cụm này " button name="action" value="move" { "Chuyển" } }
                    p.muted { "Mỗi lần sửa được ghi lại (ai, lúc nào) và áp dụng lại cho các lần phân tích sau." }
                }
            }
            table { tr { th { "Mã" } th.num { "Tin cậy" } th { "Đề xuất / quyết định" } th { "Địa phương" } th { "Ý kiến" } }
                @for it in &items { tr {
                    td { a href={ "/s/" (urlencode(&it.id)) } { (it.id) } }
                    td.num { (pct(it.confidence)) }
                    td { @if it.status == Status::Decided { span.ok { "✓ " (st.dept_name(&it.department)) } } @else { (st.dept_name(&it.suggested)) } }
                    td { (it.locality) }
                    td { (excerpt(&it.text, 140)) }
                } } }
        },
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ClusterEditForm {
    csrf: String,
    action: String,
    label: String,
    other: String,
    id: String,
}

/// The largest cluster the desk splits within a request (a split clusters it again).
const DESK_SPLIT_MAX: usize = 20_000;

async fn cluster_edit(
    State(st): State<Arc<AppState>>,
    token: SessionToken,
    Path(n): Path<i64>,
    Form(f): Form<ClusterEditForm>,
) -> Response {
    with_user(st, token, move |st, db, user| edit_cluster(st, db, &user, n, f)).await
}

/// An analyst's or admin's edit of cluster `n`, kept (who, when) and carried onto later runs.
fn edit_cluster(
    st: &AppState,
    db: &mut Db,
    user: &User,
    n: i64,
    f: ClusterEditForm,
) -> std::result::Result<Response, Page> {
    use crate::pipeline::edits::ClusterEdit;
    user.may_post(&f.csrf, false)?;
    if !user.role.can_edit_clusters() {
        return Err(forbidden("Chỉ phân tích viên và quản trị viên được sửa cụm."));
    }
    let stored = db.assignment().map_err(fail)?;
    let members = |c: i64| stored.members_of(c).map_err(fail);
    let bad = |m: &str| Page(StatusCode::BAD_REQUEST, bare("Yêu cầu không hợp lệ", html! { p { (m) } }));
    let edits = match f.action.as_str() {
        "rename" => {
            let label = f.label.trim();
            if label.is_empty() || label.chars().count() > 200 {
                return Err(bad("Tên cụm cần từ 1 đến 200 ký tự."));
            }
            vec![ClusterEdit::Rename { members: members(n)?, label: label.to_string() }]
        }
        "merge" => {
            let other: i64 = f.other.trim().parse().map_err(|_| bad("Hãy chọn cụm cần gộp."))?;
            if other == n {
                return Err(bad("Hãy chọn một cụm khác."));
            }
            vec![ClusterEdit::Merge { into: members(n)?, from: vec![members(other)?] }]
        }
        "split" => {
            // Bounded work per request: a very large cluster is split from the command line.
            if members(n)?.len() > DESK_SPLIT_MAX {
                return Err(bad(&format!(
                    "Cụm quá lớn để tách trên trang (hơn {DESK_SPLIT_MAX} ý kiến): dùng lệnh `ykien cluster split {n}`."
                )));
            }
            let models = crate::pipeline::Models::load(&st.models_dir, &st.profile).map_err(fail)?;
            super::split_cluster(&models, db, n as usize, 2).map_err(fail)?
        }
        "move" => {
            let id = f.id.trim();
            if db.item(id).map_err(fail)?.is_none() {
                return Err(fail(Error::NotFound(crate::t!("review.no-submission", id = id))));
            }
            vec![ClusterEdit::Move { id: id.to_string(), to: members(n)? }]
        }
        _ => return Err(bad("Việc không rõ.")),
    };
    let mut said = Vec::new();
    for e in &edits {
        db.edit_clusters(e, &user.name).map_err(fail)?;
        said.push(e.describe());
    }
    // Where the cluster is now (a merge or split keeps its number; the page shows it).
    Ok(Redirect::to(&format!("/cluster/{n}?edited={}", urlencode(&said.join("; ")))).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ClusterForm {
    csrf: String,
    action: String,
    department: String,
    confirm: String,
}

async fn cluster_decide(
    State(st): State<Arc<AppState>>,
    token: SessionToken,
    Path(n): Path<i64>,
    Form(f): Form<ClusterForm>,
) -> Response {
    with_user(st, token, move |st, db, user| decide_cluster(st, db, &user, n, f)).await
}

/// Accepts or reassigns a whole cluster's pending submissions, after a confirmation.
fn decide_cluster(
    st: &AppState,
    db: &mut Db,
    user: &User,
    n: i64,
    f: ClusterForm,
) -> std::result::Result<Response, Page> {
    user.may_post(&f.csrf, true)?;
    let reassign = match f.action.as_str() {
        "accept" => None,
        "reassign" if st.is_department(&f.department) => Some(f.department.clone()),
        _ => {
            return Err(Page(
                StatusCode::BAD_REQUEST,
                bare("Không hợp lệ", html! { p.err { "Không rõ thao tác hoặc cơ quan." } }),
            ))
        }
    };
    let pending: Vec<Item> = db.cluster(n).map_err(fail)?.into_iter().filter(|i| i.status == Status::Pending).collect();
    if f.confirm != "yes" {
        let what = match &reassign {
            None => "đồng ý với đề xuất của từng ý kiến".to_string(),
            Some(d) => format!("chuyển tất cả cho {}", st.dept_name(d)),
        };
        return Ok(layout(
            "Xác nhận",
            user,
            html! {
                p.warn { "Bạn sắp " (what) " — " b { (pending.len()) " ý kiến chờ duyệt" } " của cụm " (n) "." }
                form method="post" action={ "/cluster/" (n) } {
                    input type="hidden" name="csrf" value=(user.csrf);
                    input type="hidden" name="action" value=(f.action);
                    input type="hidden" name="department" value=(f.department);
                    input type="hidden" name="confirm" value="yes";
                    button.primary { "Xác nhận" } " " a href={ "/cluster/" (n) } { "Huỷ" }
                }
            },
        )
        .into_response());
    }
    let mut done = 0;
    for it in &pending {
        let d = match &reassign {
            None => Decision::Accept,
            Some(d) => Decision::Reassign(d.clone()),
        };
        // One whose state changed meanwhile is left for its reviewer (a conflict, not an overwrite).
        if db.decide(&it.id, it.version, &d, "", &user.name).map_err(fail)? == Outcome::Done {
            done += 1;
        }
    }
    Ok(Redirect::to(&format!("/cluster/{n}?done={done}")).into_response())
}

// ---------------------------------------------------------------- progress, export, learning

async fn progress(
    State(st): State<Arc<AppState>>,
    token: SessionToken,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    with_user(st, token, move |st, db, user| progress_page(st, db, &user, q)).await
}

/// Progress per department, and the retraining button.
fn progress_page(
    st: &AppState,
    db: &mut Db,
    user: &User,
    q: HashMap<String, String>,
) -> std::result::Result<Markup, Page> {
    let codes: Vec<String> = st.departments.iter().map(|(c, _)| c.clone()).collect();
    let rows = db.progress(&codes).map_err(fail)?;
    let decided = db.decisions().map_err(fail)?.len();
    let (_, pending) =
        db.queue(&QueueFilter { status: StatusFilter::Pending, limit: 1, ..Default::default() }).map_err(fail)?;
    Ok(layout(
        "Tiến độ",
        user,
        html! {
            @if let Some(m) = q.get("learned") { p.flash { (m) } }
            p { (decided) " ý kiến đã duyệt, " (pending) " chờ duyệt." }
            table {
                tr { th { "Cơ quan" } th.num { "Đã duyệt" } th.num { "Còn chờ (theo đề xuất)" } th { "Danh sách trả lời" } }
                @for r in &rows { tr {
                    td { (st.dept_name(&r.department)) }
                    td.num { (r.reviewed) } td.num { (r.remaining) }
                    td { @if r.reviewed > 0 {
                        a href={ "/export/" (urlencode(&r.department)) "?format=xlsx" } { "XLSX" } " · "
                        a href={ "/export/" (urlencode(&r.department)) "?format=csv" } { "CSV" } } }
                } }
            }
            (threshold_card(db, user, &q)?)
            (answers_card(st, db, user)?)
            @if user.role.can_decide() {
                form.card method="post" action="/retrain" {
                    input type="hidden" name="csrf" value=(user.csrf);
                    p { "Học lại cách đề xuất từ " (decided) " quyết định đã duyệt, rồi cập nhật đề xuất cho các ý kiến còn chờ." }
                    button.primary { "Học lại" }
                }
            }
        },
    ))
}

/// Where the bodies stand today: forwarded, answered, overdue; the overdue list to
/// download; for an admin, forwarding the decided submissions not yet sent.
fn answers_card(st: &AppState, db: &Db, user: &User) -> std::result::Result<Markup, Page> {
    let (bodies, late) = super::forward::status(db, super::forward::today()).map_err(fail)?;
    let waiting = db.unforwarded().map_err(fail)?;
    let unpublished = db.unpublished().map_err(fail)?;
    Ok(html! {
        div.card {
            h2 { "Chuyển cơ quan trả lời" }
            @if bodies.is_empty() { p.muted { "Chưa chuyển ý kiến nào." } } @else {
                table {
                    tr { th { "Cơ quan" } th.num { "Đã chuyển" } th.num { "Đã trả lời" } th.num { "Quá hạn" } th.num { "Trễ nhất (ngày)" } }
                    @for b in &bodies { tr {
                        td { (st.dept_name(&b.department)) } td.num { (b.forwarded) } td.num { (b.answered) }
                        td.num { (b.overdue) } td.num { (b.most_days_late) }
                    } }
                }
                @if !late.is_empty() { p { a href="/overdue.xlsx" { "Tải danh sách " (late.len()) " ý kiến quá hạn (XLSX)" } " để gửi văn bản nhắc." } }
            }
            @if user.role == Role::Admin && waiting > 0 {
                form method="post" action="/forward" {
                    input type="hidden" name="csrf" value=(user.csrf);
                    p { b { (waiting) } " lượt chuyển đang chờ (ý kiến đã quyết định, chưa gửi cơ quan trả lời)." }
                    button { "Chuyển…" }
                }
            }
            @if user.role == Role::Admin && unpublished > 0 {
                form method="post" action="/publish" {
                    input type="hidden" name="csrf" value=(user.csrf);
                    p { b { (unpublished) } " câu trả lời chưa công bố." }
                    button { "Viết thông báo và công bố…" }
                }
            }
        }
    })
}

async fn publish_now(State(st): State<Arc<AppState>>, token: SessionToken, Form(f): Form<ForwardForm>) -> Response {
    with_user(st, token, move |st, db, user| publish(st, db, &user, f)).await
}

/// Writes the draft conclusion notice and the page to publish into notice/ of the data
/// directory and records the answers on it as published (an admin's act, confirmed,
/// audited per answer).
fn publish(st: &AppState, db: &mut Db, user: &User, f: ForwardForm) -> std::result::Result<Response, Page> {
    user.may_post(&f.csrf, true)?;
    if user.role != Role::Admin {
        return Err(forbidden("Chỉ quản trị viên được công bố câu trả lời."));
    }
    let n = db.unpublished().map_err(fail)?;
    if f.confirm != "yes" {
        return Ok(layout(
            "Xác nhận",
            user,
            html! {
                p.warn { "Bạn sắp viết dự thảo thông báo kết luận và trang hỏi - đáp, rồi ghi nhận công bố "
                    b { (n) " câu trả lời" } " (mỗi câu được ghi vào nhật ký)." }
                form method="post" action="/publish" {
                    input type="hidden" name="csrf" value=(user.csrf);
                    input type="hidden" name="confirm" value="yes";
                    button.primary { "Xác nhận" } " " a href="/progress" { "Huỷ" }
                }
            },
        )
        .into_response());
    }
    let profile = crate::routing::Profile::load(&st.models_dir, &st.profile).map_err(fail)?;
    let topic = |c: &str| st.topic_name(c).to_string();
    let dir = st.data.root().join("notice");
    let files =
        super::notice::write_files(db, &dir, &profile, &topic, super::notice::DEFAULT_TITLE, None).map_err(fail)?;
    let done = db.publish_answers(&user.name).map_err(fail)?;
    let msg = format!(
        "Đã công bố {done} câu trả lời; thông báo và trang hỏi - đáp trong {}.",
        files.html.parent().unwrap_or(&dir).display()
    );
    Ok(Redirect::to(&format!("/progress?learned={}", urlencode(&msg))).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ForwardForm {
    csrf: String,
    confirm: String,
}

async fn forward_now(State(st): State<Arc<AppState>>, token: SessionToken, Form(f): Form<ForwardForm>) -> Response {
    with_user(st, token, move |st, db, user| forward_decided(st, db, &user, f)).await
}

/// Forwards the decided submissions not yet sent (an admin's act, confirmed, audited per
/// forward) and writes the bodies' workbooks into forward/ of the data directory.
fn forward_decided(st: &AppState, db: &mut Db, user: &User, f: ForwardForm) -> std::result::Result<Response, Page> {
    user.may_post(&f.csrf, true)?;
    if user.role != Role::Admin {
        return Err(forbidden("Chỉ quản trị viên được chuyển ý kiến cho cơ quan trả lời."));
    }
    let profile = crate::routing::Profile::load(&st.models_dir, &st.profile).map_err(fail)?;
    let waiting = db.unforwarded().map_err(fail)?;
    if f.confirm != "yes" {
        return Ok(layout(
            "Xác nhận",
            user,
            html! {
                p.warn { "Bạn sắp chuyển " b { (waiting) " lượt" } " ý kiến đã quyết định cho cơ quan trả lời, hạn trả lời "
                    (profile.due_days) " ngày (hoặc theo từng cơ quan trong hồ sơ " (profile.name) ")." }
                form method="post" action="/forward" {
                    input type="hidden" name="csrf" value=(user.csrf);
                    input type="hidden" name="confirm" value="yes";
                    button.primary { "Xác nhận" } " " a href="/progress" { "Huỷ" }
                }
            },
        )
        .into_response());
    }
    let topic = |c: &str| st.topic_name(c).to_string();
    let out = st.data.root().join("forward");
    let run = super::forward::forward(db, &profile, &topic, None, false, &out, &user.name).map_err(fail)?;
    let msg = format!("Đã chuyển {} lượt; danh sách của từng cơ quan trong {}.", run.forwarded, out.display());
    Ok(Redirect::to(&format!("/progress?learned={}", urlencode(&msg))).into_response())
}

async fn overdue_xlsx(State(st): State<Arc<AppState>>, token: SessionToken) -> Response {
    with_user(st, token, move |st, db, _user| -> std::result::Result<Response, Page> {
        let today = super::forward::today();
        let (_, late) = super::forward::status(db, today).map_err(fail)?;
        let name = |c: &str| st.dept_name(c).to_string();
        let bytes = super::forward::overdue_workbook(&late, &name, today).map_err(fail)?;
        let ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        Ok((
            [(header::CONTENT_TYPE, ctype), (header::CONTENT_DISPOSITION, "attachment; filename=\"qua-han.xlsx\"")],
            bytes,
        )
            .into_response())
    })
    .await
}

/// The pending suggestions at or above a confidence that one bulk acceptance decides (at
/// most [`BULK_MAX`]), and how many of them their confidences expect to be wrong.
fn above_threshold(db: &Db, t: f64) -> std::result::Result<(Vec<Item>, f64), Page> {
    let f =
        QueueFilter { status: StatusFilter::Pending, min_confidence: Some(t), limit: BULK_MAX, ..Default::default() };
    let (items, _) = db.queue(&f).map_err(fail)?;
    let wrong = items.iter().map(|i| 1.0 - i.confidence).sum::<f64>();
    Ok((items, wrong))
}

/// The most suggestions one bulk acceptance decides (bounded work per request).
const BULK_MAX: usize = 5_000;

/// A threshold as the page gives it (0.5 to 1, "0,9" or "0.9"; 0.9 by default).
fn threshold_of(given: Option<&str>) -> f64 {
    given
        .and_then(|v| v.trim().replace(',', ".").parse::<f64>().ok())
        .filter(|t| t.is_finite())
        .unwrap_or(0.9)
        .clamp(0.5, 1.0)
}

/// The reviewer's lever: how many pending suggestions reach a confidence, the wrong ones to
/// expect among them, and for an admin, accepting them all after a confirmation.
fn threshold_card(db: &Db, user: &User, q: &HashMap<String, String>) -> std::result::Result<Markup, Page> {
    let t = threshold_of(q.get("above").map(String::as_str));
    // Counted in SQL over every pending suggestion (a page view loads none of them).
    let (total, wrong) = db.pending_above(t).map_err(fail)?;
    let batch = (total.max(0) as usize).min(BULK_MAX);
    Ok(html! {
        form.card method="get" action="/progress" {
            h2 { "Đề xuất có độ tin cậy cao" }
            label { "Từ độ tin cậy " input name="above" size="5" value=(format!("{t:.2}").replace('.', ",")); }
            " " button { "Xem" }
            p { b { (total) } " ý kiến chờ duyệt có độ tin cậy từ " (pct(t)) " trở lên; ước tính khoảng "
                b { (wrong.round() as i64) } " đề xuất sai trong số đó (cộng phần không chắc của từng đề xuất; độ tin cậy chưa được hiệu chỉnh)." }
        }
        @if user.role == Role::Admin && batch > 0 {
            form.card method="post" action="/accept-above" {
                input type="hidden" name="csrf" value=(user.csrf);
                input type="hidden" name="above" value=(t);
                button.primary { "Đồng ý tất cả " (batch) " đề xuất này" }
                span.muted { " (bước sau sẽ hỏi xác nhận; mỗi quyết định được ghi nhật ký)" }
            }
        }
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AboveForm {
    csrf: String,
    above: String,
    confirm: String,
}

async fn accept_above(State(st): State<Arc<AppState>>, token: SessionToken, Form(f): Form<AboveForm>) -> Response {
    with_user(st, token, move |_st, db, user| bulk_accept(db, &user, f)).await
}

/// An admin accepts every pending suggestion at or above a confidence, after a confirmation
/// that states how many are expected wrong; each decision audited as the admin's.
fn bulk_accept(db: &mut Db, user: &User, f: AboveForm) -> std::result::Result<Response, Page> {
    user.may_post(&f.csrf, true)?;
    if user.role != Role::Admin {
        return Err(forbidden("Chỉ quản trị viên được đồng ý hàng loạt."));
    }
    let t = threshold_of(Some(&f.above));
    let (items, wrong) = above_threshold(db, t)?;
    if f.confirm != "yes" {
        return Ok(layout(
            "Xác nhận",
            user,
            html! {
                p.warn { "Bạn sắp đồng ý đề xuất của " b { (items.len()) " ý kiến" } " có độ tin cậy từ " (pct(t))
                    " trở lên. Ước tính khoảng " b { (wrong.round() as i64) } " trong số đó đề xuất sai và sẽ cần sửa sau." }
                form method="post" action="/accept-above" {
                    input type="hidden" name="csrf" value=(user.csrf);
                    input type="hidden" name="above" value=(t);
                    input type="hidden" name="confirm" value="yes";
                    button.primary { "Xác nhận" } " " a href="/progress" { "Huỷ" }
                }
            },
        )
        .into_response());
    }
    let note = format!("đồng ý hàng loạt từ độ tin cậy {}", pct(t));
    let mut done = 0;
    for it in &items {
        // One whose state changed meanwhile is left for its reviewer (a conflict, not an overwrite).
        if db.decide(&it.id, it.version, &Decision::Accept, &note, &user.name).map_err(fail)? == Outcome::Done {
            done += 1;
        }
    }
    let msg = format!("Đã đồng ý {done} đề xuất từ độ tin cậy {}.", pct(t));
    Ok(Redirect::to(&format!("/progress?learned={}", urlencode(&msg))).into_response())
}

async fn export(
    State(st): State<Arc<AppState>>,
    token: SessionToken,
    Path(dept): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    with_user(st, token, move |st, db, _user| export_list(st, db, &dept, q)).await
}

/// A department's decided submissions as XLSX or CSV.
fn export_list(
    st: &AppState,
    db: &mut Db,
    dept: &str,
    q: HashMap<String, String>,
) -> std::result::Result<Response, Page> {
    if !st.is_department(dept) {
        return Err(Page(
            StatusCode::NOT_FOUND,
            bare("Không tìm thấy", html! { p { "Không có cơ quan " (dept) "." } }),
        ));
    }
    let items = db.department_list(dept).map_err(fail)?;
    let xlsx = q.get("format").map(String::as_str) != Some("csv");
    let bytes =
        if xlsx { department_xlsx(st, dept, &items) } else { department_csv(st, dept, &items) }.map_err(fail)?;
    let (ctype, ext) = if xlsx {
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
    } else {
        ("text/csv; charset=utf-8", "csv")
    };
    let disp = format!(
        "attachment; filename=\"{}.{ext}\"",
        dept.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    );
    Ok(([(header::CONTENT_TYPE, ctype.to_string()), (header::CONTENT_DISPOSITION, disp)], bytes).into_response())
}

const EXPORT_HEADER: [&str; 8] =
    ["Mã theo dõi", "Mã", "Ý kiến", "Địa phương", "Ngày", "Lĩnh vực", "Cùng trả lời với", "Ghi chú của người duyệt"];

/// One exported row: ykien's columns, then the input's own (`columns`).
fn export_row(st: &AppState, dept: &str, it: &Item, columns: &[String]) -> Vec<String> {
    let with = it.other_body(dept).map(|d| st.dept_name(d).to_string()).unwrap_or_default();
    let mut row = vec![
        it.code.clone(),
        it.id.clone(),
        it.text.clone(),
        it.locality.clone(),
        it.submitted_at.clone(),
        st.topic_name(&it.topic).to_string(),
        with,
        it.note.clone(),
    ];
    row.extend(it.column_values(columns));
    row
}

/// The list a department must answer, as an XLSX workbook.
fn department_xlsx(st: &AppState, dept: &str, items: &[Item]) -> Result<Vec<u8>> {
    let x = |e: rust_xlsxwriter::XlsxError| Error::write("XLSX", e);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Danh sách").map_err(x)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let wrap = rust_xlsxwriter::Format::new().set_text_wrap();
    let cut = std::cell::Cell::new(0);
    ws.write_string(0, 0, st.dept_name(dept)).map_err(x)?;
    let columns = super::input_columns(items);
    for (c, h) in EXPORT_HEADER.iter().copied().chain(columns.iter().map(String::as_str)).enumerate() {
        ws.write_string_with_format(2, c as u16, h, &bold).map_err(x)?;
    }
    for (r, it) in items.iter().enumerate() {
        for (c, v) in export_row(st, dept, it, &columns).iter().enumerate() {
            ws.write_string_with_format(3 + r as u32, c as u16, crate::report::fit_cell(&cut, v), &wrap).map_err(x)?;
        }
    }
    ws.set_column_width(2, 70).map_err(x)?;
    ws.set_column_width(7, 40).map_err(x)?;
    wb.save_to_buffer().map_err(x)
}

/// The same list as CSV (UTF-8 with BOM, for Excel).
fn department_csv(st: &AppState, dept: &str, items: &[Item]) -> Result<Vec<u8>> {
    let columns = super::input_columns(items);
    let header: Vec<&str> = EXPORT_HEADER.iter().copied().chain(columns.iter().map(String::as_str)).collect();
    let rows = items.iter().map(|it| export_row(st, dept, it, &columns));
    crate::output::csv_for_excel(&header, rows)
}

async fn retrain_now(State(st): State<Arc<AppState>>, token: SessionToken, Form(f): Form<CsrfOnly>) -> Response {
    with_user(st, token, move |st, db, user| -> std::result::Result<Response, Page> {
        user.may_post(&f.csrf, true)?;
        let mut models = Models::load(&st.models_dir, &st.profile).map_err(fail)?;
        let (n, r) = retrain(&mut models, db).map_err(fail)?;
        let msg = format!(
            "Đã học lại từ {n} quyết định. Trong {} đề xuất đang chờ: {} đổi cơ quan, {} giữ cơ quan nhưng độ tin cậy đổi hơn {:.0} điểm.",
            r.pending,
            r.department_changed,
            r.confidence_moved,
            super::db::CONFIDENCE_MOVE * 100.0
        );
        Ok(Redirect::to(&format!("/progress?learned={}", urlencode(&msg))).into_response())
    })
    .await
}
