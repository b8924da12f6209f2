//! create products, prices as text
//!
//! Revision ID: a93c4e2f61b8
//! Revises: 5b1e7c9d2a40
//! Create Date: 2026-11-23 11:00:00 UTC

use migrate_core::migration;

/// A table as an older application left it: prices typed by hand, as text.
#[migration(
    id = "a93c4e2f61b8",
    revises = "5b1e7c9d2a40",
    message = "create products, prices as text"
)]
pub mod create_products {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.create_table(
            Table::new("products")
                .column(Column::new("id").big_integer().primary_key().auto_increment())
                .column(Column::new("name").string(200))
                .column(Column::new("price").string(32).nullable()),
        );
        m.bulk_insert(
            Rows::new("products", ["name", "price"])
                .row(("Notebook", "$3.50"))
                .row(("Fountain pen", "$1,249.00"))
                .row(("Ink", "12"))
                .row(("Gift card", Literal::Null)),
        );
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_table("products");
    }
}
