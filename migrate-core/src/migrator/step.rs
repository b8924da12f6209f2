//! One step of a run: a revision's plan, built and rendered.

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::PlanError;
use crate::Backend;
use crate::driver::{AuditRow, Direction, Outcome};
use crate::graph::RevisionIdx;
use crate::ops::Migration;
use crate::registry::Registration;
use crate::render::{self, Statement};

/// The `-x key=value` arguments that reach migrations, shared by every
/// plan of a run.
pub type Args = Arc<BTreeMap<String, String>>;

/// A revision's plan in one direction, rendered for one backend.
#[derive(Debug, Clone)]
pub struct RenderedStep {
    /// The graph index of the revision.
    pub index: RevisionIdx,
    /// The revision's registration.
    pub registration: &'static Registration,
    /// Which way.
    pub direction: Direction,
    /// The plan that was recorded.
    pub plan: Migration,
    /// Its SQL.
    pub statements: Vec<Statement>,
    /// The checksum of the plan's SQL as written, computed when first
    /// asked for: `check` renders every step and needs none.
    checksum: OnceLock<String>,
}

/// A short hash of one statement, as the audit table's `plan` column keeps
/// it.
fn statement_hash(statement: &Statement) -> String {
    let full = render::checksum(std::slice::from_ref(statement));
    full[..12].to_owned()
}

impl RenderedStep {
    /// Records the revision's plan and renders it for `backend`, with no
    /// `-x` arguments.
    pub fn build(
        index: RevisionIdx,
        registration: &'static Registration,
        direction: Direction,
        backend: Backend,
    ) -> Result<Self, PlanError> {
        Self::build_with_args(index, registration, direction, backend, &Args::default())
    }

    /// Records the revision's plan with `args` (what `-x key=value` gave,
    /// read by [`Migration::arg`]) and renders it for `backend`.
    pub fn build_with_args(
        index: RevisionIdx,
        registration: &'static Registration,
        direction: Direction,
        backend: Backend,
        args: &Args,
    ) -> Result<Self, PlanError> {
        let plan = record(registration, direction, backend, args)?;
        let statements = render::render(&plan, backend).map_err(|source| PlanError::Render {
            revision: registration.id.to_owned(),
            direction,
            location: registration.location(),
            source: Box::new(source),
        })?;
        Ok(Self {
            index,
            registration,
            direction,
            plan,
            statements,
            checksum: OnceLock::new(),
        })
    }

    /// The step as a run executes it: operations on tables that held rows
    /// before the migration in their online forms
    /// ([`render::render_online`]). The checksum stays that of the plan as
    /// written.
    pub(crate) fn online(
        mut self,
        online: &render::Online,
        backend: Backend,
    ) -> Result<Self, PlanError> {
        let any = (0..self.plan.operations().len())
            .any(|op| online.form(&self.plan, op, backend).is_some());
        if any {
            // The checksum is the plan's as written: taken before the
            // statements change.
            self.checksum();
            self.statements =
                render::render_online(&self.plan, backend, online).map_err(|source| {
                    PlanError::Render {
                        revision: self.registration.id.to_owned(),
                        direction: self.direction,
                        location: self.registration.location(),
                        source: Box::new(source),
                    }
                })?;
        }
        Ok(self)
    }

    /// The checksum of the plan's SQL as written (the audit table's
    /// `checksum`): the same whatever form the statements run in.
    pub fn checksum(&self) -> &str {
        self.checksum
            .get_or_init(|| render::checksum(&self.statements))
    }

    /// Whether some statement of the step runs outside a transaction
    /// (`CREATE INDEX CONCURRENTLY`, a `VALIDATE` on its own): the step then
    /// runs in phases, each committed with its progress recorded.
    pub fn non_transactional(&self) -> bool {
        self.statements.iter().any(|s| !s.transactional)
    }

