//! products.price_cents from the price text, in Rust
//!
//! Revision ID: e2d84b17c6f3
//! Revises: a93c4e2f61b8
//! Create Date: 2026-11-23 12:00:00 UTC

use migrate_core::migration;

/// A backfill SQL cannot say portably: parse `"$1,249.00"` into `124900`.
/// The function runs in Rust on each batch of rows the predicate selects,
/// and its results are written back in the same batch.
#[migration(
    id = "e2d84b17c6f3",
    revises = "a93c4e2f61b8",
    message = "products.price_cents from the price text, in Rust"
)]
pub mod price_cents {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.add_column("products", Column::new("price_cents").big_integer().nullable());
        m.backfill(
            Backfill::map("products", ["price"], ["price_cents"], |row| {
                let price: String = row.get("price")?;
                Ok(cents(&price)?)
            })
            .pending_sql("price_cents IS NULL AND price IS NOT NULL"),
        );
    }

    /// `"$1,249.00"` → `124900`.
    pub fn cents(price: &str) -> Result<i64, std::num::ParseFloatError> {
        let digits: String = price.chars().filter(|c| *c != '$' && *c != ',').collect();
        Ok((digits.trim().parse::<f64>()? * 100.0).round() as i64)
    }

    // No `downgrade`: dropping the column undoes the backfill too.
}
