//! Claiming a step in phases: its audit row inserted as `started`, with
//! its backfills' rows, before its first phase runs.

use super::{PhaseResult, StepRun};
use crate::driver::{LockScope, Outcome};
use crate::migrator::backfill;
use crate::migrator::step_state::StepState;
use crate::{Error, store};

impl StepRun<'_> {
    /// A step in phases: creates the version tables if need be and inserts
    /// its audit row as `started`, with its backfills' rows. Under a
    /// per-step lock that happens in one transaction, which takes the lock:
    /// the heads must still be those the plan was made from and, for a step
    /// not being continued, no other migrator may have started it since.
    /// Otherwise two migrators that planned at once would both run its
    /// first phase; the one that finds the other's row plans again, and
    /// then waits for the owner as for any step that another migrator is
    /// running.
    pub(super) async fn claim(&mut self, from: usize) -> PhaseResult {
        if !*self.tables_exist {
            store::create_tables(self.db)
                .await
                .map_err(self.bookkeeping(StepState::NothingRan))?;
            *self.tables_exist = true;
        }
        self.audit.statements_done = from as i64;
        let fresh = self.resume.is_none();
        if self.db.lock_scope() != LockScope::Step {
            return self.write_claim(fresh).await.map(|()| None);
        }
        self.db.begin_step().await?;
        let claimed = async {
            if self
                .heads_moved()
                .await
                .map_err(self.bookkeeping(StepState::NothingRan))?
                || (fresh && self.started_elsewhere().await?)
            {
                return Ok(Some(self.raced()));
            }
            self.write_claim(fresh).await?;
            self.db
                .commit()
                .await
                .map_err(self.bookkeeping(StepState::NothingRan))?;
            Ok(None)
        }
        .await;
        if !matches!(claimed, Ok(None)) {
            if let Err(e) = self.db.rollback().await {
                tracing::warn!(error = %e, "rollback after a failed claim failed");
            }
        }
        claimed
    }

    /// Another migrator's step in flight is the newest row, `started` (as
    /// `status` sees it). An older `started` row that `repair` resolved
    /// since is history, not a claim.
    async fn started_elsewhere(&mut self) -> Result<bool, Error> {
        let newest = store::newest_step(self.db)
            .await
            .map_err(self.bookkeeping(StepState::NothingRan))?;
        Ok(newest.is_some_and(|row| {
            row.outcome == Outcome::Started
                && row.revision == self.audit.revision
                && row.direction == self.audit.direction
        }))
    }

    async fn write_claim(&mut self, fresh: bool) -> Result<(), Error> {
        self.audit.id = store::insert_audit(self.db, &self.audit)
            .await
            .map_err(self.bookkeeping(StepState::NothingRan))?;
        if backfill::backfills(self.step).next().is_some() {
            backfill::claim_rows(self.db, self.step, &self.owner, fresh)
                .await
                .map_err(self.bookkeeping(StepState::NothingRan))?;
        }
        Ok(())
    }
}
