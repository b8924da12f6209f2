//! End to end through the CLI of a binary that links the `migrations`
//! library: upgrade, current, downgrade -1, upgrade +1, status, downgrade
//! base, checking the real tables after each step, on every backend this run
//! can reach.

mod support;

use std::process::{Command, Output};

use support::TestDb;

const HEAD: &str = "6cc446192e5d";
/// The demo users, before the backfill migrations.
const DEMO: &str = "7d3e9a1b5c20";
const NOTIFICATIONS: &str = "6f61e53762d5";
const BEFORE_NOTIFICATIONS: &str = "aacf5257b9c5";
const MIGRATIONS: usize = 16;
const APP_TABLES: [&str; 7] = [
    "notification_kinds",
    "notifications",
    "posts",
    "products",
    "published_posts",
    "tasks",
    "users",
];

fn cli(db: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_app-migrate"))
        .args(args)
        .env("DATABASE_URL", &db.url)
        .env_remove("MIGRATE_LOG")
        .output()
        .expect("run app-migrate")
}

fn ok(db: &TestDb, args: &[&str]) -> String {
    let out = cli(db, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{args:?} on {:?} failed ({:?})\nstdout:\n{stdout}\nstderr:\n{}",
        db.kind,
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

async fn app_tables(db: &TestDb) -> Vec<String> {
    let mut tables: Vec<String> = db
        .tables()
        .await
        .into_iter()
        .filter(|t| !t.starts_with("migrate_"))
        .collect();
    // Collations order `_` differently.
    tables.sort();
    tables
}

async fn walk_through_every_verb(db: TestDb) {
    let kind = db.kind;
    // Inspecting a new database creates nothing.
    let status = ok(&db, &["status"]);
    assert!(status.contains("current:  base"), "{kind:?}: {status}");
    assert!(
        status.contains(&format!("pending:  {MIGRATIONS}")),
        "{kind:?}: {status}"
    );
    assert_eq!(
        db.tables().await,
        Vec::<String>::new(),
        "{kind:?}: status wrote"
    );

    let out = ok(&db, &["upgrade"]);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("upgrade")).count(),
        MIGRATIONS,
        "{out}"
    );
    assert!(out.contains(&format!("the database is at {HEAD}")), "{out}");
    assert_eq!(app_tables(&db).await, APP_TABLES, "{kind:?}");
    assert_eq!(db.heads().await, [HEAD]);
    assert!(
        db.columns("users")
            .await
            .contains(&"email_verified_at".to_owned())
    );
    let audit = db.audit().await;
    assert_eq!(audit.len(), MIGRATIONS);
    assert!(
        audit
            .iter()
            .all(|(_, d, o)| d == "upgrade" && o == "success"),
        "{audit:?}"
    );

    let current = ok(&db, &["current"]);
    assert!(current.starts_with(&format!("{HEAD} (head)")), "{current}");
    // The two backfills: a value, and a price parsed in Rust.
    let cents = "SELECT name FROM products WHERE (name = 'Notebook' AND price_cents = 350) \
                 OR (name = 'Fountain pen' AND price_cents = 124900) \
                 OR (name = 'Ink' AND price_cents = 1200) \
                 OR (name = 'Gift card' AND price_cents IS NULL) ORDER BY id";
    assert_eq!(
        db.strings(cents).await,
        ["Notebook", "Fountain pen", "Ink", "Gift card"],
        "{kind:?}"
    );
    assert!(db.columns("users").await.contains(&"locale".to_owned()));

    // Down past the backfills and the sku step: each reverses without a
    // `downgrade`.
    let out = ok(&db, &["downgrade", DEMO]);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("downgrade")).count(),
        4,
        "{out}"
    );
    assert!(!db.columns("users").await.contains(&"locale".to_owned()));
    assert_eq!(db.heads().await, [DEMO]);

    let out = ok(&db, &["downgrade", "-1"]);
    assert!(out.contains(&format!("downgrade {DEMO}")), "{out}");
    assert_eq!(db.heads().await, [NOTIFICATIONS]);
    ok(&db, &["downgrade", "-1"]);
    assert_eq!(db.heads().await, [BEFORE_NOTIFICATIONS]);
    assert!(!db.tables().await.contains(&"notifications".to_owned()));

    let status = ok(&db, &["status"]);
    assert!(status.contains("pending:  6"), "{status}");

    // This one has no `downgrade`: its upgrade runs reversed (the rename of
    // `done` to `completed` is undone).
    ok(&db, &["downgrade", "-1"]);
    assert_eq!(db.heads().await, ["0953ace66597"]);
    let columns = db.columns("tasks").await;
    assert!(
        columns.contains(&"done".to_owned()),
        "{kind:?}: {columns:?}"
    );

    ok(&db, &["upgrade", "+1"]);
    assert_eq!(db.heads().await, [BEFORE_NOTIFICATIONS]);
    let columns = db.columns("tasks").await;
    assert!(
        columns.contains(&"completed".to_owned()),
        "{kind:?}: {columns:?}"
    );
    ok(&db, &["upgrade", "+1"]);
    assert_eq!(db.heads().await, [NOTIFICATIONS]);
    // -x reaches the migrations: demo users only with dev_data=true.
    ok(&db, &["upgrade", "+1"]);
    assert_eq!(db.heads().await, [DEMO]);
    let demo = "SELECT email FROM users WHERE email LIKE '%@demo.invalid' ORDER BY email";
    assert_eq!(db.strings(demo).await, Vec::<String>::new());
    ok(&db, &["downgrade", "-1"]);
    ok(&db, &["upgrade", "-x", "dev_data=true"]);
    assert_eq!(
        db.strings(demo).await,
        ["ada@demo.invalid", "grace@demo.invalid"]
    );

    let status = ok(&db, &["status"]);
    assert!(status.contains("pending:  none"), "{status}");
    assert!(status.contains("problems: none"), "{status}");

    let out = ok(&db, &["upgrade"]);
    assert!(out.contains("nothing to upgrade"), "{out}");

    let out = ok(&db, &["downgrade", "base"]);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("downgrade")).count(),
        MIGRATIONS,
        "{out}"
    );
    assert_eq!(app_tables(&db).await, Vec::<String>::new(), "{kind:?}");
    assert_eq!(db.heads().await, Vec::<String>::new());
    let audit = db.audit().await;
    // Up, then 8 steps down and 8 up in between, then down.
    assert_eq!(audit.len(), MIGRATIONS + 16 + MIGRATIONS, "{audit:?}");

    let status: serde_json::Value =
        serde_json::from_str(&ok(&db, &["status", "--format", "json"])).unwrap();
    assert_eq!(
        status["status"]["pending"].as_array().unwrap().len(),
        MIGRATIONS
    );
    assert_eq!(status["status"]["current"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn every_verb_on_sqlite() {
    walk_through_every_verb(TestDb::sqlite()).await;
}

#[tokio::test]
async fn every_verb_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        walk_through_every_verb(db).await;
    }
}

