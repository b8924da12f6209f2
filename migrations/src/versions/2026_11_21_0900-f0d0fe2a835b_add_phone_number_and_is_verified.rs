//! add phone_number and is_verified to users
//!
//! Revision ID: f0d0fe2a835b
//! Revises: e0a6c3f19d47
//! Create Date: 2026-11-21 09:00:00 UTC

use migrate_core::migration;

#[migration(
    id = "f0d0fe2a835b",
    revises = "e0a6c3f19d47",
    message = "add phone_number and is_verified to users"
)]
pub mod add_phone_number_and_is_verified {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.add_column("users", Column::new("phone_number").string(32).nullable());
        // Existing rows get `false` from the server default.
        m.add_column("users", Column::new("is_verified").boolean().default(false));
    }

    // No `downgrade`: both steps have an inverse, so the downgrade is this
    // plan reversed (drop is_verified, then phone_number).
}
