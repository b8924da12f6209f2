//! What `upgrade` refuses to run over, and how each case is resolved, on
//! real databases:
//!
//! - a step outside a transaction (PostgreSQL `CONCURRENTLY`, MySQL DDL)
//!   that failed or was interrupted part-way: `status` shows it, `upgrade`
//!   refuses, `resume` continues from the first statement not done (the one
//!   in doubt after a kill included), `repair` records a manual fix; a
//!   failed `CREATE INDEX CONCURRENTLY` leaves no INVALID index;
//! - an applied migration edited since: `status` and `upgrade` name what
//!   changed, `accept` records it; layout, comments and `-x` arguments the
//!   migration read when it was applied do not count as edits.

mod support;

use migrate_core::driver::{self, Access, Direction, Driver};
use migrate_core::graph::Target;
use migrate_core::migrator::{ApplyError, Problem, RenderedStep, Resolution};
use migrate_core::ops::{Column, Index, Migration, Table};
use migrate_core::{Error, Migrator, Registration};
use support::{Kind, TestDb, registration};

/// `items`, with two rows whose `code` is the same.
fn create_items(m: &mut Migration) {
    m.create_table(
        Table::new("items")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("code").string(20)),
    );
    m.execute("INSERT INTO items (id, code) VALUES (1, 'a'), (2, 'a'), (3, 'b')");
}
fn drop_items(m: &mut Migration) {
    m.drop_table("items");
}

/// PostgreSQL: two index builds outside a transaction; the unique one fails
/// while `code` has duplicates.
fn index_items(m: &mut Migration) {
    m.create_index(
        Index::new("ix_items_id_code")
            .on("items", ["id", "code"])
            .concurrently(),
    );
    m.create_index(
        Index::new("ux_items_code")
            .on("items", ["code"])
            .unique()
            .concurrently(),
    );
}

/// MySQL: DDL commits as it goes; the insert fails until `flags` exists.
fn flag_items(m: &mut Migration) {
    m.add_column("items", Column::new("note").string(20).nullable());
    m.execute("INSERT INTO flags (id) VALUES (1)");
    m.add_column("items", Column::new("flag").integer().nullable());
}

fn unflag_items(m: &mut Migration) {
    m.drop_column("items", "flag");
    m.drop_column("items", "note");
}

fn first() -> &'static Registration {
    registration("aaaa00000001", &[], create_items, Some(drop_items))
}

fn second(kind: Kind) -> &'static Registration {
    match kind {
        Kind::MySql => registration(
            "bbbb00000002",
            &["aaaa00000001"],
            flag_items,
            Some(unflag_items),
        ),
        _ => registration("bbbb00000002", &["aaaa00000001"], index_items, None),
    }
}

async fn connect(db: &TestDb) -> Box<dyn Driver> {
    driver::connect(&db.url, Access::ReadWrite)
        .await
        .expect("connect")
}

async fn upgrade(db: &TestDb, migrator: &Migrator) -> Result<usize, Error> {
    let mut conn = connect(db).await;
    let result = migrator
        .upgrade(conn.as_mut(), &Target::Heads, &mut |_| {})
        .await;
    conn.close().await.ok();
    result.map(|steps| steps.len())
}

async fn problems(db: &TestDb, migrator: &Migrator) -> Vec<Problem> {
    let mut conn = connect(db).await;
    let status = migrator.status(conn.as_mut()).await.expect("status");
    conn.close().await.ok();
    status.problems
}

/// Whether an index of this name exists, and is valid (PostgreSQL).
async fn index_state(db: &TestDb, name: &str) -> Option<bool> {
    db.strings(&format!(
        "SELECT i.indisvalid::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE c.relname = '{name}'"
    ))
    .await
    .first()
    .map(|v| v == "true")
}

/// Fixes what made statement 2 fail.
async fn fix_the_cause(db: &TestDb) {
    match db.kind {
        Kind::MySql => db.execute("CREATE TABLE flags (id INT PRIMARY KEY)").await,
        _ => db.execute("UPDATE items SET code = 'c' WHERE id = 2").await,
    }
}

