//! `ykien serve`: the review desk.

use anyhow::Result;

use crate::cli::args::{load_models, ProfileArg};
use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
    /// Mark cookies Secure (when served behind HTTPS).
    #[arg(long)]
    secure_cookies: bool,
    #[command(flatten)]
    profile: ProfileArg,
}

/// Runs `ykien serve` until Ctrl-C.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let data = cx.data();
    let db = ykien::review::Db::open(&data.review_db())?;
    let profile = db.meta("profile")?.unwrap_or(a.profile.profile);
    let models = load_models(cx, &profile)?;
    if !a.addr.ip().is_loopback() {
        eprintln!("ykien: {}", ykien::t!("cli.serve-exposed", addr = a.addr));
    }
    let state = ykien::review::web::AppState::new(data.clone(), &models, a.secure_cookies)?;
    outln!(
        "{}",
        ykien::t!("cli.serving", url = format!("http://{}/", a.addr), data = data.root().display(), profile = profile)
    );
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(cx.threads().clamp(1, 4)).enable_all().build()?;
    rt.block_on(ykien::review::web::serve(state, a.addr))?;
    Ok(())
}
