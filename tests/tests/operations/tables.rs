//! `create_table` (every column type, keys, constraints, comments,
//! `IF NOT EXISTS`), `drop_table` and `rename_table`.

use migrate_core::ops::{Action, Column, Constraint, Enum, ForeignKey, Migration, Table};

use crate::harness::{Ctx, Kind, nothing, render_error};

every_backend!(
    every_column_type,
    keys_and_constraints,
    if_not_exists_and_drops,
    rename_table,
    auto_increment_with_a_named_primary_key
);

fn mood() -> Enum {
    Enum::new("mood", ["happy", "sad"])
}

fn every_type_table() -> Table {
    let c = |name: &str| Column::new(name).nullable();
    Table::new("every_type")
        .column(Column::new("id").big_integer().auto_increment())
        .column(c("c_small").small_integer())
        .column(c("c_int").integer())
        .column(c("c_big").big_integer())
        .column(c("c_dec").decimal(10, 2))
        .column(c("c_real").real())
        .column(c("c_double").double())
        .column(c("c_string").string(20))
        .column(c("c_char").char(3))
        .column(c("c_text").text().comment("free text; 'quoted'"))
        .column(c("c_bool").boolean())
        .column(c("c_date").date())
        .column(c("c_time").time())
        .column(c("c_ts").timestamp())
        .column(c("c_tstz").timestamptz())
        .column(c("c_uuid").uuid())
        .column(c("c_json").json())
        .column(c("c_jsonb").jsonb())
        .column(c("c_bin").binary())
        .column(c("c_enum").enumeration(mood()))
        .column(c("c_raw").raw_type("varchar(7)"))
        .comment("one column of each type, it's true")
}

fn create_every_type(m: &mut Migration) {
    m.create_enum(mood());
    m.create_table(every_type_table());
}

migration!(EVERY_TYPE = "tbl_0001" after [], up: create_every_type, down: None);

/// The native type of each column of `every_type`, per backend.
fn expected_types(kind: Kind) -> Vec<(&'static str, &'static str)> {
    let names = [
        "id", "c_small", "c_int", "c_big", "c_dec", "c_real", "c_double", "c_string", "c_char",
        "c_text", "c_bool", "c_date", "c_time", "c_ts", "c_tstz", "c_uuid", "c_json", "c_jsonb",
        "c_bin", "c_enum", "c_raw",
    ];
    let types: [&str; 21] = match kind {
        Kind::Postgres => [
            "bigint",
            "smallint",
            "integer",
            "bigint",
            "numeric(10,2)",
            "real",
            "double precision",
            "character varying(20)",
            "character(3)",
            "text",
            "boolean",
            "date",
            "time without time zone",
            "timestamp without time zone",
            "timestamp with time zone",
            "uuid",
            "json",
            "jsonb",
            "bytea",
            "mood",
            "character varying(7)",
        ],
        // MariaDB's spelling; MySQL 8 drops the display widths, which
        // `mysql_type` strips, and reports `json` where MariaDB has its
        // `longtext` alias.
        Kind::MySql => [
            "bigint",
            "smallint",
            "int",
            "bigint",
            "decimal(10,2)",
            "float",
            "double",
            "varchar(20)",
            "char(3)",
            "text",
            "tinyint(1)",
            "date",
            "time(6)",
            "datetime(6)",
            "timestamp(6)",
            "char(36)",
            "json",
            "json",
            "longblob",
            "enum('happy','sad')",
            "varchar(7)",
        ],
        // The declared type, as written.
        Kind::Sqlite => [
            "integer",
            "smallint",
            "integer",
            "bigint",
            "numeric(10, 2)",
            "real",
            "double",
            "varchar(20)",
            "char(3)",
            "text",
            "boolean",
            "date",
            "time",
            "timestamp",
            "timestamptz",
            "char(36)",
            "text",
            "text",
            "blob",
            "text",
            "varchar(7)",
        ],
    };
    names.into_iter().zip(types).collect()
}

