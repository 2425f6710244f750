//! End to end in a real headless Chromium (WebDriver): log in, reassign a submission,
//! export a department's XLSX, restart the server, and see the decision kept.
//! Needs Debian's chromium and chromium-driver, which .ci/run installs.

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

fn serve(dir: &Path, port: u16) -> Killed {
    let c = Command::new(env!("CARGO_BIN_EXE_ykien"))
        .env("LC_ALL", "vi_VN.UTF-8")
        .args(["serve", "--data-dir", "data", "--addr", &format!("127.0.0.1:{port}")])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_port(port);
    Killed(c)
}

#[tokio::test]
async fn a_reviewer_reassigns_exports_and_the_decision_survives_a_restart() {
    let driver =
        ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].into_iter().find(|p| Path::new(p).exists());
    let Some(driver) = driver else {
        eprintln!("skipping the browser test: chromedriver is not installed (.ci/run installs Debian's chromium and chromium-driver)");
        return;
    };
    // Two TLS backends are linked (ring for the desk, the WebDriver client's own): say which.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("y.csv"), SAMPLE).unwrap();
    ykien(&["analyze", "y.csv", "--data-dir", "data", "--out", "out", "--k", "3"], d.path(), None);
    ykien(&["user", "add", "lan", "--role", "reviewer", "--data-dir", "data"], d.path(), Some("mat-khau-dai\n"));
    let port = free_port();
    let server = serve(d.path(), port);
    let dport = free_port();
    let _driver = Killed(
        Command::new(driver)
            .arg(format!("--port={dport}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_port(dport);

    let downloads = d.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900"],
            "prefs": {"download.default_directory": downloads.to_str().unwrap(), "download.prompt_for_download": false}
        }),
    );
    let c = ClientBuilder::rustls()
        .unwrap()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{dport}"))
        .await
        .expect("chromedriver session");
    let base = format!("http://127.0.0.1:{port}");

    // Log in.
    c.goto(&format!("{base}/")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/login"));
    c.find(Locator::Css("input[name=name]")).await.unwrap().send_keys("lan").await.unwrap();
    c.find(Locator::Css("input[name=password]")).await.unwrap().send_keys("mat-khau-dai").await.unwrap();
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    // A click that navigates returns before the next page is there: wait for what only it has.
    let wait = |css: &'static str| {
        let c = c.clone();
        async move {
            c.wait()
                .at_most(Duration::from_secs(20))
                .for_element(Locator::Css(css))
                .await
                .unwrap_or_else(|e| panic!("waiting for {css}: {e}"))
        }
    };
    wait("header .me").await;
    let h1 = c.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(h1, "Hàng chờ duyệt");

    // Open the least confident submission and reassign it to Home Affairs.
    let link = c.find(Locator::Css("tbody tr td a")).await.unwrap();
    let id = link.text().await.unwrap();
    link.click().await.unwrap();
    assert!(wait("blockquote").await.text().await.unwrap().len() > 10);
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
    let decided = wait("p.ok").await.text().await.unwrap();
    assert!(decided.contains("Nội vụ"), "{decided} ({id})");

    // Export Home Affairs' list as XLSX from the progress page.
    c.goto(&format!("{base}/progress")).await.unwrap();
    wait("a[href='/export/so-noivu?format=xlsx']").await.click().await.unwrap();
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
    assert!(range.rows().any(|r| r[0].to_string() == id), "the export lists {id}");

    // Restart the server: the decision is still there.
    drop(server);
    let _server = serve(d.path(), port);
    c.goto(&format!("{base}/s/{id}")).await.unwrap();
    wait("blockquote").await;
    let page = c.source().await.unwrap();
    assert!(page.contains("Đã quyết định: Sở Nội vụ"), "{page}");
    c.close().await.unwrap();
}
