//! Every bad input of docs/errors.md, for real: the message says what
//! failed, where, and what to do next; the exit code is 1 (2 for usage);
//! nothing panics. The table in docs/errors.md quotes these messages.

mod support;

use std::process::{Command, Output};

use migrate_core::Migrator;
use migrate_core::driver::{self, Access, ConnectOptions, Driver};
use migrate_core::graph::Target;
use migrate_core::ops::Migration;
use support::{TestDb, registration};

fn cli(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_app-migrate"))
        .args(args)
        .arg("--database-url")
        .arg(url)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run app-migrate")
}

/// Runs a command that must fail; returns its stderr (after its stdout,
/// where `status` prints the problems it finds).
fn fails(url: &str, args: &[&str], code: i32) -> String {
    let out = cli(url, args);
    let stderr =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    stderr
}

fn ok(url: &str, args: &[&str]) {
    let out = cli(url, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn assert_has(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
}

#[test]
fn connection_errors_name_the_host_hide_the_password_and_say_what_to_do() {
    let unreachable = fails(
        "postgres://app:hunter2@127.0.0.1:1/app",
        &[
            "status",
            "--connect-attempts",
            "2",
            "--connect-delay",
            "0.01",
        ],
        1,
    );
    assert_has(
        &unreachable,
        &[
            "connect to `postgres://app:***@127.0.0.1:1/app`: no connection to 127.0.0.1:1 after 2 attempt(s)",
            "last error:",
            "check that the server runs",
        ],
    );
    assert!(!unreachable.contains("hunter2"));
    let malformed = fails("postgres://app:hunter2@:5432/app", &["status"], 1);
    assert_has(
        &malformed,
        &[
            "the database URL `postgres://app:***@:5432/app` is malformed",
            "expected e.g. postgres://user:password@host:5432/dbname",
        ],
    );
    assert!(!malformed.contains("hunter2"));
    let scheme = fails("oracle://db/app", &["status"], 1);
    assert_has(&scheme, &["unknown URL scheme; use postgres://"]);
}

/// `host:port` of a test server URL.
fn server(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, h)| h)
        .to_owned()
}

#[tokio::test]
async fn wrong_credentials_and_unknown_databases_are_not_retried() {
    let servers = [
        ("MIGRATE_TEST_POSTGRES_URL", "postgres"),
        ("MIGRATE_TEST_MYSQL_URL", "mysql"),
    ];
    for (var, scheme) in servers {
        let Ok(admin) = std::env::var(var) else {
            continue;
        };
        let host = server(&admin);
        let started = std::time::Instant::now();
        let rejected = fails(
            &format!("{scheme}://no_such_user:wrong@{host}/{scheme}"),
            &["status"],
            1,
        );
        assert_has(
            &rejected,
            &[
                "refused the credentials",
                "check the user name and password in the URL (not retried)",
            ],
        );
        assert!(!rejected.contains("wrong@"), "{rejected}");
        let user = admin
            .split_once("://")
            .and_then(|(_, r)| r.split_once('@'))
            .map_or("root", |(u, _)| u);
        let unknown = fails(
            &format!("{scheme}://{user}@{host}/no_such_database"),
            &["status"],
            1,
        );
        assert_has(
            &unknown,
            &[
                "the database `no_such_database` does not exist",
                "create it first",
            ],
        );
        // Neither waited for retries (5 attempts from 2 s would take 30 s).
        assert!(started.elapsed().as_secs() < 10, "{scheme} retried");
    }
}

