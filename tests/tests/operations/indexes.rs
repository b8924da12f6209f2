//! `create_index` (unique, composite, expression, partial, `CONCURRENTLY`,
//! `IF NOT EXISTS`) and `drop_index`.

use migrate_core::ops::{Column, Index, Migration, Table};
use migrate_core::render::RenderError;

use crate::harness::{Ctx, Kind, failed_statement, nothing, render_error};

every_backend!(
    create_indexes,
    expression_index,
    unique_partial_index,
    concurrent_index,
    concurrent_index_mixed_with_a_table,
    unique_index_over_duplicates,
);

fn create_users(m: &mut Migration) {
    m.create_table(
        Table::new("users_ix")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("email").string(100))
            .column(Column::new("first").string(50))
            .column(Column::new("last").string(50))
            .column(Column::new("completed").boolean().default(false))
            .column(Column::new("due").integer().nullable()),
    );
}
fn add_indexes(m: &mut Migration) {
    m.create_index(
        Index::new("uq_users_ix_email")
            .on("users_ix", ["email"])
            .unique(),
    );
    m.create_index(Index::new("ix_users_ix_name").on("users_ix", ["last", "first"]));
    // MySQL has no partial indexes: it builds this one over every row.
    m.create_index(
        Index::new("ix_users_ix_open")
            .on("users_ix", ["due"])
            .partial("completed = false"),
    );
    m.create_index(
        Index::new("ix_users_ix_due")
            .on("users_ix", ["due"])
            .if_not_exists(),
    );
    // Already there: a no-op.
    m.create_index(
        Index::new("ix_users_ix_due")
            .on("users_ix", ["due"])
            .if_not_exists(),
    );
}

migration!(USERS = "idx_0001" after [], up: create_users, down: None);
migration!(INDEXES = "idx_0002" after ["idx_0001"], up: add_indexes, down: Some(drop_indexes));
migration!(DERIVED = "idx_0002" after ["idx_0001"], up: add_indexes, down: None);

/// An index created `if_not_exists` may have been there already: its
/// downgrade is written, not derived.
fn drop_indexes(m: &mut Migration) {
    for name in [
        "uq_users_ix_email",
        "ix_users_ix_name",
        "ix_users_ix_open",
        "ix_users_ix_due",
    ] {
        m.drop_index("users_ix", name);
    }
}

async fn check_indexes(ctx: &mut Ctx) {
    let kind = ctx.kind();
    assert_eq!(
        ctx.index_names("users_ix").await,
        [
            "ix_users_ix_due",
            "ix_users_ix_name",
            "ix_users_ix_open",
            "uq_users_ix_email"
        ],
        "{kind:?}"
    );
    let email = ctx.index("users_ix", "uq_users_ix_email").await.unwrap();
    assert!(
        email.unique && email.columns == ["email"],
        "{kind:?}: {email:?}"
    );
    let name = ctx.index("users_ix", "ix_users_ix_name").await.unwrap();
    assert!(
        !name.unique && name.columns == ["last", "first"],
        "{kind:?}: {name:?}"
    );
    let open = ctx.index("users_ix", "ix_users_ix_open").await.unwrap();
    let expected = match kind {
        Kind::Postgres => Some("(completed = false)"),
        Kind::Sqlite => Some("completed = false"),
        Kind::MySql => None,
    };
    assert_eq!(open.partial.as_deref(), expected, "{kind:?}: {open:?}");

    ctx.exec_ok("INSERT INTO users_ix (id, email, first, last) VALUES (1, 'a@x', 'A', 'Z')")
        .await;
    let duplicate = ctx
        .exec_err("INSERT INTO users_ix (id, email, first, last) VALUES (2, 'a@x', 'B', 'Y')")
        .await;
    // SQLite names the columns, the servers the index.
    assert!(
        duplicate.contains("uq_users_ix_email") || duplicate.contains("users_ix.email"),
        "{kind:?}: {duplicate}"
    );
    ctx.exec_ok("DELETE FROM users_ix").await;
}

async fn create_indexes(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&USERS, &INDEXES];
    ctx.up_ok(&regs).await;
    check_indexes(&mut ctx).await;
    // No derived downgrade: an index made `IF NOT EXISTS` may not be this
    // migration's to drop.
    let refused = ctx.down(&[&USERS, &DERIVED], "idx_0001").await.unwrap_err();
    assert!(
        refused.to_string().contains("may have created nothing"),
        "{kind:?}: {refused}"
    );
    ctx.down_ok(&regs, "idx_0001").await;
    assert_eq!(
        ctx.index_names("users_ix").await,
        Vec::<String>::new(),
        "{kind:?}"
    );
    ctx.up_ok(&regs).await;
    check_indexes(&mut ctx).await;
}

