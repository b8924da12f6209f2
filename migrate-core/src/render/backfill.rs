//! A backfill, rendered: its assignments and predicate in the backend's SQL,
//! and the one-statement `UPDATE` it stands for (what the checksum hashes
//! and an offline script shows). The batches themselves are written at run
//! time, when the key and its position are known.

use sea_query::{
    MysqlQueryBuilder, PostgresQueryBuilder, QueryBuilder, SimpleExpr, SqliteQueryBuilder,
};

use super::sql::{ident, idents};
use super::{Exec, Statement};
use crate::Backend;
use crate::ops::{Backfill, Work};

/// A [`Backfill`] with its SQL pieces for one backend.
#[derive(Debug, Clone, PartialEq)]
pub struct BackfillSql {
    /// The plan step.
    pub backfill: Backfill,
    /// The backend it was rendered for.
    pub backend: Backend,
    /// `"locale" = 'en', ...` (empty for a Rust function).
    pub assignments: String,
    /// The "still needs work" predicate.
    pub pending: Option<String>,
}

impl BackfillSql {
    /// The quoted table.
    pub(crate) fn table(&self) -> String {
        ident(self.backend, &self.backfill.table)
    }

    /// `UPDATE table SET ... WHERE <pending> AND <extra>`.
    pub(crate) fn update(&self, extra: Option<&str>) -> String {
        let mut sql = format!("UPDATE {} SET {}", self.table(), self.assignments);
        let conditions: Vec<String> = self
            .pending
            .iter()
            .map(|p| format!("({p})"))
            .chain(extra.map(str::to_owned))
            .collect();
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql
    }
}

/// Writes a sea-query expression for `backend`, values inlined and escaped
/// by sea-query.
fn expression(backend: Backend, expr: &SimpleExpr) -> String {
    let mut sql = String::new();
    match backend {
        Backend::Postgres => PostgresQueryBuilder.prepare_simple_expr(expr, &mut sql),
        Backend::MySql => MysqlQueryBuilder.prepare_simple_expr(expr, &mut sql),
        Backend::Sqlite => SqliteQueryBuilder.prepare_simple_expr(expr, &mut sql),
    }
    sql
}

pub(super) fn render(
    backfill: &Backfill,
    backend: Backend,
    op: usize,
) -> Result<Statement, String> {
    if let Some(problem) = backfill.problems() {
        return Err(problem);
    }
    let pending = backfill.pending.as_ref().map(|p| expression(backend, p));
    let assignments = match &backfill.work {
        Work::Set(sets) => sets
            .iter()
            .map(|(column, value)| {
                format!(
                    "{} = {}",
                    ident(backend, column),
                    expression(backend, value)
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        Work::Map { .. } => String::new(),
    };
    let rendered = BackfillSql {
        backfill: backfill.clone(),
        backend,
        assignments,
        pending,
    };
    let sql = match &backfill.work {
        Work::Set(_) => rendered.update(None),
        // Not SQL that runs: a description the checksum and dry runs see.
        Work::Map { read, write, .. } => {
            let mut sql = format!(
                "UPDATE {} SET ({}) = rust_function({})",
                rendered.table(),
                idents(backend, write),
                idents(backend, read)
            );
            if let Some(pending) = &rendered.pending {
                sql.push_str(&format!(" WHERE ({pending})"));
            }
            sql
        }
    };
    Ok(Statement {
        sql,
        op,
        exec: Exec::Backfill(Box::new(rendered)),
        transactional: true,
    })
}
