use migrate_core::migration;

#[migration(id = "sql_args", revises = "base")]
pub mod bad_sql {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        // One `{}` for two arguments.
        m.execute_query(sql!("UPDATE {} SET done = 1", ident("tasks"), 5));
        // An unmatched brace.
        m.execute_query(sql!("UPDATE t SET j = '{' WHERE id = {}", 1));
    }
}

fn main() {}
