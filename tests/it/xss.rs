//! Hostile markup stays inert on every page that shows it: a remote actor's display name, a
//! remote thread's title and HTML, a local title and display name, and markdown in a reply and
//! in a space's description and rules (rendered as HTML).

use hearth::domain::{PostingMode, Role};
use reqwest::Method;
use serde_json::json;

use crate::federation::local_base;
use crate::harness::{Backend, TestInstance, api_call as call, browser, client, password_of};
use crate::on_both_backends;
use crate::peer::Peer;

on_both_backends!(hostile_names_titles_and_html_are_inert_on_every_page);

/// Every tag of a page is harmless: no script but our own file, no frame or object, no event
/// handler attribute, no `javascript:` address. (Escaped text — `&lt;script&gt;` — is not a
/// tag, which is the point.)
fn assert_inert(page: &str, what: &str) {
    let mut rest = page;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').map_or(rest.len(), |e| start + e);
        let tag = rest[start + 1..end].to_ascii_lowercase();
        rest = &rest[end..];
        let name = tag.split_whitespace().next().unwrap_or("");
        let ours = tag.starts_with("script src=\"/static/hearth.js");
        assert!(
            (name != "script" || ours) && !["iframe", "object", "embed"].contains(&name),
            "{what}: <{tag}> survived"
        );
        assert!(!tag.contains("javascript:"), "{what}: <{tag}> survived");
        let handler = tag
            .split_whitespace()
            .skip(1)
            .any(|attr| attr.starts_with("on") && attr.contains('='));
        assert!(!handler, "{what}: <{tag}> survived");
    }
}

async fn hostile_names_titles_and_html_are_inert_on_every_page(b: Backend) {
    let i = TestInstance::start_with(b, &[("FEDERATION_INSECURE", "true")]).await;
    i.create_space("support", PostingMode::Open).await;
    let ada = i.api_user("ada", Role::Admin).await;
    i.api_user("mo", Role::Moderator).await;
    let peer = Peer::start().await;
    let base = local_base(&i);

    // The space's own description and rules are markdown, rendered as HTML.
    let (status, v) = call(
        &i,
        Method::PATCH,
        "/api/v1/spaces/support",
        &ada,
        Some(json!({
            "description": "Ask <script>alert(1)</script> [x](javascript:alert(1))",
            "rules": "Be kind <img src=x onerror=alert(2)> <iframe src=//evil.example></iframe>",
        })),
    )
    .await;
    assert_eq!(status, 200, "{v}");

    // A remote thread: the peer's actor is named "bob <script>alert(1)</script> Remote".
    let page = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": peer.activity_id("create-hostile"), "type": "Create", "actor": peer.actor("bob"),
        "object": {
            "id": format!("{}/post/hostile", peer.base), "type": "Page",
            "attributedTo": peer.actor("bob"),
            "name": "<img src=x onerror=alert(3)> Modem <script>alert(4)</script>",
            "content": "<p onclick=\"alert(5)\">Blinks <a href=\"javascript:alert(6)\">here</a>\
                        <iframe src=\"https://evil.example\"></iframe><img src=x onerror=alert(7)></p>",
            "to": [format!("{base}/s/support"), "https://www.w3.org/ns/activitystreams#Public"],
            "audience": format!("{base}/s/support"),
        },
    });
    assert_eq!(peer.post_signed(&format!("{base}/inbox"), &page).await, 202);
    let (_, list) = call(
        &i,
        Method::GET,
        "/api/v1/spaces/support/threads",
        &ada,
        None,
    )
    .await;
    let remote = list["threads"][0].clone();
    assert_eq!(
        remote["title"], "<img src=x onerror=alert(3)> Modem <script>alert(4)</script>",
        "a title is text, stored as written"
    );

    // A local member with a hostile name, title and markdown reply.
    let eve = i.api_user("eve", Role::Member).await;
    let (status, v) = call(
        &i,
        Method::PATCH,
        "/api/v1/accounts/me",
        &eve,
        Some(json!({ "display_name": "Eve <script>alert(8)</script>" })),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let (status, local) = call(
        &i,
        Method::POST,
        "/api/v1/spaces/support/threads",
        &eve,
        Some(json!({
            "title": "<script>alert(9)</script> help",
            "body": "Hi <script>alert(10)</script> <a href=\"javascript:alert(11)\" onclick=\"x()\">ok</a> ![x](javascript:alert(12))",
        })),
    )
    .await;
    assert_eq!(status, 201, "{local}");
    let (status, v) = call(
        &i,
        Method::POST,
        &format!("/api/v1/threads/{}/replies", remote["id"]),
        &eve,
        Some(json!({ "body": "<img src=x onerror=alert(13)> same here" })),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    // Reported, so the moderators' queue shows the hostile name and words too.
    let (_, view) = call(
        &i,
        Method::GET,
        &format!("/api/v1/threads/{}", remote["id"]),
        &ada,
        None,
    )
    .await;
    let (status, _) = call(
        &i,
        Method::POST,
        "/api/v1/reports",
        &ada,
        Some(json!({ "post_id": view["opening"]["id"], "reason": "<script>alert(14)</script>" })),
    )
    .await;
    assert_eq!(status, 201);

    let visitor = client();
    let handle = format!("bob@{}", peer.domain);
    let pages = [
        "/".to_string(),
        "/s/support".to_string(),
        remote["url"].as_str().unwrap().to_string(),
        local["url"].as_str().unwrap().to_string(),
        format!("/u/{handle}"),
        "/u/eve".to_string(),
    ];
    for path in &pages {
        let resp = visitor.get(i.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let html = resp.text().await.unwrap();
        assert_inert(&html, path);
    }
    // The names are shown, as text.
    let thread = visitor
        .get(i.url(remote["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        thread.contains("bob &lt;script&gt;alert(1)&lt;&#x2f;script&gt; Remote")
            || thread.contains("bob &lt;script&gt;alert(1)&lt;/script&gt; Remote"),
        "{thread}"
    );
    assert!(thread.contains("Modem &lt;script&gt;"), "{thread}");
    let web = browser();
    i.sign_in(&web, "mo", &password_of("mo")).await;
    for path in ["/moderation", "/notifications"] {
        let resp = web.get(i.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_inert(&resp.text().await.unwrap(), path);
    }
    i.stop().await;
}
