//! Running one step with its version update: one phase engine over a
//! [`StepRun`].
//!
//! A step runs as phases. Most steps on PostgreSQL and SQLite are one
//! phase: the statements, the heads-table change and the audit row commit
//! in one transaction, so a failure leaves schema and version tables
//! exactly as they were. A step with a backfill, a step on MySQL (which
//! commits DDL implicitly) and a PostgreSQL step with `CONCURRENTLY` run in
//! several: their audit row is claimed as `started` first, and each phase
//! commits with its count of statements done, so a failure or a crash
//! part-way stays visible in `status`, and the next run continues from
//! there when nothing is in doubt.

mod claim;
mod statement;
mod stopped;

use std::time::Instant;

use chrono::Utc;

use super::backfill::{self, OnProgress};
use super::step_state::StepState;
use super::timeouts::{Timeouts, backoff, bounded};
use super::{ApplyError, RenderedStep, StepReport};
use crate::driver::{AuditRow, Driver, LockScope, Outcome};
use crate::render::Exec;
use crate::store::{self, sql::Audit, sql::Stamp};
use crate::{Backend, Error, Owner};
#[cfg(feature = "testing")]
pub(crate) use statement::execute_statement;
use statement::{Failure, run_statement};

/// How the heads table must change for one step.
#[derive(Debug)]
pub(super) struct HeadsChange<'a> {
    /// The heads before the step, to check that nobody else moved them.
    pub(super) expected: Vec<&'a str>,
    pub(super) delete: Vec<&'a str>,
    pub(super) insert: Vec<&'a str>,
}

/// Where `resume` picks up a step that stopped part-way.
#[derive(Debug, Clone, Copy)]
pub(super) struct Resume {
    /// The first statement not recorded as done (0-based).
    pub(super) from: usize,
    /// Whether that statement may have run anyway: the process died between
    /// running it and counting it. It is run again, and an error saying its
    /// effect is already there counts as done.
    pub(super) uncertain: bool,
}

/// How a step ended, short of failing.
#[derive(Debug)]
pub(super) enum StepEnd {
    /// It ran and is recorded.
    Done(StepReport),
    /// Under a per-step lock, another migrator moved the heads first (or
    /// took the step's backfill over): nothing of this step was recorded by
    /// this run, which plans again.
    Raced {
        /// The revision about to be recorded.
        revision: String,
    },
    /// A backfill reached its `max_rows`: the step stays in progress.
    Paused {
        /// The revision.
        revision: String,
        /// The backfill.
        operation: String,
        /// Rows this run updated.
        rows: u64,
        /// Where the next run starts.
        continue_at: super::step_state::ContinueAt,
    },
}

impl StepEnd {
    /// The report of a step that ran; the other ends as the errors a caller
    /// that does not handle them returns.
    pub(super) fn into_report(self) -> Result<StepReport, Error> {
        match self {
            StepEnd::Done(report) => Ok(report),
            StepEnd::Raced { revision } => Err(ApplyError::ConcurrentChange { revision }.into()),
            StepEnd::Paused {
                revision,
                operation,
                rows,
                continue_at,
            } => Err(ApplyError::BackfillPaused {
                revision,
                operation,
                rows,
                continue_at,
            }
            .into()),
        }
    }
}

/// How the statements of a step group: a run of statements that share one
/// transaction, a backfill, or one statement that commits on its own
/// (MySQL DDL, `CONCURRENTLY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Statements `first..end` in one transaction.
    Transaction { first: usize, end: usize },
    /// The backfill at this statement.
    Backfill(usize),
    /// One statement outside a transaction.
    Alone(usize),
}

/// The phases of a step in phases, from statement `from`.
fn phases(step: &RenderedStep, backend: Backend, from: usize) -> Vec<Phase> {
    let mut phases = Vec::new();
    let mut i = from;
    while i < step.statements.len() {
        if is_backfill(step, i) {
            phases.push(Phase::Backfill(i));
            i += 1;
        } else if backend.transactional_ddl() && step.statements[i].transactional {
            let first = i;
            while i < step.statements.len()
                && step.statements[i].transactional
                && !is_backfill(step, i)
            {
                i += 1;
            }
            phases.push(Phase::Transaction { first, end: i });
        } else {
            phases.push(Phase::Alone(i));
            i += 1;
        }
    }
    phases
}

fn is_backfill(step: &RenderedStep, i: usize) -> bool {
    matches!(step.statements[i].exec, Exec::Backfill(_))
}

