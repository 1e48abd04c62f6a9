//! The HTML pages and their forms, driven like a browser (cookies kept, redirects checked).

use hearth::domain::Role;

use crate::harness::{Backend, TestInstance, browser, client, csrf_of, page_csrf};
use crate::on_both_backends;

on_both_backends!(
    register_edit_profile_log_out_and_in,
    forms_without_a_valid_csrf_token_are_refused,
    admin_page_manages_roles_and_settings,
    members_cannot_reach_admin_pages,
    form_errors_are_shown_next_to_the_field,
    a_password_change_on_the_web_signs_out_everywhere_else,
);

async fn register_edit_profile_log_out_and_in(b: Backend) {
    let i = TestInstance::start(b).await;
    let c = browser();
    let csrf = page_csrf(&c, &i.url("/register")).await;
    let resp = c
        .post(i.url("/register"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "ana"),
            ("display_name", "Ana <b>Lima</b>"),
            ("password", "correct horse"),
            ("password_confirm", "correct horse"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/u/ana");
    let set_cookie: Vec<_> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = set_cookie
        .iter()
        .find(|c| c.starts_with("hearth_session="))
        .expect("a session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");

    let profile = c.get(i.url("/u/ana")).send().await.unwrap();
    assert_eq!(profile.status(), 200);
    let headers = profile.headers().clone();
    let html = profile.text().await.unwrap();
    assert!(
        html.contains("Ana &lt;b&gt;Lima&lt;/b&gt;"),
        "display names are escaped"
    );
    assert!(!html.contains("<b>Lima</b>"));
    assert!(html.contains("@ana@localhost:"));
    assert!(html.contains("Sign out"), "signed in");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(headers["x-content-type-options"], "nosniff");

    // Edit the profile.
    let settings = c.get(i.url("/settings")).send().await.unwrap();
    assert_eq!(settings.status(), 200);
    let html = settings.text().await.unwrap();
    assert!(
        !html.contains("name=\"title\""),
        "members have no title field"
    );
    let csrf = csrf_of(&html);
    let resp = c
        .post(i.url("/settings/profile"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("display_name", "Ana Lima"),
            ("bio", "Line one\nLine <two>"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let html = c
        .get(i.url("/u/ana"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<h1>Ana Lima</h1>"), "{html}");
    assert!(html.contains("<p>Line one</p>") && html.contains("Line &lt;two&gt;"));

    // Log out, then the settings page sends us to log in.
    let csrf = page_csrf(&c, &i.url("/")).await;
    let resp = c
        .post(i.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let resp = c.get(i.url("/settings")).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/login?next=%2Fsettings");

    // Wrong password: 401 with the form shown again; right password: back where we wanted.
    let csrf = page_csrf(&c, &i.url("/login?next=/settings")).await;
    let resp = c
        .post(i.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "ana"),
            ("password", "wrong"),
            ("next", "/settings"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("wrong name or password")
    );
    let resp = c
        .post(i.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "ana"),
            ("password", "correct horse"),
            ("next", "/settings"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/settings");
    // An open redirect is not possible through `next`.
    let resp = c
        .post(i.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "ana"),
            ("password", "correct horse"),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"], "/");
}

async fn forms_without_a_valid_csrf_token_are_refused(b: Backend) {
    let i = TestInstance::start(b).await;
    let pw = i.create_user("ana", Role::Member).await;
    let c = browser();
    let csrf = page_csrf(&c, &i.url("/login")).await;
    let resp = c
        .post(i.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "ana"),
            ("password", pw.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let before = i.snapshot().await;

    let forged = "0".repeat(64);
    let attempts: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/settings/profile", vec![("display_name", "Hacked")]),
        (
            "/settings/profile",
            vec![("csrf", forged.as_str()), ("display_name", "Hacked")],
        ),
        ("/settings/tokens", vec![("label", "stolen")]),
        ("/logout", vec![]),
        (
            "/register",
            vec![
                ("name", "sneaky"),
                ("password", "long enough"),
                ("password_confirm", "long enough"),
            ],
        ),
    ];
    for (path, form) in attempts {
        let resp = c.post(i.url(path)).form(&form).send().await.unwrap();
        assert_eq!(resp.status(), 403, "{path} {form:?}");
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("did not come from this site"),
            "{path}: explained on an HTML page"
        );
    }
    // A client without the cookie cannot use a token copied from someone's page either.
    let resp = client()
        .post(i.url("/register"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "sneaky"),
            ("password", "long enough"),
            ("password_confirm", "long enough"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(i.snapshot().await, before, "nothing changed");
    // Still signed in: the forged logout did nothing.
    let resp = c.get(i.url("/settings")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
}

async fn admin_page_manages_roles_and_settings(b: Backend) {
    let i = TestInstance::start(b).await;
    let pw = i.create_user("boss", Role::Admin).await;
    i.create_user("jane", Role::Member).await;
    let c = browser();
    i.sign_in(&c, "boss", &pw).await;
    let resp = c.get(i.url("/admin")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("@jane"));
    let csrf = csrf_of(&html);

    let resp = c
        .post(i.url("/admin/accounts/jane/role"))
        .form(&[("csrf", csrf.as_str()), ("role", "staff")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let resp = c
        .post(i.url("/admin/settings"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Acme Community"),
            ("description", "Questions welcome"),
            ("registration_mode", "invite"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let resp = c
        .post(i.url("/admin/invites"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);

    let html = c
        .get(i.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<a class=\"brand\" href=\"/\">Acme Community</a>"));
    assert!(html.contains("<option value=\"invite\" selected>"));
    assert!(html.contains("unused"), "the new invite is listed");
    assert!(
        html.contains("set_role jane (member -&gt; staff)"),
        "the role change is in the audit log"
    );
    let home = c
        .get(i.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Questions welcome"));
    let jane = c
        .get(i.url("/u/jane"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(jane.contains("badge staff"), "jane is staff now");

    // A refused change is shown on the page with its status, and changes nothing.
    let before = i.snapshot().await;
    let resp = c
        .post(i.url("/admin/accounts/boss/role"))
        .form(&[("csrf", csrf.as_str()), ("role", "member")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("last administrator"));
    assert_eq!(i.snapshot().await, before);
}

async fn members_cannot_reach_admin_pages(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_user("boss", Role::Admin).await;
    let pw = i.create_user("ana", Role::Member).await;
    let c = browser();
    i.sign_in(&c, "ana", &pw).await;
    let resp = c.get(i.url("/admin")).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("only administrators"));
    let csrf = page_csrf(&c, &i.url("/")).await;
    let before = i.snapshot().await;
    for (path, form) in [
        ("/admin/accounts/ana/role", vec![("role", "admin")]),
        (
            "/admin/settings",
            vec![("name", "Mine"), ("registration_mode", "open")],
        ),
        ("/admin/invites", vec![]),
    ] {
        let mut form = form;
        form.push(("csrf", csrf.as_str()));
        let resp = c.post(i.url(path)).form(&form).send().await.unwrap();
        assert_eq!(resp.status(), 403, "{path}");
    }
    assert_eq!(i.snapshot().await, before);
}

async fn form_errors_are_shown_next_to_the_field(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_user("taken", Role::Member).await;
    let c = browser();
    let csrf = page_csrf(&c, &i.url("/register")).await;
    let before = i.snapshot().await;
    let cases = [
        (
            "taken",
            "long enough",
            "long enough",
            409,
            "this name is already taken",
        ),
        (
            "",
            "long enough",
            "long enough",
            400,
            "name must not be empty",
        ),
        (
            "fresh",
            "short",
            "short",
            400,
            "password must be at least 8",
        ),
        ("fresh", "long enough", "different!", 400, "not the same"),
    ];
    for (name, pw, confirm, status, text) in cases {
        let resp = c
            .post(i.url("/register"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("name", name),
                ("password", pw),
                ("password_confirm", confirm),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{name}");
        let html = resp.text().await.unwrap();
        assert!(html.contains(text), "{name}: {text}");
        assert!(
            html.contains("aria-invalid=\"true\""),
            "{name}: field marked"
        );
        assert!(html.contains("role=\"alert\""));
    }
    assert_eq!(i.snapshot().await, before);
    let resp = c.get(i.url("/u/nobody")).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.text().await.unwrap().contains("<h1>Not found</h1>"));
}

#[tokio::test]
async fn static_assets_are_embedded_and_cacheable() {
    let i = TestInstance::start(Backend::Sqlite).await;
    let c = client();
    let resp = c.get(i.url("/static/hearth.css")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let etag = resp.headers()["etag"].clone();
    let resp = c
        .get(i.url("/static/hearth.css"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 304);
    assert_eq!(
        c.get(i.url("/static/nope.css"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

/// `Set-Cookie` headers of a response, by cookie name.
fn cookies(resp: &reqwest::Response) -> Vec<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// Signs in by hand (no cookie store: a `Secure` cookie would not be sent back over plain
/// http), returning the cookies the login set.
async fn login_by_hand(i: &TestInstance, name: &str, password: &str) -> (Vec<String>, Vec<String>) {
    let c = client();
    let page = c.get(i.url("/login")).send().await.unwrap();
    let csrf_cookies = cookies(&page);
    let csrf_pair = csrf_cookies
        .iter()
        .find(|c| c.starts_with("hearth_csrf="))
        .expect("a CSRF cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let token = csrf_of(&page.text().await.unwrap());
    let resp = c
        .post(i.url("/login"))
        .header("cookie", csrf_pair)
        .form(&[
            ("csrf", token.as_str()),
            ("name", name),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    (csrf_cookies, cookies(&resp))
}

#[tokio::test]
async fn cookies_are_secure_outside_local_testing() {
    // On a real domain (the default `secure_cookies = auto`), and when forced.
    for settings in [
        vec![("DOMAIN", "community.acme.example")],
        vec![("SECURE_COOKIES", "always")],
    ] {
        let i = TestInstance::start_with(Backend::Sqlite, &settings).await;
        let pw = i.create_user("ana", Role::Member).await;
        let (csrf, session) = login_by_hand(&i, "ana", &pw).await;
        for c in csrf.iter().chain(session.iter()) {
            for attribute in ["Secure", "HttpOnly", "SameSite=Lax"] {
                assert!(c.contains(attribute), "{settings:?}: {c} lacks {attribute}");
            }
        }
        assert!(session.iter().any(|c| c.starts_with("hearth_session=")));
        i.stop().await;
    }
    // On localhost (tests, a laptop) cookies work over plain http.
    let i = TestInstance::start(Backend::Sqlite).await;
    let pw = i.create_user("ana", Role::Member).await;
    let (csrf, session) = login_by_hand(&i, "ana", &pw).await;
    for c in csrf.iter().chain(session.iter()) {
        assert!(!c.contains("Secure"), "{c}");
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
    }
    i.stop().await;
}

async fn a_password_change_on_the_web_signs_out_everywhere_else(b: Backend) {
    let i = TestInstance::start(b).await;
    let pw = i.create_user("ana", Role::Member).await;
    let laptop = browser();
    let phone = browser();
    i.sign_in(&laptop, "ana", &pw).await;
    i.sign_in(&phone, "ana", &pw).await;
    let api = i.api_login("ana", &pw).await;
    let (status, pat) = crate::harness::api_call(
        &i,
        reqwest::Method::POST,
        "/api/v1/tokens",
        &api,
        Some(serde_json::json!({ "label": "helpdesk" })),
    )
    .await;
    assert_eq!(status, 201, "{pat}");
    let pat = pat["token"].as_str().unwrap().to_string();

    // A wrong current password changes nothing.
    let before = i.snapshot().await;
    let csrf = page_csrf(&laptop, &i.url("/settings")).await;
    let resp = laptop
        .post(i.url("/settings/password"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("current_password", "not it at all"),
            ("new_password", "a brand new password"),
            ("new_password_confirm", "a brand new password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400, "shown next to the field");
    assert_eq!(i.snapshot().await, before);

    let resp = laptop
        .post(i.url("/settings/password"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("current_password", pw.as_str()),
            ("new_password", "a brand new password"),
            ("new_password_confirm", "a brand new password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    // This browser stays signed in; the other one, the API login and the personal token do not.
    assert_eq!(
        laptop
            .get(i.url("/settings"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let resp = phone.get(i.url("/settings")).send().await.unwrap();
    assert_eq!(resp.status(), 303, "the phone is sent to the login page");
    for token in [&api, &pat] {
        let (status, _) =
            crate::harness::api_call(&i, reqwest::Method::GET, "/api/v1/accounts/me", token, None)
                .await;
        assert_eq!(status, 401);
    }
    i.api_login("ana", "a brand new password").await;
}

#[tokio::test]
async fn a_strict_content_security_policy_on_every_page_and_no_inline_code_in_templates() {
    let i = TestInstance::start(Backend::Sqlite).await;
    let c = client();
    for (path, status) in [("/", 200), ("/login", 200), ("/no/such/page", 404)] {
        let resp = c.get(i.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), status, "{path}");
        let csp = resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        for directive in [
            "script-src 'self'",
            "style-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp} lacks {directive}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
    }
    i.stop().await;

    // The policy holds because no template needs inline code: no script body, no event
    // handler attribute, no style attribute or element.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web/templates");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap().to_ascii_lowercase();
        let name = path.display();
        for (n, _) in text.match_indices("<script") {
            let tag = &text[n..n + text[n..].find('>').unwrap()];
            assert!(tag.contains(" src="), "{name}: an inline script: {tag}");
            assert!(
                text[n..].contains("></script>"),
                "{name}: a script with a body"
            );
        }
        assert!(!text.contains("<style"), "{name}: a style element");
        assert!(!text.contains(" style="), "{name}: a style attribute");
        let handler = text.split(|c: char| c.is_whitespace()).any(|w| {
            w.starts_with("on")
                && w.contains("=\"")
                && w[2..w.find('=').unwrap()]
                    .chars()
                    .all(|c| c.is_ascii_lowercase())
        });
        assert!(!handler, "{name}: an event handler attribute");
    }
}
