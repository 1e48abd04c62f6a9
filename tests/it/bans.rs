//! Bans: from one space or the whole instance, for people from here and from other servers,
//! until a date or until lifted, optionally removing what they wrote. A banned person cannot
//! post, reply, edit, like or report there, and still reads and deletes their own words. A
//! ban from a space here reaches the space's followers as Lemmy's `Block`.

use hearth::domain::{PostingMode, Role};
use reqwest::Method;
use serde_json::{Value, json};

use crate::federation::{drain, followed_by_a_peer, local_base};
use crate::harness::{Backend, TestInstance, api_call as call, browser, page_csrf};
use crate::on_both_backends;

on_both_backends!(
    bans_keep_people_out_until_lifted_or_over,
    bans_on_the_web,
    a_banned_remote_person_is_refused_and_the_ban_federates,
);

async fn post(i: &TestInstance, token: &str, path: &str, body: Value) -> Value {
    let (status, v) = call(i, Method::POST, path, token, Some(body)).await;
    assert!(status == 200 || status == 201, "POST {path} → {status} {v}");
    v
}

async fn ask(i: &TestInstance, token: &str, space: &str, title: &str) -> (u16, Value) {
    call(
        i,
        Method::POST,
        &format!("/api/v1/spaces/{space}/threads"),
        token,
        Some(json!({ "title": title, "body": "Some words." })),
    )
    .await
}

async fn opening(i: &TestInstance, token: &str, thread: &Value) -> i64 {
    let (_, v) = call(
        i,
        Method::GET,
        &format!("/api/v1/threads/{}", thread["id"]),
        token,
        None,
    )
    .await;
    v["opening"]["id"].as_i64().unwrap()
}

