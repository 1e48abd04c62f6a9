//! How fast the two busiest pages render, in-process (no network): a space's thread list and a
//! thread page, with a typical thread (20 replies) and a long one (300 replies).
//!
//!     cargo bench --bench pages
//!
//! The figures and the machine are recorded in docs/performance.md. The load test over real
//! HTTP (many clients at once) is described there too.

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use hearth::config::Config;
use hearth::domain::{PostingMode, Role, TokenKind};
use hearth::service::{Viewer, accounts, spaces, threads};
use tower::ServiceExt;

struct Fixture {
    router: axum::Router,
    space_url: String,
    typical: String,
    long: String,
    _dir: tempfile::TempDir,
}

async fn viewer(h: &hearth::service::Hearth, name: &str) -> Viewer {
    let name = name.to_string();
    let person =
        h.db.run(move |c| Ok(hearth::db::persons::find_by_name(c, &name)?.expect("person")))
            .await
            .expect("lookup");
    Viewer {
        person,
        token_id: 0,
        token_kind: TokenKind::Session,
    }
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = vec![
        (
            "HEARTH_DATA_DIR".to_string(),
            dir.path().display().to_string(),
        ),
        ("HEARTH_LOG".to_string(), "error".to_string()),
        // The seed writes hundreds of replies as one person, above the posting limit.
        ("HEARTH_POSTS_PER_MINUTE".to_string(), "100000".to_string()),
    ];
    let (config, _) = Config::load(None, env).expect("config");
    let state = hearth::app::build(config).await.expect("state");
    let h = state.hearth.clone();
    for (name, role) in [
        ("ana", Role::Member),
        ("bob", Role::Member),
        ("jane", Role::Staff),
    ] {
        accounts::create(
            &h,
            None,
            accounts::NewAccount {
                name: name.into(),
                password: "benchmark password".into(),
                role,
                display_name: format!("{name} Example"),
                title: if role == Role::Staff {
                    "Support Lead".into()
                } else {
                    String::new()
                },
            },
        )
        .await
        .expect("account");
    }
    spaces::create(
        &h,
        None,
        spaces::NewSpace {
            name: "support".into(),
            title: "Support".into(),
            description: "Ask us anything about your **router**.".into(),
            rules: "Be kind.".into(),
            posting_mode: Some(PostingMode::Open),
        },
    )
    .await
    .expect("space");
    let people = [
        viewer(&h, "ana").await,
        viewer(&h, "bob").await,
        viewer(&h, "jane").await,
    ];
    let body = "My router restarts **every hour**. I tried:\n\n- a new cable\n- another socket\n\nAny ideas? See [the manual](https://acme.example/manual).";
    let mut urls = Vec::new();
    for (n, replies) in [(0, 20), (1, 300)] {
        let t = threads::ask(
            &h,
            &people[0],
            "support",
            &format!("Router question {n}"),
            body,
        )
        .await
        .expect("thread");
        let mut last = None;
        for k in 0..replies {
            let who = &people[k % 3];
            let parent = if k % 4 == 0 { None } else { last };
            let p = threads::reply(
                &h,
                who,
                t.id,
                parent,
                &format!("Reply {k}: have you tried turning it **off and on** again?"),
            )
            .await
            .expect("reply");
            last = Some(p.id);
        }
        urls.push(t.url);
    }
    // A space with a full first page of threads.
    for n in 0..40 {
        threads::ask(
            &h,
            &people[n % 2],
            "support",
            &format!("Another question {n}"),
            body,
        )
        .await
        .expect("thread");
    }
    Fixture {
        router: hearth::app::router(state),
        space_url: "/s/support".into(),
        typical: urls[0].clone(),
        long: urls[1].clone(),
        _dir: dir,
    }
}

async fn get(router: &axum::Router, url: &str) -> usize {
    let resp = router
        .clone()
        .oneshot(Request::get(url).body(Body::empty()).expect("request"))
        .await
        .expect("response");
    assert!(resp.status().is_success(), "{url}: {}", resp.status());
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body");
    body.len()
}

fn pages(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let f = Arc::new(rt.block_on(fixture()));
    for (name, url) in [
        ("space page (25 threads)", f.space_url.clone()),
        ("thread page (20 replies)", f.typical.clone()),
        ("thread page (300 replies)", f.long.clone()),
    ] {
        let size = rt.block_on(get(&f.router, &url));
        eprintln!("{name}: {url} is {size} bytes");
        c.bench_function(name, |b| {
            b.to_async(&rt).iter(|| {
                let f = f.clone();
                let url = url.clone();
                async move { get(&f.router, &url).await }
            })
        });
    }
}

criterion_group!(benches, pages);
criterion_main!(benches);
