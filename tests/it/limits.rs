//! Rate limits: posting and reporting per person, registering per address, the inbox per
//! remote server. Past a limit: 429 with `Retry-After`, and nothing stored.

use hearth::domain::{PostingMode, Role};
use reqwest::Method;
use serde_json::json;

use crate::harness::{Backend, TestInstance, api_call as call, bearer, client};
use crate::on_both_backends;
use crate::peer::Peer;

on_both_backends!(limits_answer_429_and_change_nothing);

async fn limits_answer_429_and_change_nothing(b: Backend) {
    let i = TestInstance::start_with(
        b,
        &[
            ("FEDERATION_INSECURE", "true"),
            ("POSTS_PER_MINUTE", "3"),
            ("REPORTS_PER_HOUR", "2"),
            ("REGISTRATIONS_PER_HOUR", "2"),
            ("INBOX_PER_MINUTE", "3"),
        ],
    )
    .await;
    i.create_space("support", PostingMode::Open).await;
    let ana = i.api_user("ana", Role::Member).await;
    let bob = i.api_user("bob", Role::Member).await;
    let admin = i.api_user("boss", Role::Admin).await;

    // Posting: three in a minute, then 429 with Retry-After; someone else still posts.
    let (s, t) = call(
        &i,
        Method::POST,
        "/api/v1/spaces/support/threads",
        &ana,
        Some(json!({ "title": "One", "body": "first" })),
    )
    .await;
    assert_eq!(s, 201);
    let thread = t["id"].as_i64().unwrap();
    for n in 0..2 {
        let (s, _) = call(
            &i,
            Method::POST,
            &format!("/api/v1/threads/{thread}/replies"),
            &ana,
            Some(json!({ "body": format!("reply {n}") })),
        )
        .await;
        assert_eq!(s, 201);
    }
    let before = i.snapshot().await;
    let resp = client()
        .post(i.url(&format!("/api/v1/threads/{thread}/replies")))
        .header("authorization", bearer(&ana))
        .json(&json!({ "body": "one too many" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    assert!(body["message"].as_str().unwrap().contains("too many posts"));
    let (s, _) = call(
        &i,
        Method::POST,
        "/api/v1/spaces/support/threads",
        &ana,
        Some(json!({ "title": "Two", "body": "again" })),
    )
    .await;
    assert_eq!(s, 429, "threads share the limit");
    assert_eq!(i.snapshot().await, before);
    let (s, _) = call(
        &i,
        Method::POST,
        &format!("/api/v1/threads/{thread}/replies"),
        &bob,
        Some(json!({ "body": "me too" })),
    )
    .await;
    assert_eq!(s, 201, "the limit is per person");

    // Reporting: two an hour.
    let (_, view) = call(
        &i,
        Method::GET,
        &format!("/api/v1/threads/{thread}"),
        &bob,
        None,
    )
    .await;
    let opening = view["opening"]["id"].as_i64().unwrap();
    for (n, expect) in [(0, 201), (1, 201), (2, 429)] {
        let target = if n == 0 {
            json!({ "post_id": opening, "reason": "spam" })
        } else {
            json!({ "account": if n == 1 { "ana" } else { "boss" }, "reason": "spam" })
        };
        let (s, e) = call(&i, Method::POST, "/api/v1/reports", &bob, Some(target)).await;
        assert_eq!(s, expect, "report {n}: {e}");
    }

    // Registering: two an hour from one address.
    let (s, _) = call(
        &i,
        Method::PATCH,
        "/api/v1/admin/instance",
        &admin,
        Some(json!({ "registration_mode": "open" })),
    )
    .await;
    assert_eq!(s, 200);
    for (n, expect) in [("new1", 201), ("new2", 201), ("new3", 429)] {
        let resp = client()
            .post(i.url("/api/v1/accounts"))
            .json(&json!({ "name": n, "password": "a good password" }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), expect, "{n}");
    }

    // The inbox: three a minute from one server, then 429; another server is not affected.
    let base = i.base.replace("127.0.0.1", "localhost");
    let inbox = format!("{base}/inbox");
    let (peer, other) = (Peer::start().await, Peer::start().await);
    for n in 0..3 {
        let add = json!({ "id": peer.activity_id(&format!("a{n}")), "type": "Add", "actor": peer.actor("bob"), "object": "x" });
        assert_eq!(peer.post_signed(&inbox, &add).await, 202);
    }
    let add = json!({ "id": peer.activity_id("a4"), "type": "Add", "actor": peer.actor("bob"), "object": "x" });
    assert_eq!(peer.post_signed(&inbox, &add).await, 429);
    let add = json!({ "id": other.activity_id("a"), "type": "Add", "actor": other.actor("eve"), "object": "x" });
    assert_eq!(other.post_signed(&inbox, &add).await, 202);
}
