//! The two migration folders stay in step, and every migration can be undone and redone.

use std::collections::BTreeSet;

use hearth::config::DatabaseUrl;
use hearth::db::{DbConn, migrate};

use crate::harness::{Backend, TestDb};
use crate::on_both_backends;

fn names(dir: &str) -> BTreeSet<String> {
    std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            for f in ["up.sql", "down.sql"] {
                assert!(e.path().join(f).is_file(), "{dir}/{name} has no {f}");
            }
            name
        })
        .collect()
}

#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = names("sqlite");
    let postgres = names("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres differ"
    );
}

on_both_backends!(up_down_up);

async fn up_down_up(b: Backend) {
    let db = TestDb::new(b);
    let url = DatabaseUrl::parse(&db.url).unwrap();
    tokio::task::spawn_blocking(move || {
        let mut conn = DbConn::open(&url).unwrap();
        let up = migrate::run_pending(&mut conn).unwrap();
        assert_eq!(up.len(), names("sqlite").len());
        let down = migrate::revert_all(&mut conn).unwrap();
        assert_eq!(down.len(), up.len());
        let again = migrate::run_pending(&mut conn).unwrap();
        assert_eq!(again, up);
        assert!(
            migrate::run_pending(&mut conn).unwrap().is_empty(),
            "idempotent"
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout() {
    let db = TestDb::new(Backend::Sqlite);
    let url = DatabaseUrl::parse(&db.url).unwrap();
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use diesel::sql_types::{BigInt, Text};
        #[derive(QueryableByName)]
        struct Mode {
            #[diesel(sql_type = Text)]
            journal_mode: String,
        }
        #[derive(QueryableByName)]
        struct Num {
            #[diesel(sql_type = BigInt)]
            v: i64,
        }
        let mut conn = DbConn::open(&url).unwrap();
        let mode: Mode = diesel::sql_query("PRAGMA journal_mode")
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(mode.journal_mode, "wal");
        let fk: Num = diesel::sql_query("SELECT foreign_keys AS v FROM pragma_foreign_keys")
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(fk.v, 1);
        let busy: Num = diesel::sql_query("SELECT timeout AS v FROM pragma_busy_timeout")
            .get_result(&mut conn)
            .unwrap();
        assert!(busy.v >= 1000, "busy_timeout {}", busy.v);
    })
    .await
    .unwrap();
}
