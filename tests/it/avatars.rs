//! Avatars of local people: uploaded in the API (the image as the body) or with the settings
//! form (multipart, CSRF-checked), recognised by their bytes, at most 1 MiB, served from here
//! under their hash, shown next to what the person writes and published as the actor's `icon`.

use hearth::domain::Role;
use reqwest::Method;
use serde_json::Value;

use crate::harness::{Backend, TestInstance, bearer, browser, client, page_csrf, page_text};
use crate::on_both_backends;

on_both_backends!(avatars_in_the_api, avatars_on_the_settings_page);

/// A real 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x00, 0x02, 0x00,
    0x00, 0x05, 0x00, 0x01, 0x7a, 0x5e, 0xab, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
    0xae, 0x42, 0x60, 0x82,
];

async fn put_avatar(i: &TestInstance, token: &str, body: Vec<u8>) -> (u16, Value) {
    let resp = client()
        .request(Method::PUT, i.url("/api/v1/accounts/me/avatar"))
        .header("authorization", bearer(token))
        .header("content-type", "image/png")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn avatars_in_the_api(b: Backend) {
    let i = TestInstance::start(b).await;
    let jane = i.api_user("jane", Role::Staff).await;

    // Refused: not an image (an SVG could carry script), too large, not signed in.
    let before = i.snapshot().await;
    for (body, status) in [
        (
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec(),
            400,
        ),
        (b"<html>".to_vec(), 400),
        (Vec::new(), 400),
        ([PNG, &vec![0u8; 1024 * 1024]].concat(), 413),
    ] {
        let (got, e) = put_avatar(&i, &jane, body).await;
        assert_eq!(got, status, "{e}");
    }
    let (got, _) = put_avatar(&i, "", PNG.to_vec()).await;
    assert_eq!(got, 401);
    assert_eq!(i.snapshot().await, before);

    let (status, account) = put_avatar(&i, &jane, PNG.to_vec()).await;
    assert_eq!(status, 200, "{account}");
    let url = account["avatar"].as_str().unwrap().to_string();
    assert!(url.starts_with("/media/avatars/local/"), "{url}");
    let resp = client().get(i.url(&url)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert!(
        resp.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(resp.bytes().await.unwrap().as_ref(), PNG);
    for bad in [
        "/media/avatars/local/..%2F..%2Fetc%2Fpasswd",
        "/media/avatars/local/0000000000000000000000000000000000000000000000000000000000000000",
        "/media/avatars/local/ABCDEF",
    ] {
        let resp = client().get(i.url(bad)).send().await.unwrap();
        assert_eq!(resp.status(), 404, "{bad}");
    }

    // Shown on the profile and published on the actor.
    let profile: Value = client()
        .get(i.url("/api/v1/accounts/jane"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(profile["avatar"], url);
    let actor: Value = client()
        .get(i.url("/u/jane"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        actor["icon"]["url"].as_str().unwrap().ends_with(&url),
        "{actor}"
    );

    let resp = client()
        .delete(i.url("/api/v1/accounts/me/avatar"))
        .header("authorization", bearer(&jane))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let account: Value = resp.json().await.unwrap();
    assert!(account["avatar"].is_null());
}

/// A `multipart/form-data` body with the CSRF token (when given) and the file.
fn multipart(csrf: Option<&str>, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "hearthtestboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    if let Some(token) = csrf {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"me.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn avatars_on_the_settings_page(b: Backend) {
    let i = TestInstance::start(b).await;
    let pw = i.create_user("ana", Role::Member).await;
    let web = browser();
    i.sign_in(&web, "ana", &pw).await;
    let csrf = page_csrf(&web, &i.url("/settings")).await;

    // Without the token, or with a wrong one: refused, nothing stored.
    let before = i.snapshot().await;
    for token in [None, Some("0".repeat(64))] {
        let (ct, body) = multipart(token.as_deref(), PNG);
        let resp = web
            .post(i.url("/settings/avatar"))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403);
    }
    // Not an image: the form says why.
    let (ct, body) = multipart(Some(&csrf), b"GIF8 not really");
    let resp = web
        .post(i.url("/settings/avatar"))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("the avatar must be a PNG, JPEG, GIF or WebP image")
    );
    assert_eq!(i.snapshot().await, before);

    let (ct, body) = multipart(Some(&csrf), PNG);
    let resp = web
        .post(i.url("/settings/avatar"))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let page = page_text(&web, &i.url("/u/ana")).await;
    assert!(
        page.contains(r#"<img class="avatar" src="/media/avatars/local/"#),
        "{page}"
    );
    let resp = web
        .post(i.url("/settings/avatar/remove"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let page = page_text(&web, &i.url("/u/ana")).await;
    assert!(!page.contains("/media/avatars/local/"));
}
