//! The runtime: resolves a target against the database's heads, then applies
//! or reverts each step with its version update.

mod apply;
mod check;
mod error;
mod offline;
mod stamp;
mod status;
mod step;

use std::collections::BTreeSet;
use std::time::Duration;

pub use check::CheckProblem;
pub use error::{ApplyError, PlanError};
pub use stamp::Stamped;
pub use status::{Problem, RevisionRef, Status};
pub use step::{Args, RenderedStep, StepReport};

pub(crate) use apply::execute_statement;

use crate::driver::{Direction, Driver};
use crate::graph::{Graph, RevisionInfo, Target};
use crate::registry::{self, Registration};
use crate::{Backend, Error};

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
#[derive(Debug)]
pub struct Migrator {
    graph: Graph,
    registrations: Vec<&'static Registration>,
    lock_timeout: Duration,
    args: Args,
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
        })
    }

    /// How long to wait for another migrator's lock (default 60 s).
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
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

    /// Records and renders the plan of revision `index`, with this
    /// migrator's arguments.
    pub(crate) fn step(
        &self,
        index: usize,
        direction: Direction,
        backend: Backend,
    ) -> Result<RenderedStep, PlanError> {
        RenderedStep::build_with_args(
            index,
            self.registrations[index],
            direction,
            backend,
            &self.args,
        )
    }

    /// The revision graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The registration of graph node `index`.
    pub fn registration(&self, index: usize) -> &'static Registration {
        self.registrations[index]
    }

    /// The migrations that cannot be downgraded: no `downgrade` function,
    /// and an upgrade with a step that has no inverse. Pure: records plans,
    /// touches no database.
    pub fn irreversible(&self) -> Vec<(usize, crate::ops::Irreversible)> {
        self.registrations
            .iter()
            .enumerate()
            .filter(|(_, r)| r.downgrade.is_none())
            .filter_map(
                |(index, r)| match step::record(r, Direction::Downgrade, &self.args) {
                    Err(PlanError::Irreversible { source, .. }) => Some((index, source)),
                    _ => None,
                },
            )
            .collect()
    }

    /// The migrations whose `downgrade` declares them irreversible, with the
    /// author's reason. Pure.
    pub fn marked_irreversible(&self) -> Vec<(usize, String)> {
        self.registrations
            .iter()
            .enumerate()
            .filter(|(_, r)| r.downgrade.is_some())
            .filter_map(
                |(index, r)| match step::record(r, Direction::Downgrade, &self.args) {
                    Err(PlanError::MarkedIrreversible { reason, .. }) => Some((index, reason)),
                    _ => None,
                },
            )
            .collect()
    }

    /// The current heads in the database, as graph indexes. Reads only; a
    /// database without version tables is at base.
    pub async fn current(&self, db: &mut dyn Driver) -> Result<Vec<usize>, Error> {
        let (_, heads) = self.read_state(db).await?;
        Ok(self.resolve_heads(&heads)?)
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
        let (_, heads) = self.read_state(db).await?;
        let current = self.resolve_heads(&heads)?;
        self.render_plan(&current, direction, target, db.backend())
    }

    async fn run(
        &self,
        db: &mut dyn Driver,
        direction: Direction,
        target: &Target,
        on_step: &mut (dyn FnMut(&StepReport) + Send),
    ) -> Result<Vec<StepReport>, Error> {
        // Lock before reading state, so that what we read stays true.
        db.lock(self.lock_timeout).await?;
        let result = self.run_locked(db, direction, target, on_step).await;
        let unlocked = db.unlock().await;
        let reports = result?;
        unlocked?;
        Ok(reports)
    }

    async fn run_locked(
        &self,
        db: &mut dyn Driver,
        direction: Direction,
        target: &Target,
        on_step: &mut (dyn FnMut(&StepReport) + Send),
    ) -> Result<Vec<StepReport>, Error> {
        let (tables_exist, heads) = self.read_state(db).await?;
        let current = self.resolve_heads(&heads)?;
        // Build and render every step before the first one runs: a plan that
        // cannot render stops the run with nothing applied.
        let steps = self.render_plan(&current, direction, target, db.backend())?;
        self.apply_steps(db, &steps, current, tables_exist, on_step)
            .await
    }

    /// Runs one step of revision `index` in `direction`, whatever the graph
    /// says comes next: the [`testing`](crate::testing) kit walks the graph
    /// itself. Takes and releases the lock like any run.
    pub(crate) async fn run_one(
        &self,
        db: &mut dyn Driver,
        index: usize,
        direction: Direction,
    ) -> Result<StepReport, Error> {
        db.lock(self.lock_timeout).await?;
        let result = async {
            let (tables_exist, heads) = self.read_state(db).await?;
            let current = self.resolve_heads(&heads)?;
            let step = self.step(index, direction, db.backend())?;
            let reports = self
                .apply_steps(db, &[step], current, tables_exist, &mut |_| {})
                .await?;
            Ok::<_, Error>(reports.into_iter().next().expect("one step ran"))
        }
        .await;
        let unlocked = db.unlock().await;
        let report = result?;
        unlocked?;
        Ok(report)
    }

    /// Applies rendered steps in order from the heads `current`, moving the
    /// heads table with each.
    async fn apply_steps(
        &self,
        db: &mut dyn Driver,
        steps: &[RenderedStep],
        current: Vec<usize>,
        mut tables_exist: bool,
        on_step: &mut (dyn FnMut(&StepReport) + Send),
    ) -> Result<Vec<StepReport>, Error> {
        let mut heads: BTreeSet<usize> = current.into_iter().collect();
        let mut reports = Vec::with_capacity(steps.len());
        for step in steps {
            let before = heads.clone();
            match step.direction {
                Direction::Upgrade => self.graph.heads_after_upgrade(&mut heads, step.index),
                Direction::Downgrade => self.graph.heads_after_downgrade(&mut heads, step.index),
            }
            let id = |i: &usize| self.graph.revision(*i).id.as_str();
            let change = apply::HeadsChange {
                expected: before.iter().map(id).collect(),
                delete: before.difference(&heads).map(id).collect(),
                insert: heads.difference(&before).map(id).collect(),
            };
            let report = apply::run_step(db, step, &change, &mut tables_exist).await?;
            on_step(&report);
            reports.push(report);
        }
        Ok(reports)
    }

    fn render_plan(
        &self,
        current: &[usize],
        direction: Direction,
        target: &Target,
        backend: Backend,
    ) -> Result<Vec<RenderedStep>, Error> {
        let order = match direction {
            Direction::Upgrade => self.graph.plan_upgrade(current, target)?,
            Direction::Downgrade => self.graph.plan_downgrade(current, target)?,
        };
        order
            .into_iter()
            .map(|index| self.step(index, direction, backend).map_err(Error::from))
            .collect()
    }

    /// Whether the version tables exist, and the heads they hold.
    async fn read_state(&self, db: &mut dyn Driver) -> Result<(bool, Vec<String>), Error> {
        let read = async {
            if !db.version_tables_exist().await? {
                return Ok((false, Vec::new()));
            }
            Ok((true, db.read_heads().await?))
        };
        read.await
            .map_err(|source| ApplyError::ReadState { source }.into())
    }

    fn resolve_heads(&self, heads: &[String]) -> Result<Vec<usize>, Box<ApplyError>> {
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
