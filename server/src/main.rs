//! `buycard-server`: the reference ACP backend for buycard. See `--help`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use buycard_server::{Config, serve};
use clap::Parser;

/// buycard's reference checkout backend: serves ACP product feeds (and, optionally, the built page).
#[derive(Debug, Parser)]
#[command(name = "buycard-server", version)]
struct Args {
    /// Address to listen on. Use port 0 to pick a free port (the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Catalog folder in ACP's offline feed format: metadata.json, products.jsonl, media/.
    #[arg(long, default_value = "server/catalog")]
    catalog: PathBuf,
    /// SQLite database file (created with its folder if missing), or `:memory:`.
    #[arg(
        long,
        default_value = ".data/buycard.sqlite",
        value_name = "PATH|:memory:"
    )]
    database: PathBuf,
    /// Serve this folder (a built page, such as Trunk's dist/) at `/`.
    #[arg(long = "static", value_name = "DIR")]
    static_dir: Option<PathBuf>,
    /// Allow browser calls to the checkout API from this origin, e.g. https://timeline.example
    /// (repeatable).
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origin: Vec<String>,
    /// Require `Authorization: Bearer KEY` from callers that are not an allowed browser origin.
    #[arg(long, value_name = "KEY", env = "BUYCARD_API_KEY")]
    api_key: Option<String>,
    /// Seconds a checkout session stays open before it expires.
    #[arg(long, default_value_t = 24 * 3600, value_name = "SECONDS")]
    session_ttl: i64,
    /// Inject a fault once, for tests of clients' recovery (repeatable).
    #[arg(long = "fault", value_enum, value_name = "FAULT")]
    faults: Vec<buycard_server::Fault>,
    /// Log as JSON lines instead of human-readable text.
    #[arg(long)]
    log_json: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    // Logs go to stderr: stdout carries only the address line that tools read.
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if args.log_json {
        subscriber.json().init();
    } else {
        subscriber.init();
    }
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("buycard-server: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    if let Ok(addr) = listener.local_addr() {
        // Machine-readable: `cargo xtask` and the tests read this line to find the port.
        println!("buycard-server listening on http://{addr}");
    }
    let config = Config {
        catalog_dir: args.catalog,
        static_dir: args.static_dir,
        database: args.database,
        allow_origins: args.allow_origin,
        api_key: args.api_key,
        session_ttl_secs: args.session_ttl,
        faults: args.faults,
    };
    let shutdown = async {
        _ = tokio::signal::ctrl_c().await;
    };
    match serve(listener, config, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("buycard-server: {e}");
            ExitCode::FAILURE
        }
    }
}
