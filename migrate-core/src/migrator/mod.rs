//! The runtime: resolves a target against the database's heads, then applies
//! or reverts each step with its version update.

mod adopt;
mod apply;
mod backfill;
mod check;
mod error;
#[cfg(test)]
mod fixtures;
mod lint;
mod lossy;
mod offline;
mod online;
mod repair;
mod schema;
mod stamp;
mod startup;
mod state;
mod status;
mod step;
mod step_state;
pub(crate) mod timeouts;

use std::collections::BTreeSet;
use std::time::Duration;

pub use adopt::OtherTool;
pub use backfill::{BackfillProgress, OnProgress};
pub use check::CheckProblem;
pub use error::{ApplyError, PlanError};
pub use lossy::{LossyChange, LossyRefusal};
pub use repair::Resolution;
pub use stamp::Stamped;
pub use startup::{StartupReport, migrate_on_startup};
pub use state::Edit;
pub use status::{BackfillState, InProgress, Problem, RevisionRef, Status};
pub use step::{Args, RenderedStep, StepReport};
pub use step_state::{Committed, ContinueAt, Interruption, InvalidIndex, StepState};
pub use timeouts::Timeouts;

use apply::StepEnd;
#[cfg(feature = "testing")]
pub(crate) use apply::execute_statement;

use crate::driver::{Direction, Driver, LockScope};
use crate::graph::{Graph, RevisionInfo, Target};
use crate::registry::{self, Registration};
use crate::{Backend, Error};

use crate::graph::RevisionIdx;

/// The registered migrations, checked and ordered, ready to run against a
/// database.
///
/// ```no_run
/// # async fn demo() -> Result<(), migrate_core::Error> {
/// use migrate_core::{Migrator, driver};
/// use migrate_core::graph::Target;
///
/// let migrator = Migrator::from_registry()?;
/// let mut db = driver::connect("sqlite:app.db", driver::Access::ReadWrite).await?;
/// migrator.upgrade(db.as_mut(), &Target::Head, &mut |_| {}).await?;
/// # Ok(()) }
/// ```
pub struct Migrator {
    graph: Graph,
    registrations: Vec<&'static Registration>,
    lock_timeout: Duration,
    args: Args,
    on_progress: Option<OnProgress>,
    lint: Option<crate::lint::LintConfig>,
    timeouts: Timeouts,
}

impl std::fmt::Debug for Migrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migrator")
            .field("graph", &self.graph)
            .field("lock_timeout", &self.lock_timeout)
            .field("args", &self.args)
            .field("on_progress", &self.on_progress.is_some())
            .finish_non_exhaustive()
    }
}

/// Where a run starts: the heads, whether the version tables exist, and the
/// step that stopped part-way it continues, if any.
#[derive(Debug)]
struct Start {
    current: Vec<RevisionIdx>,
    tables_exist: bool,
    resume: Option<apply::Resume>,
}

/// A step that stopped part-way and that the next run continues by itself:
/// nothing it did is in doubt.
#[derive(Debug)]
struct Continuation {
    index: RevisionIdx,
    row: crate::driver::AuditRow,
    resume: apply::Resume,
}

impl Migrator {
    /// Every migration registered in this process, checked.
    pub fn from_registry() -> Result<Self, Error> {
        Self::new(registry::registered())
    }

    /// These registrations, checked. Their order does not matter.
    pub fn new(mut registrations: Vec<&'static Registration>) -> Result<Self, Error> {
        // inventory's order depends on the linker; sorting makes error
        // messages and tie-breaks reproducible.
        registrations.sort_unstable_by_key(|r| r.id);
        crate::naming::registered().map_err(Error::NamingConvention)?;
        let graph = Graph::build(
            registrations
                .iter()
                .map(|r| RevisionInfo::from(*r))
                .collect(),
        )?;
        Ok(Self {
            graph,
            registrations,
            lock_timeout: Duration::from_secs(60),
            args: Args::default(),
            on_progress: None,
            lint: None,
            timeouts: Timeouts::default(),
        })
    }

    /// How long each step's statements wait for table locks and run
    /// (default: [`Timeouts::default`]; the CLI and `migrate_on_startup`
    /// read `migrate.toml` `[run]`): a DDL statement queued behind a long
    /// transaction gives its place up after the lock timeout instead of
    /// holding up every query queued behind it, and runs again after a
    /// backoff. A migration may set its own
    /// ([`Migration::lock_timeout`](crate::ops::Migration::lock_timeout)).
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The crate-wide timeouts of each step.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// Lints every upgrade before it runs, with `config`: a migration with
    /// a finding at deny on the database's backend is refused before the
    /// first step runs (and `check` reports it). Without it, nothing is
    /// linted.
    pub fn with_lint(mut self, config: crate::lint::LintConfig) -> Self {
        self.lint = Some(config);
        self
    }

