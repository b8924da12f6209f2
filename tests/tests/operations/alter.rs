//! `alter_column`: type, nullability, default, name and comment, each undone
//! by the automatic downgrade from `.existing(..)`.

use migrate_core::ops::{AlterColumn, Column, ColumnType, Migration, Table};

use migrate_core::migrator::PlanError;
use migrate_core::render::RenderError;

use crate::harness::{Ctx, Kind, plan_error, render_error};

every_backend!(
    alter_column,
    alter_type_using,
    alter_without_existing,
    lossy_type_changes,
    renamed_json_column
);

fn create_acct(m: &mut Migration) {
    m.create_table(
        Table::new("acct")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("n").integer())
            .column(Column::new("tag").string(20).nullable())
            .column(Column::new("must").integer())
            .column(Column::new("score").integer().nullable())
            .column(Column::new("old_name").string(20).nullable())
            .column(Column::new("descr").string(20).nullable())
            .column(Column::new("code").text())
            .column(Column::new("dflt").integer().nullable().default(3)),
    );
}
fn alter_acct(m: &mut Migration) {
    m.alter_column(
        AlterColumn::new("acct", "n")
            .set_type(ColumnType::BigInteger)
            .existing(Column::new("n").integer()),
    );
    m.alter_column(
        AlterColumn::new("acct", "tag")
            .set_not_null()
            .existing(Column::new("tag").string(20).nullable()),
    );
    m.alter_column(
        AlterColumn::new("acct", "must")
            .set_nullable()
            .existing(Column::new("must").integer()),
    );
    m.alter_column(
        AlterColumn::new("acct", "score")
            .set_default(7)
            .existing(Column::new("score").integer().nullable()),
    );
    m.alter_column(
        AlterColumn::new("acct", "dflt")
            .drop_default()
            .existing(Column::new("dflt").integer().nullable().default(3)),
    );
    m.rename_column("acct", "old_name", "new_name");
    m.alter_column(
        AlterColumn::new("acct", "descr")
            .set_comment("described; it's \\ here")
            .existing(Column::new("descr").string(20).nullable()),
    );
}
fn code_to_integer(m: &mut Migration) {
    m.alter_column(
        AlterColumn::new("acct", "code")
            .set_type(ColumnType::Integer)
            .using("code::integer")
            .existing(Column::new("code").text()),
    );
}

migration!(ACCT = "alt_0001" after [], up: create_acct, down: None);
migration!(ALTER = "alt_0002" after ["alt_0001"], up: alter_acct, down: None);
migration!(USING = "alt_0003" after ["alt_0002"], up: code_to_integer, down: None);

fn int_type(kind: Kind, ty: &str) -> String {
    // MariaDB prints display widths: `bigint(20)`.
    match (kind, ty.split_once('(')) {
        (Kind::MySql, Some((base, _))) if base.ends_with("int") => base.to_owned(),
        _ => ty.to_owned(),
    }
}

async fn check_altered(ctx: &mut Ctx) {
    let kind = ctx.kind();
    let n = ctx.column("acct", "n").await;
    assert_eq!(int_type(kind, &n.ty), "bigint", "{kind:?}: widened");
    assert_eq!(
        ctx.value("SELECT n FROM acct WHERE id = 1")
            .await
            .as_deref(),
        Some("7"),
        "{kind:?}: widening kept the value"
    );
    assert!(!ctx.column("acct", "tag").await.nullable, "{kind:?}");
    ctx.exec_err("INSERT INTO acct (id, n, tag, code) VALUES (2, 1, NULL, '0')")
        .await;
    assert!(ctx.column("acct", "must").await.nullable, "{kind:?}");
    // Nothing given for `must` (now nullable), `score` (default 7) nor
    // `dflt` (default dropped).
    ctx.exec_ok("INSERT INTO acct (id, n, tag, code) VALUES (3, 1, 't', '0')")
        .await;
    assert_eq!(
        ctx.rows("SELECT must, score, dflt FROM acct WHERE id = 3")
            .await[0],
        [None, Some("7".to_owned()), None],
        "{kind:?}: score's default set, dflt's dropped"
    );
    ctx.exec_ok("DELETE FROM acct WHERE id = 3").await;
    let columns = ctx.column_names("acct").await;
    assert!(
        columns.contains(&"new_name".to_owned()) && !columns.contains(&"old_name".to_owned()),
        "{kind:?}: {columns:?}"
    );
    assert_eq!(
        ctx.value("SELECT new_name FROM acct WHERE id = 1")
            .await
            .as_deref(),
        Some("kept"),
        "{kind:?}: the rename kept the data"
    );
    if kind != Kind::Sqlite {
        assert_eq!(
            ctx.column_comment("acct", "descr").await.as_deref(),
            Some("described; it's \\ here"),
            "{kind:?}"
        );
    }
}

