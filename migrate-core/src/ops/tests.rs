//! `Migration::reversed`: the inverse of every operation, the order of a
//! reversed plan, and the steps that have no inverse.

use super::{
    AddEnumValue, AlterColumn, Column, ColumnDefault, ColumnType, Constraint, Enum, ForeignKey,
    Index, Irreversible, Literal, Migration, Operation, RawSql, Rows, Table,
};
use crate::Backend;

fn plan(build: impl FnOnce(&mut Migration)) -> Migration {
    let mut m = Migration::new();
    build(&mut m);
    m
}

/// The operations that undo the single operation `build` records.
fn inverse(build: impl FnOnce(&mut Migration)) -> Vec<Operation> {
    plan(build)
        .reversed()
        .unwrap_or_else(|e| panic!("{e}"))
        .operations()
        .to_vec()
}

fn irreversible(build: impl FnOnce(&mut Migration)) -> Irreversible {
    match plan(build).reversed() {
        Ok(down) => panic!("expected no inverse, got {:?}", down.operations()),
        Err(e) => e,
    }
}

fn users() -> Table {
    Table::new("users")
        .column(Column::new("id").big_integer().auto_increment())
        .column(Column::new("email").string(255).unique())
}

fn age() -> Column {
    Column::new("age").integer().nullable()
}

fn status() -> Enum {
    Enum::new("post_status", ["draft", "published"])
}

// ---------------------------------------------------------------------------
// Tables

#[test]
fn create_table_is_undone_by_dropping_it_with_its_definition() {
    assert_eq!(
        inverse(|m| {
            m.create_table(users());
        }),
        [Operation::DropTable {
            table: users().into(),
            if_exists: false,
        }]
    );
    // `IF NOT EXISTS` may have created nothing: dropping the table could
    // drop one that was there before, with its rows.
    let e = irreversible(|m| {
        m.create_table(users().if_not_exists());
    });
    assert_eq!((e.step, e.op.as_str()), (1, "create_table users"));
    assert!(e.why.contains("may have created nothing"), "{}", e.why);
}

#[test]
fn a_drop_table_with_its_definition_is_undone_by_creating_it() {
    for if_exists in [false, true] {
        let down = inverse(|m| {
            m.push(Operation::DropTable {
                table: users().if_not_exists().into(),
                if_exists,
            });
        });
        assert_eq!(down, [Operation::CreateTable(users())]);
    }
}

#[test]
fn a_drop_table_by_name_has_no_inverse() {
    for if_exists in [false, true] {
        let e = irreversible(|m| {
            if if_exists {
                m.drop_table_if_exists("sessions");
            } else {
                m.drop_table("sessions");
            }
        });
        assert_eq!((e.step, e.op.as_str()), (1, "drop_table sessions"));
        assert!(e.why.contains("full `Table` definition"), "{}", e.why);
    }
}

#[test]
fn rename_table_is_undone_by_renaming_back() {
    assert_eq!(
        inverse(|m| {
            m.rename_table("task", "tasks");
        }),
        [Operation::RenameTable {
            from: "tasks".to_owned(),
            to: "task".to_owned(),
        }]
    );
}

// ---------------------------------------------------------------------------
// Columns

#[test]
fn add_column_is_undone_by_dropping_it_with_its_definition() {
    let phone = Column::new("phone").string(32).nullable();
    let down = inverse(|m| {
        m.add_column("users", phone.clone());
    });
    assert_eq!(
        down,
        [Operation::DropColumn {
            table: "users".to_owned(),
            column: phone.clone().into(),
        }]
    );
    // A column added only if missing may have been there, with its data.
    let e = irreversible(|m| {
        m.add_column_if_not_exists("users", phone.clone());
    });
    assert!(e.why.contains("the column `users.phone`"), "{}", e.why);
}

#[test]
fn a_drop_column_with_its_definition_is_undone_by_adding_it() {
    let team = Column::new("team_id")
        .big_integer()
        .nullable()
        .references("teams", "id");
    assert_eq!(
        inverse(|m| {
            m.drop_column("users", team.clone());
        }),
        [Operation::AddColumn {
            table: "users".to_owned(),
            column: team.clone(),
            if_not_exists: false,
        }]
    );
}

