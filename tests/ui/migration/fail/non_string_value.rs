use migrate_core::migration;

// The id is not quoted: `55296ad22e23` reads as an integer with a suffix.
#[migration(id = 55296ad22e23, revises = "3f1c0a9b2d4e")]
pub mod add_email {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.execute("SELECT 1");
    }
}

fn main() {}
