//! The SQL every operation renders to on every backend (insta snapshots, one
//! per topic and backend), what rendering refuses, SQLite's grouping of
//! table changes into rebuilds, and the quoting of hostile names and values.

use serde_json::json;

use super::{Exec, RenderError, Statement, TableChange, render};
use crate::Backend;
use crate::ops::{
    Action, AddEnumValue, AlterColumn, Column, ColumnType, Constraint, Enum, ForeignKey, Index,
    Literal, Migration, Operation, RawSql, Rows, Table,
};

// ---------------------------------------------------------------------------
// Helpers

/// The rendered plan, one statement per line: `[step describe] sql`, plus
/// `(non-transactional)` when the statement cannot run in a transaction.
///
/// Each operation is rendered as a plan of its own, so that every line shows
/// what that step renders to by itself (SQLite folds consecutive changes to
/// one table into one rebuild; that is tested separately below). A step that
/// renders to nothing says `(nothing)`, one that cannot render says `ERROR`
/// and why.
fn show(plan: &Migration, backend: Backend) -> String {
    let mut lines = Vec::new();
    for (i, op) in plan.operations().iter().enumerate() {
        let head = format!("[{i} {}]", op.describe());
        let mut alone = Migration::new();
        alone.push(op.clone());
        match render(&alone, backend) {
            Ok(statements) if statements.is_empty() => lines.push(format!("{head} (nothing)")),
            Ok(statements) => {
                for statement in &statements {
                    lines.push(format!("{head} {}", line(statement)));
                }
            }
            Err(error) => lines.push(format!("{head} ERROR {error}")),
        }
    }
    lines.join("\n")
}

fn line(statement: &Statement) -> String {
    let mut text = statement.canonical();
    if !statement.transactional {
        text.push_str(" (non-transactional)");
    }
    text
}

/// The SQL of every statement of `plan`, rendered as one plan.
fn sqls(plan: &Migration, backend: Backend) -> Vec<String> {
    render(plan, backend)
        .unwrap_or_else(|e| panic!("{backend}: {e}"))
        .into_iter()
        .map(|s| s.sql)
        .collect()
}

fn one_op(op: impl FnOnce(&mut Migration)) -> Migration {
    let mut m = Migration::new();
    op(&mut m);
    m
}

fn render_err(plan: &Migration, backend: Backend) -> RenderError {
    match render(plan, backend) {
        Ok(statements) => panic!(
            "{backend}: expected an error, got {:?}",
            statements.iter().map(|s| &s.sql).collect::<Vec<_>>()
        ),
        Err(e) => e,
    }
}

/// One snapshot per backend of a topic's plan, named `<topic>_<backend>`.
macro_rules! snapshots {
    ($($topic:ident => $pg:ident, $my:ident, $lite:ident;)*) => {$(
        #[test]
        fn $pg() {
            insta::assert_snapshot!(show(&$topic(), Backend::Postgres));
        }
        #[test]
        fn $my() {
            insta::assert_snapshot!(show(&$topic(), Backend::MySql));
        }
        #[test]
        fn $lite() {
            insta::assert_snapshot!(show(&$topic(), Backend::Sqlite));
        }
    )*};
}

snapshots! {
    tables => tables_postgres, tables_mysql, tables_sqlite;
    columns => columns_postgres, columns_mysql, columns_sqlite;
    alter => alter_postgres, alter_mysql, alter_sqlite;
    indexes => indexes_postgres, indexes_mysql, indexes_sqlite;
    constraints => constraints_postgres, constraints_mysql, constraints_sqlite;
    enums => enums_postgres, enums_mysql, enums_sqlite;
    data => data_postgres, data_mysql, data_sqlite;
}

// ---------------------------------------------------------------------------
// The topics' plans

fn post_status() -> Enum {
    Enum::new("post_status", ["draft", "published"])
}

/// `create_table` with every column type and option, `drop_table`,
/// `rename_table`.
fn tables() -> Migration {
    let mut m = Migration::new();
    m.create_table(
        Table::new("users")
            .column(Column::new("id").big_integer().auto_increment())
            .column(Column::new("email").string(255).unique())
            .column(
                Column::new("name")
                    .text()
                    .nullable()
                    .comment("shown on the profile"),
            )
            .column(Column::new("created_at").timestamptz().default_now())
            .check("ck_users_email", "email <> ''")
            .comment("people who can sign in"),
    );
    m.create_table(
        Table::new("every_type")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("small").small_integer())
            .column(Column::new("int").integer())
            .column(Column::new("big").big_integer())
            .column(Column::new("price").decimal(10, 2))
            .column(Column::new("ratio").real())
            .column(Column::new("score").double())
            .column(Column::new("label").string(64))
            .column(Column::new("code").char(2))
            .column(Column::new("body").text())
            .column(Column::new("flag").boolean())
            .column(Column::new("day").date())
            .column(Column::new("at_time").time())
            .column(Column::new("at").timestamp())
            .column(Column::new("at_tz").timestamptz())
            .column(Column::new("token").uuid())
            .column(Column::new("doc").json())
            .column(Column::new("docb").jsonb())
            .column(Column::new("bytes").binary())
            .column(Column::new("status").enumeration(post_status()))
            .column(Column::new("amount").raw_type("decimal(5, 0)")),
    );
    m.create_table(
        Table::new("posts")
            .column(Column::new("id").big_integer().auto_increment())
            .column(
                Column::new("author_id")
                    .big_integer()
                    .references("users", "id"),
            )
            .column(Column::new("editor_id").big_integer().nullable())
            .column(
                Column::new("status")
                    .enumeration(post_status())
                    .default("draft"),
            )
            .column(Column::new("slug").string(100))
            .foreign_key(
                ForeignKey::new("fk_posts_editor", ["editor_id"], "users", ["id"])
                    .on_delete(Action::SetNull)
                    .on_update(Action::Cascade),
            )
            .unique("uq_posts_author_slug", ["author_id", "slug"])
            .check("ck_posts_slug", "slug <> ''"),
    );
    m.create_table(
        Table::new("memberships")
            .if_not_exists()
            .column(Column::new("user_id").big_integer())
            .column(Column::new("group_id").big_integer())
            .column(Column::new("role").string(20).default("member"))
            .primary_key(["user_id", "group_id"])
            .foreign_key(
                ForeignKey::new("fk_memberships_user", ["user_id"], "users", ["id"])
                    .on_delete(Action::Restrict)
                    .on_update(Action::NoAction),
            )
            .foreign_key(
                ForeignKey::new("fk_memberships_group", ["group_id"], "groups", ["id"])
                    .on_delete(Action::SetDefault),
            ),
    );
    // Two columns marked `.primary_key()` make a composite key too.
    m.create_table(
        Table::new("post_tags")
            .column(Column::new("post_id").big_integer().primary_key())
            .column(Column::new("tag").string(32).primary_key()),
    );
    // An identity column in a composite key.
    m.create_table(
        Table::new("log_lines")
            .column(Column::new("id").big_integer().auto_increment())
            .column(Column::new("shard").small_integer())
            .primary_key(["id", "shard"]),
    );
    m.drop_table("old_sessions");
    m.drop_table_if_exists("tmp_import");
    m.drop_table(Table::new("audit").column(Column::new("id").integer().primary_key()));
    m.rename_table("task", "tasks");
    m
}

