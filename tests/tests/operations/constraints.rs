//! `add_constraint` of each kind, `drop_constraint` by name and with its
//! definition, `NOT VALID` and `validate_constraint`.

use migrate_core::ops::{Action, Column, Constraint, ForeignKey, Index, Migration, Table};

use crate::harness::{Ctx, Kind, failed_statement};

every_backend!(
    add_and_drop_constraints,
    not_valid_then_validate,
    foreign_key_indexes
);

fn create_pets(m: &mut Migration) {
    m.create_table(Table::new("owners").column(Column::new("id").integer().primary_key()));
    m.create_table(
        Table::new("pets")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("owner_id").integer().nullable())
            .column(Column::new("age").integer().nullable())
            .column(Column::new("tag").string(20).nullable()),
    );
    m.create_table(
        Table::new("nopk")
            .column(Column::new("a").integer())
            .column(Column::new("b").integer().nullable()),
    );
}

fn owner_fk() -> ForeignKey {
    ForeignKey::new("fk_pets_owner", ["owner_id"], "owners", ["id"])
        .on_delete(Action::SetNull)
        .on_update(Action::Cascade)
}
fn age_check() -> Constraint {
    Constraint::check("ck_pets_age", "age >= 0")
}

fn add_constraints(m: &mut Migration) {
    m.create_foreign_key("pets", owner_fk());
    m.add_constraint("pets", age_check());
    m.create_unique_constraint("pets", "uq_pets_tag", ["tag"]);
    m.create_primary_key("nopk", "pk_nopk", ["a"]);
}
fn drop_check_by_name(m: &mut Migration) {
    m.drop_constraint("pets", "ck_pets_age");
}
fn add_check_back(m: &mut Migration) {
    m.add_constraint("pets", age_check());
}
fn drop_with_definitions(m: &mut Migration) {
    // Definitions make the drops reversible, and tell MySQL which DROP to
    // use.
    m.drop_constraint("pets", Constraint::unique("uq_pets_tag", ["tag"]));
    m.drop_constraint("pets", owner_fk());
    m.drop_constraint("nopk", Constraint::primary_key("pk_nopk", ["a"]));
}

migration!(PETS = "con_0001" after [], up: create_pets, down: None);
migration!(ADD = "con_0002" after ["con_0001"], up: add_constraints, down: None);
migration!(DROP_NAMED = "con_0003" after ["con_0002"], up: drop_check_by_name, down: Some(add_check_back));
migration!(DROP_DEFINED = "con_0004" after ["con_0003"], up: drop_with_definitions, down: None);

async fn check_constrained(ctx: &mut Ctx) {
    let kind = ctx.kind();
    let names = ctx.constraints("pets").await;
    for name in ["fk_pets_owner", "ck_pets_age", "uq_pets_tag"] {
        assert!(
            names.contains(&name.to_owned()),
            "{kind:?}: {name} in {names:?}"
        );
    }
    assert_eq!(ctx.primary_key("nopk").await, ["a"], "{kind:?}");
    let fks = ctx.foreign_keys("pets").await;
    assert_eq!(fks.len(), 1, "{kind:?}: {fks:?}");
    assert_eq!(
        (
            fks[0].columns.clone(),
            fks[0].ref_table.as_str(),
            fks[0].on_delete.as_str(),
            fks[0].on_update.as_str()
        ),
        (vec!["owner_id".to_owned()], "owners", "SET NULL", "CASCADE"),
        "{kind:?}"
    );

    ctx.exec_ok("INSERT INTO owners (id) VALUES (1), (2)").await;
    ctx.exec_ok("INSERT INTO pets (id, owner_id, age, tag) VALUES (1, 1, 3, 'a')")
        .await;
    // ON UPDATE CASCADE, then ON DELETE SET NULL.
    ctx.exec_ok("UPDATE owners SET id = 10 WHERE id = 1").await;
    assert_eq!(
        ctx.value("SELECT owner_id FROM pets").await.as_deref(),
        Some("10"),
        "{kind:?}: ON UPDATE CASCADE"
    );
    ctx.exec_ok("DELETE FROM owners WHERE id = 10").await;
    assert_eq!(
        ctx.value("SELECT owner_id FROM pets").await,
        None,
        "{kind:?}: ON DELETE SET NULL"
    );
    ctx.exec_err("INSERT INTO pets (id, owner_id) VALUES (2, 99)")
        .await;
    let check = ctx
        .exec_err("INSERT INTO pets (id, age) VALUES (3, -1)")
        .await;
    assert!(check.contains("ck_pets_age"), "{kind:?}: {check}");
    ctx.exec_err("INSERT INTO pets (id, tag) VALUES (4, 'a')")
        .await;
    ctx.exec_ok("INSERT INTO nopk (a) VALUES (1)").await;
    ctx.exec_err("INSERT INTO nopk (a) VALUES (1)").await;
    clear(ctx).await;
}

