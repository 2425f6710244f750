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
    /// Mark cookies Secure (when a proxy in front serves HTTPS; on by itself with --tls-cert).
    #[arg(long)]
    secure_cookies: bool,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key. README says how to
    /// make one for a local network.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    #[command(flatten)]
    profile: ProfileArg,
}

/// Runs `ykien serve` until Ctrl-C.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let data = cx.data();
    let db = ykien::review::Db::open(&data.review_db())?;
    let profile = match db.meta("profile")? {
        Some(p) => p,
        None => a.profile.resolve_today(&cx.models_dir)?,
    };
    let models = load_models(cx, &profile)?;
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => Some(ykien::review::web::tls_config(cert, key)?),
        _ => None,
    };
    if !a.addr.ip().is_loopback() && tls.is_none() && !a.secure_cookies {
        eprintln!("ykien: {}", ykien::t!("cli.serve-exposed", addr = a.addr));
    }
    let state = ykien::review::web::AppState::new(data.clone(), &models, a.secure_cookies, tls.is_some())?;
    outln!(
        "{}",
        ykien::t!(
            "cli.serving",
            url = format!("{}://{}/", if tls.is_some() { "https" } else { "http" }, a.addr),
            data = data.root().display(),
            profile = profile
        )
    );
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(cx.threads().clamp(1, 4)).enable_all().build()?;
    rt.block_on(ykien::review::web::serve(state, a.addr, tls))?;
    Ok(())
}
