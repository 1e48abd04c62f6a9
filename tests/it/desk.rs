//! The listening desk: every thread waiting for a staff response, in the order people started
//! waiting — a remote customer with no followers who asked first is first — with assignment,
//! "mark answered", per-space targets, and threads coming back when the customer writes again
//! (also from another server). Staff only, through every door.

use hearth::domain::{PostingMode, Role};
use reqwest::Method;
use serde_json::{Value, json};

use crate::federation::drain;
use crate::harness::{Backend, TestInstance, api_call as call, browser, page_csrf, page_text};
use crate::on_both_backends;
use crate::peer::Peer;

on_both_backends!(
    the_desk_is_in_waiting_order_and_follows_the_conversation,
    the_desk_page,
    figures_from_a_known_dataset
);

/// The instance's own domain (`localhost:<port>`), as other servers address it.
fn base(i: &TestInstance) -> String {
    i.base.replace("127.0.0.1", "localhost")
}

async fn ask(i: &TestInstance, token: &str, space: &str, title: &str) -> i64 {
    let (status, t) = call(
        i,
        Method::POST,
        &format!("/api/v1/spaces/{space}/threads"),
        token,
        Some(json!({ "title": title, "body": "Details inside." })),
    )
    .await;
    assert_eq!(status, 201, "{t}");
    t["id"].as_i64().unwrap()
}

async fn reply(i: &TestInstance, token: &str, thread: i64, body: &str) -> Value {
    let (status, p) = call(
        i,
        Method::POST,
        &format!("/api/v1/threads/{thread}/replies"),
        token,
        Some(json!({ "body": body })),
    )
    .await;
    assert_eq!(status, 201, "{p}");
    p
}

async fn desk(i: &TestInstance, token: &str, query: &str) -> Value {
    let (status, d) = call(i, Method::GET, &format!("/api/v1/desk{query}"), token, None).await;
    assert_eq!(status, 200, "{d}");
    d
}

