//! Interoperability with an ActivityPub server we did not write: a small Fedify app
//! (tests/interop/fedify/peer.mjs, npm package `@fedify/fedify`) on loopback. It finds a Hearth
//! space by WebFinger, follows it with a draft-cavage signed Follow, receives the Group's signed
//! Accept (Fedify verifies Hearth's signature: signatures verify both ways), and then receives
//! the Announces of a new thread. Then, on the test's commands (JSON lines on the peer's stdin),
//! carol replies to the thread, likes it, deletes her reply and reports the thread, each built
//! with Fedify's own vocabulary and signed by it, and the test polls Hearth until each has
//! landed. Needs `node` and `npm ci` in tests/interop/fedify; `.ci/run` installs them. Without
//! them the test is skipped with a message, except under CI=true, where it fails.
//! `PEER_LOG=debug` puts Fedify's debug log into a failure's message.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hearth::domain::{PostingMode, Role};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Lines};
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

    /// Writes one command line to the peer and waits for its `<cmd>-sent` event.
    async fn command(&mut self, cmd: Value) -> Value {
        let done = format!("{}-sent", cmd["cmd"].as_str().expect("cmd"));
        let stdin = self.child.stdin.as_mut().expect("the peer's stdin is open");
        stdin
            .write_all(format!("{cmd}\n").as_bytes())
            .await
            .expect("write a command to the peer");
        stdin.flush().await.expect("flush the peer's stdin");
        self.expect(&done).await
    }

    /// Asks `probe` again until `done` holds for its answer, up to [`STEP`].
    async fn until<T: std::fmt::Debug>(
        &self,
        what: &str,
        probe: impl AsyncFn() -> T,
        done: impl Fn(&T) -> bool,
    ) -> T {
        let deadline = Instant::now() + STEP;
        loop {
            let seen = probe().await;
            if done(&seen) {
                return seen;
            }
            if Instant::now() >= deadline {
                panic!(
                    "not within {STEP:?}: {what}\nlast seen: {seen:?}\n{}",
                    self.report()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
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

async fn get_status(url: &str) -> u16 {
    let resp = client().get(url).header("accept", AP).send().await.unwrap();
    resp.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fedify_server_follows_a_space_and_takes_part_in_a_thread() {
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

    // (5) carol replies: Create(Note) with inReplyTo = the Page, to Public, cc and Mention of the
    // Group. Hearth places it in the thread, authored by carol.
    let carol_handle = format!("carol@localhost:{}", listening["port"]);
    let thread = i.url(&format!("/api/v1/threads/{}", t["id"]));
    let view = async || get_json(&thread).await;
    let sent = peer
        .command(json!({"cmd": "reply", "inReplyTo": page_id, "content": "<p>Same here, every <em>hour</em>.</p>"}))
        .await;
    let note_id = sent["note"].as_str().expect("the Note's id").to_string();
    let v = peer
        .until("carol's reply is in the thread", view, |v| {
            v["replies"].as_array().is_some_and(|r| !r.is_empty())
        })
        .await;
    let reply = &v["replies"][0];
    assert_eq!(reply["author"]["name"], carol_handle, "{reply}");
    assert_eq!(reply["author"]["display_name"], "Carol (Fedify)");
    assert_eq!(reply["body"], "Same here, every hour.");
    assert_eq!(reply["parent_id"], v["opening"]["id"], "a direct reply");
    assert_eq!(v["reply_count"], 1);
    // The peer serves the Note at its id.
    let note = get_json(&note_id).await;
    assert_eq!(note["type"], "Note", "{note}");
    assert_eq!(note["attributedTo"], json!(carol));
    assert_eq!(note["inReplyTo"], page_id);

    // (6) carol likes the Page.
    peer.command(json!({"cmd": "like", "object": page_id}))
        .await;
    peer.until("the like is counted", view, |v| v["like_count"] == 1)
        .await;

    // (7) carol deletes her reply (Delete of a Tombstone): it becomes a tombstone here.
    peer.command(json!({"cmd": "delete", "object": note_id}))
        .await;
    let v = peer
        .until("the reply is a tombstone", view, |v| {
            v["replies"][0]["deleted"] == true
        })
        .await;
    assert_eq!(v["replies"][0]["body"], "", "{v}");
    assert_eq!(v["replies"][0]["body_html"], "");
    assert_eq!(
        get_status(&note_id).await,
        404,
        "the peer no longer serves it"
    );

    // (8) carol reports the thread in Mastodon's shape: the account and its posts, the reason in
    // content. (Two objects, since Fedify's JSON-LD compaction turns a list of one into a string.)
    let reported = json!([format!("{base}/u/ana"), page_id]);
    peer.command(json!({"cmd": "flag", "objects": reported, "content": "spam test"}))
        .await;
    let open_reports = async || {
        i.state
            .hearth
            .db
            .run(|c| Ok(hearth::db::federation::open_reports(c)?))
            .await
            .unwrap()
    };
    let reports = peer
        .until("the report is stored", open_reports, |r| !r.is_empty())
        .await;
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].reason, "spam test");
    assert_eq!(reports[0].reporter, carol);
    assert_eq!(reports[0].objects, reported.to_string());

    peer.stop().await;
    eprintln!("Fedify interop test took {:?}", started.elapsed());
}
