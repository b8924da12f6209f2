//! add email_verified_at to users
//!
//! Revision ID: 55296ad22e23
//! Revises: c41d07e85b92
//! Create Date: 2026-11-16 11:20:00 UTC

use migrate_core::migration;

#[migration(id = "55296ad22e23", revises = "c41d07e85b92", message = "add email_verified_at to users")]
pub mod add_email_verified_to_users {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.add_column("users", Column::new("email_verified_at").timestamptz().nullable());
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_column("users", "email_verified_at");
    }
}
