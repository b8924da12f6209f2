//! create posts
//!
//! Revision ID: 8d2e4b6a1c0f
//! Revises: 3f1c0a9b2d4e
//! Create Date: 2026-11-03 14:15:00 UTC

use migrate_core::migration;

#[migration(id = "8d2e4b6a1c0f", revises = "3f1c0a9b2d4e", message = "create posts")]
pub mod create_posts {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.create_table(
            Table::new("posts")
                .column(Column::new("id").big_integer().auto_increment())
                .column(Column::new("author_id").big_integer())
                .column(Column::new("title").string(200))
                .column(Column::new("body").text())
                .column(Column::new("published").boolean().default(false))
                .column(Column::new("created_at").timestamptz().default_now())
                .foreign_key(
                    ForeignKey::new("fk_posts_author", ["author_id"], "users", ["id"])
                        .on_delete(Action::Cascade),
                ),
        );
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_table("posts");
    }
}
