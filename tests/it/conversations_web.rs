//! Conversations on the HTML pages: forms, what the pages show, and the cost of a thread page.

use hearth::domain::{PostingMode, Role};

use crate::harness::{Backend, TestInstance, browser, client, csrf_of, page_csrf};
use crate::on_both_backends;

on_both_backends!(
    start_reply_like_answer_on_the_web,
    thread_page_costs_a_fixed_number_of_queries,
    web_refuses_edits_by_others,
);

async fn start_reply_like_answer_on_the_web(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let ana_pw = i.create_user("ana", Role::Member).await;
    let jane_pw = i.create_user("jane", Role::Staff).await;
    let ana = browser();
    let jane = browser();
    i.sign_in(&ana, "ana", &ana_pw).await;
    i.sign_in(&jane, "jane", &jane_pw).await;

    // Home lists the space; the space page offers to start a thread.
    let home = ana
        .get(i.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("href=\"/s/support\""));
    assert!(home.contains("All about <strong>support</strong>"));
    let space = ana
        .get(i.url("/s/support"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(space.contains("Start a thread"));

    let csrf = page_csrf(&ana, &i.url("/s/support/new")).await;
    let resp = ana
        .post(i.url("/s/support/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", "Router keeps rebooting"),
            ("body", "Every **hour**."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let url = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(url.ends_with("-router-keeps-rebooting"), "{url}");
    // A short or outdated link leads to the canonical one.
    let id = url
        .rsplit('/')
        .next()
        .unwrap()
        .split('-')
        .next()
        .unwrap()
        .to_string();
    let resp = client()
        .get(i.url(&format!("/s/support/t/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 308);
    assert_eq!(resp.headers()["location"], url.as_str());
    let resp = client()
        .get(i.url(&format!("/s/support/t/{id}-old-title")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"], url.as_str());

    // Jane (staff) replies; her badge shows.
    let page = jane
        .get(i.url(&url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let resp = jane
        .post(i.url(&format!("{url}/reply")))
        .form(&[("csrf", csrf.as_str()), ("body", "Try a new cable.")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let anchor = resp.headers()["location"].to_str().unwrap().to_string();
    let post_id = anchor.rsplit("#post-").next().unwrap().to_string();

    // Ana replies to Jane's reply, likes it and marks it as the answer.
    let page = ana
        .get(i.url(&url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Staff"), "staff badge on the reply");
    let csrf = csrf_of(&page);
    let resp = ana
        .post(i.url(&format!("{url}/reply")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("body", "Thanks!"),
            ("parent_id", post_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let resp = ana
        .post(i.url(&format!("/posts/{post_id}/like")))
        .form(&[("csrf", csrf.as_str()), ("on", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let resp = ana
        .post(i.url(&format!("{url}/answer")))
        .form(&[("csrf", csrf.as_str()), ("post_id", post_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);

    let page = ana
        .get(i.url(&url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<h2 id=\"answer-h\">Answer</h2>"),
        "answer under the question"
    );
    assert!(page.contains("Accepted answer"));
    assert!(
        page.contains("aria-pressed=\"true\""),
        "ana's like is shown"
    );
    assert!(page.contains("<span class=\"count\">1</span>"));
    assert!(page.contains("Every <strong>hour</strong>."));
    let space = client()
        .get(i.url("/s/support?filter=answered"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(space.contains("Router keeps rebooting"));
    assert!(space.contains("badge answered"));
    let space = client()
        .get(i.url("/s/support?filter=unanswered"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!space.contains("Router keeps rebooting"));

    // Edit, then the history shows the earlier words.
    let edit = ana
        .get(i.url(&format!(
            "/posts/{}/edit",
            post_id.parse::<i64>().unwrap() - 1
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), 200);
    let csrf = csrf_of(&edit.text().await.unwrap());
    let opening = post_id.parse::<i64>().unwrap() - 1;
    let resp = ana
        .post(i.url(&format!("/posts/{opening}/edit")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", "Router keeps rebooting hourly"),
            ("body", "Every hour, on the hour."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let page = client()
        .get(i.url(&format!("/posts/{opening}/history")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Every <strong>hour</strong>."), "old version");
    assert!(page.contains("Every hour, on the hour."), "current version");
    let page = client()
        .get(i.url(&format!("/posts/{opening}")))
        .send()
        .await
        .unwrap();
    assert!(
        page.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("-router-keeps-rebooting-hourly")
    );

    // The profile lists what Ana wrote.
    let profile = client()
        .get(i.url("/u/ana"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(profile.contains("Router keeps rebooting hourly"));
    assert!(profile.contains("Re: Router keeps rebooting hourly"));
}

async fn web_refuses_edits_by_others(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let ana = i.api_user("ana", Role::Member).await;
    let admin_pw = i.create_user("boss", Role::Admin).await;
    let thread: serde_json::Value = client()
        .post(i.url("/api/v1/spaces/support/threads"))
        .header("authorization", format!("Bearer {ana}"))
        .json(&serde_json::json!({"title": "Mine", "body": "My words"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let view: serde_json::Value = client()
        .get(i.url(&format!("/api/v1/threads/{}", thread["id"])))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let opening = view["opening"]["id"].as_i64().unwrap();
    let boss = browser();
    i.sign_in(&boss, "boss", &admin_pw).await;
    let page = boss
        .get(i.url(thread["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains(&format!("/posts/{opening}/edit")),
        "no edit link for others"
    );
    let csrf = csrf_of(&page);
    let before = i.snapshot().await;
    assert_eq!(
        boss.get(i.url(&format!("/posts/{opening}/edit")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let resp = boss
        .post(i.url(&format!("/posts/{opening}/edit")))
        .form(&[("csrf", csrf.as_str()), ("body", "Admin's words")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = boss
        .post(i.url(&format!("/posts/{opening}/delete")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(i.snapshot().await, before);
    assert_eq!(
        client()
            .get(i.url("/s/nowhere"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        client()
            .get(i.url("/s/support/t/99999"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        client()
            .get(i.url("/s/support/t/abc"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

/// Builds a thread with `n` replies (a mix of direct and nested ones) and counts the SQL
/// statements one page view costs.
async fn queries_for_thread_with(b: Backend, n: usize) -> u64 {
    // One person writes all the replies at once: above the posting limit on purpose.
    let i = TestInstance::start_with(b, &[("POSTS_PER_MINUTE", "100000")]).await;
    i.create_space("support", PostingMode::Open).await;
    i.create_user("ana", Role::Member).await;
    let h = &i.state.hearth;
    let viewer = |name: &str| {
        let name = name.to_string();
        async move {
            let p =
                h.db.run(move |c| Ok(hearth::db::persons::find_by_name(c, &name)?.unwrap()))
                    .await
                    .unwrap();
            hearth::service::Viewer {
                person: p,
                token_id: 0,
                token_kind: hearth::domain::TokenKind::Session,
            }
        }
    };
    let ana = viewer("ana").await;
    let t = hearth::service::threads::ask(h, &ana, "support", "Big thread", "Question")
        .await
        .unwrap();
    let mut last = None;
    for k in 0..n {
        let parent = if k % 3 == 0 { None } else { last };
        let p = hearth::service::threads::reply(h, &ana, t.id, parent, &format!("Reply {k}"))
            .await
            .unwrap();
        last = Some(p.id);
    }
    let c = client();
    // Warm up (first connection checks), then count one view.
    assert_eq!(c.get(i.url(&t.url)).send().await.unwrap().status(), 200);
    let before = h.db.query_count();
    let resp = c.get(i.url(&t.url)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert_eq!(
        html.matches("<article class=\"post").count(),
        n + 1,
        "every post rendered"
    );
    h.db.query_count() - before
}

async fn thread_page_costs_a_fixed_number_of_queries(b: Backend) {
    let small = queries_for_thread_with(b, 3).await;
    let large = queries_for_thread_with(b, 300).await;
    assert_eq!(
        small, large,
        "a 300-reply thread costs as many queries as a 3-reply one"
    );
    assert!(small <= 10, "{small} queries for one thread page");
}
