//! Batched backfills on real databases (SQLite always, PostgreSQL and
//! MariaDB when their URLs are set):
//!
//! - every row is updated exactly once (`hits = hits + 1` with no "still
//!   needs work" predicate, so a batch run twice or skipped shows), with
//!   gaps in the key, a composite key, an empty table and a table smaller
//!   than one batch;
//! - rows inserted while the walk runs are updated when the walk reaches
//!   them; rows inserted behind it are left to the application, as
//!   documented;
//! - a table with no usable key, an unknown column and a value of the wrong
//!   type are refused before any batch;
//! - schema steps around a backfill run as phases, `status` shows the phase
//!   a stopped migration is in, and `upgrade` continues it; `downgrade`
//!   works;
//! - a killed process continues after the last committed key.

mod support;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use migrate_core::driver::{self, Access, Driver};
use migrate_core::graph::Target;
use migrate_core::migrator::BackfillProgress;
use migrate_core::ops::{AlterColumn, Backfill, Column, Migration, Table};
use migrate_core::{Error, Migrator, Registration};
use support::{Kind, TestDb, registration};

const ROWS: u64 = 2_345;

fn create_items(m: &mut Migration) {
    m.create_table(
        Table::new("items")
            .column(Column::new("id").big_integer().primary_key())
            .column(Column::new("hits").integer().default(0))
            .column(Column::new("locale").string(8).nullable()),
    );
    m.execute(format!(
        "INSERT INTO items (id, hits) SELECT n, 0 FROM ({}) AS numbers",
        migrate_tests::numbers(ROWS)
    ));
    // Gaps in the key: batches are key ranges, not row counts.
    m.execute("DELETE FROM items WHERE id % 7 = 0 OR (id > 1000 AND id < 1300)");
}

fn drop_items(m: &mut Migration) {
    m.drop_table("items");
}

fn base() -> &'static Registration {
    registration("b001", &[], create_items, Some(drop_items))
}

async fn connect(db: &TestDb) -> Box<dyn Driver> {
    driver::connect(&db.url, Access::ReadWrite)
        .await
        .expect("connect")
}

/// Runs `upgrade head`, recording every progress report.
async fn upgrade(
    db: &TestDb,
    migrations: Vec<&'static Registration>,
) -> (Result<(), Error>, Vec<BackfillProgress>) {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&reports);
    let migrator = Migrator::new(migrations)
        .unwrap()
        .with_lock_timeout(Duration::from_secs(10))
        .with_progress(Arc::new(move |p: &BackfillProgress| {
            sink.lock().unwrap().push(p.clone());
        }));
    let mut conn = connect(db).await;
    let result = migrator
        .upgrade(conn.as_mut(), &Target::Head, &mut |_| {})
        .await
        .map(drop);
    conn.close().await.ok();
    let reports = reports.lock().unwrap().clone();
    (result, reports)
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    let cast = match db.kind {
        Kind::MySql => format!("SELECT CAST(({sql}) AS CHAR)"),
        _ => format!("SELECT CAST(({sql}) AS TEXT)"),
    };
    db.strings(&cast).await[0].parse().unwrap()
}

fn every_item_once(m: &mut Migration) {
    m.backfill(
        Backfill::new("items")
            .set_sql("hits", "hits + 1")
            .batch_size(100),
    );
}

fn undo_nothing(_: &mut Migration) {}

#[tokio::test(flavor = "multi_thread")]
async fn every_row_is_updated_exactly_once() {
    for db in TestDb::all().await {
        let step = registration("b002", &["b001"], every_item_once, Some(undo_nothing));
        let (result, reports) = upgrade(&db, vec![base(), step]).await;
        result.unwrap_or_else(|e| panic!("{:?}: {e}", db.kind));
        let rows = count(&db, "SELECT COUNT(*) FROM items").await;
        assert!(rows > 1_700, "{:?}: {rows}", db.kind);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM items WHERE hits <> 1").await,
            0,
            "{:?}: a row was updated twice or never",
            db.kind
        );
        let last = reports.last().unwrap();
        assert!(last.done, "{:?}", db.kind);
        assert_eq!(last.rows_updated as i64, rows, "{:?}", db.kind);
        assert_eq!(last.last_key.as_deref(), Some("(2344)"), "{:?}", db.kind);
        // 100 rows a batch: batches are key ranges of 100 existing keys.
        assert_eq!(last.batches, (rows as u64).div_ceil(100), "{:?}", db.kind);
        assert_eq!(db.heads().await, ["b002"], "{:?}", db.kind);
    }
}

