//! The `ykien` command line: parses the arguments and runs the command, each defined in
//! its own file under `cli/commands/` over the library.

mod cli;

use clap::Parser;

/// mimalloc: the pipeline allocates many small strings and vectors from several threads,
/// where it is faster and fragments less than the system allocator (benches/RESULTS.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    ykien::platform::init();
    ykien::i18n::set_lang(ykien::i18n::Lang::from_env());
    if let Err(e) = cli::Cli::parse().run() {
        // `ykien eval | head`: the reader went away; that is not an error.
        let broken_pipe = |c: &(dyn std::error::Error + 'static)| {
            c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        };
        if e.chain().any(broken_pipe) {
            std::process::exit(0);
        }
        eprintln!("ykien: {}: {}", ykien::t!("cli.error"), cli::error_text(&e));
        std::process::exit(1);
    }
}
