//! `migrate init --from-database`, end to end on SQLite, PostgreSQL and
//! MariaDB: a database built by the example crate (its version tables
//! dropped, as if another tool had made it) is adopted; the crate it
//! writes builds as it is, the database is stamped at its baseline, `check`
//! passes with and without the database (models, migrations and database
//! agree), and the baseline applied to an empty database builds the same
//! schema, by introspection, and downgrades back to nothing.
//!
//! The crates build in `target/scaffold-test`, shared with the `init` and
//! autogenerate tests.

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use migrate_core::driver::{self, Access};
use migrate_core::schema::{self, Schema};
use support::TestDb;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn scaffold_target() -> PathBuf {
    workspace().join("target").join("scaffold-test")
}

#[track_caller]
fn success(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The `migrate` binary (`migrate_cli::migrate_main`).
fn migrate_tool(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_migrate-tool"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

/// `cargo run -- ARGS` in the adopted crate.
fn cargo_run(krate: &Path, db: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO"));
    command
        .args(["run", "--quiet", "--"])
        .args(args)
        .current_dir(krate)
        .env("CARGO_TARGET_DIR", scaffold_target())
        .env_remove("DATABASE_URL");
    if let Some(db) = db {
        command.env("DATABASE_URL", db);
    }
    command.output().unwrap()
}

async fn snapshot(url: &str) -> Schema {
    let mut db = driver::connect(url, Access::ReadOnly).await.unwrap();
    let schema = schema::snapshot(db.as_mut()).await.unwrap();
    db.close().await.unwrap();
    schema
}

#[test]
fn a_database_the_example_built_is_adopted_and_its_baseline_rebuilds_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sources = rt.block_on(TestDb::all());
    let tmp = tempfile::tempdir().unwrap();
    let ws = workspace();
    for source in &sources {
        let backend = match source.kind {
            support::Kind::Sqlite => migrate_core::Backend::Sqlite,
            support::Kind::Postgres => migrate_core::Backend::Postgres,
            support::Kind::MySql => migrate_core::Backend::MySql,
        };
        // The example's schema, and no version tables of ours.
        success(
            &Command::new(env!("CARGO_BIN_EXE_app-migrate"))
                .args(["--database-url", &source.url, "upgrade"])
                .output()
                .unwrap(),
        );
        rt.block_on(source.execute("DROP TABLE migrate_audit"));
        rt.block_on(source.execute("DROP TABLE migrate_backfill"));
        rt.block_on(source.execute("DROP TABLE migrate_heads"));
        let original = rt.block_on(snapshot(&source.url));
        assert!(original.tables.contains_key("posts"), "{backend}");
        assert_eq!(original.views.len(), 1, "{backend}");

        let name = format!("adopted-{backend}");
        let out = success(&migrate_tool(
            tmp.path(),
            &[
                "init",
                &name,
                "--from-database",
                &source.url,
                "--workspace",
                ws.to_str().unwrap(),
            ],
        ));
        let krate = tmp.path().join(&name);
        assert!(out.contains("adopted "), "{out}");
        assert!(out.contains("6 tables"), "{out}");
        assert!(out.contains("(no migration ran)"), "{out}");
        let heads = rt.block_on(source.heads());
        assert_eq!(heads.len(), 1, "stamped at the baseline: {heads:?}");
        assert!(out.contains(&heads[0]), "{out}");
        let models = std::fs::read_to_string(krate.join("src/models.rs")).unwrap();
        for expected in [
            "pub struct User {",
            "#[model(primary_key, identity)]",
            "pub email_verified_at: Option<chrono::DateTime<chrono::Utc>>,",
            "references = \"users.id\"",
            "name = \"fk_posts_author\"",
            "on_delete = \"cascade\"",
            "Draft,",
        ] {
            assert!(
                models.contains(expected),
                "{backend}: no {expected:?} in\n{models}"
            );
        }
        // MySQL has no partial indexes: the example's is a plain one there.
        assert_eq!(
            models.contains("partial = \"completed = false\""),
            backend != migrate_core::Backend::MySql,
            "{backend}: {models}"
        );
        // The workspace's lock file: the same dependency versions as every
        // other crate in the shared target directory, offline.
        std::fs::copy(ws.join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();

        // Without a database: the models and the migrations agree on every
        // backend.
        let out = success(&cargo_run(&krate, None, &["check"]));
        assert_eq!(out.trim(), "ok", "{backend}");
        // With the adopted database: no drift, nothing pending.
        let out = success(&cargo_run(&krate, Some(&source.url), &["check"]));
        assert_eq!(out.trim(), "ok", "{backend}");
        let out = success(&cargo_run(&krate, Some(&source.url), &["upgrade"]));
        assert!(out.contains("nothing to upgrade"), "{backend}: {out}");

        // The baseline on an empty database builds the same schema.
        let fresh = match backend {
            migrate_core::Backend::Sqlite => TestDb::sqlite(),
            migrate_core::Backend::Postgres => rt.block_on(TestDb::postgres()).unwrap(),
            migrate_core::Backend::MySql => rt.block_on(TestDb::mysql()).unwrap(),
        };
        success(&cargo_run(&krate, Some(&fresh.url), &["upgrade"]));
        let rebuilt = rt.block_on(snapshot(&fresh.url));
        assert!(
            original.diff(&rebuilt).is_empty(),
            "{backend}: the baseline builds another schema:\n{}",
            original.diff(&rebuilt)
        );
        success(&cargo_run(&krate, Some(&fresh.url), &["downgrade", "base"]));
        assert!(
            rt.block_on(snapshot(&fresh.url)).tables.is_empty(),
            "{backend}"
        );
    }
}

/// `migrate init NAME --from-database URL`, which must fail with exit 1
/// and write nothing: its stdout and stderr.
#[track_caller]
fn refused(tmp: &Path, name: &str, url: &str) -> String {
    let out = migrate_tool(
        tmp,
        &[
            "init",
            name,
            "--from-database",
            url,
            "--workspace",
            workspace().to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!tmp.join(name).exists(), "{name} was written");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_managed_or_empty_database_is_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let db = TestDb::sqlite();
    let said = refused(tmp.path(), "empty", &db.url);
    assert!(said.contains("has no tables to adopt"), "{said}");
    // Managed by a migrations crate already.
    success(
        &Command::new(env!("CARGO_BIN_EXE_app-migrate"))
            .args(["--database-url", &db.url, "upgrade"])
            .output()
            .unwrap(),
    );
    let said = refused(tmp.path(), "managed", &db.url);
    assert!(
        said.contains("a migrations crate manages it already"),
        "{said}"
    );
    // A password in the URL is never shown.
    let said = refused(
        tmp.path(),
        "secret",
        "postgres://app:hunter2@127.0.0.1:1/nothing",
    );
    assert!(!said.contains("hunter2"), "{said}");
    assert!(said.contains("127.0.0.1:1"), "{said}");
}
