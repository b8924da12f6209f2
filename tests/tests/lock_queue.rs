//! The lock-queue outage: a long transaction holds a lock on a busy table;
//! a migration's `ALTER TABLE` asks for ACCESS EXCLUSIVE (PostgreSQL) or an
//! exclusive metadata lock (MariaDB) and queues behind it, and every
//! ordinary query on the table queues behind the `ALTER`. With the default
//! lock wait (1 s, run again after a backoff) the `ALTER` gives its place up
//! after a second, the queries go on (their worst latency stays near the
//! timeout), and the migration completes once the blocker ends. Without it,
//! the same queries wait as long as the blocker runs: the outage. An index
//! on a table a writer holds open is built `CONCURRENTLY` by default, and
//! writes beside it never wait.
//!
//! The figures are printed (`--nocapture`) and recorded in BENCHMARKS.md;
//! the assertions leave wide margins (2-core machines under load).

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use migrate_core::Migrator;
use migrate_core::driver::{self, Access};
use migrate_core::graph::Target;
use migrate_core::migrator::Timeouts;
use migrate_core::ops::{Column, Index, Migration, Table};
use support::{TestDb, registration};

/// How long the blocking transaction holds its lock.
const BLOCKER: Duration = Duration::from_secs(6);

fn create(m: &mut Migration) {
    m.create_table(
        Table::new("busy")
            .column(
                Column::new("id")
                    .big_integer()
                    .primary_key()
                    .auto_increment(),
            )
            .column(Column::new("v").integer()),
    );
}

fn alter(m: &mut Migration) {
    m.add_column("busy", Column::new("note").text().nullable());
}

fn index(m: &mut Migration) {
    m.create_index(Index::new("ix_busy_v").on("busy", ["v"]));
}

fn index_as_written(m: &mut Migration) {
    m.blocking_ddl();
    index(m);
}

/// A transaction that read the table and stays open: it holds ACCESS
/// SHARE, which only an `ALTER TABLE` waits for.
const READER: &str = "BEGIN; SELECT count(*) FROM busy";

/// A transaction that wrote to the table and stays open: it holds ROW
/// EXCLUSIVE, which a plain `CREATE INDEX` waits for too.
const WRITER: &str = "BEGIN; INSERT INTO busy (v) VALUES (3)";

struct Outcome {
    /// The worst latency of one SELECT or INSERT of the loop.
    worst: Duration,
    /// How many the loop ran.
    queries: usize,
    /// How long the migration took.
    migration: Duration,
}