    /// The lint configuration upgrades are checked with, if any.
    pub fn lint_config(&self) -> Option<&crate::lint::LintConfig> {
        self.lint.as_ref()
    }

    /// How long to wait for another migrator's lock (default 60 s; at most
    /// [`MAX_LOCK_TIMEOUT`](crate::driver::MAX_LOCK_TIMEOUT), about 24 days).
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = crate::driver::lock_timeout(timeout);
        self
    }

    /// Gives every migration these `-x key=value` arguments, read with
    /// [`Migration::arg`](crate::ops::Migration::arg). They change the plan,
    /// so pass the same ones to `status` and `check` as to `upgrade`, or
    /// the checksums of migrations that read them will not match.
    pub fn with_args(mut self, args: impl IntoIterator<Item = (String, String)>) -> Self {
        self.args = Args::new(args.into_iter().collect());
        self
    }

    /// Calls `on_progress` after every batch of a backfill, and once when
    /// it ends: what a progress bar needs.
    pub fn with_progress(mut self, on_progress: OnProgress) -> Self {
        self.on_progress = Some(on_progress);
        self
    }

    /// Records and renders the plan of revision `index`, with this
    /// migrator's arguments.
    pub(crate) fn step(
        &self,
        index: RevisionIdx,
        direction: Direction,
        backend: Backend,
    ) -> Result<RenderedStep, PlanError> {
        let step = RenderedStep::build_with_args(
            index,
            self.registrations[index],
            direction,
            backend,
            &self.args,
        )?;
        self.check_lossy(&step, backend)?;
        Ok(step)
    }

    /// The plan of revision `index`'s `direction`, recorded for `backend`
    /// with this migrator's `-x` arguments: what a run on that backend
    /// renders, and what [`Replay`](crate::schema::Replay) folds into a
    /// schema.
    pub fn plan(
        &self,
        index: RevisionIdx,
        direction: Direction,
        backend: crate::Backend,
    ) -> Result<crate::ops::Migration, PlanError> {
        step::record(self.registration(index), direction, backend, &self.args)
    }

    /// The revision graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The registration of graph node `index`.
    pub fn registration(&self, index: RevisionIdx) -> &'static Registration {
        self.registrations[index]
    }

    /// The migrations that cannot be downgraded: no `downgrade` function,
    /// and an upgrade with a step that has no inverse. Pure: records plans,
    /// touches no database.
    pub fn irreversible(&self) -> Vec<(RevisionIdx, crate::ops::Irreversible)> {
        self.downgrade_refusals(false, |refusal| match refusal {
            PlanError::Irreversible { source, .. } => Some(source),
            _ => None,
        })
    }

    /// The migrations whose `downgrade` declares them irreversible, with the
    /// author's reason. Pure.
    pub fn marked_irreversible(&self) -> Vec<(RevisionIdx, String)> {
        self.downgrade_refusals(true, |refusal| match refusal {
            PlanError::MarkedIrreversible { reason, .. } => Some(reason),
            _ => None,
        })
    }

    /// What `pick` keeps of why recording each migration's downgrade (with
    /// or without a `downgrade` function, as `written` says) fails, on any
    /// backend: a backend-specific step may have no inverse on one of them.
    fn downgrade_refusals<T>(
        &self,
        written: bool,
        pick: impl Fn(PlanError) -> Option<T>,
    ) -> Vec<(RevisionIdx, T)> {
        crate::graph::enumerate_revisions(&self.registrations)
            .filter(|(_, r)| r.downgrade.is_some() == written)
            .filter_map(|(index, r)| {
                step::record_each_backend(r, Direction::Downgrade, &self.args)
                    .into_iter()
                    .find_map(|plan| plan.err().and_then(&pick))
                    .map(|found| (index, found))
            })
            .collect()
    }

    /// The current heads in the database, as graph indexes. Reads only; a
    /// database without version tables is at base.
    pub async fn current(&self, db: &mut dyn Driver) -> Result<Vec<RevisionIdx>, Error> {
        let state = self.read_state(db).await?;
        Ok(self.resolve_heads(&state.heads)?)
    }

    /// Applies what `target` needs, in order, calling `on_step` after each
    /// step. Each step commits on its own, so a failure keeps the steps before
    /// it.
    pub async fn upgrade(
        &self,
        db: &mut dyn Driver,
        target: &Target,
        on_step: &mut (dyn FnMut(&StepReport) + Send),
    ) -> Result<Vec<StepReport>, Error> {
        self.run(db, Direction::Upgrade, target, on_step).await
    }

    /// Reverts what `target` needs, newest first, calling `on_step` after
    /// each step.
    pub async fn downgrade(
        &self,
        db: &mut dyn Driver,
        target: &Target,
        on_step: &mut (dyn FnMut(&StepReport) + Send),
    ) -> Result<Vec<StepReport>, Error> {
        self.run(db, Direction::Downgrade, target, on_step).await
    }

    /// Renders the steps `target` needs without running anything (a dry run).
    pub async fn pending_steps(
        &self,
        db: &mut dyn Driver,
        direction: Direction,
        target: &Target,
    ) -> Result<Vec<RenderedStep>, Error> {
        let state = self.read_state(db).await?;
        let current = self.resolve_heads(&state.heads)?;
        self.render_route(&current, direction, target, &*db)
    }

    async fn run(
        &self,
        db: &mut dyn Driver,
        direction: Direction,
        target: &Target,
        on_step: &mut (dyn FnMut(&StepReport) + Send),
    ) -> Result<Vec<StepReport>, Error> {
        // Lock before reading state, so that what we read stays true.
        self.locked(db, async |this, db| {
            this.run_locked(db, direction, target, on_step).await
        })
        .await
    }

    /// Runs `body` under the migration lock, and releases it whatever
    /// `body` returns.
    pub(crate) async fn locked<T>(
        &self,
        db: &mut dyn Driver,
        body: impl AsyncFnOnce(&Self, &mut dyn Driver) -> Result<T, Error>,
    ) -> Result<T, Error> {
        db.lock(self.lock_timeout).await?;
        let result = body(self, &mut *db).await;
        let unlocked = db.unlock().await;
        let value = result?;
        unlocked?;
        Ok(value)
    }

    async fn run_locked(
        &self,
        db: &mut dyn Driver,
        direction: Direction,
        target: &Target,
        on_step: &mut (dyn FnMut(&StepReport) + Send),
    ) -> Result<Vec<StepReport>, Error> {
        let mut reports = Vec::new();
        let waiting_since = std::time::Instant::now();
        loop {
            let state = self.read_state(db).await?;
            if let (Some(other), Direction::Upgrade) = (&state.other, direction) {
                return Err(ApplyError::ManagedByAnotherTool {
                    other: Box::new(other.clone()),
                }
                .into());
            }
            let current = self.resolve_heads(&state.heads)?;
            let continuing = match state.tables_exist {
                true => self.unresolved(db, &current).await?,
                false => None,
            };
            // Build and render every step before the first one runs: a plan
            // that cannot render stops the run with nothing applied.
            let steps = self.render_route(&current, direction, target, &*db)?;
            let resume = match continuing {
                Some(continuation) => {
                    let first = steps.first();
                    if !first.is_some_and(|s| {
                        s.index == continuation.index && s.direction == continuation.row.direction
                    }) {
                        // This run goes elsewhere: the step must be
                        // finished or undone first.
                        return Err(ApplyError::Dirty {
                            step: Box::new(continuation.row),
                        }
                        .into());
                    }
                    if let Some(owner) = self.running_elsewhere(db, &continuation).await? {
                        let waited = waiting_since.elapsed();
                        if waited >= self.lock_timeout {
                            return Err(ApplyError::BackfillBusy {
                                revision: continuation.row.revision.clone(),
                                owner,
                                waited_secs: waited.as_secs(),
                            }
                            .into());
                        }
                        tracing::info!(%owner, "another migrator is running this migration; waiting");
                        tokio::time::sleep(Duration::from_millis(250)).await;
                        continue;
                    }
                    tracing::info!(
                        revision = %continuation.row.revision,
                        statement = continuation.resume.from + 1,
                        "continuing the migration that stopped part-way"
                    );
                    Some(continuation.resume)
                }
                None => None,
            };
            let start = Start {
                current,
                tables_exist: state.tables_exist,
                resume,
            };
            let applied = self
                .apply_steps(db, &steps, start, on_step, &mut reports)
                .await?;
            match applied {
                None => return Ok(reports),
                // The lock is per step and another migrator moved the heads
                // between two of ours: plan again from where it left them.
                // A relative target would mean another place now.
                Some(StepEnd::Raced { .. })
                    if db.lock_scope() == LockScope::Step
                        && !matches!(
                            target,
                            Target::Relative(_) | Target::BranchRelative(..) | Target::Current
                        ) =>
                {
                    tracing::info!("another migrator moved the heads; planning again");
                }
                Some(end) => return end.into_report().map(|_| reports),
            }
        }
    }

    /// What stops a run: a step that stopped part-way in doubt, or applied
    /// migrations that were edited since. A step that stopped part-way with
    /// nothing in doubt (a backfill, a failed phase) is returned, for the
    /// run to continue.
    async fn unresolved(
        &self,
        db: &mut dyn Driver,
        current: &[RevisionIdx],
    ) -> Result<Option<Continuation>, Error> {
        let mut continuing = None;
        if let Some(row) = self.dirty_step(db).await? {
            match self.continuation(&row, current, db.backend()) {
                Some((index, resume)) => {
                    continuing = Some(Continuation { index, row, resume });
                }
                None => {
                    return Err(ApplyError::Dirty {
                        step: Box::new(row),
                    }
                    .into());
                }
            }
        }
        let edits = self.edits(db, current).await?;
        if !edits.is_empty() {
            return Err(ApplyError::Edited { edits }.into());
        }
        Ok(continuing)
    }

    /// Whether the step of `row` can be continued with nothing in doubt:
    /// it stopped at a backfill or a transactional phase, and the
    /// statements before that are the ones that ran.
    fn continuation(
        &self,
        row: &crate::driver::AuditRow,
        current: &[RevisionIdx],
        backend: Backend,
    ) -> Option<(RevisionIdx, apply::Resume)> {
        let index = self.graph.index_of(&row.revision)?;
        let step = self.step_as_recorded(index, row, current, backend).ok()?;
        let from = usize::try_from(row.statements_done).ok()?;
        if !apply::restartable_at(&step, backend, from) {
            return None;
        }
        let hashes = |digest: &str| -> Vec<String> {
            digest
                .lines()
                .take(from)
                .map(|l| l.split(' ').next().unwrap_or_default().to_owned())
                .collect()
        };
        if hashes(row.plan.as_deref()?) != hashes(&step.plan_digest()) {
            return None;
        }
        Some((
            index,
            apply::Resume {
                from,
                uncertain: false,
            },
        ))
    }

    /// Under a per-step lock, who else is running the step to continue, if
    /// anyone: its backfill's owner is alive on this host, or (elsewhere)
    /// wrote progress within the lock timeout.
    async fn running_elsewhere(
        &self,
        db: &mut dyn Driver,
        continuation: &Continuation,
    ) -> Result<Option<String>, Error> {
        if db.lock_scope() != LockScope::Step {
            return Ok(None);
        }
        let rows = backfill::read_rows(db, &continuation.row.revision, continuation.row.direction)
            .await
            .map_err(|source| ApplyError::ReadState { source })?;
        Ok(rows.into_values().map(|(p, _)| p).find_map(|p| {
            let owner = p.owner.parse::<crate::Owner>().ok();
            let alive = match owner.as_ref().and_then(|o| Some((o.alive()?, o.pid))) {
                Some((alive, pid)) => alive && pid != std::process::id(),
                None => p.idle < self.lock_timeout.as_secs_f64(),
            };
            alive.then_some(p.owner)
        }))
    }

    /// Runs one step of revision `index` in `direction`, whatever the graph
    /// says comes next: the `testing` kit walks the graph itself. Takes and
    /// releases the lock like any run.
    #[cfg(feature = "testing")]
    pub(crate) async fn run_one(
        &self,
        db: &mut dyn Driver,
        index: RevisionIdx,
        direction: Direction,
    ) -> Result<StepReport, Error> {
        self.locked(db, async |this, db| {
            let state = this.read_state(db).await?;
            let current = this.resolve_heads(&state.heads)?;
            let step = this.step(index, direction, db.backend())?;
            let mut reports = Vec::new();
            let start = Start {
                current,
                tables_exist: state.tables_exist,
                resume: None,
            };
            if let Some(end) = this
                .apply_steps(db, &[step], start, &mut |_| {}, &mut reports)
                .await?
            {
                end.into_report()?;
            }
            Ok(reports.into_iter().next().expect("one step ran"))
        })
        .await
    }

    /// Applies rendered steps in order from the heads `current`, moving the
    /// heads table with each, and adds a report for each to `reports`.
    /// Returns how the run stopped early, short of failing: a step raced by
    /// another migrator, or paused.
    async fn apply_steps(
        &self,
        db: &mut dyn Driver,
        steps: &[RenderedStep],
        from: Start,
        on_step: &mut (dyn FnMut(&StepReport) + Send),
        reports: &mut Vec<StepReport>,
    ) -> Result<Option<StepEnd>, Error> {
        let Start {
            current,
            mut tables_exist,
            mut resume,
        } = from;
        if db.lock_scope() == LockScope::Step && db.backend() == Backend::Postgres {
            if let Some(step) = steps.iter().find(|s| s.non_transactional()) {
                return Err(ApplyError::NeedsSessionLock {
                    revision: step.registration.id.to_owned(),
                    direction: step.direction,
                }
                .into());
            }
        }
        let mut heads: BTreeSet<RevisionIdx> = current.into_iter().collect();
        for (done, step) in steps.iter().enumerate() {
            if db.interrupter().is_interrupted() {
                return Err(ApplyError::Interrupted {
                    state: step_state::Interruption::BetweenSteps {
                        done,
                        total: steps.len(),
                        next: step.registration.id.to_owned(),
                        direction: step.direction,
                    },
                }
                .into());
            }
            db.check_lock().await?;
            let before = heads.clone();
            self.move_heads(&mut heads, step.index, step.direction);
            let change = self.heads_change(&before, &heads);
            let end = apply::run_step(
                db,
                step,
                &change,
                &mut tables_exist,
                resume.take(),
                self.on_progress.as_ref(),
                self.timeouts,
            )
            .await?;
            let StepEnd::Done(report) = end else {
                return Ok(Some(end));
            };
            on_step(&report);
            reports.push(report);
        }
        Ok(None)
    }

    /// The heads after revision `index` moves in `direction`.
    fn move_heads(
        &self,
        heads: &mut BTreeSet<RevisionIdx>,
        index: RevisionIdx,
        direction: Direction,
    ) {
        self.graph.heads_after(direction, heads, index);
    }

    /// The rows to delete from and insert into the heads table to go from
    /// `before` to `after`.
    fn heads_change<'a>(
        &'a self,
        before: &BTreeSet<RevisionIdx>,
        after: &BTreeSet<RevisionIdx>,
    ) -> apply::HeadsChange<'a> {
        let id = |i: &RevisionIdx| self.graph.revision(*i).id.as_str();
        apply::HeadsChange {
            expected: before.iter().map(id).collect(),
            delete: before.difference(after).map(id).collect(),
            insert: after.difference(before).map(id).collect(),
        }
    }

    /// The steps of the route to `target` from `current` on `db`'s
    /// backend, refused if the linter denies one. Under a per-migration
    /// lock on PostgreSQL the typed operations run as written: an online
    /// form's `CONCURRENTLY` runs outside any transaction, where no such
    /// lock covers it.
    fn render_route(
        &self,
        current: &[RevisionIdx],
        direction: Direction,
        target: &Target,
        db: &dyn Driver,
    ) -> Result<Vec<RenderedStep>, Error> {
        let backend = db.backend();
        let route = self.graph.route(direction, current, target)?;
        self.refuse_denied(&route, direction, backend)?;
        let online = !(db.lock_scope() == LockScope::Step && backend == Backend::Postgres);
        let steps = self.route_steps(&route, current, direction, backend, online)?;
        if !online && !route.is_empty() {
            tracing::info!(
                "the per-migration lock (--lock-mode transaction) runs typed operations as written, without CONCURRENTLY or a separate VALIDATE; the session lock runs them online (docs/safety.md)"
            );
        }
        Ok(steps)
    }

    /// With [`with_lint`](Self::with_lint), refuses an upgrade along
    /// `route` that has a lint finding at deny on `backend`.
    pub(crate) fn refuse_denied(
        &self,
        route: &[RevisionIdx],
        direction: Direction,
        backend: Backend,
    ) -> Result<(), Error> {
        let (Direction::Upgrade, Some(config), false) = (direction, &self.lint, route.is_empty())
        else {
            return Ok(());
        };
        let findings: Vec<_> = self
            .lint_on(config, Some(route), &[backend])?
            .into_iter()
            .filter(|f| f.severity == crate::lint::Severity::Deny && f.backends.contains(&backend))
            .collect();
        if findings.is_empty() {
            Ok(())
        } else {
            Err(PlanError::LintDenied { findings }.into())
        }
    }

    fn resolve_heads(&self, heads: &[String]) -> Result<Vec<RevisionIdx>, Box<ApplyError>> {
        let (known, unknown): (Vec<_>, Vec<_>) = heads
            .iter()
            .map(|id| (id, self.graph.index_of(id)))
            .partition(|(_, index)| index.is_some());
        if !unknown.is_empty() {
            return Err(ApplyError::UnknownRevisions {
                ids: unknown.into_iter().map(|(id, _)| id.clone()).collect(),
            }
            .into());
        }
        Ok(known.into_iter().filter_map(|(_, index)| index).collect())
    }
}