/// MySQL's `COLUMN_TYPE` without integer display widths, and MariaDB's
/// `longtext` JSON alias as `json`.
fn mysql_type(ty: &str) -> String {
    for int in ["smallint", "int", "bigint"] {
        if let Some(rest) = ty.strip_prefix(int) {
            if rest.starts_with('(') && rest.ends_with(')') {
                return int.to_owned();
            }
        }
    }
    if ty == "longtext" {
        return "json".to_owned();
    }
    ty.to_owned()
}

async fn check_every_type(ctx: &mut Ctx) {
    let kind = ctx.kind();
    let columns = ctx.columns("every_type").await;
    let actual: Vec<(String, String)> = columns
        .iter()
        .map(|c| {
            let ty = match kind {
                Kind::MySql => mysql_type(&c.ty),
                _ => c.ty.clone(),
            };
            (c.name.clone(), ty)
        })
        .collect();
    let expected: Vec<(String, String)> = expected_types(kind)
        .into_iter()
        .map(|(n, t)| (n.to_owned(), t.to_owned()))
        .collect();
    assert_eq!(actual, expected, "{kind:?}: column types of every_type");
    assert!(
        !columns[0].nullable && columns[1..].iter().all(|c| c.nullable),
        "{kind:?}: id NOT NULL, the rest nullable: {columns:?}"
    );
    assert_eq!(ctx.primary_key("every_type").await, ["id"], "{kind:?}");

    // Comments are stored where the backend has them.
    if kind != Kind::Sqlite {
        assert_eq!(
            ctx.table_comment("every_type").await.as_deref(),
            Some("one column of each type, it's true"),
            "{kind:?}: table comment"
        );
        assert_eq!(
            ctx.column_comment("every_type", "c_text").await.as_deref(),
            Some("free text; 'quoted'"),
            "{kind:?}: column comment"
        );
        assert_eq!(
            ctx.column_comment("every_type", "c_int").await,
            None,
            "{kind:?}"
        );
    }
    if kind == Kind::Postgres {
        assert_eq!(ctx.pg_enum("mood").await, ["happy", "sad"]);
    }

    // auto_increment numbers the rows from 1.
    ctx.exec_ok("INSERT INTO every_type (c_text) VALUES ('first')")
        .await;
    ctx.exec_ok("INSERT INTO every_type (c_text) VALUES ('second')")
        .await;
    assert_eq!(
        ctx.strings("SELECT id FROM every_type ORDER BY id").await,
        ["1", "2"],
        "{kind:?}: auto_increment ids"
    );
}

async fn every_column_type(mut ctx: Ctx) {
    let regs = [&EVERY_TYPE];
    ctx.up_ok(&regs).await;
    check_every_type(&mut ctx).await;

    // The automatic downgrade drops the table, then the enum.
    ctx.down_ok(&regs, "base").await;
    assert_eq!(ctx.tables().await, Vec::<String>::new(), "{:?}", ctx.kind());
    if ctx.kind() == Kind::Postgres {
        assert!(!ctx.pg_type_exists("mood").await, "enum dropped");
    }

    ctx.up_ok(&regs).await;
    check_every_type(&mut ctx).await;
}

fn create_keyed(m: &mut Migration) {
    m.create_table(
        Table::new("parents")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("email").string(100).unique())
            .column(Column::new("age").integer().nullable())
            .check("ck_parents_age", "age >= 0"),
    );
    m.create_table(
        Table::new("children")
            .column(Column::new("id").integer().primary_key())
            .column(
                Column::new("parent_id")
                    .integer()
                    .references("parents", "id"),
            )
            .column(Column::new("guardian_id").integer().nullable())
            .foreign_key(
                ForeignKey::new("fk_children_guardian", ["guardian_id"], "parents", ["id"])
                    .on_delete(Action::Cascade),
            ),
    );
    m.create_table(
        Table::new("pairs")
            .column(Column::new("a").integer())
            .column(Column::new("b").integer())
            .column(Column::new("note").text().nullable())
            .primary_key(["a", "b"])
            .unique("uq_pairs_note_b", ["b", "a"]),
    );
}