fn create_pairs(m: &mut Migration) {
    m.create_table(
        Table::new("pairs")
            .column(Column::new("region").string(8))
            .column(Column::new("n").integer())
            .column(Column::new("hits").integer().default(0))
            .primary_key(["region", "n"]),
    );
    let numbers = migrate_tests::numbers(300);
    m.execute(format!(
        "INSERT INTO pairs (region, n, hits) SELECT r.region, k.n, 0 FROM ({numbers}) AS k \
         CROSS JOIN (SELECT 'eu' AS region UNION ALL SELECT 'us' UNION ALL SELECT 'apac') AS r"
    ));
}

fn every_pair_once(m: &mut Migration) {
    m.backfill(
        Backfill::new("pairs")
            .set_sql("hits", "hits + 1")
            .batch_size(37),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_composite_key_is_walked_in_order() {
    for db in TestDb::all().await {
        let create = registration("p001", &[], create_pairs, None);
        let step = registration("p002", &["p001"], every_pair_once, Some(undo_nothing));
        let (result, reports) = upgrade(&db, vec![create, step]).await;
        result.unwrap_or_else(|e| panic!("{:?}: {e}", db.kind));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM pairs").await, 900);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM pairs WHERE hits <> 1").await,
            0,
            "{:?}: a row was updated twice or never",
            db.kind
        );
        let last = reports.last().unwrap();
        assert_eq!(last.rows_updated, 900, "{:?}", db.kind);
        assert_eq!(last.last_key.as_deref(), Some("(us, 300)"), "{:?}", db.kind);
        assert_eq!(last.batches, 900_u64.div_ceil(37), "{:?}", db.kind);
    }
}

fn create_small(m: &mut Migration) {
    m.create_table(
        Table::new("small")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("hits").integer().default(0)),
    );
    m.execute("INSERT INTO small (id, hits) VALUES (3, 0), (5, 0), (8, 0)");
    m.create_table(
        Table::new("empty")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("hits").integer().default(0)),
    );
}

