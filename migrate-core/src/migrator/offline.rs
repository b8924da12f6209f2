//! Offline mode: the SQL script of a run, for a DBA to read and run with
//! psql, mysql or sqlite3, rendered without a connection.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use chrono::Utc;

use super::{Migrator, PlanError, RenderedStep};
use crate::driver::{AuditRow, Direction, Outcome};
use crate::graph::Target;
use crate::ops::Literal;
use crate::render::sql;
use crate::render::{Exec, Statement};
use crate::store::sql::{self as store_sql, Audit, Stamp};
use crate::{Backend, Error};

impl Migrator {
    /// The SQL script that moves a database at the heads `from` (graph
    /// indices; empty: base) to `target`, for `backend`, without touching a
    /// database: each step's statements with its heads-table and audit
    /// updates, inside `BEGIN`/`COMMIT` where the backend has transactional
    /// DDL, under a comment naming the revision. Starting from base, an
    /// upgrade script first creates the version tables.
    ///
    /// ```
    /// # fn demo(migrator: &migrate_core::Migrator) -> Result<(), migrate_core::Error> {
    /// use migrate_core::Backend;
    /// use migrate_core::driver::Direction;
    /// use migrate_core::graph::Target;
    ///
    /// let script = migrator.offline_script(Backend::Postgres, Direction::Upgrade, &[], &Target::Head)?;
    /// assert!(script.contains("CREATE TABLE IF NOT EXISTS migrate_heads"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// What routing the target returns, a plan that does not render, and
    /// [`PlanError::NotOffline`] for a step whose SQL is only known against
    /// a live database (SQLite's table rebuild).
    pub fn offline_script(
        &self,
        backend: Backend,
        direction: Direction,
        from: &[usize],
        target: &Target,
    ) -> Result<String, Error> {
        let route = self.graph.route(direction, from, target)?;
        let steps = route
            .into_iter()
            .map(|index| self.step(index, direction, backend))
            .collect::<Result<Vec<_>, _>>()?;
        let id = |i: &usize| self.graph.revision(*i).id.clone();
        let from_ids: Vec<String> = from.iter().map(id).collect();
        let mut out = crate::text::sql_comment(&format!(
            "migrate: {direction} from {} to {target} on {backend}, rendered offline",
            if from_ids.is_empty() {
                "base".to_owned()
            } else {
                from_ids.join(", ")
            },
        ));
        out.push('\n');
        let _ = writeln!(out, "-- run it with {}\n", client(backend));
        if from.is_empty() && direction == Direction::Upgrade {
            for ddl in store_sql::ddl(backend) {
                let _ = writeln!(out, "{ddl};");
            }
            out.push('\n');
        }
        let mut heads: BTreeSet<usize> = from.iter().copied().collect();
        for step in &steps {
            let before = heads.clone();
            self.graph.heads_after(direction, &mut heads, step.index);
            let deleted: Vec<String> = before.difference(&heads).map(id).collect();
            let inserted: Vec<String> = heads.difference(&before).map(id).collect();
            self.write_step(&mut out, backend, step, &deleted, &inserted)?;
        }
        if steps.is_empty() {
            out.push_str("-- nothing to run\n");
        }
        Ok(out)
    }

    /// One step: its comment, statements and bookkeeping.
    fn write_step(
        &self,
        out: &mut String,
        backend: Backend,
        step: &RenderedStep,
        deleted: &[String],
        inserted: &[String],
    ) -> Result<(), PlanError> {
        let revision = self.graph.revision(step.index);
        let parents = revision.parents.join(", ");
        // The message is inert already (`Graph::build`); the comment makes
        // sure of it.
        let comment = match step.direction {
            Direction::Upgrade => format!(
                "Running upgrade {parents} -> {}, {}",
                revision.id, revision.message
            ),
            Direction::Downgrade => format!(
                "Running downgrade {} -> {parents}, {}",
                revision.id, revision.message
            ),
        };
        let _ = writeln!(out, "{}", crate::text::sql_comment(&comment));
        let in_transaction = backend.transactional_ddl() && !step.non_transactional();
        if in_transaction {
            out.push_str("BEGIN;\n");
        }
        for (i, statement) in step.statements.iter().enumerate() {
            let text = offline_sql(backend, statement).map_err(|why| PlanError::NotOffline {
                revision: revision.id.clone(),
                location: revision.location.clone(),
                statement: i + 1,
                operation: step.describe_statement(i),
                backend,
                why,
            })?;
            let _ = writeln!(out, "{text};");
        }
        let count = step.statements.len() as i64;
        let row = AuditRow {
            id: 0,
            revision: revision.id.clone(),
            direction: step.direction,
            checksum: step.checksum.clone(),
            started_at: Utc::now(),
            finished_at: None,
            duration_ms: None,
            outcome: Outcome::Success,
            statements_done: count,
            statements_total: count,
            error: None,
            args: step.args_json(),
            plan: Some(step.plan_digest()),
        };
        let deleted: Vec<&str> = deleted.iter().map(String::as_str).collect();
        let inserted: Vec<&str> = inserted.iter().map(String::as_str).collect();
        out.push_str(&store_sql::record_step(
            backend,
            &deleted,
            &inserted,
            &row,
            Audit::Insert(Stamp::Now),
        ));
        if in_transaction {
            out.push_str("COMMIT;\n");
        }
        out.push('\n');
        Ok(())
    }
}

