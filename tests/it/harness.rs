//! Test instances: each test starts real Hearth servers in-process on `127.0.0.1:0`, each with
//! its own fresh database (a temporary SQLite file, or a new PostgreSQL database created on the
//! server named by `HEARTH_TEST_DATABASE_URL` and dropped afterwards), so tests run in parallel.

use std::path::PathBuf;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use hearth::app::AppState;
use hearth::config::Config;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server to test against, if any. Without one, PostgreSQL tests are skipped
/// with a loud message on a developer machine, and fail when `CI=true`.
pub fn postgres_base_url() -> Option<String> {
    match std::env::var("HEARTH_TEST_DATABASE_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "CI=true but HEARTH_TEST_DATABASE_URL is not set: PostgreSQL tests must run in CI"
                );
            }
            eprintln!(
                "SKIPPED: PostgreSQL test (set HEARTH_TEST_DATABASE_URL=postgres://… to run it)"
            );
            None
        }
    }
}

/// Runs `$body` (an async fn taking a `Backend`) once per backend, as separate tests, so both
/// backends run in parallel and a failure names its backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::harness::Backend::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if $crate::harness::postgres_base_url().is_some() {
                        super::$name($crate::harness::Backend::Postgres).await;
                    }
                }
            }
        )+
    };
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("hearth.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                    pg_drop: None,
                }
            }
            Backend::Postgres => {
                let base = postgres_base_url().expect("PostgreSQL URL checked by the caller");
                let name = format!("hearth_t_{:016x}", rand::random::<u64>());
                let mut admin = diesel::PgConnection::establish(&base)
                    .unwrap_or_else(|e| panic!("cannot connect to HEARTH_TEST_DATABASE_URL: {e}"));
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let mut url = url::Url::parse(&base).expect("HEARTH_TEST_DATABASE_URL is a URL");
                url.set_path(&format!("/{name}"));
                TestDb {
                    url: url.to_string(),
                    _dir: None,
                    pg_drop: Some((base, name)),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, name)) = self.pg_drop.take()
            && let Ok(mut c) = diesel::PgConnection::establish(&base)
        {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// A running instance. Dropping it stops the server.
pub struct TestInstance {
    pub base: String,
    pub state: AppState,
    shutdown: CancellationToken,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    pub db: TestDb,
    pub data_dir: PathBuf,
}

/// Settings for [`TestInstance::start_with`], as `HEARTH_*` pairs (e.g. `("LOGIN_ATTEMPTS_PER_MINUTE", "3")`).
pub type Settings<'a> = &'a [(&'a str, &'a str)];

impl TestInstance {
    pub async fn start(backend: Backend) -> TestInstance {
        Self::start_with(backend, &[]).await
    }

    pub async fn start_with(backend: Backend, settings: Settings<'_>) -> TestInstance {
        let db = TestDb::new(backend);
        Self::start_on(db, settings).await
    }

    /// Starts an instance on an existing database (e.g. one prepared by the command line).
    pub async fn start_on(db: TestDb, settings: Settings<'_>) -> TestInstance {
        Self::start_full(db, settings, false).await
    }

    /// Like [`TestInstance::start_with`], with the background delivery worker running (the other
    /// constructors leave it off so tests can step deliveries with `deliver_due`).
    pub async fn start_with_worker(backend: Backend, settings: Settings<'_>) -> TestInstance {
        Self::start_full(TestDb::new(backend), settings, true).await
    }

    async fn start_full(db: TestDb, settings: Settings<'_>, worker: bool) -> TestInstance {
        init_logs();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local addr");
        let data_dir = tempfile::tempdir().expect("temp dir").keep();
        let mut env = vec![
            ("HEARTH_BIND".to_string(), addr.to_string()),
            (
                "HEARTH_DOMAIN".to_string(),
                format!("localhost:{}", addr.port()),
            ),
            (
                "HEARTH_DATA_DIR".to_string(),
                data_dir.display().to_string(),
            ),
            ("HEARTH_DATABASE_URL".to_string(), db.url.clone()),
            ("HEARTH_DB_POOL_SIZE".to_string(), "4".to_string()),
        ];
        // A test's own setting replaces the default above (e.g. a real-looking domain).
        for (k, v) in settings {
            let var = format!("HEARTH_{k}");
            env.retain(|(name, _)| *name != var);
            env.push((var, v.to_string()));
        }
        let (config, _) = Config::load(None, env).expect("test configuration is valid");
        let state = hearth::app::build(config).await.expect("instance starts");
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(hearth::app::serve_with(
            state.clone(),
            listener,
            shutdown.clone(),
            hearth::app::ServeOptions {
                delivery_worker: worker,
            },
        ));
        TestInstance {
            base: format!("http://{addr}"),
            state,
            shutdown,
            task: Some(task),
            db,
            data_dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Stops the server and waits until it has finished (used to check a clean shutdown).
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(t) = self.task.take() {
            t.await
                .expect("server task")
                .expect("server stopped cleanly");
        }
    }

    /// Creates an account directly through the service layer, bypassing registration mode.
    pub async fn create_user(&self, name: &str, role: hearth::domain::Role) -> String {
        let password = password_of(name);
        hearth::service::accounts::create(
            &self.state.hearth,
            None,
            hearth::service::accounts::NewAccount {
                name: name.to_string(),
                password: password.clone(),
                role,
                display_name: String::new(),
                title: String::new(),
            },
        )
        .await
        .expect("create user");
        password
    }

    /// Signs in with the login form, as a browser would (`c` keeps the cookies).
    pub async fn sign_in(&self, c: &reqwest::Client, name: &str, password: &str) {
        let csrf = page_csrf(c, &self.url("/login")).await;
        let resp = c
            .post(self.url("/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("name", name),
                ("password", password),
            ])
            .send()
            .await
            .expect("login form");
        assert_eq!(resp.status(), 303, "sign in {name}");
    }

    /// Creates a space directly through the service layer.
    pub async fn create_space(&self, name: &str, mode: hearth::domain::PostingMode) {
        hearth::service::spaces::create(
            &self.state.hearth,
            None,
            hearth::service::spaces::NewSpace {
                name: name.to_string(),
                title: format!("The {name} space"),
                description: format!("All about **{name}**"),
                rules: "Be kind.".to_string(),
                posting_mode: Some(mode),
            },
        )
        .await
        .expect("create space");
    }

    /// Logs in over the API and returns the bearer token.
    pub async fn api_login(&self, name: &str, password: &str) -> String {
        let resp = client()
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({ "name": name, "password": password }))
            .send()
            .await
            .expect("login request");
        assert_eq!(resp.status(), 200, "login of {name} should succeed");
        let body: serde_json::Value = resp.json().await.expect("login JSON");
        body["token"]["token"]
            .as_str()
            .expect("token in login response")
            .to_string()
    }

    /// A user with the given role, logged in over the API.
    pub async fn api_user(&self, name: &str, role: hearth::domain::Role) -> String {
        let pw = self.create_user(name, role).await;
        self.api_login(name, &pw).await
    }

    /// Everything stored, as text: tests compare it before and after a refused request to prove
    /// that nothing changed.
    /// Makes `name`'s account look `days` old (rules for new accounts spare older ones).
    pub async fn age_account(&self, name: &'static str, days: i64) {
        self.state
            .hearth
            .db
            .run(move |c| {
                use diesel::prelude::*;
                use hearth::db::schema::persons;
                diesel::update(persons::table.filter(persons::name.eq(name)))
                    .set(persons::created_at.eq(hearth::db::now() - chrono::TimeDelta::days(days)))
                    .execute(c)?;
                Ok(())
            })
            .await
            .expect("age an account");
    }

    pub async fn snapshot(&self) -> String {
        self.state
            .hearth
            .db
            .run(|c| {
                use diesel::prelude::*;
                use hearth::db::schema::*;
                let handles: Vec<(String, String)> = handles::table
                    .order(handles::name)
                    .select((handles::name, handles::kind))
                    .load(c)?;
                let persons: Vec<hearth::db::persons::Person> = persons::table
                    .order(persons::id)
                    .select(hearth::db::persons::Person::as_select())
                    .load(c)?;
                let tokens: Vec<(i64, i64, String, String, String)> = auth_tokens::table
                    .order(auth_tokens::id)
                    .select((
                        auth_tokens::id,
                        auth_tokens::person_id,
                        auth_tokens::kind,
                        auth_tokens::label,
                        auth_tokens::token_hash,
                    ))
                    .load(c)?;
                let settings = hearth::db::instance::get(c)?;
                let invites: Vec<hearth::db::invites::Invite> = invites::table
                    .order(invites::id)
                    .select(hearth::db::invites::Invite::as_select())
                    .load(c)?;
                let audit: i64 = audit_log::table.count().get_result(c)?;
                let spaces: Vec<hearth::db::spaces::Space> = spaces::table
                    .order(spaces::id)
                    .select(hearth::db::spaces::Space::as_select())
                    .load(c)?;
                let threads: Vec<hearth::db::threads::Thread> = threads::table
                    .order(threads::id)
                    .select(hearth::db::threads::Thread::as_select())
                    .load(c)?;
                let posts: Vec<hearth::db::posts::Post> = posts::table
                    .order(posts::id)
                    .select(hearth::db::posts::Post::as_select())
                    .load(c)?;
                let revisions: i64 = post_revisions::table.count().get_result(c)?;
                let likes: Vec<(i64, i64)> = likes::table
                    .order((likes::post_id, likes::person_id))
                    .select((likes::post_id, likes::person_id))
                    .load(c)?;
                // Moderation and federation state: what a refused request must not touch.
                let reports: Vec<(i64, Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>)> =
                    reports::table
                        .order(reports::id)
                        .select((reports::id, reports::resolved_at, reports::forwarded_at))
                        .load(c)?;
                let bans: Vec<(i64, Option<chrono::NaiveDateTime>)> = bans::table
                    .order(bans::id)
                    .select((bans::id, bans::lifted_at))
                    .load(c)?;
                let modlog: i64 = mod_log::table.count().get_result(c)?;
                let domains: Vec<(String, String)> = federation_domains::table
                    .order(federation_domains::domain)
                    .select((federation_domains::domain, federation_domains::kind))
                    .load(c)?;
                let applications: Vec<(i64, Option<chrono::NaiveDateTime>, String)> =
                    applications::table
                        .order(applications::person_id)
                        .select((
                            applications::person_id,
                            applications::decided_at,
                            applications::reason,
                        ))
                        .load(c)?;
                let filter: Vec<(String, i64, i64)> = spam_tokens::table
                    .order(spam_tokens::token)
                    .select((spam_tokens::token, spam_tokens::spam, spam_tokens::ham))
                    .load(c)?;
                let counts: Vec<i64> = vec![
                    follows::table.count().get_result(c)?,
                    space_subscriptions::table.count().get_result(c)?,
                    notifications::table.count().get_result(c)?,
                    outbox_events::table.count().get_result(c)?,
                ];
                Ok(format!(
                    "{handles:?}\n{persons:?}\n{tokens:?}\n{settings:?}\n{invites:?}\naudit={audit}\n\
                     {spaces:?}\n{threads:?}\n{posts:?}\nrevisions={revisions}\n{likes:?}\n\
                     {reports:?}\n{bans:?}\nmodlog={modlog}\n{domains:?}\n{applications:?}\n\
                     {filter:?}\nfollows, subscriptions, notifications, outbox={counts:?}"
                ))
            })
            .await
            .expect("snapshot")
    }
}

impl Drop for TestInstance {
    fn drop(&mut self) {
        self.shutdown.cancel();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// An HTTP client that does not follow redirects (tests check the 303s) and keeps no cookies.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client")
}

/// The CSRF token embedded in a page's forms.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no CSRF field in page:\n{html}"))
        + marker.len();
    html[start..start + 64].to_string()
}

/// GETs a page (status 200 asserted) and returns its text.
pub async fn page_text(c: &reqwest::Client, url: &str) -> String {
    let resp = c.get(url).send().await.expect("GET");
    assert_eq!(resp.status(), 200, "GET {url}");
    resp.text().await.expect("body")
}

/// GETs a page with the browser client and returns its CSRF token.
pub async fn page_csrf(c: &reqwest::Client, url: &str) -> String {
    let html = c
        .get(url)
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    csrf_of(&html)
}

/// An API request with a bearer token (and a JSON body); the status and the JSON answer
/// (`Null` when there is none).
pub async fn api_call(
    i: &TestInstance,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut req = client()
        .request(method, i.url(path))
        .header("authorization", bearer(token));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("API request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

/// An API call that must succeed (2xx); returns its JSON.
pub async fn api_ok(
    i: &TestInstance,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let (status, v) = api_call(i, method.clone(), path, token, Some(body)).await;
    assert!(
        (200..300).contains(&status),
        "{method} {path} → {status} {v}"
    );
    v
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Server logs in test output (shown for failing tests). `RUST_LOG` picks the level; warnings and
/// errors by default, so an internal error's cause is visible next to the failed assertion.
fn init_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
    });
}

/// The password `TestInstance::create_user` gives an account.
pub fn password_of(name: &str) -> String {
    format!("{name}-password-123")
}
