//! The `hearth` binary: parse the command line, load the configuration, run the command.

use std::io::Write;

use clap::Parser;
use hearth::cli::{self, Cli};

fn main() {
    let cli = Cli::parse();
    let mut stderr = std::io::stderr();
    let config = match cli::load_config(&cli, std::env::vars().collect(), &mut stderr) {
        Ok(c) => c,
        Err(f) => exit(f),
    };
    init_logging(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => exit(cli::Failure {
            message: format!("error: cannot start the async runtime: {e}"),
            code: 1,
        }),
    };
    let stdin = std::io::stdin();
    let mut stdin = stdin.lock();
    let mut stdout = std::io::stdout();
    let result = runtime.block_on(cli::run(cli, config, &mut stdin, &mut stdout));
    let _ = stdout.flush();
    if let Err(f) = result {
        exit(f);
    }
}

fn exit(f: cli::Failure) -> ! {
    eprintln!("{}", f.message);
    std::process::exit(f.code)
}

/// Logs go to stderr. `RUST_LOG`, when set, takes precedence over the `log` setting.
fn init_logging(filter: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
