//! Running one step with its version update.
//!
//! PostgreSQL and SQLite: the statements, the heads-table change and the audit
//! row commit in one transaction, so a failure leaves schema and version
//! tables exactly as they were. MySQL commits DDL implicitly: the step is
//! recorded as `started` first and its progress counted per statement, so a
//! failure or a crash part-way stays visible in `status`.

use std::time::Instant;

use chrono::Utc;

use super::{ApplyError, RenderedStep, StepReport};
use crate::driver::{AuditRow, Driver, Outcome};

/// How the heads table must change for one step.
#[derive(Debug)]
pub(super) struct HeadsChange<'a> {
    /// The heads before the step, to check that nobody else moved them.
    pub(super) expected: Vec<&'a str>,
    pub(super) delete: Vec<&'a str>,
    pub(super) insert: Vec<&'a str>,
}

pub(super) async fn run_step(
    db: &mut dyn Driver,
    step: &RenderedStep,
    change: &HeadsChange<'_>,
    tables_exist: &mut bool,
) -> Result<StepReport, Box<ApplyError>> {
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
    };
    if db.backend().transactional_ddl() {
        transactional(db, step, change, tables_exist, &mut audit, start).await?;
    } else {
        progressive(db, step, change, tables_exist, &mut audit, start).await?;
    }
    Ok(StepReport {
        revision: audit.revision,
        message: step.registration.message.to_owned(),
        direction: step.direction,
        statements: step.statements.len(),
        duration: start.elapsed(),
    })
}

/// PostgreSQL and SQLite: everything in one transaction.
async fn transactional(
    db: &mut dyn Driver,
    step: &RenderedStep,
    change: &HeadsChange<'_>,
    tables_exist: &mut bool,
    audit: &mut AuditRow,
    start: Instant,
) -> Result<(), Box<ApplyError>> {
    let bookkeeping = |source| ApplyError::Bookkeeping {
        revision: step.registration.id.to_owned(),
        direction: step.direction,
        state: "the transaction was rolled back; nothing changed".to_owned(),
        source,
    };
    db.begin().await.map_err(bookkeeping)?;
    let result = async {
        if !*tables_exist {
            // Created on first write, inside the first step's transaction.
            for ddl in db.version_tables_ddl() {
                db.execute(&ddl).await.map_err(bookkeeping)?;
            }
        } else if db.backend() == crate::Backend::Sqlite {
            // SQLite has no lock outside the transaction: re-read the heads
            // now that `BEGIN IMMEDIATE` holds the write lock.
            let heads = db.read_heads().await.map_err(bookkeeping)?;
            if heads != change.expected {
                return Err(ApplyError::ConcurrentChange {
                    revision: step.registration.id.to_owned(),
                });
            }
        }
        for (i, statement) in step.statements.iter().enumerate() {
            if let Err(source) = db.execute(&statement.sql).await {
                return Err(statement_error(
                    step,
                    i,
                    source,
                    "the transaction was rolled back: the schema and the version tables are as they were; fix the migration and run the command again".to_owned(),
                ));
            }
        }
        db.write_heads(&change.delete, &change.insert)
            .await
            .map_err(bookkeeping)?;
        finish(audit, Outcome::Success, step.statements.len(), start);
        db.insert_audit(audit).await.map_err(bookkeeping)?;
        db.commit().await.map_err(bookkeeping)
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
            if *tables_exist {
                // Keep a trace of the attempt, outside the rolled-back
                // transaction. Version tables that did not exist before the
                // run are not created just for this.
                // The transaction was rolled back: nothing of the step stays.
                finish(audit, Outcome::Failed, 0, start);
                audit.error = Some(error.to_string());
                if let Err(e) = db.insert_audit(audit).await {
                    tracing::warn!(error = %e, "could not record the failed attempt");
                }
            }
            Err(error.into())
        }
    }
}

/// MySQL: DDL commits as it runs, so record progress as it happens.
async fn progressive(
    db: &mut dyn Driver,
    step: &RenderedStep,
    change: &HeadsChange<'_>,
    tables_exist: &mut bool,
    audit: &mut AuditRow,
    start: Instant,
) -> Result<(), Box<ApplyError>> {
    let bookkeeping = |state: &str| {
        let state = state.to_owned();
        move |source| ApplyError::Bookkeeping {
            revision: step.registration.id.to_owned(),
            direction: step.direction,
            state,
            source,
        }
    };
    if !*tables_exist {
        for ddl in db.version_tables_ddl() {
            db.execute(&ddl)
                .await
                .map_err(bookkeeping("no statement of the step ran"))?;
        }
        *tables_exist = true;
    }
    audit.id = db
        .insert_audit(audit)
        .await
        .map_err(bookkeeping("no statement of the step ran"))?;
    for (i, statement) in step.statements.iter().enumerate() {
        if let Err(source) = db.execute(&statement.sql).await {
            let state = format!(
                "MySQL commits DDL as it goes: {i} of {} statements of this step ran and stay applied; the audit table marks the step as failed. Inspect with `status`, undo or finish those statements by hand, then run the command again",
                step.statements.len()
            );
            let error = statement_error(step, i, source, state);
            finish(audit, Outcome::Failed, i, start);
            audit.error = Some(error.to_string());
            if let Err(e) = db.update_audit(audit).await {
                tracing::warn!(error = %e, "could not record the failed step");
            }
            return Err(error.into());
        }
        audit.statements_done = i as i64 + 1;
        db.update_audit(audit)
            .await
            .map_err(bookkeeping("the statements ran but the audit row lags"))?;
    }
    let state =
        "every statement ran, but the heads table was not updated; the audit row says `started`";
    db.begin().await.map_err(bookkeeping(state))?;
    let result = async {
        db.write_heads(&change.delete, &change.insert).await?;
        finish(audit, Outcome::Success, step.statements.len(), start);
        db.update_audit(audit).await?;
        db.commit().await
    }
    .await;
    if let Err(source) = result {
        let _ = db.rollback().await;
        return Err(bookkeeping(state)(source).into());
    }
    Ok(())
}

fn finish(audit: &mut AuditRow, outcome: Outcome, done: usize, start: Instant) {
    audit.outcome = outcome;
    audit.statements_done = done as i64;
    audit.finished_at = Some(Utc::now());
    audit.duration_ms = Some(start.elapsed().as_millis().try_into().unwrap_or(i64::MAX));
}

fn statement_error(
    step: &RenderedStep,
    i: usize,
    source: sqlx::Error,
    state: String,
) -> ApplyError {
    let db_message = match source.as_database_error() {
        Some(db) => db.message().to_owned(),
        None => source.to_string(),
    };
    ApplyError::Statement {
        revision: step.registration.id.to_owned(),
        message: step.registration.message.to_owned(),
        direction: step.direction,
        number: i + 1,
        total: step.statements.len(),
        operation: step.describe_statement(i),
        sql: step.statements[i].sql.clone(),
        db_message,
        state,
        source,
    }
}
