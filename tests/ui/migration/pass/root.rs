use migrate_core::migration;

#[migration(id = "3f1c0a9b2d4e", revises = "base", message = "create users")]
pub mod create_users {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.execute("SELECT 1");
    }

    pub fn downgrade(m: &mut Migration) {
        m.execute("SELECT 1");
    }
}

fn main() {
    let registered = migrate_core::registry::registered();
    let root = registered
        .iter()
        .find(|r| r.id == "3f1c0a9b2d4e")
        .expect("the root migration is registered");
    assert!(root.revises.is_empty());
    assert_eq!(root.message, "create users");
    assert!(root.module.ends_with("::create_users"), "{}", root.module);
    assert!(root.file.ends_with("root.rs"), "{}", root.file);
    assert_eq!(root.line, 3);
    assert!(root.downgrade.is_some());
}
