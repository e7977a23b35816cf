//! `buycard-server`: the reference ACP backend for buycard. See `--help`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use buycard_acp::versions::Version;
use buycard_server::store::Database;
use buycard_server::{Config, ErrorStyle, serve};
use clap::{Parser, Subcommand};

/// buycard's reference checkout backend: serves ACP product feeds (and, optionally, the built page).
#[derive(Debug, Parser)]
#[command(name = "buycard-server", version)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on. Use port 0 to pick a free port (the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Catalog folder in ACP's offline feed format: metadata.json, products.jsonl, media/.
    #[arg(long, default_value = "server/catalog")]
    catalog: PathBuf,
    /// Where the data lives: a SQLite file (`sqlite:PATH` or just `PATH`, created with its folder
    /// if missing), `:memory:`, or a PostgreSQL URL (`postgres://user:pass@host:port/name`), which
    /// several instances can share.
    #[arg(
        long,
        default_value = ".data/buycard.sqlite",
        value_name = "sqlite:PATH|:memory:|postgres://…",
        env = "BUYCARD_DATABASE",
        hide_env_values = true
    )]
    database: Database,
    /// The secret shared by every instance on one database (at least 32 characters): the
    /// idempotency and vault keys are derived from it. Required with PostgreSQL. Without it, a
    /// SQLite database keeps its keys in files beside it.
    #[arg(
        long,
        value_name = "SECRET",
        env = "BUYCARD_SECRET",
        hide_env_values = true
    )]
    secret: Option<String>,
    /// Seconds an in-flight Idempotency-Key is held; a retry after that runs again (the
    /// instance that held it is presumed dead).
    #[arg(long, default_value_t = buycard_server::store::IDEM_LEASE_SECS, value_name = "SECONDS")]
    idempotency_lease: i64,
    /// The URL this server is reached at when it is not the listening address (instances
    /// behind a load balancer): order links and media URLs are made from it.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
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
    /// An ACP version the merchant answers in (repeatable; all of 2025-09-29, 2025-12-12,
    /// 2026-01-16, 2026-01-30 and 2026-04-17 by default). Others get 400 with
    /// `supported_versions`.
    #[arg(long = "acp-version", value_name = "VERSION", value_parser = parse_version)]
    acp_versions: Vec<Version>,
    /// Require ACP §3 `Signature`/`Timestamp` on server-to-server requests, made with this
    /// shared secret (HMAC-SHA256).
    #[arg(
        long,
        value_name = "SECRET",
        env = "BUYCARD_SIGNING_SECRET",
        hide_env_values = true
    )]
    signing_secret: Option<String>,
    /// How error bodies are shaped: ACP's flat error, or wrapped as `{"detail": …}` the way
    /// web frameworks send them (to test clients).
    #[arg(long, value_enum, default_value = "acp")]
    error_style: ErrorStyle,
    /// Be the platform gateway for the merchants of this registry (TOML; see the README).
    #[arg(long, value_name = "FILE")]
    merchants: Option<PathBuf>,
    /// Demo only: let the host's pages put the demo wallet back as the catalog's buyers.json
    /// has it (`POST /wallet/demo/reset`; the preview's "reset demo data"). Never in production.
    #[arg(long)]
    demo_reset: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The platform gateway's merchant registry.
    Merchants {
        #[command(subcommand)]
        action: MerchantsAction,
    },
}

#[derive(Debug, Subcommand)]
enum MerchantsAction {
    /// List the registry's merchants (secrets are never printed).
    List {
        #[arg(long, value_name = "FILE")]
        registry: PathBuf,
    },
    /// Resolve every secret and read every merchant's feed; exit non-zero on any problem.
    Check {
        #[arg(long, value_name = "FILE")]
        registry: PathBuf,
    },
}

fn parse_version(text: &str) -> Result<Version, String> {
    Version::parse(text).ok_or_else(|| {
        format!(
            "not an ACP version this server speaks ({})",
            Version::ALL.map(Version::as_str).join(", ")
        )
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(Command::Merchants { action }) = &args.command {
        return match buycard_server::gateway::admin(match action {
            MerchantsAction::List { registry } => (registry, false),
            MerchantsAction::Check { registry } => (registry, true),
        })
        .await
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("buycard-server: {e}");
                ExitCode::FAILURE
            }
        };
    }
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
        public_url: args.public_url,
        database: args.database,
        secret: args.secret,
        idempotency_lease_secs: args.idempotency_lease,
        allow_origins: args.allow_origin,
        api_key: args.api_key,
        session_ttl_secs: args.session_ttl,
        faults: args.faults,
        acp_versions: if args.acp_versions.is_empty() {
            Version::ALL.to_vec()
        } else {
            args.acp_versions
        },
        signing_secret: args.signing_secret,
        error_style: args.error_style,
        merchants: args.merchants,
        demo_reset: args.demo_reset,
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
