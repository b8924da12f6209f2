//! Running one step with its version update.
//!
//! PostgreSQL and SQLite: the statements, the heads-table change and the audit
//! row commit in one transaction, so a failure leaves schema and version
//! tables exactly as they were. MySQL commits DDL implicitly, and a
//! PostgreSQL step with `CONCURRENTLY` cannot run in a transaction: such a
//! step is recorded as `started` first and its progress counted per
//! statement, so a failure or a crash part-way stays visible in `status`.
//!
//! A SQLite step with a table rebuild turns `PRAGMA foreign_keys` off around
//! its transaction (the pragma is a no-op inside one) and runs
//! `PRAGMA foreign_key_check` before committing.

use std::error::Error as StdError;
use std::time::Instant;

use chrono::Utc;

use super::backfill::{self, OnProgress, Stop};
use super::{ApplyError, RenderedStep, StepReport};
use crate::driver::{AuditRow, Driver, DriverError, LockScope, Outcome};
use crate::ops::Operation;
use crate::render::{Exec, Rebuild, SchemaObject, Statement, sql};
use crate::store::{self, sql::Audit, sql::Stamp};
use crate::{Backend, Error};

type BoxError = Box<dyn StdError + Send + Sync>;

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

pub(super) async fn run_step(
    db: &mut dyn Driver,
    step: &RenderedStep,
    change: &HeadsChange<'_>,
    tables_exist: &mut bool,
    resume: Option<Resume>,
    on_progress: Option<&OnProgress>,
) -> Result<StepReport, Error> {
    let start = Instant::now();
    let mut audit = AuditRow {
        id: 0,
        revision: step.registration.id.to_owned(),
        direction: step.direction,
        checksum: step.checksum.clone(),
        started_at: Utc::now(),
        finished_at: None,
        duration_ms: None,
        outcome: Outcome::Started,
        statements_done: 0,
        statements_total: step.statements.len() as i64,
        error: None,
        args: step.args_json(),
        plan: Some(step.plan_digest()),
    };
    let in_phases = resume.is_some() || backfill::backfills(step).next().is_some();
    if db.backend().transactional_ddl() && !step.non_transactional() && !in_phases {
        let rebuilds = step
            .statements
            .iter()
            .any(|s| matches!(s.exec, Exec::SqliteRebuild(_)));
        let foreign_keys = if rebuilds {
            foreign_keys_off(db, step).await?
        } else {
            false
        };
        let result = transactional(
            db,
            step,
            change,
            tables_exist,
            &mut audit,
            start,
            foreign_keys,
        )
        .await;
        foreign_keys_on(db, foreign_keys).await;
        result?;
    } else {
        phased(
            db,
            step,
            change,
            tables_exist,
            &mut audit,
            start,
            resume,
            on_progress,
        )
        .await?;
    }
    Ok(StepReport {
        revision: audit.revision,
        message: step.registration.summary(),
        direction: step.direction,
        statements: step.statements.len(),
        duration: start.elapsed(),
    })
}

/// SQLite, before a step with a table rebuild: turns foreign keys off, as the
/// 12-step procedure says, and tells whether they were on.
async fn foreign_keys_off(
    db: &mut dyn Driver,
    step: &RenderedStep,
) -> Result<bool, Box<ApplyError>> {
    let bookkeeping = |source| ApplyError::Bookkeeping {
        revision: step.registration.id.to_owned(),
        direction: step.direction,
        state: "nothing ran".to_owned(),
        source,
    };
    let rows = db
        .fetch_text("PRAGMA foreign_keys")
        .await
        .map_err(bookkeeping)?;
    let on = rows
        .first()
        .and_then(|r| r.first())
        .cloned()
        .flatten()
        .as_deref()
        == Some("1");
    if on {
        db.execute("PRAGMA foreign_keys = OFF")
            .await
            .map_err(bookkeeping)?;
    }
    Ok(on)
}

/// Turns SQLite's foreign keys back on after a rebuild, if they were on.
async fn foreign_keys_on(db: &mut dyn Driver, were_on: bool) {
    if were_on {
        if let Err(error) = db.execute("PRAGMA foreign_keys = ON").await {
            tracing::warn!(%error, "could not turn foreign keys back on");
        }
    }
}

