//! Errors of the plan and apply phases. The prose of what a failed step
//! leaves behind is [`StepState`]'s, in `step_state.rs`.

use super::state::Edit;
use super::step_state::{ContinueAt, Interruption, StepState};
use crate::driver::{AuditRow, Direction, Outcome};
use crate::render::RenderError;

/// A plan could not be built or rendered. Raised for every step before the
/// first one runs, so nothing has touched the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The migration has no `downgrade` function and its upgrade cannot be
    /// reversed automatically.
    #[error(
        "downgrade {revision}: the migration has no `downgrade` function and its upgrade cannot be reversed automatically: {source}; add `pub fn downgrade(m: &mut Migration)` to {location}"
    )]
    Irreversible {
        /// The revision.
        revision: String,
        /// Where it is written.
        location: String,
        /// The step that has no inverse.
        #[source]
        source: crate::ops::Irreversible,
    },
    /// The migration's `downgrade` declares it irreversible
    /// ([`Migration::irreversible`](crate::ops::Migration::irreversible)).
    #[error(
        "downgrade {revision}: the migration is marked irreversible: {reason}; nothing was run (see {location})"
    )]
    MarkedIrreversible {
        /// The revision.
        revision: String,
        /// Where it is written.
        location: String,
        /// The author's reason.
        reason: String,
    },
    /// A step whose SQL is only known against a live database, in offline
    /// mode.
    #[error(
        "revision {revision}: statement {statement} ({operation}) cannot be rendered offline on {backend}: {why}; run this migration online (without --sql), or write the step as raw SQL, in {location}"
    )]
    NotOffline {
        /// The revision.
        revision: String,
        /// Where it is written.
        location: String,
        /// Which statement, counting from 1.
        statement: usize,
        /// What the statement does.
        operation: String,
        /// The backend.
        backend: crate::Backend,
        /// Why.
        why: &'static str,
    },
    /// An operation the schema the revisions before it build cannot take
    /// (a table or column that does not exist, a name that is taken),
    /// found by replaying the plans without a database.
    #[error(
        "revision {revision} does not fit the schema before it on {backend}: {error}; the schema is the one the migrations before it build, replayed without a database; fix the operation in {location}"
    )]
    Replay {
        /// The revision.
        revision: String,
        /// Where it is written.
        location: String,
        /// The backend whose plan it is.
        backend: crate::Backend,
        /// The operation and what is wrong.
        error: crate::schema::ReplayError,
    },
    /// The schema the migrations build cannot be written as SQL for a
    /// backend.
    #[error(
        "the schema the migrations build cannot be written as SQL for {backend}: {source}; the migrations themselves are fine: report this, with the output of `schema --format json`"
    )]
    SchemaSql {
        /// The backend.
        backend: crate::Backend,
        /// What the renderer said.
        #[source]
        source: Box<RenderError>,
    },
    /// The migration function panicked while recording its plan.
    #[error(
        "{direction} {revision}: the `{direction}` function panicked: {message}; fix it in {location}"
    )]
    Panicked {
        /// The revision.
        revision: String,
        /// Which function.
        direction: Direction,
        /// Where it is written.
        location: String,
        /// The panic message.
        message: String,
    },
    /// A type change that can lose data, without
    /// [`lossy_ok`](crate::ops::AlterColumn::lossy_ok).
    #[error("{0}")]
    LossyTypeChange(Box<super::lossy::LossyRefusal>),
    /// The upgrade has lint findings at deny that no allow silences.
    #[error(
        "upgrade refused, nothing was run: {} lint finding{} at deny:\n{}\nmake the change the safe way (each line says how), or allow it with `.allow(Lint::..., \"why\")` after its operation, or set the rule's severity in migrate.toml; `lint` lists every finding",
        .findings.len(),
        if .findings.len() == 1 { "" } else { "s" },
        .findings.iter().map(|f| format!("  {}", f.line())).collect::<Vec<_>>().join("\n")
    )]
    LintDenied {
        /// The findings.
        findings: Vec<crate::lint::Finding>,
    },
    /// The plan cannot be rendered for this backend.
    #[error("{direction} {revision}: {source}; fix it in {location}")]
    Render {
        /// The revision.
        revision: String,
        /// Which function.
        direction: Direction,
        /// Where it is written.
        location: String,
        /// What the renderer said.
        #[source]
        source: Box<RenderError>,
    },
}

