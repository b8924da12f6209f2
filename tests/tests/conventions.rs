//! A crate-wide naming convention (`naming_convention!`), SQLAlchemy's
//! anchor templates, on SQLite, PostgreSQL and MariaDB: unnamed table
//! constraints, the column shorthands, a check completed from a part, an
//! index; the names checked by introspection, and drops by definition
//! (MySQL's foreign keys included, which the convention names) with their
//! derived downgrades. A binary of its own: the convention is the binary's.

#[path = "support/mod.rs"]
mod support;

#[macro_use]
#[path = "operations/harness.rs"]
#[expect(
    dead_code,
    reason = "the operations tests' harness; this binary uses part of it"
)]
mod harness;
#[path = "operations/introspect.rs"]
#[expect(
    dead_code,
    reason = "the operations tests' introspection; this binary uses part of it"
)]
mod introspect;

use migrate_core::ops::{Column, Constraint, ForeignKey, Index, Migration, Name, Table};

use crate::harness::{Ctx, Kind, plan_error};

migrate_core::naming_convention! {
    ix: "ix_%(column_0_label)s",
    uq: "uq_%(table_name)s_%(column_0_name)s",
    ck: "ck_%(table_name)s_%(constraint_name)s",
    fk: "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    pk: "pk_%(table_name)s",
}

every_backend!(convention_names, a_check_needs_its_part);

fn create(m: &mut Migration) {
    m.create_table(
        Table::new("users")
            .column(Column::new("id").integer().auto_increment())
            .column(Column::new("email").string(100).unique())
            .column(Column::new("age").integer())
            .check(Name::part("adult"), "age >= 18"),
    );
    m.create_table(
        Table::new("posts")
            .column(Column::new("id").integer())
            .column(Column::new("user_id").integer().references("users", "id"))
            .column(Column::new("editor_id").integer().nullable())
            .column(Column::new("slug").string(40))
            .primary_key(["id"]),
    );
    m.create_foreign_key(
        "posts",
        ForeignKey::new(None, ["editor_id"], "users", ["id"]),
    );
    m.create_unique_constraint("posts", None, ["slug"]);
    m.create_index(Index::new(None).on("posts", ["editor_id"]));
}

fn drop_by_definition(m: &mut Migration) {
    // The index first: the derived downgrade adds the foreign key back
    // before it, so that on MySQL the key gets its own index again.
    m.drop_index("posts", Index::new(None).on("posts", ["editor_id"]));
    m.drop_constraint(
        "posts",
        ForeignKey::new(None, ["editor_id"], "users", ["id"]),
    );
    m.drop_constraint("posts", Constraint::unique(None, ["slug"]));
    m.drop_constraint("users", Constraint::check(Name::part("adult"), "age >= 18"));
}

fn unnamed_check(m: &mut Migration) {
    m.add_constraint("users", Constraint::check(None, "age < 200"));
}

migration!(CREATE = "cv_0001" after [], up: create, down: None);
migration!(DROP = "cv_0002" after ["cv_0001"], up: drop_by_definition, down: None);
migration!(UNNAMED_CHECK = "cv_0003" after ["cv_0001"], up: unnamed_check, down: None);

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    names.sort_by_key(|n| n.to_lowercase());
    names
}

async fn names(ctx: &mut Ctx, table: &str) -> Vec<String> {
    let mut names = ctx.constraints(table).await;
    names.sort_by_key(|n| n.to_lowercase());
    names
}

async fn convention_names(mut ctx: Ctx) {
    let kind = ctx.kind();
    // MySQL names every primary key PRIMARY.
    let pk = |name| if kind == Kind::MySql { "PRIMARY" } else { name };
    let all_users = sorted(&[pk("pk_users"), "uq_users_email", "ck_users_adult"]);
    let all_posts = sorted(&[
        pk("pk_posts"),
        "fk_posts_user_id_users",
        "fk_posts_editor_id_users",
        "uq_posts_slug",
    ]);
    ctx.up_ok(&[&CREATE]).await;
    assert_eq!(names(&mut ctx, "users").await, all_users, "{kind:?}");
    assert_eq!(names(&mut ctx, "posts").await, all_posts, "{kind:?}");
    assert!(
        ctx.index_names("posts")
            .await
            .contains(&"ix_posts_editor_id".to_owned()),
        "{kind:?}"
    );
    ctx.exec_ok("INSERT INTO users (email, age) VALUES ('a@x', 20)")
        .await;
    ctx.exec_err("INSERT INTO users (email, age) VALUES ('a@x', 30)")
        .await;
    ctx.exec_err("INSERT INTO users (email, age) VALUES ('b@x', 3)")
        .await;

    // The same definitions give the same names: the drops find them on
    // every backend, and their derived downgrades add them back.
    ctx.up_ok(&[&CREATE, &DROP]).await;
    assert_eq!(
        names(&mut ctx, "posts").await,
        sorted(&[pk("pk_posts"), "fk_posts_user_id_users"]),
        "{kind:?}"
    );
    assert_eq!(
        names(&mut ctx, "users").await,
        sorted(&[pk("pk_users"), "uq_users_email"]),
        "{kind:?}"
    );
    ctx.down_ok(&[&CREATE, &DROP], "cv_0001").await;
    assert_eq!(names(&mut ctx, "users").await, all_users, "{kind:?}");
    assert_eq!(names(&mut ctx, "posts").await, all_posts, "{kind:?}");
    ctx.down_ok(&[&CREATE, &DROP], "base").await;
    assert!(ctx.tables().await.is_empty(), "{kind:?}");
}

/// `ck_%(table_name)s_%(constraint_name)s` needs a part: an unnamed check
/// is refused before anything runs, with what to do.
async fn a_check_needs_its_part(ctx: Ctx) {
    let error = plan_error(ctx.up(&[&CREATE, &UNNAMED_CHECK]).await.unwrap_err()).to_string();
    assert!(error.contains("cv_0003"), "{error}");
    assert!(error.contains("%(constraint_name)s"), "{error}");
    assert!(error.contains("Name::part"), "{error}");
}