/// PostgreSQL and SQLite: everything in one transaction.
async fn transactional(
    db: &mut dyn Driver,
    step: &RenderedStep,
    change: &HeadsChange<'_>,
    tables_exist: &mut bool,
    audit: &mut AuditRow,
    start: Instant,
    check_foreign_keys: bool,
) -> Result<(), Error> {
    let bookkeeping = |source| ApplyError::Bookkeeping {
        revision: step.registration.id.to_owned(),
        direction: step.direction,
        state: "the transaction was rolled back; nothing changed".to_owned(),
        source,
    };
    db.begin_step().await?;
    let result = async {
        if db.lock_scope() == LockScope::Step {
            // The lock was only taken now, with the transaction: re-read
            // what the plan was made from.
            // Tables seen earlier in the run are still there (dropped by
            // hand, reading the heads fails): one query less per step.
            let exists =
                *tables_exist || store::tables_exist(db).await.map_err(bookkeeping)?;
            let heads = if exists {
                store::read_heads(db).await.map_err(bookkeeping)?
            } else {
                Vec::new()
            };
            if heads != change.expected {
                return Err(ApplyError::ConcurrentChange {
                    revision: step.registration.id.to_owned(),
                });
            }
            *tables_exist = exists;
        }
        if !*tables_exist {
            // Created on first write, inside the first step's transaction.
            store::create_tables(db).await.map_err(bookkeeping)?;
        }
        let rolled_back = |failure: &Failure, statement: &Statement| {
            format!(
                "the transaction was rolled back: the schema and the version tables are as they were; {}",
                failure.what_to_fix(statement)
            )
        };
        for (i, statement) in step.statements.iter().enumerate() {
            if let Err(failure) = run_statement(db, statement).await {
                let state = rolled_back(&failure, statement);
                return Err(statement_error(step, i, failure, state));
            }
        }
        if check_foreign_keys {
            if let Err(failure) = foreign_key_check(db).await {
                let last = step.statements.len() - 1;
                let state = rolled_back(&failure, &step.statements[last]);
                return Err(statement_error(step, last, failure, state));
            }
        }
        finish(audit, Outcome::Success, step.statements.len(), start);
        let audit = &*audit;
        let record = Audit::Insert(Stamp::Recorded);
        store::commit_step(db, &change.delete, &change.insert, audit, record)
            .await
            .map_err(bookkeeping)
    }
    .await;
    match result {
        Ok(()) => {
            *tables_exist = true;
            Ok(())
        }
        Err(error) => {
            if let Err(rollback) = db.rollback().await {
                tracing::warn!(%rollback, "rollback after a failed step failed");
            }
            let raced = matches!(error, ApplyError::ConcurrentChange { .. });
            if *tables_exist && !raced {
                // Keep a trace of the attempt, outside the rolled-back
                // transaction. Version tables that did not exist before the
                // run are not created just for this.
                // The transaction was rolled back: nothing of the step stays.
                finish(audit, Outcome::Failed, 0, start);
                audit.error = Some(error.to_string());
                if let Err(e) = store::insert_audit(db, audit).await {
                    tracing::warn!(error = %e, "could not record the failed attempt");
                }
            }
            Err(Box::new(error).into())
        }
    }
}

/// After a SQLite rebuild: every foreign key must still hold.
async fn foreign_key_check(db: &mut dyn Driver) -> Result<(), Failure> {
    let sql = "PRAGMA foreign_key_check";
    let rows = db.fetch_text(sql).await.map_err(|e| Failure {
        sql: Some(sql.to_owned()),
        source: e.into(),
    })?;
    if rows.is_empty() {
        return Ok(());
    }
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".to_owned());
    let broken: Vec<String> = rows
        .iter()
        .take(5)
        .map(|r| {
            let cell = |i: usize| r.get(i).map(text).unwrap_or_default();
            format!(
                "{} rowid {} references missing {}",
                cell(0),
                cell(1),
                cell(2)
            )
        })
        .collect();
    Err(Failure {
        sql: Some(sql.to_owned()),
        source: Box::new(BrokenForeignKeys(format!(
            "{} row(s) break a foreign key after the table rebuild: {}",
            rows.len(),
            broken.join(", ")
        ))),
    })
}