#[test]
fn a_drop_column_by_name_has_no_inverse() {
    let e = irreversible(|m| {
        m.drop_column("users", "bio");
    });
    assert_eq!((e.step, e.op.as_str()), (1, "drop_column users.bio"));
    assert!(e.why.contains("`users.bio`"), "{}", e.why);
    assert!(e.why.contains("full `Column` definition"), "{}", e.why);
}

fn alter_inverse(alter: AlterColumn) -> AlterColumn {
    match inverse(|m| {
        m.alter_column(alter);
    })
    .as_slice()
    {
        [Operation::AlterColumn(inverse)] => inverse.clone(),
        other => panic!("not one alter_column: {other:?}"),
    }
}

#[test]
fn a_rename_is_undone_by_renaming_back() {
    let down = alter_inverse(AlterColumn::new("users", "nick").rename_to("nickname"));
    assert_eq!(
        down,
        AlterColumn::new("users", "nickname").rename_to("nick")
    );
    let down = inverse(|m| {
        m.rename_column("users", "fullname", "display_name");
    });
    assert_eq!(
        down[0].describe(),
        "rename_column users.display_name -> fullname"
    );
}

#[test]
fn a_type_change_is_undone_with_the_existing_type() {
    let down = alter_inverse(
        AlterColumn::new("users", "age")
            .set_type(ColumnType::BigInteger)
            .using("age::bigint")
            .existing(age()),
    );
    // The inverse knows the column as the change left it; `USING` is not
    // carried over (the way back needs its own, if any).
    assert_eq!(
        down,
        AlterColumn::new("users", "age")
            .set_type(ColumnType::Integer)
            .existing(Column::new("age").big_integer().nullable())
    );
}

#[test]
fn a_type_change_without_the_existing_column_has_no_inverse() {
    let e = irreversible(|m| {
        m.alter_column(AlterColumn::new("users", "age").set_type(ColumnType::BigInteger));
    });
    assert_eq!((e.step, e.op.as_str()), (1, "alter_column users.age"));
    assert!(e.why.starts_with("the type of `users.age`"), "{}", e.why);
    assert!(e.why.contains(".existing(...)"), "{}", e.why);
}

#[test]
fn a_nullability_change_is_undone_with_or_without_the_existing_column() {
    // Without `.existing`, the opposite of the change.
    let down = alter_inverse(AlterColumn::new("users", "email").set_not_null());
    assert_eq!(down, AlterColumn::new("users", "email").set_nullable());
    let down = alter_inverse(AlterColumn::new("users", "bio").set_nullable());
    assert_eq!(down, AlterColumn::new("users", "bio").set_not_null());
    // With it, what the column was (here: already NOT NULL, so it stays so).
    let down = alter_inverse(
        AlterColumn::new("users", "email")
            .set_not_null()
            .existing(Column::new("email").text()),
    );
    assert_eq!(
        down,
        AlterColumn::new("users", "email")
            .set_not_null()
            .existing(Column::new("email").text())
    );
}

#[test]
fn a_default_change_is_undone_with_the_previous_default() {
    let locale = || Column::new("locale").string(8).nullable();
    // No default before: the inverse drops it.
    let down = alter_inverse(
        AlterColumn::new("users", "locale")
            .set_default("en")
            .existing(locale()),
    );
    assert_eq!(down.default, Some(None));
    assert_eq!(down.existing, Some(locale().default("en")));
    // A default before: the inverse sets it again.
    let down = alter_inverse(
        AlterColumn::new("users", "locale")
            .drop_default()
            .existing(locale().default("fr")),
    );
    assert_eq!(
        down.default,
        Some(Some(ColumnDefault::Literal(Literal::from("fr"))))
    );
    let down = alter_inverse(
        AlterColumn::new("users", "seen_at")
            .set_default_sql("now()")
            .existing(Column::new("seen_at").timestamptz().default_now()),
    );
    assert_eq!(down.default, Some(Some(ColumnDefault::CurrentTimestamp)));

    for alter in [
        AlterColumn::new("users", "locale").set_default("en"),
        AlterColumn::new("users", "locale").drop_default(),
        AlterColumn::new("users", "token").set_default_sql("gen_random_uuid()"),
        AlterColumn::new("users", "seen_at").set_default_now(),
    ] {
        let e = irreversible(|m| {
            m.alter_column(alter);
        });
        assert!(e.why.starts_with("the default of"), "{}", e.why);
    }
}