#[tokio::test]
async fn database_state_errors() {
    let db = TestDb::sqlite();
    let url = db.url.clone();
    // Unknown revision, and a malformed target (usage, exit 2).
    let unknown = fails(&url, &["upgrade", "zzzz9999"], 1);
    assert_has(&unknown, &["zzzz9999"]);
    let malformed = fails(&url, &["upgrade", "+"], 2);
    assert_has(&malformed, &["error:"]);

    ok(&url, &["upgrade"]);

    // Dirty: a step that stopped part-way (as a kill leaves it).
    db.execute(
        "INSERT INTO migrate_audit (revision, direction, checksum, started_at, outcome, \
         statements_done, statements_total) VALUES ('7d3e9a1b5c20', 'upgrade', 'x', \
         '2026-11-23T10:00:00Z', 'started', 1, 3)",
    )
    .await;
    let dirty = fails(&url, &["upgrade"], 1);
    assert_has(
        &dirty,
        &[
            "upgrade 7d3e9a1b5c20 was interrupted (the process died or lost its connection) on 2026-11-23 10:00:00 UTC after 1 of 3 statements",
            "run `resume` to run statements 2..3",
            "`repair 7d3e9a1b5c20 --applied` or `repair 7d3e9a1b5c20 --reverted`",
        ],
    );
    let status = fails(&url, &["status"], 1);
    assert_has(&status, &["was interrupted"]);
    // `stamp` would leave the step in doubt (and the heads table it wrote
    // used to be rejected by every command after `repair --applied`).
    let heads = db.heads().await;
    for args in [
        &["stamp", "heads"][..],
        &["stamp", "base"],
        &["stamp", "--purge", "heads"],
    ] {
        let stamp = fails(&url, args, 1);
        assert_has(
            &stamp,
            &[
                "stamp: refused, since stamping now would leave a step that stopped part-way in doubt",
                "run `resume`",
                "repair 7d3e9a1b5c20 --applied",
            ],
        );
        assert_eq!(db.heads().await, heads, "{args:?} wrote the heads table");
    }
    ok(&url, &["repair", "7d3e9a1b5c20", "--reverted"]);
    let resume = fails(&url, &["resume"], 1);
    assert_has(
        &resume,
        &["nothing to resume: no migration stopped part-way"],
    );

    // A database a newer build migrated.
    db.execute("UPDATE migrate_heads SET revision = 'ffffffffffff'")
        .await;
    let newer = fails(&url, &["upgrade"], 1);
    assert_has(
        &newer,
        &[
            "the database is at ffffffffffff, which this build does not know",
            "a newer build was probably deployed",
        ],
    );

    // The heads table edited by hand into nonsense.
    db.execute(
        "DELETE FROM migrate_heads; \
         INSERT INTO migrate_heads (revision) VALUES ('3f1c0a9b2d4e'), ('8d2e4b6a1c0f')",
    )
    .await;
    let altered = fails(&url, &["upgrade"], 1);
    assert_has(
        &altered,
        &[
            "the version tables were altered by hand: migrate_heads lists both 8d2e4b6a1c0f and its ancestor 3f1c0a9b2d4e",
            "nothing was run",
            "stamp --purge",
        ],
    );
    ok(&url, &["stamp", "--purge", "head"]);

    // A column dropped from the audit table.
    db.execute("ALTER TABLE migrate_audit DROP COLUMN plan")
        .await;
    let dropped = fails(&url, &["status"], 1);
    assert_has(
        &dropped,
        &["the version tables were altered by hand: migrate_audit has no column plan"],
    );
    // A version table dropped.
    db.execute("DROP TABLE migrate_audit").await;
    let gone = fails(&url, &["upgrade"], 1);
    assert_has(
        &gone,
        &["altered by hand: migrate_heads exists but migrate_audit does not"],
    );
}

#[tokio::test]
async fn lock_timeouts_say_who_holds_the_lock() {
    // SQLite: another connection holds the write lock.
    let db = TestDb::sqlite();
    ok(&db.url, &["upgrade", "3f1c"]);
    let mut holder = driver::connect(&db.url, Access::ReadWrite).await.unwrap();
    holder.execute("BEGIN IMMEDIATE").await.unwrap();
    let waited = fails(&db.url, &["upgrade", "--lock-timeout", "1"], 1);
    assert_has(
        &waited,
        &[
            "take the migration lock: the database is locked by another migrator (another connection is writing to the SQLite file); waited 1s",
            "raise --lock-timeout",
        ],
    );
    holder.execute("ROLLBACK").await.unwrap();
    holder.close().await.ok();

    // PostgreSQL and MySQL: another migrator holds it.
    for db in [TestDb::postgres().await, TestDb::mysql().await]
        .into_iter()
        .flatten()
    {
        let mut holder: Box<dyn Driver> = ConnectOptions::new(Access::ReadWrite)
            .connect(&db.url)
            .await
            .unwrap();
        holder
            .lock(std::time::Duration::from_secs(5))
            .await
            .unwrap();
        let waited = fails(&db.url, &["upgrade", "--lock-timeout", "1"], 1);
        assert_has(
            &waited,
            &["the database is locked by another migrator (", "waited 1s"],
        );
        if db.kind == support::Kind::Postgres {
            assert_has(
                &waited,
                &[
                    &format!("migrate pid {} on ", std::process::id()),
                    " since 20",
                ],
            );
        }
        // A holder that dies releases the lock: the next run gets it.
        drop(holder);
        ok(&db.url, &["upgrade", "--lock-timeout", "10"]);
    }
}