fn small_and_empty(m: &mut Migration) {
    m.backfill(Backfill::new("small").set_sql("hits", "hits + 1"));
    m.backfill(Backfill::new("empty").set_sql("hits", "hits + 1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_table_and_one_smaller_than_a_batch() {
    for db in TestDb::all().await {
        let create = registration("s001", &[], create_small, None);
        let step = registration("s002", &["s001"], small_and_empty, Some(undo_nothing));
        let (result, reports) = upgrade(&db, vec![create, step]).await;
        result.unwrap_or_else(|e| panic!("{:?}: {e}", db.kind));
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM small WHERE hits = 1").await,
            3,
            "{:?}",
            db.kind
        );
        let done: Vec<_> = reports.iter().filter(|r| r.done).collect();
        assert_eq!(done.len(), 2, "{:?}: {reports:?}", db.kind);
        assert_eq!(
            (done[0].rows_updated, done[0].batches),
            (3, 1),
            "{:?}",
            db.kind
        );
        assert_eq!(
            (done[1].rows_updated, done[1].batches),
            (0, 0),
            "{:?}",
            db.kind
        );
        assert_eq!(db.heads().await, ["s002"], "{:?}", db.kind);
    }
}

fn slow_locale(m: &mut Migration) {
    m.backfill(
        Backfill::new("items")
            .set("locale", "en")
            .set_sql("hits", "hits + 1")
            .pending_sql("locale IS NULL")
            .batch_size(50)
            .pause(Duration::from_millis(3)),
    );
}

/// Rows inserted while the walk runs, with keys above it, are updated when
/// it gets there; the rest (inserted once it ended) are the application's
/// to fill, as docs/backfill.md says.
#[tokio::test(flavor = "multi_thread")]
async fn rows_inserted_during_the_walk() {
    for db in TestDb::all().await {
        let (result, _) = upgrade(&db, vec![base()]).await;
        result.unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let inserter = {
            let (url, stop) = (db.url.clone(), Arc::clone(&stop));
            tokio::spawn(async move {
                let mut conn = driver::connect(&url, Access::ReadWrite).await.unwrap();
                let mut next = 10_000;
                let mut inserted = 0;
                // A bounded number, slower than the walk: it must catch up.
                while !stop.load(Ordering::Relaxed) && inserted < 300 {
                    let sql = format!("INSERT INTO items (id, hits) VALUES ({next}, 0)");
                    match conn.execute(&sql).await {
                        Ok(()) => {
                            next += 1;
                            inserted += 1;
                            tokio::time::sleep(Duration::from_millis(2)).await;
                        }
                        // SQLite: the backfill holds the write lock.
                        Err(_) => tokio::time::sleep(Duration::from_millis(2)).await,
                    }
                }
                conn.close().await.ok();
                inserted
            })
        };
        let step = registration("b002", &["b001"], slow_locale, Some(undo_nothing));
        let (result, reports) = upgrade(&db, vec![base(), step]).await;
        stop.store(true, Ordering::Relaxed);
        let inserted = inserter.await.unwrap();
        result.unwrap_or_else(|e| panic!("{:?}: {e}", db.kind));
        let last: i64 = reports.last().unwrap().last_key.as_deref().unwrap()[1..]
            .trim_end_matches(')')
            .parse()
            .unwrap();
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM items WHERE hits > 1").await,
            0,
            "{:?}",
            db.kind
        );
        assert_eq!(
            count(
                &db,
                &format!("SELECT COUNT(*) FROM items WHERE id <= {last} AND (hits <> 1 OR locale IS NULL)")
            )
            .await,
            0,
            "{:?}: a row the walk passed was missed",
            db.kind
        );
        assert_eq!(
            count(
                &db,
                &format!("SELECT COUNT(*) FROM items WHERE id > {last} AND hits <> 0")
            )
            .await,
            0,
            "{:?}",
            db.kind
        );
        let caught = count(
            &db,
            "SELECT COUNT(*) FROM items WHERE id >= 10000 AND hits = 1",
        )
        .await;
        assert!(inserted > 0, "{:?}: the inserter never got in", db.kind);
        assert!(
            caught > 0,
            "{:?}: none of the {inserted} rows inserted during the walk was reached",
            db.kind
        );
    }
}

fn create_keyless(m: &mut Migration) {
    m.create_table(
        Table::new("logs")
            .column(Column::new("line").string(100))
            .column(Column::new("n").integer().nullable()),
    );
    m.execute("INSERT INTO logs (line, n) VALUES ('a', 1), ('b', 2)");
}

/// A migration function.
type Plan = fn(&mut Migration);

fn keyless(m: &mut Migration) {
    m.backfill(Backfill::new("logs").set("n", 0));
}
fn unknown_column(m: &mut Migration) {
    m.backfill(Backfill::new("items").set("hitz", 1));
}
fn unknown_in_predicate(m: &mut Migration) {
    m.backfill(
        Backfill::new("items")
            .set("hits", 1)
            .pending_sql("nope IS NULL"),
    );
}
fn wrong_type(m: &mut Migration) {
    m.backfill(Backfill::new("items").set("hits", "lots"));
}

/// Each bad backfill is refused before its first batch, with what is wrong
/// and what to do; no row changes and the heads stay.
#[tokio::test(flavor = "multi_thread")]
async fn bad_backfills_are_refused_before_any_batch() {
    let cases: [(Plan, &str); 4] = [
        (
            keyless,
            "table `logs` has no primary key and no unique key of NOT NULL columns",
        ),
        (
            unknown_column,
            "table `items` has no column `hitz` (it has id, hits, locale)",
        ),
        (unknown_in_predicate, "the database refuses its statement"),
        (
            wrong_type,
            "value \"lots\" cannot be stored in column `hits` (integer)",
        ),
    ];
    for db in TestDb::all().await {
        let logs = registration("k001", &["b001"], create_keyless, None);
        let (result, _) = upgrade(&db, vec![base(), logs]).await;
        result.unwrap();
        for (upgrade_fn, expected) in cases {
            let step = registration("k002", &["k001"], upgrade_fn, Some(undo_nothing));
            let (result, reports) = upgrade(&db, vec![base(), logs, step]).await;
            let error = result.expect_err("refused").to_string();
            assert!(error.contains(expected), "{:?}: {error}", db.kind);
            assert!(error.contains("no batch ran"), "{:?}: {error}", db.kind);
            assert!(
                error.contains("run `upgrade` again"),
                "{:?}: {error}",
                db.kind
            );
            assert!(reports.is_empty(), "{:?}", db.kind);
            assert_eq!(
                count(&db, "SELECT COUNT(*) FROM items WHERE hits <> 0").await,
                0,
                "{:?}",
                db.kind
            );
            assert_eq!(db.heads().await, ["k001"], "{:?}", db.kind);
            // The failed attempt is not in doubt: fixing the migration and
            // running again would continue; here the test swaps it out.
            db.execute("DELETE FROM migrate_audit WHERE revision = 'k002'")
                .await;
        }
    }
}