/// Whether statement `i` of a step can run again after an interruption
/// with no doubt about what it did: a backfill (its progress commits with
/// each batch) or a statement that shares a transaction with the audit
/// row's count.
pub(super) fn restartable_at(step: &RenderedStep, backend: Backend, i: usize) -> bool {
    i < step.statements.len()
        && (is_backfill(step, i)
            || (backend.transactional_ddl() && step.statements[i].transactional))
}

/// Runs one step: the whole of it, or (`resume`) what is left of it.
pub(super) async fn run_step(
    db: &mut dyn Driver,
    step: &RenderedStep,
    change: &HeadsChange<'_>,
    tables_exist: &mut bool,
    resume: Option<Resume>,
    on_progress: Option<&OnProgress>,
    timeouts: Timeouts,
) -> Result<StepEnd, Error> {
    let in_phases = !db.backend().transactional_ddl()
        || step.non_transactional()
        || resume.is_some()
        || backfill::backfills(step).next().is_some();
    let run = StepRun {
        audit: step.audit_row(Outcome::Started),
        db,
        step,
        change,
        tables_exist,
        start: Instant::now(),
        resume,
        on_progress,
        timeouts: timeouts.for_plan(&step.plan),
        claimed: in_phases,
        // Only a step in phases writes it (on its backfills' rows).
        owner: if in_phases {
            Owner::this_process().to_string()
        } else {
            String::new()
        },
    };
    run.run().await
}

/// One step's run: where it runs, what it moves, and its audit row as it
/// goes.
struct StepRun<'a> {
    db: &'a mut dyn Driver,
    step: &'a RenderedStep,
    change: &'a HeadsChange<'a>,
    /// Whether the version tables exist; true once the first step made
    /// them.
    tables_exist: &'a mut bool,
    audit: AuditRow,
    start: Instant,
    resume: Option<Resume>,
    on_progress: Option<&'a OnProgress>,
    /// How its transactions wait for table locks.
    timeouts: Timeouts,
    /// Whether the step runs in phases, its audit row claimed (inserted
    /// as `started`) before the first; otherwise it is one transaction
    /// that inserts its row with its commit.
    claimed: bool,
    /// Who runs it, for its backfills' rows.
    owner: String,
}

/// What a phase returns when the step does not go on to the next.
type PhaseResult = Result<Option<StepEnd>, Error>;

