//! The spam score: members' posts score 0–100 from their links, repeated words, the account's
//! age, the posting rate and a filter learned from moderators' decisions; a space holds those at
//! or above its threshold (50 unless changed) for a moderator, who sees the score and why.

use hearth::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::federation::{drain, followed_by_a_peer, local_base};
use crate::harness::{Backend, TestInstance, api_call as call, browser, page_csrf, password_of};
use crate::on_both_backends;

on_both_backends!(
    link_spam_from_a_fresh_remote_account_is_held_but_a_regular_customers_reply_is_not,
    the_filter_learns_from_what_moderators_decide,
    repeated_words_are_held_and_the_threshold_is_the_spaces_to_set,
    the_score_on_the_web_queue_and_the_space_form,
);

async fn post(i: &TestInstance, token: &str, path: &str, body: Value) -> Value {
    crate::harness::api_ok(i, Method::POST, path, token, body).await
}

async fn get(i: &TestInstance, token: &str, path: &str) -> Value {
    let (status, v) = call(i, Method::GET, path, token, None).await;
    assert_eq!(status, 200, "GET {path} → {v}");
    v
}

/// Makes `name`'s account look a month old.
async fn age(i: &TestInstance, name: &'static str) {
    i.age_account(name, 30).await;
}

/// How many posts the filter has learned as spam and as not spam.
async fn learned(i: &TestInstance) -> (i64, i64) {
    i.state
        .hearth
        .db
        .run(|c| {
            use diesel::prelude::*;
            use hearth::db::schema::spam_tokens;
            Ok(spam_tokens::table
                .find("")
                .select((spam_tokens::spam, spam_tokens::ham))
                .first(c)?)
        })
        .await
        .unwrap()
}

async fn settings(i: &TestInstance, admin: &str, body: Value) -> (u16, Value) {
    call(
        i,
        Method::PATCH,
        "/api/v1/spaces/support",
        admin,
        Some(body),
    )
    .await
}

