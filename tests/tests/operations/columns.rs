//! `add_column` (server defaults of every literal kind, expressions and
//! `now`, `IF NOT EXISTS`, references, a refused `NOT NULL`) and
//! `drop_column`.

use migrate_core::ops::{AlterColumn, Column, Index, Literal, Migration, Table};
use migrate_core::render::RenderError;
use serde_json::json;

use crate::harness::{Ctx, Kind, failed_statement, render_error};

every_backend!(
    add_column_defaults,
    add_column_default_sql,
    add_column_if_not_exists,
    add_not_null_column_to_filled_table,
    add_column_with_reference,
    add_reference_with_default_to_filled_table,
    drop_column,
    literal_defaults,
    special_float_defaults,
);

fn create_items(m: &mut Migration) {
    m.create_table(
        Table::new("items")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("name").string(50)),
    );
}
fn add_defaults(m: &mut Migration) {
    m.add_column(
        "items",
        Column::new("note")
            .text()
            .nullable()
            .comment("added; it's \\ here"),
    );
    m.add_column("items", Column::new("flag").boolean().default(false));
    m.add_column("items", Column::new("label").string(10).default("x"));
    m.add_column("items", Column::new("qty").integer().default(0));
    // SQLite's ADD COLUMN refuses a non-constant default: a rebuild.
    m.add_column(
        "items",
        Column::new("created_at").timestamptz().default_now(),
    );
}

migration!(ITEMS = "col_0001" after [], up: create_items, down: None);
migration!(DEFAULTS = "col_0002" after ["col_0001"], up: add_defaults, down: None);

async fn fill_items(ctx: &mut Ctx) {
    ctx.exec_ok("INSERT INTO items (id, name) VALUES (1, 'one'), (2, 'two')")
        .await;
}

async fn check_defaults(ctx: &mut Ctx) {
    let kind = ctx.kind();
    assert_eq!(
        ctx.column_names("items").await,
        ["id", "name", "note", "flag", "label", "qty", "created_at"],
        "{kind:?}"
    );
    // Existing rows got every default; `note` stays NULL.
    let rows = ctx
        .rows("SELECT id, name, note, flag, label, qty, created_at FROM items ORDER BY id")
        .await;
    assert_eq!(rows.len(), 2, "{kind:?}");
    for (row, name) in rows.iter().zip(["one", "two"]) {
        assert_eq!(row[1].as_deref(), Some(name), "{kind:?}: {row:?}");
        assert_eq!(row[2], None, "{kind:?}: note {row:?}");
        assert_eq!(
            row[3].as_deref(),
            Some(ctx.bool(false)),
            "{kind:?}: flag {row:?}"
        );
        assert_eq!(row[4].as_deref(), Some("x"), "{kind:?}: label {row:?}");
        assert_eq!(row[5].as_deref(), Some("0"), "{kind:?}: qty {row:?}");
        let created = row[6].as_deref().unwrap_or_default();
        assert!(
            created.starts_with("20"),
            "{kind:?}: created_at of an existing row is the time of the change: {row:?}"
        );
    }
    if kind != Kind::Sqlite {
        assert_eq!(
            ctx.column_comment("items", "note").await.as_deref(),
            Some("added; it's \\ here"),
            "{kind:?}"
        );
    }
    // New rows get them too.
    ctx.exec_ok("INSERT INTO items (id, name) VALUES (3, 'three')")
        .await;
    assert_eq!(
        ctx.rows("SELECT label, qty FROM items WHERE id = 3").await[0],
        [Some("x".to_owned()), Some("0".to_owned())],
        "{kind:?}"
    );
    ctx.exec_ok("DELETE FROM items WHERE id = 3").await;
}