async fn check_unconstrained(ctx: &mut Ctx) {
    let kind = ctx.kind();
    let names = ctx.constraints("pets").await;
    for name in ["fk_pets_owner", "ck_pets_age", "uq_pets_tag"] {
        assert!(
            !names.contains(&name.to_owned()),
            "{kind:?}: {name} dropped: {names:?}"
        );
    }
    assert_eq!(ctx.foreign_keys("pets").await, [], "{kind:?}");
    assert_eq!(
        ctx.primary_key("nopk").await,
        Vec::<String>::new(),
        "{kind:?}"
    );
    ctx.exec_ok(
        "INSERT INTO pets (id, owner_id, age, tag) VALUES (1, 99, -1, 'a'), (2, NULL, 0, 'a')",
    )
    .await;
    ctx.exec_ok("INSERT INTO nopk (a) VALUES (1), (1)").await;
    clear(ctx).await;
}

async fn clear(ctx: &mut Ctx) {
    ctx.exec_ok("DELETE FROM pets").await;
    ctx.exec_ok("DELETE FROM owners").await;
    ctx.exec_ok("DELETE FROM nopk").await;
}

async fn add_and_drop_constraints(mut ctx: Ctx) {
    let regs = [&PETS, &ADD, &DROP_NAMED, &DROP_DEFINED];
    ctx.up_to(&regs, "con_0002").await;
    check_constrained(&mut ctx).await;
    ctx.up_ok(&regs).await;
    check_unconstrained(&mut ctx).await;

    // DROP_DEFINED reversed automatically, DROP_NAMED by its downgrade.
    ctx.down_ok(&regs, "con_0002").await;
    check_constrained(&mut ctx).await;
    // ADD reversed automatically.
    ctx.down_ok(&regs, "con_0001").await;
    check_unconstrained(&mut ctx).await;

    ctx.up_to(&regs, "con_0002").await;
    check_constrained(&mut ctx).await;
    ctx.down_ok(&regs, "base").await;
    assert_eq!(ctx.tables().await, Vec::<String>::new(), "{:?}", ctx.kind());
}

fn create_accounts(m: &mut Migration) {
    m.create_table(
        Table::new("accounts")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("balance").integer()),
    );
}
fn add_not_valid(m: &mut Migration) {
    m.add_constraint(
        "accounts",
        Constraint::check("ck_balance", "balance >= 0").not_valid(),
    );
}
fn validate(m: &mut Migration) {
    m.validate_constraint("accounts", "ck_balance");
}

migration!(ACCOUNTS = "con_0005" after [], up: create_accounts, down: None);
migration!(NOT_VALID = "con_0006" after ["con_0005"], up: add_not_valid, down: None);
migration!(VALIDATE = "con_0007" after ["con_0006"], up: validate, down: None);

async fn pg_validated(ctx: &mut Ctx) -> Option<String> {
    ctx.value("SELECT convalidated::text FROM pg_constraint WHERE conname = 'ck_balance'")
        .await
}