fn nothing(_: &mut Migration) {}
fn one_way(m: &mut Migration) {
    m.irreversible("the old values are gone");
}

#[tokio::test]
async fn graph_and_target_errors() {
    let graph_error = |regs| Migrator::new(regs).unwrap_err().to_string();
    let cycle = graph_error(vec![
        registration("aaaa0001", &["bbbb0002"], nothing, None),
        registration("bbbb0002", &["aaaa0001"], nothing, None),
    ]);
    assert_has(&cycle, &["cycle", "aaaa0001", "bbbb0002"]);
    let duplicate = graph_error(vec![
        registration("aaaa0001", &[], nothing, None),
        registration("aaaa0001", &[], nothing, None),
    ]);
    assert_has(&duplicate, &["aaaa0001", "src/versions/tests.rs"]);
    let missing = graph_error(vec![registration("aaaa0001", &["ffff0009"], nothing, None)]);
    assert_has(&missing, &["ffff0009"]);

    let migrator = Migrator::new(vec![
        registration("abcd0001", &[], nothing, None),
        registration("abcd0002", &[], nothing, Some(one_way)),
    ])
    .unwrap();
    let ambiguous = migrator
        .graph()
        .resolve(&[], &Target::parse("abcd").unwrap())
        .unwrap_err()
        .to_string();
    assert_has(&ambiguous, &["abcd", "abcd0001", "abcd0002"]);
    let db = TestDb::sqlite();
    let mut conn = driver::connect(&db.url, Access::ReadWrite).await.unwrap();
    let heads = migrator
        .upgrade(conn.as_mut(), &Target::Head, &mut |_| {})
        .await
        .unwrap_err()
        .to_string();
    assert_has(&heads, &["abcd0001", "abcd0002", "heads"]);
    migrator
        .upgrade(conn.as_mut(), &Target::Heads, &mut |_| {})
        .await
        .unwrap();
    let irreversible = migrator
        .downgrade(conn.as_mut(), &Target::Base, &mut |_| {})
        .await
        .unwrap_err()
        .to_string();
    assert_has(
        &irreversible,
        &[
            "downgrade abcd0002: the migration is marked irreversible: the old values are gone; nothing was run",
        ],
    );
    conn.close().await.ok();
}

/// A SQLite URL with no file (an unset variable), a directory, a missing
/// directory: refused with what to do, never "applied" to a throw-away
/// database, and never in the words of a server (host, port, server).
#[test]
fn sqlite_urls_that_name_no_lasting_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    for (url, expected) in [
        (
            "sqlite:".to_owned(),
            "names no SQLite file (is the variable it came from unset?)",
        ),
        ("sqlite://".to_owned(), "names no SQLite file"),
        ("sqlite://?mode=rwc".to_owned(), "names no SQLite file"),
        (
            format!("sqlite:{d}"),
            "it is a directory; name a file in it",
        ),
        (
            format!("sqlite:{d}/missing/app.db"),
            "/missing` does not exist; create it first",
        ),
        (
            "sqlite::memory:".to_owned(),
            "is an in-memory database that is gone when the command ends",
        ),
    ] {
        let error = fails(&url, &["upgrade"], 1);
        assert!(error.contains(expected), "{url}: {error}");
        for server_words in ["server", "host", "port", "attempt"] {
            assert!(!error.contains(server_words), "{url}: {error}");
        }
        assert!(!error.contains("upgrade "), "{url}: something ran: {error}");
    }
    // Reading an in-memory database is harmless, and `--sql` needs none.
    ok("sqlite::memory:", &["status"]);
    ok("sqlite::memory:", &["upgrade", "--sql", "3f1c0a9b2d4e"]);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing was created"
    );
}