/// Why a statement failed, and which SQL it was running (a rebuild runs
/// several).
struct Failure {
    sql: Option<String>,
    source: BoxError,
}

impl Failure {
    /// What to do about it: the migration is the cause (its statement, or
    /// the values it inserts), or the rows in the database are.
    fn what_to_fix(&self, statement: &Statement) -> &'static str {
        let inserts_values = matches!(statement.exec, Exec::Bound(_));
        let data = !inserts_values
            && (self.source.is::<BrokenForeignKeys>()
                || self
                    .source
                    .downcast_ref::<sqlx::Error>()
                    .is_some_and(crate::driver::caused_by_data));
        if data {
            "the rows in the database are the cause, not the statement: fix the rows the database names (or make the migration handle them), then run the command again"
        } else {
            "fix the migration and run the command again"
        }
    }
}

/// Rows that break a foreign key after a SQLite rebuild.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct BrokenForeignKeys(String);

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Self {
        Self {
            sql: None,
            source: error.into(),
        }
    }
}

/// Runs one rendered statement outside any step: no transaction, no audit
/// row. The [`testing`](crate::testing) kit seeds fixture rows with it.
pub(crate) async fn execute_statement(
    db: &mut dyn Driver,
    statement: &Statement,
) -> Result<(), BoxError> {
    run_statement(db, statement)
        .await
        .map_err(|failure| failure.source)
}

/// Runs one rendered statement, whatever its kind.
async fn run_statement(db: &mut dyn Driver, statement: &Statement) -> Result<(), Failure> {
    if db.interrupter().is_interrupted() {
        return Err(Failure {
            sql: None,
            source: "the run was interrupted (SIGINT or SIGTERM) before this statement started"
                .into(),
        });
    }
    match &statement.exec {
        Exec::Sql => db.execute(&statement.sql).await?,
        Exec::Bound(values) => db.execute_bound(&statement.sql, values).await?,
        Exec::Backfill(_) => {
            return Err(Failure {
                sql: None,
                source: "a backfill runs in phases, not as one statement".into(),
            });
        }
        Exec::SqliteRebuild(rebuild) => {
            let rows = db.fetch_text(Rebuild::SCHEMA_QUERY).await?;
            let schema: Vec<SchemaObject> = rows
                .into_iter()
                .map(|row| {
                    let mut cells = row.into_iter().map(Option::unwrap_or_default);
                    let mut next = || cells.next().unwrap_or_default();
                    SchemaObject {
                        kind: next(),
                        name: next(),
                        table: next(),
                        sql: next(),
                    }
                })
                .collect();
            let statements = rebuild.statements(&schema).map_err(|e| Failure {
                sql: None,
                source: e.into(),
            })?;
            for sql in statements {
                db.execute(&sql).await.map_err(|e| Failure {
                    sql: Some(sql.clone()),
                    source: e.into(),
                })?;
            }
        }
    }
    Ok(())
}

/// How the statements of a phased step group: a run of statements that
/// share one transaction, a backfill, or one statement that commits on its
/// own (MySQL DDL, `CONCURRENTLY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Statements `start..end` in one transaction.
    Transaction { start: usize, end: usize },
    /// The backfill at this statement.
    Backfill(usize),
    /// One statement outside a transaction.
    Alone(usize),
}

/// The phases of a step from statement `from`.
fn phases(step: &RenderedStep, backend: Backend, from: usize) -> Vec<Phase> {
    let mut phases = Vec::new();
    let mut i = from;
    while i < step.statements.len() {
        let statement = &step.statements[i];
        if matches!(statement.exec, Exec::Backfill(_)) {
            phases.push(Phase::Backfill(i));
            i += 1;
        } else if backend.transactional_ddl() && statement.transactional {
            let start = i;
            while i < step.statements.len()
                && step.statements[i].transactional
                && !matches!(step.statements[i].exec, Exec::Backfill(_))
            {
                i += 1;
            }
            phases.push(Phase::Transaction { start, end: i });
        } else {
            phases.push(Phase::Alone(i));
            i += 1;
        }
    }
    phases
}

