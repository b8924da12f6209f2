use migrate_core::migration;

#[migration(id = "3f1c0a9b2d4e", revises = "base")]
pub mod create_users {
    pub fn upgrade() {}
}

fn main() {}
