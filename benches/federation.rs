//! Federation benchmarks over real HTTP on loopback (not timed tests: they print figures).
//!
//!     cargo bench --bench federation                        # SQLite
//!     HEARTH_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432 \
//!         cargo bench --bench federation                    # and PostgreSQL
//!     cargo bench --bench federation -- inbox|inbox-one-thread|fanout|peer   # some of them
//!
//! - **inbox**: signed `Create(Note)` replies from 200 remote actors whose keys are cached,
//!   sent by 32 connections at once, signed ahead of time so the client costs little CPU:
//!   accepted activities per second, p50 and p99 latency.
//! - **inbox-one-thread**: the same, every reply to one thread (the worst case: every
//!   transaction updates that thread's counters, so on PostgreSQL they queue on its row lock).
//! - **fanout**: a new thread in a space with 1,000 followers, each with its own inbox, on 50
//!   loopback servers that answer after 150 ms: time until every delivery has arrived (two
//!   Announces per follower, so 2,000 requests).
//! - **peer**: the same thread to 1,000 inboxes on one server 150 ms away: the sustained rate
//!   to a single peer.
//!
//! Knobs: `BENCH_CONNECTIONS` (inbox clients, default 32), `BENCH_POOL` (database pool, default
//! 8), `BENCH_NO_WORKER=1` (inbox without the delivery worker running).
//!
//! The server, the peers and the client share the machine's cores. Figures and the machine are
//! in docs/performance.md.

#[allow(dead_code)]
#[path = "../tests/it/peer.rs"]
mod peer;

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::RunQueryDsl;
use hearth::config::Config;
use hearth::domain::{PostingMode, Role, TokenKind};
use hearth::service::{Viewer, accounts, spaces, threads};
use peer::Peer;
use serde_json::json;
use tokio_util::sync::CancellationToken;

struct Instance {
    base: String,
    state: hearth::app::AppState,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl Instance {
    async fn start(pg_base: Option<&str>) -> Instance {
        let dir = tempfile::tempdir().expect("temp dir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut env = vec![
            ("HEARTH_DATA_DIR".into(), dir.path().display().to_string()),
            ("HEARTH_LOG".into(), "error".into()),
            ("HEARTH_DOMAIN".into(), format!("localhost:{port}")),
            ("HEARTH_BIND".into(), format!("127.0.0.1:{port}")),
            ("HEARTH_FEDERATION_INSECURE".into(), "true".into()),
            // The benchmark's one peer sends thousands of activities a second on purpose.
            ("HEARTH_INBOX_PER_MINUTE".into(), "10000000".into()),
            (
                "HEARTH_DB_POOL_SIZE".into(),
                std::env::var("BENCH_POOL").unwrap_or_else(|_| "8".into()),
            ),
        ];
        let mut pg = None;
        if let Some(base) = pg_base {
            let name = format!("hearth_bench_{}", std::process::id());
            let mut c = diesel::PgConnection::establish(&format!("{base}/postgres"))
                .expect("connect to PostgreSQL");
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut c)
                .unwrap();
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .unwrap();
            env.push(("HEARTH_DATABASE_URL".into(), format!("{base}/{name}")));
            pg = Some((base.to_string(), name));
        }
        let (config, _) = Config::load(None, env).expect("config");
        let state = hearth::app::build(config).await.expect("state");
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(hearth::app::serve_with(
            state.clone(),
            listener,
            shutdown.clone(),
            hearth::app::ServeOptions {
                delivery_worker: std::env::var("BENCH_NO_WORKER").is_err(),
            },
        ));
        Instance {
            base: format!("http://localhost:{port}"),
            state,
            shutdown,
            task,
            _dir: dir,
            pg,
        }
    }

