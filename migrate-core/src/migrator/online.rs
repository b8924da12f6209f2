//! Which operations of a route act on tables that already hold rows, so
//! that a run gives them their online forms ([`render::Online`]): the
//! history replayed to where the database is, then step by step.
//!
//! The decision depends only on the history up to the step (the schema
//! before it), never on the database, so a run, an offline script and a
//! `resume` of the same step render the same statements.

use super::{Migrator, PlanError, RenderedStep};
use crate::graph::RevisionIdx;
use crate::lint::DEFAULT_POSTGRES_VERSION;
use crate::ops::{MadeHere, Migration, Operation};
use crate::render::{self, Online};
use crate::schema::{Replay, Schema};
use crate::{Backend, Direction};

/// The schema as a route's steps leave it, for their online forms.
pub(crate) struct OnlineRoute {
    /// Whether the steps take their online forms at all.
    online: bool,
    backend: Backend,
    postgres_version: u32,
    /// `None` on SQLite (no online forms), and after an operation the
    /// replay could not follow: then every table a plan did not create is
    /// taken to hold rows, the careful side.
    replay: Option<Replay>,
}

impl Migrator {
    /// The online state of a route starting where `current` leaves the
    /// schema on `backend`.
    /// `online: false` renders every step as written.
    pub(crate) fn online_route(
        &self,
        current: &[RevisionIdx],
        backend: Backend,
        online: bool,
    ) -> OnlineRoute {
        let replay = match backend {
            _ if !online => None,
            Backend::Sqlite => None,
            Backend::Postgres | Backend::MySql => match self.schema_at(current, backend) {
                Ok(replay) => Some(replay),
                Err(error) => {
                    tracing::debug!(%error, "the history does not replay; every table not created by a migration is taken to hold rows");
                    None
                }
            },
        };
        OnlineRoute {
            online,
            backend,
            postgres_version: self
                .lint
                .as_ref()
                .map_or(DEFAULT_POSTGRES_VERSION, |c| c.postgres_version),
            replay,
        }
    }

    /// The steps of `route` from `current`, each rendered as a run executes
    /// it: with `online`, its operations on tables that held rows in their
    /// online forms.
    pub(crate) fn route_steps(
        &self,
        route: &[RevisionIdx],
        current: &[RevisionIdx],
        direction: Direction,
        backend: Backend,
        online: bool,
    ) -> Result<Vec<RenderedStep>, PlanError> {
        if route.is_empty() {
            // Nothing to run: no history to replay.
            return Ok(Vec::new());
        }
        let mut online = self.online_route(current, backend, online);
        route
            .iter()
            .map(|&index| {
                let step = self.step(index, direction, backend)?;
                online.step(step)
            })
            .collect()
    }
}

impl OnlineRoute {
    /// `step` rendered with its online forms; the replay moves past it.
    pub(crate) fn step(&mut self, step: RenderedStep) -> Result<RenderedStep, PlanError> {
        if !self.online || self.backend == Backend::Sqlite {
            return Ok(step);
        }
        let on_rows = on_rows(&mut self.replay, &step.plan);
        let online = Online {
            on_rows,
            postgres_version: self.postgres_version,
        };
        step.online(&online, self.backend)
    }
}

/// For each operation of `plan`, whether the table it acts on held rows
/// before the plan and keeps them after it: it is in the schema, the plan
/// did not create it (renames followed) and does not drop it. `replay`
/// moves past the plan.
fn on_rows(replay: &mut Option<Replay>, plan: &Migration) -> Vec<bool> {
    let mut created = MadeHere::default();
    let mut out = Vec::with_capacity(plan.operations().len());
    for op in plan.operations() {
        let schema: Option<&Schema> = replay.as_ref().map(Replay::current);
        out.push(render::acted_on(op).is_some_and(|table| {
            !created.contains(table) && schema.is_none_or(|s| s.tables.contains_key(table))
        }));
        created.follow(op);
        if let Some(r) = replay.as_mut() {
            if let Err(error) = r.operation(op) {
                tracing::debug!(%error, "the replay stops; every table not created by a migration is taken to hold rows");
                *replay = None;
            }
        }
    }
    // A table the plan drops later goes with its indexes and constraints:
    // changing it online first only splits the step.
    for (i, op) in plan.operations().iter().enumerate() {
        if let Operation::DropTable { table, .. } = op {
            for (j, earlier) in plan.operations()[..i].iter().enumerate() {
                if render::acted_on(earlier) == Some(table.name()) {
                    out[j] = false;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{Column, Index, Table};

    fn replay_with_t() -> Option<Replay> {
        let mut replay = Replay::new(Schema::new(Backend::Postgres));
        let mut m = Migration::new().for_backend(Backend::Postgres);
        m.create_table(Table::new("t").column(Column::new("a").integer()));
        replay.plan(&m).unwrap();
        Some(replay)
    }

    fn rows(replay: Option<Replay>, plan: fn(&mut Migration)) -> Vec<bool> {
        let mut m = Migration::new().for_backend(Backend::Postgres);
        plan(&mut m);
        on_rows(&mut replay.clone(), &m)
    }

    #[test]
    fn only_tables_that_were_there_and_stay_hold_rows() {
        let index_t = |m: &mut Migration| {
            m.create_index(Index::new("ix_t_a").on("t", ["a"]));
        };
        assert_eq!(rows(replay_with_t(), index_t), [true]);
        // Made by the plan: empty.
        assert_eq!(
            rows(replay_with_t(), |m| {
                m.create_table(Table::new("u").column(Column::new("a").integer()));
                m.create_index(Index::new("ix_u_a").on("u", ["a"]));
            }),
            [false, false]
        );
        // Renamed: still the same rows.
        assert_eq!(
            rows(replay_with_t(), |m| {
                m.rename_table("t", "v");
                m.create_index(Index::new("ix_v_a").on("v", ["a"]));
            }),
            [false, true]
        );
        // Dropped later in the plan: its index goes with it.
        assert_eq!(
            rows(replay_with_t(), |m| {
                m.drop_index("t", "ix_t_a");
                m.drop_table("t");
            }),
            [false, false]
        );
        // A history that does not replay: every table not made here.
        assert_eq!(rows(None, index_t), [true]);
    }
}
