//! Backend-specific steps: `Migration::only` and `Migration::backend`, the
//! cases a real three-backend history needs (a boolean's `CHECK` where the
//! backend has no boolean, a MySQL-only server default and `MEDIUMTEXT`),
//! their derived downgrades, `drop_constraint_if_exists` of a constraint
//! that exists on one backend only, per-backend column types, and raw SQL
//! with quoted names and bound values (`sql!`, sea-query statements).

use migrate_core::Backend;
use migrate_core::ops::{Column, ColumnType, Constraint, Migration, Table, ident};
use migrate_core::sql;

use crate::harness::{Ctx, Kind, render_error};

every_backend!(
    steps_for_some_backends,
    a_constraint_only_one_backend_has,
    portable_raw_sql
);

/// What the CHECK of SQLAlchemy's `Boolean(create_constraint=True)` is for:
/// the backends that store a boolean as a number.
const NUMERIC_BOOLEANS: [Backend; 2] = [Backend::MySql, Backend::Sqlite];

fn create_flags(m: &mut Migration) {
    m.create_table(
        Table::new("flags")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("enabled").boolean().default(false))
            .column(Column::new("note").string(20).nullable())
            // Floats of a known size, and SQLAlchemy's `Float` (8 bytes on
            // PostgreSQL, 4 on MySQL) as a port keeps it.
            .column(Column::new("weight").float32().nullable())
            .column(Column::new("precise").float64().nullable())
            .column(
                Column::new("ratio")
                    .float64()
                    .type_for(Backend::MySql, ColumnType::Real)
                    .nullable(),
            )
            .column(
                Column::new("summary")
                    .text()
                    .type_for(Backend::MySql, ColumnType::Raw("MEDIUMTEXT".into()))
                    .nullable(),
            ),
    );
    m.only(NUMERIC_BOOLEANS, |m| {
        m.create_check_constraint("flags", "ck_flags_enabled", "enabled IN (0, 1)");
    });
    m.only(Backend::MySql, |m| {
        m.add_column(
            "flags",
            Column::new("body").raw_type("MEDIUMTEXT").nullable(),
        );
    });
    m.only([Backend::Postgres, Backend::Sqlite], |m| {
        m.add_column("flags", Column::new("body").text().nullable());
    });
}

/// A server default on MySQL only; elsewhere the column stays without one.
/// Its downgrade is derived: the reverse is limited the same way.
fn mysql_default(m: &mut Migration) {
    m.only(Backend::MySql, |m| {
        m.alter_column(
            migrate_core::ops::AlterColumn::new("flags", "note")
                .set_default("mysql")
                .existing(Column::new("note").string(20).nullable()),
        );
    });
    // Asking the backend: a value that differs, not a step.
    let label = match m.backend() {
        Some(Backend::Postgres) => "pg",
        Some(Backend::MySql) => "my",
        Some(Backend::Sqlite) | None => "lite",
    };
    m.execute("INSERT INTO flags (id) VALUES (1)");
    m.execute(format!("UPDATE flags SET note = '{label}' WHERE id = 1"));
}
fn undo_rows(m: &mut Migration) {
    m.execute("DELETE FROM flags");
}

migration!(FLAGS = "bk_0001" after [], up: create_flags, down: None);
migration!(DEFAULT = "bk_0002" after ["bk_0001"], up: mysql_default, down: Some(undo_rows));

