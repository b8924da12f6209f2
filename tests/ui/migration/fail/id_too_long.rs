use migrate_core::migration;

#[migration(id = "create_users_table_with_email_and_name", revises = "base")]
pub mod create_users {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.execute("SELECT 1");
    }
}

fn main() {}
