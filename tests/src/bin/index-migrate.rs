//! A migrations binary whose second migration builds an index
//! `CONCURRENTLY` on a large table, for the replicas test of
//! `tests/tests/faults.rs` (runners waiting for the lock must not hold up
//! the index build):
//!
//! - `i001` creates `events (id, kind)` with `-x rows=N` rows (default
//!   1,000,000), in one statement;
//! - `i002` creates `ix_events_kind` concurrently (PostgreSQL; a plain
//!   index elsewhere).

use migrate_core::migration;

#[migration(id = "i001", revises = "base", message = "create and fill events")]
pub mod create_events {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        let rows: u64 = m
            .arg("rows")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000);
        m.create_table(
            Table::new("events")
                .column(Column::new("id").big_integer().primary_key())
                .column(Column::new("kind").integer()),
        );
        m.execute(format!(
            "INSERT INTO events (id, kind) SELECT n, n % 97 FROM ({}) AS numbers",
            migrate_tests::numbers(rows)
        ));
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_table("events");
    }
}

#[migration(
    id = "i002",
    revises = "i001",
    message = "index events by kind, concurrently"
)]
pub mod index_events {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.create_index(
            Index::new("ix_events_kind")
                .on("events", ["kind", "id"])
                .concurrently(),
        );
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_index("events", Index::new("ix_events_kind").concurrently());
    }
}

fn main() -> std::process::ExitCode {
    migrate_cli::run()
}
