//! A migrations binary whose graph has what teams working in parallel make:
//! two feature branches (`search` and `billing`) off a shared trunk, a
//! `depends_on` across them, a merge, and an independent labelled branch
//! (`audit`). `tests/tests/branches.rs` drives every graph verb through it,
//! and docs/branches.md shows its output.
//!
//! ```text
//! a001 ─ a002 ─┬─ s001 @search ─ s002 ─────┬─ m001
//!              │                 ┆         │
//!              └─ b001 @billing ┄┘ ─ b002 ─┘
//! x001 @audit ─ x002
//! ```

use migrate_core::migration;

#[migration(id = "a001", revises = "base", message = "create accounts")]
pub mod create_accounts {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.create_table(
            Table::new("accounts")
                .column(Column::new("id").big_integer().auto_increment())
                .column(Column::new("name").string(100)),
        );
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_table("accounts");
    }
}

#[migration(id = "a002", revises = "a001", message = "add email to accounts")]
pub mod add_email {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.add_column("accounts", Column::new("email").string(255).nullable());
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_column("accounts", "email");
    }
}

#[migration(
    id = "s001",
    revises = "a002",
    message = "create search terms",
    branch_labels = "search"
)]
pub mod create_search_terms {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.create_table(
            Table::new("search_terms")
                .column(Column::new("id").big_integer().auto_increment())
                .column(Column::new("term").string(100)),
        );
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_table("search_terms");
    }
}

#[migration(
    id = "s002",
    revises = "s001",
    message = "index invoice numbers for search",
    depends_on = "billing"
)]
pub mod index_invoice_numbers {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.create_index(Index::new("ix_invoices_number").on("invoices", ["number"]));
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_index("invoices", "ix_invoices_number");
    }
}

#[migration(
    id = "b001",
    revises = "a002",
    message = "create invoices",
    branch_labels = "billing"
)]
pub mod create_invoices {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.create_table(
            Table::new("invoices")
                .column(Column::new("id").big_integer().auto_increment())
                .column(Column::new("number").string(32)),
        );
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_table("invoices");
    }
}

#[migration(id = "b002", revises = "b001", message = "create payments")]
pub mod create_payments {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.create_table(
            Table::new("payments")
                .column(Column::new("id").big_integer().auto_increment())
                .column(Column::new("amount_cents").big_integer()),
        );
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_table("payments");
    }
}

#[migration(
    id = "m001",
    revises = ["s002", "b002"],
    message = "merge search and billing"
)]
pub mod merge_search_and_billing {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        let _ = m;
    }

    pub fn downgrade(m: &mut Migration) {
        let _ = m;
    }
}

#[migration(
    id = "x001",
    revises = "base",
    message = "create audit log",
    branch_labels = "audit"
)]
pub mod create_audit_log {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.create_table(
            Table::new("audit_log")
                .column(Column::new("id").big_integer().auto_increment())
                .column(Column::new("event").string(100)),
        );
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_table("audit_log");
    }
}

#[migration(id = "x002", revises = "x001", message = "add actor to audit log")]
pub mod add_actor {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.add_column("audit_log", Column::new("actor").string(100).nullable());
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_column("audit_log", "actor");
    }
}

fn main() -> std::process::ExitCode {
    migrate_cli::run()
}
