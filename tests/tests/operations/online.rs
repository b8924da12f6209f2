//! The online forms: typed operations on tables that held rows before
//! their migration run as `CONCURRENTLY`, `NOT VALID` then `VALIDATE`,
//! `USING INDEX` and a check-proved `SET NOT NULL` on PostgreSQL, and ask
//! for `LOCK=NONE` on MariaDB; they end where the plain forms end, and a
//! step that stops part-way says where and continues with `resume`.

use migrate_core::driver::{self, Access, ConnectOptions, LockMode};
use migrate_core::graph::Target;
use std::time::Duration;

use migrate_core::ops::{
    AlterColumn, Column, ColumnType, Constraint, ForeignKey, Index, Migration, Table,
};
use migrate_core::{Direction, Migrator};

use crate::harness::{Ctx, Kind, failed_statement, nothing};

every_backend!(
    online_forms_end_where_the_plain_forms_end,
    a_failed_validation_leaves_its_check_and_resumes,
    a_failed_unique_build_drops_its_invalid_index_and_runs_again,
    mysql_says_when_it_cannot_keep_writes_going,
    a_per_migration_lock_runs_them_as_written,
    a_statement_timeout_bounds_schema_changes_not_index_builds,
    an_edit_names_the_statement_it_changed,
);

fn base(m: &mut Migration) {
    m.create_table(
        Table::new("people")
            .column(Column::new("id").big_integer().primary_key())
            .column(Column::new("email").string(100))
            .column(Column::new("name").string(100).nullable())
            .column(Column::new("age").integer().nullable()),
    );
    m.create_index(Index::new("ix_people_age").on("people", ["age"]));
    m.create_table(
        Table::new("notes")
            .column(Column::new("id").big_integer().primary_key())
            .column(Column::new("person_id").big_integer()),
    );
}

/// Every operation with an online form, on the tables `base` made.
fn change(m: &mut Migration) {
    change_with_check(m, "age >= 0");
}

/// `change`, with its check edited (the fourth statement of its online
/// form on PostgreSQL).
fn change_edited(m: &mut Migration) {
    change_with_check(m, "age >= 1");
}

fn change_with_check(m: &mut Migration, check: &str) {
    m.create_index(Index::new("ix_people_email").on("people", ["email"]));
    m.add_constraint(
        "notes",
        ForeignKey::new("fk_notes_person", ["person_id"], "people", ["id"]).into(),
    );
    m.add_constraint("people", Constraint::check("ck_people_age", check));
    m.add_constraint("people", Constraint::unique("uq_people_name", ["name"]));
    not_null(m);
    m.drop_index("people", Index::new("ix_people_age").on("people", ["age"]));
}

fn not_null(m: &mut Migration) {
    m.alter_column(
        AlterColumn::new("people", "name")
            .set_not_null()
            .existing(Column::new("name").string(100).nullable()),
    );
}

fn unique(m: &mut Migration) {
    m.add_constraint("people", Constraint::unique("uq_people_name", ["name"]));
}

migration!(BASE = "onl_0001" after [], up: base, down: None);
migration!(CHANGE = "onl_0002" after ["onl_0001"], up: change, down: None);
migration!(NOT_NULL = "onl_0003" after ["onl_0001"], up: not_null, down: None);
migration!(UNIQUE = "onl_0004" after ["onl_0001"], up: unique, down: None);
migration!(FULLTEXT = "onl_0005" after ["onl_0001"], up: fulltext, down: Some(nothing));
migration!(EDITED = "onl_0002" after ["onl_0001"], up: change_edited, down: None);
migration!(SLOW_INDEX = "onl_0006" after ["onl_0001"], up: slow_index, down: None);
migration!(REWRITE = "onl_0007" after ["onl_0006"], up: rewrite, down: None);

/// A plain index build in the migration's transaction, with a statement
/// timeout far too short for it: index builds are not bounded.
fn slow_index(m: &mut Migration) {
    m.blocking_ddl()
        .statement_timeout(Some(Duration::from_millis(1)));
    m.create_index(Index::new("ix_people_email").on("people", ["email"]))
        .allow(
            migrate_core::lint::Lint::IndexNotConcurrent,
            "a test: the build must run in the transaction",
        );
}

