//! products.sku, unique; products.discontinued, a boolean
//!
//! Revision ID: 6cc446192e5d
//! Revises: e2d84b17c6f3
//! Create Date: 2026-11-24 09:00:00 UTC

use migrate_core::migration;

/// A unique constraint left unnamed, so each backend names it as it would
/// (`products_sku_key` on PostgreSQL and SQLite, `sku` on MySQL), and a
/// boolean's CHECK only where the backend stores booleans as numbers, as
/// SQLAlchemy's `Boolean(create_constraint=True)` does. The downgrade is
/// derived, per backend: the drop finds the unique constraint by the same
/// definition.
#[migration(
    id = "6cc446192e5d",
    revises = "e2d84b17c6f3",
    message = "products.sku, unique; products.discontinued, a boolean"
)]
pub mod product_sku_and_discontinued {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.add_column("products", Column::new("sku").string(32).nullable());
        m.create_unique_constraint("products", None, ["sku"]);
        m.add_column(
            "products",
            Column::new("discontinued").boolean().default(false),
        );
        m.only([Backend::MySql, Backend::Sqlite], |m| {
            m.create_check_constraint(
                "products",
                "ck_products_discontinued",
                "discontinued IN (0, 1)",
            );
        });
    }
}