/// Whether statement `i` of a step can run again after an interruption
/// with no doubt about what it did: a backfill (its progress commits with
/// each batch) or a statement that shares a transaction with the audit
/// row's count.
pub(super) fn restartable_at(step: &RenderedStep, backend: Backend, i: usize) -> bool {
    match step.statements.get(i) {
        Some(statement) => {
            matches!(statement.exec, Exec::Backfill(_))
                || (backend.transactional_ddl() && statement.transactional)
        }
        None => false,
    }
}

/// Steps with a backfill, MySQL, and PostgreSQL steps that cannot run in a
/// transaction: the step runs in phases, each committing on its own with
/// the audit row's count of statements done, so progress is never lost
/// and never in doubt but for a statement that commits on its own. With
/// `resume`, starts at the first statement not done.
#[expect(clippy::too_many_arguments, reason = "one step's whole context")]
async fn phased(
    db: &mut dyn Driver,
    step: &RenderedStep,
    change: &HeadsChange<'_>,
    tables_exist: &mut bool,
    audit: &mut AuditRow,
    start: Instant,
    resume: Option<Resume>,
    on_progress: Option<&OnProgress>,
) -> Result<(), Error> {
    let bookkeeping = |state: &str| {
        let state = state.to_owned();
        move |source| {
            Error::from(Box::new(ApplyError::Bookkeeping {
                revision: step.registration.id.to_owned(),
                direction: step.direction,
                state,
                source,
            }))
        }
    };
    if !*tables_exist {
        store::create_tables(db)
            .await
            .map_err(bookkeeping("no statement of the step ran"))?;
        *tables_exist = true;
    }
    let from = resume.map_or(0, |r| r.from);
    audit.statements_done = from as i64;
    let owner = backfill::owner_label();
    if db.lock_scope() == LockScope::Step {
        claim_step(db, step, change, audit, &owner, resume.is_none()).await?;
    } else {
        audit.id = store::insert_audit(db, audit)
            .await
            .map_err(bookkeeping("no statement of the step ran"))?;
        if backfill::backfills(step).next().is_some() {
            backfill::claim_rows(db, step, &owner, resume.is_none())
                .await
                .map_err(bookkeeping("no statement of the step ran"))?;
        }
    }
    let backend = db.backend();
    let total = step.statements.len();
    let mut heads_written = false;
    for phase in phases(step, backend, from) {
        let outcome = match phase {
            Phase::Transaction { start: first, end } => {
                let last = end == total;
                match transaction_phase(db, step, change, audit, first, end, last, start).await {
                    Ok(()) => {
                        heads_written = last;
                        continue;
                    }
                    Err(PhaseError::Apply(error)) => return Err(error.into()),
                    Err(PhaseError::Driver(error)) => return Err(error.into()),
                    Err(PhaseError::Statement(i, failure)) => Err((i, failure)),
                }
            }
            Phase::Backfill(i) => {
                let Exec::Backfill(rendered) = &step.statements[i].exec else {
                    unreachable!("a backfill phase is a backfill statement");
                };
                let walk = backfill::Walk {
                    db: &mut *db,
                    step,
                    statement: i,
                    backfill: rendered,
                    owner: &owner,
                    on_progress,
                };
                match walk.run().await {
                    Ok(_) => {
                        audit.statements_done = i as i64 + 1;
                        store::update_audit(db, audit).await.map_err(bookkeeping(
                            "the backfill is done but the audit row lags; run `upgrade` again",
                        ))?;
                        continue;
                    }
                    Err(stop) => {
                        return Err(backfill_stopped(db, step, audit, i, stop, start).await);
                    }
                }
            }
            Phase::Alone(i) => {
                let uncertain = resume.is_some_and(|r| r.uncertain && r.from == i);
                let statement = &step.statements[i];
                let outcome = match concurrent_index(step, i, backend) {
                    Some(index) => run_concurrent_index(db, statement, index, uncertain).await,
                    None => run_statement(db, statement).await,
                };
                match outcome {
                    Err(failure) if uncertain && already_done(&failure) => {
                        tracing::warn!(
                            revision = step.registration.id,
                            statement = i + 1,
                            error = %failure.source,
                            "statement had already run before the interruption; counting it as done"
                        );
                        Ok(i)
                    }
                    Ok(()) => Ok(i),
                    Err(failure) => Err((i, failure)),
                }
            }
        };
        match outcome {
            Ok(i) => {
                audit.statements_done = i as i64 + 1;
                store::update_audit(db, audit)
                    .await
                    .map_err(bookkeeping("the statements ran but the audit row lags"))?;
            }
            Err((i, failure)) => {
                let in_doubt = !restartable_at(step, backend, i);
                let mut state = if in_doubt && i == 0 {
                    "nothing of this step ran or stays applied: the database is as it was before it; fix the cause and run the command again".to_owned()
                } else if in_doubt {
                    let why = match backend {
                        Backend::MySql => "MySQL commits DDL as it goes",
                        _ => "this step runs outside a transaction",
                    };
                    format!(
                        "{why}: {i} of {total} statements of this step ran and stay applied; the audit table marks the step as failed and nothing else runs until it is resolved. Fix the cause, then run `resume` to continue from statement {}, or finish or undo the step by hand and record it with `repair {} --applied` or `--reverted`",
                        i + 1,
                        step.registration.id,
                    )
                } else {
                    phase_rolled_back(step, i)
                };
                if let Some(index) = concurrent_index(step, i, backend) {
                    state.push_str(&drop_invalid_index(db, index).await);
                }
                let error = statement_error(step, i, failure, state);
                finish(audit, Outcome::Failed, i, start);
                audit.error = Some(error.to_string());
                if let Err(e) = store::update_audit(db, audit).await {
                    tracing::warn!(error = %e, "could not record the failed step");
                }
                return Err(Box::new(error).into());
            }
        }
    }
    if heads_written {
        return Ok(());
    }
    let state = "every statement ran, but the heads table was not updated; the audit row says `started`: record it with `repair <revision> --applied`";
    db.begin_step().await?;
    let result = async {
        if let Some(error) = heads_moved(db, step, change).await? {
            return Ok(Err(error));
        }
        finish(audit, Outcome::Success, total, start);
        store::commit_step(db, &change.delete, &change.insert, audit, Audit::Update)
            .await
            .map(Ok)
    }
    .await;
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => {
            let _ = db.rollback().await;
            Err(Box::new(error).into())
        }
        Err(source) => {
            let _ = db.rollback().await;
            Err(bookkeeping(state)(source))
        }
    }
}

