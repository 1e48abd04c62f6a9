//! Federation against a peer on loopback: discovery, actor documents, Follow → Accept from the
//! Group, durable delivery with retries, and refusal of forged, unsigned and malformed input.

use hearth::domain::{PostingMode, Role};
use serde_json::{Value, json};

use crate::harness::{Backend, TestInstance, client};
use crate::on_both_backends;
use crate::peer::Peer;

on_both_backends!(
    discovery_and_actor_documents,
    follow_is_accepted_by_the_group,
    inbox_refuses_bad_input_and_changes_nothing,
    failed_deliveries_are_retried,
    the_worker_delivers_in_the_background,
    threads_and_replies_go_to_followers,
    remote_posts_become_threads_and_replies,
    remote_likes_edits_deletes_and_reports,
    blocked_servers_are_refused_and_never_delivered_to,
    edits_deletes_likes_and_where_they_went,
    private_addresses_are_refused_outside_test_mode,
    received_posts_are_passed_on_to_followers,
    a_server_failing_for_days_is_probed_then_resumed,
    a_reply_reaches_the_customer_who_asked_without_following,
    a_reply_to_a_post_we_never_saw_finds_its_thread,
    remote_avatars_are_served_from_here,
);

const AP: &str = "application/activity+json";

async fn start(b: Backend) -> TestInstance {
    let i = TestInstance::start_with(b, &[("FEDERATION_INSECURE", "true")]).await;
    i.create_space("support", PostingMode::Announcements).await;
    i
}

