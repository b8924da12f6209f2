//! A migrations binary with one large backfill, for the kill-and-resume
//! tests of `tests/tests/backfill.rs` and the benchmark of
//! `scripts/bench-backfill.sh`:
//!
//! - `f001` creates `items (id, hits, note)` and fills it with `-x rows=N`
//!   rows (default 5,000) in one statement;
//! - `f002` backfills `hits = hits + 1` over every row, with no "still needs
//!   work" predicate, so a batch that ran twice or never shows in `hits`.
//!   `-x batch=N` fixes the batch size (default: adaptive), `-x pause_ms=N`
//!   sleeps between batches.

use std::time::Duration;

use migrate_core::migration;
use migrate_core::ops::Migration;

fn number(m: &Migration, key: &str) -> Option<u64> {
    m.arg(key).and_then(|v| v.parse().ok())
}

#[migration(id = "f001", revises = "base", message = "create and fill items")]
pub mod create_items {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        let rows = super::number(m, "rows").unwrap_or(5_000);
        m.create_table(
            Table::new("items")
                .column(Column::new("id").big_integer().primary_key())
                .column(Column::new("hits").integer().default(0))
                .column(Column::new("note").string(40).nullable()),
        );
        m.execute(format!(
            "INSERT INTO items (id, hits, note) SELECT n, 0, 'item' FROM ({}) AS numbers",
            migrate_tests::numbers(rows)
        ));
    }

    pub fn downgrade(m: &mut Migration) {
        m.drop_table("items");
    }
}

#[migration(id = "f002", revises = "f001", message = "count a visit on every item")]
pub mod backfill_items {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        let mut backfill = Backfill::new("items").set_sql("hits", "hits + 1");
        if let Some(batch) = super::number(m, "batch") {
            backfill = backfill.batch_size(batch);
        }
        if let Some(pause) = super::number(m, "pause_ms") {
            backfill = backfill.pause(super::Duration::from_millis(pause));
        }
        m.backfill(backfill);
    }

    pub fn downgrade(m: &mut Migration) {
        m.execute("UPDATE items SET hits = 0");
    }
}

fn main() -> std::process::ExitCode {
    migrate_cli::run()
}
