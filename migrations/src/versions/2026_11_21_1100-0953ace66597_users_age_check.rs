//! users age with a check
//!
//! Revision ID: 0953ace66597
//! Revises: 446d8d915617
//! Create Date: 2026-11-21 11:00:00 UTC

use migrate_core::migration;

#[migration(id = "0953ace66597", revises = "446d8d915617", message = "users age with a check")]
pub mod users_age_check {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.add_column(
            "users",
            Column::new("age").integer().nullable().comment("in whole years"),
        );
        // SQLite cannot add a constraint to a table: `users` is rebuilt, with
        // its rows, indexes and the view that reads it.
        m.create_check_constraint("users", "ck_users_age_non_negative", "age >= 0");
    }
}
