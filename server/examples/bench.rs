//! `cargo xtask bench server`: create / token / complete throughput and latency of the reference
//! server on loopback. Prints numbers; asserts nothing.
//!
//! Usage: `bench [--database postgres://…] [--instances N]`. It measures, one after the other and
//! printed side by side: SQLite (a file, `synchronous = FULL`) with one instance, then, when a
//! PostgreSQL URL is given, PostgreSQL with one instance and with N (default 2). Each instance is
//! a server with its own Tokio runtime on its own thread, as a process would have; buyers are
//! spread over the instances in turn, as a round-robin load balancer would. N buyers
//! (BUYCARD_BENCH_N, default 1000), CONCURRENCY at a time (BUYCARD_BENCH_CONCURRENCY, default 16),
//! each create a session for an e-book (digital, not stock-limited), get a PSP token and complete.

use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

const API_VERSION: &str = buycard_acp::API_VERSION;

async fn post(addr: &str, path: &str, key: &str, body: &Value) -> (u16, Value) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let request = hyper::Request::post(path)
        .header("host", addr)
        .header("content-type", "application/json")
        .header("api-version", API_VERSION)
        .header("idempotency-key", key)
        .body(Full::new(Bytes::from(
            serde_json::to_vec(body).expect("json"),
        )))
        .expect("request");
    let response = sender.send_request(request).await.expect("response");
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Latencies and wall time of one phase.
struct Phase {
    samples: Vec<Duration>,
    wall: Duration,
}

impl Phase {
    fn throughput(&self) -> f64 {
        self.samples.len() as f64 / self.wall.as_secs_f64()
    }
    fn p(&self, p: f64) -> f64 {
        let mut sorted = self.samples.clone();
        sorted.sort();
        percentile(&sorted, p).as_secs_f64() * 1000.0
    }
}

struct Run {
    label: String,
    create: Phase,
    token: Phase,
    complete: Phase,
}

/// Starts one server instance on its own thread and runtime; returns its address.
fn instance(config: buycard_server::Config) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr").to_string();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            if let Err(e) = buycard_server::serve(listener, config, std::future::pending()).await {
                eprintln!("bench: the server stopped: {e}");
            }
        });
    });
    addr
}

/// Waits (bounded) until `addr` serves the feed.
async fn ready(addr: &str) {
    for _ in 0..200 {
        if let Ok(stream) = tokio::net::TcpStream::connect(addr).await {
            drop(stream);
            let (status, _) = get(addr, "/feeds/demo").await;
            if status == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{addr} never became ready");
}

async fn get(addr: &str, path: &str) -> (u16, Value) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let request = hyper::Request::get(path)
        .header("host", addr)
        .body(Full::new(Bytes::new()))
        .expect("request");
    let response = sender.send_request(request).await.expect("response");
    let status = response.status().as_u16();
    (status, Value::Null)
}

/// Runs `work(i)` for every buyer, `concurrency` at a time; returns each one's latency.
async fn phase<F, Fut, T>(buyers: usize, concurrency: usize, work: F) -> (Phase, Vec<T>)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let started = Instant::now();
    let mut samples = Vec::with_capacity(buyers);
    let mut out = Vec::with_capacity(buyers);
    let indices: Vec<usize> = (0..buyers).collect();
    for chunk in indices.chunks(concurrency) {
        let tasks: Vec<_> = chunk
            .iter()
            .map(|&i| {
                let job = work(i);
                tokio::spawn(async move {
                    let t = Instant::now();
                    let value = job.await;
                    (t.elapsed(), value)
                })
            })
            .collect();
        for task in tasks {
            let (elapsed, value) = task.await.expect("task");
            samples.push(elapsed);
            out.push(value);
        }
    }
    (
        Phase {
            samples,
            wall: started.elapsed(),
        },
        out,
    )
}

