//! Privilege checks live in the service layer: every moderator and admin operation of the API,
//! called by someone without the role, is refused with 403 and changes nothing; and what admins
//! do is in the audit log, with what changed.

use hearth::domain::{PostingMode, Role};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Backend, TestInstance, api_call as call, client};
use crate::on_both_backends;

on_both_backends!(
    moderator_and_admin_operations_refuse_everyone_else,
    admin_actions_are_in_the_audit_log,
);

async fn ok(i: &TestInstance, token: &str, method: Method, path: &str, body: Value) -> Value {
    crate::harness::api_ok(i, method, path, token, body).await
}

async fn moderator_and_admin_operations_refuse_everyone_else(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let ada = i.api_user("ada", Role::Admin).await;
    let mo = i.api_user("mo", Role::Moderator).await;
    let sam = i.api_user("sam", Role::Staff).await;
    let mia = i.api_user("mia", Role::Member).await;
    let ana = i.api_user("ana", Role::Member).await;
    i.api_user("troll", Role::Member).await;

    // Something of each kind to act on: a removed reply, a reported one, a held one, a ban,
    // a blocked domain and a pending application.
    let t = ok(
        &i,
        &sam,
        Method::POST,
        "/api/v1/spaces/support/threads",
        json!({ "title": "Outage", "body": "We are on it." }),
    )
    .await;
    let replies = format!("/api/v1/threads/{}/replies", t["id"]);
    let removed = ok(
        &i,
        &ana,
        Method::POST,
        &replies,
        json!({ "body": "Rude words" }),
    )
    .await;
    ok(
        &i,
        &mo,
        Method::POST,
        &format!("/api/v1/posts/{}/removal", removed["id"]),
        json!({ "reason": "Be kind" }),
    )
    .await;
    let reported = ok(&i, &ana, Method::POST, &replies, json!({ "body": "Hmm" })).await;
    let report = ok(
        &i,
        &mia,
        Method::POST,
        "/api/v1/reports",
        json!({ "post_id": reported["id"], "reason": "spam" }),
    )
    .await;
    ok(
        &i,
        &ada,
        Method::PATCH,
        "/api/v1/spaces/support",
        json!({ "newcomer_posts": 1 }),
    )
    .await;
    let newbie = i.api_user("newbie", Role::Member).await;
    let held = ok(
        &i,
        &newbie,
        Method::POST,
        &replies,
        json!({ "body": "Hello" }),
    )
    .await;
    assert_eq!(held["held"], true);
    let ban = ok(
        &i,
        &mo,
        Method::POST,
        "/api/v1/bans",
        json!({ "account": "troll", "reason": "Trolling" }),
    )
    .await;
    ok(
        &i,
        &ada,
        Method::PUT,
        "/api/v1/admin/federation/domains/bad.example",
        json!({ "kind": "block", "reason": "spam" }),
    )
    .await;
    ok(
        &i,
        &ada,
        Method::PATCH,
        "/api/v1/admin/instance",
        json!({ "registration_mode": "approval" }),
    )
    .await;
    let resp = client()
        .post(i.url("/api/v1/accounts"))
        .json(&json!({ "name": "applicant", "password": "a good password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);

    let (removed, reported, held) = (&removed["id"], &reported["id"], &held["id"]);
    let (report, ban) = (&report["id"], &ban["id"]);
    let moderator_routes: Vec<(Method, String, Value)> = vec![
        (Method::GET, "/api/v1/reports".into(), Value::Null),
        (
            Method::POST,
            format!("/api/v1/reports/{report}/resolve"),
            json!({ "note": "fine", "action": "remove_post" }),
        ),
        (
            Method::POST,
            format!("/api/v1/reports/{report}/forward"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/v1/posts/{reported}/removal"),
            json!({ "reason": "no", "spam": true }),
        ),
        (
            Method::POST,
            format!("/api/v1/posts/{removed}/restore"),
            json!({ "reason": "yes" }),
        ),
        (Method::GET, "/api/v1/bans".into(), Value::Null),
        (
            Method::POST,
            "/api/v1/bans".into(),
            json!({ "account": "ana", "reason": "no" }),
        ),
        (Method::POST, format!("/api/v1/bans/{ban}/lift"), json!({})),
        (Method::GET, "/api/v1/held".into(), Value::Null),
        (
            Method::POST,
            format!("/api/v1/posts/{held}/approve"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/v1/posts/{held}/reject"),
            json!({ "reason": "no", "spam": true }),
        ),
    ];
    let admin_routes: Vec<(Method, String, Value)> = vec![
        (Method::GET, "/api/v1/admin/accounts".into(), Value::Null),
        (
            Method::PUT,
            "/api/v1/admin/accounts/mia/role".into(),
            json!({ "role": "admin" }),
        ),
        (
            Method::GET,
            "/api/v1/admin/applications".into(),
            Value::Null,
        ),
        (
            Method::POST,
            "/api/v1/admin/accounts/applicant/approve".into(),
            json!({}),
        ),
        (
            Method::POST,
            "/api/v1/admin/accounts/applicant/reject".into(),
            json!({ "reason": "no" }),
        ),
        (
            Method::PATCH,
            "/api/v1/admin/instance".into(),
            json!({ "name": "Mine now", "registration_questions": ["Why?"] }),
        ),
        (Method::GET, "/api/v1/admin/invites".into(), Value::Null),
        (Method::POST, "/api/v1/admin/invites".into(), json!({})),
        (Method::GET, "/api/v1/admin/federation".into(), Value::Null),
        (
            Method::PUT,
            "/api/v1/admin/federation/mode".into(),
            json!({ "mode": "allowlist" }),
        ),
        (
            Method::PUT,
            "/api/v1/admin/federation/domains/good.example".into(),
            json!({ "kind": "block", "reason": "x" }),
        ),
        (
            Method::DELETE,
            "/api/v1/admin/federation/domains/bad.example".into(),
            Value::Null,
        ),
        (
            Method::POST,
            "/api/v1/spaces".into(),
            json!({ "name": "mine", "title": "Mine" }),
        ),
        (
            Method::PATCH,
            "/api/v1/spaces/support".into(),
            json!({ "spam_threshold": 0, "newcomer_posts": 0, "archived": true }),
        ),
    ];

    let before = i.snapshot().await;
    let attempts = [
        ("a member", &mia, true),
        ("staff", &sam, true),
        ("a moderator", &mo, false),
    ];
    for (who, token, moderation_too) in attempts {
        let routes = admin_routes
            .iter()
            .chain(moderator_routes.iter().filter(|_| moderation_too));
        for (method, path, body) in routes {
            let body = (!body.is_null()).then(|| body.clone());
            let (status, v) = call(&i, method.clone(), path, token, body).await;
            assert_eq!(status, 403, "{who}: {method} {path} → {v}");
            assert!(
                v["error"].is_string(),
                "{who}: {method} {path}: a JSON error: {v}"
            );
            assert_eq!(
                i.snapshot().await,
                before,
                "{who}: {method} {path} changed something"
            );
        }
    }
    i.stop().await;
}

/// The audit log, oldest first: (who, action, target, detail).
async fn audit(i: &TestInstance) -> Vec<(Option<String>, String, String, String)> {
    i.state
        .hearth
        .db
        .run(|c| {
            use diesel::prelude::*;
            use hearth::db::schema::{audit_log, persons};
            Ok(audit_log::table
                .left_join(persons::table)
                .order(audit_log::id)
                .select((
                    persons::name.nullable(),
                    audit_log::action,
                    audit_log::target,
                    audit_log::detail,
                ))
                .load(c)?)
        })
        .await
        .unwrap()
}

async fn admin_actions_are_in_the_audit_log(b: Backend) {
    let i = TestInstance::start(b).await;
    let ada = i.api_user("ada", Role::Admin).await;
    let skip = audit(&i).await.len();
    ok(
        &i,
        &ada,
        Method::POST,
        "/api/v1/spaces",
        json!({ "name": "ideas", "title": "Ideas" }),
    )
    .await;
    ok(
        &i,
        &ada,
        Method::PATCH,
        "/api/v1/spaces/ideas",
        json!({ "title": "Your ideas", "posting_mode": "announcements", "spam_threshold": 40, "newcomer_posts": 2 }),
    )
    .await;
    ok(
        &i,
        &ada,
        Method::PATCH,
        "/api/v1/spaces/ideas",
        json!({ "archived": true }),
    )
    .await;
    ok(
        &i,
        &ada,
        Method::PATCH,
        "/api/v1/admin/instance",
        json!({ "registration_mode": "approval", "registration_questions": ["Why?"] }),
    )
    .await;
    ok(&i, &ada, Method::POST, "/api/v1/admin/invites", json!({})).await;
    for name in ["ana", "bob"] {
        let resp = client()
            .post(i.url("/api/v1/accounts"))
            .json(&json!({ "name": name, "password": "a good password", "answers": ["To ask"] }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    }
    ok(
        &i,
        &ada,
        Method::POST,
        "/api/v1/admin/accounts/ana/approve",
        json!({}),
    )
    .await;
    ok(
        &i,
        &ada,
        Method::POST,
        "/api/v1/admin/accounts/bob/reject",
        json!({ "reason": "No order found" }),
    )
    .await;
    ok(
        &i,
        &ada,
        Method::PUT,
        "/api/v1/admin/accounts/ana/role",
        json!({ "role": "moderator" }),
    )
    .await;
    ok(
        &i,
        &ada,
        Method::PUT,
        "/api/v1/admin/federation/domains/spam.example",
        json!({ "kind": "block", "reason": "spam" }),
    )
    .await;

    let log: Vec<(String, String, String)> = audit(&i).await[skip..]
        .iter()
        .map(|(who, action, target, detail)| {
            assert_eq!(who.as_deref(), Some("ada"), "{action} {target}");
            (action.clone(), target.clone(), detail.clone())
        })
        .collect();
    let find = |action: &str, target: &str| {
        log.iter()
            .find(|(a, t, _)| a == action && t == target)
            .map(|(_, _, d)| d.clone())
            .unwrap_or_else(|| panic!("no {action} {target} in {log:?}"))
    };
    assert_eq!(
        find("update_space", "ideas"),
        "title, posting_mode=announcements, newcomer_posts=2, spam_threshold=40"
    );
    assert!(
        log.iter()
            .any(|(a, t, d)| a == "update_space" && t == "ideas" && d == "archived")
    );
    find("create_space", "ideas");
    assert!(find("update_settings", "instance").contains("registration questions changed"));
    assert!(log.iter().any(|(a, _, _)| a == "create_invite"), "{log:?}");
    find("approve", "ana");
    assert_eq!(find("reject", "bob"), "No order found");
    assert!(
        log.iter().any(|(a, t, _)| a == "set_role" && t == "ana"),
        "{log:?}"
    );
    assert!(log.iter().any(|(_, t, _)| t == "spam.example"), "{log:?}");
    i.stop().await;
}