/// What state a failed phase of a phased step leaves.
fn phase_rolled_back(step: &RenderedStep, i: usize) -> String {
    let before = if i == 0 {
        "no earlier phase ran".to_owned()
    } else {
        format!("statements 1..{i} committed in earlier phases and stay")
    };
    format!(
        "this phase was rolled back and {before}; the migration is in progress: fix the cause and run `upgrade` again, which continues from statement {} (or undo the earlier phases by hand and record it with `repair {} --reverted`)",
        i + 1,
        step.registration.id
    )
}

/// Under a per-step lock, a phased step's audit row and its backfills'
/// owner are written in one transaction, which takes the lock: the heads
/// must still be those the plan was made from and, for a step not being
/// continued, no other migrator may have started it since. Otherwise two
/// migrators that planned at once would both run its first phase; the one
/// that finds the other's row plans again, and then waits for the owner as
/// for any step that another migrator is running.
async fn claim_step(
    db: &mut dyn Driver,
    step: &RenderedStep,
    change: &HeadsChange<'_>,
    audit: &mut AuditRow,
    owner: &str,
    fresh: bool,
) -> Result<(), Error> {
    let bookkeeping = |source| ApplyError::Bookkeeping {
        revision: step.registration.id.to_owned(),
        direction: step.direction,
        state: "no statement of the step ran".to_owned(),
        source,
    };
    db.begin_step().await?;
    let claimed = async {
        if let Some(moved) = heads_moved(db, step, change).await.map_err(bookkeeping)? {
            return Err(moved);
        }
        // Another migrator's step in flight is the newest row, `started`
        // (as `status` sees it). An older `started` row that `repair`
        // resolved since is history, not a claim.
        if fresh {
            let newest = super::state::newest_step(db).await.map_err(bookkeeping)?;
            if newest.is_some_and(|row| {
                row.outcome == Outcome::Started
                    && row.revision == audit.revision
                    && row.direction == audit.direction
            }) {
                return Err(ApplyError::ConcurrentChange {
                    revision: step.registration.id.to_owned(),
                });
            }
        }
        audit.id = store::insert_audit(db, audit).await.map_err(bookkeeping)?;
        if backfill::backfills(step).next().is_some() {
            backfill::claim_rows(db, step, owner, fresh)
                .await
                .map_err(bookkeeping)?;
        }
        db.commit().await.map_err(bookkeeping)
    }
    .await;
    if claimed.is_err() {
        if let Err(e) = db.rollback().await {
            tracing::warn!(error = %e, "rollback after a failed claim failed");
        }
    }
    claimed.map_err(|error| Box::new(error).into())
}

