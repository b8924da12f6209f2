//! published posts view
//!
//! Revision ID: e0a6c3f19d47
//! Revises: 55296ad22e23
//! Create Date: 2026-11-20 08:15:00 UTC

use migrate_core::migration;

#[migration(id = "e0a6c3f19d47", revises = "55296ad22e23", message = "published posts view")]
pub mod published_posts_view {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        // Raw SQL: the same text runs on every backend.
        m.execute(
            "CREATE VIEW published_posts AS \
             SELECT p.id, p.title, u.name AS author, p.created_at \
             FROM posts p JOIN users u ON u.id = p.author_id \
             WHERE p.published = TRUE",
        );
    }

    pub fn downgrade(m: &mut Migration) {
        m.execute("DROP VIEW published_posts");
    }
}