migration!(KEYED = "tbl_0002" after [], up: create_keyed, down: None);

async fn check_keyed(ctx: &mut Ctx) {
    let kind = ctx.kind();
    assert_eq!(ctx.primary_key("pairs").await, ["a", "b"], "{kind:?}");
    ctx.exec_ok("INSERT INTO pairs (a, b) VALUES (1, 1), (1, 2)")
        .await;
    ctx.exec_err("INSERT INTO pairs (a, b) VALUES (1, 1)").await;

    let constraints = ctx.constraints("children").await;
    for name in ["fk_children_parent_id", "fk_children_guardian"] {
        assert!(
            constraints.contains(&name.to_owned()),
            "{kind:?}: {name} in {constraints:?}"
        );
    }
    assert!(
        ctx.constraints("parents")
            .await
            .contains(&"ck_parents_age".to_owned()),
        "{kind:?}"
    );
    assert!(
        ctx.constraints("pairs")
            .await
            .contains(&"uq_pairs_note_b".to_owned()),
        "{kind:?}"
    );
    let fks = ctx.foreign_keys("children").await;
    assert_eq!(fks.len(), 2, "{kind:?}: {fks:?}");
    assert_eq!(fks[0].columns, ["guardian_id"], "{kind:?}");
    assert_eq!(fks[0].ref_table, "parents", "{kind:?}");
    assert_eq!(fks[0].on_delete, "CASCADE", "{kind:?}");
    assert_eq!(fks[1].columns, ["parent_id"], "{kind:?}");

    // unique and check constraints refuse what they must.
    ctx.exec_ok("INSERT INTO parents (id, email, age) VALUES (1, 'a@x', 30), (2, 'b@x', 40)")
        .await;
    ctx.exec_err("INSERT INTO parents (id, email, age) VALUES (3, 'a@x', 1)")
        .await;
    let check = ctx
        .exec_err("INSERT INTO parents (id, email, age) VALUES (4, 'd@x', -1)")
        .await;
    assert!(
        check.to_lowercase().contains("ck_parents_age"),
        "{kind:?}: {check}"
    );

    // The inline reference holds; the named one cascades.
    ctx.exec_err("INSERT INTO children (id, parent_id) VALUES (9, 99)")
        .await;
    ctx.exec_ok("INSERT INTO children (id, parent_id, guardian_id) VALUES (1, 1, 2), (2, 1, NULL)")
        .await;
    ctx.exec_ok("DELETE FROM parents WHERE id = 2").await;
    assert_eq!(
        ctx.strings("SELECT id FROM children ORDER BY id").await,
        ["2"],
        "{kind:?}: ON DELETE CASCADE removed child 1"
    );
    ctx.exec_err("DELETE FROM parents WHERE id = 1").await;
}

async fn keys_and_constraints(mut ctx: Ctx) {
    let regs = [&KEYED];
    ctx.up_ok(&regs).await;
    check_keyed(&mut ctx).await;
    ctx.down_ok(&regs, "base").await;
    assert_eq!(ctx.tables().await, Vec::<String>::new(), "{:?}", ctx.kind());
    ctx.up_ok(&regs).await;
    check_keyed(&mut ctx).await;
}

fn create_kept(m: &mut Migration) {
    m.create_table(
        Table::new("kept")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("label").text()),
    );
}
fn create_kept_again(m: &mut Migration) {
    // Already there: nothing happens, the first definition stays.
    m.create_table(
        Table::new("kept")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("other").integer())
            .if_not_exists(),
    );
    m.drop_table_if_exists("never_existed");
}
fn create_kept_if_missing(m: &mut Migration) {
    m.create_table(
        Table::new("kept")
            .column(Column::new("id").integer().primary_key())
            .if_not_exists(),
    );
}
fn doomed() -> Table {
    Table::new("doomed")
        .column(Column::new("id").integer().primary_key())
        .column(
            Column::new("why")
                .string(40)
                .nullable()
                .default("no reason"),
        )
}
fn create_doomed(m: &mut Migration) {
    m.create_table(doomed());
}
fn drop_doomed(m: &mut Migration) {
    // With its definition, so the automatic downgrade recreates it.
    m.drop_table(doomed());
}