/// Applying a step failed, or the version tables could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// A statement of a migration failed.
    #[error(
        "{direction} {revision} ({message}): statement {number} of {total} ({operation}) failed: {db_message}\n  sql: {sql}\n  {state}"
    )]
    Statement {
        /// The revision.
        revision: String,
        /// Its message.
        message: String,
        /// Which way.
        direction: Direction,
        /// 1-based position of the failing statement.
        number: usize,
        /// Statements in the step.
        total: usize,
        /// The operation it came from, e.g. `add_column users.email`.
        operation: String,
        /// The failing SQL.
        sql: String,
        /// The database's own message.
        db_message: String,
        /// What state the database is in now, and what to do.
        state: StepState,
        /// What the database (or the SQLite rebuild planner) said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Updating the version tables failed; the step's transaction was rolled
    /// back where the backend has one.
    #[error("{direction} {revision}: record the step in the version tables: {source}; {state}")]
    Bookkeeping {
        /// The revision.
        revision: String,
        /// Which way.
        direction: Direction,
        /// What state the database is in now.
        state: StepState,
        /// What sqlx said.
        #[source]
        source: sqlx::Error,
    },
    /// The version tables are in another schema than the one this
    /// connection creates tables in (PostgreSQL).
    #[error(
        "the version tables are in schema {}, not in `{schema}`, where this connection creates tables (the first schema of its search_path that it may use); nothing was run, so nothing is applied twice. Connect with that schema first in the search_path, e.g. `?options=-csearch_path%3D{}` in the URL, or grant this role USAGE on it",
        .found.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "),
        .found[0]
    )]
    VersionTablesElsewhere {
        /// The schema this connection uses.
        schema: String,
        /// Where the tables are.
        found: Vec<String>,
    },
    /// The role may not read the heads table, which MySQL then hides from
    /// its catalog: whether it exists cannot be told.
    #[error(
        "read the version tables: {source}; this role may not read {table}, so it cannot tell which migrations are applied (MySQL hides such tables from the role, even when they exist): grant it SELECT, INSERT, UPDATE and DELETE on {table} and migrate_audit (or on the database), or connect as their owner; nothing was run"
    )]
    VersionTablesHidden {
        /// The table probed.
        table: &'static str,
        /// What the database said.
        #[source]
        source: sqlx::Error,
    },
    /// The database has another tool's version table and none of ours.
    #[error("{}; nothing was run", .other.advice())]
    ManagedByAnotherTool {
        /// The tool and where it says the database is.
        other: Box<super::OtherTool>,
    },
    /// The version tables could not be read.
    #[error("read the version tables: {source}; {}", read_advice(.source))]
    ReadState {
        /// What sqlx said.
        #[source]
        source: sqlx::Error,
    },
    /// The heads table names revisions this build does not know.
    #[error(
        "the database is at {}, which this build does not know; a newer build was probably deployed against this database: run that build, or check that you are pointing at the right database",
        .ids.join(", ")
    )]
    UnknownRevisions {
        /// The unknown ids.
        ids: Vec<String>,
    },
    /// `stamp` over revisions this build does not know.
    #[error(
        "the database is at {}, which this build does not know: a newer build was probably deployed elsewhere and upgraded this database; stamping would forget those revisions, so run that build instead, or pass --purge to replace the heads table anyway",
        .ids.join(", ")
    )]
    StampOverUnknown {
        /// The unknown ids.
        ids: Vec<String>,
    },
    /// Writing the heads table for `stamp` failed.
    #[error("write the heads table: {source}; nothing changed (the transaction was rolled back)")]
    Stamp {
        /// What sqlx said.
        #[source]
        source: sqlx::Error,
    },
    /// A step stopped part-way with statements applied outside a
    /// transaction; nothing else runs until a human resolves it.
    #[error("{}", dirty_message(.step))]
    Dirty {
        /// Its audit row.
        step: Box<AuditRow>,
    },
    /// `stamp` while a step stopped part-way: the heads it writes would
    /// leave that step's statements in doubt.
    #[error(
        "stamp: refused, since stamping now would leave a step that stopped part-way in doubt: {}",
        dirty_message(.step)
    )]
    StampWhileDirty {
        /// The audit row of the step.
        step: Box<AuditRow>,
    },
    /// Applied migrations were edited since.
    #[error("{}", edited_message(.edits))]
    Edited {
        /// What changed.
        edits: Vec<Edit>,
    },
    /// The version tables are not as migrate made them.
    #[error(
        "the version tables were altered by hand: {problem}; nothing was run. Restore them from a backup, or recreate them: `stamp --purge <revision>` rewrites the heads table once the audit table exists"
    )]
    VersionTablesAltered {
        /// What is wrong.
        problem: String,
    },
    /// `resume` or `repair` with nothing stopped part-way.
    #[error(
        "nothing to {verb}: no migration stopped part-way (the newest step in the audit table finished or rolled back); to set the heads table by hand, use `stamp`"
    )]
    NotDirty {
        /// `resume` or `repair`.
        verb: &'static str,
    },
    /// `repair REV` names another revision than the one that stopped.
    #[error(
        "repair {given}: the migration that stopped part-way is {dirty}, not {given}; run `status` to see it, and name it"
    )]
    RepairOther {
        /// What was named.
        given: String,
        /// What stopped.
        dirty: String,
    },
    /// `resume` of a step whose plan changed since it stopped.
    #[error(
        "resume {revision}: its plan changed since it stopped (checksum {recorded} then, {current} now), so the statements left are not the ones that were running; revert the edit, or finish by hand and record it with `repair {revision} --applied` or `--reverted`"
    )]
    ResumeEdited {
        /// The revision.
        revision: String,
        /// The checksum then.
        recorded: String,
        /// Now.
        current: String,
    },
    /// `accept REV` on a revision that is not applied, or not edited.
    #[error("accept {revision}: {why}; nothing was recorded")]
    NotEdited {
        /// The revision.
        revision: String,
        /// Not applied, or its checksum matches.
        why: String,
    },
    /// A step that must run outside a transaction, with PostgreSQL's
    /// transaction-scoped lock, which only exists inside one.
    #[error(
        "{direction} {revision}: this migration runs outside a transaction (CONCURRENTLY), where --lock-mode transaction holds no lock; nothing was run. Run it with the session lock (the default), which holds the lock for the whole run, directly or through PgBouncer"
    )]
    NeedsSessionLock {
        /// The revision.
        revision: String,
        /// Which way.
        direction: Direction,
    },
    /// A backfill stopped: a check before its first batch, or the Rust
    /// function on a row.
    #[error(
        "{direction} {revision}: statement {number} of {total} ({operation}) failed: {problem}\n  {state}"
    )]
    Backfill {
        /// The revision.
        revision: String,
        /// Which way.
        direction: Direction,
        /// 1-based position of the backfill in the step.
        number: usize,
        /// Statements in the step.
        total: usize,
        /// The operation, e.g. `backfill users.locale`.
        operation: String,
        /// What is wrong.
        problem: String,
        /// What state the database is in now, and what to do.
        state: StepState,
    },
    /// The run was interrupted ([`Interrupter::interrupt`], a signal)
    /// between two steps or two backfill batches.
    ///
    /// [`Interrupter::interrupt`]: crate::driver::Interrupter::interrupt
    #[error("interrupted: {state}")]
    Interrupted {
        /// What is applied and what to do.
        state: Interruption,
    },
    /// A backfill reached its `max_rows` for this run.
    #[error(
        "upgrade {revision}: {operation} stopped after {rows} rows, the most it may update in one run (`max_rows`); the migration stays in its backfill phase and nothing after it ran: run `upgrade` again to continue {continue_at}"
    )]
    BackfillPaused {
        /// The revision.
        revision: String,
        /// The operation.
        operation: String,
        /// Rows this run updated.
        rows: u64,
        /// Where the next run starts.
        continue_at: ContinueAt,
    },
    /// Another migrator is running this migration's backfill (per-step
    /// lock only), and did not finish within the lock timeout.
    #[error(
        "{revision} is in progress in another migrator ({owner}), which was still running it after {waited_secs} s; nothing was run. Wait for it to finish, or stop it: a new run continues where it stopped"
    )]
    BackfillBusy {
        /// The revision.
        revision: String,
        /// Who runs it.
        owner: String,
        /// How long this run waited.
        waited_secs: u64,
    },
    /// The heads table changed between reading and writing it.
    #[error(
        "the heads table changed while this run was applying {revision}: another migrator ran at the same time; run the command again"
    )]
    ConcurrentChange {
        /// The revision about to be recorded.
        revision: String,
    },
}

