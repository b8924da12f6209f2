use migrate_core::migration;

#[migration(id = "head", revises = "base")]
pub mod create_users {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.execute("SELECT 1");
    }
}

fn main() {}
