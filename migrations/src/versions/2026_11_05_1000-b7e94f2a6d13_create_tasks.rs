//! create tasks
//!
//! Revision ID: b7e94f2a6d13
//! Revises: 8d2e4b6a1c0f
//! Create Date: 2026-11-05 10:00:00 UTC

use migrate_core::migration;

#[migration(id = "b7e94f2a6d13", revises = "8d2e4b6a1c0f", message = "create tasks")]
pub mod create_tasks {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.create_table(
            Table::new("tasks")
                .column(Column::new("id").big_integer().auto_increment())
                .column(Column::new("owner_id").big_integer())
                .column(Column::new("title").string(200))
                .column(Column::new("priority").small_integer().default(0))
                .column(Column::new("done").boolean().default(false))
                .column(Column::new("due_at").timestamptz().nullable())
                .foreign_key(
                    ForeignKey::new("fk_tasks_owner", ["owner_id"], "users", ["id"])
                        .on_delete(Action::Cascade),
                ),
        );
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_table("tasks");
    }
}