/// `add_column` with every kind of default and option, `drop_column`.
fn columns() -> Migration {
    let mut m = Migration::new();
    m.add_column("users", Column::new("phone").string(32).nullable());
    m.add_column(
        "users",
        Column::new("nickname")
            .text()
            .nullable()
            .default(Literal::Null),
    );
    m.add_column("users", Column::new("is_verified").boolean().default(false));
    m.add_column("users", Column::new("is_active").boolean().default(true));
    m.add_column("users", Column::new("logins").integer().default(-1));
    m.add_column("users", Column::new("weight").double().default(1.5));
    m.add_column(
        "users",
        Column::new("limit").double().default(f64::INFINITY),
    );
    m.add_column("users", Column::new("locale").string(8).default("en"));
    m.add_column(
        "users",
        Column::new("avatar")
            .binary()
            .nullable()
            .default(vec![0xde_u8, 0xad, 0xbe, 0xef]),
    );
    m.add_column(
        "users",
        Column::new("settings")
            .jsonb()
            .default(json!({"theme": "dark"})),
    );
    m.add_column("users", Column::new("seen_at").timestamptz().default_now());
    m.add_column("users", Column::new("seen_local").timestamp().default_now());
    m.add_column(
        "users",
        Column::new("token").uuid().default_sql("gen_random_uuid()"),
    );
    m.add_column_if_not_exists("users", Column::new("bio").text().nullable());
    m.add_column(
        "users",
        Column::new("team_id")
            .big_integer()
            .nullable()
            .references("teams", "id"),
    );
    m.add_column(
        "users",
        Column::new("motto")
            .string(140)
            .nullable()
            .comment("shown under the name"),
    );
    m.add_column(
        "users",
        Column::new("handle").string(32).nullable().unique(),
    );
    m.add_column("users", Column::new("level").integer());
    m.drop_column("users", "phone");
    m.drop_column(
        "users",
        Column::new("team_id")
            .big_integer()
            .nullable()
            .references("teams", "id"),
    );
    m
}

/// `alter_column` with every kind of change, with and without `.existing`,
/// and `rename_column`.
fn alter() -> Migration {
    let age = || Column::new("age").integer().nullable();
    let mut m = Migration::new();
    m.alter_column(
        AlterColumn::new("users", "age")
            .set_type(ColumnType::BigInteger)
            .using("age::bigint")
            .existing(age()),
    );
    m.alter_column(
        AlterColumn::new("users", "age")
            .set_type(ColumnType::BigInteger)
            .using("age::bigint"),
    );
    m.alter_column(
        AlterColumn::new("users", "email")
            .set_not_null()
            .existing(Column::new("email").string(255).nullable()),
    );
    m.alter_column(AlterColumn::new("users", "email").set_not_null());
    m.alter_column(
        AlterColumn::new("users", "bio")
            .set_nullable()
            .existing(Column::new("bio").text()),
    );
    m.alter_column(AlterColumn::new("users", "bio").set_nullable());
    m.alter_column(
        AlterColumn::new("users", "locale")
            .set_default("en")
            .existing(Column::new("locale").string(8).nullable()),
    );
    m.alter_column(AlterColumn::new("users", "locale").set_default("en"));
    m.alter_column(
        AlterColumn::new("users", "locale")
            .drop_default()
            .existing(Column::new("locale").string(8).default("en")),
    );
    m.alter_column(AlterColumn::new("users", "locale").drop_default());
    m.alter_column(
        AlterColumn::new("users", "token")
            .set_default_sql("gen_random_uuid()")
            .existing(Column::new("token").uuid()),
    );
    m.alter_column(
        AlterColumn::new("users", "seen_at")
            .set_default_now()
            .existing(Column::new("seen_at").timestamptz().nullable()),
    );
    m.alter_column(AlterColumn::new("users", "seen_at").set_default_now());
    m.alter_column(
        AlterColumn::new("users", "motto")
            .set_comment("shown under the name")
            .existing(Column::new("motto").string(140).nullable()),
    );
    m.alter_column(AlterColumn::new("users", "motto").set_comment("shown under the name"));
    m.alter_column(
        AlterColumn::new("users", "motto").drop_comment().existing(
            Column::new("motto")
                .string(140)
                .nullable()
                .comment("shown under the name"),
        ),
    );
    m.alter_column(
        AlterColumn::new("users", "age")
            .set_type(ColumnType::BigInteger)
            .using("age::bigint")
            .set_not_null()
            .set_default(0)
            .rename_to("age_years")
            .set_comment("in years")
            .existing(age()),
    );
    m.alter_column(
        AlterColumn::new("users", "locale")
            .set_default("en")
            .rename_to("lang"),
    );
    m.alter_column(AlterColumn::new("users", "nick").rename_to("nickname"));
    m.rename_column("users", "fullname", "display_name");
    m.alter_column(
        AlterColumn::new("posts", "status")
            .set_type(ColumnType::Enum(post_status().with_value("archived"))),
    );
    m
}

