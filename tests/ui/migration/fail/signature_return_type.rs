use migrate_core::migration;

#[migration(id = "3f1c0a9b2d4e", revises = "base")]
pub mod create_users {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) -> Result<(), String> {
        m.execute("SELECT 1");
        Ok(())
    }
}

fn main() {}