async fn measure(label: String, addrs: Vec<String>, buyers: usize, concurrency: usize) -> Run {
    for addr in &addrs {
        ready(addr).await;
    }
    let run = uuid::Uuid::new_v4().simple().to_string();
    let at = |i: usize| addrs[i % addrs.len()].clone();
    let (create, sessions) = phase(buyers, concurrency, |i| {
        let (addr, run) = (at(i), run.clone());
        async move {
            let body = json!({"currency": "eur", "line_items": [{"id": "long-thread-ebook"}], "capabilities": {},
                              "buyer": {"email": format!("buyer{i}@example.com")}});
            let (status, session) = post(&addr, "/checkout_sessions", &format!("create-{run}-{i}"), &body).await;
            assert_eq!(status, 201, "{session}");
            session
        }
    })
    .await;
    let (token, tokens) = phase(buyers, 1, |i| {
        let (addr, run, session) = (at(i + 1), run.clone(), sessions[i].clone());
        async move {
            let total = session["totals"]
                .as_array()
                .and_then(|t| t.iter().find(|t| t["type"] == "total"))
                .map(|t| t["amount"].clone())
                .unwrap_or(json!(0));
            let body = json!({
                "payment_method": {"type": "card", "card_number_type": "fpan", "number": "4242424242424242",
                                   "exp_month": "12", "exp_year": "2031", "display_card_funding_type": "credit", "metadata": {}},
                "allowance": {"reason": "one_time", "max_amount": total, "currency": "eur", "checkout_session_id": session["id"],
                              "merchant_id": "buycard-demo", "expires_at": "2099-01-01T00:00:00Z"},
                "risk_signals": [], "metadata": {}
            });
            let (status, token) = post(&addr, "/agentic_commerce/delegate_payment", &format!("token-{run}-{i}"), &body).await;
            assert_eq!(status, 201, "{token}");
            token["id"].as_str().unwrap_or_default().to_owned()
        }
    })
    .await;
    let (complete, _) = phase(buyers, concurrency, |i| {
        let addr = at(i);
        let run = run.clone();
        let id = sessions[i]["id"].as_str().unwrap_or_default().to_owned();
        let token = tokens[i].clone();
        async move {
            let body = json!({"payment_data": {"handler_id": "card_tokenized",
                "instrument": {"type": "card", "credential": {"type": "spt", "token": token}}}});
            let (status, done) = post(
                &addr,
                &format!("/checkout_sessions/{id}/complete"),
                &format!("complete-{run}-{i}"),
                &body,
            )
            .await;
            assert!(
                status == 200 && done["status"] == "completed",
                "{status} {done}"
            );
        }
    })
    .await;
    Run {
        label,
        create,
        token,
        complete,
    }
}

fn config(database: buycard_server::store::Database) -> buycard_server::Config {
    let mut config = buycard_server::Config::for_tests(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("catalog"),
    );
    config.database = database;
    config.secret = Some("buycard-bench-shared-secret-0123456789".to_owned());
    config
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let buyers: usize = std::env::var("BUYCARD_BENCH_N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let concurrency: usize = std::env::var("BUYCARD_BENCH_CONCURRENCY")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(16);
    let mut postgres = None;
    let mut instances = 2usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--database" => postgres = args.next(),
            "--instances" => {
                instances = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n >= 1)
                    .expect("--instances takes a number of at least 1")
            }
            other => panic!(
                "unknown argument {other}; usage: bench [--database postgres://…] [--instances N]"
            ),
        }
    }
    use buycard_server::store::Database;
    let postgres = postgres.map(|url| Database::parse(&url).expect("--database"));
    if let Some(Database::Sqlite(_)) = &postgres {
        panic!("--database takes a PostgreSQL URL; SQLite is always measured");
    }
    let dir = std::env::temp_dir().join(format!("buycard-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sqlite = Database::Sqlite(dir.join("bench.sqlite"));
    println!(
        "buycard-server bench: {buyers} buyers, {concurrency} at a time, on {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let mut runs = Vec::new();
    let addr = instance(config(sqlite.clone()));
    runs.push(
        measure(
            "sqlite file, 1 instance".to_owned(),
            vec![addr],
            buyers,
            concurrency,
        )
        .await,
    );
    if let Some(pg) = &postgres {
        let mut counts = vec![1];
        if instances > 1 {
            counts.push(instances);
        }
        for n in counts {
            let addrs = (0..n).map(|_| instance(config(pg.clone()))).collect();
            let label = format!("postgres, {n} instance{}", if n == 1 { "" } else { "s" });
            runs.push(measure(label, addrs, buyers, concurrency).await);
        }
    } else {
        println!("(no --database postgres://…: PostgreSQL not measured)");
    }

    println!();
    println!(
        "  {:<34} {:>21}   {:>21}   {:>21}",
        "", "create", "token (one at a time)", "complete"
    );
    println!(
        "  {:<34} {:>7} {:>6} {:>6}   {:>7} {:>6} {:>6}   {:>7} {:>6} {:>6}",
        "database", "req/s", "p50", "p99", "req/s", "p50", "p99", "req/s", "p50", "p99"
    );
    for run in &runs {
        let cols = |p: &Phase| {
            format!(
                "{:>7.0} {:>6.2} {:>6.2}",
                p.throughput(),
                p.p(0.5),
                p.p(0.99)
            )
        };
        println!(
            "  {:<34} {}   {}   {}",
            run.label,
            cols(&run.create),
            cols(&run.token),
            cols(&run.complete)
        );
    }
    println!("  (latencies in ms)");
    if let (Some(base), Some(last)) = (runs.first(), runs.last())
        && runs.len() > 1
    {
        println!(
            "\n  {}: complete throughput {:.2} x SQLite's single instance, complete p99 {:.1} ms at {concurrency} concurrent buyers",
            last.label,
            last.complete.throughput() / base.complete.throughput(),
            last.complete.p(0.99)
        );
    }
    _ = std::fs::remove_dir_all(&dir);
}
