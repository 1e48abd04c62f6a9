//! Interoperability with an ActivityPub server we did not write: a small Fedify app
//! (tests/interop/fedify/peer.mjs, npm package `@fedify/fedify`) on loopback. It finds a Hearth
//! space by WebFinger, follows it with a draft-cavage signed Follow, receives the Group's signed
//! Accept (Fedify verifies Hearth's signature: signatures verify both ways), and then receives
//! the Announces of a new thread. Needs `node` and `npm ci` in tests/interop/fedify; `.ci/run`
//! installs them. Without them the test is skipped with a message, except under CI=true, where
//! it fails. `PEER_LOG=debug` puts Fedify's debug log into a failure's message.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hearth::domain::{PostingMode, Role};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};
use tokio::time::Instant;

use crate::harness::{Backend, TestInstance, bearer, client};

const AP: &str = "application/activity+json";

/// How long one step may take (Node's start-up, RSA key generation, one round of deliveries).
const STEP: Duration = Duration::from_secs(30);

fn missing(what: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but {what} is missing: the Fedify interop test must run in CI");
    }
    eprintln!("SKIPPED: Fedify interop test ({what} is missing; see tests/interop/fedify)");
}

/// The Node peer, its JSON lines on stdout, and its stderr (Fedify's log) for failure messages.
struct FedifyPeer {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    seen: Vec<Value>,
    stderr: Arc<Mutex<String>>,
}

impl FedifyPeer {
    fn start(dir: &Path, target: &str) -> FedifyPeer {
        let mut child = Command::new("node")
            .arg(dir.join("peer.mjs"))
            .current_dir(dir)
            .env("TARGET", target)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err = child.stderr.take().expect("stderr");
        let sink = stderr.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        FedifyPeer {
            child,
            lines,
            seen: Vec::new(),
            stderr,
        }
    }

    fn report(&self) -> String {
        let seen: Vec<String> = self.seen.iter().map(Value::to_string).collect();
        format!(
            "events so far:\n{}\npeer stderr:\n{}",
            seen.join("\n"),
            self.stderr.lock().unwrap()
        )
    }

    /// Waits for the next event named `name`, up to [`STEP`]; an `error` event fails at once.
    async fn expect(&mut self, name: &str) -> Value {
        let deadline = Instant::now() + STEP;
        loop {
            let line = match tokio::time::timeout_at(deadline, self.lines.next_line()).await {
                Err(_) => panic!("no {name:?} event within {STEP:?}\n{}", self.report()),
                Ok(Err(e)) => panic!("reading the peer's output: {e}\n{}", self.report()),
                Ok(Ok(None)) => panic!(
                    "the peer exited before {name:?} ({:?})\n{}",
                    self.child.try_wait(),
                    self.report()
                ),
                Ok(Ok(Some(line))) => line,
            };
            let event: Value = serde_json::from_str(&line).unwrap_or_else(|_| {
                panic!(
                    "the peer printed a line that is not JSON: {line}\n{}",
                    self.report()
                )
            });
            self.seen.push(event.clone());
            if event["event"] == "error" {
                panic!("the peer reported an error: {event}\n{}", self.report());
            }
            if event["event"] == name {
                return event;
            }
        }
    }

    /// Closes the peer's stdin, which tells it to exit, and waits for it to do so.
    async fn stop(mut self) {
        drop(self.child.stdin.take());
        let status = tokio::time::timeout(STEP, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("the peer did not exit\n{}", self.report()))
            .expect("wait for the peer");
        assert!(status.success(), "peer exit: {status}\n{}", self.report());
    }
}