async fn steps_for_some_backends(mut ctx: Ctx) {
    let kind = ctx.kind();
    ctx.up_ok(&[&FLAGS]).await;
    let check = ctx
        .constraints("flags")
        .await
        .contains(&"ck_flags_enabled".to_owned());
    assert_eq!(
        check,
        kind != Kind::Postgres,
        "{kind:?}: the boolean's CHECK"
    );
    let body = ctx.column("flags", "body").await.ty;
    let expected = match kind {
        Kind::MySql => "mediumtext",
        Kind::Postgres | Kind::Sqlite => "text",
    };
    assert_eq!(body, expected, "{kind:?}");
    let summary = ctx.column("flags", "summary").await.ty;
    assert_eq!(summary, expected, "{kind:?}: type_for");
    let mut floats = Vec::new();
    for column in ["weight", "precise", "ratio"] {
        floats.push(ctx.column("flags", column).await.ty);
    }
    let expected = match kind {
        Kind::Postgres => ["real", "double precision", "double precision"],
        Kind::MySql => ["float", "double", "float"],
        Kind::Sqlite => ["real", "double", "double"],
    };
    assert_eq!(floats, expected, "{kind:?}");
    if kind != Kind::Postgres {
        let refused = ctx
            .exec_err("INSERT INTO flags (id, enabled) VALUES (9, 2)")
            .await;
        assert!(refused.contains("ck_flags_enabled"), "{kind:?}: {refused}");
    }

    ctx.up_ok(&[&FLAGS, &DEFAULT]).await;
    let note = ctx.column("flags", "note").await.default;
    assert_eq!(
        note.as_deref().map(|d| d.trim_matches('\'')),
        (kind == Kind::MySql).then_some("mysql"),
        "{kind:?}: the server default"
    );
    let label = ctx.value("SELECT note FROM flags WHERE id = 1").await;
    let expected = match kind {
        Kind::Postgres => "pg",
        Kind::MySql => "my",
        Kind::Sqlite => "lite",
    };
    assert_eq!(label.as_deref(), Some(expected), "{kind:?}");

    // The derived downgrade of the first migration undoes what it did on
    // this backend, and only that.
    ctx.down_ok(&[&FLAGS, &DEFAULT], "base").await;
    assert!(
        !ctx.tables().await.contains(&"flags".to_owned()),
        "{kind:?}"
    );
    // Up again: the same plan, the same checksums.
    ctx.up_ok(&[&FLAGS, &DEFAULT]).await;
    let status = ctx.status(&[&FLAGS, &DEFAULT]).await;
    assert!(
        status.problems.is_empty(),
        "{kind:?}: {:?}",
        status.problems
    );
}

fn drop_mysql_check(m: &mut Migration) {
    // The CHECK exists on MySQL and SQLite only; PostgreSQL never had it.
    m.drop_constraint_if_exists("flags", "ck_flags_enabled");
}
fn add_mysql_check_back(m: &mut Migration) {
    m.only(NUMERIC_BOOLEANS, |m| {
        m.create_check_constraint("flags", "ck_flags_enabled", "enabled IN (0, 1)");
    });
}
fn drop_missing_unique(m: &mut Migration) {
    m.drop_constraint_if_exists("flags", Constraint::unique("uq_nowhere", ["note"]));
}
fn drop_primary_key_if_exists(m: &mut Migration) {
    m.drop_constraint_if_exists("flags", Constraint::primary_key("pk_flags", ["id"]));
}

migration!(DROP_CHECK = "bk_0003" after ["bk_0001"], up: drop_mysql_check, down: Some(add_mysql_check_back));
migration!(DROP_MISSING = "bk_0004" after ["bk_0003"], up: drop_missing_unique, down: Some(crate::harness::nothing));
migration!(DROP_PK = "bk_0005" after ["bk_0004"], up: drop_primary_key_if_exists, down: Some(crate::harness::nothing));
migration!(DERIVED = "bk_0004" after ["bk_0003"], up: drop_missing_unique, down: None);

async fn a_constraint_only_one_backend_has(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&FLAGS, &DROP_CHECK, &DROP_MISSING];
    ctx.up_ok(&regs).await;
    assert!(
        !ctx.constraints("flags")
            .await
            .contains(&"ck_flags_enabled".to_owned()),
        "{kind:?}"
    );
    ctx.exec_ok("INSERT INTO flags (id) VALUES (1)").await;
    // Down again: the explicit downgrade puts it back where it was.
    ctx.down_ok(&regs, "bk_0001").await;
    let check = ctx
        .constraints("flags")
        .await
        .contains(&"ck_flags_enabled".to_owned());
    assert_eq!(check, kind != Kind::Postgres, "{kind:?}");

    // Its downgrade is never derived: the drop may have dropped nothing.
    let derived = [&FLAGS, &DROP_CHECK, &DERIVED];
    ctx.up_ok(&derived).await;
    let refused = ctx.down(&derived, "bk_0003").await.unwrap_err().to_string();
    assert!(
        refused.contains("may have dropped nothing"),
        "{kind:?}: {refused}"
    );

    // A primary key has no IF EXISTS form on MySQL: refused before
    // anything runs, naming the way out. Elsewhere a name the table does
    // not have drops nothing.
    ctx.down_ok(&[&FLAGS, &DROP_CHECK, &DROP_MISSING], "bk_0003")
        .await;
    let result = ctx
        .up(&[&FLAGS, &DROP_CHECK, &DROP_MISSING, &DROP_PK])
        .await;
    match kind {
        Kind::MySql => {
            let error = render_error(result.unwrap_err()).to_string();
            assert!(error.contains("DROP PRIMARY KEY IF EXISTS"), "{error}");
        }
        Kind::Postgres | Kind::Sqlite => {
            result.unwrap();
            assert_eq!(ctx.primary_key("flags").await, ["id"], "{kind:?}");
        }
    }
}

