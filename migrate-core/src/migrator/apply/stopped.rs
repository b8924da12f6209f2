//! A backfill that stopped before its table's end: paused, interrupted,
//! taken over, or failed. What committed stays; the audit row says where
//! the step is, and the outcome or the error says what to do.

use super::statement::Failure;
use super::{StepEnd, StepRun};
use crate::Error;
use crate::driver::Outcome;
use crate::migrator::ApplyError;
use crate::migrator::backfill::{self, Stop};
use crate::migrator::step_state::{Committed, Interruption, StepState};
use crate::store;

impl StepRun<'_> {
    /// Records why the backfill at statement `i` stopped, and returns the
    /// step's end or the error that says what to do.
    pub(super) async fn backfill_stopped(
        &mut self,
        i: usize,
        stop: Stop,
    ) -> Result<StepEnd, Error> {
        let step = self.step;
        let rows = backfill::read_rows(self.db, step.registration.id, step.direction)
            .await
            .unwrap_or_default();
        let progress = rows.get(&i).map(|(p, _)| p.clone()).unwrap_or_default();
        let committed = Committed {
            batches: progress.batches,
            rows: progress.rows_updated,
            last_key: progress.last_key_text(),
        };
        let operation = step.describe_statement(i);
        let error = match stop {
            // As a pause: the committed batches stay, the step stays in its
            // backfill phase.
            Stop::Interrupted { rows } => {
                self.stay_at(i, "could not record the interrupted step")
                    .await;
                return Err(ApplyError::Interrupted {
                    state: Interruption::InBackfill {
                        revision: self.audit.revision.clone(),
                        direction: step.direction,
                        operation,
                        rows,
                        committed,
                    },
                }
                .into());
            }
            // Not a failure: the step stays in progress.
            Stop::Paused { rows } => {
                self.stay_at(i, "could not record the paused step").await;
                return Ok(StepEnd::Paused {
                    revision: self.audit.revision.clone(),
                    operation,
                    rows,
                    continue_at: committed.continue_at(),
                });
            }
            Stop::TakenOver { owner } => {
                tracing::warn!(revision = step.registration.id, %owner, "another migrator took the backfill over");
                self.finish(Outcome::Failed, i);
                self.audit.error = Some(format!("the backfill was taken over by {owner}"));
                let _ = store::update_audit(self.db, &self.audit).await;
                return Ok(self.raced());
            }
            Stop::Lock(error) => {
                self.audit.statements_done = i as i64;
                let _ = store::update_audit(self.db, &self.audit).await;
                return Err(error.into());
            }
            Stop::Invalid(problem) => ApplyError::Backfill {
                revision: self.audit.revision.clone(),
                direction: step.direction,
                number: i + 1,
                total: step.statements.len(),
                operation,
                problem: format!("{problem}; no batch ran"),
                state: StepState::BackfillRefused { statement: i },
            },
            Stop::Row { key, why } => ApplyError::Backfill {
                revision: self.audit.revision.clone(),
                direction: step.direction,
                number: i + 1,
                total: step.statements.len(),
                operation,
                problem: format!("the Rust function failed on the row with key {key}: {why}"),
                state: StepState::BatchRolledBack {
                    committed,
                    function: true,
                },
            },
            Stop::Sql { sql, source } => {
                let failure = Failure {
                    sql: Some(sql),
                    source: source.into(),
                };
                let state = StepState::BatchRolledBack {
                    committed,
                    function: false,
                };
                self.statement_error(i, failure, state)
            }
        };
        self.finish(Outcome::Failed, i);
        self.audit.error = Some(error.to_string());
        if let Err(e) = store::update_audit(self.db, &self.audit).await {
            tracing::warn!(error = %e, "could not record the failed backfill");
        }
        Err(Box::new(error).into())
    }

    /// The step stays at statement `i`, in progress.
    async fn stay_at(&mut self, i: usize, warning: &str) {
        self.audit.statements_done = i as i64;
        if let Err(e) = store::update_audit(self.db, &self.audit).await {
            tracing::warn!(error = %e, "{warning}");
        }
    }
}