async fn add_column_defaults(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&ITEMS, &DEFAULTS];
    ctx.up_to(&regs, "col_0001").await;
    fill_items(&mut ctx).await;
    ctx.up_ok(&regs).await;
    check_defaults(&mut ctx).await;

    // The automatic downgrade drops the five columns; the rows stay.
    ctx.down_ok(&regs, "col_0001").await;
    assert_eq!(ctx.column_names("items").await, ["id", "name"], "{kind:?}");
    assert_eq!(
        ctx.strings("SELECT name FROM items ORDER BY id").await,
        ["one", "two"],
        "{kind:?}"
    );

    ctx.up_ok(&regs).await;
    check_defaults(&mut ctx).await;
}

fn add_uuid(m: &mut Migration) {
    m.add_column(
        "items",
        Column::new("uid").uuid().default_sql("gen_random_uuid()"),
    );
}

migration!(UUID = "col_0003" after ["col_0001"], up: add_uuid, down: None);

/// An expression default: PostgreSQL's `gen_random_uuid()` fills the rows
/// that exist. The other backends have no such function.
async fn add_column_default_sql(mut ctx: Ctx) {
    if ctx.kind() != Kind::Postgres {
        return;
    }
    let regs = [&ITEMS, &UUID];
    ctx.up_to(&regs, "col_0001").await;
    fill_items(&mut ctx).await;
    ctx.up_ok(&regs).await;
    let uids = ctx.strings("SELECT uid FROM items ORDER BY id").await;
    assert_eq!(uids.len(), 2);
    assert!(uids.iter().all(|u| u.len() == 36), "{uids:?}");
    assert_ne!(uids[0], uids[1], "one uuid per row");
    let default = ctx.column("items", "uid").await.default;
    assert_eq!(default.as_deref(), Some("gen_random_uuid()"));

    ctx.down_ok(&regs, "col_0001").await;
    assert_eq!(ctx.column_names("items").await, ["id", "name"]);
}

fn add_extra_twice(m: &mut Migration) {
    let extra = || Column::new("extra").integer().nullable();
    m.add_column_if_not_exists("items", extra());
    // Already there: a no-op, not an error.
    m.add_column_if_not_exists("items", extra());
}
fn drop_extra(m: &mut Migration) {
    m.drop_column("items", "extra");
}

migration!(EXTRA = "col_0004" after ["col_0001"], up: add_extra_twice, down: Some(drop_extra));

/// `IF NOT EXISTS` on PostgreSQL and MariaDB; SQLite refuses the plan.
async fn add_column_if_not_exists(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&ITEMS, &EXTRA];
    if kind == Kind::Sqlite {
        let error = render_error(ctx.up(&regs).await.unwrap_err());
        assert!(
            matches!(error, RenderError::Unsupported { .. }),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("no ADD COLUMN IF NOT EXISTS"),
            "{error}"
        );
        // Refused before anything ran, the first migration included.
        assert_eq!(ctx.heads().await, Vec::<String>::new());
        assert_eq!(ctx.tables().await, Vec::<String>::new());
        return;
    }
    ctx.up_ok(&regs).await;
    assert_eq!(
        ctx.column_names("items").await,
        ["id", "name", "extra"],
        "{kind:?}"
    );
    ctx.down_ok(&regs, "col_0001").await;
    assert_eq!(ctx.column_names("items").await, ["id", "name"], "{kind:?}");
    ctx.up_ok(&regs).await;
    assert_eq!(
        ctx.column_names("items").await,
        ["id", "name", "extra"],
        "{kind:?}"
    );
}

fn add_must(m: &mut Migration) {
    m.add_column("items", Column::new("must").integer());
}

migration!(MUST = "col_0005" after ["col_0001"], up: add_must, down: None);