async fn a_failed_step_is_dirty_until_resumed(db: TestDb) {
    let migrator = Migrator::new(vec![first(), second(db.kind)]).unwrap();
    let error = upgrade(&db, &migrator).await.unwrap_err().to_string();
    assert!(
        error.contains("statement 2 of 2") || error.contains("statement 2 of 3"),
        "{error}"
    );
    assert!(error.contains("run `resume`"), "{error}");
    if db.kind == Kind::Postgres {
        // The failed build's INVALID index was dropped; the first stays.
        assert!(error.contains("INVALID index ux_items_code"), "{error}");
        assert_eq!(index_state(&db, "ux_items_code").await, None);
        assert_eq!(index_state(&db, "ix_items_id_code").await, Some(true));
    }
    assert_eq!(db.heads().await, ["aaaa00000001"]);

    // status shows it and says what to do; upgrade refuses.
    let found = problems(&db, &migrator).await;
    let dirty = found
        .iter()
        .find(|p| matches!(p, Problem::Unfinished { .. }))
        .expect("status shows the step");
    let shown = dirty.to_string();
    assert!(
        shown.starts_with("upgrade bbbb00000002 failed on "),
        "{shown}"
    );
    assert!(shown.contains("after 1 of"), "{shown}");
    assert!(shown.contains("`resume`"), "{shown}");
    assert!(shown.contains("`repair bbbb00000002 --applied`"), "{shown}");
    let refused = upgrade(&db, &migrator).await.unwrap_err();
    assert!(
        matches!(&refused, Error::Apply(e) if matches!(**e, ApplyError::Dirty { .. })),
        "{refused}"
    );

    // Resume without fixing the cause fails again, still dirty, still at
    // statement 2.
    let mut conn = connect(&db).await;
    assert!(migrator.resume(conn.as_mut(), &mut |_| {}).await.is_err());
    fix_the_cause(&db).await;
    let report = migrator
        .resume(conn.as_mut(), &mut |_| {})
        .await
        .expect("resume after the fix");
    conn.close().await.ok();
    assert_eq!(report.revision, "bbbb00000002");
    assert_eq!(db.heads().await, ["bbbb00000002"]);
    let left = problems(&db, &migrator).await;
    assert!(left.is_empty(), "{left:?}");
    if db.kind == Kind::Postgres {
        assert_eq!(index_state(&db, "ux_items_code").await, Some(true));
    } else {
        assert!(db.columns("items").await.contains(&"flag".to_owned()));
    }
    // Nothing left to resume.
    let mut conn = connect(&db).await;
    let error = migrator
        .resume(conn.as_mut(), &mut |_| {})
        .await
        .unwrap_err()
        .to_string();
    conn.close().await.ok();
    assert!(error.starts_with("nothing to resume"), "{error}");
}

/// A kill between running statement 1 and counting it: the audit row says
/// `started` with 0 done, but statement 1 took effect. Resume runs it
/// again and counts "already there" as done.
async fn the_statement_in_doubt_after_a_kill_is_not_applied_twice(db: TestDb) {
    let migrator = Migrator::new(vec![first(), second(db.kind)]).unwrap();
    let mut conn = connect(&db).await;
    migrator
        .upgrade(
            conn.as_mut(),
            &Target::Revision("aaaa00000001".into()),
            &mut |_| {},
        )
        .await
        .unwrap();
    fix_the_cause(&db).await;
    let step = RenderedStep::build(
        migrate_core::RevisionIdx::new(1),
        second(db.kind),
        Direction::Upgrade,
        conn.backend(),
    )
    .unwrap();
    // What the killed process had done: statement 1, but not its count.
    match db.kind {
        Kind::Postgres => {
            // ... and an interrupted build of statement 2 left an INVALID index.
            db.execute("CREATE INDEX CONCURRENTLY ix_items_id_code ON items (id, code)")
                .await;
            db.execute("UPDATE items SET code = 'a' WHERE id = 2").await;
            let mut raw = connect(&db).await;
            assert!(
                raw.execute("CREATE UNIQUE INDEX CONCURRENTLY ux_items_code ON items (code)")
                    .await
                    .is_err()
            );
            raw.close().await.ok();
            assert_eq!(index_state(&db, "ux_items_code").await, Some(false));
            fix_the_cause(&db).await;
        }
        _ => db.execute(&step.statements[0].sql).await,
    }
    db.execute(&format!(
        "INSERT INTO migrate_audit (revision, direction, checksum, started_at, outcome, \
         statements_done, statements_total, plan) VALUES ('bbbb00000002', 'upgrade', '{}', \
         CURRENT_TIMESTAMP, 'started', 0, {}, '')",
        step.checksum(),
        step.statements.len()
    ))
    .await;
    let shown = problems(&db, &migrator).await[0].to_string();
    assert!(shown.contains("was interrupted"), "{shown}");
    migrator
        .resume(conn.as_mut(), &mut |_| {})
        .await
        .expect("resume over the statement in doubt");
    conn.close().await.ok();
    assert_eq!(db.heads().await, ["bbbb00000002"]);
    if db.kind == Kind::Postgres {
        assert_eq!(index_state(&db, "ux_items_code").await, Some(true));
    }
}

