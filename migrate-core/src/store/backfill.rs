//! The progress table, `migrate_backfill`: one row per backfill of a step,
//! with its last key, counts, owner and when it last wrote.

use std::collections::BTreeMap;

use super::sql::{self, BackfillKey, Batch};
use crate::driver::Driver;

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

/// One backfill of a step, as [`claim`] records it.
#[derive(Debug, Clone)]
pub(crate) struct NewBackfill {
    pub(crate) statement: usize,
    /// What the operation is, for `status`.
    pub(crate) operation: String,
    /// The checksum of its statement alone.
    pub(crate) checksum: String,
}

/// Creates the progress table and makes sure each of `backfills` has its
/// row, owned by `owner`. A fresh run (`fresh`) drops what an earlier run
/// of the revision left; a continued one keeps the rows' progress.
pub(crate) async fn claim(
    db: &mut dyn Driver,
    step: BackfillKey<'_>,
    backfills: &[NewBackfill],
    owner: &str,
    fresh: bool,
) -> Result<(), sqlx::Error> {
    let backend = db.backend();
    db.execute(&sql::backfill_ddl(backend)).await?;
    if fresh {
        db.execute(&sql::delete_backfills(backend, step.revision))
            .await?;
    } else {
        db.execute(&sql::claim_backfills(backend, step, owner))
            .await?;
    }
    let existing = read(db, step).await?;
    for backfill in backfills {
        if existing.contains_key(&backfill.statement) {
            continue;
        }
        let key = BackfillKey {
            statement: backfill.statement,
            ..step
        };
        db.execute(&sql::insert_backfill(
            backend,
            key,
            &backfill.operation,
            &backfill.checksum,
            owner,
        ))
        .await?;
    }
    Ok(())
}

/// The progress rows of `step`'s revision in its direction, by statement,
/// each with the checksum its statement had when the row was made.
pub(crate) async fn read(
    db: &mut dyn Driver,
    step: BackfillKey<'_>,
) -> Result<BTreeMap<usize, (Progress, String)>, sqlx::Error> {
    let backend = db.backend();
    let found = db.fetch_text(&sql::find_backfill_table(backend)).await?;
    if found
        .first()
        .and_then(|r| r.first())
        .cloned()
        .flatten()
        .is_none()
    {
        return Ok(BTreeMap::new());
    }
    let mut out = BTreeMap::new();
    for row in db.fetch_text(&sql::select_backfills(backend, step)).await? {
        let cell = |i: usize| row.get(i).cloned().flatten();
        let number = |i: usize| cell(i).and_then(|v| v.parse::<u64>().ok());
        let statement = number(0).unwrap_or_default() as usize;
        let progress = Progress {
            operation: cell(1).unwrap_or_default(),
            last_key: cell(3).and_then(|k| serde_json::from_str(&k).ok()),
            rows_updated: number(4).unwrap_or_default(),
            rows_scanned: number(5).unwrap_or_default(),
            batches: number(6).unwrap_or_default(),
            estimate: number(7),
            owner: cell(8).unwrap_or_default(),
            idle: cell(9).and_then(|v| v.parse().ok()).unwrap_or(f64::MAX),
            finished: cell(10).is_some(),
        };
        out.insert(statement, (progress, cell(2).unwrap_or_default()));
    }
    Ok(out)
}

/// Who owns a backfill's row now, if it has one.
pub(crate) async fn owner(
    db: &mut dyn Driver,
    key: BackfillKey<'_>,
) -> Result<Option<String>, sqlx::Error> {
    let rows = db
        .fetch_text(&sql::select_backfill_owner(db.backend(), key))
        .await?;
    Ok(rows.first().and_then(|r| r.first()).cloned().flatten())
}

/// Records a batch, in the batch's transaction.
pub(crate) async fn save(
    db: &mut dyn Driver,
    key: BackfillKey<'_>,
    batch: &Batch<'_>,
) -> Result<(), sqlx::Error> {
    db.execute(&sql::save_batch(db.backend(), key, batch)).await
}

/// Marks a backfill done.
pub(crate) async fn finish(db: &mut dyn Driver, key: BackfillKey<'_>) -> Result<(), sqlx::Error> {
    db.execute(&sql::finish_backfill(db.backend(), key)).await
}
