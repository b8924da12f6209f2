use migrate_core::migration;

#[migration(id = "Add-Email", revises = ["head", 42], mesage = "add email", id = "55296ad22e23")]
pub mod add_email {
    use migrate_core::prelude::*;

    pub async fn upgrade(m: &mut Migration) -> bool {
        m.execute("SELECT 1");
        true
    }

    pub fn downgrade(m: &mut Migration, table: &str) {
        m.execute("SELECT 1");
        let _ = table;
    }
}

fn main() {}