impl StepRun<'_> {
    async fn run(mut self) -> Result<StepEnd, Error> {
        let total = self.step.statements.len();
        // MySQL: DDL waits for its metadata lock this long, then gives its
        // place in the queue up (and runs again: `alone`).
        self.db
            .set_lock_wait(self.timeouts.lock_timeout)
            .await
            .map_err(self.bookkeeping(StepState::NothingRan))?;
        let phases = if self.claimed {
            let from = self.resume.map_or(0, |r| r.from);
            if let Some(end) = self.claim(from).await? {
                return Ok(end);
            }
            phases(self.step, self.db.backend(), from)
        } else {
            vec![Phase::Transaction {
                first: 0,
                end: total,
            }]
        };
        let mut recorded = false;
        for phase in phases {
            let end = match phase {
                Phase::Transaction { first, end } => {
                    recorded = end == total;
                    self.transaction(first, end).await?
                }
                Phase::Backfill(i) => self.backfill(i).await?,
                Phase::Alone(i) => self.alone(i).await?,
            };
            if let Some(end) = end {
                return Ok(end);
            }
        }
        if !recorded {
            if let Some(end) = self.record().await? {
                return Ok(end);
            }
        }
        Ok(StepEnd::Done(StepReport {
            revision: self.audit.revision,
            message: self.step.registration.summary(),
            direction: self.step.direction,
            statements: total,
            duration: self.start.elapsed(),
        }))
    }

    /// The error for a version-table write that failed, leaving `state`.
    fn bookkeeping(&self, state: StepState) -> impl FnOnce(sqlx::Error) -> Error + use<> {
        let (revision, direction) = (self.step.registration.id.to_owned(), self.step.direction);
        move |source| {
            ApplyError::Bookkeeping {
                revision,
                direction,
                state,
                source,
            }
            .into()
        }
    }

    /// Whether `statement_timeout` bounds statements `first..end`.
    pub(super) fn bounded(&self, first: usize, end: usize) -> bool {
        self.step.statements[first..end]
            .iter()
            .all(|s| self.step.plan.operations().get(s.op).is_some_and(bounded))
    }

    fn raced(&self) -> StepEnd {
        StepEnd::Raced {
            revision: self.step.registration.id.to_owned(),
        }
    }

    fn finish(&mut self, outcome: Outcome, done: usize) {
        self.audit.outcome = outcome;
        self.audit.statements_done = done as i64;
        self.audit.finished_at = Some(Utc::now());
        self.audit.duration_ms = Some(
            self.start
                .elapsed()
                .as_millis()
                .try_into()
                .unwrap_or(i64::MAX),
        );
    }

    /// Under a per-step lock, in the open transaction: whether another
    /// migrator moved the heads since the plan was made. Reads the heads
    /// only when the version tables exist (tables seen earlier in the run
    /// are still there: one query less per step).
    async fn heads_moved(&mut self) -> Result<bool, sqlx::Error> {
        if self.db.lock_scope() != LockScope::Step {
            return Ok(false);
        }
        let exists = *self.tables_exist || store::tables_exist(self.db).await?;
        let heads = if exists {
            store::read_heads(self.db).await?
        } else {
            Vec::new()
        };
        *self.tables_exist = exists;
        Ok(heads != self.change.expected)
    }

    /// Statements `first..end` in one transaction with the audit row: its
    /// count, or (the step's last phase) the heads change and success.
    /// On PostgreSQL the transaction waits at most `lock_timeout` for a
    /// table lock; when it times out, it is rolled back (nothing of it
    /// stays) and run again after a backoff with jitter, until the retry
    /// budget is spent: the other sessions queued behind the lock are not
    /// held up for longer than the timeout.
    async fn transaction(&mut self, first: usize, end: usize) -> PhaseResult {
        let mut retry = LockRetry::new("the step's transaction rolled back");
        loop {
            let result = self.transaction_once(first, end).await;
            if let Err(TransactionError::Statement(_, failure)) = &result {
                if retry
                    .again(failure, &*self.db, self.timeouts, &self.audit.revision)
                    .await
                {
                    continue;
                }
            }
            return self.transaction_end(first, result).await;
        }
    }

    /// One attempt at [`transaction`](Self::transaction): rolled back
    /// when it fails.
    async fn transaction_once(
        &mut self,
        first: usize,
        end: usize,
    ) -> Result<Option<StepEnd>, TransactionError> {
        let last = end == self.step.statements.len();
        let rolled_back = if self.claimed {
            StepState::PhaseRolledBack {
                revision: self.audit.revision.clone(),
                first,
            }
        } else {
            StepState::BookkeepingRolledBack
        };
        let rebuilds = self.step.statements[first..end]
            .iter()
            .any(|s| matches!(s.exec, Exec::SqliteRebuild(_)));
        let foreign_keys = if rebuilds {
            let state = if self.claimed {
                rolled_back.clone()
            } else {
                StepState::NothingRan
            };
            self.db
                .suspend_foreign_keys()
                .await
                .map_err(self.bookkeeping(state))?
        } else {
            false
        };
        if let Err(error) = self.db.begin_step().await {
            self.db.restore_foreign_keys(foreign_keys).await;
            return Err(TransactionError::Other(error.into()));
        }
        let result = self
            .in_transaction(first, end, last, foreign_keys, rolled_back)
            .await;
        if !matches!(result, Ok(None)) {
            if let Err(e) = self.db.rollback().await {
                tracing::warn!(error = %e, "rollback after a failed step failed");
            }
            if self.claimed {
                self.audit.outcome = Outcome::Started;
                self.audit.finished_at = None;
                self.audit.duration_ms = None;
                self.audit.statements_done = first as i64;
            }
        }
        self.db.restore_foreign_keys(foreign_keys).await;
        result
    }

    /// What a transaction's last attempt ended with, said.
    async fn transaction_end(
        &mut self,
        first: usize,
        result: Result<Option<StepEnd>, TransactionError>,
    ) -> PhaseResult {
        match result {
            Err(TransactionError::Statement(i, failure)) => {
                Err(self.transaction_failed(first, i, failure).await)
            }
            Err(TransactionError::Other(error)) => {
                if !self.claimed {
                    self.record_attempt(&error.to_string()).await;
                }
                Err(error)
            }
            Ok(end) => Ok(end),
        }
    }

    async fn in_transaction(
        &mut self,
        first: usize,
        end: usize,
        last: bool,
        foreign_keys: bool,
        rolled_back: StepState,
    ) -> Result<Option<StepEnd>, TransactionError> {
        if self.db.backend() == Backend::Postgres {
            // A statement timeout only where every statement is a schema
            // change: never an index build, a validation or data.
            let statement = self
                .timeouts
                .statement_timeout
                .filter(|_| self.bounded(first, end));
            let sets =
                crate::render::sql::transaction_timeouts(self.timeouts.lock_timeout, statement);
            if !sets.is_empty() {
                // One round trip for both.
                self.db
                    .execute(&sets.join("; "))
                    .await
                    .map_err(self.bookkeeping(rolled_back.clone()))?;
            }
        }
        // The lock may have been taken only now, with the transaction:
        // re-read what the plan was made from.
        if (last || !self.claimed)
            && self
                .heads_moved()
                .await
                .map_err(self.bookkeeping(rolled_back.clone()))?
        {
            return Ok(Some(self.raced()));
        }
        if !*self.tables_exist {
            // Created on first write, inside the first step's transaction.
            store::create_tables(self.db)
                .await
                .map_err(self.bookkeeping(rolled_back.clone()))?;
        }
        for i in first..end {
            run_statement(self.db, &self.step.statements[i])
                .await
                .map_err(|failure| TransactionError::Statement(i, failure))?;
        }
        if foreign_keys {
            self.db
                .check_foreign_keys()
                .await
                .map_err(|e| TransactionError::Statement(end - 1, e.into()))?;
        }
        let (delete, insert): (&[&str], &[&str]) = if last {
            self.finish(Outcome::Success, end);
            (&self.change.delete, &self.change.insert)
        } else {
            self.audit.statements_done = end as i64;
            (&[], &[])
        };
        let record = if self.claimed {
            Audit::Update
        } else {
            Audit::Insert(Stamp::Recorded)
        };
        store::commit_step(self.db, delete, insert, &self.audit, record)
            .await
            .map_err(self.bookkeeping(rolled_back))?;
        *self.tables_exist = true;
        Ok(None)
    }

    /// Statement `i` of the transaction of statements from `first` failed,
    /// and the transaction rolled back: records the attempt and says so.
    async fn transaction_failed(&mut self, first: usize, i: usize, failure: Failure) -> Error {
        if self.claimed {
            let state = StepState::PhaseRolledBack {
                revision: self.audit.revision.clone(),
                first,
            };
            return self.failed(first, i, failure, state).await;
        }
        let data = failure.caused_by_data(&self.step.statements[i]);
        let error = self.statement_error(i, failure, StepState::RolledBack { data });
        self.record_attempt(&error.to_string()).await;
        Box::new(error).into()
    }

    /// Keeps a trace of a step in one transaction that failed, outside the
    /// rolled-back transaction: nothing of the step stays. Version tables
    /// that did not exist before the run are not created just for this.
    async fn record_attempt(&mut self, error: &str) {
        if *self.tables_exist {
            self.finish(Outcome::Failed, 0);
            self.audit.error = Some(error.to_owned());
            if let Err(e) = store::insert_audit(self.db, &self.audit).await {
                tracing::warn!(error = %e, "could not record the failed attempt");
            }
        }
    }

    /// Records a step in phases as failed at statement `i`, with `done`
    /// statements applied, and returns the error.
    async fn failed(&mut self, done: usize, i: usize, failure: Failure, state: StepState) -> Error {
        let error = self.statement_error(i, failure, state);
        self.finish(Outcome::Failed, done);
        self.audit.error = Some(error.to_string());
        if let Err(e) = store::update_audit(self.db, &self.audit).await {
            tracing::warn!(error = %e, "could not record the failed step");
        }
        Box::new(error).into()
    }

    /// Counts statement `i` as done in the audit row.
    async fn count(&mut self, i: usize, state: StepState) -> Result<(), Error> {
        self.audit.statements_done = i as i64 + 1;
        store::update_audit(self.db, &self.audit)
            .await
            .map_err(self.bookkeeping(state))
    }

    /// The backfill at statement `i`, batch by batch.
    async fn backfill(&mut self, i: usize) -> PhaseResult {
        let Exec::Backfill(rendered) = &self.step.statements[i].exec else {
            unreachable!("a backfill phase is a backfill statement");
        };
        let walk = backfill::Walk {
            db: &mut *self.db,
            step: self.step,
            statement: i,
            backfill: rendered,
            owner: &self.owner,
            on_progress: self.on_progress,
        };
        match walk.run().await {
            Ok(_) => self
                .count(i, StepState::BackfillAuditLags)
                .await
                .map(|()| None),
            Err(stop) => self.backfill_stopped(i, stop).await.map(Some),
        }
    }

    /// Statement `i`, outside a transaction.
    async fn alone(&mut self, i: usize) -> PhaseResult {
        let uncertain = self.resume.is_some_and(|r| r.uncertain && r.from == i);
        let statement = &self.step.statements[i];
        let index = statement::concurrent_index(self.step, i);
        let mut retry = LockRetry::new("the statement did nothing");
        let outcome = loop {
            let outcome = match index {
                Some(index) => {
                    statement::run_concurrent_index(self.db, statement, index, uncertain).await
                }
                None => run_statement(self.db, statement).await,
            };
            // MySQL DDL that timed out waiting for its metadata lock runs
            // again, as a PostgreSQL transaction does.
            let again = match &outcome {
                Err(failure) => {
                    retry
                        .again(failure, &*self.db, self.timeouts, &self.audit.revision)
                        .await
                }
                Ok(()) => false,
            };
            if !again {
                break outcome;
            }
        };
        let failure = match outcome {
            Ok(()) => None,
            Err(failure) if uncertain && failure.already_applied(&*self.db) => {
                tracing::warn!(
                    revision = self.step.registration.id,
                    statement = i + 1,
                    error = %failure.source,
                    "statement had already run before the interruption; counting it as done"
                );
                None
            }
            Err(failure) => Some(failure),
        };
        let Some(failure) = failure else {
            return self.count(i, StepState::AuditLags).await.map(|()| None);
        };
        let index = match index {
            Some(index) => statement::drop_invalid_index(self.db, index).await,
            None => None,
        };
        let data = failure.caused_by_data(&self.step.statements[i]);
        let state = if i == 0 {
            StepState::NothingApplied { index, data }
        } else {
            StepState::PartlyApplied {
                revision: self.audit.revision.clone(),
                ddl_commits: !self.db.backend().transactional_ddl(),
                done: i,
                total: self.step.statements.len(),
                data,
                index,
            }
        };
        Err(self.failed(i, i, failure, state).await)
    }

    /// After a last phase that was not a transaction (a backfill, a
    /// statement alone): moves the heads and records success.
    async fn record(&mut self) -> PhaseResult {
        let total = self.step.statements.len();
        self.db.begin_step().await?;
        let result = async {
            if self.heads_moved().await? {
                return Ok(Some(self.raced()));
            }
            self.finish(Outcome::Success, total);
            let change = self.change;
            store::commit_step(
                self.db,
                &change.delete,
                &change.insert,
                &self.audit,
                Audit::Update,
            )
            .await
            .map(|()| None)
        }
        .await;
        if !matches!(result, Ok(None)) {
            let _ = self.db.rollback().await;
        }
        result.map_err(self.bookkeeping(StepState::HeadsNotWritten))
    }
}