async fn get_json(url: &str) -> Value {
    client()
        .get(url)
        .header("accept", AP)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fedify_server_follows_a_space_and_receives_its_threads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/fedify");
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        return missing("node (apt-get install nodejs npm)");
    }
    if !dir.join("node_modules/@fedify/fedify").exists() {
        return missing("tests/interop/fedify/node_modules (run `npm ci` there)");
    }
    let started = std::time::Instant::now();
    let i =
        TestInstance::start_with_worker(Backend::Sqlite, &[("FEDERATION_INSECURE", "true")]).await;
    i.create_space("support", PostingMode::Open).await;
    let domain = i
        .base
        .trim_start_matches("http://")
        .replace("127.0.0.1", "localhost");
    let base = format!("http://{domain}");
    let group = format!("{base}/s/support");

    let mut peer = FedifyPeer::start(&dir, &format!("acct:support@{domain}"));
    let listening = peer.expect("listening").await;
    let carol = listening["actor"].as_str().expect("actor id").to_string();

    // (1) Fedify's WebFinger lookup and actor parsing find the Group.
    let resolved = peer.expect("resolved").await;
    assert_eq!(resolved["id"], group, "{resolved}");
    assert_eq!(
        resolved["type"], "https://www.w3.org/ns/activitystreams#Group",
        "{resolved}"
    );
    assert_eq!(resolved["inbox"], format!("{group}/inbox"));
    assert_eq!(resolved["sharedInbox"], format!("{base}/inbox"));

    // (2) Hearth accepted Fedify's signed Follow (sendActivity throws on a non-2xx answer).
    let sent = peer.expect("follow-sent").await;

    // (3) The Group's Accept arrived and Fedify verified Hearth's signature on it.
    let accepted = peer.expect("accepted").await;
    assert_eq!(accepted["actor"], group, "{accepted}");
    assert_eq!(accepted["follow"], sent["id"], "the Follow is embedded");
    assert_eq!(accepted["followActor"], json!(carol));
    assert_eq!(accepted["followObject"], group);

    // Hearth's side: the follow is stored, and carol was fetched from the Fedify server.
    let followers = get_json(&i.url("/s/support/followers")).await;
    assert_eq!(followers["totalItems"], 1, "{followers}");
    let cached = i
        .state
        .hearth
        .db
        .run({
            let id = carol.clone();
            move |c| Ok(hearth::db::federation::find_actor(c, &id)?)
        })
        .await
        .unwrap()
        .expect("carol is cached");
    assert_eq!(cached.username, "carol");
    assert_eq!(cached.display_name, "Carol (Fedify)");
    assert_eq!(cached.domain, carol.split('/').nth(2).unwrap());
    assert!(cached.public_key_pem.contains("BEGIN PUBLIC KEY"));

    // (4) A local member starts a thread; the Group announces it to carol.
    let ana = i.api_user("ana", Role::Member).await;
    let title = "Router reboots after the update";
    let resp = client()
        .post(i.url("/api/v1/spaces/support/threads"))
        .header("authorization", bearer(&ana))
        .json(&json!({"title": title, "body": "Every **hour**, since Tuesday."}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let t: Value = resp.json().await.unwrap();
    let page_id = format!("{group}/t/{}", t["id"]);

    // Announce(Create(Page)) and Announce(Page), in either order.
    let mut announces = vec![peer.expect("announce").await, peer.expect("announce").await];
    announces.sort_by_key(|a| a["object"]["type"] != "Create");
    for a in &announces {
        assert_eq!(a["actor"], group, "{a}");
    }
    let create = &announces[0]["object"];
    assert_eq!(create["type"], "Create", "{create}");
    assert_eq!(create["actor"], format!("{base}/u/ana"));
    let page = &create["object"];
    assert_eq!(page["type"], "Page", "{page}");
    assert_eq!(page["id"], page_id);
    assert_eq!(page["name"], title);
    let bare = &announces[1]["object"];
    assert_eq!(bare["type"], "Page", "{bare}");
    assert_eq!(bare["id"], page_id);
    assert_eq!(bare["name"], title);

    peer.stop().await;
    eprintln!("Fedify interop test took {:?}", started.elapsed());
}
