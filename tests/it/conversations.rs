//! Spaces, threads, replies, likes and answers through the JSON API, and the rules that protect
//! people's words.

use hearth::domain::{PostingMode, Role};
use serde_json::{Value, json};

use crate::harness::{Backend, TestInstance, bearer, client};
use crate::on_both_backends;

on_both_backends!(
    ask_reply_like_answer,
    only_authors_edit_and_delete_their_words,
    bad_input_is_refused_and_changes_nothing,
    announcement_spaces_and_archived_spaces,
    lists_sort_filter_and_paginate,
    spaces_are_managed_by_admins,
    hostile_markdown_is_sanitised,
);

async fn call(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn ask(i: &TestInstance, token: &str, space: &str, title: &str, body: &str) -> Value {
    let (status, v) = call(
        client()
            .post(i.url(&format!("/api/v1/spaces/{space}/threads")))
            .header("authorization", bearer(token))
            .json(&json!({"title": title, "body": body})),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    v
}

async fn reply(
    i: &TestInstance,
    token: &str,
    thread: i64,
    parent: Option<i64>,
    body: &str,
) -> Value {
    let (status, v) = call(
        client()
            .post(i.url(&format!("/api/v1/threads/{thread}/replies")))
            .header("authorization", bearer(token))
            .json(&json!({"body": body, "parent_id": parent})),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    v
}

async fn thread(i: &TestInstance, token: Option<&str>, id: i64) -> Value {
    let mut req = client().get(i.url(&format!("/api/v1/threads/{id}")));
    if let Some(t) = token {
        req = req.header("authorization", bearer(t));
    }
    let (status, v) = call(req).await;
    assert_eq!(status, 200, "{v}");
    v
}

async fn ask_reply_like_answer(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let ana = i.api_user("ana", Role::Member).await;
    let jane_pw = i.create_user("jane", Role::Staff).await;
    let jane = i.api_login("jane", &jane_pw).await;
    call(
        client()
            .patch(i.url("/api/v1/accounts/me"))
            .header("authorization", bearer(&jane))
            .json(&json!({"title": "Support Lead", "display_name": "Jane Doe"})),
    )
    .await;
    let bob = i.api_user("bob", Role::Member).await;

    let t = ask(
        &i,
        &ana,
        "support",
        "How do I reset my router?",
        "It blinks **red**.",
    )
    .await;
    let tid = t["id"].as_i64().unwrap();
    assert_eq!(
        t["url"],
        format!("/s/support/t/{tid}-how-do-i-reset-my-router")
    );
    assert_eq!(t["answered"], false);

    let r1 = reply(&i, &bob, tid, None, "Same here").await;
    let r2 = reply(&i, &jane, tid, None, "Hold the reset button for 10 s.").await;
    let r3 = reply(
        &i,
        &ana,
        tid,
        Some(r2["id"].as_i64().unwrap()),
        "That worked, thanks!",
    )
    .await;
    assert_eq!(
        r2["author"]["badge"], "Staff · Support Lead",
        "staff speak as themselves"
    );

    // Likes: once per person; taking it back works; liking twice adds nothing.
    let r2id = r2["id"].as_i64().unwrap();
    for _ in 0..2 {
        let (status, v) = call(
            client()
                .put(i.url(&format!("/api/v1/posts/{r2id}/like")))
                .header("authorization", bearer(&ana)),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(v["like_count"], 1);
    }
    call(
        client()
            .put(i.url(&format!("/api/v1/posts/{r2id}/like")))
            .header("authorization", bearer(&bob)),
    )
    .await;
    let (_, v) = call(
        client()
            .delete(i.url(&format!("/api/v1/posts/{r2id}/like")))
            .header("authorization", bearer(&bob)),
    )
    .await;
    assert_eq!(v["like_count"], 1);

    // Bob is neither the asker nor staff: he cannot mark the answer.
    let before = i.snapshot().await;
    let (status, v) = call(
        client()
            .put(i.url(&format!("/api/v1/threads/{tid}/answer")))
            .header("authorization", bearer(&bob))
            .json(&json!({"post_id": r1["id"]})),
    )
    .await;
    assert_eq!(status, 403, "{v}");
    assert_eq!(i.snapshot().await, before);

    // The asker marks the staff reply as the answer.
    let (status, _) = call(
        client()
            .put(i.url(&format!("/api/v1/threads/{tid}/answer")))
            .header("authorization", bearer(&ana))
            .json(&json!({"post_id": r2id})),
    )
    .await;
    assert_eq!(status, 204);
    let view = thread(&i, Some(&ana), tid).await;
    assert_eq!(view["answered"], true);
    assert_eq!(view["answer"]["id"], r2id);
    assert_eq!(view["reply_count"], 3);
    assert_eq!(
        view["opening"]["body_html"],
        "<p>It blinks <strong>red</strong>.</p>\n"
    );
    let replies = view["replies"].as_array().unwrap();
    assert_eq!(replies.len(), 2, "two direct replies");
    assert_eq!(replies[1]["id"], r2id);
    assert_eq!(replies[1]["liked"], true, "ana likes it");
    assert_eq!(replies[1]["is_answer"], true);
    assert_eq!(replies[1]["replies"][0]["id"], r3["id"], "nested reply");
    assert_eq!(replies[1]["replies"][0]["depth"], 2);
    assert_eq!(view["can_mark_answer"], true);
    let anonymous = thread(&i, None, tid).await;
    assert_eq!(anonymous["replies"][1]["liked"], false);
    assert_eq!(anonymous["can_reply"], false);

    // Staff may change the answer too, and clear it.
    let (status, _) = call(
        client()
            .put(i.url(&format!("/api/v1/threads/{tid}/answer")))
            .header("authorization", bearer(&jane))
            .json(&json!({"post_id": r1["id"]})),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(thread(&i, None, tid).await["answer"]["id"], r1["id"]);
    let (status, _) = call(
        client()
            .delete(i.url(&format!("/api/v1/threads/{tid}/answer")))
            .header("authorization", bearer(&jane)),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(thread(&i, None, tid).await["answered"], false);

    // The opening post cannot be its own answer; a post of another thread is not an answer here.
    let other = ask(&i, &bob, "support", "Another question", "Hello").await;
    let before = i.snapshot().await;
    let other_thread = thread(&i, None, other["id"].as_i64().unwrap()).await;
    for post in [
        view["opening"]["id"].clone(),
        other_thread["opening"]["id"].clone(),
    ] {
        let (status, v) = call(
            client()
                .put(i.url(&format!("/api/v1/threads/{tid}/answer")))
                .header("authorization", bearer(&ana))
                .json(&json!({ "post_id": post })),
        )
        .await;
        assert_eq!(status, 400, "{v}");
        assert_eq!(v["field"], "post_id");
    }
    assert_eq!(i.snapshot().await, before);

    // A person's profile lists what they wrote.
    let (_, w) = call(client().get(i.url("/api/v1/accounts/ana/posts"))).await;
    let items = w["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["excerpt"], "That worked, thanks!");
    assert_eq!(items[1]["started_thread"], true);
}

async fn only_authors_edit_and_delete_their_words(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let ana = i.api_user("ana", Role::Member).await;
    let admin = i.api_user("boss", Role::Admin).await;
    let moderator = i.api_user("mod", Role::Moderator).await;
    let staff = i.api_user("jane", Role::Staff).await;
    let t = ask(&i, &ana, "support", "Original title", "Original words").await;
    let tid = t["id"].as_i64().unwrap();
    let opening = thread(&i, None, tid).await["opening"]["id"]
        .as_i64()
        .unwrap();
    let r = reply(&i, &ana, tid, None, "My reply").await;
    let rid = r["id"].as_i64().unwrap();
    let child = reply(&i, &staff, tid, Some(rid), "A reply to it").await;

    // Nobody else may edit or delete, whatever their role.
    let before = i.snapshot().await;
    for token in [&admin, &moderator, &staff] {
        for post in [opening, rid] {
            let (status, v) = call(
                client()
                    .patch(i.url(&format!("/api/v1/posts/{post}")))
                    .header("authorization", bearer(token))
                    .json(&json!({"body": "Words put in her mouth"})),
            )
            .await;
            assert_eq!(status, 403, "{v}");
            let (status, _) = call(
                client()
                    .delete(i.url(&format!("/api/v1/posts/{post}")))
                    .header("authorization", bearer(token)),
            )
            .await;
            assert_eq!(status, 403);
        }
    }
    assert_eq!(i.snapshot().await, before, "nothing changed");

    // The author edits; the old version stays readable.
    let (status, v) = call(
        client()
            .patch(i.url(&format!("/api/v1/posts/{opening}")))
            .header("authorization", bearer(&ana))
            .json(&json!({"body": "Better words", "title": "Better title"})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert!(v["edited_at"].is_string());
    let view = thread(&i, None, tid).await;
    assert_eq!(view["title"], "Better title");
    assert_eq!(view["url"], format!("/s/support/t/{tid}-better-title"));
    let (_, h) = call(client().get(i.url(&format!("/api/v1/posts/{opening}/history")))).await;
    assert_eq!(h["revisions"].as_array().unwrap().len(), 1);
    assert_eq!(h["revisions"][0]["body"], "Original words");
    assert_eq!(h["revisions"][0]["title"], "Original title");
    assert_eq!(h["post"]["body"], "Better words");
    // A reply has no title.
    let (status, v) = call(
        client()
            .patch(i.url(&format!("/api/v1/posts/{rid}")))
            .header("authorization", bearer(&ana))
            .json(&json!({"body": "x", "title": "y"})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(v["field"], "title");

    // Deleting leaves a tombstone; the reply to it keeps its place.
    let (status, _) = call(
        client()
            .delete(i.url(&format!("/api/v1/posts/{rid}")))
            .header("authorization", bearer(&ana)),
    )
    .await;
    assert_eq!(status, 204);
    let view = thread(&i, None, tid).await;
    let tomb = &view["replies"][0];
    assert_eq!(tomb["deleted"], true);
    assert_eq!(tomb["body"], "");
    assert_eq!(tomb["body_html"], "");
    assert_eq!(tomb["replies"][0]["id"], child["id"]);
    assert_eq!(view["reply_count"], 1);
    // A deleted post can't be edited, liked or replied to.
    let (status, _) = call(
        client()
            .patch(i.url(&format!("/api/v1/posts/{rid}")))
            .header("authorization", bearer(&ana))
            .json(&json!({"body": "back"})),
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = call(
        client()
            .put(i.url(&format!("/api/v1/posts/{rid}/like")))
            .header("authorization", bearer(&staff)),
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = call(
        client()
            .post(i.url(&format!("/api/v1/threads/{tid}/replies")))
            .header("authorization", bearer(&staff))
            .json(&json!({"body": "hi", "parent_id": rid})),
    )
    .await;
    assert_eq!(status, 409);
    // Deleting the question removes the title too; the thread leaves the lists.
    let (status, _) = call(
        client()
            .delete(i.url(&format!("/api/v1/posts/{opening}")))
            .header("authorization", bearer(&ana)),
    )
    .await;
    assert_eq!(status, 204);
    let view = thread(&i, None, tid).await;
    assert_eq!(view["title"], "[deleted]");
    assert_eq!(view["deleted"], true);
    let (_, h) = call(client().get(i.url(&format!("/api/v1/posts/{opening}/history")))).await;
    assert!(
        h["revisions"].as_array().unwrap().is_empty(),
        "history goes with the words"
    );
    let (_, list) = call(client().get(i.url("/api/v1/spaces/support/threads"))).await;
    assert!(list["threads"].as_array().unwrap().is_empty());
}

async fn bad_input_is_refused_and_changes_nothing(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let ana = i.api_user("ana", Role::Member).await;
    let t = ask(&i, &ana, "support", "A question", "Body").await;
    let tid = t["id"].as_i64().unwrap();
    let before = i.snapshot().await;
    let c = client();
    let auth = bearer(&ana);
    let cases: Vec<(reqwest::RequestBuilder, u16, Option<&str>)> = vec![
        (
            c.post(i.url("/api/v1/spaces/support/threads"))
                .json(&json!({"title": "", "body": "x"})),
            400,
            Some("title"),
        ),
        (
            c.post(i.url("/api/v1/spaces/support/threads"))
                .json(&json!({"title": "  ", "body": "x"})),
            400,
            Some("title"),
        ),
        (
            c.post(i.url("/api/v1/spaces/support/threads"))
                .json(&json!({"title": "x".repeat(201), "body": "x"})),
            400,
            Some("title"),
        ),
        (
            c.post(i.url("/api/v1/spaces/support/threads"))
                .json(&json!({"title": "ok", "body": ""})),
            400,
            Some("body"),
        ),
        (
            c.post(i.url("/api/v1/spaces/support/threads"))
                .json(&json!({"title": "ok", "body": "x".repeat(20_001)})),
            400,
            Some("body"),
        ),
        (
            c.post(i.url("/api/v1/spaces/nowhere/threads"))
                .json(&json!({"title": "ok", "body": "x"})),
            404,
            None,
        ),
        (
            c.post(i.url(&format!("/api/v1/threads/{tid}/replies")))
                .json(&json!({"body": ""})),
            400,
            Some("body"),
        ),
        (
            c.post(i.url("/api/v1/threads/99999/replies"))
                .json(&json!({"body": "x"})),
            404,
            None,
        ),
        (
            c.post(i.url(&format!("/api/v1/threads/{tid}/replies")))
                .json(&json!({"body": "x", "parent_id": 99999})),
            400,
            Some("parent_id"),
        ),
        (c.put(i.url("/api/v1/posts/99999/like")), 404, None),
        (
            c.patch(i.url("/api/v1/posts/99999"))
                .json(&json!({"body": "x"})),
            404,
            None,
        ),
        (
            c.get(i.url("/api/v1/spaces/support/threads?sort=loudest")),
            400,
            Some("sort"),
        ),
        (
            c.get(i.url("/api/v1/spaces/support/threads?filter=famous")),
            400,
            Some("filter"),
        ),
        (
            c.get(i.url("/api/v1/spaces/support/threads?cursor=garbage")),
            400,
            Some("cursor"),
        ),
    ];
    for (req, status, field) in cases {
        let (got, v) = call(req.header("authorization", &auth)).await;
        assert_eq!(got, status, "{v}");
        if let Some(f) = field {
            assert_eq!(v["field"], f, "{v}");
        }
    }
    // Anonymous writes are refused.
    let (status, _) = call(
        c.post(i.url(&format!("/api/v1/threads/{tid}/replies")))
            .json(&json!({"body": "x"})),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(i.snapshot().await, before);
    assert_eq!(call(c.get(i.url("/api/v1/threads/424242"))).await.0, 404);
    assert_eq!(call(c.get(i.url("/api/v1/spaces/nowhere"))).await.0, 404);
}

async fn announcement_spaces_and_archived_spaces(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("news", PostingMode::Announcements).await;
    let ana = i.api_user("ana", Role::Member).await;
    let jane = i.api_user("jane", Role::Staff).await;
    let admin = i.api_user("boss", Role::Admin).await;
    let before = i.snapshot().await;
    let (status, v) = call(
        client()
            .post(i.url("/api/v1/spaces/news/threads"))
            .header("authorization", bearer(&ana))
            .json(&json!({"title": "Me too", "body": "x"})),
    )
    .await;
    assert_eq!(status, 403, "{v}");
    assert_eq!(i.snapshot().await, before);
    let t = ask(&i, &jane, "news", "Version 2 is out", "Changelog").await;
    let tid = t["id"].as_i64().unwrap();
    reply(&i, &ana, tid, None, "Customers may reply").await;

    // Archived: read-only for everyone.
    let (status, v) = call(
        client()
            .patch(i.url("/api/v1/spaces/news"))
            .header("authorization", bearer(&admin))
            .json(&json!({"archived": true})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["archived"], true);
    let before = i.snapshot().await;
    let (status, _) = call(
        client()
            .post(i.url(&format!("/api/v1/threads/{tid}/replies")))
            .header("authorization", bearer(&ana))
            .json(&json!({"body": "late"})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(
        client()
            .post(i.url("/api/v1/spaces/news/threads"))
            .header("authorization", bearer(&jane))
            .json(&json!({"title": "x", "body": "y"})),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(i.snapshot().await, before);
    let (_, spaces) = call(client().get(i.url("/api/v1/spaces"))).await;
    assert!(
        spaces.as_array().unwrap().is_empty(),
        "archived spaces are not listed"
    );
    let (_, spaces) = call(client().get(i.url("/api/v1/spaces?archived=true"))).await;
    assert_eq!(spaces.as_array().unwrap().len(), 1);
    assert_eq!(
        thread(&i, None, tid).await["title"],
        "Version 2 is out",
        "still readable"
    );
}

async fn lists_sort_filter_and_paginate(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("ideas", PostingMode::Open).await;
    let ana = i.api_user("ana", Role::Member).await;
    let bob = i.api_user("bob", Role::Member).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let t = ask(&i, &ana, "ideas", &format!("Idea {n}"), "body").await;
        ids.push(t["id"].as_i64().unwrap());
    }
    // Idea 1 gets two likes, idea 3 one; idea 0 gets a reply (activity) and an answer.
    for (idx, who) in [(1, &ana), (1, &bob), (3, &bob)] {
        let view = thread(&i, None, ids[idx]).await;
        let opening = view["opening"]["id"].as_i64().unwrap();
        call(
            client()
                .put(i.url(&format!("/api/v1/posts/{opening}/like")))
                .header("authorization", bearer(who)),
        )
        .await;
    }
    let r = reply(&i, &bob, ids[0], None, "Good one").await;
    call(
        client()
            .put(i.url(&format!("/api/v1/threads/{}/answer", ids[0])))
            .header("authorization", bearer(&ana))
            .json(&json!({"post_id": r["id"]})),
    )
    .await;

    let titles = |v: &Value| -> Vec<String> {
        v["threads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_string())
            .collect()
    };
    let get = |q: &str| {
        let url = i.url(&format!("/api/v1/spaces/ideas/threads{q}"));
        async move { call(client().get(url)).await.1 }
    };
    assert_eq!(
        titles(&get("").await),
        ["Idea 4", "Idea 3", "Idea 2", "Idea 1", "Idea 0"]
    );
    assert_eq!(titles(&get("?sort=active").await)[0], "Idea 0");
    let top = titles(&get("?sort=top").await);
    assert_eq!(&top[..2], ["Idea 1", "Idea 3"]);
    assert_eq!(titles(&get("?filter=answered").await), ["Idea 0"]);
    assert_eq!(titles(&get("?filter=unanswered").await).len(), 4);
    let listed = get("?sort=top").await;
    assert_eq!(listed["threads"][0]["like_count"], 2);
    assert_eq!(listed["threads"][0]["answered"], false);

    // Cursor pagination visits every thread once, in order, for each sort.
    for sort in ["new", "active", "top"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let q = match &cursor {
                Some(c) => format!("?sort={sort}&limit=2&cursor={c}"),
                None => format!("?sort={sort}&limit=2"),
            };
            let page = get(&q).await;
            seen.extend(titles(&page));
            match page["next"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        let all = titles(&get(&format!("?sort={sort}&limit=100")).await);
        assert_eq!(seen, all, "{sort}");
        assert_eq!(seen.len(), 5, "{sort}");
    }
}

async fn spaces_are_managed_by_admins(b: Backend) {
    let i = TestInstance::start(b).await;
    let admin = i.api_user("boss", Role::Admin).await;
    let staff = i.api_user("jane", Role::Staff).await;
    let c = client();
    let before = i.snapshot().await;
    let (status, _) = call(
        c.post(i.url("/api/v1/spaces"))
            .header("authorization", bearer(&staff))
            .json(&json!({"name": "support", "title": "Support"})),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(i.snapshot().await, before);
    let (status, v) = call(
        c.post(i.url("/api/v1/spaces"))
            .header("authorization", bearer(&admin))
            .json(&json!({"name": "Support", "title": "Support", "description": "Ask _us_", "posting_mode": "open"})),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["name"], "support");
    assert_eq!(v["description_html"], "<p>Ask <em>us</em></p>\n");
    // One namespace: a person's name can't become a space, nor a space's name a person.
    let before = i.snapshot().await;
    for name in ["jane", "support"] {
        let (status, v) = call(
            c.post(i.url("/api/v1/spaces"))
                .header("authorization", bearer(&admin))
                .json(&json!({"name": name, "title": "Dup"})),
        )
        .await;
        assert_eq!(status, 409, "{v}");
        assert_eq!(v["field"], "name");
    }
    let (status, _) = call(
        c.post(i.url("/api/v1/accounts"))
            .json(&json!({"name": "support", "password": "long enough"})),
    )
    .await;
    assert_eq!(status, 409);
    let (status, v) = call(
        c.post(i.url("/api/v1/spaces"))
            .header("authorization", bearer(&admin))
            .json(&json!({"name": "ideas", "title": ""})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(v["field"], "title");
    assert_eq!(i.snapshot().await, before);
    let (status, v) = call(
        c.patch(i.url("/api/v1/spaces/support"))
            .header("authorization", bearer(&admin))
            .json(&json!({"title": "Help desk", "rules": "1. Be kind", "posting_mode": "announcements"})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["posting_mode"], "announcements");
    assert!(v["rules_html"].as_str().unwrap().contains("<ol>"));
    let (status, _) = call(
        c.patch(i.url("/api/v1/spaces/support"))
            .header("authorization", bearer(&staff))
            .json(&json!({"title": "Mine"})),
    )
    .await;
    assert_eq!(status, 403);
}

async fn hostile_markdown_is_sanitised(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    let ana = i.api_user("ana", Role::Member).await;
    let body = "Hi <script>alert(1)</script> [click](javascript:alert(1)) <img src=x onerror=alert(2)> <b><i>unclosed <a href=\"https://ok.example\" onclick=\"x()\">ok</a>";
    let t = ask(&i, &ana, "support", "<script>alert('title')</script>", body).await;
    let view = thread(&i, None, t["id"].as_i64().unwrap()).await;
    let html = view["opening"]["body_html"]
        .as_str()
        .unwrap()
        .to_ascii_lowercase();
    for bad in ["<script", "javascript:", "onerror", "onclick", "<img"] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }
    assert!(html.contains("rel=\"nofollow ugc noopener\""), "{html}");
    // The title is text, stored as typed and escaped where shown.
    assert_eq!(view["title"], "<script>alert('title')</script>");
    let page = client()
        .get(i.url(view["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<script>alert"), "title escaped on the page");
    assert!(page.contains("&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;"));
}
