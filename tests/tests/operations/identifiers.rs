//! Identifiers on real databases: names with quotes of every kind, `;`,
//! `--` and spaces go through every operation intact; names longer than the
//! backend keeps are refused before anything runs.

use migrate_core::Backend;
use migrate_core::ops::{AlterColumn, Column, Enum, Index, Migration, Rows, Table};
use migrate_core::render::RenderError;

use crate::harness::{Ctx, Kind, render_error};

every_backend!(odd_names, name_length_limits, names_a_backend_cannot_store);

const PARENT: &str = "pa\"rent; --";
const TABLE: &str = "we\"ird `tab` 'le'; -- x";
const RENAMED: &str = "re\"named `t`'";
const ID: &str = "i\"d";
const NAME: &str = "na`me";
const RENAMED_NAME: &str = "new \"na`me'";
const QUOTE: &str = "it's";
const SEMI: &str = "semi;colon";
const DASH: &str = "dash -- dash";
const SPACE: &str = "sp ace";
const ADDED: &str = "added; col";
const INDEX: &str = "ix \"odd\"; --";
const UNIQUE: &str = "uq `odd`'; --";

fn mood() -> Enum {
    Enum::new("mo\"od'", ["o'k", "n\"o"])
}

fn create_odd(m: &mut Migration) {
    m.create_enum(mood());
    m.create_table(Table::new(PARENT).column(Column::new(ID).integer().primary_key()));
    m.create_table(
        Table::new(TABLE)
            .column(Column::new(ID).integer().primary_key())
            .column(Column::new(NAME).string(50))
            .column(quote_column())
            .column(Column::new(SEMI).string(20).nullable().unique())
            .column(
                Column::new(DASH)
                    .integer()
                    .nullable()
                    .references(PARENT, ID),
            )
            .column(Column::new(SPACE).enumeration(mood()).nullable())
            .unique(UNIQUE, [QUOTE])
            .comment("it's odd"),
    );
    m.create_index(Index::new(INDEX).on(TABLE, [NAME]));
}
fn insert_odd(m: &mut Migration) {
    m.bulk_insert(Rows::new(PARENT, [ID]).row((1,)).row((2,)));
    m.bulk_insert(
        Rows::new(TABLE, [ID, NAME, QUOTE, SEMI, DASH, SPACE])
            .row((1, "ann", 10, "s1", 1, "o'k"))
            .row((2, "bob", 20, "s2", 2, "n\"o")),
    );
}
fn delete_odd(m: &mut Migration) {
    let sql =
        |q: fn(&str) -> String| format!("DELETE FROM {}; DELETE FROM {}", q(TABLE), q(PARENT));
    m.execute_for(Backend::Postgres, sql(double_quoted));
    m.execute_for(Backend::Sqlite, sql(double_quoted));
    m.execute_for(Backend::MySql, sql(backquoted));
}
fn double_quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
fn backquoted(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}
fn quote_column() -> Column {
    Column::new(QUOTE)
        .integer()
        .nullable()
        .comment("it's \\ odd")
}
fn reshape_odd(m: &mut Migration) {
    // MySQL restates the whole column, comment included.
    m.alter_column(
        AlterColumn::new(TABLE, QUOTE)
            .set_not_null()
            .existing(quote_column()),
    );
    m.rename_column(TABLE, NAME, RENAMED_NAME);
    m.add_column(TABLE, Column::new(ADDED).integer().default(5));
    m.drop_column(TABLE, Column::new(SEMI).string(20).nullable().unique());
}
fn rename_odd(m: &mut Migration) {
    m.rename_table(TABLE, RENAMED);
}

migration!(ODD = "idn_0001" after [], up: create_odd, down: None);
migration!(ODD_ROWS = "idn_0002" after ["idn_0001"], up: insert_odd, down: Some(delete_odd));
migration!(RESHAPE = "idn_0003" after ["idn_0002"], up: reshape_odd, down: None);
migration!(RENAME = "idn_0004" after ["idn_0003"], up: rename_odd, down: None);

/// Rows of `table`: id, name, `it's`, dash, `sp ace`.
async fn odd_rows(ctx: &mut Ctx, table: &str, name: &str) -> Vec<Vec<Option<String>>> {
    let sql = format!(
        "SELECT {}, {}, {}, {}, {} FROM {} ORDER BY {}",
        ctx.q(ID),
        ctx.q(name),
        ctx.q(QUOTE),
        ctx.q(DASH),
        ctx.q(SPACE),
        ctx.q(table),
        ctx.q(ID)
    );
    ctx.rows(&sql).await
}

