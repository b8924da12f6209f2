use migrate_core::migration;

/// One branch.
#[migration(id = "a1b2c3d4e5f6", revises = "base")]
mod left {
    pub fn upgrade(_: &mut migrate_core::prelude::Migration) {}
}

/// The other branch.
#[migration(id = "f6e5d4c3b2a1", revises = "base")]
mod right {
    pub fn upgrade(_: &mut migrate_core::prelude::Migration) {}
}

/// Joins both branches into one head.
#[migration(id = "merge_left_right", revises = ["a1b2c3d4e5f6", "f6e5d4c3b2a1"], message = "merge heads")]
mod merge {
    use migrate_core::prelude::*;

    pub fn upgrade(_m: &mut Migration) {}
    pub fn downgrade(_m: &mut Migration) {}
}

fn main() {
    let registered = migrate_core::registry::registered();
    for id in ["a1b2c3d4e5f6", "f6e5d4c3b2a1", "merge_left_right"] {
        assert!(
            registered.iter().any(|r| r.id == id),
            "{id} is not registered"
        );
        // What the macro accepts, the runtime's id rule accepts too.
        assert_eq!(migrate_core::graph::validate_id(id), Ok(()));
    }
    let merge = registered
        .iter()
        .find(|r| r.id == "merge_left_right")
        .unwrap();
    assert_eq!(merge.revises, ["a1b2c3d4e5f6", "f6e5d4c3b2a1"]);
}
