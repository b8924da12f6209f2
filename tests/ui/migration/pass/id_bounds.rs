//! The shortest and the longest ids the macro accepts, which the runtime's
//! id rule must accept too.

use migrate_core::migration;

#[migration(id = "a_1_", revises = "base")]
mod shortest {
    pub fn upgrade(_: &mut migrate_core::ops::Migration) {}
}

#[migration(id = "a_thirty_two_character_id_000000", revises = "a_1_")]
mod longest {
    pub fn upgrade(_: &mut migrate_core::ops::Migration) {}
}

fn main() {
    let registered = migrate_core::registry::registered();
    for id in ["a_1_", "a_thirty_two_character_id_000000"] {
        assert!(
            registered.iter().any(|r| r.id == id),
            "{id} is not registered"
        );
        assert_eq!(migrate_core::graph::validate_id(id), Ok(()), "{id}");
    }
}
