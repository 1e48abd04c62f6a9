//! Storage: a pool of [`DbConn`] over SQLite or PostgreSQL, and the queries, one file per table
//! group. This is the only layer that speaks SQL. All database work runs on the blocking thread
//! pool through [`Db::run`] and [`Db::transaction`], never on the async runtime.

mod conn;
pub mod migrate;
pub mod outbox;
pub mod schema;

pub mod applications;
pub mod audit;
pub mod bans;
pub mod desk;
pub mod federation;
pub mod instance;
pub mod invites;
pub mod modlog;
pub mod notifications;
pub mod persons;
pub mod policy;
pub mod posts;
pub mod reports;
pub mod spaces;
pub mod spam;
pub mod threads;
pub mod tokens;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::r2d2::Pool;

pub use conn::DbConn;

use crate::config::DatabaseUrl;
use crate::error::{AppError, AppResult};

/// A cheap-to-clone handle on the connection pool of one instance.
#[derive(Clone)]
pub struct Db {
    pool: Pool<conn::Manager>,
    postgres: bool,
    queries: Arc<AtomicU64>,
    /// SQLite has one writer at a time: write transactions of this process take turns here,
    /// woken as soon as the previous one commits, instead of polling SQLite's busy handler
    /// (which sleeps in steps of milliseconds). Other processes (the command line) still meet
    /// the busy timeout.
    writer: Arc<std::sync::Mutex<()>>,
}

impl Db {
    /// Connects, runs pending migrations, and builds the pool. The first connection is opened
    /// directly so that a connection failure is reported with its real cause.
    pub fn open(url: &DatabaseUrl, pool_size: u32) -> anyhow::Result<Db> {
        if let DatabaseUrl::Sqlite(path) = url
            && let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        }
        let mut first = DbConn::open(url).map_err(|e| anyhow::anyhow!("cannot connect: {e}"))?;
        let applied = migrate::run_pending(&mut first)?;
        for name in &applied {
            tracing::info!(migration = %name, "applied migration");
        }
        drop(first);
        Ok(Self::pool_only(url, pool_size))
    }

    /// Builds the pool without connecting. Connections are opened on first use.
    pub fn pool_only(url: &DatabaseUrl, pool_size: u32) -> Db {
        let queries = Arc::new(AtomicU64::new(0));
        let pool = Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(0))
            // A pooled SQLite connection is a file handle, not a socket that can drop: testing
            // it with `SELECT 1` on every checkout only cost time (~3 % of the inbox's CPU).
            .test_on_check_out(url.is_postgres())
            .connection_timeout(Duration::from_secs(5))
            .build_unchecked(conn::Manager {
                url: url.clone(),
                queries: queries.clone(),
            });
        Db {
            pool,
            postgres: url.is_postgres(),
            queries,
            writer: Arc::default(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres
    }

    /// How many SQL statements this pool's connections have run (including the pool's own
    /// connection checks).
    pub fn query_count(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn run<R, F>(&self, f: F) -> AppResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut DbConn) -> AppResult<R> + Send + 'static,
    {
        let pool = self.pool.clone();
        blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
    }

    /// Runs `f` inside one transaction: everything it writes commits together or not at all.
    pub async fn transaction<R, F>(&self, f: F) -> AppResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut DbConn) -> AppResult<R> + Send + 'static,
    {
        let pool = self.pool.clone();
        let writer = (!self.postgres).then(|| self.writer.clone());
        blocking(move || {
            // Take the turn before the connection, so waiting writers hold no connection.
            let _turn = writer
                .as_ref()
                .map(|w| w.lock().unwrap_or_else(|e| e.into_inner()));
            let mut conn = pool.get()?;
            conn.write_transaction(f)
        })
        .await
    }

    /// Whether the database answers a trivial query within a couple of seconds.
    pub async fn healthy(&self) -> bool {
        let check = self.run(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("SELECT 1").map_err(AppError::from)
        });
        matches!(
            tokio::time::timeout(Duration::from_secs(3), check).await,
            Ok(Ok(()))
        )
    }
}

/// Runs CPU-heavy or blocking work (database calls, password hashing) off the async runtime.
/// A panic in the closure becomes an internal error instead of poisoning the caller.
pub async fn blocking<R, F>(f: F) -> AppResult<R>
where
    R: Send + 'static,
    F: FnOnce() -> AppResult<R> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(join) => Err(AppError::internal(anyhow::anyhow!(
            "blocking task failed: {join}"
        ))),
    }
}

/// Current time in UTC, truncated to microseconds so values read back from either backend
/// compare equal to what was written.
pub fn now() -> chrono::NaiveDateTime {
    let t = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(t, chrono::TimeDelta::microseconds(1)).unwrap_or(t)
}