async fn bans_keep_people_out_until_lifted_or_over(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    i.create_space("ideas", PostingMode::Open).await;
    let ana = i.api_user("ana", Role::Member).await;
    let bob = i.api_user("bob", Role::Member).await;
    let mo = i.api_user("mo", Role::Moderator).await;
    let sam = i.api_user("sam", Role::Staff).await;
    let (_, ana_thread) = ask(&i, &ana, "support", "My printer").await;
    let (_, bob_thread) = ask(&i, &bob, "support", "My modem").await;
    let (_, ideas) = ask(&i, &sam, "ideas", "Roadmap").await;
    let ideas_path = format!("/api/v1/threads/{}/replies", ideas["id"]);
    let ana_idea = post(&i, &ana, &ideas_path, json!({ "body": "Dark mode!" })).await;

    // Only moderators and admins ban; bad input is refused; nothing changes.
    let before = i.snapshot().await;
    let ok = json!({ "account": "ana", "space": "support", "reason": "spam" });
    for (token, body, status) in [
        ("", ok.clone(), 401),
        (bob.as_str(), ok.clone(), 403),
        (sam.as_str(), ok.clone(), 403),
        (mo.as_str(), json!({ "account": "ana", "reason": " " }), 400),
        (
            mo.as_str(),
            json!({ "account": "ana", "reason": "x", "days": 0 }),
            400,
        ),
        (
            mo.as_str(),
            json!({ "account": "ana", "reason": "x", "days": 3651 }),
            400,
        ),
        (
            mo.as_str(),
            json!({ "account": "nobody", "reason": "x" }),
            404,
        ),
        (
            mo.as_str(),
            json!({ "account": "ana", "space": "nowhere", "reason": "x" }),
            404,
        ),
        (mo.as_str(), json!({ "account": "mo", "reason": "x" }), 400),
        (mo.as_str(), json!({ "account": "sam", "reason": "x" }), 403),
        (mo.as_str(), json!({ "reason": "x" }), 400),
    ] {
        let (got, err) = call(&i, Method::POST, "/api/v1/bans", token, Some(body.clone())).await;
        assert_eq!(got, status, "{body} → {err}");
    }
    assert_eq!(i.snapshot().await, before);

    // A week's ban from support, removing what she wrote there (and only there).
    let ban = post(
        &i,
        &mo,
        "/api/v1/bans",
        json!({ "account": "ana", "space": "support", "reason": "Link spam", "days": 7, "remove_content": true }),
    )
    .await;
    assert_eq!(ban["person"], "ana");
    assert_eq!(ban["space"], "support");
    assert!(ban["expires_at"].is_string());
    let (got, _) = call(
        &i,
        Method::POST,
        "/api/v1/bans",
        &mo,
        Some(json!({ "account": "ana", "space": "support", "reason": "again" })),
    )
    .await;
    assert_eq!(got, 409, "banned once");
    let (_, t) = call(
        &i,
        Method::GET,
        &format!("/api/v1/threads/{}", ana_thread["id"]),
        &bob,
        None,
    )
    .await;
    assert_eq!(t["opening"]["removal_reason"], "Link spam");
    let (_, t) = call(
        &i,
        Method::GET,
        &format!("/api/v1/threads/{}", ideas["id"]),
        &bob,
        None,
    )
    .await;
    assert_eq!(
        t["replies"][0]["removed"], false,
        "her idea elsewhere stays"
    );

    let before = i.snapshot().await;
    let (got, err) = ask(&i, &ana, "support", "Again").await;
    assert_eq!(got, 403);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .starts_with("you are banned from this space until")
            && err["message"].as_str().unwrap().ends_with(": Link spam"),
        "{err}"
    );
    let bob_opening = opening(&i, &bob, &bob_thread).await;
    let (got, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/threads/{}/replies", bob_thread["id"]),
        &ana,
        Some(json!({ "body": "me too" })),
    )
    .await;
    assert_eq!(got, 403);
    let (got, _) = call(
        &i,
        Method::PUT,
        &format!("/api/v1/posts/{bob_opening}/like"),
        &ana,
        None,
    )
    .await;
    assert_eq!(got, 403);
    assert_eq!(i.snapshot().await, before);
    // Elsewhere she takes part as before, and edits her words there.
    let (got, _) = ask(&i, &ana, "ideas", "Another idea").await;
    assert_eq!(got, 201);
    let (got, _) = call(
        &i,
        Method::PATCH,
        &format!("/api/v1/posts/{}", ana_idea["id"]),
        &ana,
        Some(json!({ "body": "Dark mode, please!" })),
    )
    .await;
    assert_eq!(got, 200);

    // A ban from the whole server, until lifted: nothing anywhere, reports neither; reading
    // and deleting one's own words still work.
    post(
        &i,
        &mo,
        "/api/v1/bans",
        json!({ "account": "bob", "reason": "Abuse" }),
    )
    .await;
    let before = i.snapshot().await;
    let (got, err) = ask(&i, &bob, "ideas", "Hello").await;
    assert_eq!(got, 403);
    assert_eq!(err["message"], "you are banned from this server: Abuse");
    let (got, _) = call(
        &i,
        Method::POST,
        "/api/v1/reports",
        &bob,
        Some(json!({ "account": "mo", "reason": "unfair" })),
    )
    .await;
    assert_eq!(got, 403);
    assert_eq!(i.snapshot().await, before);
    let (got, _) = call(
        &i,
        Method::GET,
        &format!("/api/v1/threads/{}", bob_thread["id"]),
        &bob,
        None,
    )
    .await;
    assert_eq!(got, 200);
    let (got, _) = call(
        &i,
        Method::DELETE,
        &format!("/api/v1/posts/{bob_opening}"),
        &bob,
        None,
    )
    .await;
    assert_eq!(got, 204, "his words are his to delete");

    // The list, for moderators only; the public log shows bans with their end.
    let (got, _) = call(&i, Method::GET, "/api/v1/bans", &ana, None).await;
    assert_eq!(got, 403);
    let (_, list) = call(&i, Method::GET, "/api/v1/bans", &mo, None).await;
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    let ana_ban = list[0]["id"].as_i64().unwrap();
    let (_, log) = call(&i, Method::GET, "/api/v1/modlog", &bob, None).await;
    let entries = log["entries"].as_array().unwrap();
    let ban_entry = entries
        .iter()
        .find(|e| e["action"] == "ban" && e["person"] == "ana")
        .expect("the ban is in the log");
    assert_eq!(ban_entry["space"], "support");
    assert_eq!(ban_entry["reason"], "Link spam");
    assert!(ban_entry["expires_at"].is_string());
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "remove_post" && e["person"] == "ana")
    );

    // Lifted: she is back.
    let lift = format!("/api/v1/bans/{ana_ban}/lift");
    let (got, _) = call(&i, Method::POST, &lift, &bob, Some(json!({}))).await;
    assert_eq!(got, 403);
    let (got, _) = call(
        &i,
        Method::POST,
        &lift,
        &mo,
        Some(json!({ "reason": "Apologised" })),
    )
    .await;
    assert_eq!(got, 204);
    let (got, _) = call(&i, Method::POST, &lift, &mo, Some(json!({}))).await;
    assert_eq!(got, 409);
    let (got, _) = ask(&i, &ana, "support", "Back again").await;
    assert_eq!(got, 201);
    let (_, log) = call(&i, Method::GET, "/api/v1/modlog", &bob, None).await;
    assert_eq!(log["entries"][0]["action"], "unban");
    assert_eq!(log["entries"][0]["reason"], "Apologised");

    // A ban that is over no longer counts.
    post(
        &i,
        &mo,
        "/api/v1/bans",
        json!({ "account": "ana", "space": "ideas", "reason": "Cool down", "days": 1 }),
    )
    .await;
    assert_eq!(ask(&i, &ana, "ideas", "Blocked").await.0, 403);
    i.state
        .hearth
        .db
        .run(|c| {
            use diesel::prelude::*;
            use hearth::db::schema::bans;
            let past = hearth::db::now() - chrono::TimeDelta::minutes(1);
            diesel::update(bans::table.filter(bans::space_id.is_not_null()))
                .set(bans::expires_at.eq(Some(past)))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(ask(&i, &ana, "ideas", "Free again").await.0, 201);
}

async fn bans_on_the_web(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let ana = i.api_user("ana", Role::Member).await;
    let pw = i.create_user("meg", Role::Moderator).await;
    let web = browser();
    i.sign_in(&web, "meg", &pw).await;
    let page = web
        .get(i.url("/moderation?ban=ana"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"name="account" required value="ana""#),
        "{page}"
    );
    let csrf = page_csrf(&web, &i.url("/moderation")).await;
    let before = i.snapshot().await;
    let resp = web
        .post(i.url("/moderation/bans"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("account", "ana"),
            ("space", "support"),
            ("reason", "Spam"),
            ("days", "soon"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("days must be a whole number")
    );
    assert_eq!(i.snapshot().await, before);
    let resp = web
        .post(i.url("/moderation/bans"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("account", "ana"),
            ("space", "support"),
            ("reason", "Spam"),
            ("days", "3"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(ask(&i, &ana, "support", "Hi").await.0, 403);
    let page = web
        .get(i.url("/moderation"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let id = page
        .split("/moderation/bans/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("a Lift form")
        .to_string();
    let resp = web
        .post(i.url(&format!("/moderation/bans/{id}/lift")))
        .form(&[("csrf", csrf.as_str()), ("reason", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(ask(&i, &ana, "support", "Hi").await.0, 201);
    let log = web
        .get(i.url("/modlog"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        log.contains("banned") && log.contains("lifted the ban on"),
        "{log}"
    );
}

async fn a_banned_remote_person_is_refused_and_the_ban_federates(b: Backend) {
    let (i, peer) = followed_by_a_peer(b).await;
    let base = local_base(&i);
    let inbox = format!("{base}/inbox");
    let public = "https://www.w3.org/ns/activitystreams#Public";
    let mo = i.api_user("mo", Role::Moderator).await;
    let page = json!({
        "id": format!("{}/post/1", peer.base), "type": "Page", "attributedTo": peer.actor("bob"),
        "name": "Buy followers", "content": "<p>Cheap followers here</p>",
        "to": [format!("{base}/s/support"), public], "audience": format!("{base}/s/support"),
    });
    let create = |n: &str, object: &Value| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": peer.activity_id(&format!("create-{n}")),
            "type": "Create", "actor": peer.actor("bob"), "object": object,
        })
    };
    assert_eq!(peer.post_signed(&inbox, &create("1", &page)).await, 202);
    drain(&i).await;
    let handle = format!("bob@{}", peer.domain);
    post(
        &i,
        &mo,
        "/api/v1/bans",
        json!({ "account": handle, "space": "support", "reason": "Spam", "remove_content": true, "days": 30 }),
    )
    .await;
    drain(&i).await;
    let received: Vec<Value> = peer.received().into_iter().map(|r| r.body).collect();
    let block = received
        .iter()
        .find(|a| a["type"] == "Announce" && a["object"]["type"] == "Block")
        .unwrap_or_else(|| panic!("no Announce(Block) among {received:?}"));
    assert_eq!(block["actor"], format!("{base}/s/support"));
    let inner = &block["object"];
    assert_eq!(inner["object"], peer.actor("bob"));
    assert_eq!(inner["target"], format!("{base}/s/support"));
    assert_eq!(inner["actor"], format!("{base}/u/mo"));
    assert_eq!(inner["summary"], "Spam");
    assert_eq!(inner["removeData"], true);
    assert!(inner["endTime"].is_string());
    let removal = received
        .iter()
        .find(|a| a["type"] == "Announce" && a["object"]["type"] == "Delete")
        .expect("his thread's removal was announced");
    assert_eq!(removal["object"]["object"], page["id"]);
    assert_eq!(removal["object"]["summary"], "Spam");

    // What he sends now is refused, and nothing changes.
    let before = i.snapshot().await;
    let (_, list) = call(&i, Method::GET, "/api/v1/spaces/support/threads", &mo, None).await;
    assert_eq!(
        list["threads"].as_array().unwrap().len(),
        0,
        "removed with the ban"
    );
    let again = json!({
        "id": format!("{}/post/2", peer.base), "type": "Page", "attributedTo": peer.actor("bob"),
        "name": "Buy more followers", "content": "<p>Even cheaper</p>",
        "to": [format!("{base}/s/support"), public], "audience": format!("{base}/s/support"),
    });
    assert_eq!(peer.post_signed(&inbox, &create("2", &again)).await, 403);
    assert_eq!(i.snapshot().await, before);

    // Unbanned: the Undo(Block) goes out too.
    let (_, bans) = call(&i, Method::GET, "/api/v1/bans", &mo, None).await;
    let id = bans[0]["id"].as_i64().unwrap();
    let (got, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/bans/{id}/lift"),
        &mo,
        Some(json!({})),
    )
    .await;
    assert_eq!(got, 204);
    drain(&i).await;
    let received: Vec<Value> = peer.received().into_iter().map(|r| r.body).collect();
    let undo = received
        .iter()
        .find(|a| a["type"] == "Announce" && a["object"]["type"] == "Undo")
        .expect("the Undo(Block) was announced");
    assert_eq!(undo["object"]["object"]["type"], "Block");
    assert_eq!(undo["object"]["object"]["id"], inner["id"]);
    assert_eq!(peer.post_signed(&inbox, &create("3", &again)).await, 202);
}