#[test]
fn a_comment_change_is_undone_with_the_previous_comment() {
    let motto = || Column::new("motto").string(140).nullable();
    let down = alter_inverse(
        AlterColumn::new("users", "motto")
            .set_comment("shown under the name")
            .existing(motto()),
    );
    assert_eq!(down.comment, Some(None));
    let down = alter_inverse(
        AlterColumn::new("users", "motto")
            .drop_comment()
            .existing(motto().comment("old")),
    );
    assert_eq!(down.comment, Some(Some("old".to_owned())));
    for alter in [
        AlterColumn::new("users", "motto").set_comment("new"),
        AlterColumn::new("users", "motto").drop_comment(),
    ] {
        let e = irreversible(|m| {
            m.alter_column(alter);
        });
        assert!(e.why.starts_with("the comment of"), "{}", e.why);
    }
}

#[test]
fn a_combined_change_is_undone_under_the_new_name() {
    let down = alter_inverse(
        AlterColumn::new("users", "age")
            .set_type(ColumnType::BigInteger)
            .set_not_null()
            .set_default(0)
            .rename_to("age_years")
            .set_comment("in years")
            .existing(age()),
    );
    assert_eq!(
        down,
        AlterColumn::new("users", "age_years")
            .set_type(ColumnType::Integer)
            .set_nullable()
            .drop_default()
            .rename_to("age")
            .drop_comment()
            .existing(
                Column::new("age_years")
                    .big_integer()
                    .default(0)
                    .comment("in years")
            )
    );
}

// ---------------------------------------------------------------------------
// Indexes

#[test]
fn create_index_is_undone_by_dropping_it_with_its_definition() {
    let ix = Index::new("ix_events_at")
        .on("events", ["at"])
        .concurrently();
    assert_eq!(
        inverse(|m| {
            m.create_index(ix.clone());
        }),
        [Operation::DropIndex {
            table: "events".to_owned(),
            index: ix.clone().into(),
            if_exists: false,
        }]
    );
    let ix = ix.if_not_exists();
    let e = irreversible(|m| {
        m.create_index(ix.clone());
    });
    assert!(e.why.contains("the index `"), "{}", e.why);
}

#[test]
fn a_drop_index_with_its_definition_is_undone_by_creating_it() {
    // The table given to `drop_index` is the one the index is created on.
    let ix = Index::new("ix_posts_lower_slug")
        .table("posts")
        .expr("lower(slug)")
        .unique()
        .partial("slug IS NOT NULL");
    let down = inverse(|m| {
        m.drop_index_if_exists("posts", ix.clone().table("elsewhere"));
    });
    assert_eq!(down, [Operation::CreateIndex(ix)]);
}

#[test]
fn a_drop_index_by_name_has_no_inverse() {
    let e = irreversible(|m| {
        m.drop_index("users", "ix_users_name");
    });
    assert_eq!(
        (e.step, e.op.as_str()),
        (1, "drop_index ix_users_name on users")
    );
    assert!(e.why.contains("full `Index` definition"), "{}", e.why);
}

// ---------------------------------------------------------------------------
// Constraints

#[test]
fn add_constraint_is_undone_by_dropping_it_with_its_definition() {
    let constraints = [
        Constraint::from(
            ForeignKey::new("fk_posts_author", ["author_id"], "users", ["id"])
                .on_delete(super::Action::Cascade),
        ),
        Constraint::check("ck_users_age", "age >= 0"),
        Constraint::unique("uq_users_email", ["email"]),
        Constraint::primary_key("pk_tags", ["id"]),
        Constraint::check("ck_nv", "age < 200").not_valid(),
    ];
    for constraint in constraints {
        let down = inverse(|m| {
            m.add_constraint("t", constraint.clone());
        });
        assert_eq!(
            down,
            [Operation::DropConstraint {
                table: "t".to_owned(),
                constraint: constraint.clone().into(),
                if_exists: false,
            }]
        );
        // ... and that drop is undone by adding it again.
        let up = inverse(|m| {
            m.push(down[0].clone());
        });
        assert_eq!(
            up,
            [Operation::AddConstraint {
                table: "t".to_owned(),
                constraint,
            }]
        );
    }
    // The builders record the same operations.
    let down = inverse(|m| {
        m.create_check_constraint("users", "ck_users_age", "age >= 0");
        m.create_unique_constraint("users", "uq_users_email", ["email"]);
        m.create_primary_key("tags", "pk_tags", ["id"]);
        m.create_foreign_key(
            "posts",
            ForeignKey::new("fk_posts_author", ["author_id"], "users", ["id"]),
        );
    });
    let described: Vec<String> = down.iter().map(Operation::describe).collect();
    assert_eq!(
        described,
        [
            "drop_constraint fk_posts_author on posts",
            "drop_constraint pk_tags on tags",
            "drop_constraint uq_users_email on users",
            "drop_constraint ck_users_age on users",
        ]
    );
}

