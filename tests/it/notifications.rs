//! In-app notifications: staff hear of new questions and of customers writing on threads
//! assigned to them; everyone hears of replies to them, mentions and accepted answers — one
//! notification per person per post, never for one's own.

use hearth::domain::{PostingMode, Role};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Backend, TestInstance, api_call as call, browser, page_csrf, page_text};
use crate::on_both_backends;

on_both_backends!(who_hears_of_what, notifications_on_the_web);

async fn kinds(i: &TestInstance, token: &str) -> (Vec<String>, Value) {
    let (s, page) = call(i, Method::GET, "/api/v1/notifications", token, None).await;
    assert_eq!(s, 200, "{page}");
    let kinds = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect();
    (kinds, page)
}

async fn reply(i: &TestInstance, token: &str, thread: i64, parent: Option<i64>, body: &str) -> i64 {
    let (s, p) = call(
        i,
        Method::POST,
        &format!("/api/v1/threads/{thread}/replies"),
        token,
        Some(json!({ "body": body, "parent_id": parent })),
    )
    .await;
    assert_eq!(s, 201, "{p}");
    p["id"].as_i64().unwrap()
}

async fn who_hears_of_what(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let jane = i.api_user("jane", Role::Staff).await;
    let kim = i.api_user("kim", Role::Staff).await;
    let ana = i.api_user("ana", Role::Member).await;
    let bob = i.api_user("bob", Role::Member).await;

    // A customer asks: every staff member hears of it; the asker does not.
    let (s, t) = call(
        &i,
        Method::POST,
        "/api/v1/spaces/support/threads",
        &ana,
        Some(json!({ "title": "Lost my invoice", "body": "Where can I find it?" })),
    )
    .await;
    assert_eq!(s, 201);
    let thread = t["id"].as_i64().unwrap();
    assert_eq!(kinds(&i, &jane).await.0, ["new_thread"]);
    assert_eq!(kinds(&i, &kim).await.0, ["new_thread"]);
    assert!(kinds(&i, &ana).await.0.is_empty());
    let (_, page) = kinds(&i, &jane).await;
    assert_eq!(page["unread"], 1);
    assert_eq!(page["items"][0]["text"], "ana asked a new question");
    assert_eq!(page["items"][0]["thread"]["title"], "Lost my invoice");

    // Staff reply: the asker hears of it. Jane takes the thread.
    let answer = reply(&i, &jane, thread, None, "Under Account → Invoices.").await;
    let (_, page) = kinds(&i, &ana).await;
    assert_eq!(page["items"][0]["kind"], "reply");
    assert_eq!(page["items"][0]["text"], "jane replied to you");
    assert!(
        page["items"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("#post-{answer}"))
    );
    let (s, _) = call(
        &i,
        Method::PUT,
        &format!("/api/v1/desk/threads/{thread}/assignee"),
        &jane,
        Some(json!({})),
    )
    .await;
    assert_eq!(s, 200);

    // The customer answers jane's reply: jane hears once (a reply to her beats "assigned").
    reply(&i, &ana, thread, Some(answer), "Found it, thanks").await;
    assert_eq!(kinds(&i, &jane).await.0, ["reply", "new_thread"]);
    // Another customer writes on the thread, mentioning kim and ana: ana (whose question it is)
    // hears of a reply, kim of a mention, jane of a customer on her thread.
    reply(
        &i,
        &bob,
        thread,
        None,
        "Same here @kim, and @ana see @nobody",
    )
    .await;
    assert_eq!(kinds(&i, &ana).await.0, ["reply", "reply"]);
    assert_eq!(kinds(&i, &kim).await.0, ["mention", "new_thread"]);
    assert_eq!(
        kinds(&i, &jane).await.0,
        ["assigned_reply", "reply", "new_thread"]
    );
    // Staff writing on the thread does not notify the assignee as "customer wrote".
    reply(&i, &kim, thread, None, "Adding: PDFs are there too.").await;
    assert_eq!(kinds(&i, &jane).await.0.len(), 3);

    // The asker accepts jane's reply: jane hears of it.
    let (s, _) = call(
        &i,
        Method::PUT,
        &format!("/api/v1/threads/{thread}/answer"),
        &ana,
        Some(json!({ "post_id": answer })),
    )
    .await;
    assert_eq!(s, 204);
    let (k, page) = kinds(&i, &jane).await;
    assert_eq!(k[0], "answer_accepted");
    assert_eq!(
        page["items"][0]["text"],
        "ana accepted your reply as the answer"
    );
    assert_eq!(page["unread"], 4);

    // Reading: up to an id, then all. Pages.
    let oldest = page["items"][3]["id"].as_i64().unwrap();
    let (s, r) = call(
        &i,
        Method::POST,
        "/api/v1/notifications/read",
        &jane,
        Some(json!({ "up_to": oldest })),
    )
    .await;
    assert_eq!((s, r["unread"].as_i64()), (200, Some(3)));
    let (_, page) = kinds(&i, &jane).await;
    assert_eq!(page["items"][3]["read"], true);
    assert_eq!(page["items"][0]["read"], false);
    let (s, r) = call(
        &i,
        Method::POST,
        "/api/v1/notifications/read",
        &jane,
        Some(json!({})),
    )
    .await;
    assert_eq!((s, r["unread"].as_i64()), (200, Some(0)));
    let (_, p1) = call(
        &i,
        Method::GET,
        "/api/v1/notifications?limit=2",
        &jane,
        None,
    )
    .await;
    assert_eq!(p1["items"].as_array().unwrap().len(), 2);
    let next = p1["next"].as_i64().unwrap();
    let (_, p2) = call(
        &i,
        Method::GET,
        &format!("/api/v1/notifications?limit=2&before={next}"),
        &jane,
        None,
    )
    .await;
    assert_eq!(p2["items"].as_array().unwrap().len(), 2);
    assert!(p2["next"].is_null());

    // Refused: no token, bad body; nothing changes.
    let before = i.snapshot().await;
    let (s, _) = call(&i, Method::GET, "/api/v1/notifications", "", None).await;
    assert_eq!(s, 401);
    let (s, _) = call(
        &i,
        Method::POST,
        "/api/v1/notifications/read",
        &ana,
        Some(json!({ "up_to": "all" })),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(i.snapshot().await, before);
}

async fn notifications_on_the_web(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let pw = i.create_user("jane", Role::Staff).await;
    let ana = i.api_user("ana", Role::Member).await;
    let (s, _) = call(
        &i,
        Method::POST,
        "/api/v1/spaces/support/threads",
        &ana,
        Some(json!({ "title": "Broken <b>link</b>", "body": "The help link 404s." })),
    )
    .await;
    assert_eq!(s, 201);

    let web = browser();
    i.sign_in(&web, "jane", &pw).await;
    let page = page_text(&web, &i.url("/")).await;
    assert!(
        page.contains(
            r#"<span class="badge unread">1<span class="visually-hidden"> unread</span>"#
        ),
        "{page}"
    );
    let page = page_text(&web, &i.url("/notifications")).await;
    assert!(page.contains("ana asked a new question"), "{page}");
    assert!(
        page.contains("Broken &lt;b&gt;link&lt;/b&gt;"),
        "titles are escaped"
    );
    let csrf = page_csrf(&web, &i.url("/notifications")).await;
    let resp = web
        .post(i.url("/notifications/read"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let page = page_text(&web, &i.url("/")).await;
    assert!(!page.contains("badge unread"));
    // Signed out: sent to sign in.
    let resp = crate::harness::client()
        .get(i.url("/notifications"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
}