/// Under a per-step lock, another migrator may have moved the heads since
/// the plan was made.
async fn heads_moved(
    db: &mut dyn Driver,
    step: &RenderedStep,
    change: &HeadsChange<'_>,
) -> Result<Option<ApplyError>, sqlx::Error> {
    if db.lock_scope() != LockScope::Step {
        return Ok(None);
    }
    let heads = store::read_heads(db).await?;
    Ok(
        (heads != change.expected).then(|| ApplyError::ConcurrentChange {
            revision: step.registration.id.to_owned(),
        }),
    )
}

enum PhaseError {
    Apply(Box<ApplyError>),
    Driver(DriverError),
    Statement(usize, Failure),
}

/// Statements `first..end` and the audit row's count in one transaction;
/// the step's last phase also moves the heads and records success.
#[expect(clippy::too_many_arguments, reason = "one phase's whole context")]
async fn transaction_phase(
    db: &mut dyn Driver,
    step: &RenderedStep,
    change: &HeadsChange<'_>,
    audit: &mut AuditRow,
    first: usize,
    end: usize,
    last: bool,
    start: Instant,
) -> Result<(), PhaseError> {
    let bookkeeping = |source| {
        PhaseError::Apply(Box::new(ApplyError::Bookkeeping {
            revision: step.registration.id.to_owned(),
            direction: step.direction,
            state: phase_rolled_back(step, first),
            source,
        }))
    };
    let rebuilds = step.statements[first..end]
        .iter()
        .any(|s| matches!(s.exec, Exec::SqliteRebuild(_)));
    let foreign_keys = if rebuilds {
        foreign_keys_off(db, step)
            .await
            .map_err(PhaseError::Apply)?
    } else {
        false
    };
    if let Err(error) = db.begin_step().await {
        foreign_keys_on(db, foreign_keys).await;
        return Err(PhaseError::Driver(error));
    }
    let result = async {
        for i in first..end {
            run_statement(db, &step.statements[i])
                .await
                .map_err(|failure| PhaseError::Statement(i, failure))?;
        }
        if foreign_keys {
            foreign_key_check(db)
                .await
                .map_err(|failure| PhaseError::Statement(end - 1, failure))?;
        }
        if last {
            if let Some(error) = heads_moved(db, step, change).await.map_err(bookkeeping)? {
                return Err(PhaseError::Apply(Box::new(error)));
            }
            finish(audit, Outcome::Success, end, start);
        } else {
            audit.statements_done = end as i64;
        }
        let (delete, insert) = if last {
            (&change.delete[..], &change.insert[..])
        } else {
            (&[][..], &[][..])
        };
        store::commit_step(db, delete, insert, audit, Audit::Update)
            .await
            .map_err(bookkeeping)
    }
    .await;
    if result.is_err() {
        if let Err(e) = db.rollback().await {
            tracing::warn!(error = %e, "rollback after a failed phase failed");
        }
        if last {
            audit.outcome = Outcome::Started;
            audit.finished_at = None;
            audit.duration_ms = None;
            audit.statements_done = first as i64;
        }
    }
    foreign_keys_on(db, foreign_keys).await;
    result
}