#[test]
fn a_drop_constraint_by_name_has_no_inverse() {
    let e = irreversible(|m| {
        m.drop_constraint("users", "ck_users_age");
    });
    assert_eq!(
        (e.step, e.op.as_str()),
        (1, "drop_constraint ck_users_age on users")
    );
    assert!(e.why.contains("full `Constraint`"), "{}", e.why);
}

#[test]
fn validate_constraint_needs_nothing_undone() {
    assert_eq!(
        inverse(|m| {
            m.validate_constraint("users", "ck_nv");
        }),
        []
    );
}

// ---------------------------------------------------------------------------
// Enums

#[test]
fn create_enum_and_drop_enum_undo_each_other() {
    let down = inverse(|m| {
        m.create_enum(status());
    });
    assert_eq!(
        down,
        [Operation::DropEnum {
            definition: status().into(),
            if_exists: false,
        }]
    );
    let up = inverse(|m| {
        m.drop_enum(status());
    });
    assert_eq!(up, [Operation::CreateEnum(status())]);
}

#[test]
fn a_drop_enum_by_name_has_no_inverse() {
    let e = irreversible(|m| {
        m.drop_enum("post_status");
    });
    assert_eq!((e.step, e.op.as_str()), (1, "drop_enum post_status"));
    assert!(e.why.contains("full `Enum`"), "{}", e.why);
}

#[test]
fn add_enum_value_has_no_inverse() {
    let e = irreversible(|m| {
        m.add_enum_value(
            AddEnumValue::new(status(), "archived")
                .column("posts", Column::new("status").enumeration(status())),
        );
    });
    assert_eq!(
        (e.step, e.op.as_str()),
        (1, "add_enum_value post_status += archived")
    );
    assert!(e.why.contains("cannot remove a value"), "{}", e.why);
}

// ---------------------------------------------------------------------------
// Data

#[test]
fn bulk_insert_has_no_inverse() {
    let e = irreversible(|m| {
        m.bulk_insert(Rows::new("roles", ["name"]).row(("admin",)));
    });
    assert_eq!((e.step, e.op.as_str()), (1, "bulk_insert roles (1 rows)"));
    assert!(e.why.contains("DELETE FROM roles"), "{}", e.why);
}

#[test]
fn raw_sql_with_a_reverse_is_undone_by_it() {
    let up = RawSql::new("UPDATE users SET locale = 'en' WHERE locale IS NULL")
        .reverse("UPDATE users SET locale = NULL WHERE locale = 'en'");
    let down = inverse(|m| {
        m.execute(up.clone());
    });
    let [Operation::Execute(raw)] = down.as_slice() else {
        panic!("not one execute: {down:?}");
    };
    assert_eq!(
        raw.sql_for(Backend::Postgres),
        Some("UPDATE users SET locale = NULL WHERE locale = 'en'")
    );
    // The inverse is itself reversible: back to the original.
    let again = inverse(|m| {
        m.push(down[0].clone());
    });
    assert_eq!(again, [Operation::Execute(up)]);

    // Per-backend SQL and a per-backend reverse; non-transactional SQL keeps
    // its own flag and the reverse its own.
    let up = RawSql::for_backend(Backend::Postgres, "CREATE INDEX CONCURRENTLY ix ON t (a)")
        .outside_transaction()
        .reverse_with(
            RawSql::for_backend(Backend::Postgres, "DROP INDEX CONCURRENTLY ix")
                .outside_transaction(),
        );
    let down = inverse(|m| {
        m.execute(up.clone());
    });
    let [Operation::Execute(raw)] = down.as_slice() else {
        panic!("not one execute: {down:?}");
    };
    assert_eq!(
        raw.sql_for(Backend::Postgres),
        Some("DROP INDEX CONCURRENTLY ix")
    );
    assert_eq!(raw.sql_for(Backend::Sqlite), None);
    assert!(!down[0].transactional(Backend::Postgres));
}

