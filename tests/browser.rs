//! End to end in a real headless Chromium (WebDriver), the desk served over HTTPS with a
//! test certificate: log in, reassign a submission, export a department's XLSX, restart
//! the server and see the decision kept; a review session of 50 decisions made with the
//! keyboard, one page load each; the queue, a submission and the report at a phone's width
//! (screenshots in target/tmp/browser). Needs Debian's chromium and chromium-driver, which
//! .ci/run installs.

mod common;
use common::ykien_decode;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};

const SAMPLE: &str = "id,text,locality,submitted_at\n\
a1,Em muốn vay vốn ngân hàng chính sách để nuôi bò,Bình Gia,2024-05-02\n\
a2,em muon vay von ngan hang chinh sach de mo xuong,Tràng Định,2024-05-03\n\
a3,Đề nghị cho vay vốn ưu đãi với lãi suất thấp,Lộc Bình,2024-05-04\n\
a4,Trường em thiếu giáo viên và phòng học,Bắc Sơn,2024-05-05\n\
a5,Mong có học bổng cho học sinh nghèo học giỏi,Văn Quan,2024-05-06\n\
a6,Mong mở lớp dạy nghề sửa xe máy cho thanh niên,Hữu Lũng,2024-05-07\n\
a7,Đề nghị mở lớp học nghề hàn và điện,Cao Lộc,2024-05-08\n\
a8,Xin tỉnh hỗ trợ thanh niên đi xuất khẩu lao động Nhật Bản,Chi Lăng,2024-05-09\n";

fn ykien(args: &[&str], cwd: &Path, stdin: Option<&str>) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ykien"))
        .env("LC_ALL", "vi_VN.UTF-8")
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        use std::io::Write;
        c.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    let out = c.wait_with_output().unwrap();
    assert!(out.status.success(), "ykien {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_port(port: u16) {
    let t0 = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t0.elapsed() < Duration::from_secs(30), "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A self-signed certificate for 127.0.0.1 in `dir` (cert.pem, key.pem).
fn test_certificate(dir: &Path) {
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    std::fs::write(dir.join("cert.pem"), ck.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), ck.signing_key.serialize_pem()).unwrap();
}

fn serve(dir: &Path, port: u16) -> Killed {
    let addr = format!("127.0.0.1:{port}");
    let args = ["serve", "--data-dir", "data", "--addr", &addr, "--tls-cert", "cert.pem", "--tls-key", "key.pem"];
    let c = Command::new(env!("CARGO_BIN_EXE_ykien"))
        .env("LC_ALL", "vi_VN.UTF-8")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_port(port);
    Killed(c)
}

/// Where chromedriver is, or None (the test then says why it skips).
fn chromedriver() -> Option<&'static str> {
    let driver =
        ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].into_iter().find(|p| Path::new(p).exists());
    if driver.is_none() {
        eprintln!("skipping the browser test: chromedriver is not installed (.ci/run installs Debian's chromium and chromium-driver)");
    }
    driver
}

/// A headless Chromium that trusts the test certificate and downloads into `downloads`.
async fn browser(driver: &str, downloads: &Path) -> (fantoccini::Client, Killed) {
    // Two TLS backends are linked (ring for the desk, the WebDriver client's own): say which.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dport = free_port();
    let killed = Killed(
        Command::new(driver)
            .arg(format!("--port={dport}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_port(dport);
    std::fs::create_dir_all(downloads).unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert("acceptInsecureCerts".into(), serde_json::json!(true));
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900"],
            "prefs": {"download.default_directory": downloads.to_str().unwrap(), "download.prompt_for_download": false}
        }),
    );
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{dport}"))
        .await
        .expect("chromedriver session");
    (c, killed)
}

/// Waits for an element only the next page has (a click that navigates returns first).
async fn wait(c: &fantoccini::Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"))
}