#[tokio::test]
async fn every_verb_on_mysql() {
    if let Some(db) = TestDb::mysql().await {
        walk_through_every_verb(db).await;
    }
}

#[test]
fn a_binary_linking_the_library_sees_every_migration() {
    let files = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../migrations/src/versions"
    ))
    .unwrap()
    .filter(|e| {
        e.as_ref()
            .unwrap()
            .path()
            .extension()
            .is_some_and(|x| x == "rs")
    })
    .count();
    let db = TestDb::sqlite();
    let history: serde_json::Value =
        serde_json::from_str(&ok(&db, &["history", "--format", "json"])).unwrap();
    assert_eq!(history["history"].as_array().unwrap().len(), files);
    assert!(files >= 5);
}

#[test]
fn json_output_of_heads_and_current() {
    let db = TestDb::sqlite();
    let heads: serde_json::Value =
        serde_json::from_str(&ok(&db, &["heads", "--format", "json"])).unwrap();
    assert_eq!(heads["heads"][0]["id"], HEAD);
    ok(&db, &["upgrade", "8d2e"]);
    let current: serde_json::Value =
        serde_json::from_str(&ok(&db, &["current", "--format", "json"])).unwrap();
    assert_eq!(current["current"][0]["id"], "8d2e4b6a1c0f");
    assert_eq!(current["current"][0]["is_head"], false);
}

