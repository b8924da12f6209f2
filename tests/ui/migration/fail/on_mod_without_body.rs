use migrate_core::migration;

#[migration(id = "3f1c0a9b2d4e", revises = "base")]
mod create_users;

fn main() {}