fn add_locale(m: &mut Migration) {
    let locale = Column::new("locale2").string(8).nullable();
    m.add_column("items", locale.clone());
    m.backfill(
        Backfill::new("items")
            .set("locale2", "en")
            .pending_sql("locale2 IS NULL")
            .batch_size(500)
            .max_rows(1_000),
    );
    m.alter_column(
        AlterColumn::new("items", "locale2")
            .existing(locale)
            .set_not_null(),
    );
}

/// add column → backfill → NOT NULL: the column commits first, the batches
/// one by one, and NOT NULL last. `max_rows` stops a run part-way: `status`
/// shows the phase, the next `upgrade` continues from the last key, and the
/// downgrade drops the column (the backfill needs no inverse).
#[tokio::test(flavor = "multi_thread")]
async fn phases_status_continue_and_downgrade() {
    for db in TestDb::all().await {
        let step = registration("l001", &["b001"], add_locale, None);
        let (result, _) = upgrade(&db, vec![base(), step]).await;
        let error = result.expect_err("paused").to_string();
        assert!(
            error.contains("stopped after 1000 rows"),
            "{:?}: {error}",
            db.kind
        );
        assert!(
            error.contains("continue after key (1465)"),
            "{:?}: {error}",
            db.kind
        );
        assert!(db.columns("items").await.contains(&"locale2".to_owned()));
        assert_eq!(db.heads().await, ["b001"], "{:?}", db.kind);

        let migrator = Migrator::new(vec![base(), step]).unwrap();
        let mut conn = connect(&db).await;
        let status = migrator.status(conn.as_mut()).await.unwrap();
        conn.close().await.ok();
        assert!(
            status.problems.is_empty(),
            "{:?}: {:?}",
            db.kind,
            status.problems
        );
        let shown = status.in_progress.expect("in progress").to_string();
        // PostgreSQL proves NOT NULL through a validated check: 4
        // statements for 1 (docs/safety.md).
        let total = if db.kind == Kind::Postgres { 6 } else { 3 };
        assert!(
            shown.contains(&format!(
                "is in progress at statement 2 of {total} (backfill items.locale2)"
            )),
            "{:?}: {shown}",
            db.kind
        );
        assert!(
            shown.contains("1000 rows updated in 2 batches, last key (1465)"),
            "{shown}"
        );

        // The 754 rows left are fewer than `max_rows`: the next run ends it.
        let (result, reports) = upgrade(&db, vec![base(), step]).await;
        result.unwrap_or_else(|e| panic!("{:?}: {e}", db.kind));
        assert_eq!(reports[0].resumed_after.as_deref(), Some("(1465)"));
        let last = reports.last().unwrap();
        assert!(last.done);
        assert_eq!(last.rows_updated, 1_754);
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM items WHERE locale2 IS NULL OR locale2 <> 'en'"
            )
            .await,
            0
        );
        assert_eq!(db.heads().await, ["l001"], "{:?}", db.kind);
        let outcomes: Vec<String> = db
            .audit()
            .await
            .into_iter()
            .filter(|(r, ..)| r == "l001")
            .map(|(_, _, o)| o)
            .collect();
        assert_eq!(outcomes, ["started", "success"], "{:?}", db.kind);

        let migrator = Migrator::new(vec![base(), step]).unwrap();
        let mut conn = connect(&db).await;
        migrator
            .downgrade(conn.as_mut(), &Target::parse("b001").unwrap(), &mut |_| {})
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", db.kind));
        conn.close().await.ok();
        assert!(!db.columns("items").await.contains(&"locale2".to_owned()));
    }
}