/// Running again after lock timeouts: a backoff with jitter between
/// attempts, until the retry budget is spent, so that the sessions queued
/// behind the lock are not held up for longer than the timeout.
struct LockRetry {
    started: Instant,
    attempt: u32,
    /// What became of the attempt that timed out, for the log.
    undone: &'static str,
}

impl LockRetry {
    fn new(undone: &'static str) -> Self {
        Self {
            started: Instant::now(),
            attempt: 0,
            undone,
        }
    }

    /// Whether `failure` is a lock timeout worth another attempt; if so,
    /// waits the backoff first. A lock timeout past the budget is logged.
    async fn again(
        &mut self,
        failure: &Failure,
        db: &dyn Driver,
        timeouts: Timeouts,
        revision: &str,
    ) -> bool {
        if !failure.lock_timed_out(db) || timeouts.lock_timeout.is_none() {
            return false;
        }
        let elapsed = self.started.elapsed();
        if elapsed >= timeouts.retry_budget {
            tracing::warn!(
                revision,
                attempts = self.attempt + 1,
                waited_s = elapsed.as_secs(),
                "timed out waiting for a table lock on every attempt, and {}: run it again once the long transaction holding the lock has ended",
                self.undone
            );
            return false;
        }
        let wait = backoff(self.attempt).min(timeouts.retry_budget.saturating_sub(elapsed));
        self.attempt += 1;
        tracing::info!(
            revision,
            attempt = self.attempt,
            wait_ms = wait.as_millis() as u64,
            "a lock wait timed out, {}; it runs again",
            self.undone
        );
        tokio::time::sleep(wait).await;
        true
    }
}

/// Why a transaction of a step rolled back.
enum TransactionError {
    /// Statement `.0` failed.
    Statement(usize, Failure),
    /// Anything else, already said.
    Other(Error),
}

impl From<Error> for TransactionError {
    fn from(error: Error) -> Self {
        TransactionError::Other(error)
    }
}
