//! `create_enum`, `drop_enum`, enum columns and `add_enum_value`: a native
//! type on PostgreSQL, an inline `ENUM` on MySQL, a `CHECK` on SQLite.

use migrate_core::ops::{AddEnumValue, Column, Enum, Migration, Table};

use crate::harness::{Ctx, Kind, failed_statement, nothing};

every_backend!(enum_columns, enum_value_used_in_the_same_migration);

fn status() -> Enum {
    Enum::new("doc_status", ["draft", "published"])
}
fn unused() -> Enum {
    Enum::new("unused_enum", ["a", "b"])
}
fn status_column() -> Column {
    Column::new("status").enumeration(status()).default("draft")
}

fn create_docs(m: &mut Migration) {
    m.create_enum(status());
    m.create_enum(unused());
    m.create_table(
        Table::new("docs")
            .column(Column::new("id").integer().primary_key())
            .column(status_column()),
    );
}
fn add_archived(m: &mut Migration) {
    m.add_enum_value(AddEnumValue::new(status(), "archived").column("docs", status_column()));
}
fn drop_unused(m: &mut Migration) {
    // With its values: the automatic downgrade creates it again.
    m.drop_enum(unused());
}

migration!(DOCS = "enm_0001" after [], up: create_docs, down: None);
// PostgreSQL cannot remove an enum value; the type and its table go with the
// downgrade of DOCS.
migration!(ARCHIVED = "enm_0002" after ["enm_0001"], up: add_archived, down: Some(nothing));
migration!(DROP_UNUSED = "enm_0003" after ["enm_0002"], up: drop_unused, down: None);

async fn check_enum(ctx: &mut Ctx, values: &[&str]) {
    let kind = ctx.kind();
    let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
    match kind {
        Kind::Postgres => {
            assert_eq!(ctx.pg_enum("doc_status").await, values);
            assert_eq!(ctx.column("docs", "status").await.ty, "doc_status");
        }
        Kind::MySql => {
            assert_eq!(
                ctx.column("docs", "status").await.ty,
                format!("enum({})", quoted.join(","))
            );
        }
        Kind::Sqlite => {
            let sql = ctx.table_sql("docs").await;
            let check = format!("CHECK (\"status\" IN ({}))", quoted.join(", "));
            assert!(sql.contains(&check), "{check} in {sql}");
        }
    }
    // The default, every listed value, and nothing else.
    ctx.exec_ok("INSERT INTO docs (id) VALUES (1)").await;
    for (i, value) in values.iter().enumerate() {
        ctx.exec_ok(&format!(
            "INSERT INTO docs (id, status) VALUES ({}, '{value}')",
            i + 2
        ))
        .await;
    }
    ctx.exec_err("INSERT INTO docs (id, status) VALUES (99, 'bogus')")
        .await;
    let mut expected = vec!["draft"];
    expected.extend(values);
    assert_eq!(
        ctx.strings("SELECT status FROM docs ORDER BY id").await,
        expected,
        "{kind:?}"
    );
    ctx.exec_ok("DELETE FROM docs").await;
}

async fn enum_columns(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&DOCS, &ARCHIVED, &DROP_UNUSED];
    ctx.up_to(&regs, "enm_0001").await;
    check_enum(&mut ctx, &["draft", "published"]).await;
    if kind == Kind::Postgres {
        assert_eq!(ctx.pg_enum("unused_enum").await, ["a", "b"]);
    }

    ctx.exec_ok("INSERT INTO docs (id, status) VALUES (100, 'published')")
        .await;
    ctx.up_ok(&regs).await;
    assert_eq!(
        ctx.value("SELECT status FROM docs WHERE id = 100")
            .await
            .as_deref(),
        Some("published"),
        "{kind:?}: the change kept the rows"
    );
    ctx.exec_ok("DELETE FROM docs WHERE id = 100").await;
    check_enum(&mut ctx, &["draft", "published", "archived"]).await;
    if kind == Kind::Postgres {
        assert!(!ctx.pg_type_exists("unused_enum").await, "dropped");
    }

    ctx.down_ok(&regs, "enm_0002").await;
    if kind == Kind::Postgres {
        assert_eq!(ctx.pg_enum("unused_enum").await, ["a", "b"], "recreated");
    }
    ctx.down_ok(&regs, "base").await;
    assert_eq!(ctx.tables().await, Vec::<String>::new(), "{kind:?}");
    if kind == Kind::Postgres {
        assert!(!ctx.pg_type_exists("doc_status").await);
        assert!(!ctx.pg_type_exists("unused_enum").await);
    }

    ctx.up_ok(&regs).await;
    check_enum(&mut ctx, &["draft", "published", "archived"]).await;
}

fn add_and_use(m: &mut Migration) {
    m.add_enum_value(AddEnumValue::new(status(), "archived").column("docs", status_column()));
    m.execute("INSERT INTO docs (id, status) VALUES (1, 'archived')");
}

migration!(ADD_AND_USE = "enm_0004" after ["enm_0001"], up: add_and_use, down: Some(nothing));

/// PostgreSQL cannot use an enum value in the transaction that added it; the
/// error says so, and the step is rolled back. Elsewhere it simply works.
async fn enum_value_used_in_the_same_migration(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&DOCS, &ADD_AND_USE];
    ctx.up_to(&regs, "enm_0001").await;
    let result = ctx.up(&regs).await;
    if kind != Kind::Postgres {
        result.unwrap();
        assert_eq!(
            ctx.strings("SELECT status FROM docs").await,
            ["archived"],
            "{kind:?}"
        );
        return;
    }
    let failed = failed_statement(result.unwrap_err());
    assert_eq!(failed.operation, "execute");
    assert!(
        failed
            .message
            .contains("cannot use an enum value in the transaction that added it"),
        "{}",
        failed.message
    );
    assert_eq!(ctx.heads().await, ["enm_0001"]);
    assert_eq!(
        ctx.pg_enum("doc_status").await,
        ["draft", "published"],
        "rolled back"
    );
}
