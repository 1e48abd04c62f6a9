//! Staff as verifiable people across instances: a brand's staff carry their claim on their actor
//! (a profile field Mastodon shows, `staffOf` + `staffTitle`), the brand's Groups list them in a
//! `staff` collection, and another Hearth shows "Verified staff of <brand>" only after checking
//! exactly that. A claim from another server is not shown; removing the role removes the badge
//! on the other instance too (federated `Update`), without touching what they wrote.

use hearth::domain::{PostingMode, Role};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Backend, TestInstance, api_call as api, client};
use crate::instances::{domain, get, settle, start};
use crate::on_both_backends;
use crate::peer::Peer;

on_both_backends!(staff_badges_are_verified_across_instances);

const AP: &str = "application/activity+json";

async fn ap_get(url: &str) -> Value {
    let resp = client().get(url).header("accept", AP).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{url}");
    resp.json().await.unwrap()
}

/// The opening post's author of the thread titled `title` in `space` on `i`.
async fn author_of(i: &TestInstance, space: &str, title: &str) -> Value {
    let list = get(i, &format!("/api/v1/spaces/{space}/threads")).await;
    let t = list["threads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"] == title)
        .unwrap_or_else(|| panic!("no thread {title:?} in {list}"))
        .clone();
    get(i, &format!("/api/v1/threads/{}", t["id"])).await["opening"]["author"].clone()
}

async fn staff_badges_are_verified_across_instances(b: Backend) {
    let (a, bb) = (start(b).await, start(b).await);
    a.create_space("support", PostingMode::Open).await;
    bb.create_space("help", PostingMode::Open).await;
    let jane = a.api_user("jane", Role::Staff).await;
    let kim = a.api_user("kim", Role::Admin).await;
    let (status, _) = api(
        &a,
        Method::PATCH,
        "/api/v1/accounts/me",
        &jane,
        Some(json!({ "display_name": "Jane Doe", "title": "Support Lead" })),
    )
    .await;
    assert_eq!(status, 200);
    let alice = bb.api_user("alice", Role::Member).await;
    let (a_dom, a_base) = (domain(&a), format!("http://{}", domain(&a)));
    let b_base = format!("http://{}", domain(&bb));

    // What A publishes: the claim on the person, the list on the Group.
    let person = ap_get(&format!("{a_base}/u/jane")).await;
    assert_eq!(person["attachment"][0]["type"], "PropertyValue");
    assert_eq!(person["attachment"][0]["name"], "Staff");
    assert_eq!(
        person["attachment"][0]["value"], "Hearth · Support Lead",
        "{person}"
    );
    assert_eq!(person["staffTitle"], "Support Lead");
    assert_eq!(person["staffOf"], json!([format!("{a_base}/s/support")]));
    let group = ap_get(&format!("{a_base}/s/support")).await;
    assert_eq!(group["staff"], format!("{a_base}/s/support/staff"));
    let staff = ap_get(&format!("{a_base}/s/support/staff")).await;
    assert_eq!(
        staff["orderedItems"],
        json!([format!("{a_base}/u/jane"), format!("{a_base}/u/kim")])
    );
    a.create_user("max", Role::Member).await;
    let plain = ap_get(&format!("{a_base}/u/max")).await;
    assert!(plain.get("staffOf").is_none() && plain.get("attachment").is_none());

    // Alice on B follows A's space; jane starts a thread there.
    let remote = format!("support@{a_dom}");
    let (status, _) = api(
        &bb,
        Method::POST,
        "/api/v1/remote-spaces",
        &alice,
        Some(json!({ "handle": remote })),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = api(
        &bb,
        Method::PUT,
        &format!("/api/v1/spaces/{remote}/follow"),
        &alice,
        None,
    )
    .await;
    assert_eq!(status, 200);
    settle(&a, &bb).await;
    let (status, _) = api(
        &a,
        Method::POST,
        "/api/v1/spaces/support/threads",
        &jane,
        Some(json!({ "title": "Firmware 2.1 is out", "body": "Update from the app." })),
    )
    .await;
    assert_eq!(status, 201);
    settle(&a, &bb).await;

    // B checked the claim at its origin and shows the badge.
    let author = author_of(&bb, &remote, "Firmware 2.1 is out").await;
    assert_eq!(author["name"], format!("jane@{a_dom}"));
    assert_eq!(author["verified_staff_of"], a_dom);
    assert_eq!(
        author["badge"],
        format!("Verified staff of {a_dom} · Support Lead")
    );
    assert_eq!(author["is_staff"], false, "not staff of this instance");
    let page = client()
        .get(bb.url(&format!("/u/jane@{a_dom}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("Verified staff of {a_dom} · Support Lead")),
        "{page}"
    );

    // Forged claims from elsewhere: mallory names A's Group, eve a Group on her own server that
    // lists no staff. Neither is shown as verified.
    let peer = Peer::start().await;
    peer.set_actor_extra(
        "mallory",
        json!({ "staffOf": format!("{a_base}/s/support"), "staffTitle": "CEO" }),
    );
    peer.set_actor_extra(
        "eve",
        json!({ "staffOf": [peer.actor("groupbrand")], "staffTitle": "CEO" }),
    );
    for (n, who) in ["mallory", "eve"].iter().enumerate() {
        let create = json!({
            "id": peer.activity_id(&format!("forged{n}")), "type": "Create", "actor": peer.actor(who),
            "object": {
                "id": format!("{}/statuses/forged{n}", peer.base), "type": "Note",
                "attributedTo": peer.actor(who),
                "content": format!("<p>@help official notice {n}</p>"),
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "cc": [format!("{b_base}/s/help")],
                "tag": [{"type": "Mention", "href": format!("{b_base}/s/help")}],
            }
        });
        assert_eq!(
            peer.post_signed(&format!("{b_base}/inbox"), &create).await,
            202
        );
        let author = author_of(&bb, "help", &format!("official notice {n}")).await;
        assert_eq!(author["name"], format!("{who}@{}", peer.domain));
        assert!(author["badge"].is_null(), "{who}: {author}");
        assert!(author["verified_staff_of"].is_null());
    }

    // Jane leaves the company: the role goes, the badge goes on B too; her words stay.
    let (status, _) = api(
        &a,
        Method::PUT,
        "/api/v1/admin/accounts/jane/role",
        &kim,
        Some(json!({ "role": "member" })),
    )
    .await;
    assert_eq!(status, 200);
    settle(&a, &bb).await;
    let author = author_of(&bb, &remote, "Firmware 2.1 is out").await;
    assert!(author["badge"].is_null(), "{author}");
    assert!(author["verified_staff_of"].is_null());
    let staff = ap_get(&format!("{a_base}/s/support/staff")).await;
    assert_eq!(staff["orderedItems"], json!([format!("{a_base}/u/kim")]));
    let list = get(&bb, &format!("/api/v1/spaces/{remote}/threads")).await;
    assert_eq!(list["threads"].as_array().unwrap().len(), 1);
}
