//! Offline mode: the SQL script of a run, for a DBA to read and run with
//! psql, mysql or sqlite3, rendered without a connection.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{Migrator, PlanError, RenderedStep};
use crate::driver::{AuditRow, Direction, Outcome};
use crate::graph::{RevisionIdx, Target};
use crate::render::{self, Exec, Rebuild, Statement};
use crate::schema::Replay;
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
    /// a live database: a SQLite table rebuild of a table raw SQL changed in
    /// ways the replay cannot follow (any other rebuild is derived from the
    /// table as the plans before it leave it, replayed), and a backfill
    /// that runs a Rust function.
    pub fn offline_script(
        &self,
        backend: Backend,
        direction: Direction,
        from: &[RevisionIdx],
        target: &Target,
    ) -> Result<String, Error> {
        let route = self.graph.route(direction, from, target)?;
        self.refuse_denied(&route, direction, backend)?;
        let steps = self.route_steps(&route, from, direction, backend, true)?;
        let id = |i: &RevisionIdx| self.graph.revision(*i).id.clone();
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
        let _ = writeln!(out, "-- run it with {}\n", backend.client());
        if from.is_empty() && direction == Direction::Upgrade {
            for ddl in store_sql::ddl(backend) {
                let _ = writeln!(out, "{ddl};");
            }
            out.push('\n');
        }
        // SQLite's table rebuild is derived from the table as it is: here,
        // as the plans before it leave it, replayed.
        let mut replay = match backend {
            Backend::Sqlite => Some(self.schema_at(from, backend)?),
            _ => None,
        };
        let mut heads: BTreeSet<RevisionIdx> = from.iter().copied().collect();
        for step in &steps {
            let before = heads.clone();
            self.graph.heads_after(direction, &mut heads, step.index);
            let deleted: Vec<String> = before.difference(&heads).map(id).collect();
            let inserted: Vec<String> = heads.difference(&before).map(id).collect();
            self.write_step(
                &mut out,
                backend,
                step,
                replay.as_mut(),
                &deleted,
                &inserted,
            )?;
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
        mut replay: Option<&mut Replay>,
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
        let rebuilds = step
            .statements
            .iter()
            .any(|s| matches!(s.exec, Exec::SqliteRebuild(_)));
        if rebuilds {
            // As the online run does: the copy and the swap of a rebuild
            // must not trip the foreign keys that point at the table (a
            // no-op inside a transaction, so before it).
            out.push_str("PRAGMA foreign_keys = OFF;\n");
        }
        let timeouts = self.timeouts.for_plan(&step.plan);
        if backend == Backend::MySql {
            // As an online run waits for metadata locks.
            let _ = writeln!(
                out,
                "{};",
                render::sql::mysql_lock_wait(timeouts.lock_timeout)
            );
        }
        // As an online run groups them: each run of statements that may
        // share a transaction in one, the others (`CONCURRENTLY`, a
        // `VALIDATE` on its own) between them.
        let statements = &step.statements;
        let bounded = |first: usize| {
            statements[first..]
                .iter()
                .take_while(|s| s.transactional)
                .all(|s| {
                    step.plan
                        .operations()
                        .get(s.op)
                        .is_some_and(super::timeouts::bounded)
                })
        };
        let mut in_transaction = false;
        let mut transaction = |out: &mut String, open: bool, first: usize| {
            if !backend.transactional_ddl() || open == in_transaction {
                return;
            }
            in_transaction = open;
            if !open {
                out.push_str("COMMIT;\n");
                return;
            }
            out.push_str("BEGIN;\n");
            // As an online run waits for table locks (a short while, then
            // it fails rather than hold up the queries queued behind it)
            // and bounds schema changes.
            if backend == Backend::Postgres {
                let statement = timeouts.statement_timeout.filter(|_| bounded(first));
                for sql in render::sql::transaction_timeouts(timeouts.lock_timeout, statement) {
                    let _ = writeln!(out, "{sql};");
                }
            }
        };
        let operations = step.plan.operations();
        let mut replayed = 0;
        let mut replay_to = |replay: &mut Replay, end: usize| {
            for op in &operations[replayed.min(end)..end] {
                replay.operation(op).map_err(|error| PlanError::Replay {
                    revision: revision.id.clone(),
                    location: revision.location.clone(),
                    backend,
                    error,
                })?;
            }
            replayed = replayed.max(end);
            Ok::<(), PlanError>(())
        };
        for (i, statement) in step.statements.iter().enumerate() {
            transaction(out, statement.transactional, i);
            let not_offline = |why| PlanError::NotOffline {
                revision: revision.id.clone(),
                location: revision.location.clone(),
                statement: i + 1,
                operation: step.describe_statement(i),
                backend,
                why,
            };
            if let (Exec::SqliteRebuild(rebuild), Some(replay)) =
                (&statement.exec, replay.as_deref_mut())
            {
                replay_to(replay, statement.op)?;
                for sql in rebuilt(replay, rebuild).map_err(not_offline)? {
                    let _ = writeln!(out, "{sql};");
                }
                continue;
            }
            let text = offline_sql(backend, statement).map_err(not_offline)?;
            let _ = writeln!(out, "{text};");
        }
        if let Some(replay) = replay {
            replay_to(replay, operations.len())?;
        }
        let row = AuditRow {
            statements_done: step.statements.len() as i64,
            ..step.audit_row(Outcome::Success)
        };
        let deleted: Vec<&str> = deleted.iter().map(String::as_str).collect();
        let inserted: Vec<&str> = inserted.iter().map(String::as_str).collect();
        transaction(out, true, step.statements.len());
        out.push_str(&store_sql::record_step(
            backend,
            &deleted,
            &inserted,
            &row,
            Audit::Insert(Stamp::Now),
        ));
        transaction(out, false, 0);
        out.push('\n');
        Ok(())
    }
}

/// The statements of a SQLite table rebuild, derived from the table as the
/// replay has it; why there are none when the replay is not sure of it.
fn rebuilt(replay: &Replay, rebuild: &Rebuild) -> Result<Vec<String>, &'static str> {
    let uncertain = replay.uncertain();
    if uncertain.everything || uncertain.tables.contains(&rebuild.table) {
        return Err(
            "its SQL is derived from the table's definition, which raw SQL before it changed in ways the replay cannot follow",
        );
    }
    let objects = replay
        .schema()
        .sqlite_objects()
        .map_err(|_| "the table's definition could not be written from the replayed schema")?;
    rebuild
        .statements(&objects)
        .map_err(|_| "its SQL could not be derived from the table's replayed definition")
}

/// The statement as text a client can run, its bound values written as
/// literals, or why it has none.
pub(super) fn offline_sql(backend: Backend, statement: &Statement) -> Result<String, &'static str> {
    match &statement.exec {
        Exec::Sql => Ok(statement.sql.clone()),
        Exec::Bound(values) => Ok(render::inline(backend, &statement.sql, values)),
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