async fn log_in(c: &fantoccini::Client, base: &str, name: &str, password: &str) {
    c.goto(&format!("{base}/")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/login"));
    c.find(Locator::Css("input[name=name]")).await.unwrap().send_keys(name).await.unwrap();
    c.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(password).await.unwrap();
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    wait(c, "header .me").await;
}

#[tokio::test]
async fn a_reviewer_reassigns_exports_and_the_decision_survives_a_restart() {
    let Some(driver) = chromedriver() else { return };
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("y.csv"), SAMPLE).unwrap();
    ykien(&["analyze", "y.csv", "--data-dir", "data", "--out", "out", "--k", "3"], d.path(), None);
    ykien(&["user", "add", "lan", "--role", "reviewer", "--data-dir", "data"], d.path(), Some("mat-khau-dai\n"));
    test_certificate(d.path());
    let port = free_port();
    let server = serve(d.path(), port);
    let downloads = d.path().join("downloads");
    let (c, _driver) = browser(driver, &downloads).await;
    let base = format!("https://127.0.0.1:{port}");
    log_in(&c, &base, "lan", "mat-khau-dai").await;
    // Served over HTTPS by ykien itself: the page came over TLS and the browser was told to stay.
    assert!(c.current_url().await.unwrap().as_str().starts_with("https://"));
    let h1 = c.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(h1, "Hàng chờ duyệt");

    // Open the least confident submission and reassign it to Home Affairs.
    let link = c.find(Locator::Css("tbody tr td.id a")).await.unwrap();
    let id = link.text().await.unwrap();
    link.click().await.unwrap();
    assert!(wait(&c, "blockquote").await.text().await.unwrap().len() > 10);
    c.find(Locator::Css("select[name=department]")).await.unwrap().select_by_value("so-noivu").await.unwrap();
    c.find(Locator::Css("button[name=action][value=reassign]")).await.unwrap().click().await.unwrap();
    // One step per decision: the next pending submission of the queue opens.
    let opened = format!("/s/{id}");
    let t0 = Instant::now();
    loop {
        let now = c.current_url().await.unwrap().path().to_string();
        if now.starts_with("/s/") && now != opened {
            break;
        }
        if t0.elapsed() > Duration::from_secs(20) {
            let src = c.source().await.unwrap_or_default();
            panic!("the next submission did not open: {now}: {}", &src[src.len().saturating_sub(1500)..]);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.goto(&format!("{base}{opened}")).await.unwrap();
    let decided = wait(&c, "p.ok").await.text().await.unwrap();
    assert!(decided.contains("Nội vụ"), "{decided} ({id})");

    // Export Home Affairs' list as XLSX from the progress page.
    c.goto(&format!("{base}/progress")).await.unwrap();
    wait(&c, "a[href='/export/so-noivu?format=xlsx']").await.click().await.unwrap();
    let file = downloads.join("so-noivu.xlsx");
    let t0 = Instant::now();
    while !file.exists() {
        assert!(t0.elapsed() < Duration::from_secs(20), "no download");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(&file).unwrap();
    let range = wb.worksheet_range("Danh sách").unwrap();
    assert!(
        range.rows().any(|r| r[1].to_string() == id && r[0].to_string().starts_with("YK-")),
        "the export lists {id} with its tracking code"
    );

    // Restart the server: the decision is still there.
    drop(server);
    let _server = serve(d.path(), port);
    c.goto(&format!("{base}/s/{id}")).await.unwrap();
    wait(&c, "blockquote").await;
    let page = c.source().await.unwrap();
    assert!(page.contains("Đã quyết định: Sở Nội vụ"), "{page}");
    c.close().await.unwrap();
}

/// The first `n` submissions of the bundled corpus (real hand-written Vietnamese), as a CSV.
fn corpus_sample(n: usize) -> String {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/submissions.csv");
    let mut r = csv::Reader::from_path(corpus).unwrap();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["id", "text", "locality", "submitted_at"]).unwrap();
    for rec in r.records().take(n) {
        let rec = rec.unwrap();
        w.write_record([&rec[0], &rec[1], &rec[2], &rec[4]]).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// Saves a screenshot for people to look at (target/tmp/browser/NAME.png).
async fn screenshot(c: &fantoccini::Client, name: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Page width, document width (more means sideways scrolling), and the width of the
/// first element matching `css` (0 without one).
async fn widths(c: &fantoccini::Client, css: &str) -> (f64, f64, f64) {
    let v = c
        .execute(
            "const e = document.querySelector(arguments[0]);
             return [window.innerWidth, document.documentElement.scrollWidth, e ? e.getBoundingClientRect().width : 0];",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
    let a: Vec<f64> = serde_json::from_value(v).unwrap();
    (a[0], a[1], a[2])
}

/// The elements that reach past the page's right edge (to say what scrolls sideways).
async fn overflowing(c: &fantoccini::Client) -> String {
    let v = c
        .execute(
            "const w = window.innerWidth; const out = [];
             for (const e of document.querySelectorAll('body *')) {
               const r = e.getBoundingClientRect();
               if (r.right > w + 1) out.push(e.tagName + '.' + e.className + ' ' + Math.round(r.right));
             }
             return out.slice(0, 8).join(', ');",
            vec![],
        )
        .await
        .unwrap();
    v.as_str().unwrap_or_default().to_string()
}

/// A review session as a reviewer does it: 50 decisions with the keyboard alone (A to
/// accept, R for the runner-up every fifth), each one page load, every one saved; then the
/// queue, a submission and the report read at 390 px.
#[tokio::test]
async fn fifty_decisions_by_keyboard_one_page_load_each_and_pages_fit_a_phone() {
    let Some(driver) = chromedriver() else { return };
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("y.csv"), corpus_sample(60)).unwrap();
    ykien(&["analyze", "y.csv", "--data-dir", "data", "--out", "out"], d.path(), None);
    ykien(
        &["user", "add", "hoa", "--role", "reviewer", "--data-dir", "data"],
        d.path(),
        Some("đồi chè Tân Tiến 2025\n"),
    );
    test_certificate(d.path());
    let port = free_port();
    let _server = serve(d.path(), port);
    let (c, _driver) = browser(driver, &d.path().join("downloads")).await;
    let base = format!("https://127.0.0.1:{port}");
    log_in(&c, &base, "hoa", "đồi chè Tân Tiến 2025").await;
    screenshot(&c, "queue-desktop").await;

    // N opens the first submission of the queue.
    let keys = |k: &'static str| {
        let c = c.clone();
        async move { c.find(Locator::Css("body")).await.unwrap().send_keys(k).await.unwrap() }
    };
    keys("n").await;
    wait(&c, "blockquote").await;
    screenshot(&c, "submission-desktop").await;
    let mut decided = Vec::new();
    let mut runner_up = 0;
    for i in 0..50 {
        let url = c.current_url().await.unwrap();
        // Chromium keeps at most 50 entries of history: go on in a fresh tab before that.
        let long: bool =
            serde_json::from_value(c.execute("return history.length >= 40;", vec![]).await.unwrap()).unwrap();
        if long {
            let tab = c.new_window(true).await.unwrap();
            c.close_window().await.unwrap();
            c.switch_to_window(tab.handle).await.unwrap();
            c.goto(url.as_str()).await.unwrap();
            wait(&c, "blockquote").await;
        }
        let id = url.path().trim_start_matches("/s/").to_string();
        let (history, ru): (u64, String) = serde_json::from_value(
            c.execute(
                "window.__same_page = true;
                 return [history.length, document.querySelector('form[data-runner-up]').dataset.runnerUp];",
                vec![],
            )
            .await
            .unwrap(),
        )
        .unwrap();
        let key = if i % 5 == 4 && !ru.is_empty() { "r" } else { "a" };
        runner_up += (key == "r") as usize;
        keys(key).await;
        // The next submission opens: a new page (the marker is gone) and one more entry in
        // the history, whatever redirect the decision took.
        let t0 = Instant::now();
        loop {
            let now = c.current_url().await.unwrap();
            let fresh: bool = c
                .execute("return document.readyState === 'complete' && !window.__same_page;", vec![])
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if fresh && now.path() != url.path() {
                break;
            }
            assert!(t0.elapsed() < Duration::from_secs(20), "decision {i} on {id}: the next page did not open");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let after: u64 = serde_json::from_value(c.execute("return history.length;", vec![]).await.unwrap()).unwrap();
        assert_eq!(after, history + 1, "decision {i} on {id}: one page load per decision");
        decided.push((ykien_decode(&id), key));
    }
    // Every decision is saved, as the key said.
    let db = ykien::review::Db::open(&d.path().join("data/review.db")).unwrap();
    for (id, key) in &decided {
        let it = db.item(id).unwrap().unwrap_or_else(|| panic!("no {id}"));
        assert_eq!(it.status, ykien::review::Status::Decided, "{id}");
        assert_eq!(it.decided_by, "hoa", "{id}");
        let expect = if *key == "r" { &it.runner_up } else { &it.suggested };
        assert_eq!(&it.department, expect, "{id} ({key})");
    }
    assert!(runner_up >= 5, "{runner_up} decisions took the runner-up");
    let ids: std::collections::BTreeSet<_> = decided.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids.len(), 50, "50 different submissions");

    // A phone: no page scrolls sideways; the submission's text gets most of the width.
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{base}/?status=all")).await.unwrap();
    wait(&c, "table.cards").await;
    let (inner, doc, text) = widths(&c, "table.cards td.text").await;
    assert!(doc <= inner + 1.0, "the queue scrolls sideways at {inner} px: {doc}: {}", overflowing(&c).await);
    assert!(text >= 0.7 * inner, "the queue's text is {text} px of {inner}");
    screenshot(&c, "queue-390").await;
    let first = c.find(Locator::Css("table.cards td.id a")).await.unwrap();
    first.click().await.unwrap();
    wait(&c, "blockquote").await;
    let (inner, doc, quote) = widths(&c, "blockquote").await;
    assert!(doc <= inner + 1.0, "the submission scrolls sideways at {inner} px: {doc}: {}", overflowing(&c).await);
    assert!(quote >= 0.75 * inner, "the submission's text is {quote} px of {inner}");
    screenshot(&c, "submission-390").await;
    let report = d.path().join("out/report.html");
    c.goto(&format!("file://{}", report.display())).await.unwrap();
    wait(&c, ".bars").await;
    let (inner, doc, _) = widths(&c, "main").await;
    assert!(doc <= inner + 1.0, "the report scrolls sideways at {inner} px: {doc}: {}", overflowing(&c).await);
    // Chart text is the page's text, not shrunk with a drawing.
    let px: f64 = serde_json::from_value(
        c.execute("return parseFloat(getComputedStyle(document.querySelector('.bar-label')).fontSize);", vec![])
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(px >= 12.0, "chart labels are {px} px");
    let heat_list_shown: bool = serde_json::from_value(
        c.execute("return getComputedStyle(document.querySelector('.heat-list')).display !== 'none';", vec![])
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(heat_list_shown, "the places are cards at a phone's width");
    screenshot(&c, "report-390").await;
    c.close().await.unwrap();
}

/// The published questions and answers: the search box finds text typed without
/// diacritics, offline (the page opened from a file).
#[tokio::test]
async fn the_published_answers_are_searched_without_diacritics_offline() {
    let Some(driver) = chromedriver() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut db = ykien::review::Db::open(&dir.path().join("review.db")).unwrap();
    let texts = [
        (
            "a",
            "Em muốn vay vốn ngân hàng chính sách để nuôi bò",
            "nhcsxh",
            "Em liên hệ tổ tiết kiệm và vay vốn ở thôn.",
        ),
        ("b", "Đề nghị mở lớp dạy nghề may công nghiệp tại xã", "so-ldtbxh", "Sở sẽ mở lớp vào tháng 6."),
        ("c", "Thôn em sóng điện thoại rất yếu", "so-tttt", "Sở đã đề nghị nhà mạng lắp thêm trạm."),
    ];
    let items: Vec<ykien::review::NewItem> = texts
        .iter()
        .map(|(id, t, d, _)| ykien::review::NewItem {
            id,
            text: t,
            topic: "khac",
            suggested: d,
            confidence: 0.9,
            ..Default::default()
        })
        .collect();
    db.load_items(&items).unwrap();
    for (id, _, d, answer) in &texts {
        let it = db.item(id).unwrap().unwrap();
        db.decide(id, it.version, &ykien::review::Decision::Accept, "", "lan").unwrap();
        db.forward_decided(&|_| "2026-12-31".into(), "lan").unwrap();
        db.record_answer(id, d, answer, "", "test", "lan").unwrap();
    }
    let page = ykien::review::notice::qa_page(&db, "Hỏi - đáp", &|c| c.to_string(), &|c| c.to_string()).unwrap();
    let file = dir.path().join("hoi-dap.html");
    std::fs::write(&file, page).unwrap();
    let (c, _driver) = browser(driver, &dir.path().join("downloads")).await;
    c.goto(&format!("file://{}", file.display())).await.unwrap();
    let visible = |c: fantoccini::Client| async move {
        let mut n = 0;
        for e in c.find_all(Locator::Css(".qa")).await.unwrap() {
            n += e.is_displayed().await.unwrap() as usize;
        }
        n
    };
    assert_eq!(visible(c.clone()).await, 3);
    let q = wait(&c, "#q").await;
    q.send_keys("vay von").await.unwrap();
    assert_eq!(visible(c.clone()).await, 1, "typed without diacritics, found with them");
    q.clear().await.unwrap();
    q.send_keys("nhà mạng").await.unwrap();
    assert_eq!(visible(c.clone()).await, 1, "answers are searched too");
    q.clear().await.unwrap();
    q.send_keys("khong co dau nao").await.unwrap();
    assert_eq!(visible(c.clone()).await, 0);
    screenshot(&c, "hoi-dap").await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn a_department_answers_a_group_of_like_questions_in_the_browser() {
    let Some(driver) = chromedriver() else { return };
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("y.csv"), SAMPLE).unwrap();
    ykien(&["analyze", "y.csv", "--data-dir", "data", "--out", "out", "--k", "3"], d.path(), None);
    ykien(&["forward", "--all-suggested", "--data-dir", "data"], d.path(), None);
    // The body with the most forwarded submissions in one cluster answers them.
    let db = ykien::review::Db::open(&d.path().join("data/review.db")).unwrap();
    let mut per: std::collections::BTreeMap<(String, i64), Vec<String>> = Default::default();
    for (f, _) in db.forwards().unwrap() {
        per.entry((f.department.clone(), f.item.cluster.unwrap_or(-1))).or_default().push(f.item.id.clone());
    }
    let ((body, _), members) = per.into_iter().max_by_key(|(_, v)| v.len()).unwrap();
    assert!(members.len() >= 2, "{members:?}");
    drop(db);
    let args = ["user", "add", "can-bo", "--role", "department", "--body", &body, "--data-dir", "data"];
    ykien(&args, d.path(), Some("mat-khau-cua-so\n"));
    test_certificate(d.path());
    let port = free_port();
    let _server = serve(d.path(), port);
    let (c, _driver) = browser(driver, &d.path().join("downloads")).await;
    let base = format!("https://127.0.0.1:{port}");
    log_in(&c, &base, "can-bo", "mat-khau-cua-so").await;
    // Signed in, the account is on its body's groups; it opens the largest.
    assert_eq!(c.current_url().await.unwrap().path(), "/answer");
    let mut best = (0, String::new());
    for row in c.find_all(Locator::Css("table.cards tbody tr")).await.unwrap() {
        let n: usize = row.find(Locator::Css("td.num")).await.unwrap().text().await.unwrap().trim().parse().unwrap();
        let href = row.find(Locator::Css("td a")).await.unwrap().attr("href").await.unwrap().unwrap();
        if n > best.0 {
            best = (n, href);
        }
    }
    assert_eq!(best.0, members.len());
    c.goto(&format!("{base}{}", best.1)).await.unwrap();
    let answer = "Sở đã tiếp thu; đề nghị các bạn liên hệ Phòng Lao động của xã để được hướng dẫn.";
    wait(&c, "textarea[name=answer]").await.send_keys(answer).await.unwrap();
    c.find(Locator::Css("input[name=officer]")).await.unwrap().send_keys("Lê Thu Hà").await.unwrap();
    c.find(Locator::Css("button[name=action][value=submit]")).await.unwrap().click().await.unwrap();
    let flash = wait(&c, "p.flash").await.text().await.unwrap();
    assert!(flash.contains(&format!("Đã gửi câu trả lời cho {} ý kiến", members.len())), "{flash}");
    screenshot(&c, "answer-group").await;
    let db = ykien::review::Db::open(&d.path().join("data/review.db")).unwrap();
    for id in &members {
        assert_eq!(db.answer(id, &body).unwrap(), Some((answer.to_string(), "Lê Thu Hà".to_string())), "{id}");
    }
    c.close().await.unwrap();
}
