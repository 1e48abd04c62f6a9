//! The newcomer gate: in a space with `newcomer_posts` set, the first posts of a new account —
//! local, or from a server the space has not seen — and posts with links from new accounts
//! wait for a moderator. Nobody else sees them meanwhile (lists, thread, profile, other
//! servers); nothing federates, notifies or reaches the desk until a moderator approves — then
//! all of it happens — or rejects with a reason.

use hearth::domain::{PostingMode, Role};
use reqwest::Method;
use serde_json::{Value, json};

use crate::federation::{drain, followed_by_a_peer, local_base};
use crate::harness::{Backend, TestInstance, api_call as call};
use crate::on_both_backends;

on_both_backends!(
    newcomers_wait_for_a_moderator,
    a_fresh_remote_account_is_held_and_approval_federates,
);

async fn post(i: &TestInstance, token: &str, path: &str, body: Value) -> Value {
    crate::harness::api_ok(i, Method::POST, path, token, body).await
}

async fn get(i: &TestInstance, token: &str, path: &str) -> (u16, Value) {
    call(i, Method::GET, path, token, None).await
}

/// Makes `name`'s account look a month old.
async fn age(i: &TestInstance, name: &'static str) {
    i.age_account(name, 30).await;
}

async fn gate(i: &TestInstance, admin: &str, n: i64) {
    let (status, v) = call(
        i,
        Method::PATCH,
        "/api/v1/spaces/support",
        admin,
        Some(json!({ "newcomer_posts": n })),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["newcomer_posts"], n);
}

