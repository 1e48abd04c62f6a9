//! The connection type over both backends and the r2d2 manager that opens it. This file and
//! `migrate.rs` are the only places that name a concrete backend.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::connection::{InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};

use crate::config::DatabaseUrl;

/// One connection to either backend. Queries are written once against this type.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

impl DbConn {
    /// Opens a connection of the kind the URL names, with the per-connection settings applied.
    pub fn open(url: &DatabaseUrl) -> Result<DbConn, diesel::ConnectionError> {
        Self::open_counted(url, None)
    }

    /// Like [`DbConn::open`]; every query the connection runs also increments `counter` (the
    /// tests use it to prove a page costs a fixed number of queries).
    pub fn open_counted(
        url: &DatabaseUrl,
        counter: Option<Arc<AtomicU64>>,
    ) -> Result<DbConn, diesel::ConnectionError> {
        let mut conn = Self::open_plain(url)?;
        if let Some(counter) = counter {
            let count = move |event: InstrumentationEvent<'_>| {
                if matches!(event, InstrumentationEvent::StartQuery { .. }) {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            };
            match &mut conn {
                DbConn::Sqlite(c) => c.set_instrumentation(count),
                DbConn::Postgresql(c) => c.set_instrumentation(count),
            }
        }
        Ok(conn)
    }

    fn open_plain(url: &DatabaseUrl) -> Result<DbConn, diesel::ConnectionError> {
        match url {
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_str().ok_or_else(|| {
                    diesel::ConnectionError::InvalidConnectionUrl(
                        "the SQLite path is not valid UTF-8".into(),
                    )
                })?;
                let mut conn = SqliteConnection::establish(path)?;
                // busy_timeout must come before journal_mode: the pool opens several connections
                // at once, and switching to WAL needs a moment of exclusive access.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA mmap_size = 268435456;
                     PRAGMA cache_size = -16000;
                     PRAGMA foreign_keys = ON;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                conn.batch_execute("SET TIME ZONE 'UTC'; SET statement_timeout = '30s';")
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Postgresql(conn))
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DbConn::Postgresql(_))
    }

    /// Runs `f` in a transaction that writes. On SQLite it begins `IMMEDIATE`, taking the write
    /// lock up front: a deferred transaction that reads and then writes can find another writer
    /// in the way and fail at once with "database is locked" (the busy timeout cannot help
    /// there), where an immediate one waits its turn. Nested transactions are savepoints.
    pub fn write_transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        let top = match self {
            DbConn::Sqlite(c) => {
                let depth = AnsiTransactionManager::transaction_manager_status_mut(c)
                    .transaction_depth()?;
                depth.is_none()
            }
            DbConn::Postgresql(_) => false,
        };
        if !top {
            return self.transaction(f);
        }
        if let DbConn::Sqlite(c) = self {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
        }
        let result = f(self);
        let DbConn::Sqlite(c) = self else {
            unreachable!("only SQLite begins here");
        };
        match result {
            Ok(value) => {
                AnsiTransactionManager::commit_transaction(c)?;
                Ok(value)
            }
            Err(e) => {
                AnsiTransactionManager::rollback_transaction(c)?;
                Err(e)
            }
        }
    }
}

/// Opens connections for the pool. Written by hand (rather than diesel's `ConnectionManager`) so
/// the backend is picked from the URL scheme and the real connection error is kept.
pub struct Manager {
    pub url: DatabaseUrl,
    pub queries: Arc<AtomicU64>,
}

impl diesel::r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        DbConn::open_counted(&self.url, Some(self.queries.clone()))
            .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::Text;

    use super::*;

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = Text)]
        compile_options: String,
    }

    /// `.cargo/config.toml` builds the bundled SQLite with the query planner stability
    /// guarantee; without it every `.first()` query is compiled again on each execution.
    #[test]
    fn bundled_sqlite_has_the_planner_stability_guarantee() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        assert!(
            options.iter().any(|o| o == "ENABLE_QPSG"),
            "SQLite was built without SQLITE_ENABLE_QPSG: {options:?}"
        );
    }
}
