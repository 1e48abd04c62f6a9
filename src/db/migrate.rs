//! Embedded migrations, one folder per backend with identical migration names.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConn;

pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

fn source(conn: &DbConn) -> EmbeddedMigrations {
    match conn {
        DbConn::Sqlite(_) => SQLITE,
        DbConn::Postgresql(_) => POSTGRES,
    }
}

/// Runs every pending migration; returns the names of those applied.
pub fn run_pending(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let src = source(conn);
    let applied = conn
        .run_pending_migrations(src)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Reverts every applied migration, newest first (used by the migration tests).
pub fn revert_all(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let src = source(conn);
    let reverted = conn
        .revert_all_migrations(src)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(reverted.iter().map(|v| v.to_string()).collect())
}
