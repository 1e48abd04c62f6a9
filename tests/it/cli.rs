//! The `hearth` binary itself: help, configuration errors, migrate, admin create-user and
//! set-role, and a zero-configuration `serve` that stops cleanly on SIGTERM.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::{Backend, TestDb, TestInstance, client};
use crate::on_both_backends;

fn hearth() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hearth"));
    // Tests never inherit the developer's Hearth settings.
    for (k, _) in std::env::vars() {
        if k.starts_with("HEARTH_") {
            c.env_remove(k);
        }
    }
    c.env("RUST_LOG", "warn");
    c
}

#[test]
fn help_explains_the_commands() {
    let out = hearth().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for word in [
        "serve",
        "migrate",
        "admin",
        "--config",
        "HEARTH_DATABASE_URL",
    ] {
        assert!(text.contains(word), "--help mentions {word}:\n{text}");
    }
    let out = hearth()
        .args(["admin", "create-user", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for word in ["--role", "--display-name", "--title", "--password-stdin"] {
        assert!(text.contains(word), "create-user --help mentions {word}");
    }
}

#[test]
fn bad_configuration_stops_with_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("HEARTH_BIND", "nowhere")], "HEARTH_BIND"),
        (
            vec![("HEARTH_DATABASE_URL", "mysql://x/y")],
            "HEARTH_DATABASE_URL",
        ),
        (
            vec![("HEARTH_DOMAIN", "https://acme.example")],
            "HEARTH_DOMAIN",
        ),
        (vec![("HEARTH_DB_POOL_SIZE", "-3")], "HEARTH_DB_POOL_SIZE"),
    ];
    for (env, key) in cases {
        let out = hearth()
            .current_dir(dir.path())
            .envs(env.clone())
            .arg("migrate")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{env:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.contains(key), "{err}");
    }
    let file = dir.path().join("hearth.toml");
    std::fs::write(&file, "bind = \"127.0.0.1:1\"\ncolour = \"red\"\n").unwrap();
    let out = hearth()
        .current_dir(dir.path())
        .args(["--config", file.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("colour") && err.contains("unknown key"),
        "{err}"
    );
    assert!(!dir.path().join("data").exists(), "nothing was created");
}

on_both_backends!(create_user_from_the_command_line);

async fn create_user_from_the_command_line(b: Backend) {
    let db = TestDb::new(b);
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut child = hearth()
            .current_dir(dir.path())
            .env("HEARTH_DATABASE_URL", &db.url)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(s) = stdin {
            child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    };
    let out = run(&["migrate"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &[
            "admin",
            "create-user",
            "jane",
            "--role",
            "staff",
            "--display-name",
            "Jane Doe",
            "--title",
            "Support Lead",
            "--password-stdin",
        ],
        Some("jane's secret pw\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &["admin", "create-user", "root_admin", "--role", "admin"],
        None,
    );
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let generated = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("a generated password is printed")
        .to_string();
    // Bad input: taken name, unknown role, title for a member.
    let out = run(
        &["admin", "create-user", "jane", "--password-stdin"],
        Some("another password\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("taken"));
    let out = run(&["admin", "create-user", "x", "--role", "owner"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["admin", "create-user", "bob", "--title", "Boss"], None);
    assert_eq!(out.status.code(), Some(2));

    // Roles: never the last administrator's demotion; a change is audited, and the staff
    // badge's coming and going is announced to other servers.
    let out = run(&["admin", "set-role", "root_admin", "member"], None);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("last administrator"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for role in ["moderator", "staff"] {
        let out = run(&["admin", "set-role", "jane", role], None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("jane is now {role}")));
    }

    // The accounts work on a server over the same database.
    let url = db.url.clone();
    let i = TestInstance::start_on(db, &[]).await;
    assert_eq!(i.db.url, url);
    let token = i.api_login("jane", "jane's secret pw").await;
    i.api_login("root_admin", &generated).await;
    let me: serde_json::Value = client()
        .get(i.url("/api/v1/accounts/me"))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["display_name"], "Jane Doe");
    assert_eq!(me["badge"], "Staff · Support Lead");
    let (updates, audited) = i
        .state
        .hearth
        .db
        .run(|c| {
            use diesel::prelude::*;
            use hearth::db::schema::{audit_log, outbox_events};
            let updates: i64 = outbox_events::table
                .filter(outbox_events::kind.eq(hearth::db::outbox::PERSON_UPDATED))
                .count()
                .get_result(c)?;
            let audited: Vec<String> = audit_log::table
                .filter(audit_log::action.eq("set_role"))
                .order(audit_log::id)
                .select(audit_log::detail)
                .load(c)?;
            Ok((updates, audited))
        })
        .await
        .unwrap();
    assert_eq!(updates, 2, "the badge went and came back");
    assert_eq!(
        audited,
        [
            "staff -> moderator (command line)",
            "moderator -> staff (command line)"
        ]
    );
    let resp = client()
        .post(i.url("/api/v1/auth/login"))
        .json(&json!({"name": "bob", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "the refused account was not created");
}

/// Kills the child if the test fails before it stops on its own.
struct Reap(Child);

impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_with_zero_configuration_then_stop_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    // The default port may be busy on a developer machine; pick a free one, nothing else.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = hearth()
        .current_dir(dir.path())
        .env("HEARTH_BIND", format!("127.0.0.1:{port}"))
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Reap(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    let health = loop {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(mut s) => {
                use std::io::Read;
                s.write_all(
                    b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                )
                .unwrap();
                let mut buf = String::new();
                s.read_to_string(&mut buf).unwrap();
                break buf;
            }
            Err(_) if Instant::now() < deadline => {
                if let Some(status) = child.0.try_wait().unwrap() {
                    panic!("hearth serve exited early: {status}");
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(e) => panic!("hearth serve did not start listening: {e}"),
        }
    };
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(
        dir.path().join("data/hearth.db").is_file(),
        "SQLite file created under ./data"
    );

    let pid = child.0.id() as i32;
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "hearth serve did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(25));
    };
    assert!(status.success(), "clean exit after SIGTERM: {status}");
}
