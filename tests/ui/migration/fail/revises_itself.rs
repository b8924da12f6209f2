use migrate_core::migration;

#[migration(id = "55296ad22e23", revises = ["3f1c0a9b2d4e", "55296ad22e23"])]
pub mod add_email {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.execute("SELECT 1");
    }
}

fn main() {}