async fn newcomers_wait_for_a_moderator(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let ada = i.api_user("ada", Role::Admin).await;
    let sam = i.api_user("sam", Role::Staff).await;
    let mo = i.api_user("mo", Role::Moderator).await;
    let carl = i.api_user("carl", Role::Member).await;
    let ana = i.api_user("ana", Role::Member).await;
    let t = post(
        &i,
        &sam,
        "/api/v1/spaces/support/threads",
        json!({ "title": "Release notes", "body": "Version 2 is out." }),
    )
    .await;
    let replies = format!("/api/v1/threads/{}/replies", t["id"]);
    let thread = format!("/api/v1/threads/{}", t["id"]);
    // Carl is a regular: he wrote here before the gate, a month ago.
    post(&i, &carl, &replies, json!({ "body": "Nice!" })).await;
    age(&i, "carl").await;

    // Only admins set the gate, within bounds.
    let before = i.snapshot().await;
    for (token, n, status) in [(&mo, 1, 403), (&ada, 21, 400), (&ada, -1, 400)] {
        let (got, _) = call(
            &i,
            Method::PATCH,
            "/api/v1/spaces/support",
            token,
            Some(json!({ "newcomer_posts": n })),
        )
        .await;
        assert_eq!(got, status);
    }
    assert_eq!(i.snapshot().await, before);
    gate(&i, &ada, 1).await;

    // Ana's first reply waits: she and the moderators see it, nobody else does.
    let (_, n) = get(&i, &sam, "/api/v1/notifications").await;
    let sam_before = n["unread"].as_i64().unwrap();
    let held = post(&i, &ana, &replies, json!({ "body": "How do I update?" })).await;
    assert_eq!(held["held"], true);
    assert_eq!(
        held["held_reason"],
        "one of the first 1 posts here of a new account"
    );
    let held_id = held["id"].as_i64().unwrap();
    let (_, v) = get(&i, &carl, &thread).await;
    assert_eq!(
        v["replies"].as_array().unwrap().len(),
        1,
        "only Carl's: {v}"
    );
    assert_eq!(v["reply_count"], 1);
    let (_, v) = get(&i, &ana, &thread).await;
    assert_eq!(v["replies"].as_array().unwrap().len(), 2);
    let (_, v) = get(&i, &mo, &thread).await;
    assert_eq!(v["replies"].as_array().unwrap().len(), 2);
    let (status, _) = get(&i, &carl, &format!("/api/v1/posts/{held_id}/history")).await;
    assert_eq!(status, 404);
    let (_, w) = get(&i, &carl, "/api/v1/accounts/ana/posts").await;
    assert_eq!(w["items"].as_array().unwrap().len(), 0);
    let (_, n) = get(&i, &sam, "/api/v1/notifications").await;
    assert_eq!(
        n["unread"].as_i64().unwrap(),
        sam_before,
        "nobody notified yet"
    );
    let (got, _) = call(
        &i,
        Method::PUT,
        &format!("/api/v1/posts/{held_id}/like"),
        &carl,
        None,
    )
    .await;
    assert_eq!(got, 409);

    // Her own question waits too: not listed, not on the desk, not there for others.
    let q = post(
        &i,
        &ana,
        "/api/v1/spaces/support/threads",
        json!({ "title": "Buy my course", "body": "See my site." }),
    )
    .await;
    assert_eq!(q["held"], true);
    let (_, list) = get(&i, &carl, "/api/v1/spaces/support/threads").await;
    assert_eq!(list["threads"].as_array().unwrap().len(), 1, "{list}");
    let (status, _) = get(&i, &carl, &format!("/api/v1/threads/{}", q["id"])).await;
    assert_eq!(status, 404);
    let (status, _) = get(&i, &ana, &format!("/api/v1/threads/{}", q["id"])).await;
    assert_eq!(status, 200);
    let (_, desk) = get(&i, &sam, "/api/v1/desk").await;
    assert!(
        desk["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["thread"]["id"] != q["id"]),
        "{desk}"
    );

    // The queue, for moderators: oldest first, with why.
    let (status, _) = get(&i, &carl, "/api/v1/held").await;
    assert_eq!(status, 403);
    let (_, queue) = get(&i, &mo, "/api/v1/held").await;
    let ids: Vec<i64> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], held_id);
    assert_eq!(queue[1]["opening"], true);

    // Approved: out for everyone, counted, notified.
    let before = i.snapshot().await;
    let (got, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/posts/{held_id}/approve"),
        &carl,
        None,
    )
    .await;
    assert_eq!(got, 403);
    assert_eq!(i.snapshot().await, before);
    let (got, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/posts/{held_id}/approve"),
        &mo,
        None,
    )
    .await;
    assert_eq!(got, 204);
    let (got, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/posts/{held_id}/approve"),
        &mo,
        None,
    )
    .await;
    assert_eq!(got, 409);
    let (_, v) = get(&i, &carl, &thread).await;
    assert_eq!(v["replies"].as_array().unwrap().len(), 2);
    assert_eq!(v["reply_count"], 2);
    assert_eq!(v["replies"][1]["held"], false);
    let (_, n) = get(&i, &sam, "/api/v1/notifications").await;
    assert_eq!(
        n["unread"].as_i64().unwrap(),
        sam_before + 1,
        "Sam hears of the reply now"
    );

    // Past her first post, she still is new: a post with a link waits; one without does not.
    let plain = post(&i, &ana, &replies, json!({ "body": "Thanks, it worked." })).await;
    assert_eq!(plain["held"], false);
    let linked = post(
        &i,
        &ana,
        &replies,
        json!({ "body": "See https://example.com/guide" }),
    )
    .await;
    assert_eq!(
        linked["held_reason"],
        "a post with links from a new account"
    );
    // A regular's link does not wait.
    let carl_link = post(
        &i,
        &carl,
        &replies,
        json!({ "body": "Docs: https://example.com/docs" }),
    )
    .await;
    assert_eq!(carl_link["held"], false);
    // Her words are hers: she can delete what waits, and the count stays right.
    let (got, _) = call(
        &i,
        Method::DELETE,
        &format!("/api/v1/posts/{}", linked["id"]),
        &ana,
        None,
    )
    .await;
    assert_eq!(got, 204);
    let (_, v) = get(&i, &carl, &thread).await;
    assert_eq!(v["reply_count"], 4);

    // Removed while it waited: not approved as it is.
    let waiting = post(
        &i,
        &ana,
        &replies,
        json!({ "body": "Mirror: https://example.net" }),
    )
    .await;
    assert_eq!(waiting["held"], true);
    post(
        &i,
        &mo,
        &format!("/api/v1/posts/{}/removal", waiting["id"]),
        json!({ "reason": "Spam" }),
    )
    .await;
    let (got, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/posts/{}/approve", waiting["id"]),
        &mo,
        None,
    )
    .await;
    assert_eq!(got, 409);

    // Rejected, with a reason: it never appears; she sees why; it cannot be restored.
    let opening = {
        let (_, v) = get(&i, &ana, &format!("/api/v1/threads/{}", q["id"])).await;
        v["opening"]["id"].as_i64().unwrap()
    };
    let (got, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/posts/{opening}/reject"),
        &mo,
        Some(json!({ "reason": "" })),
    )
    .await;
    assert_eq!(got, 400);
    let (got, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/posts/{opening}/reject"),
        &mo,
        Some(json!({ "reason": "Advertising" })),
    )
    .await;
    assert_eq!(got, 204);
    let (_, v) = get(&i, &ana, &format!("/api/v1/threads/{}", q["id"])).await;
    assert_eq!(v["opening"]["removal_reason"], "Advertising");
    let (_, list) = get(&i, &carl, "/api/v1/spaces/support/threads").await;
    assert_eq!(list["threads"].as_array().unwrap().len(), 1);
    let (got, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/posts/{opening}/restore"),
        &mo,
        Some(json!({})),
    )
    .await;
    assert_eq!(got, 409);
    let (_, log) = get(&i, &carl, "/api/v1/modlog").await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["reject_post", "remove_post", "approve_post"]);
}