/// A type change that rewrites the table, bounded at 5 ms.
fn rewrite(m: &mut Migration) {
    m.statement_timeout(Some(Duration::from_millis(5)));
    m.alter_column(
        AlterColumn::new("people", "email")
            .set_type(ColumnType::Text)
            .existing(Column::new("email").string(100)),
    );
    m.alter_column(
        AlterColumn::new("people", "age")
            .set_type(ColumnType::BigInteger)
            .existing(Column::new("age").integer().nullable()),
    );
}

fn fulltext(m: &mut Migration) {
    m.execute("ALTER TABLE people ADD FULLTEXT INDEX ft_people_name (name), LOCK=NONE");
}

async fn people(ctx: &mut Ctx, names: [&str; 3]) {
    for (i, name) in names.into_iter().enumerate() {
        let name = match name {
            "" => "NULL".to_owned(),
            name => ctx.lit(name),
        };
        let sql = format!(
            "INSERT INTO people (id, email, name, age) VALUES ({i}, {}, {name}, {i})",
            ctx.lit(&format!("p{i}@example.com"))
        );
        ctx.exec_ok(&sql).await;
        ctx.exec_ok(&format!(
            "INSERT INTO notes (id, person_id) VALUES ({i}, {i})"
        ))
        .await;
    }
}

/// The offline script of `regs` from `onl_0001` on the context's backend.
fn script(ctx: &Ctx, regs: &[&'static migrate_core::Registration]) -> String {
    let migrator = Migrator::new(regs.to_vec()).unwrap();
    let from = migrator
        .graph()
        .resolve(&[], &Target::parse("onl_0001").unwrap())
        .unwrap();
    migrator
        .offline_script(ctx.backend(), Direction::Upgrade, &from, &Target::Heads)
        .unwrap()
}

async fn statements_total(ctx: &mut Ctx, revision: &str) -> String {
    ctx.value(&format!(
        "SELECT statements_total FROM migrate_audit WHERE revision = '{revision}' ORDER BY id DESC"
    ))
    .await
    .unwrap_or_default()
}

async fn online_forms_end_where_the_plain_forms_end(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&BASE, &CHANGE];
    ctx.up_to(&regs, "onl_0001").await;
    people(&mut ctx, ["ann", "bob", "cy"]).await;
    let sql = script(&ctx, &regs);
    ctx.up_ok(&regs).await;
    let total = statements_total(&mut ctx, "onl_0002").await;
    match kind {
        Kind::Postgres => {
            for form in [
                r#"CREATE INDEX CONCURRENTLY "ix_people_email""#,
                r#"ADD CONSTRAINT "fk_notes_person" FOREIGN KEY ("person_id") REFERENCES "people" ("id") NOT VALID"#,
                r#"VALIDATE CONSTRAINT "ck_people_age""#,
                r#"ADD CONSTRAINT "uq_people_name" UNIQUE USING INDEX "uq_people_name""#,
                r#"CHECK ("name" IS NOT NULL) NOT VALID"#,
                r#"DROP INDEX CONCURRENTLY "ix_people_age""#,
            ] {
                assert!(sql.contains(form), "{form} in:\n{sql}");
            }
            // Index 1, key 2, check 2, unique 2, NOT NULL 4, drop 1.
            assert_eq!(total, "12");
            assert_eq!(
                ctx.strings(
                    "SELECT conname::text FROM pg_constraint WHERE NOT convalidated \
                     UNION ALL SELECT conname::text FROM pg_constraint WHERE conname LIKE 'migrate_nn%' \
                     UNION ALL SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid"
                )
                .await,
                Vec::<String>::new()
            );
        }
        Kind::MySql => {
            assert!(
                sql.contains("CREATE INDEX `ix_people_email` ON `people` (`email`) ALGORITHM=INPLACE LOCK=NONE"),
                "{sql}"
            );
            assert!(sql.contains(
                "ALTER TABLE `people` DROP INDEX `ix_people_age`, ALGORITHM=INPLACE, LOCK=NONE"
            ));
        }
        Kind::Sqlite => assert!(!sql.contains("CONCURRENTLY") && !sql.contains("LOCK=NONE")),
    }
    // The rows obey what was added.
    let refused = ctx
        .exec_err("INSERT INTO people (id, email, name) VALUES (9, 'x', NULL)")
        .await;
    assert!(!refused.is_empty(), "{kind:?}");
    ctx.exec_err("INSERT INTO people (id, email, name) VALUES (9, 'x', 'ann')")
        .await;
    // And the way back runs online too (the index comes back concurrently).
    ctx.down_ok(&regs, "onl_0001").await;
    ctx.replay_matches(&[&BASE]).await;
}