/// A `NOT NULL` column without a default cannot be added to a table with
/// rows: the step fails, names itself, and leaves nothing changed. MySQL
/// instead fills the rows with the type's implicit default (0), by design.
async fn add_not_null_column_to_filled_table(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&ITEMS, &MUST];
    ctx.up_to(&regs, "col_0001").await;
    fill_items(&mut ctx).await;
    let result = ctx.up(&regs).await;
    if kind == Kind::MySql {
        result.unwrap();
        assert_eq!(
            ctx.strings("SELECT must FROM items ORDER BY id").await,
            ["0", "0"]
        );
        return;
    }
    let failed = failed_statement(result.unwrap_err());
    assert_eq!(failed.operation, "add_column items.must", "{kind:?}");
    assert!(
        failed.message.contains("upgrade col_0005"),
        "{kind:?}: {}",
        failed.message
    );
    let db = failed.db_message.to_lowercase();
    assert!(
        db.contains("null") && db.contains("must"),
        "{kind:?}: the database names the column: {}",
        failed.message
    );
    assert_eq!(ctx.heads().await, ["col_0001"], "{kind:?}");
    assert_eq!(ctx.column_names("items").await, ["id", "name"], "{kind:?}");
    assert_eq!(ctx.count("items").await, 2, "{kind:?}");
}

fn create_people(m: &mut Migration) {
    m.create_table(
        Table::new("people")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("name").string(50))
            .column(Column::new("nick").string(20).nullable())
            .column(Column::new("age").integer().nullable()),
    );
    m.create_index(Index::new("ix_people_nick").on("people", ["nick"]));
    m.create_index(Index::new("ix_people_name").on("people", ["name"]));
}
fn drop_nick(m: &mut Migration) {
    // With its definition: the automatic downgrade adds it back.
    m.drop_column("people", Column::new("nick").string(20).nullable());
}

migration!(PEOPLE = "col_0006" after [], up: create_people, down: None);
migration!(DROP_NICK = "col_0007" after ["col_0006"], up: drop_nick, down: None);

async fn check_people(ctx: &mut Ctx, columns: &[&str]) {
    let kind = ctx.kind();
    assert_eq!(ctx.column_names("people").await, columns, "{kind:?}");
    assert_eq!(
        ctx.rows("SELECT id, name, age FROM people ORDER BY id")
            .await,
        [
            [
                Some("1".to_owned()),
                Some("ann".to_owned()),
                Some("31".to_owned())
            ],
            [Some("2".to_owned()), Some("bob".to_owned()), None],
        ],
        "{kind:?}: the other columns keep their data"
    );
}

async fn drop_column(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&PEOPLE, &DROP_NICK];
    ctx.up_to(&regs, "col_0006").await;
    ctx.exec_ok("INSERT INTO people (id, name, nick, age) VALUES (1, 'ann', 'a', 31), (2, 'bob', 'b', NULL)")
        .await;

    ctx.up_ok(&regs).await;
    check_people(&mut ctx, &["id", "name", "age"]).await;
    // The index on the dropped column went with it; the other one stays.
    assert_eq!(
        ctx.index_names("people").await,
        ["ix_people_name"],
        "{kind:?}"
    );

    ctx.down_ok(&regs, "col_0006").await;
    check_people(&mut ctx, &["id", "name", "age", "nick"]).await;
    assert_eq!(
        ctx.strings("SELECT nick FROM people ORDER BY id").await,
        ["NULL", "NULL"],
        "{kind:?}: the column is back, its data is not"
    );

    ctx.up_ok(&regs).await;
    check_people(&mut ctx, &["id", "name", "age"]).await;
}

fn create_family(m: &mut Migration) {
    m.create_table(Table::new("folks").column(Column::new("id").integer().primary_key()));
    m.create_table(Table::new("kids").column(Column::new("id").integer().primary_key()));
}
fn add_folk_reference(m: &mut Migration) {
    m.add_column(
        "kids",
        Column::new("folk_id")
            .integer()
            .nullable()
            .references("folks", "id"),
    );
}

migration!(FAMILY = "col_0008" after [], up: create_family, down: None);
migration!(REFERENCE = "col_0009" after ["col_0008"], up: add_folk_reference, down: None);

