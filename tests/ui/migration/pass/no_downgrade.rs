use migrate_core::migration;

#[migration(id = "0001_seed_admin", revises = "3f1c0a9b2d4e")]
mod seed_admin {
    use migrate_core::prelude::*;

    fn upgrade(m: &mut Migration) {
        m.execute("INSERT INTO users (name) VALUES ('admin')");
    }
}

fn main() {
    let registered = migrate_core::registry::registered();
    let seed = registered
        .iter()
        .find(|r| r.id == "0001_seed_admin")
        .expect("the migration is registered");
    assert!(seed.downgrade.is_none());
    assert_eq!(seed.message, "");
}