async fn link_spam_from_a_fresh_remote_account_is_held_but_a_regular_customers_reply_is_not(
    b: Backend,
) {
    let (i, peer) = followed_by_a_peer(b).await;
    let base = local_base(&i);
    let inbox = format!("{base}/inbox");
    let sam = i.api_user("sam", Role::Staff).await;
    let mo = i.api_user("mo", Role::Moderator).await;
    let carl = i.api_user("carl", Role::Member).await;
    let t = post(
        &i,
        &sam,
        "/api/v1/spaces/support/threads",
        json!({ "title": "Outage", "body": "We are on it." }),
    )
    .await;
    let tid = t["id"].as_i64().unwrap();
    let replies = format!("/api/v1/threads/{tid}/replies");
    post(&i, &carl, &replies, json!({ "body": "Any news?" })).await;
    age(&i, "carl").await;
    drain(&i).await;
    let before = peer.received().len();

    // A batch of link spam from bob, whom this server met a moment ago: all held (the newcomer
    // gate is off here; the score alone holds them), stored, never dropped.
    for n in 1..=3 {
        let note = json!({
            "id": format!("{}/statuses/spam-{n}", peer.base), "type": "Note",
            "attributedTo": peer.actor("bob"),
            "content": format!(
                "<p>Cheap watches and bags for everyone \
                 <a href=\"https://spam.example/w{n}\">https://spam.example/w{n}</a> \
                 <a href=\"https://spam.example/b{n}\">https://spam.example/b{n}</a></p>"
            ),
            "inReplyTo": format!("{base}/s/support/t/{tid}"),
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [format!("{base}/s/support")],
        });
        let create = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": peer.activity_id(&format!("spam-{n}")), "type": "Create",
            "actor": peer.actor("bob"), "object": note,
        });
        assert_eq!(peer.post_signed(&inbox, &create).await, 202);
    }
    // The regular's reply, with a link, is not held; it scores, and only moderators see that.
    let normal = post(
        &i,
        &carl,
        &replies,
        json!({ "body": "Back up for me, see https://status.example" }),
    )
    .await;
    assert_eq!(normal["held"], false, "{normal}");
    assert_eq!(
        normal["spam"],
        Value::Null,
        "its author is not shown a score"
    );

    let queue = get(&i, &mo, "/api/v1/held").await;
    let queue = queue.as_array().unwrap().clone();
    assert_eq!(queue.len(), 3, "{queue:?}");
    assert_eq!(
        queue[0]["reason"],
        "spam score 55 (this space holds from 50): 2 links (+20); mostly links (+20); \
         first seen here less than a day ago (+15)"
    );
    assert_eq!(queue[0]["spam_score"], 55);
    assert_eq!(queue[1]["spam_score"], 85, "{:?}", queue[1]);
    assert!(
        queue[1]["spam_why"]
            .as_str()
            .unwrap()
            .contains("the same words as 1 earlier post of theirs (+30)"),
        "{:?}",
        queue[1]
    );
    assert_eq!(queue[2]["spam_score"], 100, "{:?}", queue[2]);

    // Nobody else sees them; carl's reply is there, with its score for moderators only.
    let thread = get(&i, &carl, &format!("/api/v1/threads/{tid}")).await;
    let shown: Vec<&str> = thread["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        shown,
        ["Any news?", "Back up for me, see https://status.example"]
    );
    assert!(
        thread["replies"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["spam"].is_null())
    );
    let thread = get(&i, &mo, &format!("/api/v1/threads/{tid}")).await;
    let last = thread["replies"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        last["spam"],
        json!({ "score": 30, "why": "a link (+10); mostly links (+20)" }),
        "{last}"
    );
    assert_eq!(
        thread["opening"]["spam"],
        Value::Null,
        "staff are not scored"
    );

    // Only carl's reply went out to the follower, none of bob's.
    drain(&i).await;
    let out: Vec<String> = peer.received()[before..]
        .iter()
        .map(|r| r.body.to_string())
        .collect();
    assert!(out.iter().any(|b| b.contains("status.example")), "{out:?}");
    assert!(!out.iter().any(|b| b.contains("spam.example")), "{out:?}");

    // Turned down as spam: the filter learns them.
    for p in &queue {
        let (status, v) = call(
            &i,
            Method::POST,
            &format!("/api/v1/posts/{}/reject", p["id"]),
            &mo,
            Some(json!({ "reason": "Spam", "spam": true })),
        )
        .await;
        assert_eq!(status, 204, "{v}");
    }
    assert_eq!(learned(&i).await, (3, 0));
    assert!(
        get(&i, &mo, "/api/v1/held")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
    i.stop().await;
}