/// Runs the scenario on `db`: `blocker` holds its lock while the second
/// migration (`change`) runs with `lock_wait`.
async fn scenario(
    db: &TestDb,
    blocker_sql: &str,
    change: fn(&mut Migration),
    timeouts: Timeouts,
) -> Outcome {
    let first = Migrator::new(vec![registration("q001", &[], create, None)]).unwrap();
    let mut conn = driver::connect(&db.url, Access::ReadWrite).await.unwrap();
    first
        .upgrade(conn.as_mut(), &Target::Heads, &mut |_| {})
        .await
        .unwrap();
    conn.close().await.unwrap();
    db.execute("INSERT INTO busy (v) VALUES (1)").await;

    // Through the framework's driver: the same calls on every backend.
    let mut blocker = driver::connect(&db.url, Access::ReadWrite).await.unwrap();
    for sql in blocker_sql.split("; ") {
        blocker.execute(sql).await.unwrap();
    }

    // The application: SELECTs and INSERTs, one at a time, timed.
    let stop = Arc::new(AtomicBool::new(false));
    let app = {
        let stop = Arc::clone(&stop);
        let url = db.url.clone();
        tokio::spawn(async move {
            let mut app = driver::connect(&url, Access::ReadWrite).await.unwrap();
            let (mut worst, mut queries) = (Duration::ZERO, 0);
            while !stop.load(Ordering::Relaxed) {
                for sql in [
                    "SELECT count(*) FROM busy",
                    "INSERT INTO busy (v) VALUES (2)",
                ] {
                    let at = Instant::now();
                    app.execute(sql).await.unwrap();
                    worst = worst.max(at.elapsed());
                    queries += 1;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            app.close().await.unwrap();
            (worst, queries)
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The migration, while the blocker holds its lock (not `Send`: run
    // beside the blocker's end on this task).
    let migrate = async {
        let migrator = Migrator::new(vec![
            registration("q001", &[], create, None),
            registration("q002", &["q001"], change, None),
        ])
        .unwrap()
        .with_timeouts(timeouts);
        let mut conn = driver::connect(&db.url, Access::ReadWrite).await.unwrap();
        let at = Instant::now();
        let result = migrator
            .upgrade(conn.as_mut(), &Target::Heads, &mut |_| {})
            .await
            .map(|_| ());
        conn.close().await.unwrap();
        (result, at.elapsed())
    };
    let release = async {
        tokio::time::sleep(BLOCKER).await;
        blocker.execute("COMMIT").await.unwrap();
        blocker.close().await.unwrap();
    };
    let ((result, took), ()) = tokio::join!(migrate, release);
    result.unwrap_or_else(|e| panic!("the migration failed: {e}"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let (worst, queries) = app.await.unwrap();
    Outcome {
        worst,
        queries,
        migration: took,
    }
}

/// The reader scenario on `safe_db` with the default timeouts and on
/// `unsafe_db` without a lock timeout: the first keeps the queue moving,
/// the second is the outage; both migrations complete.
async fn lock_wait_against_outage(safe_db: TestDb, unsafe_db: TestDb, what: &str) {
    let safe = scenario(&safe_db, READER, alter, Timeouts::default()).await;
    assert!(safe_db.columns("busy").await.contains(&"note".to_owned()));
    let no_wait = Timeouts {
        lock_timeout: None,
        ..Timeouts::default()
    };
    let outage = scenario(&unsafe_db, READER, alter, no_wait).await;
    println!(
        "{what}, blocker {:?}: with a 1 s lock timeout the worst query took {:?} ({} queries, migration {:?}); without it {:?} ({} queries, migration {:?})",
        BLOCKER,
        safe.worst,
        safe.queries,
        safe.migration,
        outage.worst,
        outage.queries,
        outage.migration
    );
    assert!(
        safe.worst < Duration::from_millis(3_000),
        "{what}: the queue stalled with the safe default: {:?}",
        safe.worst
    );
    assert!(
        outage.worst > BLOCKER - Duration::from_secs(2),
        "{what}: without a lock timeout the queries should have waited for the blocker: {:?}",
        outage.worst
    );
    assert!(safe.migration >= BLOCKER - Duration::from_secs(1));
}

#[test]
fn a_short_lock_timeout_keeps_the_queue_moving_and_the_migration_completes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let Some(safe_db) = TestDb::postgres().await else {
            return;
        };
        let unsafe_db = TestDb::postgres().await.unwrap();
        lock_wait_against_outage(safe_db, unsafe_db, "lock queue on PostgreSQL").await;
    });
}

/// An index on a table that holds rows is built `CONCURRENTLY`: while a
/// writer's open transaction makes the build wait, other writes go on at
/// once. Written plainly (`blocking_ddl`), the build queues for SHARE
/// behind the writer and every later INSERT queues behind the build, up to
/// the lock timeout each time.
#[test]
fn an_index_on_a_busy_table_never_holds_up_its_writes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let Some(online_db) = TestDb::postgres().await else {
            return;
        };
        let online = scenario(&online_db, WRITER, index, Timeouts::default()).await;
        let plain_db = TestDb::postgres().await.unwrap();
        let plain = scenario(&plain_db, WRITER, index_as_written, Timeouts::default()).await;
        println!(
            "index on a busy table, writer {:?}: online (CONCURRENTLY) worst query {:?} ({} queries, migration {:?}); as written {:?} ({} queries, migration {:?})",
            BLOCKER,
            online.worst,
            online.queries,
            online.migration,
            plain.worst,
            plain.queries,
            plain.migration
        );
        for db in [&online_db, &plain_db] {
            let valid = db
                .strings("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'ix_busy_v'::regclass")
                .await;
            assert_eq!(valid, ["true"]);
        }
        // The build waited for the writer, and so did the plain one.
        assert!(online.migration >= BLOCKER - Duration::from_secs(1));
        assert!(
            online.worst < Duration::from_millis(600),
            "writes waited for the concurrent build: {:?}",
            online.worst
        );
        assert!(
            plain.worst > Duration::from_millis(700),
            "the plain build should have held writes up to its lock timeout: {:?}",
            plain.worst
        );
    });
}

/// The same outage on MariaDB: DDL waits for the metadata lock a reader's
/// open transaction holds, and every later query on the table queues behind
/// it. With the default the step sets `lock_wait_timeout` to a second: the
/// `ALTER` gives up, runs again after a backoff, and completes once the
/// reader ends; without it, the queries wait for the whole transaction.
#[test]
fn mariadb_gives_its_place_in_the_metadata_lock_queue_up() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let Some(safe_db) = TestDb::mysql().await else {
            return;
        };
        let unsafe_db = TestDb::mysql().await.unwrap();
        lock_wait_against_outage(safe_db, unsafe_db, "metadata lock queue on MariaDB").await;
    });
}