/// Records why a backfill stopped and builds the error that says what to
/// do.
async fn backfill_stopped(
    db: &mut dyn Driver,
    step: &RenderedStep,
    audit: &mut AuditRow,
    i: usize,
    stop: Stop,
    start: Instant,
) -> Error {
    let rows = backfill::read_rows(db, step.registration.id, step.direction)
        .await
        .unwrap_or_default();
    let progress = rows.get(&i).map(|(p, _)| p.clone()).unwrap_or_default();
    let kept = match progress.last_key_text() {
        Some(key) => format!(
            "the {} batch(es) committed before it stay ({} rows, up to key {key})",
            progress.batches, progress.rows_updated
        ),
        None => "no batch had committed".to_owned(),
    };
    let continue_at = progress
        .last_key_text()
        .map_or_else(|| "from the start".to_owned(), |k| format!("after key {k}"));
    let operation = step.describe_statement(i);
    let error = match stop {
        Stop::Interrupted { rows } => {
            // As a pause: the committed batches stay, the step stays in
            // its backfill phase.
            audit.statements_done = i as i64;
            if let Err(e) = store::update_audit(db, audit).await {
                tracing::warn!(error = %e, "could not record the interrupted step");
            }
            return Box::new(ApplyError::Interrupted {
                state: format!(
                    "{} {}: {operation} stopped after {rows} rows of this run; {kept}, and nothing after it ran; run `upgrade` again to continue {continue_at}",
                    step.direction, step.registration.id
                ),
            })
            .into();
        }
        Stop::Paused { rows } => {
            // Not a failure: the step stays in progress.
            audit.statements_done = i as i64;
            if let Err(e) = store::update_audit(db, audit).await {
                tracing::warn!(error = %e, "could not record the paused step");
            }
            return Box::new(ApplyError::BackfillPaused {
                revision: step.registration.id.to_owned(),
                operation,
                rows,
                continue_at,
            })
            .into();
        }
        Stop::TakenOver { owner } => {
            tracing::warn!(revision = step.registration.id, %owner, "another migrator took the backfill over");
            finish(audit, Outcome::Failed, i, start);
            audit.error = Some(format!("the backfill was taken over by {owner}"));
            let _ = store::update_audit(db, audit).await;
            return Box::new(ApplyError::ConcurrentChange {
                revision: step.registration.id.to_owned(),
            })
            .into();
        }
        Stop::Lock(error) => {
            audit.statements_done = i as i64;
            let _ = store::update_audit(db, audit).await;
            return error.into();
        }
        Stop::Invalid(problem) => ApplyError::Backfill {
            revision: step.registration.id.to_owned(),
            direction: step.direction,
            number: i + 1,
            total: step.statements.len(),
            operation,
            problem: format!("{problem}; no batch ran"),
            state: format!(
                "{}; fix the migration and run `upgrade` again, which continues with this backfill",
                phase_rolled_back(step, i)
                    .split(';')
                    .next()
                    .unwrap_or_default()
            ),
        },
        Stop::Row { key, why } => ApplyError::Backfill {
            revision: step.registration.id.to_owned(),
            direction: step.direction,
            number: i + 1,
            total: step.statements.len(),
            operation,
            problem: format!("the Rust function failed on the row with key {key}: {why}"),
            state: format!(
                "that batch was rolled back and {kept}; fix the function or the row and run `upgrade` again, which continues {continue_at}"
            ),
        },
        Stop::Sql { sql, source } => {
            let failure = Failure {
                sql: Some(sql),
                source: source.into(),
            };
            statement_error(
                step,
                i,
                failure,
                format!(
                    "that batch was rolled back and {kept}; fix the cause and run `upgrade` again, which continues {continue_at}"
                ),
            )
        }
    };
    finish(audit, Outcome::Failed, i, start);
    audit.error = Some(error.to_string());
    if let Err(e) = store::update_audit(db, audit).await {
        tracing::warn!(error = %e, "could not record the failed backfill");
    }
    Box::new(error).into()
}

/// The index statement `i` builds with PostgreSQL's `CREATE INDEX
/// CONCURRENTLY`, whose failure leaves an INVALID index behind.
fn concurrent_index(step: &RenderedStep, i: usize, backend: Backend) -> Option<&str> {
    let statement = &step.statements[i];
    match step.plan.operations().get(statement.op) {
        Some(Operation::CreateIndex(index))
            if backend == Backend::Postgres && !statement.transactional =>
        {
            Some(index.name())
        }
        _ => None,
    }
}

/// Whether PostgreSQL has an index of this name in the current schema, and
/// whether it is valid.
async fn index_validity(db: &mut dyn Driver, name: &str) -> Result<Option<bool>, sqlx::Error> {
    let sql = format!(
        "SELECT i.indisvalid::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relname = {}",
        sql::string(Backend::Postgres, name)
    );
    let rows = db.fetch_text(&sql).await?;
    Ok(rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .map(|valid| valid == "true"))
}

