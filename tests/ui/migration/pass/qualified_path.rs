//! No imports: the attribute and `Migration` are named by their full paths,
//! and the module's inner attributes and docs survive the expansion.

#[migrate_core::migration(id = "b7e1_create_posts", revises = "base", message = "create posts")]
pub mod create_posts {
    //! Creates the `posts` table.

    pub fn upgrade(m: &mut migrate_core::ops::Migration) {
        m.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY)");
    }

    pub fn downgrade(plan: &'_ mut ::migrate_core::ops::Migration) {
        plan.execute("DROP TABLE posts");
    }
}

fn main() {
    let registered = migrate_core::registry::registered();
    let posts = registered
        .iter()
        .find(|r| r.id == "b7e1_create_posts")
        .expect("the migration is registered");
    assert!(posts.downgrade.is_some());
    let mut plan = migrate_core::ops::Migration::default();
    (posts.upgrade)(&mut plan);
}
