//! A migration that fails part-way leaves the database as it was on
//! PostgreSQL and SQLite, and is visible in `status` on MySQL.

mod support;

use migrate_core::driver::{self, Access};
use migrate_core::graph::Target;
use migrate_core::migrator::Problem;
use migrate_core::ops::{Column, Migration, Table};
use migrate_core::{Error, Migrator, Registration};
use support::{Kind, TestDb};

fn create_a(m: &mut Migration) {
    m.create_table(Table::new("a").column(Column::new("id").integer().primary_key()));
}
fn drop_a(m: &mut Migration) {
    m.drop_table("a");
}
fn broken(m: &mut Migration) {
    m.create_table(Table::new("b").column(Column::new("id").integer().primary_key()));
    m.add_column("a", Column::new("note").text().nullable());
    m.execute("THIS IS NOT SQL");
    m.create_table(Table::new("c").column(Column::new("id").integer().primary_key()));
}
fn drop_bc(m: &mut Migration) {
    m.drop_table("c");
    m.drop_table("b");
}

static FIRST: Registration = Registration {
    id: "aaaa00000001",
    revises: &[],
    branch_labels: &[],
    depends_on: &[],
    message: "create a",
    module: "atomicity::first",
    file: file!(),
    line: line!(),
    upgrade: create_a,
    downgrade: Some(drop_a),
};
static BROKEN: Registration = Registration {
    id: "bbbb00000002",
    revises: &["aaaa00000001"],
    branch_labels: &[],
    depends_on: &[],
    message: "broken",
    module: "atomicity::broken",
    file: file!(),
    line: line!(),
    upgrade: broken,
    downgrade: Some(drop_bc),
};

async fn upgrade(db: &TestDb, regs: Vec<&'static Registration>) -> Result<usize, Error> {
    let migrator = Migrator::new(regs)?;
    let mut conn = driver::connect(&db.url, Access::ReadWrite).await?;
    let result = migrator
        .upgrade(conn.as_mut(), &Target::Heads, &mut |_| {})
        .await;
    conn.close().await.unwrap();
    Ok(result?.len())
}

async fn failing_step_changes_nothing(db: TestDb) {
    let kind = db.kind;
    let error = upgrade(&db, vec![&FIRST, &BROKEN]).await.unwrap_err();
    let message = error.to_string();
    // The error names the revision, the statement and the database's message.
    assert!(
        message.contains("upgrade bbbb00000002 (broken)"),
        "{message}"
    );
    assert!(message.contains("statement 3 of 4 (execute)"), "{message}");
    assert!(message.contains("sql: THIS IS NOT SQL"), "{message}");
    // The first migration committed on its own; the broken one left nothing.
    assert_eq!(db.heads().await, ["aaaa00000001"], "{kind:?}");
    let tables = db.tables().await;
    assert!(tables.contains(&"a".to_owned()));
    if kind == Kind::MySql {
        // MySQL committed the DDL before the failure: visible, not hidden.
        assert!(tables.contains(&"b".to_owned()), "{tables:?}");
        let migrator = Migrator::new(vec![&FIRST, &BROKEN]).unwrap();
        let mut conn = driver::connect(&db.url, Access::ReadOnly).await.unwrap();
        let status = migrator.status(conn.as_mut()).await.unwrap();
        let unfinished = status
            .problems
            .iter()
            .find_map(|p| match p {
                Problem::Unfinished { step } => Some(step.clone()),
                _ => None,
            })
            .expect("status shows the failed step");
        assert_eq!(unfinished.revision, "bbbb00000002");
        assert_eq!(unfinished.statements_done, 2);
        assert!(
            unfinished
                .error
                .as_deref()
                .unwrap()
                .contains("THIS IS NOT SQL")
        );
    } else {
        assert!(!tables.contains(&"b".to_owned()), "{kind:?}: {tables:?}");
        assert!(!tables.contains(&"c".to_owned()), "{kind:?}: {tables:?}");
        assert_eq!(db.columns("a").await, ["id"], "{kind:?}");
    }
    let audit = db.audit().await;
    assert_eq!(
        audit[0],
        ("aaaa00000001".into(), "upgrade".into(), "success".into())
    );
    assert_eq!(
        audit[1],
        ("bbbb00000002".into(), "upgrade".into(), "failed".into())
    );
}

