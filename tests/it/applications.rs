//! Registration in approval mode: the operator's questions, the applicant's answers, the
//! admin's decision with a reason, and the applicant's status page (they cannot sign in yet).

use hearth::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{
    Backend, TestInstance, api_call as call, browser, client, page_csrf, page_text,
};
use crate::on_both_backends;

on_both_backends!(
    applicants_answer_the_questions_and_see_where_they_stand,
    the_web_asks_the_questions_and_tells_applicants_where_they_stand,
);

const QUESTIONS: [&str; 2] = ["Which of our products do you use?", "What brings you here?"];

async fn instance(i: &TestInstance, admin: &str, body: Value) -> (u16, Value) {
    call(
        i,
        Method::PATCH,
        "/api/v1/admin/instance",
        admin,
        Some(body),
    )
    .await
}

async fn register(i: &TestInstance, name: &str, answers: Value) -> (u16, Value) {
    let resp = client()
        .post(i.url("/api/v1/accounts"))
        .json(&json!({ "name": name, "password": "a good password", "answers": answers }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn status_of(i: &TestInstance, name: &str, password: &str) -> (u16, Value) {
    let resp = client()
        .post(i.url("/api/v1/registration/status"))
        .json(&json!({ "name": name, "password": password }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn applicants_answer_the_questions_and_see_where_they_stand(b: Backend) {
    let i = TestInstance::start(b).await;
    let boss = i.api_user("boss", Role::Admin).await;
    let member = i.api_user("mia", Role::Member).await;

    // The questions are the admin's to set, within bounds; refusals change nothing.
    let before = i.snapshot().await;
    let six: Vec<String> = (1..=6).map(|n| format!("Question {n}?")).collect();
    for bad in [json!(six), json!(["x".repeat(301)]), json!("one string")] {
        let (status, v) = instance(&i, &boss, json!({ "registration_questions": bad })).await;
        assert!(status == 400 || status == 422, "{bad} → {status} {v}");
    }
    let (status, _) = instance(&i, &member, json!({ "registration_questions": QUESTIONS })).await;
    assert_eq!(status, 403);
    assert_eq!(i.snapshot().await, before);
    let (status, v) = instance(
        &i,
        &boss,
        json!({ "registration_mode": "approval", "registration_questions": [QUESTIONS[0], "  ", QUESTIONS[1]] }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["registration_questions"],
        json!(QUESTIONS),
        "blank ones dropped"
    );
    let (_, public) = call(&i, Method::GET, "/api/v1/instance", "", None).await;
    assert_eq!(public["registration_questions"], json!(QUESTIONS));

    // Every question needs an answer; a refused application leaves nothing behind.
    let before = i.snapshot().await;
    for bad in [
        json!([]),
        json!(["Hearth Pro"]),
        json!(["Hearth Pro", "   "]),
        json!(["Hearth Pro", "x".repeat(1001)]),
        json!(["a", "b", "c"]),
    ] {
        let (status, v) = register(&i, "ana", bad.clone()).await;
        assert_eq!(status, 400, "{bad} → {v}");
        assert_eq!(v["field"], "answers", "{v}");
    }
    assert_eq!(i.snapshot().await, before);

    for name in ["ana", "bob"] {
        let (status, v) = register(&i, name, json!(["Hearth Pro", "My router drops"])).await;
        assert_eq!(status, 201, "{v}");
        assert_eq!(v["account"]["status"], "pending");
    }

    // The applicant sees where it stands with their password (not with a wrong one).
    let (status, _) = status_of(&i, "ana", "not her password").await;
    assert_eq!(status, 401);
    let (status, v) = status_of(&i, "ana", "a good password").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "pending");
    assert!(v["applied_at"].is_string(), "{v}");
    assert!(v["decided_at"].is_null());
    assert_eq!(
        v["answers"],
        json!([
            { "question": QUESTIONS[0], "answer": "Hearth Pro" },
            { "question": QUESTIONS[1], "answer": "My router drops" },
        ])
    );

    // The admin reads the answers (members may not) and decides.
    let (status, _) = call(&i, Method::GET, "/api/v1/admin/applications", &member, None).await;
    assert_eq!(status, 403);
    let (status, list) = call(&i, Method::GET, "/api/v1/admin/applications", &boss, None).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ana", "bob"], "oldest first");
    assert_eq!(list[0]["answers"][1]["answer"], "My router drops");

    let before = i.snapshot().await;
    let (status, v) = call(
        &i,
        Method::POST,
        "/api/v1/admin/accounts/bob/reject",
        &boss,
        Some(json!({ "reason": "x".repeat(1001) })),
    )
    .await;
    assert_eq!(status, 400, "{v}");
    assert_eq!(i.snapshot().await, before);
    let (status, v) = call(
        &i,
        Method::POST,
        "/api/v1/admin/accounts/bob/reject",
        &boss,
        Some(json!({ "reason": "We could not find your order." })),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    // No body at all is fine for approving.
    let resp = client()
        .post(i.url("/api/v1/admin/accounts/ana/approve"))
        .header("authorization", crate::harness::bearer(&boss))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let (_, v) = status_of(&i, "bob", "a good password").await;
    assert_eq!(v["status"], "rejected");
    assert_eq!(v["reason"], "We could not find your order.");
    assert!(v["decided_at"].is_string(), "{v}");
    let (_, v) = status_of(&i, "ana", "a good password").await;
    assert_eq!(v["status"], "active");
    i.api_login("ana", "a good password").await;
    let (_, list) = call(&i, Method::GET, "/api/v1/admin/applications", &boss, None).await;
    assert_eq!(list, json!([]));

    // Outside approval mode nobody is asked anything.
    let (status, _) = instance(&i, &boss, json!({ "registration_mode": "open" })).await;
    assert_eq!(status, 200);
    let (status, v) = register(&i, "cai", json!([])).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["account"]["status"], "active");
    i.stop().await;
}

async fn the_web_asks_the_questions_and_tells_applicants_where_they_stand(b: Backend) {
    let i = TestInstance::start(b).await;
    let boss = i.api_user("boss", Role::Admin).await;
    let (status, _) = instance(
        &i,
        &boss,
        json!({ "registration_mode": "approval", "registration_questions": QUESTIONS }),
    )
    .await;
    assert_eq!(status, 200);

    let web = browser();
    let form = page_text(&web, &i.url("/register")).await;
    assert!(
        form.contains(QUESTIONS[0]) && form.contains("name=\"answer_1\""),
        "{form}"
    );
    let send = |answers: [&'static str; 2], csrf: String| {
        let web = web.clone();
        let url = i.url("/register");
        async move {
            web.post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("name", "ana"),
                    ("password", "a good password"),
                    ("password_confirm", "a good password"),
                    ("answer_0", answers[0]),
                    ("answer_1", answers[1]),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let before = i.snapshot().await;
    let resp = send(
        ["Hearth Pro", ""],
        page_csrf(&web, &i.url("/register")).await,
    )
    .await;
    assert_eq!(resp.status(), 400);
    let page = resp.text().await.unwrap();
    assert!(page.contains("answer “What brings you here?”"), "{page}");
    assert!(
        page.contains(">Hearth Pro</textarea>"),
        "what she wrote is kept: {page}"
    );
    assert_eq!(i.snapshot().await, before);
    let resp = send(
        ["Hearth Pro", "Help with my router"],
        page_csrf(&web, &i.url("/register")).await,
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("/register/status"));

    // Signing in before approval shows where the application stands.
    let login = |password: &'static str| {
        let web = web.clone();
        let url = i.url("/login");
        let csrf_url = i.url("/login");
        async move {
            let csrf = page_csrf(&web, &csrf_url).await;
            web.post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("name", "ana"),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let resp = login("a good password").await;
    assert_eq!(resp.status(), 403);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("Waiting for an administrator since"),
        "{page}"
    );
    assert!(page.contains("Help with my router"), "{page}");
    let resp = login("a wrong password").await;
    assert_eq!(resp.status(), 401, "a wrong password learns nothing");
    assert!(
        !resp
            .text()
            .await
            .unwrap()
            .contains("Waiting for an administrator")
    );

    // The admin reads the answers on /admin and turns her down with a reason.
    let admin = browser();
    i.sign_in(&admin, "boss", &crate::harness::password_of("boss"))
        .await;
    let page = page_text(&admin, &i.url("/admin")).await;
    assert!(
        page.contains("<dt>What brings you here?</dt><dd>Help with my router</dd>"),
        "{page}"
    );
    let title = &page[page.find("<title>").unwrap()..page.find("</title>").unwrap()];
    assert!(
        title.starts_with("<title>Administration") && !title[7..].contains('<'),
        "the page title is text: {title}"
    );
    let csrf = page_csrf(&admin, &i.url("/admin")).await;
    let resp = admin
        .post(i.url("/admin/accounts/ana/reject"))
        .form(&[("csrf", csrf.as_str()), ("reason", "We sell no routers.")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);

    // The status page, asked directly.
    let form = page_text(&web, &i.url("/register/status")).await;
    assert!(form.contains("See my application"), "{form}");
    let csrf = page_csrf(&web, &i.url("/register/status")).await;
    let resp = web
        .post(i.url("/register/status"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "ana"),
            ("password", "a good password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let page = resp.text().await.unwrap();
    assert!(page.contains("Not accepted"), "{page}");
    assert!(
        page.contains("The administrator wrote: We sell no routers."),
        "{page}"
    );
    i.stop().await;
}
