//! The walk: key-range batches, each in its own transaction with its last
//! key, until the table's end.

use std::time::Instant;

use super::{
    BackfillProgress, KeyColumn, OnProgress, Progress, RenderedStep, Stop, key, read_rows,
    statement_checksum,
};
use crate::Backend;
use crate::driver::{Driver, LockScope};
use crate::ops::{Operation, Work};
use crate::render::BackfillSql;
use crate::store::{self, Batch};

/// The state a run needs to walk one backfill.
pub(crate) struct Walk<'a> {
    pub(crate) db: &'a mut dyn Driver,
    pub(crate) step: &'a RenderedStep,
    pub(crate) statement: usize,
    pub(crate) backfill: &'a BackfillSql,
    pub(crate) owner: &'a str,
    pub(crate) on_progress: Option<&'a OnProgress>,
}

impl Walk<'_> {
    pub(super) fn backend(&self) -> Backend {
        self.backfill.backend
    }

    /// Runs every batch left. Returns the rows updated by this run.
    pub(crate) async fn run(mut self) -> Result<u64, Stop> {
        let rows = read_rows(self.db, self.step.registration.id, self.step.direction)
            .await
            .map_err(Stop::sql("SELECT ... FROM migrate_backfill"))?;
        let (mut progress, recorded) = rows.get(&self.statement).cloned().unwrap_or_default();
        if progress.finished {
            return Ok(0);
        }
        if progress.batches > 0 && recorded != statement_checksum(self.step, self.statement) {
            return Err(Stop::Invalid(format!(
                "it changed after {} of its batches ran (up to key {}), so the rows before and after that key would be treated differently; revert the edit to finish it, or undo it by hand and record that with `repair {} --reverted`",
                progress.batches,
                progress.last_key_text().unwrap_or_default(),
                self.step.registration.id
            )));
        }
        let key = self.check().await?;
        let resumed_after = progress.last_key_text();
        if progress.estimate.is_none() {
            progress.estimate = self.estimate(&key).await;
        }
        let start = Instant::now();
        let mut size = self.backfill.backfill.batch.rows;
        let mut updated_now = 0u64;
        let first_key = self.first_integer_key(&key).await;
        loop {
            if self.db.interrupter().is_interrupted() {
                return Err(Stop::Interrupted { rows: updated_now });
            }
            if let Some(max) = self.backfill.backfill.max_rows {
                if updated_now >= max {
                    return Err(Stop::Paused { rows: updated_now });
                }
            }
            let began = Instant::now();
            let batch = self.batch(&key, &progress, size, first_key).await;
            let (updated, bound, position) = match batch {
                Ok(Some(done)) => done,
                Ok(None) => break,
                Err(stop) => {
                    if let Err(e) = self.db.rollback().await {
                        tracing::warn!(error = %e, "rollback after a failed batch failed");
                    }
                    return Err(stop);
                }
            };
            updated_now += updated;
            progress.rows_updated += updated;
            progress.batches += 1;
            progress.rows_scanned = position;
            progress.last_key = Some(bound);
            size = self.backfill.backfill.batch.next(size, began.elapsed());
            self.report(&progress, size, &resumed_after, false, start);
            if !self.backfill.backfill.pause.is_zero() {
                tokio::time::sleep(self.backfill.backfill.pause).await;
            }
        }
        self.finish().await?;
        progress.estimate = progress.estimate.map(|e| e.max(progress.rows_scanned));
        self.report(&progress, size, &resumed_after, true, start);
        Ok(updated_now)
    }

    pub(super) fn report(
        &self,
        progress: &Progress,
        size: u64,
        resumed_after: &Option<String>,
        done: bool,
        start: Instant,
    ) {
        let report = BackfillProgress {
            revision: self.step.registration.id.to_owned(),
            operation: Operation::Backfill(self.backfill.backfill.clone()).describe(),
            rows_updated: progress.rows_updated,
            position: progress.rows_scanned,
            estimate: progress.estimate,
            batches: progress.batches,
            batch_size: size,
            last_key: progress.last_key_text(),
            resumed_after: resumed_after.clone(),
            done,
            elapsed: start.elapsed(),
        };
        tracing::debug!(
            revision = %report.revision,
            operation = %report.operation,
            rows = report.rows_updated,
            batches = report.batches,
            last_key = report.last_key.as_deref().unwrap_or(""),
            "backfill batch committed"
        );
        if let Some(on_progress) = self.on_progress {
            on_progress(&report);
        }
    }

    /// A cheap count of the table's rows: the span of an integer key (two
    /// index lookups), else the planner's estimate (PostgreSQL, MySQL) or a
    /// count (SQLite).
    pub(super) async fn estimate(&mut self, key: &[KeyColumn]) -> Option<u64> {
        if let [only] = key {
            if only.integer {
                let rows = self
                    .db
                    .fetch_text(&self.backfill.key_span(&only.name))
                    .await
                    .ok()?;
                let row = rows.first()?;
                let number = |i: usize| row.get(i).cloned().flatten()?.parse::<i64>().ok();
                return Some(match (number(0), number(1)) {
                    (Some(min), Some(max)) => (max - min + 1).max(0) as u64,
                    _ => 0,
                });
            }
        }
        let rows = self
            .db
            .fetch_text(&self.backfill.row_estimate())
            .await
            .ok()?;
        let estimate: i64 = rows.first()?.first()?.as_deref()?.parse().ok()?;
        (estimate > 0).then_some(estimate as u64)
    }

    pub(super) async fn first_integer_key(&mut self, key: &[KeyColumn]) -> Option<i64> {
        let [only] = key else { return None };
        if !only.integer {
            return None;
        }
        let sql = self.backfill.first_key(&only.name);
        let rows = self.db.fetch_text(&sql).await.ok()?;
        rows.first()?.first()?.as_deref()?.parse().ok()
    }

    /// The key `size` rows after `last` (or the table's last key, when
    /// fewer are left), or `None` at the end.
    pub(super) async fn bound(
        &mut self,
        key: &[KeyColumn],
        last: Option<&[String]>,
        size: u64,
    ) -> Result<Option<(Vec<String>, u64)>, Stop> {
        let sql = self.backfill.bound(key, last, size);
        let rows = self.db.fetch_text(&sql).await.map_err(Stop::sql(&sql))?;
        if let Some(row) = rows.into_iter().next() {
            return Ok(Some((
                row.into_iter().map(Option::unwrap_or_default).collect(),
                size,
            )));
        }
        let sql = self.backfill.last_key(key, last);
        let rows = self.db.fetch_text(&sql).await.map_err(Stop::sql(&sql))?;
        Ok(rows.into_iter().next().map(|row| {
            (
                row.into_iter().map(Option::unwrap_or_default).collect(),
                // Fewer than `size` were left; the span says how many.
                0,
            )
        }))
    }

    /// One batch in its own transaction: `Some((updated, last key,
    /// keys covered))`, or `None` when no key is left.
    pub(super) async fn batch(
        &mut self,
        key: &[KeyColumn],
        progress: &Progress,
        size: u64,
        first_key: Option<i64>,
    ) -> Result<Option<(u64, Vec<String>, u64)>, Stop> {
        self.db.begin_step().await.map_err(Stop::Lock)?;
        if self.db.lock_scope() == LockScope::Step {
            self.check_owner().await?;
        }
        let last = progress.last_key.as_deref();
        let Some((bound, scanned)) = self.bound(key, last, size).await? else {
            self.db.rollback().await.map_err(Stop::sql("ROLLBACK"))?;
            return Ok(None);
        };
        let mut range = Vec::new();
        if let Some(last) = last {
            range.push(self.backfill.compare(key, last, ">"));
        }
        range.push(self.backfill.compare(key, &bound, "<="));
        let range = range.join(" AND ");
        let updated = match &self.backfill.backfill.work {
            Work::Set(_) => {
                let sql = self.backfill.update(Some(&range));
                self.db
                    .execute_affected(&sql)
                    .await
                    .map_err(Stop::sql(&sql))?
            }
            Work::Map { .. } => self.map_batch(key, &range).await?,
        };
        // How far the walk is: exact from an integer key's span, else the
        // keys counted (the last, short batch is not counted).
        let position = match (first_key, bound.first().map(|b| b.parse::<i64>())) {
            (Some(first), Some(Ok(last))) if key.len() == 1 => (last - first + 1).max(0) as u64,
            _ => progress.rows_scanned + scanned,
        };
        self.save(&bound, updated, position, progress).await?;
        self.db.commit().await.map_err(Stop::sql("COMMIT"))?;
        Ok(Some((updated, bound, position)))
    }

    /// Per-step lock: another migrator may have taken the backfill over
    /// between two batches; stop rather than walk beside it.
    pub(super) async fn check_owner(&mut self) -> Result<(), Stop> {
        let owner = store::backfill::owner(self.db, key(self.step, self.statement))
            .await
            .map_err(Stop::sql("SELECT owner FROM migrate_backfill"))?;
        match owner {
            Some(owner) if owner != self.owner => {
                let _ = self.db.rollback().await;
                Err(Stop::TakenOver { owner })
            }
            _ => Ok(()),
        }
    }

    /// Stores the batch's last key and counts, in the batch's transaction.
    pub(super) async fn save(
        &mut self,
        bound: &[String],
        updated: u64,
        position: u64,
        progress: &Progress,
    ) -> Result<(), Stop> {
        let last_key = serde_json::to_string(bound).unwrap_or_default();
        let batch = Batch {
            last_key: &last_key,
            updated,
            position,
            estimate: progress.estimate,
            owner: self.owner,
        };
        store::backfill::save(self.db, key(self.step, self.statement), &batch)
            .await
            .map_err(Stop::sql("UPDATE migrate_backfill SET last_key = ..."))
    }

    /// Marks the backfill done.
    pub(super) async fn finish(&mut self) -> Result<(), Stop> {
        store::backfill::finish(self.db, key(self.step, self.statement))
            .await
            .map_err(Stop::sql("UPDATE migrate_backfill SET finished_at = ..."))
    }
}
