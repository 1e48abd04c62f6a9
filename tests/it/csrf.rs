//! CSRF on every state-changing web form: each POST route of the web router, sent by a signed-in
//! admin (who could otherwise do all of it) without the token, with a forged one, or with
//! the right token but without the cookie it belongs to, is refused with 403 and changes
//! nothing. The list is checked against the router, so a new form cannot be left out.

use hearth::domain::{PostingMode, Role};
use reqwest::Method;
use serde_json::json;

use crate::harness::{Backend, TestInstance, api_call as call, browser, client, page_csrf};
use crate::on_both_backends;

on_both_backends!(every_web_form_refuses_requests_without_the_csrf_token);

/// The POST routes declared in `src/web/mod.rs`, read from the source.
fn router_post_routes() -> Vec<String> {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/web/mod.rs"))
        .expect("src/web/mod.rs");
    let flat: String = src.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut routes = Vec::new();
    for part in flat.split(".route(").skip(1) {
        let Some(rest) = part.trim_start().strip_prefix('"') else {
            continue;
        };
        let Some(end) = rest.find('"') else { continue };
        let path = &rest[..end];
        // The handlers of this route, up to the next `.route(`.
        let handlers = &rest[end..];
        if handlers.contains("post(") {
            routes.push(path.to_string());
        }
    }
    routes.sort();
    routes
}