async fn the_filter_learns_from_what_moderators_decide(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", hearth::domain::PostingMode::Open)
        .await;
    let ada = i.api_user("ada", Role::Admin).await;
    let mo = i.api_user("mo", Role::Moderator).await;
    let old = i.api_user("olga", Role::Member).await;
    let t = post(
        &i,
        &ada,
        "/api/v1/spaces/support/threads",
        json!({ "title": "Router drops wifi", "body": "Tell us what you see." }),
    )
    .await;
    let replies = format!("/api/v1/threads/{}/replies", t["id"]);

    // Newcomers' posts wait (the gate), and moderators judge them: three spam, three fine.
    let (status, v) = settings(&i, &ada, json!({ "newcomer_posts": 5 })).await;
    assert_eq!(status, 200, "{v}");
    let spam = [
        "Crypto giveaway: double your bitcoin today",
        "Bitcoin giveaway, double your crypto now",
        "Double your crypto with our bitcoin giveaway",
    ];
    let fine = [
        "My router drops the wifi every evening",
        "The wifi on my router drops after the update",
        "Since the update my router keeps dropping wifi",
    ];
    let mut held = Vec::new();
    for (n, body) in spam.iter().chain(fine.iter()).enumerate() {
        let who: &'static str = ["n1", "n2", "n3", "n4", "n5", "n6"][n];
        let token = i.api_user(who, Role::Member).await;
        let p = post(&i, &token, &replies, json!({ "body": body })).await;
        assert_eq!(p["held"], true, "{p}");
        held.push(p["id"].as_i64().unwrap());
    }
    assert_eq!(learned(&i).await, (0, 0));
    for id in &held[..3] {
        let (status, _) = call(
            &i,
            Method::POST,
            &format!("/api/v1/posts/{id}/reject"),
            &mo,
            Some(json!({ "reason": "Spam", "spam": true })),
        )
        .await;
        assert_eq!(status, 204);
    }
    for id in &held[3..] {
        let (status, _) = call(
            &i,
            Method::POST,
            &format!("/api/v1/posts/{id}/approve"),
            &mo,
            None,
        )
        .await;
        assert_eq!(status, 204);
    }
    assert_eq!(learned(&i).await, (3, 3));
    let (status, _) = settings(&i, &ada, json!({ "newcomer_posts": 0 })).await;
    assert_eq!(status, 200);

    // A month-old account, no links, nothing repeated: only the filter can tell.
    age(&i, "olga").await;
    let p = post(
        &i,
        &old,
        &replies,
        json!({ "body": "Bitcoin giveaway! Double your crypto" }),
    )
    .await;
    assert_eq!(p["held"], true, "{p}");
    let reason = p["held_reason"].as_str().unwrap();
    assert!(
        reason.starts_with("spam score 50 (this space holds from 50): reads like what moderators judged spam (1.00) (+50)"),
        "{reason}"
    );
    let p = post(
        &i,
        &old,
        &replies,
        json!({ "body": "My router drops the wifi again" }),
    )
    .await;
    assert_eq!(p["held"], false, "{p}");

    // A post removed as spam from a report is learned; restoring it takes that back, and it
    // counts as fine instead.
    let fine_post = p["id"].as_i64().unwrap();
    let (status, report) = call(
        &i,
        Method::POST,
        "/api/v1/reports",
        &ada,
        Some(json!({ "post_id": fine_post, "reason": "looks like spam" })),
    )
    .await;
    assert_eq!(status, 201, "{report}");
    let resolved = post(
        &i,
        &mo,
        &format!("/api/v1/reports/{}/resolve", report["id"]),
        json!({ "note": "Spam", "action": "remove_spam" }),
    )
    .await;
    assert!(resolved["resolved_at"].is_string(), "{resolved}");
    assert_eq!(learned(&i).await, (4, 3));
    post(
        &i,
        &mo,
        &format!("/api/v1/posts/{fine_post}/restore"),
        json!({ "reason": "Not spam after all" }),
    )
    .await;
    assert_eq!(learned(&i).await, (3, 4));
    // Restoring or removing again without "spam" teaches nothing more.
    post(
        &i,
        &mo,
        &format!("/api/v1/posts/{fine_post}/removal"),
        json!({ "reason": "Off topic" }),
    )
    .await;
    assert_eq!(learned(&i).await, (3, 4));
    i.stop().await;
}

async fn repeated_words_are_held_and_the_threshold_is_the_spaces_to_set(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", hearth::domain::PostingMode::Open)
        .await;
    let ada = i.api_user("ada", Role::Admin).await;
    let ana = i.api_user("ana", Role::Member).await;
    let mo = i.api_user("mo", Role::Moderator).await;

    // The threshold is checked, and a bad value changes nothing.
    for bad in [json!(101), json!(-1), json!("high")] {
        let before = i.snapshot().await;
        let (status, v) = settings(&i, &ada, json!({ "spam_threshold": bad })).await;
        assert!(status == 400 || status == 422, "{bad} → {status} {v}");
        assert_eq!(i.snapshot().await, before);
    }
    let (status, v) = settings(&i, &ana, json!({ "spam_threshold": 10 })).await;
    assert_eq!(status, 403, "{v}");
    let space = get(&i, &ana, "/api/v1/spaces/support").await;
    assert_eq!(space["spam_threshold"], 50);

    // The same words in new threads, one after another, from an account made today.
    let words = "Visit our store for the best prices on printer ink";
    let mut held = Vec::new();
    for n in 1..=3 {
        let t = post(
            &i,
            &ana,
            "/api/v1/spaces/support/threads",
            json!({ "title": format!("Ink {n}"), "body": words }),
        )
        .await;
        held.push(t["held"].as_bool().unwrap());
    }
    // 15 (a day old); 15 + 30 (once before); 15 + 45 (twice before).
    assert_eq!(held, [false, false, true]);
    let queue = get(&i, &mo, "/api/v1/held").await;
    assert_eq!(queue[0]["spam_score"], 60, "{queue}");
    assert!(queue[0]["opening"].as_bool().unwrap());
    // A held question is not listed for others.
    let carl = i.api_user("carl", Role::Member).await;
    let list = get(&i, &carl, "/api/v1/spaces/support/threads").await;
    let titles: Vec<&str> = list["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Ink 2", "Ink 1"], "{list}");

    // Short words said often ("Thanks!") are not compared.
    let t = post(
        &i,
        &ada,
        "/api/v1/spaces/support/threads",
        json!({ "title": "Thanks", "body": "Say thanks here." }),
    )
    .await;
    let replies = format!("/api/v1/threads/{}/replies", t["id"]);
    for _ in 0..3 {
        let r = post(&i, &ana, &replies, json!({ "body": "Thank you so much!" })).await;
        assert_eq!(r["held"], false, "{r}");
    }

    // 0: the score holds nothing here (it is still recorded for moderators).
    let (status, v) = settings(&i, &ada, json!({ "spam_threshold": 0 })).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["spam_threshold"], 0);
    let t = post(
        &i,
        &ana,
        "/api/v1/spaces/support/threads",
        json!({ "title": "Ink 4", "body": words }),
    )
    .await;
    assert_eq!(t["held"], false, "{t}");
    let view = get(&i, &mo, &format!("/api/v1/threads/{}", t["id"])).await;
    assert!(
        view["opening"]["spam"]["score"].as_i64().unwrap() >= 50,
        "{view}"
    );
    i.stop().await;
}