static REFUSE_ROW_701: AtomicBool = AtomicBool::new(true);

fn add_doubled(m: &mut Migration) {
    m.add_column("items", Column::new("doubled").big_integer().nullable());
    m.backfill(
        Backfill::map("items", ["id"], ["doubled"], |row| {
            let id: i64 = row.get("id")?;
            if id == 701 && REFUSE_ROW_701.load(Ordering::Relaxed) {
                return Err("row 701 is refused".into());
            }
            Ok(id * 2)
        })
        .pending_sql("doubled IS NULL")
        .batch_size(200),
    );
}

/// The Rust form: a failing row names its key, the batches before it stay,
/// and the next `upgrade` continues after them.
#[tokio::test(flavor = "multi_thread")]
async fn a_rust_backfill_stops_at_the_row_it_cannot_transform() {
    for db in TestDb::all().await {
        REFUSE_ROW_701.store(true, Ordering::Relaxed);
        let step = registration("d001", &["b001"], add_doubled, None);
        let (result, _) = upgrade(&db, vec![base(), step]).await;
        let error = result.expect_err("refused").to_string();
        assert!(
            error
                .contains("the Rust function failed on the row with key (701): row 701 is refused"),
            "{:?}: {error}",
            db.kind
        );
        // Batches of 200 keys: the fourth, after key 699, holds row 701.
        assert!(
            error.contains("continues after key (699)"),
            "{:?}: {error}",
            db.kind
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM items WHERE doubled IS NOT NULL").await,
            600
        );
        REFUSE_ROW_701.store(false, Ordering::Relaxed);
        let (result, reports) = upgrade(&db, vec![base(), step]).await;
        result.unwrap_or_else(|e| panic!("{:?}: {e}", db.kind));
        assert_eq!(reports[0].resumed_after.as_deref(), Some("(699)"));
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM items WHERE doubled IS NULL OR doubled <> id * 2"
            )
            .await,
            0,
            "{:?}",
            db.kind
        );
        assert_eq!(db.heads().await, ["d001"], "{:?}", db.kind);
    }
}