async fn a_failed_validation_leaves_its_check_and_resumes(mut ctx: Ctx) {
    if ctx.kind() != Kind::Postgres {
        return;
    }
    let regs = [&BASE, &NOT_NULL];
    ctx.up_to(&regs, "onl_0001").await;
    people(&mut ctx, ["ann", "", "cy"]).await;
    let error = ctx.up(&regs).await.unwrap_err();
    let failed = failed_statement(error);
    assert!(
        failed
            .sql
            .contains(r#"VALIDATE CONSTRAINT "migrate_nn_people_name""#),
        "{}",
        failed.message
    );
    assert!(failed.message.contains("onl_0003"), "{}", failed.message);
    assert!(failed.message.contains("resume"), "{}", failed.message);
    // The check is there, not valid; the column still takes NULL; the heads
    // did not move.
    assert_eq!(
        ctx.strings(
            "SELECT conname::text FROM pg_constraint WHERE conname = 'migrate_nn_people_name' AND NOT convalidated"
        )
        .await,
        ["migrate_nn_people_name"]
    );
    assert_eq!(ctx.heads().await, ["onl_0001"]);
    // Fixed, it goes on from the validation.
    ctx.exec_ok("UPDATE people SET name = 'bo' WHERE name IS NULL")
        .await;
    let migrator = Migrator::new(regs.to_vec()).unwrap();
    let mut conn = driver::connect(&ctx.db.url, Access::ReadWrite)
        .await
        .unwrap();
    let report = migrator.resume(conn.as_mut(), &mut |_| {}).await.unwrap();
    conn.close().await.unwrap();
    assert_eq!(report.revision, "onl_0003");
    assert_eq!(ctx.heads().await, ["onl_0003"]);
    assert_eq!(
        ctx.strings("SELECT conname::text FROM pg_constraint WHERE conname LIKE 'migrate_nn%'")
            .await,
        Vec::<String>::new()
    );
    ctx.replay_matches(&regs).await;
}

async fn a_failed_unique_build_drops_its_invalid_index_and_runs_again(mut ctx: Ctx) {
    if ctx.kind() != Kind::Postgres {
        return;
    }
    let regs = [&BASE, &UNIQUE];
    ctx.up_to(&regs, "onl_0001").await;
    people(&mut ctx, ["ann", "ann", "cy"]).await;
    let failed = failed_statement(ctx.up(&regs).await.unwrap_err());
    assert!(
        failed
            .sql
            .contains(r#"CREATE UNIQUE INDEX CONCURRENTLY "uq_people_name""#),
        "{}",
        failed.message
    );
    assert!(failed.message.contains("INVALID"), "{}", failed.message);
    println!("{}", failed.message);
    assert_eq!(
        ctx.strings("SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid")
            .await,
        Vec::<String>::new(),
        "the INVALID index was dropped"
    );
    // Nothing of the step committed: it is not in progress, and runs
    // again whole once the rows are fixed.
    assert_eq!(ctx.heads().await, ["onl_0001"]);
    ctx.exec_ok("UPDATE people SET name = 'al' WHERE id = 1")
        .await;
    ctx.up_ok(&regs).await;
    assert_eq!(ctx.heads().await, ["onl_0004"]);
}

async fn mysql_says_when_it_cannot_keep_writes_going(mut ctx: Ctx) {
    if ctx.kind() != Kind::MySql {
        return;
    }
    let regs = [&BASE, &FULLTEXT];
    ctx.up_to(&regs, "onl_0001").await;
    people(&mut ctx, ["ann", "bob", "cy"]).await;
    let failed = failed_statement(ctx.up(&regs).await.unwrap_err());
    assert!(
        failed.db_message.contains("LOCK=NONE is not supported")
            && failed.db_message.contains("m.blocking_ddl()"),
        "{}",
        failed.message
    );
    assert_eq!(ctx.heads().await, ["onl_0001"]);
}

/// `--lock-mode transaction` covers each migration with a lock taken in its
/// transaction: nothing could cover a `CONCURRENTLY` outside it, so the
/// typed operations run as written there, in the one transaction.
async fn a_per_migration_lock_runs_them_as_written(mut ctx: Ctx) {
    if ctx.kind() != Kind::Postgres {
        return;
    }
    let regs = [&BASE, &CHANGE];
    ctx.up_to(&regs, "onl_0001").await;
    people(&mut ctx, ["ann", "bob", "cy"]).await;
    let migrator = Migrator::new(regs.to_vec()).unwrap();
    let mut conn = ConnectOptions::new(Access::ReadWrite)
        .lock_mode(LockMode::Transaction)
        .connect(&ctx.db.url)
        .await
        .unwrap();
    migrator
        .upgrade(conn.as_mut(), &Target::Heads, &mut |_| {})
        .await
        .unwrap();
    conn.close().await.unwrap();
    assert_eq!(ctx.heads().await, ["onl_0002"]);
    // One statement per operation (the unique key and NOT NULL plainly).
    assert_eq!(statements_total(&mut ctx, "onl_0002").await, "6");
    ctx.replay_matches(&regs).await;
}

async fn a_statement_timeout_bounds_schema_changes_not_index_builds(mut ctx: Ctx) {
    if ctx.kind() != Kind::Postgres {
        return;
    }
    let regs = [&BASE, &SLOW_INDEX, &REWRITE];
    ctx.up_to(&regs, "onl_0001").await;
    ctx.exec_ok(
        "INSERT INTO people (id, email, age) SELECT i, 'p' || i || '@example.com', i FROM generate_series(1, 200000) i",
    )
    .await;
    let sql = script(&ctx, &regs);
    let index_step = &sql[sql.find("onl_0006").unwrap()..sql.find("onl_0007").unwrap()];
    assert!(!index_step.contains("statement_timeout"), "{index_step}");
    assert!(
        sql.contains("SET LOCAL statement_timeout = '5ms';"),
        "{sql}"
    );
    ctx.up_to(&regs, "onl_0006").await;
    let failed = failed_statement(ctx.up(&regs).await.unwrap_err());
    assert!(
        failed.db_message.contains("statement timeout")
            && failed.db_message.contains("m.statement_timeout(None)"),
        "{}",
        failed.message
    );
    // Rolled back whole: the type is as it was.
    assert_eq!(ctx.heads().await, ["onl_0006"]);
    assert_eq!(
        ctx.strings("SELECT data_type::text FROM information_schema.columns WHERE table_name = 'people' AND column_name = 'age'")
            .await,
        ["integer"]
    );
}

/// An applied migration edited since: `status` names the statements that
/// changed, counted as its run executed them (online forms included).
async fn an_edit_names_the_statement_it_changed(mut ctx: Ctx) {
    if ctx.kind() != Kind::Postgres {
        return;
    }
    ctx.up_to(&[&BASE, &CHANGE], "onl_0001").await;
    people(&mut ctx, ["ann", "bob", "cy"]).await;
    ctx.up_ok(&[&BASE, &CHANGE]).await;
    let status = ctx.status(&[&BASE, &EDITED]).await;
    let edit = status
        .problems
        .iter()
        .find_map(|p| match p {
            migrate_core::migrator::Problem::Edited { edit } => Some(edit.clone()),
            _ => None,
        })
        .expect("the edit is reported");
    // The check's NOT VALID add; its VALIDATE reads the same.
    assert_eq!(
        edit.changes,
        ["statement 4 (add_constraint ck_people_age on people) changed"]
    );
}