async fn every_web_form_refuses_requests_without_the_csrf_token(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let ada = i.api_user("ada", Role::Admin).await;
    let ana = i.api_user("ana", Role::Member).await;
    let (_, t) = call(
        &i,
        Method::POST,
        "/api/v1/spaces/support/threads",
        &ana,
        Some(json!({ "title": "Help", "body": "My router drops." })),
    )
    .await;
    let thread = t["id"].as_i64().unwrap();
    let (_, view) = call(
        &i,
        Method::GET,
        &format!("/api/v1/threads/{thread}"),
        &ana,
        None,
    )
    .await;
    let post = view["opening"]["id"].as_i64().unwrap();
    let (_, r) = call(
        &i,
        Method::POST,
        "/api/v1/reports",
        &ada,
        Some(json!({ "account": "ana", "reason": "spam" })),
    )
    .await;
    let report = r["id"].as_i64().unwrap();
    let (_, ban) = call(
        &i,
        Method::POST,
        "/api/v1/bans",
        &ada,
        Some(json!({ "account": "ana", "reason": "spam", "space": "support" })),
    )
    .await;
    let ban = ban["id"].as_i64().unwrap();

    let web = browser();
    i.sign_in(&web, "ada", &crate::harness::password_of("ada"))
        .await;
    let good = page_csrf(&web, &i.url("/settings")).await;
    let routes: Vec<(&str, String)> = vec![
        ("/s/{space}/follow", "/s/support/follow".into()),
        ("/s/{space}/unfollow", "/s/support/unfollow".into()),
        ("/spaces/find", "/spaces/find".into()),
        ("/s/{space}/new", "/s/support/new".into()),
        (
            "/s/{space}/t/{thread}/reply",
            format!("/s/support/t/{thread}/reply"),
        ),
        (
            "/s/{space}/t/{thread}/answer",
            format!("/s/support/t/{thread}/answer"),
        ),
        ("/posts/{id}/edit", format!("/posts/{post}/edit")),
        ("/posts/{id}/delete", format!("/posts/{post}/delete")),
        ("/posts/{id}/like", format!("/posts/{post}/like")),
        ("/posts/{id}/report", format!("/posts/{post}/report")),
        ("/moderation/bans", "/moderation/bans".into()),
        (
            "/moderation/posts/{id}/approve",
            format!("/moderation/posts/{post}/approve"),
        ),
        (
            "/moderation/posts/{id}/reject",
            format!("/moderation/posts/{post}/reject"),
        ),
        (
            "/moderation/bans/{id}/lift",
            format!("/moderation/bans/{ban}/lift"),
        ),
        (
            "/moderation/posts/{id}/remove",
            format!("/moderation/posts/{post}/remove"),
        ),
        (
            "/moderation/posts/{id}/restore",
            format!("/moderation/posts/{post}/restore"),
        ),
        (
            "/moderation/reports/{id}/resolve",
            format!("/moderation/reports/{report}/resolve"),
        ),
        (
            "/moderation/reports/{id}/forward",
            format!("/moderation/reports/{report}/forward"),
        ),
        ("/notifications/read", "/notifications/read".into()),
        (
            "/desk/threads/{id}/assign",
            format!("/desk/threads/{thread}/assign"),
        ),
        (
            "/desk/threads/{id}/answered",
            format!("/desk/threads/{thread}/answered"),
        ),
        ("/login", "/login".into()),
        ("/logout", "/logout".into()),
        ("/register", "/register".into()),
        ("/register/status", "/register/status".into()),
        ("/settings/profile", "/settings/profile".into()),
        ("/settings/password", "/settings/password".into()),
        ("/settings/avatar", "/settings/avatar".into()),
        ("/settings/avatar/remove", "/settings/avatar/remove".into()),
        ("/settings/tokens", "/settings/tokens".into()),
        (
            "/settings/tokens/{id}/revoke",
            "/settings/tokens/1/revoke".into(),
        ),
        ("/admin/settings", "/admin/settings".into()),
        (
            "/admin/federation/domains",
            "/admin/federation/domains".into(),
        ),
        (
            "/admin/federation/domains/{domain}/remove",
            "/admin/federation/domains/bad.example/remove".into(),
        ),
        ("/admin/federation/mode", "/admin/federation/mode".into()),
        (
            "/admin/accounts/{name}/role",
            "/admin/accounts/ana/role".into(),
        ),
        (
            "/admin/accounts/{name}/approve",
            "/admin/accounts/ana/approve".into(),
        ),
        (
            "/admin/accounts/{name}/reject",
            "/admin/accounts/ana/reject".into(),
        ),
        ("/admin/invites", "/admin/invites".into()),
        ("/admin/spaces", "/admin/spaces".into()),
        ("/admin/spaces/{name}", "/admin/spaces/support".into()),
    ];
    let mut covered: Vec<String> = routes.iter().map(|(r, _)| r.to_string()).collect();
    covered.sort();
    assert_eq!(covered, router_post_routes(), "every POST route is tried");

    // What each form would carry, so only the token is missing.
    let fields = [
        ("name", "mallory"),
        ("password", "a good password"),
        ("password_confirm", "a good password"),
        ("title", "Hijacked"),
        ("body", "Hijacked"),
        ("reason", "Hijacked"),
        ("note", "Hijacked"),
        ("role", "member"),
        ("mode", "allowlist"),
        ("domain", "victim.example"),
        ("kind", "block"),
        ("account", "ana"),
        ("display_name", "Hijacked"),
        ("label", "stolen"),
        ("handle", "support@elsewhere.example"),
        ("on", "1"),
        ("post_id", "1"),
    ];
    let before = i.snapshot().await;
    let forged = "0".repeat(64);
    for (route, path) in &routes {
        let without: Vec<(&str, &str)> = fields.to_vec();
        let mut forged_form = fields.to_vec();
        forged_form.push(("csrf", forged.as_str()));
        let mut stolen = fields.to_vec();
        stolen.push(("csrf", good.as_str()));
        let tries = [
            ("no token", web.post(i.url(path)).form(&without)),
            ("a forged token", web.post(i.url(path)).form(&forged_form)),
            ("a forged header", {
                web.post(i.url(path))
                    .header("x-csrf-token", forged.as_str())
                    .form(&without)
            }),
            // Someone else's page token, without the cookie it belongs to.
            (
                "a token without its cookie",
                client().post(i.url(path)).form(&stolen),
            ),
        ];
        for (how, req) in tries {
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), 403, "{route} with {how}");
            let page = resp.text().await.unwrap();
            assert!(
                page.contains("did not come from this site"),
                "{route} with {how}: {page}"
            );
            assert_eq!(
                i.snapshot().await,
                before,
                "{route} with {how} changed something"
            );
        }
    }
    // The same session with its token is let through (the forms work).
    let resp = web
        .post(i.url("/notifications/read"))
        .form(&[("csrf", good.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let resp = web
        .post(i.url(&format!("/posts/{post}/like")))
        .header("x-csrf-token", good.as_str())
        .form(&[("on", "1")])
        .send()
        .await
        .unwrap();
    assert!(
        resp.status().is_success() || resp.status() == 303,
        "{}",
        resp.status()
    );
    i.stop().await;
}