/// A real process, killed with SIGKILL part-way through the backfill: the
/// next run continues after the last committed key, so every row ends with
/// `hits = 1` (a batch run twice would give 2, a lost one 0).
#[tokio::test(flavor = "multi_thread")]
async fn a_killed_backfill_continues_after_the_last_committed_key() {
    let bin = env!("CARGO_BIN_EXE_backfill-migrate");
    for db in TestDb::all().await {
        let run = |args: &[&str]| {
            Command::new(bin)
                .args(["--database-url", &db.url])
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .output()
                .unwrap()
        };
        let seeded = run(&["upgrade", "f001", "-x", "rows=3000"]);
        assert!(
            seeded.status.success(),
            "{}",
            String::from_utf8_lossy(&seeded.stderr)
        );
        let mut child = Command::new(bin)
            .args(["--database-url", &db.url, "upgrade", "head"])
            .args(["-x", "batch=100", "-x", "pause_ms=30"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        loop {
            let batches = match db.tables().await.contains(&"migrate_backfill".to_owned()) {
                true => {
                    count(
                        &db,
                        "SELECT COALESCE(MAX(batches), 0) FROM migrate_backfill",
                    )
                    .await
                }
                false => 0,
            };
            if batches >= 5 {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{:?}: no progress",
                db.kind
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let last_key = db.strings("SELECT last_key FROM migrate_backfill").await[0].clone();
        let done_before = count(&db, "SELECT COUNT(*) FROM items WHERE hits = 1").await;
        assert!(
            (500..3000).contains(&done_before),
            "{:?}: {done_before}",
            db.kind
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM items WHERE hits > 1").await,
            0
        );
        assert_eq!(db.heads().await, ["f001"], "{:?}", db.kind);

        let rerun = run(&["upgrade", "head", "-x", "batch=100"]);
        let stderr = String::from_utf8_lossy(&rerun.stderr);
        assert!(rerun.status.success(), "{:?}: {stderr}", db.kind);
        // `["1700"]` in the table is `(1700)` in the progress line.
        let key: Vec<String> = serde_json::from_str(&last_key).unwrap();
        let resumed = format!("resumed_after=\"({})\"", key.join(", "));
        assert!(
            stderr.contains(&resumed),
            "{:?}: {resumed} not in {stderr}",
            db.kind
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM items WHERE hits <> 1").await,
            0,
            "{:?}: a batch was lost or run twice",
            db.kind
        );
        assert_eq!(db.heads().await, ["f002"], "{:?}", db.kind);

        // Killed again, undone by hand and recorded with `repair
        // --reverted`: the old `started` row is history, and a fresh
        // `upgrade` runs the backfill from the start (it used to take that
        // row for another migrator's claim and plan again forever).
        let down = run(&["downgrade", "f001"]);
        assert!(
            down.status.success(),
            "{}",
            String::from_utf8_lossy(&down.stderr)
        );
        let mut child = Command::new(bin)
            .args(["--database-url", &db.url, "upgrade", "head"])
            .args(["-x", "batch=100", "-x", "pause_ms=30"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while count(&db, "SELECT COUNT(*) FROM items WHERE hits = 1").await < 500 {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{:?}: no progress",
                db.kind
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        db.execute("UPDATE items SET hits = 0").await;
        let repaired = run(&["repair", "f002", "--reverted"]);
        assert!(
            repaired.status.success(),
            "{}",
            String::from_utf8_lossy(&repaired.stderr)
        );
        let mut fresh = Command::new(bin)
            .args(["--database-url", &db.url, "upgrade", "head"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let status = loop {
            if let Some(status) = fresh.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(60) {
                fresh.kill().unwrap();
                panic!(
                    "{:?}: upgrade after repair --reverted did not finish",
                    db.kind
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "{:?}", db.kind);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM items WHERE hits <> 1").await,
            0,
            "{:?}",
            db.kind
        );
        assert_eq!(db.heads().await, ["f002"], "{:?}", db.kind);
    }
}

static FAIL_AFTER_COLUMN: AtomicBool = AtomicBool::new(true);

fn backfill_then_column(m: &mut Migration) {
    m.backfill(
        Backfill::new("items")
            .set_sql("hits", "hits + 1")
            .batch_size(1_000),
    );
    m.add_column("items", Column::new("extra").string(8).nullable());
    m.execute(if FAIL_AFTER_COLUMN.load(Ordering::SeqCst) {
        "UPDATE no_such_table SET x = 1"
    } else {
        "UPDATE items SET extra = 'x'"
    });
}

/// A phase of two statements whose second fails rolls both back: the audit
/// row counts the phase's first statement as the next to run, and the next
/// `upgrade` runs the phase again whole. (It once counted the failing
/// statement, and the next run skipped the rolled-back column.)
#[tokio::test(flavor = "multi_thread")]
async fn a_phase_that_fails_part_way_runs_again_whole() {
    for db in TestDb::all().await {
        if db.kind == Kind::MySql {
            // No transactional phases: each statement commits on its own.
            continue;
        }
        FAIL_AFTER_COLUMN.store(true, Ordering::SeqCst);
        let step = registration("p001", &["b001"], backfill_then_column, None);
        let (result, _) = upgrade(&db, vec![base(), step]).await;
        let error = result.expect_err("the phase fails").to_string();
        assert!(
            error.contains("statement 3 of 3")
                && error.contains(
                    "this phase was rolled back and statements 1..1 committed in earlier phases and stay; the migration is in progress: fix the cause and run `upgrade` again, which continues from statement 2"
                ),
            "{:?}: {error}",
            db.kind
        );
        assert!(!db.columns("items").await.contains(&"extra".to_owned()));

        FAIL_AFTER_COLUMN.store(false, Ordering::SeqCst);
        let (result, _) = upgrade(&db, vec![base(), step]).await;
        result.unwrap_or_else(|e| panic!("{:?}: {e}", db.kind));
        assert_eq!(db.heads().await, ["p001"], "{:?}", db.kind);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM items WHERE extra = 'x'").await,
            count(&db, "SELECT COUNT(*) FROM items").await,
            "{:?}",
            db.kind
        );
        // The backfill ran once: its batches committed before the failure.
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM items WHERE hits <> 1").await,
            0,
            "{:?}",
            db.kind
        );
    }
}