async fn get_json(url: &str, accept: &str) -> (u16, Value) {
    let resp = client()
        .get(url)
        .header("accept", accept)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Runs the worker's passes (events into deliveries, then sending) until nothing is due.
pub async fn drain(i: &TestInstance) -> usize {
    let mut total = 0;
    loop {
        hearth::federation::outbound::process_events(&i.state.federation).await;
        let n = hearth::federation::delivery::deliver_due(&i.state.federation).await;
        if n == 0 {
            return total;
        }
        total += n;
    }
}

async fn deliveries(i: &TestInstance) -> Vec<hearth::db::federation::Delivery> {
    i.state
        .hearth
        .db
        .run(|c| {
            use diesel::prelude::*;
            use hearth::db::schema::deliveries;
            Ok(deliveries::table
                .order(deliveries::id)
                .select(hearth::db::federation::Delivery::as_select())
                .load(c)?)
        })
        .await
        .unwrap()
}

async fn discovery_and_actor_documents(b: Backend) {
    let i = start(b).await;
    i.create_user("jane", Role::Staff).await;
    let domain = i
        .base
        .trim_start_matches("http://")
        .replace("127.0.0.1", "localhost");
    let base = format!("http://{domain}");

    let (status, wf) = get_json(
        &i.url(&format!(
            "/.well-known/webfinger?resource=acct:support@{domain}"
        )),
        "application/jrd+json",
    )
    .await;
    assert_eq!(status, 200, "{wf}");
    assert_eq!(wf["subject"], format!("acct:support@{domain}"));
    let me = wf["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "self")
        .unwrap();
    assert_eq!(me["href"], format!("{base}/s/support"));
    assert_eq!(me["type"], AP);
    assert_eq!(
        me["properties"]["https://www.w3.org/ns/activitystreams#type"],
        "Group"
    );
    let (_, wf) = get_json(
        &i.url(&format!(
            "/.well-known/webfinger?resource=acct:jane@{domain}"
        )),
        "*/*",
    )
    .await;
    assert_eq!(wf["links"][1]["href"], format!("{base}/u/jane"));
    for bad in [
        "acct:nobody@{d}",
        "acct:support@elsewhere.example",
        "nonsense",
    ] {
        let (status, _) = get_json(
            &i.url(&format!(
                "/.well-known/webfinger?resource={}",
                bad.replace("{d}", &domain)
            )),
            "*/*",
        )
        .await;
        assert_eq!(status, 404, "{bad}");
    }

    let (_, links) = get_json(&i.url("/.well-known/nodeinfo"), "*/*").await;
    assert_eq!(links["links"][0]["href"], format!("{base}/nodeinfo/2.1"));
    let (_, ni) = get_json(&i.url("/nodeinfo/2.1"), "*/*").await;
    assert_eq!(ni["software"]["name"], "hearth");
    assert_eq!(ni["protocols"][0], "activitypub");
    assert_eq!(ni["usage"]["users"]["total"], 1);
    let hm = client()
        .get(i.url("/.well-known/host-meta"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(hm.contains(&format!("{base}/.well-known/webfinger?resource={{uri}}")));

    // The same URL serves the page or the Group, by Accept.
    for accept in [
        AP,
        "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
    ] {
        let (status, g) = get_json(&i.url("/s/support"), accept).await;
        assert_eq!(status, 200);
        assert_eq!(g["type"], "Group");
        assert_eq!(g["id"], format!("{base}/s/support"));
        assert_eq!(g["preferredUsername"], "support");
        assert_eq!(g["name"], "The support space");
        assert_eq!(g["summary"], "<p>All about <strong>support</strong></p>\n");
        assert_eq!(g["source"]["mediaType"], "text/markdown");
        assert_eq!(g["inbox"], format!("{base}/s/support/inbox"));
        assert_eq!(g["endpoints"]["sharedInbox"], format!("{base}/inbox"));
        assert_eq!(g["attributedTo"], format!("{base}/s/support/moderators"));
        assert_eq!(g["postingRestrictedToMods"], true);
        assert!(
            g["publicKey"]["publicKeyPem"]
                .as_str()
                .unwrap()
                .contains("BEGIN PUBLIC KEY")
        );
        assert_eq!(g["publicKey"]["id"], format!("{base}/s/support#main-key"));
        assert!(
            g["@context"]
                .to_string()
                .contains("https://w3id.org/security/v1")
        );
    }
    // With a logo set, it is the Group's icon.
    let admin = i.api_user("boss", Role::Admin).await;
    client()
        .patch(i.url("/api/v1/admin/instance"))
        .header("authorization", format!("Bearer {admin}"))
        .json(&json!({"logo_url": "https://acme.example/logo.png"}))
        .send()
        .await
        .unwrap();
    let (_, g) = get_json(&i.url("/s/support"), AP).await;
    assert_eq!(g["icon"]["url"], "https://acme.example/logo.png");
    let page = client()
        .get(i.url("/s/support"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let (_, p) = get_json(&i.url("/u/jane"), AP).await;
    assert_eq!(p["type"], "Person");
    assert_eq!(p["inbox"], format!("{base}/u/jane/inbox"));
    let (_, a) = get_json(&i.url("/actor"), AP).await;
    assert_eq!(a["type"], "Application");
    assert_eq!(get_json(&i.url("/s/nowhere"), AP).await.0, 404);
    let (_, f) = get_json(&i.url("/s/support/followers"), AP).await;
    assert_eq!(f["type"], "OrderedCollection");
    assert_eq!(f["totalItems"], 0);
}

pub fn follow(peer: &Peer, i: &TestInstance, n: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": peer.activity_id(n),
        "type": "Follow",
        "actor": peer.actor("bob"),
        "object": format!("{}/s/support", local_base(i)),
    })
}

/// An instance with an open space "support" that a peer's bob follows (Accept already sent).
pub async fn followed_by_a_peer(b: Backend) -> (TestInstance, Peer) {
    let i = TestInstance::start_with(b, &[("FEDERATION_INSECURE", "true")]).await;
    i.create_space("support", PostingMode::Open).await;
    let peer = Peer::start().await;
    let inbox = format!("{}/s/support/inbox", local_base(&i));
    assert_eq!(peer.post_signed(&inbox, &follow(&peer, &i, "f")).await, 202);
    drain(&i).await;
    (i, peer)
}

pub fn local_base(i: &TestInstance) -> String {
    i.base.replace("127.0.0.1", "localhost")
}

async fn follower_count(i: &TestInstance) -> i64 {
    get_json(&i.url("/s/support/followers"), AP).await.1["totalItems"]
        .as_i64()
        .unwrap()
}

async fn follow_is_accepted_by_the_group(b: Backend) {
    let i = start(b).await;
    let peer = Peer::start().await;
    let inbox = format!("{}/s/support/inbox", local_base(&i));
    let f = follow(&peer, &i, "follow-1");
    assert_eq!(peer.post_signed(&inbox, &f).await, 202);
    assert_eq!(follower_count(&i).await, 1);

    // The Accept was queued in the same transaction; the worker sends it.
    assert_eq!(drain(&i).await, 1);
    let got = peer.received();
    assert_eq!(got.len(), 1);
    let accept = &got[0].body;
    assert_eq!(accept["type"], "Accept");
    assert_eq!(
        accept["actor"],
        format!("{}/s/support", local_base(&i)),
        "Accept comes from the Group"
    );
    assert_eq!(accept["object"]["id"], f["id"], "the Follow is embedded");
    assert_eq!(accept["object"]["actor"], f["actor"]);
    assert_eq!(accept["object"]["type"], "Follow");
    assert_eq!(got[0].path, "/users/bob/inbox");
    let sig = got[0].headers["signature"].to_str().unwrap();
    assert!(
        sig.contains(&format!("keyId=\"{}/s/support#main-key\"", local_base(&i))),
        "{sig}"
    );
    assert!(got[0].headers.contains_key("digest"));
    let d = deliveries(&i).await;
    assert_eq!(d[0].status, "sent");

    // The remote person is cached, with their HTML sanitised.
    let cached = i
        .state
        .hearth
        .db
        .run({
            let id = peer.actor("bob");
            move |c| Ok(hearth::db::federation::find_actor(c, &id)?.unwrap())
        })
        .await
        .unwrap();
    assert!(
        !cached.summary_html.contains("<script"),
        "{}",
        cached.summary_html
    );
    assert!(!cached.summary_html.contains("javascript:"));
    assert_eq!(cached.domain, peer.domain);
    assert_eq!(
        cached.shared_inbox.as_deref(),
        Some(format!("{}/inbox", peer.base).as_str())
    );

    // The same Follow again changes nothing and queues nothing.
    let before = (follower_count(&i).await, deliveries(&i).await.len());
    assert_eq!(peer.post_signed(&inbox, &f).await, 202);
    assert_eq!(
        (follower_count(&i).await, deliveries(&i).await.len()),
        before
    );

    // Undo by someone else is refused; Undo by the follower unfollows.
    let undo = |actor: String, n: &str| {
        json!({
            "id": peer.activity_id(n),
            "type": "Undo",
            "actor": actor,
            "object": f,
        })
    };
    let status = peer
        .post_signed(&inbox, &undo(peer.actor("mallory"), "undo-1"))
        .await;
    assert!(status == 400 || status == 401, "{status}");
    assert_eq!(follower_count(&i).await, 1);
    assert_eq!(
        peer.post_signed(&inbox, &undo(peer.actor("bob"), "undo-2"))
            .await,
        202
    );
    assert_eq!(follower_count(&i).await, 0);

    // Following a person (not a space) is refused for now.
    let mut p = follow(&peer, &i, "follow-2");
    p["object"] = json!(format!("{}/u/nobody", local_base(&i)));
    assert_eq!(
        peer.post_signed(&format!("{}/inbox", local_base(&i)), &p)
            .await,
        400
    );
}

async fn inbox_refuses_bad_input_and_changes_nothing(b: Backend) {
    let i = TestInstance::start_with(
        b,
        &[("FEDERATION_INSECURE", "true"), ("MAX_BODY_BYTES", "65536")],
    )
    .await;
    i.create_space("support", PostingMode::Open).await;
    let peer = Peer::start().await;
    let inbox = format!("{}/s/support/inbox", local_base(&i));
    let before = i.snapshot().await;
    let f = follow(&peer, &i, "f");

    // No signature at all.
    assert_eq!(peer.post_unsigned(&inbox, &f.to_string()).await, 401);
    // Signed by bob, but claiming to be someone on another server (id host ≠ actor host).
    let mut spoofed = f.clone();
    spoofed["actor"] = json!("http://localhost:1/users/victim");
    let status = peer.post_signed(&inbox, &spoofed).await;
    assert!(status == 400 || status == 401, "spoofed actor: {status}");
    // The activity id on another host than its actor.
    let mut other_id = f.clone();
    other_id["id"] = json!("http://elsewhere.localhost:9/activities/1");
    assert_eq!(peer.post_signed(&inbox, &other_id).await, 400);
    // Malformed JSON, and JSON nested far too deep.
    assert_eq!(
        peer.post_unsigned(&inbox, "{\"type\": \"Follow\", ").await,
        400
    );
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert_eq!(
        peer.post_unsigned(&inbox, &format!("{{\"type\":\"Follow\",\"x\":{deep}}}"))
            .await,
        400
    );
    // Too large.
    let mut huge = f.clone();
    huge["padding"] = json!("x".repeat(100_000));
    assert_eq!(peer.post_signed(&inbox, &huge).await, 413);
    // A Follow of a space that does not exist.
    let mut missing = f.clone();
    missing["object"] = json!(format!("{}/s/nowhere", local_base(&i)));
    missing["id"] = json!(peer.activity_id("missing"));
    let status = peer.post_signed(&inbox, &missing).await;
    assert!(status == 404 || status == 400, "{status}");
    assert_eq!(i.snapshot().await, before);
    assert!(deliveries(&i).await.is_empty());
    assert_eq!(follower_count(&i).await, 0);

    // A signature made hours ago (a replayed or badly delayed request) is refused.
    let mut late = f.clone();
    late["id"] = json!(peer.activity_id("late"));
    let old = chrono::Utc::now() - chrono::TimeDelta::hours(3);
    assert_eq!(peer.post_signed_dated(&inbox, &late, old).await, 401);
    let future = chrono::Utc::now() + chrono::TimeDelta::hours(3);
    assert_eq!(peer.post_signed_dated(&inbox, &late, future).await, 401);
    assert_eq!(i.snapshot().await, before);

    // An activity type Hearth does not handle is acknowledged and ignored.
    let like = json!({"id": peer.activity_id("like"), "type": "Like", "actor": peer.actor("bob"), "object": "http://x.example/1"});
    assert_eq!(peer.post_signed(&inbox, &like).await, 202);
    assert_eq!(i.snapshot().await, before);
}

async fn failed_deliveries_are_retried(b: Backend) {
    let i = start(b).await;
    let peer = Peer::start().await;
    let inbox = format!("{}/s/support/inbox", local_base(&i));
    // The peer is down (503) at first.
    peer.respond_with(&[503]);
    assert_eq!(peer.post_signed(&inbox, &follow(&peer, &i, "f")).await, 202);
    assert_eq!(drain(&i).await, 1);
    let d = deliveries(&i).await;
    assert_eq!(d[0].status, "pending");
    assert_eq!(d[0].attempts, 1);
    assert!(d[0].last_error.contains("503"), "{}", d[0].last_error);
    assert!(
        d[0].next_attempt_at > hearth::db::now(),
        "retried later, not at once"
    );
    assert!(peer.received().is_empty());
    // Not due yet: a pass sends nothing.
    assert_eq!(drain(&i).await, 0);
    // Time passes (the retry comes due); the peer is back.
    i.state
        .hearth
        .db
        .run(|c| {
            use diesel::prelude::*;
            use hearth::db::schema::deliveries;
            diesel::update(deliveries::table)
                .set(deliveries::next_attempt_at.eq(hearth::db::now()))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(drain(&i).await, 1);
    let d = deliveries(&i).await;
    assert_eq!(d[0].status, "sent");
    assert_eq!(d[0].attempts, 2);
    assert_eq!(peer.received().len(), 1);
}

async fn the_worker_delivers_in_the_background(b: Backend) {
    let i = TestInstance::start_with_worker(b, &[("FEDERATION_INSECURE", "true")]).await;
    i.create_space("support", PostingMode::Open).await;
    let peer = Peer::start().await;
    let inbox = format!("{}/s/support/inbox", local_base(&i));
    assert_eq!(peer.post_signed(&inbox, &follow(&peer, &i, "f")).await, 202);
    // No manual pass: the worker is woken by the commit. Wait for the result, not for a time.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while peer.received().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the Accept never arrived"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(peer.received()[0].body["type"], "Accept");
}

async fn threads_and_replies_go_to_followers(b: Backend) {
    let (i, peer) = followed_by_a_peer(b).await;
    let base = local_base(&i);
    let ana = i.api_user("ana", Role::Member).await;
    let jane = i.api_user("jane", Role::Staff).await;
    let c = client();
    let t: Value = c
        .post(i.url("/api/v1/spaces/support/threads"))
        .header("authorization", format!("Bearer {ana}"))
        .json(&json!({"title": "Router reboots", "body": "Every **hour**, since the update."}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tid = t["id"].as_i64().unwrap();
    drain(&i).await;
    let mut got: Vec<Value> = peer
        .received()
        .into_iter()
        .skip(1)
        .map(|r| r.body)
        .collect();
    assert_eq!(
        got.len(),
        2,
        "Announce(Create(Page)) and Announce(Page): {got:?}"
    );
    // Sent concurrently: put the Announce of the Create first.
    got.sort_by_key(|a| a["object"]["type"] != "Create");
    let thread_id = format!("{base}/s/support/t/{tid}");
    for a in &got {
        assert_eq!(a["type"], "Announce");
        assert_eq!(a["actor"], format!("{base}/s/support"));
        assert_eq!(a["to"][0], "https://www.w3.org/ns/activitystreams#Public");
        assert_eq!(a["cc"][0], format!("{base}/s/support/followers"));
    }
    let create = &got[0]["object"];
    assert_eq!(create["type"], "Create");
    assert_eq!(create["actor"], format!("{base}/u/ana"));
    let page = &create["object"];
    assert_eq!(page["type"], "Page");
    assert_eq!(page["id"], thread_id);
    assert_eq!(page["name"], "Router reboots");
    assert_eq!(
        page["content"],
        "<p>Every <strong>hour</strong>, since the update.</p>\n"
    );
    assert_eq!(
        page["summary"], "Every hour, since the update.",
        "what Mastodon shows under the title"
    );
    assert_eq!(
        page["source"]["content"],
        "Every **hour**, since the update."
    );
    assert_eq!(page["audience"], format!("{base}/s/support"));
    assert_eq!(page["tag"][0]["type"], "Mention");
    assert_eq!(page["tag"][0]["href"], format!("{base}/s/support"));
    assert_eq!(
        got[1]["object"]["type"], "Page",
        "the Mastodon-readable Announce of the object"
    );
    assert_eq!(got[1]["object"]["id"], thread_id);

    // The object can be fetched from its id.
    let (status, fetched) = get_json(&i.url(&format!("/s/support/t/{tid}")), AP).await;
    assert_eq!(status, 200);
    assert_eq!(fetched["id"], thread_id);
    assert_eq!(fetched["type"], "Page");

    // A staff reply: one Announce of the Create(Note); not boosted as a bare Note.
    let view: Value = c
        .get(i.url(&format!("/api/v1/threads/{tid}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let _ = view;
    let r: Value = c
        .post(i.url(&format!("/api/v1/threads/{tid}/replies")))
        .header("authorization", format!("Bearer {jane}"))
        .json(&json!({"body": "Please update the firmware."}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    drain(&i).await;
    let got: Vec<Value> = peer
        .received()
        .into_iter()
        .skip(3)
        .map(|r| r.body)
        .collect();
    assert_eq!(got.len(), 1, "{got:?}");
    let note = &got[0]["object"]["object"];
    assert_eq!(got[0]["object"]["type"], "Create");
    assert_eq!(note["type"], "Note");
    assert_eq!(note["id"], format!("{base}/posts/{}", r["id"]));
    assert_eq!(note["inReplyTo"], thread_id);
    assert_eq!(note["attributedTo"], format!("{base}/u/jane"));
    assert_eq!(
        note["distinguished"], true,
        "staff speak for the brand (Lemmy's distinguished)"
    );
    assert!(
        note["cc"]
            .as_array()
            .unwrap()
            .contains(&json!(format!("{base}/u/ana"))),
        "the person replied to is addressed"
    );
    assert!(
        note["cc"]
            .as_array()
            .unwrap()
            .contains(&json!(format!("{base}/s/support")))
    );
    let (status, fetched) = get_json(&i.url(&format!("/posts/{}", r["id"])), AP).await;
    assert_eq!(status, 200);
    assert_eq!(fetched["type"], "Note");
    // The whole conversation can be fetched (FEP-7888 context, replies collections).
    assert_eq!(page["context"], format!("{thread_id}/context"));
    let (status, ctx) = get_json(&i.url(&format!("/s/support/t/{tid}/context")), AP).await;
    assert_eq!(status, 200);
    assert_eq!(ctx["type"], "OrderedCollection");
    assert_eq!(ctx["totalItems"], 2);
    assert_eq!(ctx["orderedItems"][0], thread_id);
    assert_eq!(ctx["orderedItems"][1], format!("{base}/posts/{}", r["id"]));
    let (_, replies) = get_json(&i.url(&format!("/s/support/t/{tid}/replies")), AP).await;
    assert_eq!(replies["totalItems"], 1);
    let (_, none) = get_json(&i.url(&format!("/posts/{}/replies", r["id"])), AP).await;
    assert_eq!(none["totalItems"], 0);
    assert_eq!(
        get_json(&i.url("/s/support/t/999/context"), AP).await.0,
        404
    );
    // One copy per shared inbox: the peer's followers all share one inbox.
    assert!(peer.received().iter().skip(1).all(|r| r.path == "/inbox"));
}

async fn remote_posts_become_threads_and_replies(b: Backend) {
    let i = TestInstance::start_with(b, &[("FEDERATION_INSECURE", "true")]).await;
    i.create_space("support", PostingMode::Open).await;
    i.create_space("news", PostingMode::Announcements).await;
    let peer = Peer::start().await;
    let base = local_base(&i);
    let inbox = format!("{base}/inbox");
    let public = "https://www.w3.org/ns/activitystreams#Public";
    let create = |n: &str, object: Value| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": peer.activity_id(&format!("create-{n}")),
            "type": "Create",
            "actor": peer.actor("bob"),
            "object": object,
        })
    };

    // A Lemmy-style Page addressed to the space starts a thread.
    let page = json!({
        "id": format!("{}/post/1", peer.base), "type": "Page", "attributedTo": peer.actor("bob"),
        "name": "Modem lights blink orange",
        "content": "<p>Since <strong>yesterday</strong>.<script>alert(1)</script></p>",
        "source": {"content": "Since **yesterday**.", "mediaType": "text/markdown"},
        "to": [format!("{base}/s/support"), public], "audience": format!("{base}/s/support"),
    });
    assert_eq!(
        peer.post_signed(&inbox, &create("1", page.clone())).await,
        202
    );
    let c = client();
    let list: Value = c
        .get(i.url("/api/v1/spaces/support/threads"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["threads"].as_array().unwrap().len(), 1, "{list}");
    let t = &list["threads"][0];
    assert_eq!(t["title"], "Modem lights blink orange");
    let handle = format!("bob@{}", peer.domain);
    assert_eq!(t["author"]["name"], handle);
    assert_eq!(t["author"]["is_staff"], false);
    assert_eq!(
        t["author"]["home"], peer.domain,
        "their home server is shown"
    );
    let tid = t["id"].as_i64().unwrap();
    let view: Value = c
        .get(i.url(&format!("/api/v1/threads/{tid}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["opening"]["body"], "Since **yesterday**.");
    let html = view["opening"]["body_html"].as_str().unwrap();
    assert!(
        html.contains("<strong>yesterday</strong>") && !html.contains("<script"),
        "{html}"
    );

    // A Mastodon-style reply (a Note whose inReplyTo is our thread) becomes a reply.
    let note = json!({
        "id": format!("{}/statuses/2", peer.base), "type": "Note", "attributedTo": peer.actor("bob"),
        "content": "<p>Update: it also drops Wi-Fi.</p>", "inReplyTo": format!("{base}/s/support/t/{tid}"),
        "to": [public], "cc": [format!("{base}/s/support")],
    });
    assert_eq!(
        peer.post_signed(&inbox, &create("2", note.clone())).await,
        202
    );
    // A reply to that reply, by its remote id.
    let nested = json!({
        "id": format!("{}/statuses/3", peer.base), "type": "Note", "attributedTo": peer.actor("bob"),
        "content": "<p>And now it is fine again.</p>", "inReplyTo": format!("{}/statuses/2", peer.base),
        "to": [public],
    });
    assert_eq!(peer.post_signed(&inbox, &create("3", nested)).await, 202);
    let view: Value = c
        .get(i.url(&format!("/api/v1/threads/{tid}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["reply_count"], 2);
    assert_eq!(view["replies"][0]["body"], "Update: it also drops Wi-Fi.");
    assert_eq!(
        view["replies"][0]["replies"][0]["body"],
        "And now it is fine again."
    );
    // Remote threads are not re-announced (not implemented yet), so nothing is queued.
    assert!(deliveries(&i).await.is_empty());

    // A Mastodon post that mentions the space starts a thread titled by its first line.
    let mention = json!({
        "id": format!("{}/statuses/4", peer.base), "type": "Note", "attributedTo": peer.actor("bob"),
        "content": format!("<p><span class=\"h-card\"><a href=\"{base}/s/support\" class=\"u-url mention\">@<span>support</span></a></span> Where is the reset button?</p><p>Thanks!</p>"),
        "to": [public], "cc": [format!("{base}/s/support")],
        "tag": [{"type": "Mention", "href": format!("{base}/s/support"), "name": format!("@support@{}", base.trim_start_matches("http://"))}],
    });
    assert_eq!(peer.post_signed(&inbox, &create("4", mention)).await, 202);
    let list: Value = c
        .get(i.url("/api/v1/spaces/support/threads"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["threads"][0]["title"], "Where is the reset button?");

    // Redelivery changes nothing; so does the same object in a new activity.
    let before = i.snapshot().await;
    assert_eq!(
        peer.post_signed(&inbox, &create("2", note.clone())).await,
        202
    );
    assert_eq!(peer.post_signed(&inbox, &create("2b", note)).await, 202);
    assert_eq!(i.snapshot().await, before);

    // Refused, and nothing changes: someone else's post; a thread in an announcements space; a
    // post claiming one of our ids.
    let mut forged = page.clone();
    forged["id"] = json!(format!("{}/post/9", peer.base));
    forged["attributedTo"] = json!(peer.actor("alice"));
    assert_eq!(peer.post_signed(&inbox, &create("5", forged)).await, 400);
    let mut news = page.clone();
    news["id"] = json!(format!("{}/post/10", peer.base));
    news["to"] = json!([format!("{base}/s/news"), public]);
    news["audience"] = json!(format!("{base}/s/news"));
    assert_eq!(peer.post_signed(&inbox, &create("6", news)).await, 403);
    let mut ours = page.clone();
    ours["id"] = json!(format!("{base}/posts/1"));
    let status = peer.post_signed(&inbox, &create("7", ours)).await;
    assert_eq!(status, 400);
    assert_eq!(i.snapshot().await, before);

    // The remote author has a profile page here, and cannot log in.
    let page = c.get(i.url(&format!("/u/{handle}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let resp = c
        .post(i.url("/api/v1/auth/login"))
        .json(&json!({"name": handle, "password": ""}))
        .send()
        .await
        .unwrap();
    assert!(resp.status() == 400 || resp.status() == 401);
}

async fn remote_likes_edits_deletes_and_reports(b: Backend) {
    let i = TestInstance::start_with(b, &[("FEDERATION_INSECURE", "true")]).await;
    i.create_space("support", PostingMode::Open).await;
    let peer = Peer::start().await;
    let base = local_base(&i);
    let inbox = format!("{base}/inbox");
    let ana = i.api_user("ana", Role::Member).await;
    let c = client();
    let t: Value = c
        .post(i.url("/api/v1/spaces/support/threads"))
        .header("authorization", format!("Bearer {ana}"))
        .json(&json!({"title": "Local question", "body": "Hello"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tid = t["id"].as_i64().unwrap();
    let thread_id = format!("{base}/s/support/t/{tid}");
    let view = |c: reqwest::Client| {
        let url = i.url(&format!("/api/v1/threads/{tid}"));
        async move {
            c.get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };

    // Like, liked again (no second like), then undone.
    let like = json!({"id": peer.activity_id("like-1"), "type": "Like", "actor": peer.actor("bob"), "object": thread_id});
    assert_eq!(peer.post_signed(&inbox, &like).await, 202);
    assert_eq!(view(c.clone()).await["like_count"], 1);
    let again = json!({"id": peer.activity_id("like-2"), "type": "Like", "actor": peer.actor("bob"), "object": thread_id});
    assert_eq!(peer.post_signed(&inbox, &again).await, 202);
    assert_eq!(
        view(c.clone()).await["like_count"],
        1,
        "one like per person"
    );
    let undo = json!({"id": peer.activity_id("undo-like"), "type": "Undo", "actor": peer.actor("bob"), "object": like});
    assert_eq!(peer.post_signed(&inbox, &undo).await, 202);
    assert_eq!(view(c.clone()).await["like_count"], 0);

    // A remote reply, then its author edits and deletes it.
    let note_id = format!("{}/statuses/7", peer.base);
    let note = json!({
        "id": note_id, "type": "Note", "attributedTo": peer.actor("bob"),
        "content": "<p>First words</p>", "inReplyTo": thread_id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [format!("{base}/s/support")],
    });
    let create = json!({"id": peer.activity_id("c"), "type": "Create", "actor": peer.actor("bob"), "object": note});
    assert_eq!(peer.post_signed(&inbox, &create).await, 202);
    let mut edited = note.clone();
    edited["content"] = json!("<p>Better words</p>");
    let update = json!({"id": peer.activity_id("u"), "type": "Update", "actor": peer.actor("bob"), "object": edited});
    assert_eq!(peer.post_signed(&inbox, &update).await, 202);
    let v = view(c.clone()).await;
    assert_eq!(v["replies"][0]["body"], "Better words");
    assert!(v["replies"][0]["edited_at"].is_string());
    let post_id = v["replies"][0]["id"].as_i64().unwrap();
    let history: Value = c
        .get(i.url(&format!("/api/v1/posts/{post_id}/history")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history["revisions"][0]["body"], "First words");

    // Someone else on the same server cannot edit or delete bob's post.
    let before = i.snapshot().await;
    let mut forged = edited.clone();
    forged["attributedTo"] = json!(peer.actor("bob"));
    let not_bob = json!({"id": peer.activity_id("u2"), "type": "Update", "actor": peer.actor("mallory"), "object": forged});
    assert_eq!(peer.post_signed(&inbox, &not_bob).await, 400);
    let delete_by_other = json!({"id": peer.activity_id("d0"), "type": "Delete", "actor": peer.actor("mallory"), "object": note_id});
    assert_eq!(peer.post_signed(&inbox, &delete_by_other).await, 403);
    // Nor delete a local post.
    let delete_local = json!({"id": peer.activity_id("d1"), "type": "Delete", "actor": peer.actor("bob"), "object": thread_id});
    assert_eq!(peer.post_signed(&inbox, &delete_local).await, 400);
    assert_eq!(i.snapshot().await, before);

    let delete = json!({"id": peer.activity_id("d2"), "type": "Delete", "actor": peer.actor("bob"),
        "object": {"id": note_id, "type": "Tombstone"}});
    assert_eq!(peer.post_signed(&inbox, &delete).await, 202);
    let v = view(c.clone()).await;
    assert_eq!(v["replies"][0]["deleted"], true);
    assert_eq!(v["replies"][0]["body_html"], "");

    // Reports in Mastodon's shape (instance actor, list of objects, reason in content) and
    // Lemmy's (a person, one object, reason in summary) are stored for moderators.
    let mastodon = json!({"id": peer.activity_id("flag-1"), "type": "Flag", "actor": peer.actor("bob"),
        "object": [format!("{base}/u/ana"), thread_id], "content": "Spam link"});
    let lemmy = json!({"id": peer.activity_id("flag-2"), "type": "Flag", "actor": peer.actor("bob"),
        "object": thread_id, "summary": "Off topic", "to": [format!("{base}/s/support")]});
    assert_eq!(peer.post_signed(&inbox, &mastodon).await, 202);
    assert_eq!(peer.post_signed(&inbox, &lemmy).await, 202);
    assert_eq!(
        peer.post_signed(&inbox, &lemmy).await,
        202,
        "the same report twice"
    );
    let reports = i
        .state
        .hearth
        .db
        .run(|c| Ok(hearth::db::federation::open_reports(c)?))
        .await
        .unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0].reason, "Spam link");
    assert!(reports[0].objects.contains(&thread_id));
    assert_eq!(reports[1].reason, "Off topic");
}

async fn blocked_servers_are_refused_and_never_delivered_to(b: Backend) {
    // Every test peer lives on `localhost`; block it (our own URLs are never checked).
    let i = TestInstance::start_with(
        b,
        &[
            ("FEDERATION_INSECURE", "true"),
            ("BLOCKED_DOMAINS", "localhost"),
        ],
    )
    .await;
    i.create_space("support", PostingMode::Open).await;
    let peer = Peer::start().await;
    let before = i.snapshot().await;
    let status = peer
        .post_signed(
            &format!("{}/s/support/inbox", local_base(&i)),
            &follow(&peer, &i, "f"),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(i.snapshot().await, before);
    assert_eq!(follower_count(&i).await, 0);
    assert_eq!(peer.attempts(), 0);

    // A delivery queued before the block (here: written directly) is dropped, not retried.
    let inbox = format!("{}/inbox", peer.base);
    let host = peer.domain.clone();
    i.state
        .hearth
        .db
        .run(move |c| {
            hearth::db::federation::enqueue(
                c,
                "http://localhost/activities/x",
                "instance",
                &inbox,
                &host,
                "{}",
            )?;
            Ok(())
        })
        .await
        .unwrap();
    drain(&i).await;
    let d = deliveries(&i).await;
    assert_eq!(d[0].status, "failed");
    assert!(d[0].last_error.contains("blocked"), "{}", d[0].last_error);
    assert_eq!(peer.attempts(), 0, "nothing was sent");
}

async fn edits_deletes_likes_and_where_they_went(b: Backend) {
    let (i, peer) = followed_by_a_peer(b).await;
    let base = local_base(&i);
    let ana = i.api_user("ana", Role::Member).await;
    let jane = i.api_user("jane", Role::Staff).await;
    let c = client();
    let bearer = |t: &str| format!("Bearer {t}");
    let t: Value = c
        .post(i.url("/api/v1/spaces/support/threads"))
        .header("authorization", bearer(&ana))
        .json(&json!({"title": "Old title", "body": "Old words"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tid = t["id"].as_i64().unwrap();
    drain(&i).await;
    let view: Value = c
        .get(i.url(&format!("/api/v1/threads/{tid}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let opening = view["opening"]["id"].as_i64().unwrap();
    let seen = peer.received().len();

    // The author edits: the Group announces the Update.
    let resp = c
        .patch(i.url(&format!("/api/v1/posts/{opening}")))
        .header("authorization", bearer(&ana))
        .json(&json!({"title": "New title", "body": "New words"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    drain(&i).await;
    let got: Vec<Value> = peer
        .received()
        .into_iter()
        .skip(seen)
        .map(|r| r.body)
        .collect();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["type"], "Announce");
    assert_eq!(got[0]["object"]["type"], "Update");
    assert_eq!(got[0]["object"]["object"]["name"], "New title");
    assert_eq!(
        got[0]["object"]["object"]["id"],
        format!("{base}/s/support/t/{tid}")
    );

    // Staff see where it went; members may not.
    let report: Value = c
        .get(i.url(&format!("/api/v1/posts/{opening}/deliveries")))
        .header("authorization", bearer(&jane))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["sent"], 1, "{report}");
    assert_eq!(report["pending"], 0);
    assert_eq!(report["deliveries"][0]["server"], peer.domain);
    assert_eq!(report["deliveries"][0]["status"], "sent");
    let resp = c
        .get(i.url(&format!("/api/v1/posts/{opening}/deliveries")))
        .header("authorization", bearer(&ana))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    // While the peer is down, the status says pending with the error.
    peer.respond_with(&[503, 503, 503]);
    let resp = c
        .delete(i.url(&format!("/api/v1/posts/{opening}")))
        .header("authorization", bearer(&ana))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    drain(&i).await;
    let report: Value = c
        .get(i.url(&format!("/api/v1/posts/{opening}/deliveries")))
        .header("authorization", bearer(&jane))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["pending"], 1, "{report}");
    assert!(
        report["deliveries"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("503")
    );
    let page = browser_get_as_staff(&i, "jane", &format!("/posts/{opening}/deliveries")).await;
    assert!(
        page.contains("pending") && page.contains(&peer.domain),
        "{page}"
    );

    // Back up: the Announce(Delete) and the author's own Delete arrive.
    i.state
        .hearth
        .db
        .run(|c| {
            use diesel::prelude::*;
            use hearth::db::schema::deliveries;
            diesel::update(deliveries::table)
                .set(deliveries::next_attempt_at.eq(hearth::db::now()))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    peer.state_clear_script();
    drain(&i).await;
    let got: Vec<Value> = peer
        .received()
        .into_iter()
        .skip(seen + 1)
        .map(|r| r.body)
        .collect();
    let kinds: Vec<String> = got
        .iter()
        .map(|a| {
            format!(
                "{}/{}",
                a["type"].as_str().unwrap(),
                a["object"]["type"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(kinds.contains(&"Announce/Delete".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"Delete/Tombstone".to_string()), "{kinds:?}");
    let direct = got.iter().find(|a| a["type"] == "Delete").unwrap();
    assert_eq!(
        direct["actor"],
        format!("{base}/u/ana"),
        "signed and sent by the author"
    );

    // A local like of a remote post goes to its author's server; taking it back sends Undo.
    let t2: Value = c
        .post(i.url("/api/v1/spaces/support/threads"))
        .header("authorization", bearer(&jane))
        .json(&json!({"title": "Second", "body": "Hi"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let t2id = t2["id"].as_i64().unwrap();
    let note = json!({"id": format!("{}/statuses/99", peer.base), "type": "Note", "attributedTo": peer.actor("bob"),
        "content": "<p>Remote reply</p>", "inReplyTo": format!("{base}/s/support/t/{t2id}"),
        "to": ["https://www.w3.org/ns/activitystreams#Public"]});
    let create = json!({"id": peer.activity_id("c99"), "type": "Create", "actor": peer.actor("bob"), "object": note});
    assert_eq!(
        peer.post_signed(&format!("{base}/inbox"), &create).await,
        202
    );
    drain(&i).await;
    let v: Value = c
        .get(i.url(&format!("/api/v1/threads/{t2id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let remote_post = v["replies"][0]["id"].as_i64().unwrap();
    let before = peer.received().len();
    for method in ["put", "delete"] {
        let req = if method == "put" {
            c.put(i.url(&format!("/api/v1/posts/{remote_post}/like")))
        } else {
            c.delete(i.url(&format!("/api/v1/posts/{remote_post}/like")))
        };
        assert_eq!(
            req.header("authorization", bearer(&ana))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        drain(&i).await;
    }
    let got: Vec<Value> = peer
        .received()
        .into_iter()
        .skip(before)
        .map(|r| r.body)
        .collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0]["type"], "Like");
    assert_eq!(got[0]["object"], format!("{}/statuses/99", peer.base));
    assert_eq!(got[0]["actor"], format!("{base}/u/ana"));
    assert_eq!(got[1]["type"], "Undo");
    assert_eq!(
        got[1]["object"]["id"], got[0]["id"],
        "the Undo names the Like"
    );
}

/// Signs in with the web form as a user made by `create_user`/`api_user`, and GETs a page.
async fn browser_get_as_staff(i: &TestInstance, name: &str, path: &str) -> String {
    let c = crate::harness::browser();
    i.sign_in(&c, name, &crate::harness::password_of(name))
        .await;
    c.get(i.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn private_addresses_are_refused_outside_test_mode(b: Backend) {
    // No FEDERATION_INSECURE: the instance must not fetch http:// or loopback URLs, so a peer on
    // localhost cannot even get its actor fetched (the request would be a way into our network).
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let peer = Peer::start().await;
    let before = i.snapshot().await;
    let status = peer
        .post_signed(
            &format!("{}/s/support/inbox", local_base(&i)),
            &follow(&peer, &i, "f"),
        )
        .await;
    assert!(status == 400 || status == 401, "{status}");
    assert_eq!(i.snapshot().await, before);
    assert_eq!(follower_count(&i).await, 0);
    // The peer's actor document was never requested: nothing reached the peer at all.
    assert_eq!(peer.fetches(), 0);
    assert_eq!(peer.attempts(), 0);
    let cached = i
        .state
        .hearth
        .db
        .run(|c| {
            use diesel::prelude::*;
            Ok(hearth::db::schema::remote_actors::table
                .count()
                .get_result::<i64>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(cached, 0);
}

async fn received_posts_are_passed_on_to_followers(b: Backend) {
    let i = TestInstance::start_with(b, &[("FEDERATION_INSECURE", "true")]).await;
    i.create_space("support", PostingMode::Open).await;
    let base = local_base(&i);
    // Two servers follow the space; the second one's user writes.
    let lemmy = Peer::start().await;
    let mastodon = Peer::start().await;
    for p in [&lemmy, &mastodon] {
        assert_eq!(
            p.post_signed(&format!("{base}/s/support/inbox"), &follow(p, &i, "f"))
                .await,
            202
        );
    }
    drain(&i).await;
    let (l0, m0) = (lemmy.received().len(), mastodon.received().len());
    let note = json!({
        "id": format!("{}/statuses/1", mastodon.base), "type": "Note", "attributedTo": mastodon.actor("bob"),
        "content": "<p>@support my router is on fire</p>", "sensitive": false,
        "_misskey_content": "kept as it was",
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [format!("{base}/s/support")],
        "tag": [{"type": "Mention", "href": format!("{base}/s/support")}],
    });
    let create = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": mastodon.activity_id("c1"),
        "type": "Create", "actor": mastodon.actor("bob"), "object": note,
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [format!("{base}/s/support")]});
    assert_eq!(
        mastodon
            .post_signed(&format!("{base}/inbox"), &create)
            .await,
        202
    );
    drain(&i).await;
    let got: Vec<Value> = lemmy
        .received()
        .into_iter()
        .skip(l0)
        .map(|r| r.body)
        .collect();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["type"], "Announce");
    assert_eq!(got[0]["actor"], format!("{base}/s/support"));
    let inner = &got[0]["object"];
    assert_eq!(inner["id"], create["id"], "the activity as received");
    assert_eq!(inner["actor"], mastodon.actor("bob"));
    assert_eq!(inner["object"]["id"], note["id"]);
    assert_eq!(inner["object"]["_misskey_content"], "kept as it was");
    assert_eq!(inner["cc"], create["cc"]);
    assert_eq!(
        mastodon.received().len(),
        m0,
        "the author's own server is not sent its own post"
    );

    // Edits and deletions made there are passed on too, as received.
    let mut edited = note.clone();
    edited["content"] = json!("<p>@support never mind, fixed</p>");
    let update = json!({"id": mastodon.activity_id("u1"), "type": "Update", "actor": mastodon.actor("bob"), "object": edited,
        "to": ["https://www.w3.org/ns/activitystreams#Public"]});
    assert_eq!(
        mastodon
            .post_signed(&format!("{base}/inbox"), &update)
            .await,
        202
    );
    let delete = json!({"id": mastodon.activity_id("d1"), "type": "Delete", "actor": mastodon.actor("bob"),
        "object": {"id": note["id"], "type": "Tombstone"}, "to": ["https://www.w3.org/ns/activitystreams#Public"]});
    assert_eq!(
        mastodon
            .post_signed(&format!("{base}/inbox"), &delete)
            .await,
        202
    );
    drain(&i).await;
    let got: Vec<Value> = lemmy
        .received()
        .into_iter()
        .skip(l0 + 1)
        .map(|r| r.body)
        .collect();
    let passed: Vec<String> = got
        .iter()
        .filter(|a| a["type"] == "Announce")
        .map(|a| a["object"]["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        passed.contains(&update["id"].as_str().unwrap().to_string()),
        "{got:?}"
    );
    assert!(
        passed.contains(&delete["id"].as_str().unwrap().to_string()),
        "{got:?}"
    );
    assert_eq!(mastodon.received().len(), m0);
}

async fn a_server_failing_for_days_is_probed_then_resumed(b: Backend) {
    let i = start(b).await;
    let peer = Peer::start().await;
    let h = i.state.hearth.clone();
    let inbox = format!("{}/inbox", peer.base);
    let host = peer.domain.clone();
    // The server has been failing for three days, and still does.
    peer.respond_with(&[503, 503, 503]);
    {
        let (inbox, host) = (inbox.clone(), host.clone());
        h.db.run(move |c| {
            use diesel::prelude::*;
            use hearth::db::schema::peers;
            diesel::insert_into(peers::table)
                .values((
                    peers::host.eq(&host),
                    peers::failing_since.eq(Some(hearth::db::now() - chrono::TimeDelta::days(3))),
                ))
                .execute(c)?;
            for n in 0..3 {
                hearth::db::federation::enqueue(
                    c,
                    &format!("http://localhost/activities/{n}"),
                    "instance",
                    &inbox,
                    &host,
                    "{}",
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
    }
    // The first pass tries all three (they are due), fails, and marks the server unreachable.
    drain(&i).await;
    assert_eq!(peer.attempts(), 3);
    let p = {
        let host = host.clone();
        h.db.run(move |c| Ok(hearth::db::federation::find_peer(c, &host)?.unwrap()))
            .await
            .unwrap()
    };
    assert!(p.unreachable);
    // Retries come due, but an unreachable server gets nothing until its probe is due…
    let make_due = || {
        h.db.run(|c| {
            use diesel::prelude::*;
            use hearth::db::schema::deliveries;
            diesel::update(deliveries::table)
                .set(deliveries::next_attempt_at.eq(hearth::db::now()))
                .execute(c)?;
            Ok(())
        })
    };
    make_due().await.unwrap();
    drain(&i).await;
    assert_eq!(peer.attempts(), 3, "no hammering of an unreachable server");
    // …then exactly one probe goes out; it succeeds, and the rest resume at once.
    {
        let host = host.clone();
        h.db.run(move |c| {
            use diesel::prelude::*;
            use hearth::db::schema::peers;
            diesel::update(peers::table.find(&host))
                .set(peers::next_probe_at.eq(Some(hearth::db::now())))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    }
    drain(&i).await;
    assert_eq!(peer.attempts(), 6, "one probe, then the other two");
    assert_eq!(peer.received().len(), 3);
    let p =
        h.db.run(move |c| Ok(hearth::db::federation::find_peer(c, &host)?.unwrap()))
            .await
            .unwrap();
    assert!(!p.unreachable);
    assert!(p.failing_since.is_none());
    assert!(deliveries(&i).await.iter().all(|d| d.status == "sent"));
}

async fn a_reply_reaches_the_customer_who_asked_without_following(b: Backend) {
    let i = TestInstance::start_with(b, &[("FEDERATION_INSECURE", "true")]).await;
    i.create_space("support", PostingMode::Open).await;
    let peer = Peer::start().await; // bob's server: bob does not follow the space
    let base = local_base(&i);
    let question = format!("{}/statuses/42", peer.base);
    let note = json!({
        "id": question, "type": "Note", "attributedTo": peer.actor("bob"),
        "content": "<p>@support is the outage over?</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [format!("{base}/s/support")],
        "tag": [{"type": "Mention", "href": format!("{base}/s/support")}],
    });
    let create = json!({"id": peer.activity_id("q"), "type": "Create", "actor": peer.actor("bob"), "object": note});
    assert_eq!(
        peer.post_signed(&format!("{base}/inbox"), &create).await,
        202
    );
    let c = client();
    let list: Value = c
        .get(i.url("/api/v1/spaces/support/threads"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tid = list["threads"][0]["id"].as_i64().unwrap();
    let jane = i.api_user("jane", Role::Staff).await;
    let resp = c
        .post(i.url(&format!("/api/v1/threads/{tid}/replies")))
        .header("authorization", format!("Bearer {jane}"))
        .json(&json!({"body": "Yes, since 10:00. Sorry for the wait!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    drain(&i).await;
    let got: Vec<Value> = peer.received().into_iter().map(|r| r.body).collect();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["type"], "Create", "sent by its author, not boosted");
    assert_eq!(got[0]["actor"], format!("{base}/u/jane"));
    let reply = &got[0]["object"];
    assert_eq!(reply["inReplyTo"], question, "in reply to bob's own post");
    assert!(
        reply["cc"]
            .as_array()
            .unwrap()
            .contains(&json!(peer.actor("bob")))
    );
    let mention = reply["tag"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["href"] == json!(peer.actor("bob")))
        .unwrap();
    assert_eq!(mention["name"], format!("@bob@{}", peer.domain));
    let signature = peer.received()[0].headers["signature"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        signature.contains(&format!("{base}/u/jane#main-key")),
        "{signature}"
    );
}

async fn a_reply_to_a_post_we_never_saw_finds_its_thread(b: Backend) {
    let i = TestInstance::start_with(b, &[("FEDERATION_INSECURE", "true")]).await;
    i.create_space("support", PostingMode::Open).await;
    let peer = Peer::start().await;
    let base = local_base(&i);
    let ana = i.api_user("ana", Role::Member).await;
    let c = client();
    let t: Value = c
        .post(i.url("/api/v1/spaces/support/threads"))
        .header("authorization", format!("Bearer {ana}"))
        .json(&json!({"title": "Question", "body": "Hello"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tid = t["id"].as_i64().unwrap();
    // alice replied to the thread on her server, but that never reached us; bob replies to her.
    let alice_post = format!("{}/statuses/10", peer.base);
    peer.serve_status(
        "10",
        json!({
            "id": alice_post, "type": "Note", "attributedTo": peer.actor("alice"),
            "content": "<p>Me too</p>", "inReplyTo": format!("{base}/s/support/t/{tid}"),
        }),
    );
    let bob = json!({
        "id": format!("{}/statuses/11", peer.base), "type": "Note", "attributedTo": peer.actor("bob"),
        "content": "<p>Try the reset button</p>", "inReplyTo": alice_post,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    let create = json!({"id": peer.activity_id("c11"), "type": "Create", "actor": peer.actor("bob"), "object": bob});
    assert_eq!(
        peer.post_signed(&format!("{base}/inbox"), &create).await,
        202
    );
    let view: Value = c
        .get(i.url(&format!("/api/v1/threads/{tid}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Alice's reply was fetched and stored on the way: bob's sits under it, as he wrote it.
    assert_eq!(view["reply_count"], 2, "{view}");
    assert_eq!(view["replies"][0]["body"], "Me too");
    assert_eq!(
        view["replies"][0]["author"]["name"],
        format!("alice@{}", peer.domain)
    );
    assert_eq!(
        view["replies"][0]["replies"][0]["body"],
        "Try the reset button"
    );
    // A post in the chain whose author lives elsewhere is not stored: the reply attaches to
    // the nearest post of the chain we have.
    let forged = format!("{}/statuses/13", peer.base);
    peer.serve_status(
        "13",
        json!({
            "id": forged, "type": "Note", "attributedTo": "http://localhost:1/users/mallory",
            "content": "<p>Forged</p>", "inReplyTo": alice_post,
        }),
    );
    let carol = json!({
        "id": format!("{}/statuses/14", peer.base), "type": "Note", "attributedTo": peer.actor("carol"),
        "content": "<p>Under a forged post</p>", "inReplyTo": forged,
    });
    let create = json!({"id": peer.activity_id("c14"), "type": "Create", "actor": peer.actor("carol"), "object": carol});
    assert_eq!(
        peer.post_signed(&format!("{base}/inbox"), &create).await,
        202
    );
    let view: Value = c
        .get(i.url(&format!("/api/v1/threads/{tid}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["reply_count"], 3, "{view}");
    let under_alice = view["replies"][0]["replies"].as_array().unwrap();
    assert_eq!(under_alice.len(), 2, "{view}");
    assert!(!view.to_string().contains("Forged"));
    // A chain that leads nowhere we know is ignored.
    let stray = json!({
        "id": format!("{}/statuses/12", peer.base), "type": "Note", "attributedTo": peer.actor("bob"),
        "content": "<p>?</p>", "inReplyTo": format!("{}/statuses/404", peer.base),
    });
    let create = json!({"id": peer.activity_id("c12"), "type": "Create", "actor": peer.actor("bob"), "object": stray});
    let before = i.snapshot().await;
    assert_eq!(
        peer.post_signed(&format!("{base}/inbox"), &create).await,
        202
    );
    assert_eq!(i.snapshot().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_event_stays_pending_and_does_not_count_as_work() {
    let (i, _peer) = followed_by_a_peer(Backend::Sqlite).await;
    let ana = i.api_user("ana", Role::Member).await;
    let t: Value = client()
        .post(i.url("/api/v1/spaces/support/threads"))
        .header("authorization", format!("Bearer {ana}"))
        .json(&json!({"title": "Q", "body": "B"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    drain(&i).await;
    let tid = t["id"].as_i64().unwrap();
    i.state
        .hearth
        .db
        .run(move |c| {
            let post = hearth::db::posts::opening_id(c, tid)?.unwrap();
            hearth::db::outbox::record_payload(
                c,
                hearth::db::outbox::REMOTE_ACTIVITY,
                post,
                "not json",
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let fed = &i.state.federation;
    assert_eq!(hearth::federation::outbound::process_events(fed).await, 0);
    assert_eq!(
        hearth::federation::outbound::process_events(fed).await,
        0,
        "still failing, still 0"
    );
    let pending = i
        .state
        .hearth
        .db
        .run(|c| Ok(hearth::db::outbox::pending(c, 10)?.len()))
        .await
        .unwrap();
    assert_eq!(pending, 1, "kept for a later pass, not dropped");
}

/// Remote people's avatars appear on pages through this server (the page never names the
/// remote image), are fetched once and kept, and only real images are served.
async fn remote_avatars_are_served_from_here(b: Backend) {
    let i = TestInstance::start_with(b, &[("FEDERATION_INSECURE", "true")]).await;
    i.create_space("support", PostingMode::Open).await;
    let peer = Peer::start().await;
    let base = local_base(&i);
    let inbox = format!("{base}/inbox");
    for (n, who) in ["bob", "badavatar"].iter().enumerate() {
        let note = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": peer.activity_id(&format!("av-{n}")), "type": "Create", "actor": peer.actor(who),
            "object": {
                "id": format!("{}/statuses/av-{n}", peer.base), "type": "Page",
                "attributedTo": peer.actor(who), "name": format!("Question from {who}"),
                "content": "<p>Hello</p>", "to": [format!("{base}/s/support")],
            },
        });
        assert_eq!(peer.post_signed(&inbox, &note).await, 202);
    }
    let list: Value = client()
        .get(i.url("/api/v1/spaces/support/threads"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let avatar_of = |who: &str| -> String {
        let t = list["threads"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["title"] == format!("Question from {who}"))
            .unwrap();
        t["author"]["avatar"].as_str().unwrap().to_string()
    };
    let (good, bad) = (avatar_of("bob"), avatar_of("badavatar"));
    assert!(good.starts_with("/media/avatars/"), "{good}");
    let t = &list["threads"][0];
    let page = client()
        .get(i.url(t["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("/media/avatars/"),
        "the page shows the avatar"
    );
    assert!(!page.contains("/avatars/bob.png") && !page.contains("/avatars/badavatar.png"));

    let get = |path: String| {
        let url = i.url(&path);
        async move {
            let r = client().get(url).send().await.unwrap();
            let kind = r
                .headers()
                .get("content-type")
                .map(|k| k.to_str().unwrap().to_string())
                .unwrap_or_default();
            (r.status().as_u16(), kind, r.bytes().await.unwrap().to_vec())
        }
    };
    let (status, kind, bytes) = get(good.clone()).await;
    assert_eq!((status, kind.as_str()), (200, "image/png"));
    assert_eq!(bytes, crate::peer::AVATAR_PNG);
    let fetched = peer.avatar_fetches();
    let (_, _, again) = get(good.clone()).await;
    assert_eq!(again, crate::peer::AVATAR_PNG);
    assert_eq!(peer.avatar_fetches(), fetched, "served from the cache");
    // HTML claiming to be a PNG is not served: the placeholder is.
    let (status, kind, bytes) = get(bad).await;
    assert_eq!((status, kind.as_str()), (200, "image/svg+xml"));
    assert!(!String::from_utf8_lossy(&bytes).contains("script"));
    let (status, _, _) = get("/media/avatars/999999".into()).await;
    assert_eq!(status, 404);
}
