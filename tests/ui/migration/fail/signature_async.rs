use migrate_core::migration;

#[migration(id = "3f1c0a9b2d4e", revises = "base")]
pub mod create_users {
    use migrate_core::prelude::*;

    pub async fn upgrade(m: &mut Migration) {
        m.execute("SELECT 1");
    }
}

fn main() {}