async fn a_fresh_remote_account_is_held_and_approval_federates(b: Backend) {
    let (i, peer) = followed_by_a_peer(b).await;
    let base = local_base(&i);
    let inbox = format!("{base}/inbox");
    let ada = i.api_user("ada", Role::Admin).await;
    let sam = i.api_user("sam", Role::Staff).await;
    let mo = i.api_user("mo", Role::Moderator).await;
    let carl = i.api_user("carl", Role::Member).await;
    let ana = i.api_user("ana", Role::Member).await;
    let t = post(
        &i,
        &sam,
        "/api/v1/spaces/support/threads",
        json!({ "title": "Outage", "body": "We are on it." }),
    )
    .await;
    let tid = t["id"].as_i64().unwrap();
    let replies = format!("/api/v1/threads/{tid}/replies");
    post(
        &i,
        &carl,
        &replies,
        json!({ "body": "Thanks for telling us." }),
    )
    .await;
    // Carl is a regular: two replies here before the gate, a month ago.
    post(&i, &carl, &replies, json!({ "body": "Any news?" })).await;
    age(&i, "carl").await;
    gate(&i, &ada, 2).await;
    drain(&i).await;

    // A batch of link spam from bob, on a server this space has never heard from: all held.
    for n in 1..=3 {
        let note = json!({
            "id": format!("{}/statuses/spam-{n}", peer.base), "type": "Note",
            "attributedTo": peer.actor("bob"),
            "content": format!("<p>Free money at <a href=\"https://spam.example/{n}\">spam.example</a></p>"),
            "inReplyTo": format!("{base}/s/support/t/{tid}"),
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [format!("{base}/s/support")],
        });
        let create = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": peer.activity_id(&format!("spam-{n}")), "type": "Create",
            "actor": peer.actor("bob"), "object": note,
        });
        assert_eq!(
            peer.post_signed(&inbox, &create).await,
            202,
            "stored, not dropped"
        );
    }
    // The regular customer's normal reply is not held.
    let normal = post(&i, &carl, &replies, json!({ "body": "Back up for me." })).await;
    assert_eq!(normal["held"], false);
    let (_, v) = get(&i, &carl, &format!("/api/v1/threads/{tid}")).await;
    assert_eq!(
        v["replies"].as_array().unwrap().len(),
        3,
        "Carl's three: {v}"
    );
    let (_, queue) = get(&i, &mo, "/api/v1/held").await;
    let queue = queue.as_array().unwrap().clone();
    assert_eq!(queue.len(), 3, "{queue:?}");
    let domain = &peer.domain;
    assert_eq!(
        queue[0]["reason"],
        format!("one of the first 2 posts here from {domain}, a server this space has not seen")
    );
    assert!(
        queue.iter().all(|p| p["reason"] == queue[0]["reason"]),
        "none is let through yet, so each is among his first: {queue:?}"
    );

    // A local newcomer's reply goes nowhere until approved; then it federates.
    let held = post(
        &i,
        &ana,
        &replies,
        json!({ "body": "Still down here in Lyon." }),
    )
    .await;
    assert_eq!(held["held"], true);
    drain(&i).await;
    let sent = |peer: &crate::peer::Peer| {
        peer.received()
            .into_iter()
            .filter(|r| r.body.to_string().contains("Still down here in Lyon"))
            .count()
    };
    assert_eq!(sent(&peer), 0, "nothing left while it waits");
    let (got, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/posts/{}/approve", held["id"]),
        &mo,
        None,
    )
    .await;
    assert_eq!(got, 204);
    drain(&i).await;
    assert_eq!(sent(&peer), 1, "out once approved");

    // Approving bob's first shows it here.
    let first = queue[0]["id"].as_i64().unwrap();
    let (got, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/posts/{first}/approve"),
        &mo,
        None,
    )
    .await;
    assert_eq!(got, 204);
    let (_, v) = get(&i, &carl, &format!("/api/v1/threads/{tid}")).await;
    assert_eq!(v["replies"].as_array().unwrap().len(), 5);
}
