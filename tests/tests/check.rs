//! `check`, the CI gate, through the CLI of a binary that links the example
//! migrations, on every backend this run can reach: ok on the code alone
//! and at head; one line per problem when the database is behind, when its
//! schema drifted from what the migrations build, when an applied
//! migration's checksum no longer matches, and when the heads table names a
//! revision this build does not know.

mod support;

use std::process::{Command, Output};

use support::TestDb;

fn run(db: Option<&TestDb>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_app-migrate"));
    command
        .args(args)
        .env_remove("MIGRATE_LOG")
        .env_remove("DATABASE_URL");
    if let Some(db) = db {
        command.env("DATABASE_URL", &db.url);
    }
    command.output().expect("run app-migrate")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The example crate has models (`migrations::models`): `ok` also says
/// they agree with its migrations on every backend.
#[test]
fn the_example_migrations_pass_without_a_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_app-migrate"))
        .arg("check")
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .expect("run app-migrate");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout(&out), "ok\n");
    // No database was created in the working directory.
    assert!(!dir.path().join("migrate.db").exists());
    let json = run(None, &["check", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(value["ok"], true);
}

/// `check` against `db`, which must fail (exit 1): what it printed.
fn failing_check(db: &TestDb) -> String {
    let out = run(Some(db), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{:?}: {out:?}", db.kind);
    stdout(&out)
}

async fn against_a_database(db: TestDb) {
    let kind = db.kind;
    // At base: everything is pending.
    let text = failing_check(&db);
    assert!(
        text.starts_with(
            "error: the database is at base, not at the heads: 16 pending (3f1c0a9b2d4e, "
        ),
        "{kind:?}: {text}"
    );
    assert_eq!(text.lines().count(), 1, "{kind:?}: {text}");

    let up = run(Some(&db), &["upgrade"]);
    assert!(up.status.success(), "{kind:?}: {up:?}");
    let out = run(Some(&db), &["check"]);
    assert!(out.status.success(), "{kind:?}: {out:?}");
    assert_eq!(stdout(&out), "ok\n");

    // Someone changes the schema by hand: drift from what the migrations
    // build at the database's revision.
    db.execute("ALTER TABLE users ADD COLUMN nickname varchar(40)")
        .await;
    let text = failing_check(&db);
    assert!(
        text.starts_with(
            "error: the database differs from the schema its migrations build at 6cc446192e5d: table users: "
        ) && text.contains("nickname")
            && text.contains("put the change in a migration, or undo it in the database"),
        "{kind:?}: {text}"
    );
    assert_eq!(text.lines().count(), 1, "{kind:?}: {text}");
    let json = run(Some(&db), &["check", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(value["problems"][0]["kind"], "drift", "{kind:?}: {value}");
    db.execute("ALTER TABLE users DROP COLUMN nickname").await;
    let out = run(Some(&db), &["check"]);
    assert_eq!(stdout(&out), "ok\n", "{kind:?}: {out:?}");

    // Someone edits an applied migration: its plan no longer matches.
    db.execute(
        "UPDATE migrate_audit SET checksum = '0000000000000000000000000000000000000000000000000000000000000000' \
         WHERE revision = '0953ace66597'",
    )
    .await;
    let text = failing_check(&db);
    assert!(
        text.starts_with(
            "error: 0953ace66597 (users age with a check) changed since it was applied on "
        ) && text.contains(": checksum 000000000000 then, ")
            && text.contains("revert the edit in migrations::versions::"),
        "{kind:?}: {text}"
    );
    let json = run(Some(&db), &["check", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(value["ok"], false);
    assert_eq!(value["problems"][0]["kind"], "checksum_changed");
    assert_eq!(value["problems"][0]["revision"]["id"], "0953ace66597");

    // A newer build ran elsewhere.
    db.execute("UPDATE migrate_heads SET revision = 'ffffffffffff'")
        .await;
    let text = failing_check(&db);
    assert!(
        text.contains("error: the database is at ffffffffffff, which this build does not know"),
        "{kind:?}: {text}"
    );
}

#[tokio::test]
async fn check_on_sqlite() {
    against_a_database(TestDb::sqlite()).await;
}

#[tokio::test]
async fn check_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        against_a_database(db).await;
    }
}

#[tokio::test]
async fn check_on_mysql() {
    if let Some(db) = TestDb::mysql().await {
        against_a_database(db).await;
    }
}
