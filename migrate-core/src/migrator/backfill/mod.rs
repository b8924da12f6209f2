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
mod walk;

use std::sync::Arc;
use std::time::Duration;

use std::collections::BTreeMap;

use super::RenderedStep;
use crate::driver::{Direction, Driver, DriverError};
use crate::ops::Operation;
use crate::render::{BackfillSql, Exec};
use crate::store::backfill::NewBackfill;
pub(crate) use crate::store::backfill::Progress;
use crate::store::{self, BackfillKey};

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

use crate::render::KeyColumn;

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

/// The key of statement `statement`'s progress row in `step`.
fn key(step: &RenderedStep, statement: usize) -> BackfillKey<'_> {
    BackfillKey {
        revision: step.registration.id,
        direction: step.direction,
        statement,
    }
}

/// The checksum of statement `i` alone.
fn statement_checksum(step: &RenderedStep, i: usize) -> String {
    crate::render::checksum(std::slice::from_ref(&step.statements[i]))
}

/// Creates the progress table and makes sure each backfill of the step has
/// its row, owned by `owner`. A fresh run (`fresh`) drops what an earlier
/// run of the revision left; a continued one keeps the rows' progress.
pub(crate) async fn claim_rows(
    db: &mut dyn Driver,
    step: &RenderedStep,
    owner: &str,
    fresh: bool,
) -> Result<(), sqlx::Error> {
    let new: Vec<NewBackfill> = backfills(step)
        .map(|(statement, backfill)| NewBackfill {
            statement,
            operation: Operation::Backfill(backfill.backfill.clone()).describe(),
            checksum: statement_checksum(step, statement),
        })
        .collect();
    store::backfill::claim(db, key(step, 0), &new, owner, fresh).await
}

/// The progress rows of `revision` in `direction`, by statement, each with
/// the checksum its statement had when the row was made.
pub(crate) async fn read_rows(
    db: &mut dyn Driver,
    revision: &str,
    direction: Direction,
) -> Result<BTreeMap<usize, (Progress, String)>, sqlx::Error> {
    let key = BackfillKey {
        revision,
        direction,
        statement: 0,
    };
    store::backfill::read(db, key).await
}