async fn check_original(ctx: &mut Ctx) {
    let kind = ctx.kind();
    let n = ctx.column("acct", "n").await;
    assert_eq!(
        int_type(kind, &n.ty),
        if kind == Kind::MySql {
            "int"
        } else {
            "integer"
        },
        "{kind:?}: narrowed back"
    );
    assert_eq!(
        ctx.rows("SELECT n, tag, must, old_name FROM acct WHERE id = 1")
            .await[0],
        [
            Some("7".to_owned()),
            Some("x".to_owned()),
            Some("5".to_owned()),
            Some("kept".to_owned())
        ],
        "{kind:?}: the data survived the way back"
    );
    assert!(ctx.column("acct", "tag").await.nullable, "{kind:?}");
    assert!(!ctx.column("acct", "must").await.nullable, "{kind:?}");
    assert_eq!(ctx.column("acct", "score").await.default, None, "{kind:?}");
    ctx.exec_ok("INSERT INTO acct (id, n, must, code) VALUES (3, 1, 1, '0')")
        .await;
    assert_eq!(
        ctx.rows("SELECT score, dflt FROM acct WHERE id = 3").await[0],
        [None, Some("3".to_owned())],
        "{kind:?}: the defaults as they were"
    );
    ctx.exec_ok("DELETE FROM acct WHERE id = 3").await;
    assert_eq!(ctx.column_comment("acct", "descr").await, None, "{kind:?}");
}

async fn alter_column(mut ctx: Ctx) {
    let regs = [&ACCT, &ALTER];
    ctx.up_to(&regs, "alt_0001").await;
    ctx.exec_ok(
        "INSERT INTO acct (id, n, tag, must, score, old_name, descr, code) \
         VALUES (1, 7, 'x', 5, NULL, 'kept', 'd', '42')",
    )
    .await;
    check_original(&mut ctx).await;

    ctx.up_ok(&regs).await;
    check_altered(&mut ctx).await;
    ctx.down_ok(&regs, "alt_0001").await;
    check_original(&mut ctx).await;
    ctx.up_ok(&regs).await;
    check_altered(&mut ctx).await;
}

/// PostgreSQL: `TYPE integer USING code::integer` converts the text '42' to
/// 42, and the automatic downgrade turns it back into text.
async fn alter_type_using(mut ctx: Ctx) {
    if ctx.kind() != Kind::Postgres {
        return;
    }
    let regs = [&ACCT, &ALTER, &USING];
    ctx.up_to(&regs, "alt_0001").await;
    ctx.exec_ok("INSERT INTO acct (id, n, tag, must, code) VALUES (1, 7, 'x', 5, '42')")
        .await;
    ctx.up_ok(&regs).await;
    assert_eq!(ctx.column("acct", "code").await.ty, "integer");
    assert_eq!(
        ctx.value("SELECT code + 1 FROM acct").await.as_deref(),
        Some("43")
    );
    ctx.down_ok(&regs, "alt_0002").await;
    assert_eq!(ctx.column("acct", "code").await.ty, "text");
    assert_eq!(
        ctx.value("SELECT code || '!' FROM acct").await.as_deref(),
        Some("42!")
    );
}