/// `repair` records what a human did, and runs nothing.
async fn repair_records_a_manual_fix(db: TestDb) {
    let migrator = Migrator::new(vec![first(), second(db.kind)]).unwrap();
    assert!(upgrade(&db, &migrator).await.is_err());
    let mut conn = connect(&db).await;
    // The revision must be the one that stopped.
    let error = migrator
        .repair(conn.as_mut(), "aaaa00000001", Resolution::Reverted)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("the migration that stopped part-way is bbbb00000002"),
        "{error}"
    );
    // Undone by hand: the heads stay, and upgrade runs the step again.
    match db.kind {
        Kind::MySql => db.execute("ALTER TABLE items DROP COLUMN note").await,
        _ => db.execute("DROP INDEX ix_items_id_code").await,
    }
    migrator
        .repair(conn.as_mut(), "bbbb00000002", Resolution::Reverted)
        .await
        .unwrap();
    assert_eq!(db.heads().await, ["aaaa00000001"]);
    assert!(problems(&db, &migrator).await.is_empty());
    // It fails again; this time it is finished by hand.
    assert!(upgrade(&db, &migrator).await.is_err());
    fix_the_cause(&db).await;
    let rest = match db.kind {
        Kind::MySql => {
            "INSERT INTO flags (id) VALUES (1); ALTER TABLE items ADD COLUMN flag INT NULL"
        }
        _ => "CREATE UNIQUE INDEX ux_items_code ON items (code)",
    };
    db.execute(rest).await;
    let row = migrator
        .repair(conn.as_mut(), "bbbb", Resolution::Applied)
        .await
        .unwrap();
    conn.close().await.ok();
    assert_eq!(row.outcome.as_str(), "marked_done");
    assert_eq!(db.heads().await, ["bbbb00000002"]);
    assert!(problems(&db, &migrator).await.is_empty());
    assert_eq!(upgrade(&db, &migrator).await.unwrap(), 0);
}

#[tokio::test]
async fn postgres_concurrently() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    a_failed_step_is_dirty_until_resumed(db).await;
    let db = TestDb::postgres().await.unwrap();
    the_statement_in_doubt_after_a_kill_is_not_applied_twice(db).await;
    let db = TestDb::postgres().await.unwrap();
    repair_records_a_manual_fix(db).await;
}

/// The newest audit row is the one with the highest id, not the one whose id
/// sorts last as text: with ten rows before it, a failed step is still
/// found (PostgreSQL names a cast column after the column it casts, so an
/// `ORDER BY id` of the text read sorted "9" after "10").
async fn a_failed_step_is_found_after_ten_audit_rows(db: TestDb) {
    let only_first = Migrator::new(vec![first()]).unwrap();
    for _ in 0..5 {
        assert_eq!(upgrade(&db, &only_first).await.unwrap(), 1);
        let mut conn = connect(&db).await;
        only_first
            .downgrade(conn.as_mut(), &Target::Base, &mut |_| {})
            .await
            .unwrap();
        conn.close().await.ok();
    }
    let migrator = Migrator::new(vec![first(), second(db.kind)]).unwrap();
    upgrade(&db, &migrator).await.unwrap_err();
    let found = problems(&db, &migrator).await;
    assert!(
        found
            .iter()
            .any(|p| matches!(p, Problem::Unfinished { .. })),
        "{:?}: {found:?}",
        db.kind
    );
    let refused = upgrade(&db, &migrator).await.unwrap_err();
    assert!(
        matches!(&refused, Error::Apply(e) if matches!(**e, ApplyError::Dirty { .. })),
        "{refused}"
    );
}

#[tokio::test]
async fn the_newest_audit_row_is_the_last_written() {
    for db in TestDb::all().await {
        if db.kind != Kind::Sqlite {
            a_failed_step_is_found_after_ten_audit_rows(db).await;
        }
    }
}

#[tokio::test]
async fn mysql_ddl() {
    let Some(db) = TestDb::mysql().await else {
        return;
    };
    a_failed_step_is_dirty_until_resumed(db).await;
    let db = TestDb::mysql().await.unwrap();
    the_statement_in_doubt_after_a_kill_is_not_applied_twice(db).await;
    let db = TestDb::mysql().await.unwrap();
    repair_records_a_manual_fix(db).await;
}

// Edited migrations.