    async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
        drop(self.state);
        if let Some((base, name)) = self.pg {
            let mut c = diesel::PgConnection::establish(&format!("{base}/postgres")).unwrap();
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut c);
        }
    }

    fn hearth(&self) -> &hearth::service::Hearth {
        &self.state.hearth
    }

    /// Jane (staff), the space `support`, and a thread in it; returns the thread's id URL.
    async fn seed(&self) -> (Viewer, String) {
        let h = self.hearth();
        accounts::create(
            h,
            None,
            accounts::NewAccount {
                name: "jane".into(),
                password: "benchmark password".into(),
                role: Role::Staff,
                display_name: "Jane".into(),
                title: "Support Lead".into(),
            },
        )
        .await
        .unwrap();
        spaces::create(
            h,
            None,
            spaces::NewSpace {
                name: "support".into(),
                title: "Support".into(),
                posting_mode: Some(PostingMode::Open),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let person =
            h.db.run(|c| Ok(hearth::db::persons::find_by_name(c, "jane")?.unwrap()))
                .await
                .unwrap();
        let jane = Viewer {
            person,
            token_id: 0,
            token_kind: TokenKind::Session,
        };
        let t = threads::ask(h, &jane, "support", "Benchmark thread", "Replies go here.")
            .await
            .unwrap();
        (jane, format!("{}/s/support/t/{}", self.base, t.id))
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// `threads`: how many threads the replies are spread over (1 = every reply to one thread, whose
/// counters every transaction then updates).
async fn inbox(label: &str, pg: Option<&str>, threads_n: usize) {
    const ACTORS: usize = 200;
    const ACTIVITIES: usize = 6000;
    let connections: usize = std::env::var("BENCH_CONNECTIONS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(32);
    let i = Instance::start(pg).await;
    let (jane, first) = i.seed().await;
    let mut targets = vec![first];
    for n in 1..threads_n {
        let t = threads::ask(
            i.hearth(),
            &jane,
            "support",
            &format!("Thread {n}"),
            "More.",
        )
        .await
        .unwrap();
        targets.push(format!("{}/s/support/t/{}", i.base, t.id));
    }
    let peer = Peer::start().await;
    let inbox = format!("{}/inbox", i.base);
    let group = format!("{}/s/support", i.base);
    let note = |actor: usize, n: usize| {
        let id = format!("{}/statuses/{actor}-{n}", peer.base);
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{id}/activity"), "type": "Create", "actor": peer.actor(&format!("a{actor}")),
            "object": {
                "id": id, "type": "Note", "attributedTo": peer.actor(&format!("a{actor}")),
                "content": format!("<p>Reply {n} from actor {actor}: the router still reboots.</p>"),
                "inReplyTo": targets[n % targets.len()], "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "cc": [group],
            },
        })
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .unwrap();
    // Warm-up: each actor is fetched once and cached.
    for a in 0..ACTORS {
        let req = peer.sign(&inbox, &note(a, 0)).await;
        let status = client.execute(req).await.unwrap().status();
        assert_eq!(status, 202, "warm-up");
    }
    let mut signed = Vec::with_capacity(ACTIVITIES);
    for n in 0..ACTIVITIES {
        signed.push(peer.sign(&inbox, &note(n % ACTORS, n + 1)).await);
    }
    let queue = Arc::new(std::sync::Mutex::new(signed));
    eprintln!("inbox [{label}]: signed; sending");
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let (queue, client) = (queue.clone(), client.clone());
        workers.spawn(async move {
            let mut lat = Vec::new();
            let mut refused = 0;
            loop {
                let Some(req) = queue.lock().unwrap().pop() else {
                    break;
                };
                let t = Instant::now();
                let resp = client.execute(req).await.unwrap();
                lat.push(t.elapsed());
                if resp.status() != 202 {
                    if refused == 0 {
                        eprintln!(
                            "refused: {} {}",
                            resp.status(),
                            resp.text().await.unwrap_or_default()
                        );
                    }
                    refused += 1;
                }
            }
            (lat, refused)
        });
    }
    let mut lat = Vec::new();
    let mut refused = 0;
    while let Some(r) = workers.join_next().await {
        let (l, f) = r.unwrap();
        lat.extend(l);
        refused += f;
    }
    let elapsed = started.elapsed();
    lat.sort();
    let stored = i
        .hearth()
        .db
        .run(|c| {
            use diesel::prelude::*;
            use hearth::db::schema::posts;
            Ok(posts::table.count().get_result::<i64>(c)?)
        })
        .await
        .unwrap();
    println!(
        "inbox [{label}]: {ACTIVITIES} signed Create(Note) from {ACTORS} actors to {threads_n} thread(s), {connections} connections: \
         {:.0} accepted/s, p50 {:.1} ms, p99 {:.1} ms, refused {refused}, posts stored {stored}",
        ACTIVITIES as f64 / elapsed.as_secs_f64(),
        percentile(&lat, 0.50).as_secs_f64() * 1000.0,
        percentile(&lat, 0.99).as_secs_f64() * 1000.0,
    );
    assert_eq!(refused, 0);
    drop(peer);
    i.stop().await;
}

/// A thread to `followers` inboxes spread over `servers` loopback servers that answer after
/// 150 ms; prints how long until all deliveries arrived.
async fn fanout(label: &str, pg: Option<&str>, servers: usize, followers: usize) {
    let i = Instance::start(pg).await;
    let (jane, _) = i.seed().await;
    let mut peers = Vec::new();
    for _ in 0..servers {
        let p = Peer::start().await;
        p.set_latency(150);
        p.count_only();
        peers.push(p);
    }
    // The followers, stored as if their Follows had arrived.
    let rows: Vec<(String, String, String)> = (0..followers)
        .map(|n| {
            let p = &peers[n % servers];
            let actor = p.actor(&format!("f{n}"));
            (actor.clone(), format!("{actor}/inbox"), p.domain.clone())
        })
        .collect();
    i.hearth()
        .db
        .transaction(move |c| {
            let space = hearth::db::spaces::find_by_name(c, "support")?.unwrap();
            for (n, (actor, inbox, domain)) in rows.iter().enumerate() {
                let row = hearth::db::federation::upsert_actor(
                    c,
                    &hearth::db::federation::RemoteActorForm {
                        ap_id: actor.clone(),
                        kind: "Person".into(),
                        username: format!("f{n}"),
                        domain: domain.clone(),
                        display_name: format!("Follower {n}"),
                        summary_html: String::new(),
                        avatar_url: None,
                        inbox: inbox.clone(),
                        shared_inbox: None,
                        public_key_pem: String::new(),
                        last_refreshed_at: hearth::db::now(),
                        posting_restricted: false,
                        staff_of: None,
                        staff_title: String::new(),
                    },
                )?;
                hearth::db::federation::add_follow(c, space.id, row.id, &format!("{actor}#f"))?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let expected = followers * 2;
    let started = Instant::now();
    threads::ask(
        i.hearth(),
        &jane,
        "support",
        "Maintenance on Friday",
        "The service will be down from 2 to 3.",
    )
    .await
    .unwrap();
    let deadline = started + Duration::from_secs(120);
    loop {
        let arrived: usize = peers.iter().map(Peer::attempts).sum();
        if arrived >= expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {arrived} of {expected} arrived"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    println!(
        "fan-out [{label}]: 1 thread to {followers} inboxes on {servers} server(s) 150 ms away \
         ({expected} deliveries): all arrived in {:.2} s, {:.0} deliveries/s",
        elapsed.as_secs_f64(),
        expected as f64 / elapsed.as_secs_f64()
    );
    for p in peers {
        drop(p);
    }
    i.stop().await;
}

fn main() {
    let which: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wants = |name: &str| which.is_empty() || which.iter().any(|w| w == name);
    let pg = std::env::var("HEARTH_BENCH_DATABASE_URL").ok();
    // Server-side errors, if any, are shown (set RUST_LOG=info for more).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .try_init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut backends = vec![("SQLite", None)];
        if let Some(url) = pg.as_deref() {
            backends.push(("PostgreSQL", Some(url.trim_end_matches('/'))));
        }
        for (label, url) in backends {
            if wants("inbox") {
                inbox(label, url, 20).await;
            }
            if wants("inbox-one-thread") {
                inbox(label, url, 1).await;
            }
            if wants("fanout") {
                fanout(label, url, 50, 1000).await;
            }
            if wants("peer") {
                fanout(label, url, 1, 1000).await;
            }
        }
    });
}
