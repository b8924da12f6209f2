//! `schema`: the schema the example migrations build, replayed without a
//! database, through the CLI: the summary, the model as JSON, a revision
//! before the heads, the errors; and `check --schema-snapshot`, which fails
//! when a committed `schema.sql` is stale. That the SQL builds the real
//! schema is proven against the databases in `offline.rs`.

use std::path::Path;
use std::process::{Command, Output};

const APP: &str = env!("CARGO_BIN_EXE_app-migrate");

/// Runs the example binary in `dir`, with `url` as DATABASE_URL or none.
fn run(dir: &Path, url: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(APP);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("MIGRATE_LOG")
        .env_remove("DATABASE_URL");
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    command.output().expect("run app-migrate")
}

fn ok(dir: &Path, url: Option<&str>, args: &[&str]) -> String {
    let out = run(dir, url, args);
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_summary_shows_the_schema_at_a_revision_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let text = ok(dir.path(), None, &["schema"]);
    assert!(
        text.starts_with("the schema on sqlite at 6cc446192e5d, replayed from the migrations\n\n"),
        "{text}"
    );
    for expected in [
        "table users\n  id                 integer       not null  identity\n",
        "  unique (email)\n",
        "  foreign key fk_posts_author (author_id) -> users(id) on delete cascade on update no action\n",
        "  index ix_tasks_open_due on (owner_id, due_at) where completed = false\n",
        "view published_posts\n  as select p.id,p.title,u.name as author",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    // The default SQLite file was not opened, let alone created.
    assert!(!dir.path().join("migrate.db").exists());
    // PostgreSQL has the enum as a type of its own.
    let postgres = ok(dir.path(), None, &["schema", "--backend", "postgres"]);
    assert!(
        postgres.contains("enum post_status ('draft', 'published', 'archived')\n"),
        "{postgres}"
    );
    // Before the products table, and at base.
    let before = ok(dir.path(), None, &["schema", "0953ace66597"]);
    assert!(
        before.contains("table users\n") && !before.contains("table products"),
        "{before}"
    );
    assert!(
        before.contains("check ck_users_age_non_negative (age >= 0)"),
        "{before}"
    );
    assert_eq!(
        ok(dir.path(), None, &["schema", "base"]),
        "the schema on sqlite at base, replayed from the migrations\n\nno tables\n"
    );
}

#[test]
fn the_model_as_json_names_the_backend_and_what_is_uncertain() {
    let dir = tempfile::tempdir().unwrap();
    let text = ok(
        dir.path(),
        Some("mysql://app@db.invalid/app"),
        &["schema", "--format", "json"],
    );
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["backend"], "mysql");
    assert_eq!(value["at"], serde_json::json!(["6cc446192e5d"]));
    assert_eq!(
        value["uncertain"],
        serde_json::json!({"everything": false, "tables": []})
    );
    let status = &value["schema"]["tables"]["posts"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "status")
        .unwrap()["type"];
    assert_eq!(
        *status,
        serde_json::json!({"inline_enum": ["draft", "published", "archived"]})
    );
}

#[test]
fn the_sql_is_the_same_on_every_run_and_for_the_url_s_backend() {
    let dir = tempfile::tempdir().unwrap();
    let by_url = ok(
        dir.path(),
        Some("postgres://app:secret@db.invalid/app"),
        &["schema", "--format", "sql"],
    );
    let by_flag = ok(
        dir.path(),
        None,
        &["schema", "--format", "sql", "--backend", "postgres"],
    );
    assert_eq!(by_url, by_flag);
    assert!(!by_url.contains("secret"));
    assert!(
        by_url.starts_with(
            "-- migrate: the schema on postgres at 6cc446192e5d, replayed from the migrations\n"
        ),
        "{by_url}"
    );
    assert!(
        by_url.contains("CREATE TYPE \"post_status\" AS ENUM ('draft', 'published', 'archived');")
    );
}

#[test]
fn bad_requests_are_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(Option<&str>, &[&str], i32, &str); 4] = [
        (
            Some("redis://db.invalid/0"),
            &["schema"],
            2,
            "`schema` writes for --backend or the backend of the database URL, and `redis://db.invalid/0` is not one: pass --backend sqlite, postgres or mysql",
        ),
        (
            None,
            &["status", "--format", "sql"],
            2,
            "--format sql is for `schema`",
        ),
        (None, &["schema", "zzzz9999"], 1, "zzzz9999"),
        (None, &["schema", "--backend", "oracle"], 2, "oracle"),
    ];
    for (url, args, code, expected) in cases {
        let out = run(dir.path(), url, args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {out:?}");
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn check_fails_when_the_committed_snapshot_is_stale() {
    let dir = tempfile::tempdir().unwrap();
    let sql = ok(
        dir.path(),
        None,
        &["schema", "--format", "sql", "--backend", "mysql"],
    );
    let path = dir.path().join("schema.sql");
    std::fs::write(&path, &sql).unwrap();
    let check = ["check", "--schema-snapshot", "schema.sql"];
    assert_eq!(ok(dir.path(), None, &check), "ok\n");

    // Someone edited a migration, or forgot to write the snapshot again.
    std::fs::write(&path, sql.replace("varchar(255)", "varchar(200)")).unwrap();
    let out = run(dir.path(), None, &check);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(
            "error: schema.sql is stale: the migrations build another schema on mysql (line "
        ),
        "{text}"
    );
    assert!(
        text.ends_with("differs); write it again with `schema --format sql --backend mysql > schema.sql` and commit it with the migration\n"),
        "{text}"
    );
    let json = run(
        dir.path(),
        None,
        &[
            "check",
            "--schema-snapshot",
            "schema.sql",
            "--format",
            "json",
        ],
    );
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["problems"][0]["kind"], "stale_schema_snapshot");

    // Not a snapshot at all, and no file.
    std::fs::write(&path, "CREATE TABLE t (x int);\n").unwrap();
    let out = run(dir.path(), None, &check);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("schema.sql is not a schema snapshot"));
    let out = run(
        dir.path(),
        None,
        &["check", "--schema-snapshot", "missing.sql"],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        stderr(&out).contains("cannot read the schema snapshot missing.sql"),
        "{}",
        stderr(&out)
    );
}

/// The example crate commits its schema, as a team would: a migration that
/// changes the schema changes `migrations/schema.sql` in the same commit
/// (`schema --format sql --backend postgres > migrations/schema.sql`).
#[test]
fn the_example_s_committed_schema_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/schema.sql");
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        None,
        &["check", "--schema-snapshot", path.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
