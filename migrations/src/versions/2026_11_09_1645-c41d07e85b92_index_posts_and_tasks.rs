//! index posts and tasks
//!
//! Revision ID: c41d07e85b92
//! Revises: b7e94f2a6d13
//! Create Date: 2026-11-09 16:45:00 UTC

use migrate_core::migration;

#[migration(id = "c41d07e85b92", revises = "b7e94f2a6d13", message = "index posts and tasks")]
pub mod index_posts_and_tasks {
    use migrate_core::prelude::*;

    // These indexes came with the tables' first release, before any
    // deployment had rows in them: built plainly, in the migration's one
    // transaction. Without `blocking_ddl` a run builds an index on a table
    // that already existed CONCURRENTLY, outside the transaction
    // (docs/safety.md); as written, the linter wants each build allowed.
    pub fn upgrade(m: &mut Migration) {
        m.blocking_ddl();
        m.create_index(
            Index::new("ix_posts_published_created").on("posts", ["published", "created_at"]),
        )
        .allow(
            Lint::IndexNotConcurrent,
            "posts shipped in the same release: empty everywhere when this runs",
        );
        m.create_index(
            Index::new("uq_tasks_title_owner")
                .on("tasks", ["title", "owner_id"])
                .unique(),
        )
        .allow(
            Lint::IndexNotConcurrent,
            "tasks shipped in the same release: empty everywhere when this runs",
        );
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_index("tasks", "uq_tasks_title_owner");
        m.drop_index("posts", "ix_posts_published_created");
    }
}