/// PostgreSQL adds the check without looking at the rows, keeps new rows
/// honest, and refuses to validate while an old row breaks it. The other
/// backends validate when adding, so the add itself fails there.
async fn not_valid_then_validate(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&ACCOUNTS, &NOT_VALID, &VALIDATE];
    ctx.up_to(&regs, "con_0005").await;
    ctx.exec_ok("INSERT INTO accounts (id, balance) VALUES (1, -5)")
        .await;

    if kind == Kind::Postgres {
        ctx.up_to(&regs, "con_0006").await;
        assert_eq!(pg_validated(&mut ctx).await.as_deref(), Some("false"));
        ctx.exec_err("INSERT INTO accounts (id, balance) VALUES (2, -1)")
            .await;

        let failed = failed_statement(ctx.up(&regs).await.unwrap_err());
        assert_eq!(
            failed.operation,
            "validate_constraint ck_balance on accounts"
        );
        assert_eq!(
            failed.sql,
            r#"ALTER TABLE "accounts" VALIDATE CONSTRAINT "ck_balance""#
        );
        assert!(
            failed.db_message.contains("ck_balance") && failed.db_message.contains("violated"),
            "{}",
            failed.message
        );
        assert!(
            failed.message.contains("upgrade con_0007"),
            "{}",
            failed.message
        );
        assert_eq!(ctx.heads().await, ["con_0006"]);
    } else {
        let failed = failed_statement(ctx.up(&regs).await.unwrap_err());
        assert_eq!(
            failed.operation, "add_constraint ck_balance on accounts",
            "{kind:?}"
        );
        assert!(
            failed.db_message.contains("ck_balance") || failed.db_message.contains("CHECK"),
            "{kind:?}: {}",
            failed.message
        );
        assert_eq!(ctx.heads().await, ["con_0005"], "{kind:?}");
    }

    // Fix the row; validation passes (a no-op outside PostgreSQL).
    ctx.exec_ok("UPDATE accounts SET balance = 0").await;
    ctx.up_ok(&regs).await;
    if kind == Kind::Postgres {
        assert_eq!(pg_validated(&mut ctx).await.as_deref(), Some("true"));
    }
    assert!(
        ctx.constraints("accounts")
            .await
            .contains(&"ck_balance".to_owned()),
        "{kind:?}"
    );
    ctx.exec_err("INSERT INTO accounts (id, balance) VALUES (2, -1)")
        .await;

    ctx.down_ok(&regs, "con_0005").await;
    assert!(
        !ctx.constraints("accounts")
            .await
            .contains(&"ck_balance".to_owned()),
        "{kind:?}"
    );
}

fn memberships(m: &mut Migration) {
    m.create_table(Table::new("people").column(Column::new("id").integer().primary_key()));
    m.create_table(Table::new("groups").column(Column::new("id").integer().primary_key()));
    // An association table: the primary key starts with person_id, so its
    // foreign key needs no index of its own; group_id's does.
    m.create_table(
        Table::new("memberships")
            .column(Column::new("person_id").integer())
            .column(Column::new("group_id").integer())
            .primary_key(["person_id", "group_id"])
            .foreign_key(ForeignKey::new(
                "fk_m_person",
                ["person_id"],
                "people",
                ["id"],
            ))
            .foreign_key(ForeignKey::new(
                "fk_m_group",
                ["group_id"],
                "groups",
                ["id"],
            )),
    );
    m.create_table(
        Table::new("notes")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("person_id").integer())
            .column(Column::new("group_id").integer()),
    );
    m.create_index(Index::new("ix_notes_person_id").on("notes", ["person_id", "id"]));
}
fn note_keys(m: &mut Migration) {
    // Covered by ix_notes_person_id: no index of its own.
    m.create_foreign_key(
        "notes",
        ForeignKey::new("fk_notes_person", ["person_id"], "people", ["id"]),
    );
    // Not covered: an index of its own.
    m.create_foreign_key(
        "notes",
        ForeignKey::new("fk_notes_group", ["group_id"], "groups", ["id"]),
    );
}
fn drop_note_keys(m: &mut Migration) {
    m.drop_constraint(
        "notes",
        ForeignKey::new("fk_notes_group", ["group_id"], "groups", ["id"]),
    );
    m.drop_constraint(
        "notes",
        ForeignKey::new("fk_notes_person", ["person_id"], "people", ["id"]),
    );
}

migration!(MEMBERSHIPS = "con_0101" after [], up: memberships, down: None);
migration!(NOTE_KEYS = "con_0102" after ["con_0101"], up: note_keys, down: Some(drop_note_keys));

/// MySQL needs an index that starts with a foreign key's columns; it gets
/// one of its own only when no index of the table does, so none is
/// duplicated (MariaDB warns of duplicates).
async fn foreign_key_indexes(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&MEMBERSHIPS, &NOTE_KEYS];
    ctx.up_ok(&regs).await;
    if kind == Kind::MySql {
        assert_eq!(ctx.index_names("memberships").await, ["fk_m_group"]);
        let mut notes = ctx.index_names("notes").await;
        notes.sort();
        assert_eq!(notes, ["fk_notes_group", "ix_notes_person_id"]);
    }
    assert_eq!(ctx.foreign_keys("notes").await.len(), 2, "{kind:?}");
    // Dropped, each with its own index where it had one.
    ctx.down_ok(&regs, "con_0101").await;
    assert_eq!(ctx.foreign_keys("notes").await.len(), 0, "{kind:?}");
    if kind == Kind::MySql {
        assert_eq!(ctx.index_names("notes").await, ["ix_notes_person_id"]);
    }
    // And again: the conditional statements run the same the second time.
    ctx.up_ok(&regs).await;
    assert_eq!(ctx.foreign_keys("notes").await.len(), 2, "{kind:?}");
}
