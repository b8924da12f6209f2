//! index open tasks
//!
//! Revision ID: aacf5257b9c5
//! Revises: 0953ace66597
//! Create Date: 2026-11-21 12:00:00 UTC

use migrate_core::migration;

#[migration(id = "aacf5257b9c5", revises = "0953ace66597", message = "index open tasks")]
pub mod open_tasks_index {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.rename_column("tasks", "done", "completed");
        // Partial on PostgreSQL and SQLite; MySQL has no partial indexes and
        // indexes every row. `tasks` has rows by now: a run builds it
        // CONCURRENTLY on PostgreSQL, LOCK=NONE on MySQL (docs/safety.md).
        m.create_index(
            Index::new("ix_tasks_open_due")
                .on("tasks", ["owner_id", "due_at"])
                .partial("completed = false"),
        );
    }
}
