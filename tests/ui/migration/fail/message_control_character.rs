use migrate_core::migration;

#[migration(id = "aaaa", revises = "base", message = "add note\nDROP TABLE important;")]
pub mod add_note {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.execute("SELECT 1");
    }
}

fn main() {}
