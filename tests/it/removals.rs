//! Removal with reasons: moderators remove a post — never changing its words — and everyone
//! else sees "removed by moderators: <reason>" in its place while its author still sees it; a
//! restore brings it back. Both go into the public moderation log (moderators named, or "a
//! moderator" if the admin chooses), and a space's removals reach the instances following it.

use hearth::domain::{PostingMode, Role};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Backend, TestInstance, api_call, browser, client, page_csrf};
use crate::instances::{domain, get, settle, start, thread_titled};
use crate::on_both_backends;

on_both_backends!(
    moderators_remove_and_restore_with_reasons,
    a_report_is_resolved_by_removing_the_post,
    a_removal_reaches_the_instances_that_follow_the_space,
    a_reply_brings_its_thread_when_the_thread_was_lost,
);

/// An API call, as a visitor when `token` is empty.
async fn call(
    i: &TestInstance,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    if !token.is_empty() {
        return api_call(i, method, path, token, body).await;
    }
    let mut req = client().request(method, i.url(path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("API request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn post(i: &TestInstance, token: &str, path: &str, body: Value) -> Value {
    let (status, v) = call(i, Method::POST, path, token, Some(body)).await;
    assert!(status == 200 || status == 201, "POST {path} → {status} {v}");
    v
}

async fn thread(i: &TestInstance, token: &str, id: i64) -> Value {
    let (status, v) = call(
        i,
        Method::GET,
        &format!("/api/v1/threads/{id}"),
        token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    v
}

async fn moderators_remove_and_restore_with_reasons(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let ana = i.api_user("ana", Role::Member).await;
    let bob = i.api_user("bob", Role::Member).await;
    let mo = i.api_user("mo", Role::Moderator).await;
    let admin = i.api_user("ada", Role::Admin).await;
    let staff = i.api_user("sam", Role::Staff).await;
    let t = post(
        &i,
        &ana,
        "/api/v1/spaces/support/threads",
        json!({ "title": "Printer jams", "body": "Every morning." }),
    )
    .await;
    let tid = t["id"].as_i64().unwrap();
    let opening = thread(&i, "", tid).await["opening"]["id"].as_i64().unwrap();
    let reply = post(
        &i,
        &bob,
        &format!("/api/v1/threads/{tid}/replies"),
        json!({ "body": "Buy cheap toner at spam.example" }),
    )
    .await;
    let rid = reply["id"].as_i64().unwrap();
    // An earlier version, to check the history is hidden too.
    let (status, _) = call(
        &i,
        Method::PATCH,
        &format!("/api/v1/posts/{rid}"),
        &bob,
        Some(json!({ "body": "Buy CHEAP toner at spam.example" })),
    )
    .await;
    assert_eq!(status, 200);
    let removal = format!("/api/v1/posts/{rid}/removal");

    // Nobody but moderators and admins can remove; bad input is refused; nothing changes.
    let before = i.snapshot().await;
    for (token, body, status) in [
        ("", json!({ "reason": "spam" }), 401),
        (bob.as_str(), json!({ "reason": "spam" }), 403),
        (ana.as_str(), json!({ "reason": "spam" }), 403),
        (staff.as_str(), json!({ "reason": "spam" }), 403),
        (mo.as_str(), json!({ "reason": "  " }), 400),
        (mo.as_str(), json!({ "reason": "x".repeat(2001) }), 400),
        (mo.as_str(), json!({}), 400),
    ] {
        let (got, err) = call(&i, Method::POST, &removal, token, Some(body.clone())).await;
        assert_eq!(got, status, "{body} → {err}");
    }
    let (got, _) = call(
        &i,
        Method::POST,
        "/api/v1/posts/999999/removal",
        &mo,
        Some(json!({ "reason": "spam" })),
    )
    .await;
    assert_eq!(got, 404);
    assert_eq!(i.snapshot().await, before);

    // The moderator removes Bob's reply.
    let entry = post(&i, &mo, &removal, json!({ "reason": "Advertising" })).await;
    assert_eq!(entry["action"], "remove_post");
    assert_eq!(entry["moderator"], "mo");
    assert_eq!(entry["person"], "bob");
    assert_eq!(entry["reason"], "Advertising");
    let (got, _) = call(
        &i,
        Method::POST,
        &removal,
        &mo,
        Some(json!({ "reason": "again" })),
    )
    .await;
    assert_eq!(got, 409, "removed once");

    // Everyone else sees the reason only; the author and moderators still see the words.
    for (token, sees) in [
        ("", false),
        (&ana[..], false),
        (&bob[..], true),
        (&mo[..], true),
    ] {
        let v = thread(&i, token, tid).await;
        let r = &v["replies"][0];
        assert_eq!(r["removed"], true);
        assert_eq!(r["removal_reason"], "Advertising");
        let expected = if sees {
            "Buy CHEAP toner at spam.example"
        } else {
            ""
        };
        assert_eq!(r["body"], expected, "token {token:?}");
        assert_eq!(r["can_edit"], false);
    }
    let (_, history) = call(
        &i,
        Method::GET,
        &format!("/api/v1/posts/{rid}/history"),
        "",
        None,
    )
    .await;
    assert_eq!(history["post"]["body"], "");
    assert_eq!(
        history["revisions"].as_array().unwrap().len(),
        0,
        "{history}"
    );
    let (_, history) = call(
        &i,
        Method::GET,
        &format!("/api/v1/posts/{rid}/history"),
        &bob,
        None,
    )
    .await;
    assert_eq!(history["revisions"].as_array().unwrap().len(), 1);
    let (_, writing) = call(&i, Method::GET, "/api/v1/accounts/bob/posts", "", None).await;
    assert_eq!(
        writing["items"][0]["excerpt"],
        "removed by moderators: Advertising"
    );
    assert_eq!(writing["items"][0]["removed"], true);
    let (_, writing) = call(&i, Method::GET, "/api/v1/accounts/bob/posts", &bob, None).await;
    assert_eq!(
        writing["items"][0]["excerpt"],
        "Buy CHEAP toner at spam.example"
    );
    // Other servers are told it is gone.
    let resp = client()
        .get(i.url(&format!("/posts/{rid}")))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 410);
    assert_eq!(resp.json::<Value>().await.unwrap()["type"], "Tombstone");
    // On the web page, for a visitor: the reason, not the words.
    let html = client()
        .get(i.url(&format!("/s/support/t/{tid}-printer-jams")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Removed by moderators:</strong> Advertising"),
        "{html}"
    );
    assert!(!html.contains("CHEAP toner"));

    // While removed, nobody edits it, likes it or replies to it — its author neither.
    let before = i.snapshot().await;
    let (got, _) = call(
        &i,
        Method::PATCH,
        &format!("/api/v1/posts/{rid}"),
        &bob,
        Some(json!({ "body": "Nothing to see" })),
    )
    .await;
    assert_eq!(got, 409);
    let (got, _) = call(
        &i,
        Method::PUT,
        &format!("/api/v1/posts/{rid}/like"),
        &ana,
        None,
    )
    .await;
    assert_eq!(got, 409);
    let (got, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/threads/{tid}/replies"),
        &ana,
        Some(json!({ "body": "what?", "parent_id": rid })),
    )
    .await;
    assert_eq!(got, 409);
    let (got, _) = call(
        &i,
        Method::PUT,
        &format!("/api/v1/threads/{tid}/answer"),
        &ana,
        Some(json!({ "post_id": rid })),
    )
    .await;
    assert_eq!(got, 409);
    assert_eq!(i.snapshot().await, before);

    // The public log, for visitors too: named moderators, until the admin hides names.
    let (_, log) = call(&i, Method::GET, "/api/v1/modlog", "", None).await;
    let e = &log["entries"][0];
    assert_eq!(
        (e["action"].as_str(), e["moderator"].as_str()),
        (Some("remove_post"), Some("mo"))
    );
    assert_eq!(e["reason"], "Advertising");
    assert_eq!(e["space"], "support");
    assert_eq!(
        e["url"],
        format!("/s/support/t/{tid}-printer-jams#post-{rid}")
    );
    let (status, _) = call(
        &i,
        Method::PATCH,
        "/api/v1/admin/instance",
        &mo,
        Some(json!({ "modlog_names": false })),
    )
    .await;
    assert_eq!(status, 403, "only admins choose");
    let (status, _) = call(
        &i,
        Method::PATCH,
        "/api/v1/admin/instance",
        &admin,
        Some(json!({ "modlog_names": false })),
    )
    .await;
    assert_eq!(status, 200);
    let (_, log) = call(&i, Method::GET, "/api/v1/modlog?space=support", "", None).await;
    assert_eq!(log["entries"][0]["moderator"], Value::Null);
    assert_eq!(log["entries"][0]["moderator_label"], "a moderator");
    let (_, log) = call(&i, Method::GET, "/api/v1/modlog", &mo, None).await;
    assert_eq!(
        log["entries"][0]["moderator"], "mo",
        "moderators still see who"
    );
    let html = client()
        .get(i.url("/modlog"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("a moderator") && html.contains("Advertising"),
        "{html}"
    );
    assert!(!html.contains("/u/mo\""));
    let (status, _) = call(&i, Method::GET, "/api/v1/modlog?space=nowhere", "", None).await;
    assert_eq!(status, 404);

    // Removing the question takes the thread out of the lists and off the desk; its author
    // still sees the title, visitors do not; nobody can reply.
    let (_, desk) = call(&i, Method::GET, "/api/v1/desk", &staff, None).await;
    assert_eq!(desk["items"].as_array().unwrap().len(), 1, "{desk}");
    post(
        &i,
        &mo,
        &format!("/api/v1/posts/{opening}/removal"),
        json!({ "reason": "Off topic" }),
    )
    .await;
    let (_, list) = call(&i, Method::GET, "/api/v1/spaces/support/threads", "", None).await;
    assert_eq!(list["threads"].as_array().unwrap().len(), 0, "{list}");
    let (_, desk) = call(&i, Method::GET, "/api/v1/desk", &staff, None).await;
    assert_eq!(desk["items"].as_array().unwrap().len(), 0, "{desk}");
    assert_eq!(
        thread(&i, "", tid).await["title"],
        "[removed by moderators]"
    );
    assert_eq!(thread(&i, &ana, tid).await["title"], "Printer jams");
    assert_eq!(thread(&i, &ana, tid).await["can_reply"], false);
    let (got, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/threads/{tid}/replies"),
        &ana,
        Some(json!({ "body": "hello?" })),
    )
    .await;
    assert_eq!(got, 409);

    // Restores: the words come back for everyone, logged with the reason.
    let entry = post(
        &i,
        &mo,
        &format!("/api/v1/posts/{rid}/restore"),
        json!({ "reason": "Bob's shop is the official reseller" }),
    )
    .await;
    assert_eq!(entry["action"], "restore_post");
    let (got, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/posts/{rid}/restore"),
        &mo,
        Some(json!({})),
    )
    .await;
    assert_eq!(got, 409, "not removed any more");
    post(
        &i,
        &mo,
        &format!("/api/v1/posts/{opening}/restore"),
        json!({}),
    )
    .await;
    let v = thread(&i, "", tid).await;
    assert_eq!(v["title"], "Printer jams");
    assert_eq!(v["replies"][0]["removed"], false);
    assert_eq!(v["replies"][0]["body"], "Buy CHEAP toner at spam.example");
    let (_, log) = call(&i, Method::GET, "/api/v1/modlog", "", None).await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["restore_post", "restore_post", "remove_post", "remove_post"]
    );

    // The same on the web: a moderator's Remove form, the reason required.
    let pw = i.create_user("meg", Role::Moderator).await;
    let web = browser();
    i.sign_in(&web, "meg", &pw).await;
    let page = web
        .get(i.url(&format!("/s/support/t/{tid}-printer-jams")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/moderation/posts/{rid}/remove")));
    let csrf = page_csrf(&web, &i.url(&format!("/s/support/t/{tid}-printer-jams"))).await;
    let resp = web
        .post(i.url(&format!("/moderation/posts/{rid}/remove")))
        .form(&[("csrf", csrf.as_str()), ("reason", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = web
        .post(i.url(&format!("/moderation/posts/{rid}/remove")))
        .form(&[("csrf", csrf.as_str()), ("reason", "Spam, again")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(
        thread(&i, "", tid).await["replies"][0]["removal_reason"],
        "Spam, again"
    );
    // A member has no such form, and posting it anyway is refused.
    let pw = i.create_user("nat", Role::Member).await;
    let member = browser();
    i.sign_in(&member, "nat", &pw).await;
    let url = i.url(&format!("/s/support/t/{tid}-printer-jams"));
    let page = member.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("/moderation/posts/"));
    let csrf = page_csrf(&member, &url).await;
    let before = i.snapshot().await;
    let resp = member
        .post(i.url(&format!("/moderation/posts/{rid}/restore")))
        .form(&[("csrf", csrf.as_str()), ("reason", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(i.snapshot().await, before);
}

async fn a_report_is_resolved_by_removing_the_post(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let ana = i.api_user("ana", Role::Member).await;
    let bob = i.api_user("bob", Role::Member).await;
    let mo = i.api_user("mo", Role::Moderator).await;
    let t = post(
        &i,
        &ana,
        "/api/v1/spaces/support/threads",
        json!({ "title": "Win a prize", "body": "Click http://spam.example" }),
    )
    .await;
    let tid = t["id"].as_i64().unwrap();
    let opening = thread(&i, "", tid).await["opening"]["id"].as_i64().unwrap();
    let on_post = post(
        &i,
        &bob,
        "/api/v1/reports",
        json!({ "post_id": opening, "reason": "spam" }),
    )
    .await;
    let on_person = post(
        &i,
        &bob,
        "/api/v1/reports",
        json!({ "account": "ana", "reason": "spammer" }),
    )
    .await;

    // Removing needs a post: a report about a person cannot be resolved that way.
    let before = i.snapshot().await;
    let (got, err) = call(
        &i,
        Method::POST,
        &format!("/api/v1/reports/{}/resolve", on_person["id"]),
        &mo,
        Some(json!({ "note": "spam", "action": "remove_post" })),
    )
    .await;
    assert_eq!(got, 400, "{err}");
    let (got, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/reports/{}/resolve", on_post["id"]),
        &mo,
        Some(json!({ "note": "spam", "action": "ban_everyone" })),
    )
    .await;
    assert_eq!(got, 400, "unknown action");
    assert_eq!(i.snapshot().await, before);

    let resolved = post(
        &i,
        &mo,
        &format!("/api/v1/reports/{}/resolve", on_post["id"]),
        json!({ "note": "Link spam", "action": "remove_post" }),
    )
    .await;
    assert_eq!(resolved["resolution"], "Link spam");
    assert_eq!(resolved["post"]["removed"], true);
    let v = thread(&i, "", tid).await;
    assert_eq!(v["opening"]["removal_reason"], "Link spam");
    let (_, log) = call(&i, Method::GET, "/api/v1/modlog", "", None).await;
    assert_eq!(log["entries"][0]["reason"], "Link spam");
    assert_eq!(log["entries"][0]["person"], "ana");

    // On the web, the queue offers "Remove the post and resolve".
    let pw = i.create_user("meg", Role::Moderator).await;
    let web = browser();
    i.sign_in(&web, "meg", &pw).await;
    let t2 = post(
        &i,
        &ana,
        "/api/v1/spaces/support/threads",
        json!({ "title": "Another prize", "body": "Click again" }),
    )
    .await;
    let opening2 = thread(&i, "", t2["id"].as_i64().unwrap()).await["opening"]["id"]
        .as_i64()
        .unwrap();
    let r2 = post(
        &i,
        &bob,
        "/api/v1/reports",
        json!({ "post_id": opening2, "reason": "spam" }),
    )
    .await;
    let queue = web
        .get(i.url("/moderation"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(queue.contains("Remove the post and resolve"), "{queue}");
    let csrf = page_csrf(&web, &i.url("/moderation")).await;
    let resp = web
        .post(i.url(&format!("/moderation/reports/{}/resolve", r2["id"])))
        .form(&[
            ("csrf", csrf.as_str()),
            ("note", "Same spam"),
            ("action", "remove_post"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let v = thread(&i, "", t2["id"].as_i64().unwrap()).await;
    assert_eq!(v["opening"]["removal_reason"], "Same spam");
}

/// Alice (token `alice`) on `bb` follows A's space `support`; returns its name on `bb`.
async fn follow_support(a: &TestInstance, bb: &TestInstance, alice: &str) -> String {
    let remote = format!("support@{}", domain(a));
    post(
        bb,
        alice,
        "/api/v1/remote-spaces",
        json!({ "handle": format!("@{remote}") }),
    )
    .await;
    let (status, _) = call(
        bb,
        Method::PUT,
        &format!("/api/v1/spaces/{remote}/follow"),
        alice,
        None,
    )
    .await;
    assert_eq!(status, 200);
    settle(a, bb).await;
    remote
}

async fn a_removal_reaches_the_instances_that_follow_the_space(b: Backend) {
    let (a, bb) = (start(b).await, start(b).await);
    a.create_space("support", PostingMode::Open).await;
    let jane = a.api_user("jane", Role::Staff).await;
    let carl = a.api_user("carl", Role::Member).await;
    let mo = a.api_user("mo", Role::Moderator).await;
    let alice = bb.api_user("alice", Role::Member).await;
    let remote = follow_support(&a, &bb, &alice).await;

    let t = post(
        &a,
        &jane,
        "/api/v1/spaces/support/threads",
        json!({ "title": "Outage tonight", "body": "From 2 to 3." }),
    )
    .await;
    let a_thread = t["id"].as_i64().unwrap();
    let carl_reply = post(
        &a,
        &carl,
        &format!("/api/v1/threads/{a_thread}/replies"),
        json!({ "body": "Follow me for free crypto" }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    settle(&a, &bb).await;
    let on_b = thread_titled(&bb, &remote, "Outage tonight")
        .await
        .expect("arrived");
    let b_thread = on_b["id"].as_i64().unwrap();
    // Alice replies from B; her reply is hers on B, a copy on A.
    post(
        &bb,
        &alice,
        &format!("/api/v1/threads/{b_thread}/replies"),
        json!({ "body": "Thanks for the warning, I WILL SUE" }),
    )
    .await;
    settle(&a, &bb).await;
    let on_a = get(&a, &format!("/api/v1/threads/{a_thread}")).await;
    let a_alice_reply = on_a["replies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["body"] == "Thanks for the warning, I WILL SUE")
        .expect("Alice's reply on A")["id"]
        .as_i64()
        .unwrap();

    // A's moderator removes Carl's reply and Alice's: B learns both, with the reasons.
    post(
        &a,
        &mo,
        &format!("/api/v1/posts/{carl_reply}/removal"),
        json!({ "reason": "Spam" }),
    )
    .await;
    post(
        &a,
        &mo,
        &format!("/api/v1/posts/{a_alice_reply}/removal"),
        json!({ "reason": "Threats are not allowed" }),
    )
    .await;
    settle(&a, &bb).await;
    let on_b = get(&bb, &format!("/api/v1/threads/{b_thread}")).await;
    let by_body = |v: &Value, reason: &str| {
        v["replies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["removal_reason"] == reason)
            .cloned()
            .unwrap_or_else(|| panic!("no reply removed for {reason:?}: {v}"))
    };
    let carl_on_b = by_body(&on_b, "Spam");
    assert_eq!(carl_on_b["removed"], true);
    assert_eq!(carl_on_b["body"], "", "visitors on B do not see it");
    let alice_on_b = by_body(&on_b, "Threats are not allowed");
    let alice_view = get_as(&bb, &alice, &format!("/api/v1/threads/{b_thread}")).await;
    let own = alice_view["replies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == alice_on_b["id"])
        .unwrap()
        .clone();
    assert_eq!(
        own["body"], "Thanks for the warning, I WILL SUE",
        "her words, still hers"
    );

    // A restore travels the same way.
    post(
        &a,
        &mo,
        &format!("/api/v1/posts/{carl_reply}/restore"),
        json!({}),
    )
    .await;
    settle(&a, &bb).await;
    let on_b = get(&bb, &format!("/api/v1/threads/{b_thread}")).await;
    let carl_on_b = on_b["replies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == carl_on_b["id"])
        .unwrap()
        .clone();
    assert_eq!(carl_on_b["removed"], false);
    assert_eq!(carl_on_b["body"], "Follow me for free crypto");

    // B's public log holds only what B's moderators did.
    let (_, log) = call(&bb, Method::GET, "/api/v1/modlog", "", None).await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 0);
}

async fn get_as(i: &TestInstance, token: &str, path: &str) -> Value {
    let (status, v) = call(i, Method::GET, path, token, None).await;
    assert_eq!(status, 200, "{v}");
    v
}

/// Found while writing the test above: a thread's two Announces and a reply raced on the
/// receiving side, and a reply whose thread had not arrived yet was dropped. Now the reply
/// fetches its thread from the origin and stores it first. Here the thread's Announces are
/// lost outright.
async fn a_reply_brings_its_thread_when_the_thread_was_lost(b: Backend) {
    let (a, bb) = (start(b).await, start(b).await);
    a.create_space("support", PostingMode::Open).await;
    let jane = a.api_user("jane", Role::Staff).await;
    let alice = bb.api_user("alice", Role::Member).await;
    let remote = follow_support(&a, &bb, &alice).await;
    let t = post(
        &a,
        &jane,
        "/api/v1/spaces/support/threads",
        json!({ "title": "Lost on the way", "body": "The opening post." }),
    )
    .await;
    // The thread's deliveries are queued, then lost.
    hearth::federation::outbound::process_events(&a.state.federation).await;
    let lost = a
        .state
        .hearth
        .db
        .run(|c| {
            use diesel::prelude::*;
            use hearth::db::schema::deliveries;
            Ok(
                diesel::delete(deliveries::table.filter(deliveries::finished_at.is_null()))
                    .execute(c)?,
            )
        })
        .await
        .unwrap();
    assert_eq!(lost, 2, "the Announces of the Create and of the Page");
    post(
        &a,
        &jane,
        &format!("/api/v1/threads/{}/replies", t["id"]),
        json!({ "body": "A reply to it." }),
    )
    .await;
    settle(&a, &bb).await;
    let on_b = thread_titled(&bb, &remote, "Lost on the way")
        .await
        .expect("the reply brought its thread");
    assert_eq!(on_b["opening"]["body"], "The opening post.");
    assert_eq!(on_b["replies"][0]["body"], "A reply to it.");
}