    /// The audit row of this step with `outcome`, started now, nothing
    /// done yet: the checksum, the `-x` arguments and the plan digest
    /// recorded as a run, an offline script and `accept` record them.
    pub(crate) fn audit_row(&self, outcome: Outcome) -> AuditRow {
        AuditRow {
            id: 0,
            revision: self.registration.id.to_owned(),
            direction: self.direction,
            checksum: self.checksum().to_owned(),
            started_at: chrono::Utc::now(),
            finished_at: None,
            duration_ms: None,
            outcome,
            statements_done: 0,
            statements_total: self.statements.len() as i64,
            error: None,
            args: self.args_json(),
            plan: Some(self.plan_digest()),
        }
    }

    /// The `-x` arguments the plan read, as the audit table stores them: a
    /// JSON object, or `None` when it read none.
    pub fn args_json(&self) -> Option<String> {
        let read = self.plan.args_read();
        (!read.is_empty()).then(|| serde_json::to_string(&read).unwrap_or_default())
    }

    /// One line per statement, `<hash> <operation>`, as the audit table's
    /// `plan` column stores it, so that an edit can be located later.
    pub fn plan_digest(&self) -> String {
        self.statements
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{} {}", statement_hash(s), self.describe_statement(i)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A short description of statement `i` for messages.
    pub(crate) fn describe_statement(&self, i: usize) -> String {
        self.plan
            .operations()
            .get(self.statements[i].op)
            .map(|op| op.describe())
            .unwrap_or_default()
    }
}

/// The plan of one direction as each backend records it: once when it does
/// not ask for its backend (the same plan everywhere), else once per
/// backend. For what looks at every backend without a database.
pub(crate) fn record_each_backend(
    registration: &Registration,
    direction: Direction,
    args: &Args,
) -> Vec<Result<Migration, PlanError>> {
    let [first, others @ ..] = Backend::ALL;
    let plan = record(registration, direction, first, args);
    let same_everywhere = matches!(&plan, Ok(plan) if !plan.asked_backend());
    let mut plans = vec![plan];
    if !same_everywhere {
        plans.extend(
            others
                .iter()
                .map(|&backend| record(registration, direction, backend, args)),
        );
    }
    plans
}

/// Records the plan of one direction. A migration without a `downgrade`
/// function downgrades with its upgrade, reversed.
pub(crate) fn record(
    registration: &Registration,
    direction: Direction,
    backend: Backend,
    args: &Args,
) -> Result<Migration, PlanError> {
    let call = |direction, function| call(registration, direction, function, backend, args);
    match (direction, registration.downgrade) {
        (Direction::Upgrade, _) => call(direction, registration.upgrade),
        (Direction::Downgrade, Some(downgrade)) => {
            let plan = call(direction, downgrade)?;
            match plan.irreversible_reason() {
                Some(reason) => Err(PlanError::MarkedIrreversible {
                    revision: registration.id.to_owned(),
                    location: registration.location(),
                    reason: reason.to_owned(),
                }),
                None => Ok(plan),
            }
        }
        (Direction::Downgrade, None) => call(Direction::Upgrade, registration.upgrade)?
            .reversed()
            .map_err(|source| PlanError::Irreversible {
                revision: registration.id.to_owned(),
                location: registration.location(),
                source,
            }),
    }
}

/// Calls a migration function to record its plan. A panic there becomes an
/// error naming the revision, not a crash.
fn call(
    registration: &Registration,
    direction: Direction,
    function: fn(&mut Migration),
    backend: Backend,
    args: &Args,
) -> Result<Migration, PlanError> {
    panic::catch_unwind(AssertUnwindSafe(|| {
        let mut plan = Migration::with_args(Arc::clone(args)).for_backend(backend);
        function(&mut plan);
        plan
    }))
    .map_err(|payload| PlanError::Panicked {
        revision: registration.id.to_owned(),
        direction,
        location: registration.location(),
        message: payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".to_owned()),
    })
}

/// What one applied step did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepReport {
    /// The revision id.
    pub revision: String,
    /// Its message.
    pub message: String,
    /// Which way.
    pub direction: Direction,
    /// Statements run.
    pub statements: usize,
    /// Wall time, including the version update.
    #[serde(serialize_with = "serialize_ms")]
    pub duration: Duration,
}