/// `create_index` with every option, `drop_index`.
fn indexes() -> Migration {
    let mut m = Migration::new();
    m.create_index(Index::new("ix_posts_author").on("posts", ["author_id"]));
    m.create_index(Index::new("uq_users_email").on("users", ["email"]).unique());
    m.create_index(Index::new("ix_posts_author_created").on("posts", ["author_id", "created_at"]));
    m.create_index(
        Index::new("ix_users_lower_email")
            .table("users")
            .expr("lower(email)"),
    );
    m.create_index(
        Index::new("ix_posts_author_lower_slug")
            .on("posts", ["author_id"])
            .expr("lower(slug)"),
    );
    m.create_index(
        Index::new("ix_tasks_open")
            .on("tasks", ["due_at"])
            .partial("completed = false"),
    );
    m.create_index(
        Index::new("uq_tasks_open_title")
            .on("tasks", ["title"])
            .unique()
            .partial("completed = false"),
    );
    m.create_index(
        Index::new("ix_events_at")
            .on("events", ["at"])
            .concurrently(),
    );
    m.create_index(
        Index::new("ix_users_name")
            .on("users", ["name"])
            .if_not_exists(),
    );
    m.drop_index("users", "ix_users_name");
    m.drop_index(
        "events",
        Index::new("ix_events_at")
            .on("events", ["at"])
            .concurrently(),
    );
    m.drop_index_if_exists("users", "ix_users_old");
    m
}

/// Constraints added and dropped, `NOT VALID` and `validate_constraint`.
fn constraints() -> Migration {
    let author = || {
        ForeignKey::new("fk_posts_author", ["author_id"], "users", ["id"])
            .on_delete(Action::Cascade)
    };
    let mut m = Migration::new();
    m.create_foreign_key("posts", author());
    m.create_check_constraint("users", "ck_users_age", "age >= 0");
    m.create_unique_constraint("users", "uq_users_email", ["email"]);
    m.create_unique_constraint("posts", "uq_posts_author_slug", ["author_id", "slug"]);
    m.create_primary_key("tags", "pk_tags", ["id"]);
    m.add_constraint(
        "pets",
        Constraint::from(ForeignKey::new(
            "fk_pets_owner",
            ["owner_id"],
            "users",
            ["id"],
        ))
        .not_valid(),
    );
    m.add_constraint(
        "users",
        Constraint::check("ck_users_age_nv", "age < 200").not_valid(),
    );
    m.validate_constraint("users", "ck_users_age_nv");
    m.drop_constraint("users", "ck_users_age_nv");
    m.drop_constraint("users", Constraint::check("ck_users_age", "age >= 0"));
    m.drop_constraint("users", Constraint::unique("uq_users_email", ["email"]));
    m.drop_constraint("tags", Constraint::primary_key("pk_tags", ["id"]));
    m.drop_constraint("posts", author());
    m
}

/// `create_enum`, enum columns, `add_enum_value`, `drop_enum`.
fn enums() -> Migration {
    let status = post_status();
    let column = || {
        Column::new("status")
            .enumeration(post_status())
            .default("draft")
    };
    let mut m = Migration::new();
    m.create_enum(status.clone());
    m.add_column(
        "posts",
        Column::new("status")
            .enumeration(status.clone())
            .default("draft"),
    );
    m.add_enum_value(
        AddEnumValue::new(status.clone(), "archived")
            .column("posts", column())
            .column(
                "posts",
                Column::new("previous_status")
                    .enumeration(post_status())
                    .nullable(),
            )
            .column("drafts", column()),
    );
    m.add_enum_value(AddEnumValue::new(status.clone(), "hidden"));
    m.drop_enum("old_status");
    m.drop_enum(Enum::new("unused_status", ["a", "b"]));
    m.push(Operation::DropEnum {
        definition: "maybe_status".into(),
        if_exists: true,
    });
    m
}

/// `bulk_insert`, `execute`, `execute_for`, `RawSql`.
fn data() -> Migration {
    let mut m = Migration::new();
    m.bulk_insert(
        Rows::new("roles", ["name", "rank", "builtin"])
            .row(("admin", 1, true))
            .row(("member", 2, false))
            .row(("guest", 3, Literal::Null)),
    );
    m.bulk_insert(
        Rows::new("samples", ["s", "i", "f", "b", "bytes", "doc", "day"]).row((
            "it's",
            -7,
            2.5,
            true,
            vec![0_u8, 0xff],
            json!({"a": [1, "x"]}),
            chrono::NaiveDate::from_ymd_opt(2024, 2, 29).expect("a date"),
        )),
    );
    m.bulk_insert(
        Rows::new("samples", ["f"])
            .row((f64::NAN,))
            .row((f64::NEG_INFINITY,)),
    );
    m.bulk_insert(Rows::new("roles", ["name"]));
    m.execute("UPDATE users SET locale = 'en' WHERE locale IS NULL");
    m.execute_for(Backend::Postgres, "CREATE EXTENSION IF NOT EXISTS pg_trgm");
    m.execute_for(Backend::Sqlite, "PRAGMA optimize");
    m.execute_for(Backend::MySql, "ANALYZE TABLE users");
    m.execute(
        RawSql::new("UPDATE users SET locale = 'en' WHERE locale IS NULL")
            .reverse("UPDATE users SET locale = NULL WHERE locale = 'en'"),
    );
    m.execute_for(Backend::Postgres, "ANALYZE users");
    m.execute(
        RawSql::new("CREATE VIEW active_users AS SELECT * FROM users WHERE active")
            .or_for(
                Backend::MySql,
                "CREATE VIEW active_users AS SELECT * FROM users WHERE active = 1",
            )
            .reverse("DROP VIEW active_users"),
    );
    m.execute(
        RawSql::for_backend(
            Backend::Postgres,
            "CREATE INDEX CONCURRENTLY ix_users_trgm ON users USING gin (name gin_trgm_ops)",
        )
        .outside_transaction(),
    );
    m
}

// ---------------------------------------------------------------------------
// What rendering refuses

