//! Cheap checks that keep the layering of DESIGN.md §2 honest: the service layer knows nothing
//! of HTTP or federation, only `db/` names a concrete backend, and the docs cover every key.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn service_and_db_do_not_depend_on_the_layers_above() {
    for layer in ["service", "db"] {
        for f in rust_files(&src().join(layer)) {
            let text = std::fs::read_to_string(&f).unwrap();
            for forbidden in [
                "axum::",
                "crate::web",
                "crate::api",
                "crate::app",
                "activitypub_federation",
                "crate::federation",
            ] {
                assert!(
                    !text.contains(forbidden),
                    "{} uses {forbidden}",
                    f.display()
                );
            }
            if layer == "db" {
                assert!(
                    !text.contains("crate::service"),
                    "{} uses the service layer",
                    f.display()
                );
            }
        }
    }
}

#[test]
fn only_db_names_a_concrete_backend() {
    for f in rust_files(&src()) {
        if f.starts_with(src().join("db")) {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for forbidden in [
            "DbConn::Sqlite",
            "DbConn::Postgresql",
            "SqliteConnection",
            "PgConnection",
        ] {
            assert!(
                !text.contains(forbidden),
                "{} names {forbidden}",
                f.display()
            );
        }
    }
}

#[test]
fn configuration_reference_documents_every_key() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md"),
    )
    .expect("docs/configuration.md exists");
    for key in hearth::config::KEYS {
        assert!(
            doc.contains(&format!("`{}`", key.name)),
            "docs/configuration.md lacks `{}`",
            key.name
        );
        let env = format!("HEARTH_{}", key.name.to_uppercase());
        assert!(doc.contains(&env), "docs/configuration.md lacks {env}");
    }
}

#[test]
fn readme_starts_with_the_two_commands() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let head: String = readme.lines().take(30).collect::<Vec<_>>().join("\n");
    assert!(
        head.contains("cargo run --release -- serve"),
        "README shows how to run the server"
    );
    assert!(head.contains("./test"), "README shows how to run the tests");
    let ci =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run")).unwrap();
    assert!(
        ci.contains("./test"),
        ".ci/run calls the README's test command"
    );
}