fn add_lower_email(m: &mut Migration) {
    m.create_index(
        Index::new("uq_users_ix_lower_email")
            .on("users_ix", [] as [&str; 0])
            .expr("lower(email)")
            .unique(),
    );
}

migration!(LOWER = "idx_0003" after ["idx_0001"], up: add_lower_email, down: None);

/// An expression index on PostgreSQL and SQLite. MariaDB has none: the
/// statement fails, and the error names the step, the SQL and MariaDB's
/// complaint.
async fn expression_index(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&USERS, &LOWER];
    if kind == Kind::MySql {
        ctx.up_to(&regs, "idx_0001").await;
        let failed = failed_statement(ctx.up(&regs).await.unwrap_err());
        assert_eq!(
            failed.operation,
            "create_index uq_users_ix_lower_email on users_ix"
        );
        assert!(failed.sql.contains("lower(email)"), "{}", failed.message);
        assert!(
            failed.db_message.contains("SQL syntax"),
            "MariaDB says why: {}",
            failed.message
        );
        assert!(
            failed.message.contains("upgrade idx_0003"),
            "{}",
            failed.message
        );
        assert_eq!(ctx.heads().await, ["idx_0001"]);
        assert_eq!(
            ctx.index_names("users_ix").await,
            Vec::<String>::new(),
            "nothing half-made"
        );
        return;
    }
    ctx.up_ok(&regs).await;
    let index = ctx
        .index("users_ix", "uq_users_ix_lower_email")
        .await
        .unwrap();
    assert!(
        index.unique && index.columns == ["expr"],
        "{kind:?}: {index:?}"
    );
    ctx.exec_ok("INSERT INTO users_ix (id, email, first, last) VALUES (1, 'Ann@x', 'A', 'Z')")
        .await;
    ctx.exec_err("INSERT INTO users_ix (id, email, first, last) VALUES (2, 'ann@X', 'A', 'Z')")
        .await;
    ctx.exec_ok("DELETE FROM users_ix").await;
    ctx.down_ok(&regs, "idx_0001").await;
    assert_eq!(
        ctx.index_names("users_ix").await,
        Vec::<String>::new(),
        "{kind:?}"
    );
}

fn add_unique_open_last(m: &mut Migration) {
    m.create_index(
        Index::new("uq_users_ix_open_last")
            .on("users_ix", ["last"])
            .unique()
            .partial("completed = false"),
    );
}

migration!(UNIQUE_OPEN = "idx_0004" after ["idx_0001"], up: add_unique_open_last, down: None);

/// A unique partial index: only open rows must differ. MySQL has no partial
/// indexes, and a unique one over every row would forbid more: refused
/// before anything runs.
async fn unique_partial_index(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&USERS, &UNIQUE_OPEN];
    if kind == Kind::MySql {
        let error = render_error(ctx.up(&regs).await.unwrap_err());
        assert!(
            matches!(error, RenderError::Unsupported { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("no partial indexes"), "{error}");
        assert_eq!(ctx.heads().await, Vec::<String>::new());
        assert_eq!(ctx.tables().await, Vec::<String>::new());
        return;
    }
    ctx.up_ok(&regs).await;
    ctx.exec_ok(
        "INSERT INTO users_ix (id, email, first, last, completed) VALUES \
         (1, 'a', 'A', 'Doe', true), (2, 'b', 'B', 'Doe', true), (3, 'c', 'C', 'Doe', false)",
    )
    .await;
    ctx.exec_err(
        "INSERT INTO users_ix (id, email, first, last, completed) VALUES (4, 'd', 'D', 'Doe', false)",
    )
    .await;
    ctx.down_ok(&regs, "base").await;
    assert_eq!(ctx.tables().await, Vec::<String>::new(), "{kind:?}");
}

fn conc_index() -> Index {
    Index::new("ix_users_ix_first")
        .on("users_ix", ["first"])
        .concurrently()
}
fn add_conc(m: &mut Migration) {
    m.create_index(conc_index());
}
fn drop_missing(m: &mut Migration) {
    m.drop_index_if_exists("users_ix", "no_such_index");
}
fn drop_conc(m: &mut Migration) {
    // With its definition: the automatic downgrade builds it again, also
    // concurrently.
    m.drop_index("users_ix", conc_index());
}

migration!(CONC = "idx_0005" after ["idx_0001"], up: add_conc, down: None);
migration!(DROP_MISSING = "idx_0006" after ["idx_0005"], up: drop_missing, down: Some(nothing));
migration!(DROP_CONC = "idx_0007" after ["idx_0006"], up: drop_conc, down: None);

/// `CONCURRENTLY` runs outside a transaction on PostgreSQL and leaves a
/// valid index; elsewhere it is a plain index.
async fn concurrent_index(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&USERS, &CONC, &DROP_MISSING, &DROP_CONC];
    ctx.up_to(&regs, "idx_0006").await;
    let index = ctx.index("users_ix", "ix_users_ix_first").await;
    let index = index.unwrap_or_else(|| panic!("{kind:?}: index built"));
    assert!(index.valid, "{kind:?}: {index:?}");
    assert_eq!(index.columns, ["first"], "{kind:?}");

    ctx.up_ok(&regs).await;
    assert_eq!(
        ctx.index_names("users_ix").await,
        Vec::<String>::new(),
        "{kind:?}: dropped"
    );
    ctx.down_ok(&regs, "idx_0006").await;
    let index = ctx.index("users_ix", "ix_users_ix_first").await;
    assert!(index.is_some_and(|ix| ix.valid), "{kind:?}: rebuilt");
    ctx.down_ok(&regs, "base").await;
    assert_eq!(ctx.tables().await, Vec::<String>::new(), "{kind:?}");
}