migration!(KEPT = "tbl_0003" after [], up: create_kept, down: None);
migration!(KEPT_AGAIN = "tbl_0004" after ["tbl_0003"], up: create_kept_again, down: Some(nothing));
migration!(KEPT_AGAIN_DERIVED = "tbl_0004" after ["tbl_0003"], up: create_kept_if_missing, down: None);
migration!(DOOMED = "tbl_0005" after ["tbl_0004"], up: create_doomed, down: None);
migration!(DROP_DOOMED = "tbl_0006" after ["tbl_0005"], up: drop_doomed, down: None);

async fn if_not_exists_and_drops(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&KEPT, &KEPT_AGAIN, &DOOMED, &DROP_DOOMED];
    ctx.up_ok(&regs).await;
    assert_eq!(ctx.tables().await, ["kept"], "{kind:?}");
    assert_eq!(ctx.column_names("kept").await, ["id", "label"], "{kind:?}");

    // The automatic downgrade of a drop with a definition recreates it.
    ctx.down_ok(&regs, "tbl_0005").await;
    assert_eq!(ctx.tables().await, ["doomed", "kept"], "{kind:?}");
    assert_eq!(ctx.column_names("doomed").await, ["id", "why"], "{kind:?}");
    ctx.exec_ok("INSERT INTO doomed (id) VALUES (1)").await;
    assert_eq!(
        ctx.value("SELECT why FROM doomed").await.as_deref(),
        Some("no reason"),
        "{kind:?}: the recreated table has its default"
    );

    ctx.down_ok(&regs, "base").await;
    assert_eq!(ctx.tables().await, Vec::<String>::new(), "{kind:?}");
    ctx.up_ok(&regs).await;
    assert_eq!(ctx.tables().await, ["kept"], "{kind:?}");
    assert_eq!(ctx.column_names("kept").await, ["id", "label"], "{kind:?}");

    // A table created `if_not_exists` has no derived downgrade: it may
    // have been there, with its rows, and dropping it would lose them.
    ctx.exec_ok("INSERT INTO kept (id, label) VALUES (1, 'precious')")
        .await;
    ctx.down_ok(&regs, "tbl_0003").await;
    let derived = [&KEPT, &KEPT_AGAIN_DERIVED];
    ctx.up_ok(&derived).await;
    let refused = ctx.down(&derived, "tbl_0003").await.unwrap_err();
    assert!(
        refused.to_string().contains("may have created nothing"),
        "{kind:?}: {refused}"
    );
    assert_eq!(ctx.count("kept").await, 1, "{kind:?}");
}

fn create_old(m: &mut Migration) {
    m.create_table(
        Table::new("old_name")
            .column(Column::new("id").integer().auto_increment())
            .column(Column::new("v").string(20)),
    );
    m.create_table(
        Table::new("child")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("old_id").integer().references("old_name", "id")),
    );
}
fn rename_old(m: &mut Migration) {
    m.rename_table("old_name", "new_name");
}

migration!(OLD = "tbl_0007" after [], up: create_old, down: None);
migration!(RENAME = "tbl_0008" after ["tbl_0007"], up: rename_old, down: None);

