//! `/healthz`, several instances in one process, clean shutdown.

use diesel::Connection;
use diesel::connection::SimpleConnection;
use hearth::config::{Config, DatabaseUrl};
use hearth::db::Db;
use hearth::domain::Role;

use crate::harness::{Backend, TestInstance, client, postgres_base_url};
use crate::on_both_backends;

on_both_backends!(
    healthy_when_the_database_answers,
    two_instances_in_one_process
);

async fn healthy_when_the_database_answers(b: Backend) {
    let i = TestInstance::start(b).await;
    let resp = client().get(i.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "ok\n");
    i.stop().await;
}

async fn two_instances_in_one_process(b: Backend) {
    let (one, two) = tokio::join!(TestInstance::start(b), TestInstance::start(b));
    let t1 = one.api_user("boss", Role::Admin).await;
    let c = client();
    let resp = c
        .patch(one.url("/api/v1/admin/instance"))
        .header("authorization", format!("Bearer {t1}"))
        .json(&serde_json::json!({"name": "First"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let name = |i: &TestInstance| {
        let url = i.url("/api/v1/instance");
        let c = c.clone();
        async move {
            let v: serde_json::Value = c.get(url).send().await.unwrap().json().await.unwrap();
            (
                v["name"].as_str().unwrap().to_string(),
                v["domain"].as_str().unwrap().to_string(),
            )
        }
    };
    let (n1, d1) = name(&one).await;
    let (n2, d2) = name(&two).await;
    assert_eq!(n1, "First");
    assert_eq!(n2, "Hearth", "the second instance has its own settings");
    assert_ne!(d1, d2, "and its own domain");
    // A token of one instance means nothing to the other.
    let resp = c
        .get(two.url("/api/v1/accounts/me"))
        .header("authorization", format!("Bearer {t1}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn unhealthy_when_the_database_is_unreachable() {
    // Nothing listens on port 1: every connection attempt fails.
    let url = DatabaseUrl::parse("postgres://hearth@127.0.0.1:1/hearth").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = Config::load(
        None,
        vec![(
            "HEARTH_DATA_DIR".to_string(),
            dir.path().display().to_string(),
        )],
    )
    .unwrap();
    let mut state = hearth::app::build(config).await.unwrap();
    // The database goes away after start: every connection attempt now fails.
    state.hearth.db = Db::pool_only(&url, 1);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(hearth::app::serve(state, listener, stop.clone()));
    let c = client();
    let resp = c
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    // Pages that need the database answer 503 too, without leaking the cause.
    let resp = c
        .get(format!("http://{addr}/api/v1/instance"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    let body = resp.text().await.unwrap();
    assert!(body.contains("\"unavailable\""), "{body}");
    assert!(
        !body.contains("127.0.0.1:1") && !body.contains("Connection refused"),
        "{body}"
    );
    stop.cancel();
    server.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unhealthy_when_postgres_goes_away() {
    let Some(base) = postgres_base_url() else {
        return;
    };
    let i = TestInstance::start(Backend::Postgres).await;
    let c = client();
    assert_eq!(c.get(i.url("/healthz")).send().await.unwrap().status(), 200);
    let name = url::Url::parse(&i.db.url)
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_string();
    let mut admin = diesel::PgConnection::establish(&base).unwrap();
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();
    assert_eq!(c.get(i.url("/healthz")).send().await.unwrap().status(), 503);
}
