use migrate_core::prelude::*;

#[migration(
    id = "55296ad22e23",
    revises = "3f1c0a9b2d4e",
    message = "add email to users"
)]
pub mod add_email_to_users {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.execute("ALTER TABLE users ADD COLUMN email TEXT");
    }

    pub fn downgrade(m: &mut Migration) {
        m.execute("ALTER TABLE users DROP COLUMN email");
    }
}

fn main() {
    let registered = migrate_core::registry::registered();
    let migration = registered
        .iter()
        .find(|r| r.id == "55296ad22e23")
        .expect("the migration is registered");
    assert_eq!(migration.revises, ["3f1c0a9b2d4e"]);
    assert_eq!(migration.message, "add email to users");
}