fn widen_blind(m: &mut Migration) {
    m.alter_column(AlterColumn::new("acct", "n").set_type(ColumnType::BigInteger));
}
fn narrow_blind(m: &mut Migration) {
    m.alter_column(AlterColumn::new("acct", "n").set_type(ColumnType::Integer));
}

migration!(BLIND = "alt_0004" after ["alt_0001"], up: widen_blind, down: Some(narrow_blind));

/// A type change without `.existing(..)`: PostgreSQL and SQLite keep the
/// rest of the column; MySQL's MODIFY restates the whole column, so the plan
/// is refused there before anything runs, saying what to add.
async fn alter_without_existing(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&ACCT, &BLIND];
    if kind == Kind::MySql {
        let error = render_error(ctx.up(&regs).await.unwrap_err());
        assert!(
            matches!(error, RenderError::Unsupported { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains(".existing("), "{error}");
        assert_eq!(ctx.tables().await, Vec::<String>::new());
        return;
    }
    ctx.up_to(&regs, "alt_0001").await;
    ctx.exec_ok("INSERT INTO acct (id, n, tag, must, code) VALUES (1, 7, NULL, 5, '42')")
        .await;
    ctx.up_ok(&regs).await;
    let n = ctx.column("acct", "n").await;
    assert_eq!(n.ty, "bigint", "{kind:?}");
    assert!(!n.nullable, "{kind:?}: still NOT NULL");
    assert_eq!(
        ctx.rows("SELECT n, tag, must FROM acct").await[0],
        [Some("7".to_owned()), None, Some("5".to_owned())],
        "{kind:?}"
    );
    ctx.down_ok(&regs, "alt_0001").await;
    assert_eq!(ctx.column("acct", "n").await.ty, "integer", "{kind:?}");
}

fn create_items(m: &mut Migration) {
    m.create_table(
        Table::new("items")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("price").decimal(10, 2))
            .column(Column::new("name").string(100))
            .column(Column::new("at").timestamptz())
            .column(Column::new("qty").integer()),
    );
}
fn price_to_integer(m: &mut Migration) {
    m.alter_column(
        AlterColumn::new("items", "price")
            .set_type(ColumnType::Integer)
            .existing(Column::new("price").decimal(10, 2)),
    );
}
fn name_to_five(m: &mut Migration) {
    m.alter_column(
        AlterColumn::new("items", "name")
            .set_type(ColumnType::String(5))
            .existing(Column::new("name").string(100)),
    );
}
fn at_to_date(m: &mut Migration) {
    m.alter_column(
        AlterColumn::new("items", "at")
            .set_type(ColumnType::Date)
            .existing(Column::new("at").timestamptz()),
    );
}
fn price_to_integer_ok(m: &mut Migration) {
    m.alter_column(
        AlterColumn::new("items", "price")
            .set_type(ColumnType::Integer)
            .existing(Column::new("price").decimal(10, 2))
            .lossy_ok("prices are whole euros since 2024"),
    );
    // A widening needs nothing.
    m.alter_column(
        AlterColumn::new("items", "qty")
            .set_type(ColumnType::BigInteger)
            .existing(Column::new("qty").integer()),
    );
}

migration!(ITEMS = "los_0001" after [], up: create_items, down: None);
migration!(PRICE = "los_0002" after ["los_0001"], up: price_to_integer, down: None);
migration!(NAME = "los_0003" after ["los_0001"], up: name_to_five, down: None);
migration!(AT = "los_0004" after ["los_0001"], up: at_to_date, down: None);
migration!(PRICE_OK = "los_0005" after ["los_0001"], up: price_to_integer_ok, down: None);

