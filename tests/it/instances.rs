//! Two Hearth instances in one process, each with its own database, federating for real over
//! loopback: a person on one follows a space on the other and takes part from home — threads
//! and replies both ways, likes, edits, deletions, unfollowing. Waiting is done by draining both
//! outboxes until neither has anything left to send, never by sleeping.

use hearth::domain::{PostingMode, Role};
use serde_json::{Value, json};

use crate::federation::drain;
use crate::harness::{Backend, TestInstance, api_call as api, browser, client, page_csrf};
use crate::on_both_backends;
use crate::peer::Peer;

on_both_backends!(
    a_space_is_followed_and_used_from_another_instance,
    announced_posts_are_verified_at_their_origin,
);

pub async fn start(b: Backend) -> TestInstance {
    TestInstance::start_with(b, &[("FEDERATION_INSECURE", "true")]).await
}

pub fn domain(i: &TestInstance) -> String {
    i.base
        .trim_start_matches("http://")
        .replace("127.0.0.1", "localhost")
}

/// Steps both instances until neither has anything left to send (each received activity can
/// cause new deliveries on the other side).
pub async fn settle(a: &TestInstance, b: &TestInstance) {
    for _ in 0..20 {
        if drain(a).await + drain(b).await == 0 {
            return;
        }
    }
    panic!("the instances kept sending to each other");
}

pub async fn get(i: &TestInstance, path: &str) -> Value {
    let resp = client().get(i.url(path)).send().await.expect("GET");
    assert_eq!(resp.status(), 200, "GET {path}");
    resp.json().await.expect("JSON")
}

/// The thread of `space` on `i` whose title is `title`.
pub async fn thread_titled(i: &TestInstance, space: &str, title: &str) -> Option<Value> {
    let list = get(i, &format!("/api/v1/spaces/{space}/threads")).await;
    let found = list["threads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"] == title)
        .cloned()?;
    Some(get(i, &format!("/api/v1/threads/{}", found["id"])).await)
}

use reqwest::Method;