/// `CREATE INDEX CONCURRENTLY`, made safe to run again: an INVALID index
/// left by an earlier failure or kill is dropped first, and when the
/// statement may have run before an interruption, a valid index of that
/// name means it did.
async fn run_concurrent_index(
    db: &mut dyn Driver,
    statement: &Statement,
    index: &str,
    uncertain: bool,
) -> Result<(), Failure> {
    match index_validity(db, index).await? {
        Some(true) if uncertain => return Ok(()),
        Some(false) => {
            tracing::warn!(
                index,
                "dropping the INVALID index an interrupted build left"
            );
            db.execute(&format!(
                "DROP INDEX CONCURRENTLY IF EXISTS {}",
                sql::ident(Backend::Postgres, index)
            ))
            .await?;
        }
        _ => {}
    }
    run_statement(db, statement).await
}

/// After `CREATE INDEX CONCURRENTLY` failed: drops the INVALID index it
/// left, and says what happened, for the error message.
async fn drop_invalid_index(db: &mut dyn Driver, index: &str) -> String {
    match index_validity(db, index).await {
        Ok(Some(false)) => {
            let drop = format!(
                "DROP INDEX CONCURRENTLY IF EXISTS {}",
                sql::ident(Backend::Postgres, index)
            );
            match db.execute(&drop).await {
                Ok(()) => format!(". The INVALID index {index} the failed build left was dropped"),
                Err(e) => format!(
                    ". The failed build left the INVALID index {index}, which could not be dropped ({e}): run `{drop}` before resuming"
                ),
            }
        }
        _ => String::new(),
    }
}

/// Whether a statement failed only because its effect is already there:
/// what running a DDL statement a second time says.
fn already_done(failure: &Failure) -> bool {
    let Some(db) = failure
        .source
        .downcast_ref::<sqlx::Error>()
        .and_then(|e| e.as_database_error())
    else {
        return false;
    };
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    // PostgreSQL: duplicate table, column, object, schema; undefined table,
    // column, object (a DROP that already ran).
    if matches!(
        code.as_str(),
        "42P07" | "42701" | "42710" | "42P06" | "42P01" | "42703" | "42704"
    ) {
        return true;
    }
    // MySQL: table exists, duplicate column, duplicate key name, can't drop
    // (missing), unknown table, duplicate foreign key, duplicate check name.
    let message = db.message();
    [
        "already exists",
        "Duplicate column name",
        "Duplicate key name",
        "check that column/key exists",
        "check that it exists",
        "Unknown table",
        "Duplicate foreign key constraint name",
        "Duplicate check constraint name",
    ]
    .iter()
    .any(|known| message.contains(known))
}

fn finish(audit: &mut AuditRow, outcome: Outcome, done: usize, start: Instant) {
    audit.outcome = outcome;
    audit.statements_done = done as i64;
    audit.finished_at = Some(Utc::now());
    audit.duration_ms = Some(start.elapsed().as_millis().try_into().unwrap_or(i64::MAX));
}

fn statement_error(step: &RenderedStep, i: usize, failure: Failure, state: String) -> ApplyError {
    let Failure { sql, source } = failure;
    let sqlx_error = source.downcast_ref::<sqlx::Error>();
    let database = sqlx_error.and_then(|e| e.as_database_error());
    let mut db_message = sqlx_error
        .and_then(crate::driver::database_message)
        .unwrap_or_else(|| source.to_string());
    if database.and_then(|db| db.code()).as_deref() == Some("55P04") {
        db_message.push_str(
            " (PostgreSQL cannot use an enum value in the transaction that added it: use it in a later migration)",
        );
    }
    let sql = match sql {
        Some(inner) => format!("{inner}\n  in: {}", step.statements[i].sql),
        None => step.statements[i].sql.clone(),
    };
    ApplyError::Statement {
        revision: step.registration.id.to_owned(),
        message: step.registration.summary(),
        direction: step.direction,
        number: i + 1,
        total: step.statements.len(),
        operation: step.describe_statement(i),
        sql,
        db_message,
        state,
        source,
    }
}