fn serialize_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{Column, Index};

    fn registration(
        upgrade: fn(&mut Migration),
        downgrade: Option<fn(&mut Migration)>,
    ) -> &'static Registration {
        Box::leak(Box::new(Registration {
            id: "abcd00000001",
            revises: &[],
            branch_labels: &[],
            depends_on: &[],
            message: "test",
            module: "tests::m",
            file: "m.rs",
            line: 1,
            upgrade,
            downgrade,
        }))
    }

    #[test]
    fn a_missing_downgrade_is_the_upgrade_reversed() {
        let reg = registration(
            |m| {
                m.add_column("users", Column::new("phone").string(32).nullable());
                m.create_index(Index::new("ix_users_phone").on("users", ["phone"]));
            },
            None,
        );
        let step = RenderedStep::build(
            RevisionIdx::new(0),
            reg,
            Direction::Downgrade,
            Backend::Postgres,
        )
        .unwrap();
        let sql: Vec<&str> = step.statements.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            [
                r#"DROP INDEX "ix_users_phone""#,
                r#"ALTER TABLE "users" DROP COLUMN "phone""#
            ]
        );
    }

    #[test]
    fn an_irreversible_step_is_named_before_anything_runs() {
        let reg = registration(
            |m| {
                m.add_column("users", Column::new("phone").string(32).nullable());
                m.execute("UPDATE users SET phone = ''");
            },
            None,
        );
        let error = RenderedStep::build(
            RevisionIdx::new(0),
            reg,
            Direction::Downgrade,
            Backend::Sqlite,
        )
        .unwrap_err()
        .to_string();
        assert!(error.starts_with("downgrade abcd00000001: "), "{error}");
        assert!(error.contains("step 2 (execute)"), "{error}");
        assert!(error.contains(".reverse(..)"), "{error}");
        assert!(error.contains("m.rs:1"), "{error}");
        // An explicit downgrade is used as written.
        let reg = registration(
            |m| {
                m.execute("SELECT 1");
            },
            Some(|m| {
                m.execute("SELECT 2");
            }),
        );
        assert!(
            RenderedStep::build(
                RevisionIdx::new(0),
                reg,
                Direction::Downgrade,
                Backend::Sqlite
            )
            .is_ok()
        );
    }

    #[test]
    fn a_migration_with_concurrently_runs_in_phases() {
        let reg = registration(
            |m| {
                m.add_column("events", Column::new("at").timestamptz().nullable());
                m.create_index(
                    Index::new("ix_events_at")
                        .on("events", ["at"])
                        .concurrently(),
                );
            },
            None,
        );
        let step = RenderedStep::build(
            RevisionIdx::new(0),
            reg,
            Direction::Upgrade,
            Backend::Postgres,
        )
        .unwrap();
        assert!(step.non_transactional());
        let transactional: Vec<bool> = step.statements.iter().map(|s| s.transactional).collect();
        assert_eq!(transactional, [true, false]);
        // Elsewhere CONCURRENTLY is moot.
        let step =
            RenderedStep::build(RevisionIdx::new(0), reg, Direction::Upgrade, Backend::MySql)
                .unwrap();
        assert!(!step.non_transactional());
    }

    #[test]
    fn the_online_form_keeps_the_checksum_of_the_plan_as_written() {
        let reg = registration(
            |m| {
                m.create_index(Index::new("ix_events_at").on("events", ["at"]));
            },
            None,
        );
        let build = || {
            RenderedStep::build(
                RevisionIdx::new(0),
                reg,
                Direction::Upgrade,
                Backend::Postgres,
            )
            .unwrap()
        };
        let written = build();
        let online = render::Online {
            on_rows: vec![true],
            postgres_version: 13,
        };
        let step = build().online(&online, Backend::Postgres).unwrap();
        assert_eq!(
            step.statements[0].sql,
            r#"CREATE INDEX CONCURRENTLY "ix_events_at" ON "events" ("at")"#
        );
        assert!(step.non_transactional());
        assert_eq!(step.checksum(), written.checksum());
        // A new table: as written.
        let fresh = render::Online {
            on_rows: vec![false],
            postgres_version: 13,
        };
        let step = build().online(&fresh, Backend::Postgres).unwrap();
        assert_eq!(step.statements, written.statements);
    }
}