fn dirty_message(step: &AuditRow) -> String {
    let what = match step.outcome {
        Outcome::Failed => "failed",
        _ => "was interrupted (the process died or lost its connection)",
    };
    let mut message = format!(
        "{} {} {what} on {} after {} of {} statements, which ran outside a transaction and stay applied",
        step.direction,
        step.revision,
        step.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
        step.statements_done,
        step.statements_total,
    );
    if let Some(error) = &step.error {
        let first_line = error.lines().next().unwrap_or_default();
        message.push_str(&format!(" ({first_line})"));
    }
    message.push_str(&format!(
        "; nothing else runs until this is resolved: run `resume` to run statements {}..{} (after fixing the cause), or finish or undo them by hand and record it with `repair {} --applied` or `repair {} --reverted`",
        step.statements_done + 1,
        step.statements_total,
        step.revision,
        step.revision,
    ));
    message
}

fn edited_message(edits: &[Edit]) -> String {
    let mut message = format!(
        "{} applied migration(s) changed since they were applied, so this database no longer matches the code; nothing was run:",
        edits.len()
    );
    for edit in edits {
        message.push_str(&format!("\n  {edit}"));
    }
    let ids: Vec<&str> = edits.iter().map(|e| e.revision.as_str()).collect();
    message.push_str(&format!(
        "\nRevert the edit and put the change in a new migration; or, if the database already matches the new code (a fix applied by hand, a cosmetic change), record that with `accept {}`",
        ids.join(" ")
    ));
    message
}

/// What to do when the version tables cannot be read.
fn read_advice(source: &sqlx::Error) -> &'static str {
    let code = source
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned())
        .unwrap_or_default();
    match code.as_str() {
        // SQLite BUSY (and its extended codes): another connection holds
        // the database's lock for longer than the lock timeout.
        "5" | "261" | "517" => {
            "another connection holds the database's lock: wait for it to finish, or raise --lock-timeout"
        }
        _ => "check that the connected role may read them",
    }
}
