//! create users
//!
//! Revision ID: 3f1c0a9b2d4e
//! Revises: base
//! Create Date: 2026-11-02 09:30:00 UTC

use migrate_core::migration;

#[migration(id = "3f1c0a9b2d4e", revises = "base", message = "create users")]
pub mod create_users {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.create_table(
            Table::new("users")
                .column(Column::new("id").big_integer().auto_increment())
                .column(Column::new("email").string(255).unique())
                .column(Column::new("name").string(100))
                .column(Column::new("is_admin").boolean().default(false))
                .column(Column::new("created_at").timestamptz().default_now()),
        );
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_table("users");
    }
}