/// How to run a script on `backend`.
fn client(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "psql -v ON_ERROR_STOP=1 -f FILE",
        Backend::MySql => "mysql DATABASE < FILE",
        Backend::Sqlite => "sqlite3 DATABASE < FILE",
    }
}

/// The statement as text a client can run, its bound values written as
/// literals, or why it has none.
fn offline_sql(backend: Backend, statement: &Statement) -> Result<String, &'static str> {
    match &statement.exec {
        Exec::Sql => Ok(statement.sql.clone()),
        Exec::Bound(values) => Ok(inline(backend, &statement.sql, values)),
        Exec::SqliteRebuild(_) => Err("its SQL is derived from the live table"),
        Exec::Backfill(backfill) if backfill.backfill.is_map() => {
            Err("it runs a Rust function on every row, which a script cannot")
        }
        // A script has no loop: the batches become the one statement they
        // add up to, said so above it.
        Exec::Backfill(_) => Ok(format!(
            "-- backfill: online, this runs in key-range batches of its own transactions; here it is one UPDATE\n{}",
            statement.sql
        )),
    }
}

/// `sql` with each placeholder (`?`, or `$N` on PostgreSQL) outside quotes
/// replaced by the literal of its value.
fn inline(backend: Backend, sql: &str, values: &[Literal]) -> String {
    let literal = |value: &Literal| match (backend, value) {
        (Backend::Postgres, Literal::Json(_)) => format!("{}::jsonb", sql::literal(backend, value)),
        _ => sql::literal(backend, value),
    };
    let mut out = String::with_capacity(sql.len() + values.len() * 8);
    let mut quote: Option<char> = None;
    let mut next = 0;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '?') if backend != Backend::Postgres => {
                if let Some(value) = values.get(next) {
                    out.push_str(&literal(value));
                    next += 1;
                    continue;
                }
            }
            (None, '$') if backend == Backend::Postgres => {
                let mut digits = String::new();
                while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(d);
                    chars.next();
                }
                match digits
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| values.get(n.wrapping_sub(1)))
                {
                    Some(value) => out.push_str(&literal(value)),
                    None => {
                        out.push('$');
                        out.push_str(&digits);
                    }
                }
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inlines_placeholders_outside_quotes() {
        let values = [
            Literal::String("it's".into()),
            Literal::Int(7),
            Literal::Null,
        ];
        assert_eq!(
            inline(
                Backend::Sqlite,
                "INSERT INTO \"a?\" (x, y, z) VALUES (?, ?, ?)",
                &values
            ),
            "INSERT INTO \"a?\" (x, y, z) VALUES ('it''s', 7, NULL)"
        );
        assert_eq!(
            inline(
                Backend::MySql,
                "INSERT INTO `t` (x) VALUES (?)",
                &[Literal::String("a\\b".into())]
            ),
            "INSERT INTO `t` (x) VALUES ('a\\\\b')"
        );
        let json = Literal::Json(serde_json::json!([{"x": "it's"}]));
        assert_eq!(
            inline(
                Backend::Postgres,
                "SELECT * FROM f(NULL::\"t$1\", $1)",
                &[json]
            ),
            "SELECT * FROM f(NULL::\"t$1\", '[{\"x\":\"it''s\"}]'::jsonb)"
        );
    }
}