#[test]
fn a_column_without_a_type_is_refused() {
    let create = one_op(|m| {
        m.create_table(Table::new("t").column(Column::new("x")));
    });
    let add = one_op(|m| {
        m.add_column("t", Column::new("x"));
    });
    let modify = one_op(|m| {
        m.alter_column(
            AlterColumn::new("t", "x")
                .set_not_null()
                .existing(Column::new("x")),
        );
    });
    for backend in Backend::ALL {
        for plan in [&create, &add] {
            let e = render_err(plan, backend);
            assert!(
                matches!(&e, RenderError::ColumnWithoutType { column, .. } if column == "x"),
                "{backend}: {e}"
            );
            assert!(e.to_string().contains("Column::new(\"x\").text()"), "{e}");
        }
    }
    for backend in [Backend::MySql, Backend::Sqlite] {
        let e = render_err(&modify, backend);
        assert!(
            matches!(e, RenderError::ColumnWithoutType { .. }),
            "{backend}: {e}"
        );
    }
}

#[test]
fn a_table_without_columns_is_refused() {
    let plan = one_op(|m| {
        m.create_table(Table::new("empty"));
    });
    for backend in Backend::ALL {
        let e = render_err(&plan, backend);
        assert!(
            matches!(&e, RenderError::EmptyTable { op } if op == "create_table empty"),
            "{backend}: {e}"
        );
    }
}

#[test]
fn an_index_without_table_or_columns_is_refused() {
    let no_table = one_op(|m| {
        m.create_index(Index::new("ix_nothing"));
    });
    let no_columns = one_op(|m| {
        m.create_index(Index::new("ix_nothing").table("users"));
    });
    for backend in Backend::ALL {
        for plan in [&no_table, &no_columns] {
            let e = render_err(plan, backend);
            assert!(
                matches!(e, RenderError::EmptyIndex { .. }),
                "{backend}: {e}"
            );
        }
    }
}

