//! create notifications
//!
//! Revision ID: 6f61e53762d5
//! Revises: aacf5257b9c5
//! Create Date: 2026-11-21 13:00:00 UTC

use migrate_core::migration;

#[migration(id = "6f61e53762d5", revises = "aacf5257b9c5", message = "create notifications")]
pub mod create_notifications {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.create_table(
            Table::new("notification_kinds")
                .column(Column::new("code").string(32).primary_key())
                .column(Column::new("label").string(100)),
        );
        m.bulk_insert(
            Rows::new("notification_kinds", ["code", "label"])
                .row(("mention", "Someone mentioned you"))
                .row(("task_due", "A task is due soon")),
        );
        m.create_table(
            Table::new("notifications")
                .column(Column::new("id").big_integer().auto_increment())
                .column(Column::new("user_id").big_integer())
                .column(Column::new("kind").string(32).references("notification_kinds", "code"))
                .column(Column::new("body").text())
                .column(Column::new("read").boolean().default(false))
                .column(Column::new("created_at").timestamptz().default_now())
                .foreign_key(
                    ForeignKey::new("fk_notifications_user", ["user_id"], "users", ["id"])
                        .on_delete(Action::Cascade),
                ),
        );
        m.create_index(
            Index::new("ix_notifications_user_created").on("notifications", ["user_id", "created_at"]),
        );
    }

    // Written by hand: inserted rows are not deleted automatically.
    pub fn downgrade(m: &mut Migration) {
        m.drop_table("notifications");
        m.drop_table("notification_kinds");
    }
}
