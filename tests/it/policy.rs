//! The federation policy admins manage at run time: blocking a domain (and its subdomains)
//! takes effect at once — its activities are refused, nothing more is delivered to it — and
//! allow-list mode federates only with the allowed. Only admins change it.

use hearth::domain::Role;
use reqwest::Method;
use serde_json::json;

use crate::federation::{drain, follow, followed_by_a_peer, local_base};
use crate::harness::{Backend, api_call as call, browser, page_csrf, page_text};
use crate::on_both_backends;

on_both_backends!(admins_block_and_allow_servers_at_once);

async fn admins_block_and_allow_servers_at_once(b: Backend) {
    // Every test peer lives on `localhost` (our own domain is `localhost:<port>`).
    let (i, peer) = followed_by_a_peer(b).await;
    let inbox = format!("{}/s/support/inbox", local_base(&i));
    let admin = i.api_user("boss", Role::Admin).await;
    let member = i.api_user("ana", Role::Member).await;

    // Refused: members, malformed domains, unknown kinds; nothing changes.
    let before = i.snapshot().await;
    for (token, domain, body, status) in [
        (&member, "localhost", json!({ "kind": "block" }), 403),
        (
            &admin,
            "https:%2F%2Fx.example",
            json!({ "kind": "block" }),
            400,
        ),
        (&admin, "x.example:443", json!({ "kind": "block" }), 400),
        (&admin, "x.example", json!({ "kind": "mute" }), 400),
    ] {
        let (s, e) = call(
            &i,
            Method::PUT,
            &format!("/api/v1/admin/federation/domains/{domain}"),
            token,
            Some(body),
        )
        .await;
        assert_eq!(s, status, "{domain}: {e}");
    }
    let (s, _) = call(&i, Method::GET, "/api/v1/admin/federation", &member, None).await;
    assert_eq!(s, 403);
    assert_eq!(i.snapshot().await, before);

    // Block: the next activity is refused, and a new thread goes nowhere.
    let (s, p) = call(
        &i,
        Method::PUT,
        "/api/v1/admin/federation/domains/LocalHost",
        &admin,
        Some(json!({ "kind": "block", "reason": "spam wave" })),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["domains"][0]["domain"], "localhost");
    assert_eq!(p["mode"], "blocklist");
    assert_eq!(
        peer.post_signed(&inbox, &follow(&peer, &i, "again")).await,
        403
    );
    let sent = peer.received().len();
    let (s, _) = call(
        &i,
        Method::POST,
        "/api/v1/spaces/support/threads",
        &member,
        Some(json!({ "title": "Hello", "body": "Anyone?" })),
    )
    .await;
    assert_eq!(s, 201);
    drain(&i).await;
    assert_eq!(
        peer.received().len(),
        sent,
        "nothing delivered to a blocked server"
    );

    // Unblocked: accepted again.
    let (s, _) = call(
        &i,
        Method::DELETE,
        "/api/v1/admin/federation/domains/localhost",
        &admin,
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        peer.post_signed(&inbox, &follow(&peer, &i, "third")).await,
        202
    );
    let (s, _) = call(
        &i,
        Method::DELETE,
        "/api/v1/admin/federation/domains/localhost",
        &admin,
        None,
    )
    .await;
    assert_eq!(s, 404);

    // Allow-list mode: only the allowed federate.
    let (s, p) = call(
        &i,
        Method::PUT,
        "/api/v1/admin/federation/mode",
        &admin,
        Some(json!({ "mode": "allowlist" })),
    )
    .await;
    assert_eq!((s, p["mode"].as_str()), (200, Some("allowlist")));
    assert_eq!(
        peer.post_signed(&inbox, &follow(&peer, &i, "fourth")).await,
        403
    );
    let (s, _) = call(
        &i,
        Method::PUT,
        "/api/v1/admin/federation/domains/localhost",
        &admin,
        Some(json!({ "kind": "allow" })),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        peer.post_signed(&inbox, &follow(&peer, &i, "fifth")).await,
        202
    );
    let (s, _) = call(
        &i,
        Method::PUT,
        "/api/v1/admin/federation/mode",
        &admin,
        Some(json!({ "mode": "sometimes" })),
    )
    .await;
    assert_eq!(s, 400);

    // The admin page: the section, and a block added with its form.
    let pw = i.create_user("chief", Role::Admin).await;
    let web = browser();
    i.sign_in(&web, "chief", &pw).await;
    let page = page_text(&web, &i.url("/admin")).await;
    assert!(page.contains("only the allowed servers"), "{page}");
    // Every change is in the audit log shown there.
    for action in [
        "block_domain",
        "unlist_domain",
        "federation_mode",
        "allow_domain",
    ] {
        assert!(page.contains(action), "{action} in the audit log");
    }
    let csrf = page_csrf(&web, &i.url("/admin")).await;
    let resp = web
        .post(i.url("/admin/federation/domains"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("domain", "spam.example"),
            ("kind", "block"),
            ("reason", "link spam"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let page = page_text(&web, &i.url("/admin")).await;
    assert!(
        page.contains("<code>spam.example</code> <span class=\"badge\">blocked</span> — link spam"),
        "{page}"
    );
}
