//! Reports: anyone signed in reports a post or a person; moderators (and admins) see the open
//! reports — made here and received from other servers — oldest first, and resolve them with a
//! note. Members cannot see or resolve them through any door.

use hearth::domain::{PostingMode, Role};
use serde_json::json;

use crate::harness::{Backend, TestInstance, api_call as call, browser, page_csrf};
use crate::on_both_backends;

on_both_backends!(
    reports_reach_the_moderators_queue,
    reporting_on_the_web,
    reports_are_forwarded_to_the_origin
);

async fn thread_by(i: &TestInstance, token: &str) -> (i64, i64) {
    let (status, t) = call(
        i,
        reqwest::Method::POST,
        "/api/v1/spaces/support/threads",
        token,
        Some(json!({ "title": "Cheap watches", "body": "Visit http://spam.example" })),
    )
    .await;
    assert_eq!(status, 201);
    let id = t["id"].as_i64().unwrap();
    let (_, view) = call(
        i,
        reqwest::Method::GET,
        &format!("/api/v1/threads/{id}"),
        token,
        None,
    )
    .await;
    (id, view["opening"]["id"].as_i64().unwrap())
}

async fn reports_reach_the_moderators_queue(b: Backend) {
    use reqwest::Method;
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let ana = i.api_user("ana", Role::Member).await;
    let bob = i.api_user("bob", Role::Member).await;
    let moderator = i.api_user("mo", Role::Moderator).await;
    let (_, post) = thread_by(&i, &ana).await;

    // Refused input changes nothing.
    let before = i.snapshot().await;
    for (body, status) in [
        (json!({ "post_id": post, "reason": "" }), 400),
        (json!({ "post_id": post, "reason": "x".repeat(2001) }), 400),
        (json!({ "post_id": 999999, "reason": "spam" }), 404),
        (json!({ "account": "nobody", "reason": "spam" }), 404),
        (
            json!({ "post_id": post, "account": "ana", "reason": "spam" }),
            400,
        ),
        (json!({ "reason": "spam" }), 400),
    ] {
        let (got, err) = call(
            &i,
            Method::POST,
            "/api/v1/reports",
            &bob,
            Some(body.clone()),
        )
        .await;
        assert_eq!(got, status, "{body} → {err}");
    }
    let (got, _) = call(
        &i,
        Method::POST,
        "/api/v1/reports",
        "",
        Some(json!({ "post_id": post, "reason": "spam" })),
    )
    .await;
    assert_eq!(got, 401);
    assert_eq!(i.snapshot().await, before);

    let (status, report) = call(
        &i,
        Method::POST,
        "/api/v1/reports",
        &bob,
        Some(json!({ "post_id": post, "reason": "Link spam" })),
    )
    .await;
    assert_eq!(status, 201, "{report}");
    assert_eq!(report["post"]["id"], post);
    assert_eq!(report["post"]["author"], "ana");
    assert_eq!(report["reporter"], "bob");
    // The same report again is the same report.
    let (_, again) = call(
        &i,
        Method::POST,
        "/api/v1/reports",
        &bob,
        Some(json!({ "post_id": post, "reason": "Link spam!" })),
    )
    .await;
    assert_eq!(again["id"], report["id"]);
    let (status, person) = call(
        &i,
        Method::POST,
        "/api/v1/reports",
        &bob,
        Some(json!({ "account": "ana", "reason": "Posts spam everywhere" })),
    )
    .await;
    assert_eq!((status, person["person"].as_str()), (201, Some("ana")));
    // A report received from another server (a Flag) joins the same queue.
    i.state
        .hearth
        .db
        .run(|c| {
            Ok(hearth::db::federation::add_report(
                c,
                "https://mastodon.example/flags/1",
                "https://mastodon.example/actor",
                "Harassment",
                "[\"https://mastodon.example/statuses/9\"]",
            )?)
        })
        .await
        .unwrap();

    // Members see nothing and resolve nothing; nothing changes when they try.
    let before = i.snapshot().await;
    let (status, _) = call(&i, Method::GET, "/api/v1/reports", &bob, None).await;
    assert_eq!(status, 403);
    let rid = report["id"].as_i64().unwrap();
    let (status, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/reports/{rid}/resolve"),
        &bob,
        Some(json!({ "note": "nothing to see" })),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(i.snapshot().await, before);

    let (status, open) = call(&i, Method::GET, "/api/v1/reports", &moderator, None).await;
    assert_eq!(status, 200);
    let open = open.as_array().unwrap().clone();
    assert_eq!(open.len(), 3, "{open:?}");
    assert_eq!(open[0]["id"], rid, "oldest first");
    assert_eq!(open[2]["from_elsewhere"], true);
    assert_eq!(open[2]["objects"][0], "https://mastodon.example/statuses/9");
    assert_eq!(open[2]["reason"], "Harassment");

    let (status, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/reports/{rid}/resolve"),
        &moderator,
        Some(json!({ "note": "" })),
    )
    .await;
    assert_eq!(status, 400);
    let (status, done) = call(
        &i,
        Method::POST,
        &format!("/api/v1/reports/{rid}/resolve"),
        &moderator,
        Some(json!({ "note": "Asked ana to remove the link" })),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["resolution"], "Asked ana to remove the link");
    assert!(done["resolved_at"].is_string());
    let (status, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/reports/{rid}/resolve"),
        &moderator,
        Some(json!({ "note": "twice" })),
    )
    .await;
    assert_eq!(status, 409);
    let (_, open) = call(&i, Method::GET, "/api/v1/reports", &moderator, None).await;
    assert_eq!(open.as_array().unwrap().len(), 2);
    let audit = i
        .state
        .hearth
        .db
        .run(|c| Ok(hearth::db::audit::recent(c, 10)?))
        .await
        .unwrap();
    assert!(
        audit.iter().any(|(a, _)| a.action == "resolve_report"),
        "the resolution is in the audit log"
    );
}

async fn reporting_on_the_web(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let ana = i.api_user("ana", Role::Member).await;
    let (thread, post) = thread_by(&i, &ana).await;
    let pw = i.create_user("bob", Role::Member).await;
    let web = browser();
    i.sign_in(&web, "bob", &pw).await;
    let moved = web
        .get(i.url(&format!("/s/support/t/{thread}")))
        .send()
        .await
        .unwrap();
    let canonical = moved.headers()["location"].to_str().unwrap().to_string();
    let page = web
        .get(i.url(&canonical))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("/posts/{post}/report")),
        "a Report link"
    );
    let form = i.url(&format!("/posts/{post}/report"));
    let csrf = page_csrf(&web, &form).await;
    let before = i.snapshot().await;
    let resp = web
        .post(&form)
        .form(&[("reason", "spam")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403, "no CSRF token");
    let resp = web
        .post(&form)
        .form(&[("csrf", csrf.as_str()), ("reason", "  ")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("reason-error"));
    assert_eq!(i.snapshot().await, before);
    let resp = web
        .post(&form)
        .form(&[("csrf", csrf.as_str()), ("reason", "Selling watches")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("Thank you"));
    let resp = web.get(i.url("/moderation")).send().await.unwrap();
    assert_eq!(resp.status(), 403, "members do not see the queue");

    let pw = i.create_user("mo", Role::Moderator).await;
    let m = browser();
    i.sign_in(&m, "mo", &pw).await;
    let queue = m
        .get(i.url("/moderation"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(queue.contains("Selling watches") && queue.contains("Visit http://spam.example"));
    let csrf = crate::harness::csrf_of(&queue);
    let id = queue
        .split("/moderation/reports/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_string();
    let resp = m
        .post(i.url(&format!("/moderation/reports/{id}/resolve")))
        .form(&[("csrf", csrf.as_str()), ("note", "Removed")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let queue = m
        .get(i.url("/moderation"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(queue.contains("No open reports"));
}

/// A report about a post from another server is forwarded there by a moderator, as a `Flag`
/// from our instance actor with the reason and without the reporter's name; once.
async fn reports_are_forwarded_to_the_origin(b: Backend) {
    use reqwest::Method;
    let i = TestInstance::start_with(b, &[("FEDERATION_INSECURE", "true")]).await;
    i.create_space("support", PostingMode::Open).await;
    let ana = i.api_user("ana", Role::Member).await;
    let mo = i.api_user("mo", Role::Moderator).await;
    let peer = crate::peer::Peer::start().await;
    let base = crate::federation::local_base(&i);
    let status_id = format!("{}/statuses/spam1", peer.base);
    let create = json!({
        "id": peer.activity_id("spam"), "type": "Create", "actor": peer.actor("bob"),
        "object": {
            "id": status_id, "type": "Note", "attributedTo": peer.actor("bob"),
            "content": "<p>@support cheap watches here</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{base}/s/support")],
            "tag": [{"type": "Mention", "href": format!("{base}/s/support")}],
        }
    });
    assert_eq!(
        peer.post_signed(&format!("{base}/inbox"), &create).await,
        202
    );
    let (_, list) = call(
        &i,
        Method::GET,
        "/api/v1/spaces/support/threads",
        &ana,
        None,
    )
    .await;
    let remote_thread = list["threads"][0]["id"].as_i64().unwrap();
    let (_, view) = call(
        &i,
        Method::GET,
        &format!("/api/v1/threads/{remote_thread}"),
        &ana,
        None,
    )
    .await;
    let remote_post = view["opening"]["id"].as_i64().unwrap();
    let (_, local_post) = thread_by(&i, &ana).await;

    let mut ids = Vec::new();
    for post in [remote_post, local_post] {
        let (s, r) = call(
            &i,
            Method::POST,
            "/api/v1/reports",
            &ana,
            Some(json!({ "post_id": post, "reason": "spam links" })),
        )
        .await;
        assert_eq!(s, 201, "{r}");
        ids.push(r["id"].as_i64().unwrap());
    }
    let (_, queue) = call(&i, Method::GET, "/api/v1/reports", &mo, None).await;
    assert_eq!(queue[0]["origin"], peer.domain);
    assert!(queue[1]["origin"].is_null());

    let before = i.snapshot().await;
    let (s, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/reports/{}/forward", ids[0]),
        &ana,
        None,
    )
    .await;
    assert_eq!(s, 403, "members cannot forward");
    let (s, e) = call(
        &i,
        Method::POST,
        &format!("/api/v1/reports/{}/forward", ids[1]),
        &mo,
        None,
    )
    .await;
    assert_eq!(s, 400, "nothing to forward for a post from here: {e}");
    let (s, _) = call(
        &i,
        Method::POST,
        "/api/v1/reports/999999/forward",
        &mo,
        None,
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(i.snapshot().await, before);

    let (s, r) = call(
        &i,
        Method::POST,
        &format!("/api/v1/reports/{}/forward", ids[0]),
        &mo,
        None,
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert!(r["forwarded_at"].is_string());
    let (s, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/reports/{}/forward", ids[0]),
        &mo,
        None,
    )
    .await;
    assert_eq!(s, 409, "once");
    crate::federation::drain(&i).await;
    let flags: Vec<serde_json::Value> = peer
        .received()
        .into_iter()
        .map(|r| r.body)
        .filter(|b| b["type"] == "Flag")
        .collect();
    assert_eq!(flags.len(), 1, "{flags:?}");
    let flag = &flags[0];
    assert_eq!(flag["actor"], format!("{base}/actor"));
    assert_eq!(flag["object"], json!([peer.actor("bob"), status_id]));
    assert_eq!(flag["content"], "spam links");
    assert!(
        !flag.to_string().contains("ana"),
        "the reporter stays private"
    );
}