/// A column added with an inline reference gets its named foreign key, and
/// the automatic downgrade drops both.
async fn add_column_with_reference(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&FAMILY, &REFERENCE];
    ctx.up_ok(&regs).await;
    check_reference(&mut ctx).await;
    ctx.down_ok(&regs, "col_0008").await;
    assert_eq!(ctx.column_names("kids").await, ["id"], "{kind:?}");
    assert_eq!(ctx.foreign_keys("kids").await, [], "{kind:?}");
    assert_eq!(
        ctx.index_names("kids").await,
        Vec::<String>::new(),
        "{kind:?}"
    );
    ctx.up_ok(&regs).await;
    check_reference(&mut ctx).await;
}

fn add_first_folk(m: &mut Migration) {
    m.add_column(
        "kids",
        Column::new("first_folk")
            .integer()
            .default(1)
            .references("folks", "id"),
    );
}

migration!(FIRST_FOLK = "col_0013" after ["col_0008"], up: add_first_folk, down: None);

/// SQLite's ADD COLUMN refuses a reference with a non-NULL default on a
/// table with rows; the column is added all the same.
async fn add_reference_with_default_to_filled_table(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&FAMILY, &FIRST_FOLK];
    ctx.up_to(&regs, "col_0008").await;
    ctx.exec_ok("INSERT INTO folks (id) VALUES (1), (2)").await;
    ctx.exec_ok("INSERT INTO kids (id) VALUES (1)").await;
    ctx.up_ok(&regs).await;
    assert_eq!(
        ctx.strings("SELECT first_folk FROM kids").await,
        ["1"],
        "{kind:?}"
    );
    let fks = ctx.foreign_keys("kids").await;
    assert_eq!(fks.len(), 1, "{kind:?}: {fks:?}");
    ctx.exec_err("INSERT INTO kids (id, first_folk) VALUES (2, 3)")
        .await;
    ctx.down_ok(&regs, "col_0008").await;
    assert_eq!(ctx.column_names("kids").await, ["id"], "{kind:?}");
    assert_eq!(ctx.count("kids").await, 1, "{kind:?}");
}

async fn check_reference(ctx: &mut Ctx) {
    let kind = ctx.kind();
    assert_eq!(
        ctx.column_names("kids").await,
        ["id", "folk_id"],
        "{kind:?}"
    );
    let fks = ctx.foreign_keys("kids").await;
    assert_eq!(fks.len(), 1, "{kind:?}: {fks:?}");
    assert_eq!(fks[0].ref_table, "folks", "{kind:?}");
    if kind != Kind::Sqlite {
        assert!(
            ctx.constraints("kids")
                .await
                .contains(&"fk_kids_folk_id".to_owned()),
            "{kind:?}"
        );
    }
    ctx.exec_ok("INSERT INTO folks (id) VALUES (1)").await;
    ctx.exec_ok("INSERT INTO kids (id, folk_id) VALUES (1, 1)")
        .await;
    ctx.exec_err("INSERT INTO kids (id, folk_id) VALUES (2, 2)")
        .await;
    ctx.exec_ok("DELETE FROM kids").await;
    ctx.exec_ok("DELETE FROM folks").await;
}

const TRICKY: &str = "it's \\ \"fine\"; -- ok";

fn defaults_table() -> Table {
    Table::new("defaults")
        .column(Column::new("id").integer().primary_key())
        .column(Column::new("b").boolean().default(true))
        .column(Column::new("i").integer().default(-5))
        .column(Column::new("f").double().default(-0.5))
        .column(Column::new("tiny").double().default(1e-7))
        .column(Column::new("s").string(40).default(TRICKY))
        .column(Column::new("n").integer().nullable().default(Literal::Null))
        .column(
            Column::new("bin")
                .binary()
                .nullable()
                .default(vec![0_u8, 255]),
        )
        .column(
            Column::new("j")
                .json()
                .nullable()
                .default(json!({"a": [1, "x'y"]})),
        )
        .column(Column::new("d").date().default("2024-02-29"))
        .column(Column::new("e").integer().default_sql("1 + 2"))
}
fn create_defaults(m: &mut Migration) {
    m.create_table(defaults_table());
}
fn change_default(m: &mut Migration) {
    m.alter_column(
        AlterColumn::new("defaults", "s")
            .set_default("new 'one' \\")
            .existing(Column::new("s").string(40).default(TRICKY)),
    );
}