/// The rows, the numbering and the foreign keys pointing at the table
/// follow the rename, both ways.
async fn check_renamed(ctx: &mut Ctx, table: &str, next_id: i64) {
    let kind = ctx.kind();
    assert_eq!(ctx.tables().await, ["child", table], "{kind:?}");
    ctx.exec_ok(&format!("INSERT INTO {table} (v) VALUES ('more')"))
        .await;
    assert_eq!(
        ctx.strings(&format!("SELECT v FROM {table} ORDER BY id"))
            .await,
        ["one", "two", "more"],
        "{kind:?}: rows kept"
    );
    assert_eq!(
        ctx.value(&format!("SELECT MAX(id) FROM {table}")).await,
        Some(next_id.to_string()),
        "{kind:?}: the numbering goes on"
    );
    ctx.exec_ok(&format!("DELETE FROM {table} WHERE v = 'more'"))
        .await;
    let fks = ctx.foreign_keys("child").await;
    assert_eq!(fks[0].ref_table, table, "{kind:?}: the reference followed");
    ctx.exec_ok("INSERT INTO child (id, old_id) VALUES (1, 1)")
        .await;
    ctx.exec_err("INSERT INTO child (id, old_id) VALUES (2, 99)")
        .await;
    ctx.exec_ok("DELETE FROM child").await;
}

async fn rename_table(mut ctx: Ctx) {
    let regs = [&OLD, &RENAME];
    ctx.up_to(&regs, "tbl_0007").await;
    ctx.exec_ok("INSERT INTO old_name (v) VALUES ('one'), ('two')")
        .await;
    ctx.up_ok(&regs).await;
    check_renamed(&mut ctx, "new_name", 3).await;
    ctx.down_ok(&regs, "tbl_0007").await;
    check_renamed(&mut ctx, "old_name", 4).await;
    ctx.up_ok(&regs).await;
    check_renamed(&mut ctx, "new_name", 5).await;
}

fn widgets(m: &mut Migration) {
    m.create_table(
        Table::new("widgets")
            .column(Column::new("id").big_integer().auto_increment())
            .column(Column::new("name").string(20))
            .constraint(Constraint::primary_key("pk_widgets", ["id"])),
    );
}
fn two_keys(m: &mut Migration) {
    m.create_table(
        Table::new("gadgets")
            .column(Column::new("id").big_integer().auto_increment())
            .column(Column::new("code").string(20))
            .constraint(Constraint::primary_key("pk_gadgets", ["code"])),
    );
}

migration!(WIDGETS = "tab_0101" after [], up: widgets, down: None);
migration!(TWO_KEYS = "tab_0102" after [], up: two_keys, down: None);

/// An auto-increment column may carry a named primary key (Alembic writes
/// `sa.PrimaryKeyConstraint("id", name="pk_widgets")` next to an integer
/// `id`): one key, named, still numbering rows. A named key on other
/// columns than the auto-increment one is two keys, refused before anything
/// runs.
async fn auto_increment_with_a_named_primary_key(mut ctx: Ctx) {
    let kind = ctx.kind();
    ctx.up_ok(&[&WIDGETS]).await;
    assert_eq!(ctx.primary_key("widgets").await, ["id"], "{kind:?}");
    let constraints = ctx.constraints("widgets").await;
    let named = if kind == Kind::MySql {
        "PRIMARY"
    } else {
        "pk_widgets"
    };
    assert!(
        constraints.contains(&named.to_owned()),
        "{kind:?}: {constraints:?}"
    );
    ctx.exec_ok("INSERT INTO widgets (name) VALUES ('a')").await;
    ctx.exec_ok("INSERT INTO widgets (name) VALUES ('b')").await;
    assert_eq!(
        ctx.strings("SELECT id FROM widgets ORDER BY id").await,
        ["1", "2"],
        "{kind:?}"
    );
    ctx.down_ok(&[&WIDGETS], "base").await;

    let error = render_error(ctx.up(&[&TWO_KEYS]).await.unwrap_err()).to_string();
    assert!(
        error.contains(
            "two primary keys: (id) from the columns and constraint `pk_gadgets` on (code)"
        ),
        "{kind:?}: {error}"
    );
    assert_eq!(ctx.tables().await, Vec::<String>::new(), "{kind:?}");
}
