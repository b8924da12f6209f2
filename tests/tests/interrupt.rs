//! Ctrl-C (SIGINT) and SIGTERM during a run, through `slow-migrate` (a step
//! with one long statement), on every backend: the command cancels the
//! statement on the server (PostgreSQL cancel, MySQL `KILL QUERY`; SQLite
//! finishes its statement and starts no other), rolls the step back (MySQL:
//! records where it stopped), releases the lock, says where the database
//! is, and exits 130.

#![cfg(unix)]

mod support;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{Kind, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_slow-migrate");

fn command(db: &TestDb, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .arg("--database-url")
        .arg(&db.url)
        .env_remove("DATABASE_URL")
        .env_remove("MIGRATE_LOG");
    command
}

/// Whether the long statement is running on the server now.
async fn long_statement_running(db: &TestDb) -> bool {
    let sql = match db.kind {
        Kind::Postgres => {
            "SELECT pid::text FROM pg_stat_activity WHERE state = 'active' \
             AND query = 'SELECT pg_sleep(600)' AND datname = current_database()"
        }
        Kind::MySql => {
            "SELECT CAST(ID AS CHAR) FROM information_schema.PROCESSLIST \
             WHERE INFO LIKE 'SELECT BENCHMARK(100000000000%' AND DB = DATABASE()"
        }
        // The step holds SQLite's write lock from its `BEGIN IMMEDIATE`: a
        // write transaction that cannot start at once means it runs.
        Kind::Sqlite => return sqlite_write_locked(db).await,
    };
    !db.strings(sql).await.is_empty()
}

async fn sqlite_write_locked(db: &TestDb) -> bool {
    use sqlx::{ConnectOptions as _, Connection as _};
    let Ok(options) = db.url.parse::<sqlx::sqlite::SqliteConnectOptions>() else {
        return false;
    };
    let Ok(mut conn) = options.busy_timeout(Duration::ZERO).connect().await else {
        return false;
    };
    let locked = sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut conn)
        .await
        .is_err();
    if !locked {
        let _ = sqlx::raw_sql("ROLLBACK").execute(&mut conn).await;
    }
    let _ = conn.close().await;
    locked
}

async fn lock_is_free(db: &TestDb) -> bool {
    match db.kind {
        Kind::Postgres => {
            // This database's: other tests hold theirs at the same time.
            db.strings(
                "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' \
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            )
            .await
                == ["0"]
        }
        Kind::MySql => {
            db.strings("SELECT CAST(IS_FREE_LOCK(CONCAT('migrate:', DATABASE())) AS CHAR)")
                .await
                == ["1"]
        }
        Kind::Sqlite => {
            db.execute("BEGIN IMMEDIATE; ROLLBACK").await;
            true
        }
    }
}

async fn stop_a_run(db: TestDb, signal: &str) {
    let kind = db.kind;
    assert!(
        command(&db, &["upgrade", "w001"])
            .status()
            .unwrap()
            .success()
    );
    let child = command(&db, &["upgrade"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the long statement runs (SQLite: until the step holds the
    // write lock, then a little, so that the signal lands in the statement).
    let started = Instant::now();
    while !long_statement_running(&db).await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{kind:?}: never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if kind == Kind::Sqlite {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let sent = Instant::now();
    let kill = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out: Output = child.wait_with_output().unwrap();
    let took = sent.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{kind:?}: {stderr}");
    assert!(
        took < Duration::from_secs(20),
        "{kind:?}: took {took:?} to stop"
    );
    let name = signal.trim_start_matches('-');
    let name = format!("SIG{name}");
    assert!(
        stderr.contains(&format!("{name}: stopping")),
        "{kind:?}: {stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "stopped by {name}: the database is at w001, with 1 migration(s) pending; the lock is released"
        )),
        "{kind:?}: {stderr}"
    );
    if kind != Kind::Sqlite {
        assert!(
            !long_statement_running(&db).await,
            "{kind:?}: the server still runs it"
        );
    }
    assert!(lock_is_free(&db).await, "{kind:?}: the lock is held");
    assert_eq!(db.heads().await, ["w001"], "{kind:?}");
    let tables = db.tables().await;
    assert!(
        !tables.contains(&"after_long".to_owned()),
        "{kind:?}: {tables:?}"
    );
    match kind {
        // DDL commits as it goes: the step is recorded where it stopped
        // (MariaDB's BENCHMARK returns, rather than fails, when killed: 2
        // of 3 statements done), and `status` says how to resolve it.
        Kind::MySql => {
            assert!(tables.contains(&"during".to_owned()), "{tables:?}");
            assert!(
                (stderr.contains("after 1 of 3 statements")
                    || stderr.contains("after 2 of 3 statements"))
                    && stderr.contains("repair w002 --applied"),
                "{stderr}"
            );
        }
        // One transaction: nothing of the step stays.
        _ => {
            assert!(
                !tables.contains(&"during".to_owned()),
                "{kind:?}: {tables:?}"
            );
            assert_eq!(
                db.audit().await.last().map(|r| r.2.clone()).as_deref(),
                Some("failed"),
                "{kind:?}"
            );
        }
    }
}

#[tokio::test]
async fn ctrl_c_stops_a_run_on_sqlite() {
    stop_a_run(TestDb::sqlite(), "-INT").await;
}

#[tokio::test]
async fn ctrl_c_stops_a_run_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        stop_a_run(db, "-INT").await;
    }
}

#[tokio::test]
async fn sigterm_stops_a_run_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        stop_a_run(db, "-TERM").await;
    }
}

#[tokio::test]
async fn ctrl_c_stops_a_run_on_mariadb() {
    if let Some(db) = TestDb::mysql().await {
        stop_a_run(db, "-INT").await;
    }
}

/// Through PgBouncer in transaction pooling: the cancel reaches the server
/// process of the step's transaction, and no other.
#[tokio::test]
async fn ctrl_c_stops_a_run_through_pgbouncer() {
    if let Some(db) = TestDb::postgres_via_pgbouncer().await {
        stop_a_run(db, "-INT").await;
    }
}