/// numeric -> integer, varchar(100) -> varchar(5) and timestamptz -> date
/// are refused before anything runs; with `lossy_ok` the change runs and
/// `status` lists it.
async fn lossy_type_changes(mut ctx: Ctx) {
    let kind = ctx.kind();
    ctx.up_to(&[&ITEMS], "los_0001").await;
    ctx.exec_ok(
        "INSERT INTO items (id, price, name, at, qty) \
         VALUES (1, 12.34, 'a long name', '2024-05-06 07:08:09', 3)",
    )
    .await;
    let before = ctx.rows("SELECT price, name FROM items").await;
    let (decimal, integer, string) = match kind {
        Kind::MySql => ("decimal(10, 2)", "int", "varchar"),
        _ => ("numeric(10, 2)", "integer", "varchar"),
    };
    for (reg, from, to, why) in [
        (
            &PRICE,
            decimal.to_owned(),
            integer.to_owned(),
            "fractions are rounded away",
        ),
        (
            &NAME,
            format!("{string}(100)"),
            format!("{string}(5)"),
            "longer values are cut",
        ),
        (
            &AT,
            String::new(),
            String::new(),
            "the time of day is dropped",
        ),
    ] {
        let regs = [&ITEMS, reg];
        let error = plan_error(ctx.up(&regs).await.unwrap_err());
        assert!(
            matches!(error, PlanError::LossyTypeChange(_)),
            "{kind:?}: {error}"
        );
        let message = error.to_string();
        assert!(message.contains(why), "{kind:?}: {message}");
        if !from.is_empty() {
            assert!(
                message.contains(&format!("changes the type from {from} to {to}")),
                "{kind:?}: {message}"
            );
        }
        assert!(message.contains(".lossy_ok("), "{kind:?}: {message}");
        assert!(message.contains("nothing was run"), "{kind:?}: {message}");
        assert_eq!(ctx.heads().await, ["los_0001"], "{kind:?}");
        assert_eq!(ctx.rows("SELECT price, name FROM items").await, before);
        // `status` says `upgrade` will refuse it.
        let status = ctx.status(&regs).await;
        assert!(
            status.problems.iter().any(|p| p.to_string().contains(why)),
            "{kind:?}: {:?}",
            status.problems
        );
    }

    let regs = [&ITEMS, &PRICE_OK];
    ctx.up_ok(&regs).await;
    // SQLite's integer affinity keeps a value it cannot convert exactly.
    assert_eq!(
        ctx.value("SELECT price FROM items").await.as_deref(),
        Some(if kind == Kind::Sqlite { "12.34" } else { "12" }),
        "{kind:?}: rounded, as the migration said it may"
    );
    let status = ctx.status(&regs).await;
    assert_eq!(status.lossy.len(), 1, "{kind:?}");
    assert_eq!(status.lossy[0].revision.id, "los_0005");
    assert_eq!(status.lossy[0].operation, "alter_column items.price");
    assert_eq!(status.lossy[0].reason, "prices are whole euros since 2024");
    assert!(
        status.problems.is_empty(),
        "{kind:?}: {:?}",
        status.problems
    );
}

fn create_docs(m: &mut Migration) {
    m.create_table(
        Table::new("docs")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("body").json().nullable()),
    );
}
fn rename_body(m: &mut Migration) {
    m.rename_column("docs", "body", "payload");
}
migration!(DOCS = "alt_0101" after [], up: create_docs, down: None);
migration!(RENAME_BODY = "alt_0102" after ["alt_0101"], up: rename_body, down: None);

/// MariaDB keeps a JSON column as `longtext` with a `json_valid` check
/// named after the column, and the check keeps that name when the column
/// is renamed: it is still read back as a JSON column (the replay says so,
/// and `up_ok` compares).
async fn renamed_json_column(ctx: Ctx) {
    let regs = [&DOCS, &RENAME_BODY];
    ctx.up_ok(&regs).await;
    let live = ctx.live_schema().await;
    let payload = live.table("docs").unwrap().column("payload").unwrap();
    if ctx.kind() != Kind::Sqlite {
        // SQLite keeps JSON as text.
        assert_eq!(
            payload.ty,
            migrate_core::schema::SqlType::Json,
            "{:?}",
            ctx.kind()
        );
    }
    assert!(
        live.table("docs").unwrap().checks.is_empty(),
        "{:?}",
        ctx.kind()
    );
}