async fn a_space_is_followed_and_used_from_another_instance(b: Backend) {
    let (a, bb) = (start(b).await, start(b).await);
    a.create_space("support", PostingMode::Open).await;
    let jane = a.api_user("jane", Role::Staff).await;
    let alice = bb.api_user("alice", Role::Member).await;
    let (a_dom, b_dom) = (domain(&a), domain(&bb));
    let remote = format!("support@{a_dom}");

    // Alice, on B, finds the space on A by its handle and follows it.
    let (status, space) = api(
        &bb,
        Method::POST,
        "/api/v1/remote-spaces",
        &alice,
        Some(json!({ "handle": format!("@{remote}") })),
    )
    .await;
    assert_eq!(status, 200, "{space}");
    assert_eq!(space["name"], remote);
    assert_eq!(space["home"], a_dom);
    assert_eq!(space["title"], "The support space");
    let follow_path = format!("/api/v1/spaces/{remote}/follow");
    let (status, state) = api(&bb, Method::PUT, &follow_path, &alice, None).await;
    assert_eq!((status, state["state"].as_str()), (200, Some("pending")));
    settle(&a, &bb).await;
    let (_, state) = api(&bb, Method::GET, &follow_path, &alice, None).await;
    assert_eq!(state["state"], "accepted", "A's Group accepted the Follow");
    let followers = client()
        .get(a.url("/s/support/followers"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(followers["totalItems"], 1);
    let listed = get(&bb, "/api/v1/remote-spaces").await;
    assert_eq!(listed[0]["name"], remote);

    // On the web: Bob, also on B, finds the space with the form and follows it with a button.
    let pw = bb.create_user("bob", Role::Member).await;
    let web = browser();
    bb.sign_in(&web, "bob", &pw).await;
    let csrf = page_csrf(&web, &bb.url("/")).await;
    let resp = web
        .post(bb.url("/spaces/find"))
        .form(&[("csrf", csrf.as_str()), ("handle", "nobody@localhost:1")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        404,
        "an unknown space is an error on the form"
    );
    assert!(resp.text().await.unwrap().contains("handle-error"));
    let resp = web
        .post(bb.url("/spaces/find"))
        .form(&[("csrf", csrf.as_str()), ("handle", remote.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], format!("/s/{remote}"));
    let page = web
        .get(bb.url(&format!("/s/{remote}")))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("This space lives on {a_dom}")),
        "{html}"
    );
    assert!(html.contains(">Follow</button>"));
    let resp = web
        .post(bb.url(&format!("/s/{remote}/follow")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    settle(&a, &bb).await;
    let html = web
        .get(bb.url(&format!("/s/{remote}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Unfollow</button>"), "{html}");
    let home = web
        .get(bb.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains(&format!("@{remote}")) && home.contains(&format!("on {a_dom}")));
    let resp = web
        .post(bb.url(&format!("/s/{remote}/unfollow")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    settle(&a, &bb).await;

    // Jane, staff on A, starts a thread: it arrives on B.
    let (status, _) = api(
        &a,
        Method::POST,
        "/api/v1/spaces/support/threads",
        &jane,
        Some(json!({ "title": "Router reboots nightly", "body": "Since the **update**." })),
    )
    .await;
    assert_eq!(status, 201);
    settle(&a, &bb).await;
    let on_b = thread_titled(&bb, &remote, "Router reboots nightly")
        .await
        .expect("the thread arrived on B");
    assert_eq!(on_b["opening"]["body"], "Since the **update**.");
    assert_eq!(on_b["author"]["name"], format!("jane@{a_dom}"));
    assert_eq!(on_b["author"]["home"], a_dom);
    let b_thread = on_b["id"].as_i64().unwrap();
    let b_opening = on_b["opening"]["id"].as_i64().unwrap();

    // Alice replies from B: the reply lands in the thread on A, and once only on B.
    let (status, _) = api(
        &bb,
        Method::POST,
        &format!("/api/v1/threads/{b_thread}/replies"),
        &alice,
        Some(json!({ "body": "Same here, every night at 3." })),
    )
    .await;
    assert_eq!(status, 201);
    settle(&a, &bb).await;
    let on_a = thread_titled(&a, "support", "Router reboots nightly")
        .await
        .unwrap();
    let replies = on_a["replies"].as_array().unwrap();
    assert_eq!(replies.len(), 1, "{on_a}");
    assert_eq!(replies[0]["body"], "Same here, every night at 3.");
    assert_eq!(replies[0]["author"]["name"], format!("alice@{b_dom}"));
    let a_alice_reply = replies[0]["id"].as_i64().unwrap();
    let a_thread = on_a["id"].as_i64().unwrap();
    let a_opening = on_a["opening"]["id"].as_i64().unwrap();
    let on_b = get(&bb, &format!("/api/v1/threads/{b_thread}")).await;
    assert_eq!(on_b["replies"].as_array().unwrap().len(), 1, "no echo");
    let b_alice_reply = on_b["replies"][0]["id"].as_i64().unwrap();

    // Jane answers Alice on A: B shows it nested under Alice's reply.
    let (status, _) = api(
        &a,
        Method::POST,
        &format!("/api/v1/threads/{a_thread}/replies"),
        &jane,
        Some(json!({ "body": "A fix ships on Friday.", "parent_id": a_alice_reply })),
    )
    .await;
    assert_eq!(status, 201);
    settle(&a, &bb).await;
    let on_b = get(&bb, &format!("/api/v1/threads/{b_thread}")).await;
    let nested = &on_b["replies"][0]["replies"];
    assert_eq!(nested.as_array().unwrap().len(), 1, "{on_b}");
    assert_eq!(nested[0]["body"], "A fix ships on Friday.");
    assert_eq!(
        nested[0]["author"]["is_staff"], false,
        "staff of A is not staff of B"
    );

    // Alice likes the thread on B: A counts it.
    let (status, _) = api(
        &bb,
        Method::PUT,
        &format!("/api/v1/posts/{b_opening}/like"),
        &alice,
        None,
    )
    .await;
    assert_eq!(status, 200);
    settle(&a, &bb).await;
    let on_a = get(&a, &format!("/api/v1/threads/{a_thread}")).await;
    assert_eq!(on_a["like_count"], 1);

    // Jane edits the thread on A; Alice edits her reply on B: each edit reaches the other.
    let (status, _) = api(
        &a,
        Method::PATCH,
        &format!("/api/v1/posts/{a_opening}"),
        &jane,
        Some(
            json!({ "body": "Since the update to 2.1.", "title": "Router reboots nightly (2.1)" }),
        ),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = api(
        &bb,
        Method::PATCH,
        &format!("/api/v1/posts/{b_alice_reply}"),
        &alice,
        Some(json!({ "body": "Same here, every night at 3:00." })),
    )
    .await;
    assert_eq!(status, 200);
    settle(&a, &bb).await;
    let on_b = get(&bb, &format!("/api/v1/threads/{b_thread}")).await;
    assert_eq!(on_b["opening"]["body"], "Since the update to 2.1.");
    assert_eq!(on_b["title"], "Router reboots nightly (2.1)");
    let on_a = get(&a, &format!("/api/v1/threads/{a_thread}")).await;
    assert_eq!(
        on_a["replies"][0]["body"],
        "Same here, every night at 3:00."
    );

    // Alice starts a thread of her own from B: it opens in the space on A.
    let (status, _) = api(
        &bb,
        Method::POST,
        &format!("/api/v1/spaces/{remote}/threads"),
        &alice,
        Some(json!({ "title": "Wi-Fi drops on 5 GHz", "body": "Only on the 5 GHz band." })),
    )
    .await;
    assert_eq!(status, 201);
    settle(&a, &bb).await;
    let asked = thread_titled(&a, "support", "Wi-Fi drops on 5 GHz")
        .await
        .expect("Alice's thread opened on A");
    assert_eq!(asked["author"]["name"], format!("alice@{b_dom}"));
    let b_threads = get(&bb, &format!("/api/v1/spaces/{remote}/threads")).await;
    assert_eq!(b_threads["threads"].as_array().unwrap().len(), 2, "no echo");

    // Alice deletes her reply on B: A shows a tombstone. Jane deletes the thread on A: B too.
    let (status, _) = api(
        &bb,
        Method::DELETE,
        &format!("/api/v1/posts/{b_alice_reply}"),
        &alice,
        None,
    )
    .await;
    assert_eq!(status, 204);
    settle(&a, &bb).await;
    let on_a = get(&a, &format!("/api/v1/threads/{a_thread}")).await;
    assert_eq!(on_a["replies"][0]["deleted"], true);
    let (status, _) = api(
        &a,
        Method::DELETE,
        &format!("/api/v1/posts/{a_opening}"),
        &jane,
        None,
    )
    .await;
    assert_eq!(status, 204);
    settle(&a, &bb).await;
    let on_b = get(&bb, &format!("/api/v1/threads/{b_thread}")).await;
    assert_eq!(on_b["deleted"], true, "{on_b}");

    // Alice unfollows: A no longer counts her, and sends nothing more to B.
    let (status, state) = api(&bb, Method::DELETE, &follow_path, &alice, None).await;
    assert_eq!((status, state["state"].as_str()), (200, Some("none")));
    settle(&a, &bb).await;
    let followers = client()
        .get(a.url("/s/support/followers"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(followers["totalItems"], 0);
    let (status, _) = api(
        &a,
        Method::POST,
        "/api/v1/spaces/support/threads",
        &jane,
        Some(json!({ "title": "After the unfollow", "body": "Nobody on B sees this." })),
    )
    .await;
    assert_eq!(status, 201);
    settle(&a, &bb).await;
    assert!(
        thread_titled(&bb, &remote, "After the unfollow")
            .await
            .is_none()
    );
}

/// A space on a peer we did not write (the test peer): Accepts count only from the Group the
/// Follow went to, and nothing an Announce embeds is believed — the post is fetched from its
/// origin, and stored only if it is there, by its author, in that Group.
async fn announced_posts_are_verified_at_their_origin(b: Backend) {
    let hearth = start(b).await;
    let peer = Peer::start().await;
    let alice = hearth.api_user("alice", Role::Member).await;
    let handle = format!("groupcats@{}", peer.domain);
    let (status, space) = api(
        &hearth,
        Method::POST,
        "/api/v1/remote-spaces",
        &alice,
        Some(json!({ "handle": format!("!{handle}") })),
    )
    .await;
    assert_eq!(status, 200, "{space}");
    // A person is not a space.
    let (status, _) = api(
        &hearth,
        Method::POST,
        "/api/v1/remote-spaces",
        &alice,
        Some(json!({ "handle": format!("bob@{}", peer.domain) })),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = api(
        &hearth,
        Method::POST,
        "/api/v1/remote-spaces",
        &alice,
        Some(json!({ "handle": "not a handle" })),
    )
    .await;
    assert_eq!(status, 400);

    let follow_path = format!("/api/v1/spaces/{handle}/follow");
    api(&hearth, Method::PUT, &follow_path, &alice, None).await;
    drain(&hearth).await;
    let follow = peer
        .received()
        .into_iter()
        .find(|r| r.body["type"] == "Follow")
        .expect("the Follow reached the peer's Group");
    assert_eq!(follow.path, "/users/groupcats/inbox");
    assert_eq!(follow.body["object"], peer.actor("groupcats"));
    let follow_id = follow.body["id"].as_str().unwrap().to_string();

    // An Accept from someone else is not the Group's.
    let inbox = hearth.url("/inbox");
    let accept = |actor: String, n: &str| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": peer.activity_id(n), "type": "Accept", "actor": actor, "object": follow_id,
        })
    };
    assert_eq!(
        peer.post_signed(&inbox, &accept(peer.actor("bob"), "acc-0"))
            .await,
        202
    );
    let (_, state) = api(&hearth, Method::GET, &follow_path, &alice, None).await;
    assert_eq!(state["state"], "pending");
    assert_eq!(
        peer.post_signed(&inbox, &accept(peer.actor("groupcats"), "acc-1"))
            .await,
        202
    );
    let (_, state) = api(&hearth, Method::GET, &follow_path, &alice, None).await;
    assert_eq!(state["state"], "accepted");

    let group = peer.actor("groupcats");
    let page = |n: &str, text: &str| {
        json!({
            "id": format!("{}/statuses/{n}", peer.base), "type": "Page",
            "attributedTo": peer.actor("carol"), "name": format!("Thread {n}"),
            "content": format!("<p>{text}</p>"), "to": [group, "https://www.w3.org/ns/activitystreams#Public"],
            "audience": group,
        })
    };
    let announce = |n: &str, actor: &str, object: Value| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": peer.activity_id(n), "type": "Announce", "actor": actor, "object": object,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        })
    };
    let create = |n: &str, object: Value| json!({ "id": peer.activity_id(n), "type": "Create", "actor": peer.actor("carol"), "object": object });
    let space_threads = format!("/api/v1/spaces/{handle}/threads");

    // The origin does not have it: refused, nothing stored.
    let before = hearth.snapshot().await;
    let status = peer
        .post_signed(
            &inbox,
            &announce("an-1", &group, create("c-1", page("1", "made up"))),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(hearth.snapshot().await, before);

    // Announced by someone who is not a Group followed here: dropped.
    peer.serve_status("1", page("1", "what carol wrote"));
    let status = peer
        .post_signed(
            &inbox,
            &announce("an-2", &peer.actor("bob"), create("c-1", page("1", "x"))),
        )
        .await;
    assert_eq!(status, 202);
    assert_eq!(hearth.snapshot().await, before);

    // The Group passes it on with forged text: what is stored is what the origin serves.
    let status = peer
        .post_signed(
            &inbox,
            &announce("an-3", &group, create("c-1", page("1", "forged text"))),
        )
        .await;
    assert_eq!(status, 202);
    let stored = thread_titled(&hearth, &handle, "Thread 1")
        .await
        .expect("stored");
    assert_eq!(stored["opening"]["body"], "what carol wrote");
    assert_eq!(stored["author"]["name"], format!("carol@{}", peer.domain));
    // The same Announce again changes nothing.
    let before = hearth.snapshot().await;
    let status = peer
        .post_signed(
            &inbox,
            &announce("an-3", &group, create("c-1", page("1", "forged text"))),
        )
        .await;
    assert_eq!(status, 202);
    assert_eq!(hearth.snapshot().await, before);

    // A post whose author lives elsewhere than the post is refused.
    let mut foreign = page("2", "by someone else");
    foreign["attributedTo"] = json!("http://localhost:1/users/mallory");
    peer.serve_status("2", foreign.clone());
    let status = peer
        .post_signed(&inbox, &announce("an-4", &group, foreign))
        .await;
    assert_eq!(status, 400);
    // A new thread not addressed to the Group is not its to pass on.
    let mut elsewhere = page("3", "somewhere else");
    elsewhere["to"] = json!(["https://www.w3.org/ns/activitystreams#Public"]);
    elsewhere["audience"] = json!(peer.actor("groupdogs"));
    peer.serve_status("3", elsewhere.clone());
    let status = peer
        .post_signed(&inbox, &announce("an-5", &group, json!(elsewhere["id"])))
        .await;
    assert_eq!(status, 202);
    assert_eq!(hearth.snapshot().await, before);

    // An announced Delete while the origin still has the post: kept. Once it is gone: deleted.
    let delete = json!({
        "id": peer.activity_id("d-1"), "type": "Delete", "actor": peer.actor("carol"),
        "object": format!("{}/statuses/1", peer.base),
    });
    let status = peer
        .post_signed(&inbox, &announce("an-6", &group, delete.clone()))
        .await;
    assert_eq!(status, 202);
    let list = get(&hearth, &space_threads).await;
    assert_eq!(list["threads"].as_array().unwrap().len(), 1);
    peer.serve_status(
        "1",
        json!({ "id": format!("{}/statuses/1", peer.base), "type": "Tombstone" }),
    );
    let status = peer
        .post_signed(&inbox, &announce("an-7", &group, delete))
        .await;
    assert_eq!(status, 202);
    let list = get(&hearth, &space_threads).await;
    assert_eq!(
        list["threads"].as_array().unwrap().len(),
        0,
        "deleted threads leave the list"
    );
    peer.forget_status("1");
}
