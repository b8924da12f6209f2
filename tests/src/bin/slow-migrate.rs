//! A migrations binary with a step that takes long, for the Ctrl-C tests
//! of `tests/tests/interrupt.rs`:
//!
//! - `w001` creates `marks`;
//! - `w002` creates `during`, runs one long statement (`pg_sleep(600)` on
//!   PostgreSQL, a `BENCHMARK` of minutes on MySQL, a few seconds of
//!   counting on SQLite, which cannot be cancelled from outside), then
//!   creates `after_long`.

use migrate_core::migration;

#[migration(id = "w001", revises = "base", message = "create marks")]
pub mod create_marks {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.create_table(Table::new("marks").column(Column::new("id").integer().primary_key()));
    }
}

#[migration(id = "w002", revises = "w001", message = "a long step")]
pub mod long_step {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.create_table(Table::new("during").column(Column::new("id").integer().primary_key()));
        m.execute(
            RawSql::for_backend(Backend::Postgres, "SELECT pg_sleep(600)")
                .or_for(Backend::MySql, "SELECT BENCHMARK(100000000000, MD5('x'))")
                .or_for(
                    Backend::Sqlite,
                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 12000000) \
                     SELECT count(*) FROM c",
                )
                .reverse("SELECT 1"),
        );
        m.create_table(Table::new("after_long").column(Column::new("id").integer().primary_key()));
    }
}

fn main() -> std::process::ExitCode {
    migrate_cli::run()
}