fn titles(d: &Value) -> Vec<String> {
    d["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|it| it["thread"]["title"].as_str().unwrap().to_string())
        .collect()
}

/// Ages a thread's wait by `hours` (the desk's clock is the database's; tests cannot wait).
async fn age(i: &TestInstance, thread: i64, hours: i64) {
    use diesel::prelude::*;
    use hearth::db::schema::threads;
    i.state
        .hearth
        .db
        .run(move |c| {
            let t = hearth::db::threads::find(c, thread)?.unwrap();
            let since = t.waiting_since.unwrap() - chrono::Duration::hours(hours);
            diesel::update(threads::table.find(thread))
                .set(threads::waiting_since.eq(since))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn the_desk_is_in_waiting_order_and_follows_the_conversation(b: Backend) {
    let i = TestInstance::start_with(b, &[("FEDERATION_INSECURE", "true")]).await;
    i.create_space("support", PostingMode::Open).await;
    i.create_space("ideas", PostingMode::Open).await;
    let jane = i.api_user("jane", Role::Staff).await;
    let kim = i.api_user("kim", Role::Admin).await;
    let lena = i.api_user("lena", Role::Member).await;
    let omar = i.api_user("omar", Role::Member).await;
    let mo = i.api_user("mo", Role::Moderator).await;

    // bob, alone on his own small server, asks first by mentioning the space.
    let peer = Peer::start().await;
    let base = base(&i);
    let question = format!("{}/statuses/1", peer.base);
    let create = json!({
        "id": peer.activity_id("q"), "type": "Create", "actor": peer.actor("bob"),
        "object": {
            "id": question, "type": "Note", "attributedTo": peer.actor("bob"),
            "content": "<p>@support my order never arrived</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{base}/s/support")],
            "tag": [{"type": "Mention", "href": format!("{base}/s/support")}],
        }
    });
    assert_eq!(
        peer.post_signed(&format!("{base}/inbox"), &create).await,
        202
    );
    // lena, a local regular whose thread collects likes, asks after him; then omar elsewhere.
    let lena_t = ask(&i, &lena, "support", "Invoice address wrong").await;
    for n in 0..4 {
        let fan = i.api_user(&format!("fan{n}"), Role::Member).await;
        let (_, t) = call(
            &i,
            Method::GET,
            &format!("/api/v1/threads/{lena_t}"),
            &fan,
            None,
        )
        .await;
        let opening = t["opening"]["id"].as_i64().unwrap();
        let (s, _) = call(
            &i,
            Method::PUT,
            &format!("/api/v1/posts/{opening}/like"),
            &fan,
            None,
        )
        .await;
        assert_eq!(s, 200);
    }
    let omar_t = ask(&i, &omar, "ideas", "Dark mode please").await;
    // Staff's own announcements do not wait for staff.
    ask(&i, &jane, "support", "Maintenance on Sunday").await;

    let d = desk(&i, &jane, "").await;
    let bob_title = titles(&d)[0].clone();
    assert!(bob_title.contains("my order never arrived"), "{d}");
    assert_eq!(
        titles(&d)[1..],
        ["Invoice address wrong", "Dark mode please"],
        "the remote customer with no followers asked first and is first: {d}"
    );
    assert_eq!(d["waiting"], 3);
    assert_eq!(d["overdue"], 0);
    let first = &d["items"][0];
    assert_eq!(first["thread"]["author"]["home"], peer.domain);
    assert_eq!(first["follow_up"], false);
    assert_eq!(first["overdue"], false);
    assert_eq!(first["target_minutes"], 1440);
    assert!(first["assignee"].is_null());
    assert!(
        !d.to_string().contains("follower"),
        "nothing about followers on the desk: {d}"
    );
    let bob_t = first["thread"]["id"].as_i64().unwrap();

    // Staff only, through every door; refused requests change nothing.
    let before = i.snapshot().await;
    for token in [&lena, &mo] {
        let (s, _) = call(&i, Method::GET, "/api/v1/desk", token, None).await;
        assert_eq!(s, 403);
        let (s, _) = call(
            &i,
            Method::PUT,
            &format!("/api/v1/desk/threads/{lena_t}/assignee"),
            token,
            Some(json!({})),
        )
        .await;
        assert_eq!(s, 403);
        let (s, _) = call(
            &i,
            Method::POST,
            &format!("/api/v1/desk/threads/{lena_t}/answered"),
            token,
            None,
        )
        .await;
        assert_eq!(s, 403);
    }
    let (s, _) = call(&i, Method::GET, "/api/v1/desk", "", None).await;
    assert_eq!(s, 401);
    for (path, body, status) in [
        (
            format!("/api/v1/desk/threads/{lena_t}/assignee"),
            json!({ "assignee": "lena" }),
            400,
        ),
        (
            format!("/api/v1/desk/threads/{lena_t}/assignee"),
            json!({ "assignee": "nobody-here" }),
            400,
        ),
        (
            "/api/v1/desk/threads/999999/assignee".to_string(),
            json!({}),
            404,
        ),
    ] {
        let (s, e) = call(&i, Method::PUT, &path, &jane, Some(body)).await;
        assert_eq!(s, status, "{path} {e}");
    }
    for q in ["?space=nowhere", "?assignee=lena", "?cursor=garbage"] {
        let (s, e) = call(&i, Method::GET, &format!("/api/v1/desk{q}"), &jane, None).await;
        assert!(s == 400 || s == 404, "{q}: {s} {e}");
    }
    assert_eq!(i.snapshot().await, before);

    // Filters.
    assert_eq!(
        titles(&desk(&i, &jane, "?space=ideas").await),
        ["Dark mode please"]
    );
    // "I'll take this", then hand over and release.
    let (s, st) = call(
        &i,
        Method::PUT,
        &format!("/api/v1/desk/threads/{lena_t}/assignee"),
        &jane,
        Some(json!({})),
    )
    .await;
    assert_eq!(s, 200, "{st}");
    assert_eq!(st["assignee"]["name"], "jane");
    assert_eq!(
        titles(&desk(&i, &jane, "?assignee=me").await),
        ["Invoice address wrong"]
    );
    assert_eq!(desk(&i, &jane, "?assignee=none").await["waiting"], 2);
    let seen_by_kim = desk(&i, &kim, "").await;
    assert_eq!(
        seen_by_kim["items"][1]["assignee"]["name"], "jane",
        "other staff see who took it"
    );
    let (s, _) = call(
        &i,
        Method::PUT,
        &format!("/api/v1/desk/threads/{lena_t}/assignee"),
        &jane,
        Some(json!({ "assignee": "kim" })),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        titles(&desk(&i, &jane, "?assignee=kim").await),
        ["Invoice address wrong"]
    );
    let (s, st) = call(
        &i,
        Method::DELETE,
        &format!("/api/v1/desk/threads/{lena_t}/assignee"),
        &kim,
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert!(st["assignee"].is_null());

    // Pages: a small limit gives a cursor that continues in the same order.
    let p1 = desk(&i, &jane, "?limit=2").await;
    assert_eq!(p1["items"].as_array().unwrap().len(), 2);
    let next = p1["next"].as_str().unwrap().to_string();
    assert_eq!(
        titles(&desk(&i, &jane, &format!("?limit=2&cursor={next}")).await),
        ["Dark mode please"]
    );

    // A staff reply answers bob: his thread leaves the desk…
    let answer = reply(&i, &jane, bob_t, "Sorry! It ships again today.").await;
    assert_eq!(
        titles(&desk(&i, &jane, "").await),
        ["Invoice address wrong", "Dark mode please"]
    );
    drain(&i).await;
    let sent = peer
        .received()
        .into_iter()
        .map(|r| r.body)
        .find(|b| b["type"] == "Create")
        .expect("the staff reply went to bob's server");
    let answer_ap = sent["object"]["id"].as_str().unwrap().to_string();
    assert!(
        answer_ap.ends_with(&answer["id"].to_string()),
        "{answer_ap}"
    );
    // …and comes back, at the end of the line, when he writes again from his server.
    let again = json!({
        "id": peer.activity_id("again"), "type": "Create", "actor": peer.actor("bob"),
        "object": {
            "id": format!("{}/statuses/2", peer.base), "type": "Note",
            "attributedTo": peer.actor("bob"), "inReplyTo": answer_ap,
            "content": "<p>It still has not arrived.</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{base}/u/jane")],
        }
    });
    assert_eq!(
        peer.post_signed(&format!("{base}/inbox"), &again).await,
        202
    );
    let d = desk(&i, &jane, "").await;
    assert_eq!(
        titles(&d)[..2],
        ["Invoice address wrong", "Dark mode please"]
    );
    assert_eq!(titles(&d)[2], bob_title);
    assert_eq!(d["items"][2]["follow_up"], true);

    // Mark answered: gone, twice is harmless; the customer writing again brings it back.
    for _ in 0..2 {
        let (s, st) = call(
            &i,
            Method::POST,
            &format!("/api/v1/desk/threads/{omar_t}/answered"),
            &jane,
            None,
        )
        .await;
        assert_eq!(s, 200);
        assert!(st["waiting_since"].is_null());
    }
    assert_eq!(desk(&i, &jane, "?space=ideas").await["waiting"], 0);
    reply(&i, &omar, omar_t, "Any news?").await;
    let d = desk(&i, &jane, "?space=ideas").await;
    assert_eq!(titles(&d), ["Dark mode please"]);
    assert_eq!(d["items"][0]["follow_up"], false, "no staff reply yet");

    // The customer accepting an answer settles it too, even after a "thank you" reply.
    let staff_answer = reply(&i, &jane, omar_t, "It is on the roadmap for May.").await;
    reply(&i, &omar, omar_t, "Thanks!").await;
    assert_eq!(
        desk(&i, &jane, "?space=ideas").await["items"][0]["follow_up"],
        true
    );
    let (s, _) = call(
        &i,
        Method::PUT,
        &format!("/api/v1/threads/{omar_t}/answer"),
        &omar,
        Some(json!({ "post_id": staff_answer["id"] })),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(desk(&i, &jane, "?space=ideas").await["waiting"], 0);

    // Past the space's target: highlighted and counted. An admin can set the target.
    age(&i, lena_t, 25).await;
    let d = desk(&i, &jane, "?space=support").await;
    assert_eq!(d["overdue"], 1);
    assert_eq!(d["items"][0]["overdue"], true);
    assert_eq!(d["items"][0]["waiting"], "25 h");
    let (s, sp) = call(
        &i,
        Method::PATCH,
        "/api/v1/spaces/support",
        &kim,
        Some(json!({ "response_target_minutes": 3000 })),
    )
    .await;
    assert_eq!(s, 200, "{sp}");
    assert_eq!(sp["response_target_minutes"], 3000);
    assert_eq!(desk(&i, &jane, "?space=support").await["overdue"], 0);
    for bad in [json!(-1), json!(30 * 24 * 60 + 1)] {
        let (s, _) = call(
            &i,
            Method::PATCH,
            "/api/v1/spaces/support",
            &kim,
            Some(json!({ "response_target_minutes": bad })),
        )
        .await;
        assert_eq!(s, 400);
    }
    let (s, _) = call(
        &i,
        Method::PATCH,
        "/api/v1/spaces/support",
        &jane,
        Some(json!({ "response_target_minutes": 5 })),
    )
    .await;
    assert_eq!(s, 403, "staff are not admins");

    // A thread whose author deleted it leaves the desk.
    let (_, t) = call(
        &i,
        Method::GET,
        &format!("/api/v1/threads/{lena_t}"),
        &lena,
        None,
    )
    .await;
    let opening = t["opening"]["id"].as_i64().unwrap();
    let (s, _) = call(
        &i,
        Method::DELETE,
        &format!("/api/v1/posts/{opening}"),
        &lena,
        None,
    )
    .await;
    assert_eq!(s, 204);
    let d = desk(&i, &jane, "?space=support").await;
    assert_eq!(d["waiting"], 1);
    assert_eq!(titles(&d), [bob_title]);
}

async fn the_desk_page(b: Backend) {
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    i.create_user("jane", Role::Staff).await;
    i.create_user("kim", Role::Staff).await;
    i.create_user("lena", Role::Member).await;
    let lena = i
        .api_login("lena", &crate::harness::password_of("lena"))
        .await;
    let t = ask(&i, &lena, "support", "Where is my parcel?").await;

    // A member is refused.
    let member = browser();
    i.sign_in(&member, "lena", &crate::harness::password_of("lena"))
        .await;
    let resp = member.get(i.url("/desk")).send().await.unwrap();
    assert_eq!(resp.status(), 403);

    let staff = browser();
    i.sign_in(&staff, "jane", &crate::harness::password_of("jane"))
        .await;
    let home = page_text(&staff, &i.url("/")).await;
    assert!(home.contains(r#"href="/desk""#), "staff see the desk link");
    let page = staff.get(i.url("/desk")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Where is my parcel?"), "{html}");
    assert!(html.contains("waiting less than a minute"));
    assert!(html.contains("Nobody has taken this yet."));

    // Staff see the thread's place on the desk on its page too; its author does not.
    let thread_url = i.url(&format!("/s/support/t/{t}-where-is-my-parcel"));
    let seen = page_text(&staff, &thread_url).await;
    assert!(
        seen.contains("Waiting for staff: less than a minute"),
        "{seen}"
    );
    assert!(seen.contains("nobody has taken it"));
    let seen = page_text(&member, &thread_url).await;
    assert!(!seen.contains("Listening desk"));

    // "I'll take this" with the page's CSRF token; without it nothing changes.
    let before = i.snapshot().await;
    let resp = staff
        .post(i.url(&format!("/desk/threads/{t}/assign")))
        .form(&[("assignee", "jane"), ("back", "/desk")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(i.snapshot().await, before);
    let csrf = page_csrf(&staff, &i.url("/desk")).await;
    let resp = staff
        .post(i.url(&format!("/desk/threads/{t}/assign")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("assignee", "jane"),
            ("back", "/desk"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/desk");
    let html = page_text(&staff, &i.url("/desk?assignee=me")).await;
    assert!(
        html.contains("Taken by <strong>jane</strong> (you)"),
        "{html}"
    );

    // Mark answered from the page: the desk is empty.
    let resp = staff
        .post(i.url(&format!("/desk/threads/{t}/answered")))
        .form(&[("csrf", csrf.as_str()), ("back", "https://evil.example/")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/desk", "never sent off-site");
    let html = page_text(&staff, &i.url("/desk")).await;
    assert!(html.contains("Nobody is waiting."), "{html}");
}

/// Puts a thread's times where the fixture needs them.
async fn set_times(
    i: &TestInstance,
    thread: i64,
    created: chrono::NaiveDateTime,
    first_staff_reply: Option<chrono::NaiveDateTime>,
    waiting_since: Option<chrono::NaiveDateTime>,
) {
    use diesel::prelude::*;
    use hearth::db::schema::threads;
    i.state
        .hearth
        .db
        .run(move |c| {
            diesel::update(threads::table.find(thread))
                .set((
                    threads::created_at.eq(created),
                    threads::first_staff_reply_at.eq(first_staff_reply),
                    threads::waiting_since.eq(waiting_since),
                ))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn figures_from_a_known_dataset(b: Backend) {
    use chrono::{Datelike, Duration};
    let i = TestInstance::start(b).await;
    i.create_space("support", PostingMode::Open).await;
    i.create_space("ideas", PostingMode::Open).await;
    let jane = i.api_user("jane", Role::Staff).await;
    let ana = i.api_user("ana", Role::Member).await;
    let ben = i.api_user("ben", Role::Member).await;
    let cy = i.api_user("cy", Role::Member).await;
    let t1 = ask(&i, &ana, "support", "One").await;
    let t2 = ask(&i, &ana, "support", "Two").await;
    let t3 = ask(&i, &ben, "support", "Three").await;
    let t4 = ask(&i, &cy, "ideas", "Four").await;
    let gone = ask(&i, &cy, "ideas", "Deleted later").await;
    ask(&i, &jane, "support", "Staff announcement").await;
    for t in [t1, t2, t4] {
        reply(&i, &jane, t, "Here is how.").await;
    }
    let (_, g) = call(
        &i,
        Method::GET,
        &format!("/api/v1/threads/{gone}"),
        &cy,
        None,
    )
    .await;
    let (s, _) = call(
        &i,
        Method::DELETE,
        &format!("/api/v1/posts/{}", g["opening"]["id"]),
        &cy,
        None,
    )
    .await;
    assert_eq!(s, 204);

    // Last week: ana asked twice (answered after 1 h and 3 h), ben once (never answered, still
    // waiting: past the day's target). This week: cy, answered after 30 min.
    let today = chrono::Utc::now().date_naive();
    let monday = (today - Duration::days(i64::from(today.weekday().num_days_from_monday())))
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let last = monday - Duration::days(7);
    let h = Duration::hours;
    set_times(&i, t1, last + h(9), Some(last + h(10)), None).await;
    set_times(&i, t2, last + h(33), Some(last + h(36)), None).await;
    set_times(&i, t3, last + h(57), None, Some(last + h(57))).await;
    set_times(&i, t4, monday, Some(monday + Duration::minutes(30)), None).await;

    let (s, m) = call(&i, Method::GET, "/api/v1/desk/metrics?weeks=2", &jane, None).await;
    assert_eq!(s, 200, "{m}");
    assert!(m["space"].is_null());
    let weeks = m["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 2);
    assert_eq!(weeks[0]["week"], last.date().to_string());
    assert_eq!(
        weeks[0]["asked"], 3,
        "the staff announcement and the deleted thread do not count"
    );
    assert_eq!(weeks[0]["answered_by_staff"], 2);
    assert!((weeks[0]["share_answered"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(weeks[0]["median_first_response_seconds"], 2 * 3600);
    assert_eq!(weeks[0]["p90_first_response_seconds"], 3 * 3600);
    assert_eq!(weeks[0]["waiting_over_target"], 1);
    assert_eq!(weeks[0]["people_helped"], 1, "ana, twice");
    assert_eq!(weeks[1]["week"], monday.date().to_string());
    assert_eq!(weeks[1]["asked"], 1);
    assert_eq!(weeks[1]["median_first_response_seconds"], 1800);
    assert_eq!(weeks[1]["p90_first_response_seconds"], 1800);
    assert_eq!(weeks[1]["people_helped"], 1);

    // One space; the default twelve weeks.
    let (_, m) = call(
        &i,
        Method::GET,
        "/api/v1/desk/metrics?space=support",
        &jane,
        None,
    )
    .await;
    let weeks = m["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 12);
    assert_eq!(m["space"], "support");
    assert_eq!(weeks[11]["asked"], 0);
    assert_eq!(weeks[10]["asked"], 3);
    assert_eq!(weeks[9]["asked"], 0);

    // Refused.
    for (q, token, status) in [
        ("?weeks=0", &jane, 400),
        ("?weeks=105", &jane, 400),
        ("?space=nowhere", &jane, 404),
        ("", &ana, 403),
    ] {
        let (s, e) = call(
            &i,
            Method::GET,
            &format!("/api/v1/desk/metrics{q}"),
            token,
            None,
        )
        .await;
        assert_eq!(s, status, "{q} {e}");
    }

    // The page: charts drawn here, the numbers beside them, and the CSV.
    i.create_user("kim", Role::Admin).await;
    let staff = browser();
    i.sign_in(&staff, "kim", &crate::harness::password_of("kim"))
        .await;
    let html = page_text(&staff, &i.url("/desk/metrics")).await;
    assert!(html.contains("<svg"), "{html}");
    assert!(html.contains(&format!("<title>asked {}: 3</title>", last.date())));
    assert!(html.contains("67 %"));
    assert!(html.contains("<td>2 h</td><td>3 h</td>"), "{html}");
    let resp = staff
        .get(i.url("/desk/metrics.csv?space=ideas"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("hearth-desk-ideas.csv")
    );
    let csv = resp.text().await.unwrap();
    assert_eq!(csv.lines().count(), 13);
    assert_eq!(
        csv.lines().last().unwrap(),
        format!("{},1,1,1.000,1800,1800,0,1", monday.date())
    );
    let member = browser();
    i.sign_in(&member, "ana", &crate::harness::password_of("ana"))
        .await;
    let resp = member.get(i.url("/desk/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), 403);
}
