//! A real browser (Debian's headless Chromium, driven by playwright-core) walks through a whole
//! conversation: tests/browser/conversation.mjs. Needs `node`, `npm ci` in tests/browser and
//! /usr/bin/chromium; `.ci/run` installs them. Without them the test is skipped with a message,
//! except under CI=true, where it fails.

use std::path::Path;
use std::process::Stdio;

use hearth::domain::{PostingMode, Role};

use crate::harness::{Backend, TestInstance};

fn chromium() -> Option<String> {
    let path = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    Path::new(&path).exists().then_some(path)
}

fn missing(what: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but {what} is missing: the browser test must run in CI");
    }
    eprintln!("SKIPPED: browser test ({what} is missing; see docs/testing.md)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_in_a_real_browser() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if !dir.join("node_modules/playwright-core").exists() {
        return missing("tests/browser/node_modules (run `npm ci` there)");
    }
    let Some(chromium) = chromium() else {
        return missing("/usr/bin/chromium (apt-get install chromium)");
    };
    let i = TestInstance::start(Backend::Sqlite).await;
    i.create_space("support", PostingMode::Open).await;
    let pw = i.create_user("jane", Role::Staff).await;
    let h = &i.state.hearth;
    let jane =
        h.db.run(|c| Ok(hearth::db::persons::find_by_name(c, "jane")?.unwrap()))
            .await
            .unwrap();
    hearth::service::accounts::update_profile(
        h,
        &hearth::service::Viewer {
            person: jane,
            token_id: 0,
            token_kind: hearth::domain::TokenKind::Session,
        },
        hearth::service::accounts::ProfileUpdate {
            display_name: Some("Jane Doe".into()),
            title: Some("Support Lead".into()),
            bio: None,
        },
    )
    .await
    .unwrap();

    let mod_pw = i.create_user("mona", Role::Moderator).await;
    let spam_pw = i.create_user("spammer", Role::Member).await;
    let screenshot = std::env::temp_dir().join(format!("hearth-thread-{}.png", std::process::id()));
    let out = tokio::process::Command::new("node")
        .arg(dir.join("conversation.mjs"))
        .env("HEARTH_URL", &i.base)
        .env("STAFF_NAME", "jane")
        .env("STAFF_PASSWORD", &pw)
        .env("MOD_NAME", "mona")
        .env("MOD_PASSWORD", &mod_pw)
        .env("SPAM_NAME", "spammer")
        .env("SPAM_PASSWORD", &spam_pw)
        .env("CHROMIUM", chromium)
        .env("SCREENSHOT", &screenshot)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output()
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser flow failed:\n{stdout}\n{stderr}"
    );
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or("{}"))
        .unwrap_or_else(|_| panic!("unexpected output: {stdout}"));
    assert_eq!(result["ok"], true, "{result}");
    assert_eq!(result["badge"], "Staff · Support Lead");
    assert_eq!(result["deskAssignee"], "Taken by Jane Doe (you)");
    assert_eq!(
        result["removalNotice"],
        "Removed by moderators: Advertising is not allowed here moderation log"
    );
    let entry = result["modlogEntry"].as_str().unwrap();
    assert!(
        entry.starts_with("mona removed a post by spammer in support")
            && entry.contains("Reason: Advertising is not allowed here"),
        "{entry}"
    );

    // What the browser did is what the database holds.
    let url = result["threadUrl"].as_str().unwrap();
    let id: i64 = url
        .rsplit('/')
        .next()
        .unwrap()
        .split('-')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let view = hearth::service::threads::show(h, None, "support", id)
        .await
        .unwrap();
    assert_eq!(view.summary.reply_count, 3);
    let spam = view
        .replies
        .iter()
        .find(|r| r.post.author.name == "spammer")
        .expect("the spam reply is kept");
    assert!(spam.post.removed && spam.post.body.is_empty());
    let answer = view.answer.expect("an answer");
    assert_eq!(answer.author.name, "jane");
    assert_eq!(answer.like_count, 1);
    assert_eq!(view.opening.author.name, "ana");
    if std::env::var_os("HEARTH_KEEP_SCREENSHOT").is_none() {
        let _ = std::fs::remove_file(screenshot);
    } else {
        eprintln!("screenshot: {}", screenshot.display());
    }
}