fn table_and_conc(m: &mut Migration) {
    m.create_table(Table::new("mixed").column(Column::new("id").integer().primary_key()));
    m.create_index(Index::new("ix_mixed_id").on("mixed", ["id"]).concurrently());
}

migration!(MIXED = "idx_0008" after ["idx_0001"], up: table_and_conc, down: None);

/// PostgreSQL cannot run the index in the table's transaction: the step
/// runs in phases, the table committed with the audit row's count first,
/// then the index on its own. Other backends ignore `concurrently` and run
/// both in one go.
async fn concurrent_index_mixed_with_a_table(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&USERS, &MIXED];
    ctx.up_ok(&regs).await;
    assert_eq!(ctx.tables().await, ["mixed", "users_ix"], "{kind:?}");
    assert_eq!(ctx.heads().await, ["idx_0008"]);
    if kind == Kind::Postgres {
        assert_eq!(
            ctx.strings(
                "SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'ix_mixed_id'::regclass"
            )
            .await,
            ["true"]
        );
    }
}

fn create_members(m: &mut Migration) {
    m.create_table(
        Table::new("members")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("email").string(100)),
    );
}
fn unique_members_email(m: &mut Migration) {
    m.create_index(
        Index::new("ux_members_email")
            .on("members", ["email"])
            .unique(),
    );
}

migration!(MEMBERS = "idx_0101" after [], up: create_members, down: None);
migration!(UNIQUE_MEMBERS = "idx_0102" after ["idx_0101"], up: unique_members_email, down: Some(nothing));

/// A unique index over rows that hold a duplicate fails because of the
/// data: the error shows which key (PostgreSQL's DETAIL), and says the
/// rows are the cause rather than "fix the migration".
async fn unique_index_over_duplicates(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&MEMBERS, &UNIQUE_MEMBERS];
    ctx.up_to(&regs, "idx_0101").await;
    ctx.exec_ok("INSERT INTO members (id, email) VALUES (1, 'a@x'), (2, 'a@x'), (3, 'b@x')")
        .await;
    let failed = failed_statement(ctx.up(&regs).await.unwrap_err());
    if kind == Kind::Postgres {
        assert!(
            failed
                .db_message
                .contains("DETAIL: Key (email)=(a@x) is duplicated."),
            "{}",
            failed.db_message
        );
    } else {
        // MySQL names the value, SQLite the column.
        let named = if kind == Kind::MySql {
            "a@x"
        } else {
            "members.email"
        };
        assert!(
            failed.db_message.contains(named),
            "{kind:?}: {}",
            failed.db_message
        );
    }
    if kind == Kind::MySql {
        assert!(
            failed.message.contains("nothing of this step ran"),
            "{}",
            failed.message
        );
    } else {
        assert!(
            failed
                .message
                .contains("the rows in the database are the cause, not the statement"),
            "{kind:?}: {}",
            failed.message
        );
        assert!(
            !failed.message.contains("fix the migration"),
            "{}",
            failed.message
        );
    }
    assert_eq!(ctx.heads().await, ["idx_0101"], "{kind:?}");
}