fn users_v1(m: &mut Migration) {
    m.create_table(
        Table::new("users")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("email").string(100)),
    );
    m.execute("CREATE VIEW active_users AS SELECT id FROM users WHERE email <> ''");
}
/// v1 reformatted, with comments: the same plan.
fn users_v1_reformatted(m: &mut Migration) {
    m.create_table(
        Table::new("users")
            .column(Column::new("id").integer().primary_key())
            // the address we write to
            .column(Column::new("email").string(100)),
    );
    m.execute(
        "-- who can sign in\r\n\
         CREATE VIEW active_users AS\r\n    SELECT id\r\n    FROM users\r\n    WHERE email <> '' /* not blank */",
    );
}
/// v1 with a wider column: a real edit.
fn users_v2(m: &mut Migration) {
    m.create_table(
        Table::new("users")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("email").string(255)),
    );
    m.execute("CREATE VIEW active_users AS SELECT id FROM users WHERE email <> ''");
}
fn seed(m: &mut Migration) {
    if m.flag("demo") {
        m.execute("INSERT INTO users (id, email) VALUES (1, 'demo@example.com')");
    }
}
/// The seed with another address: an edit, whatever `-x` says.
fn seed_v2(m: &mut Migration) {
    if m.flag("demo") {
        m.execute("INSERT INTO users (id, email) VALUES (1, 'demo@example.org')");
    }
}
fn unseed(m: &mut Migration) {
    m.execute("DELETE FROM users WHERE id = 1");
}

#[tokio::test]
async fn edited_migrations_are_refused_until_accepted() {
    for db in TestDb::all().await {
        let kind = db.kind;
        let users = |upgrade| registration("cccc00000001", &[], upgrade, Some(drop_users));
        let seeded = registration("dddd00000002", &["cccc00000001"], seed, Some(unseed));
        let v1 = Migrator::new(vec![users(users_v1), seeded])
            .unwrap()
            .with_args([("demo".to_owned(), "true".to_owned())]);
        assert_eq!(upgrade(&db, &v1).await.unwrap(), 2);

        // Reformatting, comments, CRLF, and running without the -x the seed
        // read when it was applied: not an edit.
        let same = Migrator::new(vec![users(users_v1_reformatted), seeded]).unwrap();
        assert!(problems(&db, &same).await.is_empty(), "{kind:?}");
        assert_eq!(upgrade(&db, &same).await.unwrap(), 0);

        // A real edit: status names it and the statement; upgrade refuses.
        let edited = Migrator::new(vec![users(users_v2), seeded]).unwrap();
        let found = problems(&db, &edited).await;
        assert_eq!(found.len(), 1, "{kind:?}: {found:?}");
        let shown = found[0].to_string();
        assert!(
            shown.starts_with("cccc00000001 (cccc00000001), applied "),
            "{shown}"
        );
        assert!(
            shown.contains("statement 1 (create_table users) changed"),
            "{shown}"
        );
        assert!(!shown.contains("statement 2"), "{shown}");
        assert!(shown.contains("`accept cccc00000001`"), "{shown}");
        let refused = upgrade(&db, &edited).await.unwrap_err().to_string();
        assert!(refused.contains("nothing was run"), "{refused}");
        assert!(refused.contains("accept cccc00000001"), "{refused}");
        let mut conn = connect(&db).await;
        let not_edited = edited
            .accept(conn.as_mut(), &["dddd00000002".to_owned()])
            .await
            .unwrap_err()
            .to_string();
        assert!(
            not_edited.contains("still has the checksum"),
            "{not_edited}"
        );
        edited
            .accept(conn.as_mut(), &["cccc".to_owned()])
            .await
            .unwrap();
        conn.close().await.ok();
        assert!(problems(&db, &edited).await.is_empty(), "{kind:?}");
        assert_eq!(upgrade(&db, &edited).await.unwrap(), 0);
        // ... and now v1 is the edit.
        assert_eq!(problems(&db, &v1).await.len(), 1, "{kind:?}");
        // Two edits at once, the seed's without the -x it was applied
        // with: each is named with its own statement.
        let reseeded = registration("dddd00000002", &["cccc00000001"], seed_v2, Some(unseed));
        let both = Migrator::new(vec![users(users_v1), reseeded]).unwrap();
        let mut found: Vec<String> = problems(&db, &both)
            .await
            .iter()
            .map(ToString::to_string)
            .collect();
        found.sort();
        assert_eq!(found.len(), 2, "{kind:?}: {found:?}");
        assert!(found[0].starts_with("cccc00000001 "), "{found:?}");
        assert!(found[1].starts_with("dddd00000002 "), "{found:?}");
        assert!(
            found[1].contains("statement 1 (execute) changed"),
            "{found:?}"
        );
    }
}

fn drop_users(m: &mut Migration) {
    m.execute("DROP VIEW active_users");
    m.drop_table("users");
}