async fn the_score_on_the_web_queue_and_the_space_form(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", hearth::domain::PostingMode::Open)
        .await;
    let ana = i.api_user("ana", Role::Member).await;
    i.api_user("mo", Role::Moderator).await;
    i.api_user("ada", Role::Admin).await;
    let t = post(
        &i,
        &ana,
        "/api/v1/spaces/support/threads",
        json!({
            "title": "Deals",
            "body": "Deals: https://a.example https://b.example https://c.example",
        }),
    )
    .await;
    assert_eq!(t["held"], true, "{t}");

    // The moderator sees the score and why, and turns it down as spam.
    let web = browser();
    i.sign_in(&web, "mo", &password_of("mo")).await;
    let page = web
        .get(i.url("/moderation"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Spam score 65: 3 links (+30); mostly links (+20); account created less than a day ago (+15)"),
        "{page}"
    );
    // The navigation tells moderators something waits (one held post, no report).
    assert!(
        page.contains("Moderation <span class=\"badge unread\">1<span class=\"visually-hidden\"> waiting</span>"),
        "{page}"
    );
    let post_id = get(&i, &ana, &format!("/api/v1/threads/{}", t["id"])).await["opening"]["id"]
        .as_i64()
        .unwrap();
    let csrf = page_csrf(&web, &i.url("/moderation")).await;
    let resp = web
        .post(i.url(&format!("/moderation/posts/{post_id}/reject")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("reason", "Link spam"),
            ("spam", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(learned(&i).await, (1, 0));
    let page = web
        .get(i.url("/moderation"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<a href=\"/moderation\">Moderation</a>"),
        "nothing waits now: {page}"
    );

    // The admin sets the threshold on the space's page; a bad value is refused next to the
    // field and changes nothing.
    let admin = browser();
    i.sign_in(&admin, "ada", &password_of("ada")).await;
    let form = |threshold: &'static str, csrf: String| {
        vec![
            ("csrf", csrf),
            ("title", "Support".to_string()),
            ("description", String::new()),
            ("rules", String::new()),
            ("posting_mode", "open".to_string()),
            ("response_target_hours", "24".to_string()),
            ("newcomer_posts", "0".to_string()),
            ("spam_threshold", threshold.to_string()),
        ]
    };
    let before = i.snapshot().await;
    let csrf = page_csrf(&admin, &i.url("/admin/spaces/support")).await;
    let resp = admin
        .post(i.url("/admin/spaces/support"))
        .form(&form("lots", csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("the spam threshold is a score from 1 to 100"),
        "{body}"
    );
    assert_eq!(i.snapshot().await, before);
    let csrf = page_csrf(&admin, &i.url("/admin/spaces/support")).await;
    let resp = admin
        .post(i.url("/admin/spaces/support"))
        .form(&form("70", csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(
        get(&i, &ana, "/api/v1/spaces/support").await["spam_threshold"],
        70
    );
    i.stop().await;
}