fn expected_rows() -> Vec<Vec<Option<String>>> {
    let row = |cells: [&str; 5]| cells.iter().map(|c| Some((*c).to_owned())).collect();
    vec![
        row(["1", "ann", "10", "1", "o'k"]),
        row(["2", "bob", "20", "2", "n\"o"]),
    ]
}

async fn check_original(ctx: &mut Ctx) {
    let kind = ctx.kind();
    let mut tables = vec![PARENT, TABLE];
    tables.sort_unstable();
    assert_eq!(ctx.tables().await, tables, "{kind:?}");
    assert_eq!(
        ctx.column_names(TABLE).await,
        [ID, NAME, QUOTE, SEMI, DASH, SPACE],
        "{kind:?}"
    );
    assert_eq!(
        odd_rows(ctx, TABLE, NAME).await,
        expected_rows(),
        "{kind:?}"
    );
    assert!(
        ctx.index_names(TABLE).await.contains(&INDEX.to_owned()),
        "{kind:?}"
    );
    assert!(
        ctx.constraints(TABLE).await.contains(&UNIQUE.to_owned()),
        "{kind:?}"
    );
    if kind != Kind::Sqlite {
        assert_eq!(
            ctx.table_comment(TABLE).await.as_deref(),
            Some("it's odd"),
            "{kind:?}"
        );
        assert_eq!(
            ctx.column_comment(TABLE, QUOTE).await.as_deref(),
            Some("it's \\ odd"),
            "{kind:?}"
        );
    }
    if kind == Kind::Postgres {
        assert_eq!(ctx.pg_enum("mo\"od'").await, ["o'k", "n\"o"]);
    }
}

async fn check_reshaped(ctx: &mut Ctx) {
    let kind = ctx.kind();
    let mut tables = vec![PARENT, RENAMED];
    tables.sort_unstable();
    assert_eq!(ctx.tables().await, tables, "{kind:?}");
    assert_eq!(
        ctx.column_names(RENAMED).await,
        [ID, RENAMED_NAME, QUOTE, DASH, SPACE, ADDED],
        "{kind:?}"
    );
    assert_eq!(
        odd_rows(ctx, RENAMED, RENAMED_NAME).await,
        expected_rows(),
        "{kind:?}: the data survived renames and the drop"
    );
    assert!(!ctx.column(RENAMED, QUOTE).await.nullable, "{kind:?}");
    if kind != Kind::Sqlite {
        assert_eq!(
            ctx.column_comment(RENAMED, QUOTE).await.as_deref(),
            Some("it's \\ odd"),
            "{kind:?}: the comment survived the change"
        );
    }
    let added = format!("SELECT {} FROM {}", ctx.q(ADDED), ctx.q(RENAMED));
    assert_eq!(ctx.strings(&added).await, ["5", "5"], "{kind:?}");
    assert!(
        ctx.index_names(RENAMED).await.contains(&INDEX.to_owned()),
        "{kind:?}: the index followed the table"
    );
    // The foreign key and the enum still hold.
    for values in ["3, 'x', 30, 99, NULL", "3, 'x', 30, 1, 'nope'"] {
        let sql = format!(
            "INSERT INTO {} ({}, {}, {}, {}, {}) VALUES ({values})",
            ctx.q(RENAMED),
            ctx.q(ID),
            ctx.q(RENAMED_NAME),
            ctx.q(QUOTE),
            ctx.q(DASH),
            ctx.q(SPACE)
        );
        ctx.exec_err(&sql).await;
    }
}

async fn odd_names(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&ODD, &ODD_ROWS, &RESHAPE, &RENAME];
    ctx.up_to(&regs, "idn_0002").await;
    check_original(&mut ctx).await;
    ctx.up_ok(&regs).await;
    check_reshaped(&mut ctx).await;

    // Back through the automatic downgrades: rename, add, drop, rename.
    ctx.down_ok(&regs, "idn_0002").await;
    assert_eq!(
        ctx.column_names(TABLE).await,
        [ID, NAME, QUOTE, DASH, SPACE, SEMI],
        "{kind:?}: the dropped column is back, at the end"
    );
    assert_eq!(
        odd_rows(&mut ctx, TABLE, NAME).await,
        expected_rows(),
        "{kind:?}"
    );

    ctx.down_ok(&regs, "base").await;
    assert_eq!(ctx.tables().await, Vec::<String>::new(), "{kind:?}");
    if kind == Kind::Postgres {
        assert!(!ctx.pg_type_exists("mo\"od'").await);
    }
    ctx.up_ok(&regs).await;
    check_reshaped(&mut ctx).await;
}

