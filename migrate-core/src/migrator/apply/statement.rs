//! One statement of a step: running it, whatever its kind, and the error
//! that names it when it fails.

use std::error::Error as StdError;

use super::StepRun;
use crate::driver::{BrokenForeignKeys, Driver, StatementError};
use crate::migrator::ApplyError;
use crate::migrator::RenderedStep;
use crate::migrator::step_state::{InvalidIndex, StepState};
use crate::ops::{ConstraintKind, Operation};
use crate::render::{Exec, Rebuild, SchemaObject, Statement};

type BoxError = Box<dyn StdError + Send + Sync>;

/// Why a statement failed, and which SQL it was running (a rebuild runs
/// several).
pub(super) struct Failure {
    pub(super) sql: Option<String>,
    pub(super) source: BoxError,
}

impl Failure {
    /// Whether the lock timeout ran out: the statement waited for a lock,
    /// and did nothing.
    pub(super) fn lock_timed_out(&self, db: &dyn Driver) -> bool {
        self.sqlx().is_some_and(|e| db.is_lock_timeout(e))
    }

    /// Whether the rows in the database, not the statement, are the cause.
    /// A statement that inserts values is the cause of what they break.
    pub(super) fn caused_by_data(&self, statement: &Statement) -> bool {
        !matches!(statement.exec, Exec::Bound(_))
            && (self.source.is::<BrokenForeignKeys>()
                || self.sqlx().is_some_and(crate::driver::caused_by_data))
    }

    /// Whether it only says that the statement's effect is already there.
    pub(super) fn already_applied(&self, db: &dyn Driver) -> bool {
        self.sqlx().is_some_and(|e| db.is_already_applied(e))
    }

    fn sqlx(&self) -> Option<&sqlx::Error> {
        self.source.downcast_ref::<sqlx::Error>()
    }
}

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Self {
        Self {
            sql: None,
            source: error.into(),
        }
    }
}

impl From<StatementError> for Failure {
    fn from(error: StatementError) -> Self {
        Self {
            sql: Some(error.sql),
            source: error.source,
        }
    }
}

/// Runs one rendered statement outside any step: no transaction, no audit
/// row. The `testing` kit seeds fixture rows with it.
#[cfg(feature = "testing")]
pub(crate) async fn execute_statement(
    db: &mut dyn Driver,
    statement: &Statement,
) -> Result<(), BoxError> {
    run_statement(db, statement)
        .await
        .map_err(|failure| failure.source)
}

/// Runs one rendered statement, whatever its kind.
pub(super) async fn run_statement(
    db: &mut dyn Driver,
    statement: &Statement,
) -> Result<(), Failure> {
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

/// The index statement `i` builds outside a transaction (PostgreSQL's
/// `CREATE INDEX CONCURRENTLY`), whose failure leaves an INVALID index
/// behind.
pub(super) fn concurrent_index(step: &RenderedStep, i: usize) -> Option<&str> {
    let statement = &step.statements[i];
    match step.plan.operations().get(statement.op) {
        Some(Operation::CreateIndex(index)) if !statement.transactional => Some(index.name()),
        // A unique or primary key added USING INDEX: the index it builds
        // first has the constraint's name.
        Some(Operation::AddConstraint { constraint, .. })
            if !statement.transactional
                && matches!(
                    constraint.kind(),
                    ConstraintKind::Unique(_) | ConstraintKind::PrimaryKey(_)
                ) =>
        {
            Some(constraint.name())
        }
        _ => None,
    }
}

/// `CREATE INDEX CONCURRENTLY`, made safe to run again: an INVALID index
/// left by an earlier failure or kill is dropped first, and when the
/// statement may have run before an interruption, a valid index of that
/// name means it did.
pub(super) async fn run_concurrent_index(
    db: &mut dyn Driver,
    statement: &Statement,
    index: &str,
    uncertain: bool,
) -> Result<(), Failure> {
    match db.index_validity(index).await? {
        Some(true) if uncertain => return Ok(()),
        Some(false) => {
            tracing::warn!(
                index,
                "dropping the INVALID index an interrupted build left"
            );
            db.drop_index_concurrently(index).await?;
        }
        _ => {}
    }
    run_statement(db, statement).await
}

/// After `CREATE INDEX CONCURRENTLY` failed: drops the INVALID index it
/// left, and says what became of it, for the error message.
pub(super) async fn drop_invalid_index(db: &mut dyn Driver, index: &str) -> Option<InvalidIndex> {
    if !matches!(db.index_validity(index).await, Ok(Some(false))) {
        return None;
    }
    let name = index.to_owned();
    Some(match db.drop_index_concurrently(index).await {
        Ok(()) => InvalidIndex::Dropped { name },
        Err(e) => InvalidIndex::Kept {
            name,
            error: e.source.to_string(),
            drop: e.sql,
        },
    })
}

impl StepRun<'_> {
    /// The error for statement `i`, which failed, leaving `state`.
    pub(super) fn statement_error(
        &self,
        i: usize,
        failure: Failure,
        state: StepState,
    ) -> ApplyError {
        let step = self.step;
        let hint = failure.sqlx().and_then(|e| self.db.hint(e));
        let Failure { sql, source } = failure;
        let sqlx_error = source.downcast_ref::<sqlx::Error>();
        let mut db_message = sqlx_error
            .and_then(crate::driver::database_message)
            .unwrap_or_else(|| source.to_string());
        if let Some(hint) = hint {
            db_message.push_str(&format!(" ({hint})"));
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
}
