//! The example application's tables, as the structs it queries with: each
//! derives `Model` for the schema and, with the `queries` feature (the
//! application's, auto-migrate's), `sqlx::FromRow` for queries.
//! `cargo run -p migrations -- check` fails when these and the migrations
//! differ; `revision --autogenerate` writes the migration that makes them
//! agree (docs/models.md).

use chrono::{DateTime, Utc};
use migrate_core::{DbEnum, Model};

/// A post's state: a native type on PostgreSQL, an inline `ENUM` on MySQL,
/// a `CHECK` on SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, DbEnum)]
#[model(name = "post_status", rename_all = "lowercase")]
pub enum PostStatus {
    Draft,
    Published,
    Archived,
}

/// Someone who can sign in.
#[derive(Debug, Clone, Model)]
#[cfg_attr(feature = "queries", derive(sqlx::FromRow))]
#[model(
    table = "users",
    check(name = "ck_users_age_non_negative", expr = "age >= 0")
)]
pub struct User {
    #[model(identity)]
    pub id: i64,
    #[model(length = 255, unique)]
    pub email: String,
    #[model(length = 100)]
    pub name: String,
    #[model(default = false)]
    pub is_admin: bool,
    #[model(default_now)]
    pub created_at: DateTime<Utc>,
    pub email_verified_at: Option<DateTime<Utc>>,
    #[model(length = 32)]
    pub phone_number: Option<String>,
    #[model(default = false)]
    pub is_verified: bool,
    #[model(comment = "in whole years")]
    pub age: Option<i32>,
    #[model(length = 8)]
    pub locale: String,
}

/// What users write.
#[derive(Debug, Clone, Model)]
#[cfg_attr(feature = "queries", derive(sqlx::FromRow))]
#[model(
    table = "posts",
    foreign_key(
        name = "fk_posts_author",
        columns("author_id"),
        references = "users.id",
        on_delete = "cascade"
    ),
    index(
        name = "ix_posts_published_created",
        columns("published", "created_at")
    )
)]
pub struct Post {
    #[model(identity)]
    pub id: i64,
    pub author_id: i64,
    #[model(length = 200)]
    pub title: String,
    pub body: String,
    #[model(default = false)]
    pub published: bool,
    #[model(default_now)]
    pub created_at: DateTime<Utc>,
    #[model(default = "draft")]
    pub status: PostStatus,
}

/// What users have to do.
#[derive(Debug, Clone, Model)]
#[cfg_attr(feature = "queries", derive(sqlx::FromRow))]
#[model(
    table = "tasks",
    foreign_key(
        name = "fk_tasks_owner",
        columns("owner_id"),
        references = "users.id",
        on_delete = "cascade"
    ),
    index(name = "uq_tasks_title_owner", columns("title", "owner_id"), unique),
    index(
        name = "ix_tasks_open_due",
        columns("owner_id", "due_at"),
        partial = "completed = false"
    )
)]
pub struct Task {
    #[model(identity)]
    pub id: i64,
    pub owner_id: i64,
    #[model(length = 200)]
    pub title: String,
    #[model(default = 0)]
    pub priority: i16,
    #[model(default = false)]
    pub completed: bool,
    pub due_at: Option<DateTime<Utc>>,
}

/// The kinds of notification, a lookup table the migrations fill.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[cfg_attr(feature = "queries", derive(sqlx::FromRow))]
#[model(table = "notification_kinds")]
pub struct NotificationKind {
    #[model(primary_key, length = 32)]
    pub code: String,
    #[model(length = 100)]
    pub label: String,
}

/// Something a user is told.
#[derive(Debug, Clone, Model)]
#[cfg_attr(feature = "queries", derive(sqlx::FromRow))]
#[model(
    table = "notifications",
    foreign_key(
        name = "fk_notifications_user",
        columns("user_id"),
        references = "users.id",
        on_delete = "cascade"
    ),
    index(
        name = "ix_notifications_user_created",
        columns("user_id", "created_at")
    )
)]
pub struct Notification {
    #[model(identity)]
    pub id: i64,
    pub user_id: i64,
    #[model(length = 32, references = "notification_kinds.code")]
    pub kind: String,
    pub body: String,
    #[model(default = false)]
    pub read: bool,
    #[model(default_now)]
    pub created_at: DateTime<Utc>,
}

/// What the shop sells.
#[derive(Debug, Clone, Model)]
#[cfg_attr(feature = "queries", derive(sqlx::FromRow))]
#[model(
    table = "products",
    unique(columns("sku")),
    // Booleans are integers there.
    check(
        name = "ck_products_discontinued",
        expr = "discontinued IN (0, 1)",
        backends("mysql", "sqlite")
    )
)]
pub struct Product {
    #[model(primary_key, identity)]
    pub id: i64,
    #[model(length = 200)]
    pub name: String,
    #[model(length = 32)]
    pub price: Option<String>,
    pub price_cents: Option<i64>,
    #[model(length = 32)]
    pub sku: Option<String>,
    #[model(default = false)]
    pub discontinued: bool,
}
