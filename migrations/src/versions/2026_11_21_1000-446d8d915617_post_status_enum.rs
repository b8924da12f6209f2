//! post status enum
//!
//! Revision ID: 446d8d915617
//! Revises: f0d0fe2a835b
//! Create Date: 2026-11-21 10:00:00 UTC

use migrate_core::migration;

#[migration(id = "446d8d915617", revises = "f0d0fe2a835b", message = "post status enum")]
pub mod post_status_enum {
    use migrate_core::prelude::*;

    /// A native type on PostgreSQL, an inline `ENUM` on MySQL, a `CHECK` on
    /// SQLite.
    pub fn post_status() -> Enum {
        Enum::new("post_status", ["draft", "published", "archived"])
    }

    pub fn upgrade(m: &mut Migration) {
        m.create_enum(post_status());
        m.add_column(
            "posts",
            Column::new("status").enumeration(post_status()).default("draft"),
        );
        m.execute(
            RawSql::new("UPDATE posts SET status = 'published' WHERE published = TRUE")
                .reverse("UPDATE posts SET published = TRUE WHERE status = 'published'"),
        );
    }
}
