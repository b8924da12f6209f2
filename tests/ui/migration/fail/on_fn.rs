use migrate_core::migration;
use migrate_core::prelude::*;

#[migration(id = "3f1c0a9b2d4e", revises = "base")]
pub fn upgrade(m: &mut Migration) {
    m.execute("SELECT 1");
}

fn main() {}