fn create_tags(m: &mut Migration) {
    // `key` is reserved on MySQL; `order` everywhere.
    m.create_table(
        Table::new("old_tags")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("key").string(40))
            .column(Column::new("order").integer()),
    );
    m.create_table(
        Table::new("tags")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("key").string(40))
            .column(Column::new("order").integer()),
    );
    m.execute_query(sql!(
        "INSERT INTO {} ({}, {}, {}) VALUES (1, {}, 1), (2, {}, 2), (3, {}, 3)",
        ident("old_tags"),
        ident("id"),
        ident("key"),
        ident("order"),
        "plain",
        "it's; DROP TABLE old_tags; --",
        "gone"
    ));
}

/// The data step of a port: what Alembic did with an ORM session, as a
/// template and as a sea-query statement, names quoted and values bound.
fn copy_tags(m: &mut Migration) {
    m.execute_query(
        sql!(
            "INSERT INTO {} ({}, {}, {}) SELECT {}, {}, {} FROM {} WHERE {} <> {}",
            ident("tags"),
            ident("id"),
            ident("key"),
            ident("order"),
            ident("id"),
            ident("key"),
            ident("order"),
            ident("old_tags"),
            ident("key"),
            "gone"
        )
        .reverse(sql!("DELETE FROM {}", ident("tags"))),
    );
    use migrate_core::prelude::sea_query::{Alias, Expr, Query};
    let renumber = Query::update()
        .table(Alias::new("tags"))
        .value(Alias::new("order"), Expr::col(Alias::new("order")).add(10))
        .and_where(Expr::col(Alias::new("key")).eq("plain"))
        .to_owned();
    m.execute_statement(&renumber);
}
fn undo_copy(m: &mut Migration) {
    m.execute_query(sql!("DELETE FROM {}", ident("tags")));
}

migration!(TAGS = "bk_0101" after [], up: create_tags, down: None);
migration!(COPY = "bk_0102" after ["bk_0101"], up: copy_tags, down: Some(undo_copy));
migration!(COPY_DERIVED = "bk_0102" after ["bk_0101"], up: copy_tags, down: None);

async fn portable_raw_sql(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&TAGS, &COPY];
    ctx.up_ok(&regs).await;
    let q = |t: &str| match kind {
        Kind::MySql => format!("`{t}`"),
        Kind::Postgres | Kind::Sqlite => format!("\"{t}\""),
    };
    let rows = ctx
        .rows(&format!(
            "SELECT {}, {} FROM tags ORDER BY id",
            q("key"),
            q("order")
        ))
        .await;
    let rows: Vec<(String, String)> = rows
        .into_iter()
        .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
        .collect();
    assert_eq!(
        rows,
        [
            ("plain".to_owned(), "11".to_owned()),
            ("it's; DROP TABLE old_tags; --".to_owned(), "2".to_owned()),
        ],
        "{kind:?}"
    );
    assert_eq!(ctx.count("old_tags").await, 3, "{kind:?}");
    ctx.down_ok(&regs, "bk_0101").await;
    assert_eq!(ctx.count("tags").await, 0, "{kind:?}");
    // Derived: the template's reverse; the sea-query statement has none.
    let derived = [&TAGS, &COPY_DERIVED];
    ctx.up_ok(&derived).await;
    let refused = ctx.down(&derived, "bk_0101").await.unwrap_err().to_string();
    assert!(
        refused.contains("a query has no reverse"),
        "{kind:?}: {refused}"
    );
}
