//! The JSON API: accounts, tokens, admin operations, and what bad input does (and doesn't) change.

use hearth::domain::Role;
use serde_json::{Value, json};

use crate::harness::{Backend, TestInstance, bearer, client};
use crate::on_both_backends;

on_both_backends!(
    register_login_profile_flow,
    registration_errors_name_the_field_and_change_nothing,
    wrong_password_is_401_then_rate_limited,
    tokens_can_be_created_listed_and_revoked,
    password_change_revokes_other_tokens,
    non_admin_cannot_use_admin_operations,
    admin_changes_roles_and_settings,
    registration_modes,
    people_and_spaces_share_one_namespace,
    malformed_and_oversized_bodies_are_refused,
);

async fn json(resp: reqwest::Response) -> Value {
    resp.json().await.expect("JSON body")
}

async fn register_login_profile_flow(b: Backend) {
    let i = TestInstance::start(b).await;
    let c = client();
    let resp = c
        .post(i.url("/api/v1/accounts"))
        .json(&json!({"name": "Ana", "password": "correct horse", "display_name": "Ana Lima"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let body = json(resp).await;
    assert_eq!(
        body["account"]["name"], "ana",
        "names are stored in lower case"
    );
    assert_eq!(body["account"]["display_name"], "Ana Lima");
    assert_eq!(body["account"]["status"], "active");
    assert!(
        body["account"].get("password_hash").is_none(),
        "no hash leaks"
    );
    let token = body["token"]["token"].as_str().unwrap().to_string();

    let me = json(
        c.get(i.url("/api/v1/accounts/me"))
            .header("authorization", bearer(&token))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me["name"], "ana");
    assert_eq!(me["role"], "member");
    assert_eq!(me["is_staff"], false);

    // Editing the profile; a member may not give themselves a staff title.
    let resp = c
        .patch(i.url("/api/v1/accounts/me"))
        .header("authorization", bearer(&token))
        .json(&json!({"bio": "Router enthusiast", "display_name": "Ana L."}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let before = i.snapshot().await;
    let resp = c
        .patch(i.url("/api/v1/accounts/me"))
        .header("authorization", bearer(&token))
        .json(&json!({"title": "Support Lead"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(json(resp).await["field"], "title");
    assert_eq!(i.snapshot().await, before);

    let profile = json(c.get(i.url("/api/v1/accounts/ana")).send().await.unwrap()).await;
    assert_eq!(profile["bio"], "Router enthusiast");
    assert_eq!(profile["display_name"], "Ana L.");
    assert!(profile["badge"].is_null());
    assert_eq!(
        c.get(i.url("/api/v1/accounts/nobody"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // Staff carry their title in a badge.
    let staff = i.api_user("jane", Role::Staff).await;
    let resp = c
        .patch(i.url("/api/v1/accounts/me"))
        .header("authorization", bearer(&staff))
        .json(&json!({"title": "Support Lead", "display_name": "Jane Doe"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let jane = json(c.get(i.url("/api/v1/accounts/jane")).send().await.unwrap()).await;
    assert_eq!(jane["badge"], "Staff · Support Lead");
    assert_eq!(jane["is_staff"], true);

    // Logging out revokes the token.
    let resp = c
        .post(i.url("/api/v1/auth/logout"))
        .header("authorization", bearer(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let resp = c
        .get(i.url("/api/v1/accounts/me"))
        .header("authorization", bearer(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
}

async fn registration_errors_name_the_field_and_change_nothing(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_user("taken", Role::Member).await;
    let c = client();
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            json!({"name": "taken", "password": "long enough"}),
            409,
            "name",
        ),
        (
            json!({"name": "TAKEN", "password": "long enough"}),
            409,
            "name",
        ),
        (json!({"name": "", "password": "long enough"}), 400, "name"),
        (
            json!({"name": "a".repeat(31), "password": "long enough"}),
            400,
            "name",
        ),
        (
            json!({"name": "bad name!", "password": "long enough"}),
            400,
            "name",
        ),
        (
            json!({"name": "admin", "password": "long enough"}),
            400,
            "name",
        ),
        (
            json!({"name": "fresh", "password": "short"}),
            400,
            "password",
        ),
        (
            json!({"name": "fresh", "password": "x".repeat(300)}),
            400,
            "password",
        ),
        (
            json!({"name": "fresh", "password": "long enough", "display_name": "x".repeat(101)}),
            400,
            "display_name",
        ),
        (
            json!({"name": "fresh", "password": "long enough", "display_name": "a\u{0007}b"}),
            400,
            "display_name",
        ),
    ];
    let before = i.snapshot().await;
    for (body, status, field) in cases {
        let resp = c
            .post(i.url("/api/v1/accounts"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{body}");
        let err = json(resp).await;
        assert_eq!(err["field"], field, "{body} → {err}");
        assert!(err["message"].as_str().unwrap().len() > 5);
    }
    assert_eq!(
        i.snapshot().await,
        before,
        "refused registrations change nothing"
    );
}

async fn wrong_password_is_401_then_rate_limited(b: Backend) {
    // Behind a trusted proxy the client address comes from X-Forwarded-For, which lets one test
    // play several clients.
    let i = TestInstance::start_with(
        b,
        &[
            ("LOGIN_ATTEMPTS_PER_MINUTE", "3"),
            ("TRUST_PROXY_HEADERS", "true"),
        ],
    )
    .await;
    let pw = i.create_user("ana", Role::Member).await;
    let c = client();
    let login = |ip: &'static str, name: &'static str, password: String| {
        c.post(i.url("/api/v1/auth/login"))
            .header("x-forwarded-for", ip)
            .json(&json!({"name": name, "password": password}))
            .send()
    };
    let before = i.snapshot().await;

    // Per account: three wrong guesses from three addresses, then even the right password waits.
    for ip in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] {
        let resp = login(ip, "ana", "wrong password".into()).await.unwrap();
        assert_eq!(resp.status(), 401);
        assert_eq!(json(resp).await["error"], "unauthenticated");
    }
    let resp = login("10.0.0.4", "ana", pw.clone()).await.unwrap();
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(json(resp).await["error"], "rate_limited");

    // Per address: one client guessing several names. Unknown names answer like wrong passwords.
    for name in ["ghost", "nobody", "bob"] {
        let resp = login("10.0.0.9", name, "wrong password".into())
            .await
            .unwrap();
        assert_eq!(resp.status(), 401, "{name}");
    }
    let resp = login("10.0.0.9", "carol", "wrong password".into())
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(
        i.snapshot().await,
        before,
        "failed and refused logins create no sessions"
    );
}

async fn tokens_can_be_created_listed_and_revoked(b: Backend) {
    let i = TestInstance::start(b).await;
    let login = i.api_user("ana", Role::Member).await;
    let other = i.api_user("bob", Role::Member).await;
    let c = client();
    let resp = c
        .post(i.url("/api/v1/tokens"))
        .header("authorization", bearer(&login))
        .json(&json!({"label": "helpdesk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let issued = json(resp).await;
    let pat = issued["token"].as_str().unwrap().to_string();
    assert!(pat.starts_with("hth_"));
    let id = issued["id"].as_i64().unwrap();

    // The personal token authenticates on its own.
    let me = json(
        c.get(i.url("/api/v1/accounts/me"))
            .header("authorization", bearer(&pat))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me["name"], "ana");
    let list = json(
        c.get(i.url("/api/v1/tokens"))
            .header("authorization", bearer(&pat))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["label"], "helpdesk");
    assert!(list[0].get("token").is_none(), "secrets are not listed");

    // Someone else cannot revoke it, and an empty label is refused.
    let resp = c
        .delete(i.url(&format!("/api/v1/tokens/{id}")))
        .header("authorization", bearer(&other))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = c
        .post(i.url("/api/v1/tokens"))
        .header("authorization", bearer(&login))
        .json(&json!({"label": "  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(json(resp).await["field"], "label");

    let resp = c
        .delete(i.url(&format!("/api/v1/tokens/{id}")))
        .header("authorization", bearer(&login))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let resp = c
        .get(i.url("/api/v1/accounts/me"))
        .header("authorization", bearer(&pat))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    for bad in ["", "Bearer", "Bearer nonsense", "Basic YWJjOmRlZg=="] {
        let resp = c
            .get(i.url("/api/v1/accounts/me"))
            .header("authorization", bad)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401, "{bad:?}");
    }
}

async fn password_change_revokes_other_tokens(b: Backend) {
    let i = TestInstance::start(b).await;
    let pw = i.create_user("ana", Role::Member).await;
    let first = i.api_login("ana", &pw).await;
    let second = i.api_login("ana", &pw).await;
    let c = client();
    let before = i.snapshot().await;
    let resp = c
        .post(i.url("/api/v1/accounts/me/password"))
        .header("authorization", bearer(&first))
        .json(&json!({"current_password": "not it at all", "new_password": "brand new secret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(json(resp).await["field"], "current_password");
    assert_eq!(i.snapshot().await, before);

    let resp = c
        .post(i.url("/api/v1/accounts/me/password"))
        .header("authorization", bearer(&first))
        .json(&json!({"current_password": pw, "new_password": "brand new secret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let status = |t: String| {
        let c = c.clone();
        let url = i.url("/api/v1/accounts/me");
        async move {
            c.get(url)
                .header("authorization", bearer(&t))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        status(first.clone()).await,
        200,
        "the token used stays valid"
    );
    assert_eq!(status(second).await, 401, "other sessions are signed out");
    i.api_login("ana", "brand new secret").await;
}

async fn non_admin_cannot_use_admin_operations(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_user("boss", Role::Admin).await;
    let c = client();
    for role in [Role::Member, Role::Staff, Role::Moderator] {
        let name = format!("user_{role}");
        let token = i.api_user(&name, role).await;
        let before = i.snapshot().await;
        let requests = vec![
            c.get(i.url("/api/v1/admin/accounts")),
            c.put(i.url("/api/v1/admin/accounts/boss/role"))
                .json(&json!({"role": "member"})),
            c.put(i.url(&format!("/api/v1/admin/accounts/{name}/role")))
                .json(&json!({"role": "admin"})),
            c.patch(i.url("/api/v1/admin/instance"))
                .json(&json!({"name": "Hacked", "registration_mode": "open"})),
            c.post(i.url("/api/v1/admin/invites")),
            c.get(i.url("/api/v1/admin/invites")),
            c.post(i.url("/api/v1/admin/accounts/boss/approve")),
        ];
        for req in requests {
            let resp = req
                .header("authorization", bearer(&token))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 403, "{role}");
            assert_eq!(json(resp).await["error"], "forbidden");
        }
        // Without any token: 401.
        let resp = c.get(i.url("/api/v1/admin/accounts")).send().await.unwrap();
        assert_eq!(resp.status(), 401);
        assert_eq!(i.snapshot().await, before, "{role}: nothing changed");
    }
}

async fn admin_changes_roles_and_settings(b: Backend) {
    let i = TestInstance::start(b).await;
    let admin = i.api_user("boss", Role::Admin).await;
    i.create_user("jane", Role::Member).await;
    let c = client();
    let auth = bearer(&admin);

    let page = json(
        c.get(i.url("/api/v1/admin/accounts?limit=1"))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(page["accounts"][0]["name"], "boss");
    let next = page["next"].as_i64().expect("a second page");
    let page2 = json(
        c.get(i.url(&format!("/api/v1/admin/accounts?after={next}")))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page2["accounts"][0]["name"], "jane");
    assert!(page2["next"].is_null());

    let resp = c
        .put(i.url("/api/v1/admin/accounts/jane/role"))
        .header("authorization", &auth)
        .json(&json!({"role": "staff"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await["role"], "staff");

    let before = i.snapshot().await;
    let resp = c
        .put(i.url("/api/v1/admin/accounts/jane/role"))
        .header("authorization", &auth)
        .json(&json!({"role": "owner"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400, "unknown role");
    let resp = c
        .put(i.url("/api/v1/admin/accounts/boss/role"))
        .header("authorization", &auth)
        .json(&json!({"role": "member"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409, "the last admin cannot be demoted");
    assert_eq!(json(resp).await["field"], "role");
    let resp = c
        .put(i.url("/api/v1/admin/accounts/nobody/role"))
        .header("authorization", &auth)
        .json(&json!({"role": "staff"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = c
        .patch(i.url("/api/v1/admin/instance"))
        .header("authorization", &auth)
        .json(&json!({"registration_mode": "sometimes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(json(resp).await["field"], "registration_mode");
    let resp = c
        .patch(i.url("/api/v1/admin/instance"))
        .header("authorization", &auth)
        .json(&json!({"name": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    for (key, bad) in [
        ("accent_color", "red"),
        ("accent_color", "#12345g"),
        ("accent_color", "#fff;}body{display:none"),
        ("logo_url", "javascript:alert(1)"),
        ("logo_url", "http://insecure.example/logo.png"),
        ("logo_url", "https://user:pw@acme.example/logo.png"),
    ] {
        let resp = c
            .patch(i.url("/api/v1/admin/instance"))
            .header("authorization", &auth)
            .json(&json!({ key: bad }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{key}={bad}");
        assert_eq!(json(resp).await["field"], key);
    }
    assert_eq!(
        i.snapshot().await,
        before,
        "refused admin requests change nothing"
    );

    let resp = c
        .patch(i.url("/api/v1/admin/instance"))
        .header("authorization", &auth)
        .json(&json!({"name": "Acme Community", "description": "Ask us anything", "registration_mode": "approval"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = c
        .patch(i.url("/api/v1/admin/instance"))
        .header("authorization", &auth)
        .json(&json!({"accent_color": "#1A5FB4", "logo_url": "https://acme.example/logo.png"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let theme = c
        .get(i.url("/theme.css"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(theme.trim(), ":root { --accent: #1a5fb4; }");
    let home = c
        .get(i.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("<img src=\"https://acme.example/logo.png\" alt=\"\" class=\"logo\">"));
    let inst = json(c.get(i.url("/api/v1/instance")).send().await.unwrap()).await;
    assert_eq!(inst["name"], "Acme Community");
    assert_eq!(inst["accent_color"], "#1a5fb4");
    assert_eq!(inst["description"], "Ask us anything");
    assert_eq!(inst["registration_mode"], "approval");
}

async fn registration_modes(b: Backend) {
    let i = TestInstance::start(b).await;
    let admin = i.api_user("boss", Role::Admin).await;
    let c = client();
    let auth = bearer(&admin);
    let set_mode = |mode: &'static str| {
        let req = c
            .patch(i.url("/api/v1/admin/instance"))
            .header("authorization", &auth)
            .json(&json!({ "registration_mode": mode }));
        async move { assert_eq!(req.send().await.unwrap().status(), 200) }
    };
    let register = |name: &str, invite: Option<&str>| {
        c.post(i.url("/api/v1/accounts"))
            .json(&json!({"name": name, "password": "a good password", "invite": invite}))
            .send()
    };

    set_mode("closed").await;
    let before = i.snapshot().await;
    assert_eq!(register("ana", None).await.unwrap().status(), 403);
    assert_eq!(i.snapshot().await, before);

    // Approval: the account waits, cannot log in, and can once approved.
    set_mode("approval").await;
    let resp = register("ana", None).await.unwrap();
    assert_eq!(resp.status(), 201);
    let body = json(resp).await;
    assert_eq!(body["account"]["status"], "pending");
    assert!(body["token"].is_null());
    let resp = c
        .post(i.url("/api/v1/auth/login"))
        .json(&json!({"name": "ana", "password": "a good password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(
        c.get(i.url("/api/v1/accounts/ana"))
            .send()
            .await
            .unwrap()
            .status(),
        404,
        "applicants are not public"
    );
    let resp = c
        .post(i.url("/api/v1/admin/accounts/ana/approve"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await["status"], "active");
    i.api_login("ana", "a good password").await;
    let resp = c
        .post(i.url("/api/v1/admin/accounts/ana/approve"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409, "only pending accounts can be approved");

    // Invite only: a code is needed, works once.
    set_mode("invite").await;
    let before = i.snapshot().await;
    let resp = register("bob", None).await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(json(resp).await["field"], "invite");
    let resp = register("bob", Some("not-a-real-code")).await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(json(resp).await["field"], "invite");
    assert_eq!(
        i.snapshot().await,
        before,
        "a bad invite creates no account"
    );
    let invite = json(
        c.post(i.url("/api/v1/admin/invites"))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let code = invite["code"].as_str().unwrap().to_string();
    assert_eq!(register("bob", Some(&code)).await.unwrap().status(), 201);
    let resp = register("carol", Some(&code)).await.unwrap();
    assert_eq!(resp.status(), 400, "an invite admits one account");
    let invites = json(
        c.get(i.url("/api/v1/admin/invites"))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(invites[0]["used"], true);
}

async fn people_and_spaces_share_one_namespace(b: Backend) {
    let i = TestInstance::start(b).await;
    // Spaces are created in a later part of Hearth; their names go into the same table.
    i.state
        .hearth
        .db
        .run(|c| {
            use diesel::prelude::*;
            use hearth::db::schema::handles;
            diesel::insert_into(handles::table)
                .values((handles::name.eq("support"), handles::kind.eq("space")))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let before = i.snapshot().await;
    let resp = client()
        .post(i.url("/api/v1/accounts"))
        .json(&json!({"name": "support", "password": "a good password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    assert_eq!(json(resp).await["field"], "name");
    assert_eq!(i.snapshot().await, before);
}

async fn malformed_and_oversized_bodies_are_refused(b: Backend) {
    let i = TestInstance::start_with(b, &[("MAX_BODY_BYTES", "4096")]).await;
    let c = client();
    let before = i.snapshot().await;
    let resp = c
        .post(i.url("/api/v1/accounts"))
        .header("content-type", "application/json")
        .body("{\"name\": \"ana\", ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let err = json(resp).await;
    assert_eq!(err["error"], "bad_request");
    assert!(err["message"].as_str().unwrap().contains("JSON"), "{err}");

    let resp = c
        .post(i.url("/api/v1/accounts"))
        .json(&json!({"name": 5, "password": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);

    let resp = c
        .post(i.url("/api/v1/accounts"))
        .body("name=ana")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400, "wrong content type");

    let huge =
        json!({"name": "ana", "password": "a good password", "display_name": "x".repeat(10_000)});
    let resp = c
        .post(i.url("/api/v1/accounts"))
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(i.snapshot().await, before);
}

#[tokio::test]
async fn openapi_document_describes_every_route() {
    let i = TestInstance::start(Backend::Sqlite).await;
    let doc: Value = client()
        .get(i.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/instance", "get"),
        ("/api/v1/accounts", "post"),
        ("/api/v1/accounts/me", "get"),
        ("/api/v1/accounts/me", "patch"),
        ("/api/v1/accounts/me/password", "post"),
        ("/api/v1/accounts/{name}", "get"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/tokens", "get"),
        ("/api/v1/tokens", "post"),
        ("/api/v1/tokens/{id}", "delete"),
        ("/api/v1/admin/accounts", "get"),
        ("/api/v1/admin/accounts/{name}/role", "put"),
        ("/api/v1/admin/accounts/{name}/approve", "post"),
        ("/api/v1/admin/accounts/{name}/reject", "post"),
        ("/api/v1/admin/instance", "patch"),
        ("/api/v1/admin/invites", "get"),
        ("/api/v1/admin/invites", "post"),
        ("/api/v1/spaces", "get"),
        ("/api/v1/spaces", "post"),
        ("/api/v1/spaces/{name}", "get"),
        ("/api/v1/spaces/{name}", "patch"),
        ("/api/v1/spaces/{name}/threads", "get"),
        ("/api/v1/spaces/{name}/threads", "post"),
        ("/api/v1/threads/{id}", "get"),
        ("/api/v1/threads/{id}/replies", "post"),
        ("/api/v1/threads/{id}/answer", "put"),
        ("/api/v1/threads/{id}/answer", "delete"),
        ("/api/v1/posts/{id}", "patch"),
        ("/api/v1/posts/{id}", "delete"),
        ("/api/v1/posts/{id}/history", "get"),
        ("/api/v1/posts/{id}/like", "put"),
        ("/api/v1/posts/{id}/like", "delete"),
        ("/api/v1/accounts/{name}/posts", "get"),
        ("/api/v1/desk", "get"),
        ("/api/v1/desk/threads/{id}", "get"),
        ("/api/v1/desk/threads/{id}/assignee", "put"),
        ("/api/v1/desk/threads/{id}/assignee", "delete"),
        ("/api/v1/desk/threads/{id}/answered", "post"),
        ("/api/v1/desk/metrics", "get"),
        ("/api/v1/reports/{id}/forward", "post"),
        ("/api/v1/posts/{id}/removal", "post"),
        ("/api/v1/posts/{id}/restore", "post"),
        ("/api/v1/modlog", "get"),
        ("/api/v1/bans", "get"),
        ("/api/v1/bans", "post"),
        ("/api/v1/bans/{id}/lift", "post"),
        ("/api/v1/held", "get"),
        ("/api/v1/posts/{id}/approve", "post"),
        ("/api/v1/posts/{id}/reject", "post"),
        ("/api/v1/notifications", "get"),
        ("/api/v1/accounts/me/avatar", "put"),
        ("/api/v1/accounts/me/avatar", "delete"),
        ("/api/v1/notifications/read", "post"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
    // Every documented operation is also routed: none answers 404 or 405 from the router.
    let c = client();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let url = i.url(&path.replace("{name}", "x").replace("{id}", "1"));
            let req = match method.as_str() {
                "get" => c.get(&url),
                "post" => c.post(&url),
                "put" => c.put(&url),
                "patch" => c.patch(&url),
                "delete" => c.delete(&url),
                other => panic!("unexpected method {other}"),
            };
            let status = req.send().await.unwrap().status();
            assert_ne!(status, 405, "{method} {path}");
            if status == 404 {
                // Only "this person does not exist" 404s are expected, not "no such route".
                assert!(path.contains('{'), "{method} {path} is not routed");
            }
        }
    }
    let names: Vec<&str> = doc["components"]["securitySchemes"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, ["bearer"]);
}