#[test]
fn exit_codes_say_usage_or_failure() {
    let db = TestDb::sqlite();
    let usage = cli(&db, &["upgrade", "--no-such-flag"]);
    assert_eq!(usage.status.code(), Some(2));
    let usage = cli(&db, &["frobnicate"]);
    assert_eq!(usage.status.code(), Some(2));
    let malformed = cli(&db, &["upgrade", "head+x"]);
    assert_eq!(malformed.status.code(), Some(2), "{malformed:?}");

    let unknown = cli(&db, &["upgrade", "ffffffffffff"]);
    assert_eq!(unknown.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");

    let help = cli(&db, &["upgrade", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Examples:"));
}

#[test]
fn a_bad_url_names_the_host_and_hides_the_password() {
    let db = TestDb::sqlite();
    let out = Command::new(env!("CARGO_BIN_EXE_app-migrate"))
        .args([
            "status",
            "--database-url",
            "postgres://app:hunter2@127.0.0.1:1/app",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("postgres://app:***@127.0.0.1:1/app"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
    drop(db);

    let out = Command::new(env!("CARGO_BIN_EXE_app-migrate"))
        .args(["status", "--database-url", "oracle://x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown URL scheme"));
}

#[test]
fn the_url_comes_from_a_dot_env_file_when_nothing_else_names_one() {
    let db = TestDb::sqlite();
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(
        cwd.path().join(".env"),
        format!("DATABASE_URL={}\n", db.url),
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_app-migrate"))
            .args(args)
            .current_dir(cwd.path())
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    assert!(run(&["upgrade", "+1"]).status.success());
    let status = String::from_utf8_lossy(&run(&["status"]).stdout).into_owned();
    assert!(
        status.contains(&format!("database: {}", db.url)),
        "{status}"
    );
    assert!(
        status.contains(&format!("applied:  1 of {MIGRATIONS}")),
        "{status}"
    );
    // No default SQLite file was created next to the .env.
    assert!(!cwd.path().join("migrate.db").exists());

    // From a directory below, the same file is used, and named.
    let below = cwd.path().join("src/versions");
    std::fs::create_dir_all(&below).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_app-migrate"))
        .arg("status")
        .current_dir(&below)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "note: using {}, the nearest .env (in a parent directory)",
            cwd.path().join(".env").display()
        )),
        "{stderr}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("database: {}", db.url)),
        "{out:?}"
    );

    // One line that does not parse: an error naming the file and line, not
    // a quiet fallback to `sqlite:migrate.db`, and not the line's secret.
    std::fs::write(
        cwd.path().join(".env"),
        format!(
            "# the app\nDATABASE_URL={}\nexport PASSWORD hunter2\n",
            db.url
        ),
    )
    .unwrap();
    let out = run(&["upgrade"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:3:", cwd.path().join(".env").display()))
            && stderr.contains("this line of the .env file cannot be read"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(!cwd.path().join("migrate.db").exists());
    assert_eq!(
        String::from_utf8_lossy(&run(&["current"]).stdout),
        "",
        "nothing ran"
    );
}

#[tokio::test]
async fn inspecting_works_for_a_read_only_role_on_postgres() {
    use sqlx::Connection;
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    ok(&db, &["upgrade", "+2"]);
    let role = format!("ro_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::raw_sql(&format!(
        "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN; \
         GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    let ro_url = db.url.replacen("postgres@", &format!("{role}@"), 1);
    assert_ne!(ro_url, db.url, "expected a postgres@ admin URL");
    for verb in ["status", "current"] {
        let out = Command::new(env!("CARGO_BIN_EXE_app-migrate"))
            .args([verb, "--database-url", &ro_url])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{verb} as a read-only role: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Writing is refused by the database, and says so.
    let out = Command::new(env!("CARGO_BIN_EXE_app-migrate"))
        .args(["upgrade", "--database-url", &ro_url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    sqlx::raw_sql(&format!(
        "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}; DROP ROLE {role};"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
}

/// A role without rights on the version tables, and a search_path whose
/// first schema lacks them while another has them: errors that name the
/// schema, never "base, N pending" followed by applying everything again.
#[tokio::test]
async fn version_tables_are_read_where_they_are_written_on_postgres() {
    use sqlx::Connection;
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    ok(&db, &["upgrade", "+2"]);
    let role = format!("norights_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::raw_sql(&format!(
        "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN; \
         GRANT CREATE ON SCHEMA public TO {role}; CREATE SCHEMA scratch; \
         GRANT USAGE, CREATE ON SCHEMA scratch TO {role};"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    let run = |url: &str, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_app-migrate"))
            .args(args)
            .arg("--database-url")
            .arg(url)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    let role_url = db.url.replacen("postgres@", &format!("{role}@"), 1);
    for verb in ["status", "upgrade"] {
        let out = run(&role_url, &[verb]);
        assert_eq!(out.status.code(), Some(1), "{verb}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("read the version tables: ")
                && stderr.contains("permission denied for table migrate_heads")
                && stderr.contains("check that the connected role may read them"),
            "{verb}: {stderr}"
        );
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("pending"),
            "{out:?}"
        );
    }

    // The first usable schema of the search_path lacks the tables, a later
    // one has them: refused, naming both, and nothing created in `scratch`.
    let scratch_first = format!("{}?options=-csearch_path%3Dscratch,public", db.url);
    for verb in ["status", "upgrade"] {
        let out = run(&scratch_first, &[verb]);
        assert_eq!(out.status.code(), Some(1), "{verb}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(
                "the version tables are in schema `public`, not in `scratch`, where this connection creates tables"
            ) && stderr.contains("?options=-csearch_path%3Dpublic"),
            "{verb}: {stderr}"
        );
    }
    let created: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'scratch'")
            .fetch_one(&mut admin)
            .await
            .unwrap();
    assert_eq!(created, 0, "nothing was created in scratch");

    // Naming the schema in the URL migrates there, and status says where.
    let scratch_only = format!("{}?options=-csearch_path%3Dscratch", db.url);
    let out = run(&scratch_only, &["upgrade"]);
    assert!(out.status.success(), "{out:?}");
    let out = run(&scratch_only, &["status"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("(postgres, schema scratch)"), "{stdout}");
    assert!(stdout.contains("pending:  none"), "{stdout}");
    let out = run(&db.url, &["status"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("(postgres, schema public)"), "{stdout}");
    assert!(
        stdout.contains(&format!("applied:  2 of {MIGRATIONS}")),
        "{stdout}"
    );

    sqlx::raw_sql(&format!(
        "DROP SCHEMA scratch CASCADE; REVOKE ALL ON SCHEMA public FROM {role}; DROP ROLE {role};"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
}

/// MySQL hides tables a role may not read: such a role is told so, not
/// "base, N pending".
#[tokio::test]
async fn a_mysql_role_that_may_not_read_the_version_tables_is_told_so() {
    use sqlx::Connection;
    let Some(db) = TestDb::mysql().await else {
        return;
    };
    ok(&db, &["upgrade", "+2"]);
    let user = format!("norights_{}", std::process::id());
    let database = db.url.rsplit('/').next().unwrap().to_owned();
    let mut admin = sqlx::MySqlConnection::connect(&db.url).await.unwrap();
    sqlx::raw_sql(&format!(
        "DROP USER IF EXISTS '{user}'@'%'; CREATE USER '{user}'@'%'; \
         GRANT SELECT ON {database}.users TO '{user}'@'%';"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    let user_url = db.url.replacen("root@", &format!("{user}@"), 1);
    assert_ne!(user_url, db.url, "expected a root@ admin URL");
    for verb in ["status", "upgrade"] {
        let out = Command::new(env!("CARGO_BIN_EXE_app-migrate"))
            .args([verb, "--database-url", &user_url])
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{verb}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("SELECT command denied")
                && stderr.contains("this role may not read migrate_heads"),
            "{verb}: {stderr}"
        );
    }
    sqlx::raw_sql(&format!("DROP USER '{user}'@'%'"))
        .execute(&mut admin)
        .await
        .unwrap();
}