migration!(DEFAULTS_TABLE = "col_0010" after [], up: create_defaults, down: None);
migration!(CHANGE_DEFAULT = "col_0011" after ["col_0010"], up: change_default, down: None);

/// A row of nothing but defaults, normalised: booleans as `true`/`false`,
/// floats and JSON re-printed.
async fn default_row(ctx: &mut Ctx) -> Vec<String> {
    let hex = match ctx.kind() {
        Kind::Postgres => "encode(bin, 'hex')",
        Kind::MySql | Kind::Sqlite => "lower(hex(bin))",
    };
    ctx.exec_ok("INSERT INTO defaults (id) VALUES (1)").await;
    let sql = format!("SELECT b, i, f, tiny, s, n, {hex}, j, d, e FROM defaults");
    let row = ctx.rows(&sql).await.remove(0);
    ctx.exec_ok("DELETE FROM defaults").await;
    row.into_iter()
        .enumerate()
        .map(|(i, cell)| {
            let cell = cell.unwrap_or_else(|| "NULL".to_owned());
            match i {
                0 => matches!(cell.as_str(), "t" | "1").to_string(),
                2 | 3 => cell.parse::<f64>().unwrap().to_string(),
                7 => serde_json::from_str::<serde_json::Value>(&cell)
                    .unwrap()
                    .to_string(),
                _ => cell,
            }
        })
        .collect()
}

async fn literal_defaults(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&DEFAULTS_TABLE, &CHANGE_DEFAULT];
    let expected = |s: &str| {
        vec![
            "true".to_owned(),
            "-5".to_owned(),
            "-0.5".to_owned(),
            1e-7.to_string(),
            s.to_owned(),
            "NULL".to_owned(),
            "00ff".to_owned(),
            json!({"a": [1, "x'y"]}).to_string(),
            "2024-02-29".to_owned(),
            "3".to_owned(),
        ]
    };
    ctx.up_to(&regs, "col_0010").await;
    assert_eq!(default_row(&mut ctx).await, expected(TRICKY), "{kind:?}");
    ctx.up_ok(&regs).await;
    assert_eq!(
        default_row(&mut ctx).await,
        expected("new 'one' \\"),
        "{kind:?}: the new default"
    );
    ctx.down_ok(&regs, "col_0010").await;
    assert_eq!(
        default_row(&mut ctx).await,
        expected(TRICKY),
        "{kind:?}: the old default back"
    );
}

fn create_float_defaults(m: &mut Migration) {
    m.create_table(
        Table::new("float_defaults")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("nan").double().default(f64::NAN))
            .column(Column::new("inf").double().default(f64::INFINITY))
            .column(Column::new("ninf").real().default(f64::NEG_INFINITY)),
    );
}

migration!(FLOAT_DEFAULTS = "col_0012" after [], up: create_float_defaults, down: None);

/// PostgreSQL: NaN and the infinities as defaults. MySQL has none of them
/// and SQLite cannot store NaN: the plan is refused before anything runs.
async fn special_float_defaults(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&FLOAT_DEFAULTS];
    let result = ctx.up(&regs).await;
    if kind != Kind::Postgres {
        let error = render_error(result.unwrap_err()).to_string();
        assert!(
            error.contains("a default of NaN cannot be stored here"),
            "{kind:?}: {error}"
        );
        assert_eq!(ctx.tables().await, Vec::<String>::new(), "{kind:?}");
        return;
    }
    result.unwrap();
    ctx.exec_ok("INSERT INTO float_defaults (id) VALUES (1)")
        .await;
    assert_eq!(
        ctx.rows("SELECT nan, inf, ninf FROM float_defaults").await[0],
        [
            Some("NaN".to_owned()),
            Some("Infinity".to_owned()),
            Some("-Infinity".to_owned())
        ]
    );
}