async fn failing_first_step_creates_no_version_tables(db: TestDb) {
    if db.kind == Kind::MySql {
        return;
    }
    upgrade(&db, vec![&FIRST]).await.unwrap();
    upgrade(&db, vec![&FIRST]).await.unwrap();
    assert_eq!(db.heads().await, ["aaaa00000001"]);

    let fresh = match db.kind {
        Kind::Sqlite => TestDb::sqlite(),
        Kind::Postgres => TestDb::postgres().await.unwrap(),
        Kind::MySql => unreachable!(),
    };
    static ROOT_BROKEN: Registration = Registration {
        id: "cccc00000003",
        revises: &[],
        branch_labels: &[],
        depends_on: &[],
        message: "broken root",
        module: "atomicity::root_broken",
        file: file!(),
        line: line!(),
        upgrade: broken,
        downgrade: None,
    };
    assert!(upgrade(&fresh, vec![&ROOT_BROKEN]).await.is_err());
    assert_eq!(
        fresh.tables().await,
        Vec::<String>::new(),
        "{:?}",
        fresh.kind
    );
}

#[tokio::test]
async fn sqlite() {
    failing_step_changes_nothing(TestDb::sqlite()).await;
    failing_first_step_creates_no_version_tables(TestDb::sqlite()).await;
}

#[tokio::test]
async fn postgres() {
    if let Some(db) = TestDb::postgres().await {
        failing_step_changes_nothing(db).await;
    }
    if let Some(db) = TestDb::postgres().await {
        failing_first_step_creates_no_version_tables(db).await;
    }
}

fn broken_at_once(m: &mut Migration) {
    m.execute("THIS IS NOT SQL EITHER");
    m.create_table(Table::new("d").column(Column::new("id").integer().primary_key()));
}

static BROKEN_AT_ONCE: Registration = Registration {
    id: "dddd00000004",
    revises: &["aaaa00000001"],
    branch_labels: &[],
    depends_on: &[],
    message: "broken at once",
    module: "atomicity::broken_at_once",
    file: file!(),
    line: line!(),
    upgrade: broken_at_once,
    downgrade: Some(drop_d),
};

fn drop_d(m: &mut Migration) {
    m.drop_table("d");
}

/// MySQL: a step whose first statement fails leaves nothing applied, and
/// the error says so (not "0 of 2 statements stay applied ... resume or
/// repair"), as `status`, which finds nothing to resolve, does.
async fn failing_first_statement_says_nothing_stays(db: TestDb) {
    let error = upgrade(&db, vec![&FIRST, &BROKEN_AT_ONCE])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("statement 1 of 2 (execute) failed")
            && error.contains("nothing of this step ran or stays applied")
            && error.contains("fix the cause and run the command again"),
        "{error}"
    );
    assert!(
        !error.contains("resume") && !error.contains("repair"),
        "{error}"
    );
    let migrator = Migrator::new(vec![&FIRST, &BROKEN_AT_ONCE]).unwrap();
    let mut conn = driver::connect(&db.url, Access::ReadOnly).await.unwrap();
    let status = migrator.status(conn.as_mut()).await.unwrap();
    assert!(status.problems.is_empty(), "{:?}", status.problems);
    assert_eq!(db.heads().await, ["aaaa00000001"]);
}

#[tokio::test]
async fn mysql() {
    if let Some(db) = TestDb::mysql().await {
        failing_step_changes_nothing(db).await;
    }
    if let Some(db) = TestDb::mysql().await {
        failing_first_statement_says_nothing_stays(db).await;
    }
}
