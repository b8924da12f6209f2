//! Every key of `#[derive(Model)]` and `#[derive(DbEnum)]`. (sqlx's own
//! attributes, which the derives follow, are unit-tested in
//! migrate-macros; the example crate derives `sqlx::FromRow` beside
//! `Model`.)

use migrate_core::models::{DbEnum as _, Model as _, SqlColumn};
use migrate_core::ops::ColumnType;
use migrate_core::{DbEnum, Model};

#[derive(Debug, Clone, Copy, DbEnum)]
#[model(name = "post_state", rename_all = "lowercase")]
#[allow(dead_code)]
pub enum State {
    Draft,
    #[model(rename = "live")]
    Published,
}

#[derive(Debug, Model)]
#[model(
    table = "posts",
    comment = "what people write",
    renamed_from = "articles",
    index(columns("author_id", "created_at")),
    index(name = "ix_posts_lower_title", expr = "lower(title)"),
    index(columns("slug"), unique, partial = "slug is not null"),
    unique(name = "uq_posts_author_title", columns("author_id", "title")),
    check(expr = "length(title) > 0")
)]
#[allow(dead_code)]
pub struct Post {
    #[model(primary_key, identity)]
    pub id: i64,
    #[model(references = "users.id", on_delete = "cascade", on_update = "no action")]
    pub author_id: i32,
    #[model(length = 200, renamed_from = "headline")]
    pub title: String,
    pub slug: Option<String>,
    #[model(name = "body_text")]
    pub body: String,
    #[model(default = "draft")]
    pub state: State,
    #[model(precision = 12, scale = 2, default = -1)]
    pub price: f64,
    #[model(default_now)]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[model(default_sql = "'{}'", comment = "free-form")]
    pub extra: serde_json::Value,
    #[model(sql_type = "citext", mysql_type = "varchar(320)", sqlite_type = "text")]
    pub email: String,
    #[model(check = "score >= 0", unique)]
    pub score: i16,
    #[model(skip)]
    pub cached: Vec<String>,
    #[model(skip)]
    pub also_cached: Option<Vec<String>>,
}

#[derive(Model)]
#[model(primary_key("post_id", "tag"))]
#[allow(dead_code)]
pub struct PostTag {
    pub post_id: i64,
    #[model(name = "tag", index)]
    pub label: String,
    pub flags: Vec<u8>,
    pub on: Option<chrono::NaiveDate>,
}

fn main() {
    let post = Post::definition();
    assert_eq!(post.table().name(), "posts");
    assert_eq!(post.former_name(), Some("articles"));
    assert_eq!(post.column_renames(), [("title".to_owned(), "headline".to_owned())]);
    let names: Vec<&str> = post.table().columns().iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        ["id", "author_id", "title", "slug", "body_text", "state", "price", "created_at", "extra", "email", "score"]
    );
    assert!(post.table().columns()[3].is_nullable());
    assert_eq!(post.indexes().len(), 3);
    assert_eq!(State::definition().values(), ["draft", "live"]);
    assert_eq!(State::definition().name(), "post_state");
    assert!(matches!(State::column_type(), ColumnType::Enum(_)));
    let tag = PostTag::definition();
    assert_eq!(tag.table().name(), "post_tag");
    assert_eq!(tag.indexes().len(), 1);
    let registered = migrate_core::models::registered_models();
    assert_eq!(registered.len(), 2);
    assert_eq!(registered[0].0.type_name, "PostTag");
}
