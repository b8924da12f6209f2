//! Running a backfill: key ranges over the table's key, one transaction per
//! batch, with the last key done stored in `migrate_backfill` in the same
//! transaction as the batch, so a killed run continues after it.
//!
//! Each batch first finds its upper bound, the `size`-th key after the last
//! one done (an index walk of `size` entries), then updates the rows in
//! `(last, bound]` that still need work. Never `OFFSET` over the table, and
//! never a join against a `LIMIT` subquery, which PostgreSQL may plan as a
//! hash join over the whole table.

mod check;
mod map;
mod rows;
mod walk;

use std::sync::Arc;
use std::time::Duration;

use super::RenderedStep;
use crate::Backend;
use crate::driver::DriverError;
use crate::render::{BackfillSql, Exec};

pub(crate) use rows::{claim_rows, read_rows};
pub(crate) use walk::Walk;

/// What a backfill reports after each batch, and once when it ends.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackfillProgress {
    /// The revision.
    pub revision: String,
    /// The operation, e.g. `backfill users.locale`.
    pub operation: String,
    /// Rows changed so far (over every run).
    pub rows_updated: u64,
    /// How far the walk is, in rows of the table (keys covered).
    pub position: u64,
    /// A cheap estimate of the table's rows, for a progress bar.
    pub estimate: Option<u64>,
    /// Batches committed so far (over every run).
    pub batches: u64,
    /// The size of the next batch.
    pub batch_size: u64,
    /// The last key done, as `(1042)` or `(7, 'b')`.
    pub last_key: Option<String>,
    /// The key this run started after, when it continued an earlier one.
    pub resumed_after: Option<String>,
    /// Whether the walk reached the end of the table.
    pub done: bool,
    /// Time spent by this run.
    #[serde(serialize_with = "serialize_secs")]
    pub elapsed: Duration,
}

fn serialize_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Called after every batch; see [`Migrator::with_progress`](super::Migrator::with_progress).
pub type OnProgress = Arc<dyn Fn(&BackfillProgress) + Send + Sync>;

/// How a backfill stopped early.
#[derive(Debug)]
pub(super) enum Stop {
    /// Found before any batch: no table, no key, an unknown column, a type
    /// mismatch.
    Invalid(String),
    /// A statement failed.
    Sql { sql: String, source: sqlx::Error },
    /// The Rust function refused a row.
    Row { key: String, why: String },
    /// [`max_rows`](crate::ops::Backfill::max_rows) was reached.
    Paused { rows: u64 },
    /// The run was interrupted between two batches.
    Interrupted { rows: u64 },
    /// Another migrator took the backfill over (per-step lock only).
    TakenOver { owner: String },
    /// A batch could not take the lock or open its transaction.
    Lock(DriverError),
}

impl Stop {
    fn sql(sql: &str) -> impl FnOnce(sqlx::Error) -> Stop + '_ {
        move |source| Stop::Sql {
            sql: sql.to_owned(),
            source,
        }
    }
}

/// One key column, with whether its values are written as bare numbers.
#[derive(Debug, Clone)]
struct KeyColumn {
    name: String,
    integer: bool,
}

/// The progress row of one backfill.
#[derive(Debug, Clone, Default)]
pub(crate) struct Progress {
    pub(crate) last_key: Option<Vec<String>>,
    pub(crate) rows_updated: u64,
    pub(crate) rows_scanned: u64,
    pub(crate) batches: u64,
    pub(crate) estimate: Option<u64>,
    pub(crate) owner: String,
    pub(crate) finished: bool,
    pub(crate) operation: String,
    /// Seconds since the row was last written.
    pub(crate) idle: f64,
}

impl Progress {
    /// The last key, as messages show it.
    pub(crate) fn last_key_text(&self) -> Option<String> {
        self.last_key
            .as_ref()
            .map(|k| format!("({})", k.join(", ")))
    }
}

/// The placeholders of `n` bound values.
fn placeholders(backend: Backend, n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| match backend {
            Backend::Postgres => format!("${i}"),
            Backend::MySql | Backend::Sqlite => "?".to_owned(),
        })
        .collect()
}

fn text_cast(backend: Backend, expr: &str) -> String {
    match backend {
        Backend::Postgres => format!("CAST({expr} AS text)"),
        Backend::MySql => format!("CAST({expr} AS CHAR)"),
        Backend::Sqlite => format!("CAST({expr} AS TEXT)"),
    }
}

fn seconds_since(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Postgres => format!("CAST(EXTRACT(EPOCH FROM (now() - {column})) AS text)"),
        Backend::MySql => format!(
            "CAST(TIMESTAMPDIFF(MICROSECOND, {column}, CURRENT_TIMESTAMP(6)) / 1000000 AS CHAR)"
        ),
        Backend::Sqlite => {
            format!("CAST((julianday('now') - julianday({column})) * 86400.0 AS TEXT)")
        }
    }
}

/// The backfills of a step: statement index and rendered backfill.
pub(super) fn backfills(step: &RenderedStep) -> impl Iterator<Item = (usize, &BackfillSql)> {
    step.statements
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match &s.exec {
            Exec::Backfill(backfill) => Some((i, backfill.as_ref())),
            _ => None,
        })
}

/// Who runs the backfills of this process.
pub(crate) fn owner_label() -> String {
    crate::driver::holder_label()
}

/// Whether the process `owner` names is alive, when that can be told: it
/// runs on this host, and `/proc` says whether its pid exists.
pub(crate) fn owner_alive(owner: &str) -> Option<bool> {
    // "migrate pid 4242 on web-1 since ..."
    let mut words = owner.split_whitespace().skip(2);
    let pid = words.next()?;
    let host = words.nth(1)?;
    if host != gethostname::gethostname().to_string_lossy() {
        return None;
    }
    let proc = std::path::Path::new("/proc");
    if !proc.is_dir() {
        return None;
    }
    Some(pid == std::process::id().to_string() || proc.join(pid).exists())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_on_this_host_is_alive_while_its_process_is() {
        let me = owner_label();
        assert_eq!(owner_alive(&me), Some(true));
        let host = gethostname::gethostname().to_string_lossy().into_owned();
        let gone = format!("migrate pid 999999999 on {host} since 2026-01-01T00:00:00Z");
        assert_eq!(owner_alive(&gone), Some(false));
        assert_eq!(
            owner_alive("migrate pid 1 on some-other-host since 2026-01-01T00:00:00Z"),
            None
        );
    }
}