#[test]
fn raw_sql_without_a_reverse_has_no_inverse() {
    let e = irreversible(|m| {
        m.execute("UPDATE users SET locale = 'en'");
    });
    assert_eq!((e.step, e.op.as_str()), (1, "execute"));
    assert!(e.why.contains(".reverse(..)"), "{}", e.why);
    // `execute_for` calls merge into one step, which has no reverse either.
    let e = irreversible(|m| {
        m.execute_for(Backend::Postgres, "CREATE EXTENSION pg_trgm");
        m.execute_for(Backend::Sqlite, "SELECT 1");
    });
    assert_eq!(e.step, 1);
}

// ---------------------------------------------------------------------------
// Whole plans

#[test]
fn a_plan_is_undone_step_by_step_in_reverse_order() {
    let up = plan(|m| {
        m.create_enum(status());
        m.create_table(users());
        m.add_column("users", Column::new("phone").string(32).nullable());
        m.create_index(Index::new("ix_users_phone").on("users", ["phone"]));
        m.validate_constraint("users", "ck_nv");
        m.rename_table("users", "people");
    });
    let down = up.reversed().expect("reversible");
    let described: Vec<String> = down.operations().iter().map(Operation::describe).collect();
    assert_eq!(
        described,
        [
            "rename_table people -> users",
            // The index goes with its table, made by this plan.
            "drop_column users.phone",
            "drop_table users",
            "drop_enum post_status",
        ]
    );
    // Reversing twice gives the plan back, but for validation (it has no
    // inverse step) and the index the table's drop takes with it.
    let mut expected = Migration::new();
    for op in up.operations() {
        if !matches!(
            op,
            Operation::ValidateConstraint { .. } | Operation::CreateIndex(_)
        ) {
            expected.push(op.clone());
        }
    }
    assert_eq!(down.reversed().expect("reversible"), expected);
}

#[test]
fn the_last_irreversible_step_is_reported_with_its_position() {
    let e = plan(|m| {
        m.drop_column("users", "bio");
        m.add_column("users", Column::new("phone").string(32).nullable());
        m.bulk_insert(Rows::new("roles", ["name"]).row(("admin",)));
        m.create_index(Index::new("ix_users_phone").on("users", ["phone"]));
    })
    .reversed()
    .unwrap_err();
    // Steps are undone from the last, so the latest one without an inverse
    // is the one named.
    assert_eq!((e.step, e.op.as_str()), (3, "bulk_insert roles (1 rows)"));
    assert!(
        e.to_string()
            .starts_with("step 3 (bulk_insert roles (1 rows)) cannot be reversed automatically: "),
        "{e}"
    );
}

#[test]
fn an_empty_plan_reverses_to_an_empty_plan() {
    assert_eq!(Migration::new().reversed(), Ok(Migration::new()));
}

#[test]
fn the_downgrade_of_a_new_table_drops_the_table_not_its_indexes_first() {
    // MySQL refuses to drop an index a foreign key needs: `drop_index`
    // before `drop_table` failed there.
    let mut up = Migration::new();
    up.create_table(
        Table::new("orders")
            .column(Column::new("id").big_integer().primary_key())
            .column(Column::new("customer_id").big_integer())
            .foreign_key(ForeignKey::new(None, ["customer_id"], "customers", ["id"])),
    );
    up.create_index(Index::new(None).on("orders", ["customer_id"]));
    up.create_check_constraint("orders", "ck_orders_id", "id > 0");
    up.create_index(Index::new(None).on("customers", ["name"]));
    let down = up.reversed().unwrap();
    let described: Vec<String> = down.operations().iter().map(Operation::describe).collect();
    assert_eq!(described, ["drop_index  on customers", "drop_table orders"]);
}