fn create_short(m: &mut Migration) {
    m.create_table(Table::new("short").column(Column::new("id").integer().primary_key()));
}
fn long_table(name: String) -> Table {
    Table::new(name).column(Column::new("id").integer().primary_key())
}
fn create_63(m: &mut Migration) {
    m.create_table(long_table("a".repeat(63)));
}
fn create_64(m: &mut Migration) {
    m.create_table(long_table("b".repeat(64)));
}
fn create_65(m: &mut Migration) {
    m.create_table(long_table("c".repeat(65)));
}
fn create_64_bytes_32_chars(m: &mut Migration) {
    m.create_table(long_table("é".repeat(32)));
}

migration!(SHORT = "lim_0001" after [], up: create_short, down: None);
migration!(LONG_63 = "lim_0002" after ["lim_0001"], up: create_63, down: None);
migration!(LONG_64 = "lim_0003" after ["lim_0001"], up: create_64, down: None);
migration!(LONG_65 = "lim_0004" after ["lim_0001"], up: create_65, down: None);
migration!(LONG_UTF8 = "lim_0005" after ["lim_0001"], up: create_64_bytes_32_chars, down: None);

/// PostgreSQL keeps 63 bytes, MySQL 64 characters, SQLite everything. A name
/// the backend would truncate is refused, with nothing applied; one it keeps
/// is created and dropped.
async fn name_length_limits(ctx: Ctx) {
    let kind = ctx.kind();
    let cases: [(&'static migrate_core::Registration, String, bool); 4] = [
        (&LONG_63, "a".repeat(63), true),
        (&LONG_64, "b".repeat(64), kind != Kind::Postgres),
        (&LONG_65, "c".repeat(65), kind == Kind::Sqlite),
        (&LONG_UTF8, "é".repeat(32), kind != Kind::Postgres),
    ];
    for (reg, name, fits) in cases {
        let regs = [&SHORT, reg];
        if fits {
            ctx.up_ok(&regs).await;
            // Sorted by bytes on both sides: the servers' collations put
            // `é` before `s`.
            let mut tables = ctx.tables().await;
            tables.sort_unstable();
            let mut expected = vec![name.clone(), "short".to_owned()];
            expected.sort_unstable();
            assert_eq!(tables, expected, "{kind:?}");
            ctx.down_ok(&regs, "lim_0001").await;
            assert_eq!(ctx.tables().await, ["short"], "{kind:?}");
            ctx.down_ok(&regs, "base").await;
            continue;
        }
        let error = render_error(ctx.up(&regs).await.unwrap_err());
        let message = error.to_string();
        match error {
            RenderError::IdentifierTooLong {
                name: refused,
                length,
                ..
            } => {
                assert_eq!(refused, name, "{kind:?}");
                let unit = if kind == Kind::Postgres {
                    "bytes"
                } else {
                    "characters"
                };
                assert_eq!(length, format!("{} {unit}", name.len()), "{kind:?}");
            }
            other => panic!("{kind:?}: expected IdentifierTooLong, got {other:?}"),
        }
        assert!(
            message.contains("truncated"),
            "{kind:?}: says why: {message}"
        );
        // Refused before anything ran: not even the first migration.
        assert_eq!(ctx.heads().await, Vec::<String>::new(), "{kind:?}");
        assert_eq!(ctx.tables().await, Vec::<String>::new(), "{kind:?}");
    }
}

fn emoji_table(m: &mut Migration) {
    m.create_table(Table::new("party 🎉").column(Column::new("id").integer().primary_key()));
}

migration!(EMOJI = "idn_0101" after [], up: emoji_table, down: None);

/// MySQL and MariaDB keep names in 3-byte UTF-8: a name with an emoji is
/// refused before anything runs, not cut or mangled by the server; the
/// others store it.
async fn names_a_backend_cannot_store(ctx: Ctx) {
    let kind = ctx.kind();
    if kind == Kind::MySql {
        let error = render_error(ctx.up(&[&EMOJI]).await.unwrap_err()).to_string();
        assert!(
            error.contains("holds 🎉 (U+1F389), which MySQL and MariaDB cannot store in a name"),
            "{error}"
        );
        assert_eq!(ctx.tables().await, Vec::<String>::new());
    } else {
        ctx.up_ok(&[&EMOJI]).await;
        assert_eq!(ctx.tables().await, ["party 🎉"], "{kind:?}");
    }
}
