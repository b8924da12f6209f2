//! add locale to users, backfilled in batches
//!
//! Revision ID: 5b1e7c9d2a40
//! Revises: 7d3e9a1b5c20
//! Create Date: 2026-11-23 10:00:00 UTC

use migrate_core::migration;

/// The guides' data migration: add the column nullable, fill it, then make
/// it NOT NULL. Alembic's version is one `UPDATE` (or a `LIMIT/OFFSET`
/// loop); here the fill walks the primary key in batches, each its own
/// transaction, and a killed run continues after the last batch done.
#[migration(
    id = "5b1e7c9d2a40",
    revises = "7d3e9a1b5c20",
    message = "add locale to users, backfilled in batches"
)]
pub mod add_locale_to_users {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        let locale = Column::new("locale").string(8).nullable();
        m.add_column("users", locale.clone());
        m.backfill(
            Backfill::new("users")
                .set("locale", "en")
                .pending(Expr::col(Alias::new("locale")).is_null()),
        );
        // MySQL's MODIFY COLUMN restates the whole column: say what it is.
        m.alter_column(
            AlterColumn::new("users", "locale")
                .existing(locale)
                .set_not_null(),
        );
    }

    // No `downgrade`: the reversed plan makes the column nullable again and
    // drops it; the backfill needs no inverse, since the column goes.
}
