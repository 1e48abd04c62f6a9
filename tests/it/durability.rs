//! Nothing is lost: a delivery in flight when the process is killed (SIGKILL, no chance to clean
//! up) still goes out after a restart.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::peer::Peer;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn hearth(dir: &std::path::Path, port: u16) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hearth"));
    for (k, _) in std::env::vars() {
        if k.starts_with("HEARTH_") {
            c.env_remove(k);
        }
    }
    c.current_dir(dir)
        .env("HEARTH_BIND", format!("127.0.0.1:{port}"))
        .env("HEARTH_DOMAIN", format!("localhost:{port}"))
        .env("HEARTH_FEDERATION_INSECURE", "true")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

async fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn start(dir: &std::path::Path, port: u16) -> Server {
    let server = Server(hearth(dir, port).arg("serve").spawn().unwrap());
    wait_until("the server to listen", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    })
    .await;
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_in_flight_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = hearth(dir.path(), port)
        .args(["admin", "create-space", "support", "--title", "Support"])
        .output()
        .unwrap();
    assert!(out.status.success());

    let peer = Peer::start().await;
    // The peer takes the first delivery and never answers: it is in flight when we kill.
    peer.respond_with(&[0]);
    let mut server = start(dir.path(), port).await;
    let follow = json!({
        "id": peer.activity_id("follow"),
        "type": "Follow",
        "actor": peer.actor("bob"),
        "object": format!("http://localhost:{port}/s/support"),
    });
    let status = peer
        .post_signed(&format!("http://localhost:{port}/s/support/inbox"), &follow)
        .await;
    assert_eq!(status, 202);
    wait_until("the Accept to be in flight", || peer.attempts() == 1).await;

    // SIGKILL: no graceful shutdown, no chance to write anything.
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    let url = hearth::config::DatabaseUrl::Sqlite(dir.path().join("data/hearth.db"));
    let pending = tokio::task::spawn_blocking(move || {
        let mut c = hearth::db::DbConn::open(&url).unwrap();
        hearth::db::federation::pending_count(&mut c).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(pending, 1, "the Accept is still queued after the kill");
    assert!(peer.received().is_empty());

    // Restart on the same data: the Accept goes out.
    let _server = start(dir.path(), port).await;
    wait_until("the Accept after the restart", || {
        !peer.received().is_empty()
    })
    .await;
    let got = peer.received();
    assert_eq!(got.len(), 1, "delivered once after the restart");
    assert_eq!(got[0].body["type"], "Accept");
    assert_eq!(got[0].body["object"]["id"], follow["id"]);
}
