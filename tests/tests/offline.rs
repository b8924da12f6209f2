//! Offline mode: the script `upgrade --sql` prints, run with the real client
//! (sqlite3, psql, mysql), leaves the same schema and heads table as an
//! online upgrade; scripts are snapshot-tested per backend; a step that
//! cannot be rendered offline names its revision.

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use migrate_core::driver::{self, Access};
use migrate_core::schema;
use support::{Kind, TestDb};

const APP: &str = env!("CARGO_BIN_EXE_app-migrate");
const BRANCHES: &str = env!("CARGO_BIN_EXE_branches-migrate");
const BACKFILL: &str = env!("CARGO_BIN_EXE_backfill-migrate");
const INDEX: &str = env!("CARGO_BIN_EXE_index-migrate");
/// The example revision before `price_cents`, whose backfill is Rust.
const BEFORE_RUST_BACKFILL: &str = "a93c4e2f61b8";

/// A declarative backfill is written as the one UPDATE it amounts to, said
/// so in a comment; one that runs a Rust function is refused by name.
#[test]
fn a_rust_backfill_is_refused_offline() {
    let url = "postgres://nobody@localhost/none";
    let text = script(APP, url, &["upgrade", "--sql", "7d3e9a1b5c20:5b1e7c9d2a40"]);
    assert!(
        text.contains("-- backfill: online, this runs in key-range batches of its own transactions; here it is one UPDATE\nUPDATE \"users\" SET \"locale\" = 'en' WHERE (\"locale\" IS NULL);"),
        "{text}"
    );
    let out = run(APP, url, &["upgrade", "--sql", "heads"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: revision e2d84b17c6f3: statement 2 (backfill products.price_cents) cannot be rendered offline on postgres: it runs a Rust function on every row, which a script cannot; run this migration online (without --sql)"),
        "{stderr}"
    );
}

fn run(bin: &str, url: &str, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .env("DATABASE_URL", url)
        .env_remove("MIGRATE_LOG")
        .output()
        .expect("run the migrations binary")
}

fn script(bin: &str, url: &str, args: &[&str]) -> String {
    let out = run(bin, url, args);
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `sql` with the backend's own command-line client, as a DBA would.
fn client(db: &TestDb, sql: &str) {
    let mut command = match db.kind {
        Kind::Sqlite => {
            let path = db.url.trim_start_matches("sqlite:");
            let mut c = Command::new("sqlite3");
            c.args(["-bail", path]);
            c
        }
        Kind::Postgres => {
            let mut c = Command::new("psql");
            c.args(["-q", "-v", "ON_ERROR_STOP=1", &db.url]);
            c
        }
        Kind::MySql => {
            // mysql://user@host:port/name
            let rest = db.url.trim_start_matches("mysql://");
            let (authority, name) = rest.split_once('/').unwrap();
            let (user, host) = authority.split_once('@').unwrap();
            let (host, port) = host.split_once(':').unwrap_or((host, "3306"));
            let mut c = Command::new("mysql");
            c.args(["-h", host, "-P", port, "-u", user, name]);
            c
        }
    };
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run the {:?} client: {e}", db.kind));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{:?} client failed: {}\n{sql}",
        db.kind,
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn snapshot(db: &TestDb) -> schema::Schema {
    let mut conn = driver::connect(&db.url, Access::ReadOnly).await.unwrap();
    let snapshot = schema::snapshot(conn.as_mut()).await.unwrap();
    conn.close().await.ok();
    snapshot
}

/// Upgrades one fresh database with the script and another online, through
/// `bin` to `target`, then downgrades both to `down`, comparing each time.
async fn offline_equals_online(
    bin: &str,
    offline: TestDb,
    online: TestDb,
    target: &str,
    down: &str,
) {
    let kind = offline.kind;
    client(
        &offline,
        &script(bin, &offline.url, &["upgrade", "--sql", target]),
    );
    let out = run(bin, &online.url, &["upgrade", target]);
    assert!(out.status.success(), "{out:?}");
    let diff = snapshot(&online).await.diff(&snapshot(&offline).await);
    assert!(diff.changes.is_empty(), "{kind:?}: upgrade:\n{diff}");
    assert_eq!(offline.heads().await, online.heads().await, "{kind:?}");
    let recorded = online.bookkeeping().await;
    assert!(!recorded.is_empty(), "{kind:?}");
    assert_eq!(offline.bookkeeping().await, recorded, "{kind:?}: upgrade");

    let range = format!("{target}:{down}");
    client(
        &offline,
        &script(bin, &offline.url, &["downgrade", "--sql", &range]),
    );
    let out = run(bin, &online.url, &["downgrade", down]);
    assert!(out.status.success(), "{out:?}");
    let diff = snapshot(&online).await.diff(&snapshot(&offline).await);
    assert!(diff.changes.is_empty(), "{kind:?}: downgrade:\n{diff}");
    assert_eq!(offline.heads().await, online.heads().await, "{kind:?}");
    assert_eq!(
        offline.bookkeeping().await,
        online.bookkeeping().await,
        "{kind:?}: downgrade"
    );
}

// Each backend runs a script that moves several heads (the branches), and
// one whose step runs in phases online (a backfill, and on MySQL every
// step): the run and the script leave the same audit rows, column by
// column, not only the same schema.

#[tokio::test]
async fn sqlite3_runs_the_script() {
    // The example's table rebuilds (a check constraint, an altered column)
    // are derived from the replayed schema; its last migration runs a Rust
    // function, so the script stops before it.
    for (bin, target, down) in [
        (BRANCHES, "heads", "a002"),
        (BACKFILL, "heads", "base"),
        (APP, BEFORE_RUST_BACKFILL, "base"),
    ] {
        offline_equals_online(bin, TestDb::sqlite(), TestDb::sqlite(), target, down).await;
    }
}

#[tokio::test]
async fn psql_runs_the_script() {
    // The example's last migration runs a Rust function: a script stops
    // before it (see `a_rust_backfill_is_refused_offline`).
    for (bin, target) in [
        (APP, BEFORE_RUST_BACKFILL),
        (BRANCHES, "heads"),
        (BACKFILL, "heads"),
        // CREATE INDEX CONCURRENTLY: a step outside a transaction.
        (INDEX, "heads"),
    ] {
        let (Some(offline), Some(online)) = (TestDb::postgres().await, TestDb::postgres().await)
        else {
            return;
        };
        offline_equals_online(bin, offline, online, target, "base").await;
    }
}

#[tokio::test]
async fn mysql_runs_the_script() {
    // The example's last migration runs a Rust function: a script stops
    // before it (see `a_rust_backfill_is_refused_offline`).
    for (bin, target) in [
        (APP, BEFORE_RUST_BACKFILL),
        (BRANCHES, "heads"),
        (BACKFILL, "heads"),
    ] {
        let (Some(offline), Some(online)) = (TestDb::mysql().await, TestDb::mysql().await) else {
            return;
        };
        offline_equals_online(bin, offline, online, target, "base").await;
    }
}

#[test]
fn scripts_are_the_same_on_every_run() {
    for (name, url) in [
        ("postgres", "postgres://app@db/app"),
        ("mysql", "mysql://app@db/app"),
        ("sqlite", "sqlite:app.db"),
    ] {
        insta::assert_snapshot!(
            format!("upgrade_{name}"),
            script(BRANCHES, url, &["upgrade", "--sql", "a002:billing@head"])
        );
        insta::assert_snapshot!(
            format!("downgrade_{name}"),
            script(BRANCHES, url, &["downgrade", "--sql", "heads:billing@base"])
        );
    }
    // Bound values are written as literals.
    let postgres = script(
        APP,
        "postgres://app@db/app",
        &["upgrade", "--sql", "aacf5257b9c5:6f61e53762d5"],
    );
    insta::assert_snapshot!("bulk_insert_postgres", postgres);
    let mysql = script(
        APP,
        "mysql://app@db/app",
        &["upgrade", "--sql", "aacf5257b9c5:6f61e53762d5"],
    );
    insta::assert_snapshot!("bulk_insert_mysql", mysql);
}

#[test]
fn what_cannot_be_rendered_offline_is_named() {
    let out = run(APP, "sqlite:app.db", &["upgrade", "--sql"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(
        error.starts_with(
            "error: revision e2d84b17c6f3: statement 2 (backfill products.price_cents) cannot be rendered offline on sqlite: it runs a Rust function on every row"
        ),
        "{error}"
    );
    let cases: [(&[&str], &str); 3] = [
        (
            &["downgrade", "--sql", "base"],
            "downgrade --sql needs FROM:TO",
        ),
        (
            &["upgrade", "--sql", "current:head"],
            "offline mode cannot read",
        ),
        (&["upgrade", "--sql", "-1:head"], "offline mode cannot read"),
    ];
    for (args, expected) in cases {
        let out = run(APP, "sqlite:app.db", args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let error = String::from_utf8_lossy(&out.stderr);
        assert!(error.contains(expected), "{args:?}: {error}");
    }
    assert!(
        !std::path::Path::new("app.db").exists(),
        "offline mode created a database"
    );
}

fn create_note(m: &mut migrate_core::ops::Migration) {
    use migrate_core::ops::{Column, Table};
    m.create_table(Table::new("note").column(Column::new("id").integer().primary_key()));
}

/// A message with a newline, registered by hand (the macro refuses one):
/// the script shows it as one inert comment line, so a client running the
/// script never runs what follows the newline.
#[tokio::test]
async fn a_message_never_becomes_a_line_of_sql() {
    static HOSTILE: migrate_core::Registration = migrate_core::Registration {
        id: "msg_0001",
        revises: &[],
        branch_labels: &[],
        depends_on: &[],
        message: "add note\nDROP TABLE important;\r\nDROP TABLE important;\u{2028}x",
        module: "offline",
        file: file!(),
        line: line!(),
        upgrade: create_note,
        downgrade: None,
    };
    let migrator = migrate_core::Migrator::new(vec![&HOSTILE]).unwrap();
    for db in TestDb::all().await {
        let backend = match db.kind {
            Kind::Sqlite => migrate_core::Backend::Sqlite,
            Kind::Postgres => migrate_core::Backend::Postgres,
            Kind::MySql => migrate_core::Backend::MySql,
        };
        db.execute("CREATE TABLE important (id integer)").await;
        let script = migrator
            .offline_script(
                backend,
                migrate_core::driver::Direction::Upgrade,
                &[],
                &migrate_core::graph::Target::Head,
            )
            .unwrap();
        assert!(
            script.contains(
                r"-- Running upgrade  -> msg_0001, add note\nDROP TABLE important;\r\nDROP TABLE important;\u{2028}x"
            ),
            "{script}"
        );
        assert!(
            !script.lines().any(|l| l.starts_with("DROP")),
            "{:?}: {script}",
            db.kind
        );
        client(&db, &script);
        assert!(
            db.tables().await.contains(&"important".to_owned()),
            "{:?}: the script dropped a table",
            db.kind
        );
        assert_eq!(db.heads().await, ["msg_0001"], "{:?}", db.kind);
    }
}

fn owners_and_pets(m: &mut migrate_core::ops::Migration) {
    use migrate_core::ops::{Column, Index, Table};
    m.create_table(Table::new("owners").column(Column::new("id").integer().primary_key()));
    m.create_table(
        Table::new("pets")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("owner_id").integer())
            .column(Column::new("vet_id").integer()),
    );
    m.create_index(Index::new("ix_pets_owner").on("pets", ["owner_id", "id"]));
}

fn pet_keys(m: &mut migrate_core::ops::Migration) {
    use migrate_core::ops::ForeignKey;
    m.create_foreign_key(
        "pets",
        ForeignKey::new("fk_pets_owner", ["owner_id"], "owners", ["id"]),
    );
    m.create_foreign_key(
        "pets",
        ForeignKey::new("fk_pets_vet", ["vet_id"], "owners", ["id"]),
    );
}

/// MySQL: a foreign key added to an existing table gets an index of its own
/// only when none covers its columns, decided when the statement runs: the
/// same in a script run by the `mysql` client as online.
#[tokio::test]
async fn a_scripted_foreign_key_gets_its_index_only_when_needed() {
    static TABLES: migrate_core::Registration = migrate_core::Registration {
        id: "fkx_0001",
        revises: &[],
        branch_labels: &[],
        depends_on: &[],
        message: "owners and pets",
        module: "offline",
        file: file!(),
        line: line!(),
        upgrade: owners_and_pets,
        downgrade: None,
    };
    static KEYS: migrate_core::Registration = migrate_core::Registration {
        id: "fkx_0002",
        revises: &["fkx_0001"],
        branch_labels: &[],
        depends_on: &[],
        message: "pet keys",
        module: "offline",
        file: file!(),
        line: line!(),
        upgrade: pet_keys,
        downgrade: None,
    };
    let Some(db) = TestDb::mysql().await else {
        return;
    };
    let migrator = migrate_core::Migrator::new(vec![&TABLES, &KEYS]).unwrap();
    let script = migrator
        .offline_script(
            migrate_core::Backend::MySql,
            migrate_core::driver::Direction::Upgrade,
            &[],
            &migrate_core::graph::Target::Head,
        )
        .unwrap();
    client(&db, &script);
    let indexes = db
        .strings(
            "SELECT DISTINCT CAST(index_name AS CHAR) FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND table_name = 'pets' ORDER BY 1",
        )
        .await;
    assert_eq!(
        indexes,
        ["fk_pets_vet", "ix_pets_owner", "PRIMARY"],
        "{script}"
    );
}

/// `schema --format sql`, run with the client on an empty database, builds
/// what an online `upgrade heads` builds: the replayed schema, written as
/// CREATE statements, is the real one.
async fn schema_sql_equals_online(bin: &str, fresh: TestDb, online: TestDb) {
    let kind = fresh.kind;
    let sql = script(bin, &fresh.url, &["schema", "--format", "sql"]);
    assert!(!sql.contains("not certain"), "{kind:?}: {sql}");
    client(&fresh, &sql);
    let out = run(bin, &online.url, &["upgrade", "heads"]);
    assert!(out.status.success(), "{out:?}");
    let diff = snapshot(&online).await.diff(&snapshot(&fresh).await);
    assert!(diff.changes.is_empty(), "{kind:?}: {bin}:\n{diff}\n{sql}");
}

const SCHEMA_CRATES: [&str; 4] = [APP, BRANCHES, BACKFILL, INDEX];

#[tokio::test]
async fn sqlite3_builds_the_schema_sql() {
    for bin in SCHEMA_CRATES {
        schema_sql_equals_online(bin, TestDb::sqlite(), TestDb::sqlite()).await;
    }
}

#[tokio::test]
async fn psql_builds_the_schema_sql() {
    for bin in SCHEMA_CRATES {
        let (Some(fresh), Some(online)) = (TestDb::postgres().await, TestDb::postgres().await)
        else {
            return;
        };
        schema_sql_equals_online(bin, fresh, online).await;
    }
}

#[tokio::test]
async fn mysql_builds_the_schema_sql() {
    for bin in SCHEMA_CRATES {
        let (Some(fresh), Some(online)) = (TestDb::mysql().await, TestDb::mysql().await) else {
            return;
        };
        schema_sql_equals_online(bin, fresh, online).await;
    }
}