/// Credentials never reach an output: a `password` parameter, a password
/// with reserved characters (which makes the URL unreadable), in status
/// (human and JSON), retry warnings and errors.
#[tokio::test]
async fn no_output_shows_a_credential() {
    let everything = |out: &Output| {
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    // Retry warnings and the final error.
    let out = cli(
        "postgres://app@127.0.0.1:1/app?sslmode=disable&password=hunter2",
        &[
            "status",
            "--connect-attempts",
            "2",
            "--connect-delay",
            "0.01",
            "-v",
        ],
    );
    let text = everything(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("password=***"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    // Reserved characters in the password: no part of it, and what to do.
    for url in [
        "postgres://app:hun/ter2@127.0.0.1/app",
        "postgres://app:hun?ter2@127.0.0.1/app",
        "postgres://app:hun#ter2@127.0.0.1/app",
        "postgres://app:1234/5678@127.0.0.1/app",
        "mysql://app:hun/ter2@127.0.0.1/app",
    ] {
        let text = fails(url, &["status"], 1);
        assert!(
            text.contains("percent-encode them (%2F, %3F, %23, %40, %3A)"),
            "{url}: {text}"
        );
        for part in ["hun", "ter2", "1234", "5678"] {
            assert!(!text.contains(part), "{url}: {part} in {text}");
        }
        assert!(!text.contains("invalid port"), "{url}: {text}");
    }
    // A password parameter that the server accepts: status, both formats.
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let url = format!("{}?password=hunter2", db.url);
    for args in [&["status"][..], &["--format", "json", "status"]] {
        let out = cli(&url, args);
        let text = everything(&out);
        assert!(out.status.success(), "{args:?}: {text}");
        assert!(text.contains("password=***"), "{args:?}: {text}");
        assert!(!text.contains("hunter2"), "{args:?}: {text}");
    }
}

/// A database another tool manages is not at base: `status` and `check`
/// say whose it is and how to adopt it, `upgrade` runs nothing, and `stamp`
/// (with the revision Alembic's table names, when the ids were kept)
/// adopts it.
#[tokio::test]
async fn a_database_another_tool_manages_is_adopted_with_stamp() {
    const FIRST: &str = "3f1c0a9b2d4e";
    for db in TestDb::all().await {
        let url = db.url.clone();
        let kind = db.kind;
        // Alembic's database at the first revision: its table, ours gone.
        ok(&url, &["upgrade", FIRST]);
        db.execute("DROP TABLE migrate_heads").await;
        db.execute("DROP TABLE migrate_audit").await;
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
            .await;
        db.execute(&format!("INSERT INTO alembic_version VALUES ('{FIRST}')"))
            .await;
        let advice = format!(
            "the database is managed by Alembic (alembic_version says {FIRST}) and has none of migrate's version tables"
        );
        let status = fails(&url, &["status"], 1);
        assert_has(&status, &[&advice, &format!("`stamp {FIRST}`")]);
        let check = fails(&url, &["check"], 1);
        assert_has(&check, &[&advice]);
        let upgrade = fails(&url, &["upgrade"], 1);
        assert_has(&upgrade, &[&advice, "nothing was run"]);
        assert_eq!(db.heads().await, Vec::<String>::new(), "{kind:?}");
        ok(&url, &["stamp", FIRST]);
        ok(&url, &["upgrade"]);
        assert!(db.heads().await.len() == 1, "{kind:?}");
    }
    // Another tool, whose versions are not revisions of this build.
    let db = TestDb::sqlite();
    db.execute("CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT)")
        .await;
    db.execute(
        "INSERT INTO _sqlx_migrations VALUES (20240101120000, 'init'), (20240202120000, 'more')",
    )
    .await;
    let status = fails(&db.url, &["status"], 1);
    assert_has(
        &status,
        &[
            "managed by sqlx (_sqlx_migrations says 20240202120000)",
            "find the revision of this build whose schema the database has and record it with `stamp <revision>`",
        ],
    );
    let upgrade = fails(&db.url, &["upgrade"], 1);
    assert_has(&upgrade, &["managed by sqlx", "nothing was run"]);
    // Its newest version is the highest, not the last as text ("9" sorts
    // after "10"), on every backend.
    for db in TestDb::all().await {
        db.execute(
            "CREATE TABLE refinery_schema_history (version INT PRIMARY KEY, name VARCHAR(255))",
        )
        .await;
        db.execute("INSERT INTO refinery_schema_history VALUES (9, 'nine'), (10, 'ten')")
            .await;
        let status = fails(&db.url, &["status"], 1);
        assert_has(
            &status,
            &["managed by refinery (refinery_schema_history says 10)"],
        );
    }
}

/// A new user's first hour: each message says what is true, in the terms
/// of the backend at hand.
#[tokio::test]
async fn messages_of_a_first_hour() {
    let db = TestDb::sqlite();
    let url = db.url.clone();
    // Unknown flags are flags, not targets.
    let text = fails(&url, &["upgrade", "--foo"], 2);
    assert_has(
        &text,
        &["`--foo` is not a flag of this command (see --help), nor a target"],
    );
    let text = fails(&url, &["downgrade", "--all"], 2);
    assert_has(&text, &["`--all` is not a flag of this command"]);
    // `--version` names the migrations crate's binary.
    let out = cli(&url, &["--version"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("app-migrate (migrate "),
        "{out:?}"
    );
    // A huge lock timeout waits long, rather than not at all.
    ok(
        &url,
        &["upgrade", "+1", "--lock-timeout", "18446744073709551615"],
    );
    // `show +1` counts from the database's revision.
    let out = cli(&url, &["show", "+1"]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && shown.contains("Rev: 8d2e4b6a1c0f"),
        "{shown}"
    );
    // In --format json every error is one JSON document on stderr.
    let out = cli(&url, &["--format", "json", "upgrade", "zzzz9999"]);
    assert_eq!(out.status.code(), Some(1));
    let error: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("zzzz9999"),
        "{error}"
    );
    assert_eq!(error["error"]["exit_code"], 1);
    let out = cli(&url, &["--format", "json", "upgrade", "--foo"]);
    assert_eq!(out.status.code(), Some(2));
    let error: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(error["error"]["exit_code"], 2);

    // SQLite read verbs wait --lock-timeout for a writer, and say why.
    {
        use sqlx::Connection;
        let mut holder = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql("BEGIN EXCLUSIVE")
            .execute(&mut holder)
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let text = fails(&url, &["current", "--lock-timeout", "1"], 1);
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        assert_has(
            &text,
            &[
                "another connection holds the database's lock: wait for it to finish, or raise --lock-timeout",
            ],
        );
        sqlx::raw_sql("ROLLBACK")
            .execute(&mut holder)
            .await
            .unwrap();
    }

    let Ok(admin) = std::env::var("MIGRATE_TEST_MYSQL_URL") else {
        return;
    };
    let host = server(&admin);
    // A MariaDB URL without a database.
    let text = fails(&format!("mysql://root@{host}"), &["status"], 1);
    assert_has(&text, &["names no database; add it after the host"]);
    // MariaDB's 1044: the login works, the database is not the user's.
    let Some(mysql) = TestDb::mysql().await else {
        return;
    };
    let user = format!("nodb_{}", std::process::id());
    mysql
        .execute(&format!("DROP USER IF EXISTS '{user}'@'%'"))
        .await;
    mysql.execute(&format!("CREATE USER '{user}'@'%'")).await;
    let database = mysql.url.rsplit('/').next().unwrap().to_owned();
    let text = fails(&format!("mysql://{user}@{host}/{database}"), &["status"], 1);
    assert_has(
        &text,
        &[
            &format!("the user may not use the database `{database}`"),
            "GRANT ALL ON",
        ],
    );
    assert!(!text.contains("password"), "{text}");
    mysql.execute(&format!("DROP USER '{user}'@'%'")).await;
}

/// `show` with several revisions prints one JSON document.
#[test]
fn show_prints_one_json_document() {
    let out = Command::new(env!("CARGO_BIN_EXE_branches-migrate"))
        .args(["--format", "json", "show", "heads"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        document["revisions"].as_array().unwrap().len(),
        2,
        "{document}"
    );
}

/// A SQLite file this user may not write: said in SQLite's terms, before
/// anything runs. Run as `nobody` when the tests run as root (root writes
/// any file).
#[cfg(unix)]
#[test]
fn a_read_only_sqlite_file_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let file = dir.path().join("ro.db");
    let url = format!("sqlite:{}", file.display());
    ok(&url, &["upgrade", "+1"]);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let mut command = if root {
        let available = Command::new("runuser")
            .args(["-u", "nobody", "--", "true"])
            .status()
            .is_ok_and(|s| s.success());
        if !available {
            return;
        }
        // nobody may not reach the build's directory (a checkout in a
        // private temp dir): a copy in the test's own directory.
        let binary = dir.path().join("app-migrate");
        std::fs::copy(env!("CARGO_BIN_EXE_app-migrate"), &binary).unwrap();
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut c = Command::new("runuser");
        c.args(["-u", "nobody", "--"]).arg(&binary);
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_app-migrate"))
    };
    let out = command
        .args(["upgrade", "--database-url", &url])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_has(
        &stderr,
        &["this user cannot write it", "check its permissions"],
    );
    for server_words in ["server", "host", "port"] {
        assert!(!stderr.contains(server_words), "{stderr}");
    }
}
