//! demo users for development
//!
//! Revision ID: 7d3e9a1b5c20
//! Revises: 6f61e53762d5
//! Create Date: 2026-11-23 09:00:00 UTC

use migrate_core::migration;

/// Inserts demo users only when run with `-x dev_data=true`, as a
/// development database wants; everywhere else it does nothing:
///
/// ```text
/// cargo run -p migrations -- upgrade -x dev_data=true
/// ```
#[migration(id = "7d3e9a1b5c20", revises = "6f61e53762d5", message = "demo users for development")]
pub mod demo_users {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        if m.flag("dev_data") {
            m.bulk_insert(
                Rows::new("users", ["email", "name"])
                    .row(("ada@demo.invalid", "Ada Lovelace"))
                    .row(("grace@demo.invalid", "Grace Hopper")),
            );
        }
    }

    // Deletes the demo users whether or not they were inserted, so that the
    // downgrade is the same everywhere.
    pub fn downgrade(m: &mut Migration) {
        m.execute("DELETE FROM users WHERE email LIKE '%@demo.invalid'");
    }
}