#[test]
fn mysql_refuses_a_unique_partial_index_and_builds_a_plain_one_over_every_row() {
    let unique = one_op(|m| {
        m.create_index(
            Index::new("uq_open")
                .on("tasks", ["title"])
                .unique()
                .partial("completed = false"),
        );
    });
    let e = render_err(&unique, Backend::MySql);
    assert!(
        matches!(&e, RenderError::Unsupported { backend: Backend::MySql, why, .. } if why.contains("partial")),
        "{e}"
    );
    assert_eq!(
        sqls(&unique, Backend::Postgres),
        [r#"CREATE UNIQUE INDEX "uq_open" ON "tasks" ("title") WHERE completed = false"#]
    );
    let plain = one_op(|m| {
        m.create_index(
            Index::new("ix_open")
                .on("tasks", ["due_at"])
                .partial("completed = false"),
        );
    });
    assert_eq!(
        sqls(&plain, Backend::MySql),
        ["CREATE INDEX `ix_open` ON `tasks` (`due_at`)"]
    );
}

#[test]
fn sqlite_refuses_add_column_if_not_exists() {
    let plan = one_op(|m| {
        m.add_column_if_not_exists("users", Column::new("bio").text().nullable());
    });
    let e = render_err(&plan, Backend::Sqlite);
    assert!(
        matches!(
            e,
            RenderError::Unsupported {
                backend: Backend::Sqlite,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(
        sqls(&plan, Backend::Postgres),
        [r#"ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "bio" text NULL"#]
    );
}

#[test]
fn mysql_needs_the_existing_column_to_restate_it() {
    let changes = [
        AlterColumn::new("users", "age").set_type(ColumnType::BigInteger),
        AlterColumn::new("users", "age").set_not_null(),
        AlterColumn::new("users", "age").set_nullable(),
        AlterColumn::new("users", "age").set_comment("years"),
        AlterColumn::new("users", "age").drop_comment(),
    ];
    for change in changes {
        let plan = one_op(|m| {
            m.alter_column(change.clone());
        });
        let e = render_err(&plan, Backend::MySql);
        assert!(
            matches!(&e, RenderError::Unsupported { backend: Backend::MySql, why, .. } if why.contains(".existing(")),
            "{e}"
        );
        // PostgreSQL has a statement for each change on its own.
        render(&plan, Backend::Postgres).expect("postgres renders it");
    }
    let with_existing = one_op(|m| {
        m.alter_column(
            AlterColumn::new("users", "age")
                .set_type(ColumnType::BigInteger)
                .existing(Column::new("age").integer().nullable()),
        );
    });
    assert_eq!(
        sqls(&with_existing, Backend::MySql),
        ["ALTER TABLE `users` CHANGE COLUMN `age` `age` bigint NULL"]
    );
}

#[test]
fn sqlite_needs_the_existing_column_for_an_enum_or_a_rename_with_a_change() {
    let enum_type = one_op(|m| {
        m.alter_column(
            AlterColumn::new("posts", "status").set_type(ColumnType::Enum(post_status())),
        );
    });
    let rename_and_change = one_op(|m| {
        m.alter_column(
            AlterColumn::new("users", "age")
                .set_not_null()
                .rename_to("years"),
        );
    });
    for plan in [&enum_type, &rename_and_change] {
        let e = render_err(plan, Backend::Sqlite);
        assert!(
            matches!(
                e,
                RenderError::Unsupported {
                    backend: Backend::Sqlite,
                    ..
                }
            ),
            "{e}"
        );
    }
}

#[test]
fn only_checks_and_foreign_keys_can_be_not_valid() {
    let unique = one_op(|m| {
        m.add_constraint(
            "users",
            Constraint::unique("uq_users_email", ["email"]).not_valid(),
        );
    });
    let primary = one_op(|m| {
        m.add_constraint(
            "tags",
            Constraint::primary_key("pk_tags", ["id"]).not_valid(),
        );
    });
    for plan in [&unique, &primary] {
        let e = render_err(plan, Backend::Postgres);
        assert!(
            matches!(&e, RenderError::Invalid { why, .. } if why.contains("NOT VALID")),
            "{e}"
        );
    }
    // Elsewhere NOT VALID does not exist: the constraint is added normally.
    assert_eq!(
        sqls(&unique, Backend::MySql),
        ["ALTER TABLE `users` ADD CONSTRAINT `uq_users_email` UNIQUE (`email`)"]
    );
    assert_eq!(render(&unique, Backend::Sqlite).expect("sqlite").len(), 1);
}

#[test]
fn an_enum_without_values_is_refused() {
    let plan = one_op(|m| {
        m.create_enum(Enum::new("empty_status", [] as [&str; 0]));
    });
    for backend in Backend::ALL {
        let e = render_err(&plan, backend);
        assert!(
            matches!(&e, RenderError::Invalid { why, .. } if why.contains("no values")),
            "{backend}: {e}"
        );
    }
}

#[test]
fn add_enum_value_needs_its_columns_outside_postgres() {
    let plan = one_op(|m| {
        m.add_enum_value(AddEnumValue::new(post_status(), "archived"));
    });
    for backend in [Backend::MySql, Backend::Sqlite] {
        let e = render_err(&plan, backend);
        assert!(
            matches!(&e, RenderError::Unsupported { why, .. } if why.contains(".column(")),
            "{backend}: {e}"
        );
    }
    assert_eq!(
        sqls(&plan, Backend::Postgres),
        [r#"ALTER TYPE "post_status" ADD VALUE 'archived'"#]
    );
}

#[test]
fn bulk_insert_rows_must_match_the_columns() {
    let short = one_op(|m| {
        m.bulk_insert(
            Rows::new("roles", ["name", "rank"])
                .row(("admin", 1))
                .row(vec![Literal::from("member")]),
        );
    });
    let no_columns = one_op(|m| {
        m.bulk_insert(Rows::new("roles", [] as [&str; 0]).row(vec![Literal::Int(1)]));
    });
    for backend in Backend::ALL {
        let e = render_err(&short, backend);
        assert!(
            matches!(&e, RenderError::Invalid { why, .. } if why == "row 2 has 1 values for 2 columns"),
            "{backend}: {e}"
        );
        let e = render_err(&no_columns, backend);
        assert!(
            matches!(&e, RenderError::Invalid { why, .. } if why.contains("no columns")),
            "{backend}: {e}"
        );
    }
}

#[test]
fn bulk_insert_splits_under_the_parameter_limit_outside_postgres() {
    // 10,001 rows of 3 values: 30,003 placeholders, over the 30,000 a
    // statement gets.
    let mut rows = Rows::new("points", ["x", "y", "z"]);
    for i in 0..10_001 {
        rows = rows.row((i, i, i));
    }
    let plan = one_op(|m| {
        m.bulk_insert(rows);
    });
    let postgres = render(&plan, Backend::Postgres).expect("postgres");
    assert_eq!(postgres.len(), 1);
    assert!(matches!(&postgres[0].exec, Exec::Bound(values) if values.len() == 1));
    for backend in [Backend::MySql, Backend::Sqlite] {
        let statements = render(&plan, backend).expect("renders");
        let counts: Vec<usize> = statements
            .iter()
            .map(|s| match &s.exec {
                Exec::Bound(values) => values.len(),
                other => panic!("{backend}: not bound: {other:?}"),
            })
            .collect();
        assert_eq!(counts, [30_000, 3], "{backend}");
        assert_eq!(statements[1].sql.matches('?').count(), 3);
    }
}

#[test]
fn names_longer_than_the_backend_keeps_are_refused() {
    let create = |name: &str| {
        one_op(|m| {
            m.create_table(Table::new(name).column(Column::new("id").integer()));
        })
    };
    let too_long = |plan: &Migration, backend: Backend| match render_err(plan, backend) {
        RenderError::IdentifierTooLong {
            backend: b,
            name,
            limit,
            ..
        } => {
            assert_eq!(b, backend);
            (name, limit)
        }
        e => panic!("{backend}: {e}"),
    };

    // PostgreSQL: 63 bytes.
    let at_limit = "t".repeat(63);
    let over = "t".repeat(64);
    assert!(render(&create(&at_limit), Backend::Postgres).is_ok());
    let (name, limit) = too_long(&create(&over), Backend::Postgres);
    assert_eq!((name.as_str(), limit.as_str()), (over.as_str(), "63 bytes"));
    // Bytes, not characters: 32 two-byte characters are 64 bytes.
    let wide = "é".repeat(32);
    too_long(&create(&wide), Backend::Postgres);

    // MySQL: 64 characters.
    assert!(render(&create(&"t".repeat(64)), Backend::MySql).is_ok());
    assert!(render(&create(&wide), Backend::MySql).is_ok());
    let over = "t".repeat(65);
    let (name, limit) = too_long(&create(&over), Backend::MySql);
    assert_eq!(
        (name.as_str(), limit.as_str()),
        (over.as_str(), "64 characters")
    );

    // SQLite keeps any length.
    assert!(render(&create(&"t".repeat(300)), Backend::Sqlite).is_ok());

    // Every kind of name is checked, generated ones too: `.references`
    // names its key `fk_<table>_<column>`, 3 + 30 + 1 + 30 = 64 characters.
    let long_column = "c".repeat(30);
    let generated = one_op(|m| {
        m.add_column(
            "u".repeat(30),
            Column::new(long_column.clone())
                .integer()
                .nullable()
                .references("teams", "id"),
        );
    });
    let (name, _) = too_long(&generated, Backend::Postgres);
    assert_eq!(name, format!("fk_{}_{long_column}", "u".repeat(30)));
    assert!(render(&generated, Backend::MySql).is_ok());
    let checked = [
        one_op(|m| {
            m.add_column("users", Column::new("c".repeat(64)).integer().nullable());
        }),
        one_op(|m| {
            m.create_index(Index::new("i".repeat(64)).on("users", ["email"]));
        }),
        one_op(|m| {
            m.create_check_constraint("users", "k".repeat(64), "age > 0");
        }),
        one_op(|m| {
            m.rename_table("users", "u".repeat(64));
        }),
        one_op(|m| {
            m.rename_column("users", "a", "b".repeat(64));
        }),
        one_op(|m| {
            m.create_enum(Enum::new("e".repeat(64), ["a"]));
        }),
        one_op(|m| {
            m.bulk_insert(Rows::new("roles", ["n".repeat(64)]).row((1,)));
        }),
    ];
    for plan in &checked {
        too_long(plan, Backend::Postgres);
        assert!(render(plan, Backend::Sqlite).is_ok());
    }
}

#[test]
fn an_empty_name_is_refused() {
    let plan = one_op(|m| {
        m.add_column("users", Column::new("").integer().nullable());
    });
    for backend in Backend::ALL {
        let e = render_err(&plan, backend);
        assert!(
            matches!(&e, RenderError::Invalid { why, .. } if why.contains("empty")),
            "{backend}: {e}"
        );
    }
}

// ---------------------------------------------------------------------------
// SQLite: table changes grouped into rebuilds

fn rebuilds(plan: &Migration) -> Vec<(usize, Option<(String, usize)>)> {
    render(plan, Backend::Sqlite)
        .expect("sqlite renders it")
        .into_iter()
        .map(|s| match s.exec {
            Exec::SqliteRebuild(r) => (s.op, Some((r.table, r.changes.len()))),
            _ => (s.op, None),
        })
        .collect()
}

#[test]
fn consecutive_changes_to_one_table_make_one_rebuild() {
    let mut m = Migration::new();
    m.add_column("users", Column::new("level").integer());
    m.alter_column(AlterColumn::new("users", "email").set_not_null());
    m.drop_column("users", "phone");
    m.create_check_constraint("users", "ck_users_level", "level > 0");
    let statements = render(&m, Backend::Sqlite).expect("sqlite");
    assert_eq!(statements.len(), 1);
    let Exec::SqliteRebuild(rebuild) = &statements[0].exec else {
        panic!("not a rebuild: {statements:?}");
    };
    assert_eq!(rebuild.table, "users");
    assert_eq!(
        rebuild.changes,
        [
            TableChange::AddColumn {
                column: "level".to_owned(),
                definition: r#""level" integer NOT NULL"#.to_owned(),
            },
            TableChange::AlterColumn {
                column: "email".to_owned(),
                ty: None,
                nullable: Some(false),
                default: None,
            },
            TableChange::DropColumn {
                column: "phone".to_owned(),
            },
            TableChange::AddConstraint {
                name: "ck_users_level".to_owned(),
                definition: r#"CONSTRAINT "ck_users_level" CHECK (level > 0)"#.to_owned(),
            },
        ]
    );
    assert_eq!(statements[0].op, 0);
    assert!(statements[0].transactional);
    // The statement's text describes every change, for the checksum.
    assert_eq!(
        statements[0].sql,
        r#"-- rebuild table "users": add column "level" integer NOT NULL; alter column "email" NOT NULL; drop column "phone"; add CONSTRAINT "ck_users_level" CHECK (level > 0)"#
    );
}

#[test]
fn a_change_to_another_table_starts_a_new_rebuild() {
    let mut m = Migration::new();
    m.drop_column("users", "phone");
    m.drop_column("users", "fax");
    m.drop_column("posts", "legacy");
    m.drop_column("users", "pager");
    assert_eq!(
        rebuilds(&m),
        [
            (0, Some(("users".to_owned(), 2))),
            (2, Some(("posts".to_owned(), 1))),
            (3, Some(("users".to_owned(), 1))),
        ]
    );
}

#[test]
fn a_native_statement_in_between_starts_a_new_rebuild() {
    let mut m = Migration::new();
    m.drop_column("users", "phone");
    m.rename_column("users", "nick", "nickname");
    m.drop_column("users", "fax");
    assert_eq!(
        rebuilds(&m),
        [
            (0, Some(("users".to_owned(), 1))),
            (1, None),
            (2, Some(("users".to_owned(), 1))),
        ]
    );
}

#[test]
fn a_plain_nullable_add_column_stays_native() {
    let mut m = Migration::new();
    m.add_column("users", Column::new("phone").string(32).nullable());
    m.add_column("users", Column::new("locale").string(8).default("en"));
    let statements = render(&m, Backend::Sqlite).expect("sqlite");
    assert_eq!(
        statements
            .iter()
            .map(|s| (&s.exec, s.sql.as_str()))
            .collect::<Vec<_>>(),
        [
            (
                &Exec::Sql,
                r#"ALTER TABLE "users" ADD COLUMN "phone" varchar(32) NULL"#
            ),
            (
                &Exec::Sql,
                r#"ALTER TABLE "users" ADD COLUMN "locale" varchar(8) NOT NULL DEFAULT 'en'"#
            ),
        ]
    );
}

#[test]
fn a_plain_add_column_after_a_rebuild_of_its_table_joins_it() {
    let mut m = Migration::new();
    m.drop_column("users", "phone");
    m.add_column("users", Column::new("mobile").string(32).nullable());
    m.add_column("posts", Column::new("subtitle").text().nullable());
    assert_eq!(
        rebuilds(&m),
        [(0, Some(("users".to_owned(), 2))), (2, None)]
    );
}

#[test]
fn add_columns_sqlite_cannot_add_force_a_rebuild() {
    let columns = [
        Column::new("level").integer(),
        Column::new("handle").string(32).nullable().unique(),
        Column::new("seen_at").timestamptz().default_now(),
        Column::new("token")
            .text()
            .default_sql("lower(hex(randomblob(16)))"),
        Column::new("rowid2").integer().primary_key(),
    ];
    for column in columns {
        let name = column.name.clone();
        let plan = one_op(|m| {
            m.add_column("users", column);
        });
        assert_eq!(
            rebuilds(&plan),
            [(0, Some(("users".to_owned(), 1)))],
            "{name}"
        );
    }
}

#[test]
fn add_enum_value_rebuilds_each_table_once_on_sqlite() {
    let plan = one_op(|m| {
        m.add_enum_value(
            AddEnumValue::new(post_status(), "archived")
                .column("posts", Column::new("status").enumeration(post_status()))
                .column("drafts", Column::new("status").enumeration(post_status()))
                .column(
                    "posts",
                    Column::new("previous")
                        .enumeration(post_status())
                        .nullable(),
                ),
        );
    });
    assert_eq!(
        rebuilds(&plan),
        [
            (0, Some(("posts".to_owned(), 2))),
            (0, Some(("drafts".to_owned(), 1))),
        ]
    );
}

#[test]
fn a_comment_only_change_renders_nothing_on_sqlite() {
    let plan = one_op(|m| {
        m.alter_column(AlterColumn::new("users", "bio").set_comment("about"));
    });
    assert!(sqls(&plan, Backend::Sqlite).is_empty());
}

// ---------------------------------------------------------------------------
// Transactions

#[test]
fn only_concurrently_on_postgres_and_raw_sql_outside_a_transaction_are_non_transactional() {
    let mut m = Migration::new();
    m.create_index(Index::new("ix_a").on("t", ["a"]).concurrently());
    m.drop_index("t", Index::new("ix_b").on("t", ["b"]).concurrently());
    m.execute(RawSql::new("VACUUM").outside_transaction());
    m.create_index(Index::new("ix_c").on("t", ["c"]));
    let flags = |backend| {
        render(&m, backend)
            .expect("renders")
            .iter()
            .map(|s| s.transactional)
            .collect::<Vec<_>>()
    };
    assert_eq!(flags(Backend::Postgres), [false, false, false, true]);
    assert_eq!(flags(Backend::MySql), [true, true, false, true]);
    assert_eq!(flags(Backend::Sqlite), [true, true, false, true]);
}

// ---------------------------------------------------------------------------
// Hostile names and values

/// Every character that could end an identifier or a literal, or start a
/// comment or a new statement.
const NAME: &str = r#"a"b`c'd;--e/*f\"#;
const VALUE: &str = r#"it's "x" `y`; -- /* \' \"#;

#[test]
fn identifiers_and_literals_cannot_be_escaped() {
    // PostgreSQL gives each table a row type of its name: the enum's differs.
    let status = Enum::new(format!("{NAME}e"), [VALUE]);
    let mut m = Migration::new();
    m.create_enum(status.clone());
    m.create_table(
        Table::new(NAME)
            .column(Column::new(NAME).text().default(VALUE).comment(VALUE))
            .comment(VALUE),
    );
    m.add_column(NAME, Column::new("status").enumeration(status));
    m.create_index(Index::new(format!("{NAME}i")).on(NAME, [NAME]));
    m.drop_constraint(NAME, NAME);
    m.bulk_insert(Rows::new(NAME, [NAME]).row((VALUE,)));

    assert_eq!(
        sqls(&m, Backend::Postgres),
        [
            r#"CREATE TYPE "a""b`c'd;--e/*f\e" AS ENUM ('it''s "x" `y`; -- /* \'' \')"#,
            r#"CREATE TABLE "a""b`c'd;--e/*f\" ("a""b`c'd;--e/*f\" text NOT NULL DEFAULT 'it''s "x" `y`; -- /* \'' \')"#,
            r#"COMMENT ON TABLE "a""b`c'd;--e/*f\" IS 'it''s "x" `y`; -- /* \'' \'"#,
            r#"COMMENT ON COLUMN "a""b`c'd;--e/*f\"."a""b`c'd;--e/*f\" IS 'it''s "x" `y`; -- /* \'' \'"#,
            r#"ALTER TABLE "a""b`c'd;--e/*f\" ADD COLUMN "status" "a""b`c'd;--e/*f\e" NOT NULL"#,
            r#"CREATE INDEX "a""b`c'd;--e/*f\i" ON "a""b`c'd;--e/*f\" ("a""b`c'd;--e/*f\")"#,
            r#"ALTER TABLE "a""b`c'd;--e/*f\" DROP CONSTRAINT "a""b`c'd;--e/*f\""#,
            r#"INSERT INTO "a""b`c'd;--e/*f\" ("a""b`c'd;--e/*f\") SELECT "a""b`c'd;--e/*f\" FROM jsonb_populate_recordset((SELECT t FROM "a""b`c'd;--e/*f\" AS t LIMIT 0), $1)"#,
        ]
    );
    // MySQL: backticks doubled in names; quotes doubled and backslashes
    // escaped in strings.
    assert_eq!(
        sqls(&m, Backend::MySql),
        [
            r#"CREATE TABLE `a"b``c'd;--e/*f\` (`a"b``c'd;--e/*f\` text NOT NULL DEFAULT ('it''s "x" `y`; -- /* \\'' \\') COMMENT 'it''s "x" `y`; -- /* \\'' \\') COMMENT = 'it''s "x" `y`; -- /* \\'' \\'"#,
            r#"ALTER TABLE `a"b``c'd;--e/*f\` ADD COLUMN `status` ENUM('it''s "x" `y`; -- /* \\'' \\') NOT NULL"#,
            r#"CREATE INDEX `a"b``c'd;--e/*f\i` ON `a"b``c'd;--e/*f\` (`a"b``c'd;--e/*f\`)"#,
            r#"ALTER TABLE `a"b``c'd;--e/*f\` DROP CONSTRAINT `a"b``c'd;--e/*f\`"#,
            r#"INSERT INTO `a"b``c'd;--e/*f\` (`a"b``c'd;--e/*f\`) VALUES (?)"#,
        ]
    );
    let sqlite = render(&m, Backend::Sqlite).expect("sqlite");
    assert_eq!(
        sqlite.iter().map(|s| s.sql.as_str()).collect::<Vec<_>>(),
        [
            r#"CREATE TABLE "a""b`c'd;--e/*f\" ("a""b`c'd;--e/*f\" text NOT NULL DEFAULT 'it''s "x" `y`; -- /* \'' \')"#,
            r#"-- rebuild table "a""b`c'd;--e/*f\": add column "status" text NOT NULL CHECK ("status" IN ('it''s "x" `y`; -- /* \'' \'))"#,
            r#"CREATE INDEX "a""b`c'd;--e/*f\i" ON "a""b`c'd;--e/*f\" ("a""b`c'd;--e/*f\")"#,
            r#"-- rebuild table "a""b`c'd;--e/*f\": drop constraint "a"b`c'd;--e/*f\""#,
            r#"INSERT INTO "a""b`c'd;--e/*f\" ("a""b`c'd;--e/*f\") VALUES (?)"#,
        ]
    );
    // The rebuild's definitions are quoted the same way.
    let Exec::SqliteRebuild(rebuild) = &sqlite[1].exec else {
        panic!("not a rebuild: {:?}", sqlite[1]);
    };
    assert_eq!(rebuild.table, NAME);
    // Values are bound, never in the SQL.
    for backend in Backend::ALL {
        let statements = render(&m, backend).expect("renders");
        let insert = statements.last().expect("the insert");
        let Exec::Bound(values) = &insert.exec else {
            panic!("{backend}: not bound: {insert:?}");
        };
        let bound = match backend {
            Backend::Postgres => {
                let row: serde_json::Map<String, serde_json::Value> =
                    [(NAME.to_owned(), VALUE.into())].into_iter().collect();
                Literal::Json(serde_json::Value::Array(vec![row.into()]))
            }
            Backend::MySql | Backend::Sqlite => Literal::from(VALUE),
        };
        assert_eq!(values, &[bound], "{backend}");
    }
}

#[test]
fn hostile_defaults_and_enum_values_are_literals_in_every_form() {
    let status = Enum::new("s", ["a'b", r"c\d"]);
    let mut m = Migration::new();
    m.alter_column(
        AlterColumn::new("t", "c")
            .set_default(VALUE)
            .existing(Column::new("c").text()),
    );
    m.alter_column(
        AlterColumn::new("t", "d")
            .set_not_null()
            .existing(Column::new("d").enumeration(status.clone()).default("a'b")),
    );
    m.add_enum_value(
        AddEnumValue::new(status.clone(), "e'f").column("t", Column::new("d").enumeration(status)),
    );
    assert_eq!(
        sqls(&m, Backend::Postgres),
        [
            r#"ALTER TABLE "t" ALTER COLUMN "c" SET DEFAULT 'it''s "x" `y`; -- /* \'' \'"#,
            r#"ALTER TABLE "t" ALTER COLUMN "d" SET NOT NULL"#,
            r#"ALTER TYPE "s" ADD VALUE 'e''f'"#,
        ]
    );
    assert_eq!(
        sqls(&m, Backend::MySql),
        [
            r#"ALTER TABLE `t` ALTER COLUMN `c` SET DEFAULT ('it''s "x" `y`; -- /* \\'' \\')"#,
            r#"ALTER TABLE `t` CHANGE COLUMN `d` `d` ENUM('a''b', 'c\\d') NOT NULL DEFAULT 'a''b'"#,
            r#"ALTER TABLE `t` CHANGE COLUMN `d` `d` ENUM('a''b', 'c\\d', 'e''f') NOT NULL"#,
        ]
    );
}

// ---------------------------------------------------------------------------
// Names of unnamed constraints and indexes, resolved when recorded

fn unnamed(backend: Backend, convention: Option<&'static crate::NamingConvention>) -> Migration {
    let mut m = Migration::new().for_backend(backend);
    if let Some(convention) = convention {
        m = m.with_naming_convention(convention);
    }
    m.create_table(
        Table::new("posts")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("user_id").integer().references("users", "id"))
            .column(Column::new("slug").string(40).unique())
            .check(None, "length(slug) > 0"),
    );
    m.create_foreign_key(
        "posts",
        ForeignKey::new(None, ["editor_id"], "users", ["id"]),
    );
    m.create_index(Index::new(None).on("posts", ["slug"]));
    m.drop_constraint("posts", Constraint::unique(None, ["slug"]));
    m
}

#[test]
fn unnamed_objects_get_the_backends_names_in_the_plan() {
    let sql = |backend| sqls(&unnamed(backend, None), backend).join("\n");
    let pg = sql(Backend::Postgres);
    assert!(
        pg.contains(r#"CONSTRAINT "posts_slug_check" CHECK (length(slug) > 0)"#),
        "{pg}"
    );
    assert!(
        pg.contains(r#"ADD CONSTRAINT "posts_editor_id_fkey" FOREIGN KEY"#),
        "{pg}"
    );
    assert!(
        pg.contains(r#"CREATE INDEX "ix_posts_slug" ON "posts""#),
        "{pg}"
    );
    assert!(pg.contains(r#"DROP CONSTRAINT "posts_slug_key""#), "{pg}");
    // The shorthands stay as they were: named by the server, `fk_<table>_<column>`.
    assert!(pg.contains(r#""slug" varchar(40) NOT NULL UNIQUE"#), "{pg}");
    assert!(pg.contains(r#"CONSTRAINT "fk_posts_user_id""#), "{pg}");
    let my = sql(Backend::MySql);
    assert!(my.contains("ADD FOREIGN KEY (`editor_id`)"), "{my}");
    assert!(my.contains(", CHECK (length(slug) > 0)"), "{my}");
    assert!(my.contains("DROP INDEX `slug`"), "{my}");
    let lite = sql(Backend::Sqlite);
    assert!(
        lite.contains(r#"CONSTRAINT "posts_editor_id_fkey" FOREIGN KEY"#),
        "{lite}"
    );
}

#[test]
fn a_convention_names_the_shorthands_too() {
    static CONVENTION: crate::NamingConvention = crate::NamingConvention::native()
        .uq("uq_%(table_name)s_%(column_0_name)s")
        .ck("ck_%(table_name)s_%(column_0_name)s")
        .fk("fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s")
        .pk("pk_%(table_name)s");
    for backend in Backend::ALL {
        let sql = sqls(&unnamed(backend, Some(&CONVENTION)), backend).join("\n");
        let q = |name: &str| match backend {
            Backend::MySql => format!("`{name}`"),
            _ => format!("\"{name}\""),
        };
        for name in [
            "uq_posts_slug",
            "ck_posts_slug",
            "fk_posts_user_id_users",
            "fk_posts_editor_id_users",
            "ix_posts_slug",
        ] {
            assert!(sql.contains(&q(name)), "{backend}: {name} in {sql}");
        }
        assert_eq!(
            sql.contains(&q("pk_posts")),
            backend != Backend::MySql,
            "{backend}: {sql}"
        );
    }
}
