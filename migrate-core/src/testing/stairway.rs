//! The stairway test: every migration, one step at a time, up, down and up
//! again, with the schema compared at each landing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::database::ScratchDatabase;
use super::error::{Move, RevisionLabel, StairwayError};
use crate::Backend;
use crate::driver::{Direction, Driver};
use crate::graph::{RevisionIdx, Target};
use crate::migrator::{Migrator, PlanError, RenderedStep};
use crate::ops::{Migration, Rows};
use crate::registry::{self, Registration};
use crate::render::{self, sql::ident};
use crate::schema::{self, Replay, Schema};

type SeedHook = Box<dyn Fn(&str) -> Vec<Rows> + Send + Sync>;

/// Proves that migrations round-trip, one revision at a time, in graph
/// order:
///
/// 1. snapshot the schema (S0);
/// 2. upgrade one revision and snapshot (S1), and check that the schema
///    replayed from its plan without the database
///    ([`Replay`](crate::schema::Replay)) is S1;
/// 3. downgrade it and check the schema equals S0 (and that seeded rows are
///    still there);
/// 4. upgrade it again and check the schema equals S1;
/// 5. go on with the next revision.
///
/// Before it starts it checks that the graph is valid, has one head per
/// branch (heads on branches of their own, declared with `branch_labels`,
/// are fine; [`allow_branches`](Self::allow_branches) accepts any), and that every
/// migration has a downgrade or a derivable one. At the end it checks that
/// upgrading to the heads in one run, from an empty database, gives the
/// same schema as the walk.
///
/// The one line a migrations crate needs in its tests:
///
/// ```no_run
/// #[test]
/// fn migrations_round_trip() {
///     migrate_core::testing::Stairway::new().assert();
/// }
/// ```
///
/// In-memory SQLite by default; [`database_url`](Self::database_url) runs
/// it on a fresh database of a PostgreSQL or MySQL server instead.
pub struct Stairway {
    registrations: Option<Vec<&'static Registration>>,
    server_url: Option<String>,
    from: Option<String>,
    seed: Option<SeedHook>,
    allow_branches: bool,
}

impl fmt::Debug for Stairway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stairway")
            .field("registrations", &self.registrations.as_ref().map(Vec::len))
            .field(
                "server_url",
                &self.server_url.as_deref().map(crate::driver::redact_url),
            )
            .field("from", &self.from)
            .field("seed", &self.seed.is_some())
            .field("allow_branches", &self.allow_branches)
            .finish()
    }
}

impl Default for Stairway {
    fn default() -> Self {
        Self::new()
    }
}

/// What a stairway run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StairwayReport {
    /// The backend it ran on.
    pub backend: Backend,
    /// The revisions that went up, down and up again, in order.
    pub round_tripped: Vec<String>,
    /// The revisions marked irreversible, which only went up.
    pub one_way: Vec<String>,
    /// How many fixture rows the seed hook inserted.
    pub seeded_rows: usize,
}

impl fmt::Display for StairwayReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stairway on {}: {} revisions round-tripped",
            self.backend,
            self.round_tripped.len()
        )?;
        if !self.one_way.is_empty() {
            write!(
                f,
                ", {} one-way ({})",
                self.one_way.len(),
                self.one_way.join(", ")
            )?;
        }
        if self.seeded_rows > 0 {
            write!(f, ", {} seeded rows kept", self.seeded_rows)?;
        }
        Ok(())
    }
}

impl Stairway {
    /// Every migration registered in this process (the crate's own, and
    /// those of the crates it links).
    pub fn new() -> Self {
        Self {
            registrations: None,
            server_url: None,
            from: None,
            seed: None,
            allow_branches: false,
        }
    }

    /// These migrations instead of the registered ones.
    pub fn with_registrations(registrations: Vec<&'static Registration>) -> Self {
        Self {
            registrations: Some(registrations),
            ..Self::new()
        }
    }

    /// Runs on a fresh database created on this PostgreSQL or MySQL server
    /// (an admin URL, e.g. `postgres://postgres@127.0.0.1/postgres`), dropped
    /// at the end. A `sqlite:` URL keeps the in-memory default.
    pub fn database_url(mut self, url: impl Into<String>) -> Self {
        self.server_url = Some(url.into());
        self
    }

    /// Walks only the revisions after `revision` (an id or a unique prefix):
    /// everything up to it is applied in one run first. For speed in a large
    /// project, where only new migrations need the walk.
    pub fn from_revision(mut self, revision: impl Into<String>) -> Self {
        self.from = Some(revision.into());
        self
    }

    /// Calls `hook` with each revision's id before its first upgrade; the
    /// rows it returns are inserted, and must fit the schema as it is before
    /// that revision. After the revision's upgrade and downgrade, every
    /// seeded table must hold the same rows in its seeded columns as before.
    ///
    /// ```no_run
    /// use migrate_core::prelude::*;
    /// use migrate_core::testing::Stairway;
    ///
    /// Stairway::new()
    ///     .seed(|revision| match revision {
    ///         // users exists once 3f1c0a9b2d4e is applied
    ///         "8d2e4b6a1c0f" => vec![Rows::new("users", ["name"]).row(("ada",))],
    ///         _ => vec![],
    ///     })
    ///     .assert();
    /// ```
    pub fn seed(mut self, hook: impl Fn(&str) -> Vec<Rows> + Send + Sync + 'static) -> Self {
        self.seed = Some(Box::new(hook));
        self
    }

    /// Accepts a graph with several heads (parallel branches that are
    /// meant to stay apart).
    pub fn allow_branches(mut self) -> Self {
        self.allow_branches = true;
        self
    }

    /// Runs the test, blocking on a runtime of its own, and panics with the
    /// failure's message. For a plain `#[test]`; in an async test, await
    /// [`run`](Self::run) instead.
    ///
    /// # Panics
    ///
    /// When a migration does not round-trip, or the run cannot start.
    #[track_caller]
    pub fn assert(self) -> StairwayReport {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("start a tokio runtime for the stairway test");
        match runtime.block_on(self.run()) {
            Ok(report) => report,
            Err(error) => panic!("stairway test failed: {error}"),
        }
    }

    /// Runs the test.
    ///
    /// # Errors
    ///
    /// A [`StairwayError`] that names the revision, the move and what
    /// differs.
    pub async fn run(self) -> Result<StairwayReport, StairwayError> {
        let registrations = self
            .registrations
            .clone()
            .unwrap_or_else(registry::registered);
        let migrator = Migrator::new(registrations).map_err(|source| StairwayError::Graph {
            source: Box::new(source),
        })?;
        self.check_graph(&migrator)?;

        let (database, mut db) = self.scratch().await?;
        let walked = Walk::new(&self, &migrator, db.as_mut()).run().await;
        let _ = db.close().await;
        let walked = match walked {
            Ok(walked) => walked,
            Err(error) => {
                let _ = database.drop_database().await;
                return Err(error);
            }
        };
        let (report, stepwise) = walked;
        let one_run = self.in_one_run(&migrator).await;
        database
            .drop_database()
            .await
            .map_err(|source| StairwayError::Database {
                what: "drop the scratch database",
                source,
            })?;
        let diff = stepwise.diff(&one_run?);
        if !diff.is_empty() {
            return Err(StairwayError::HeadDiffers { diff });
        }
        Ok(report)
    }

    /// Heads and reversibility: checked before any database is touched.
    #[expect(
        clippy::result_large_err,
        reason = "built at most once per run; a boxed error would make matching on it clumsier"
    )]
    fn check_graph(&self, migrator: &Migrator) -> Result<(), StairwayError> {
        let graph = migrator.graph();
        let undeclared = graph.undeclared_heads();
        if !undeclared.is_empty() && !self.allow_branches {
            return Err(StairwayError::MultipleHeads {
                heads: undeclared
                    .iter()
                    .map(|&i| graph.revision(i).id.clone())
                    .collect(),
            });
        }
        let irreversible = migrator.irreversible();
        if !irreversible.is_empty() {
            return Err(StairwayError::Irreversible {
                revisions: irreversible
                    .into_iter()
                    .map(|(index, why)| (label(migrator, index), why.to_string()))
                    .collect(),
            });
        }
        Ok(())
    }

    /// A new scratch database and a connection to it.
    async fn scratch(&self) -> Result<(ScratchDatabase, Box<dyn Driver>), StairwayError> {
        let database = ScratchDatabase::create(self.server_url.as_deref())
            .await
            .map_err(|source| StairwayError::Database {
                what: "create a scratch database",
                source,
            })?;
        match database.connect().await {
            Ok(db) => Ok((database, db)),
            Err(source) => {
                let _ = database.drop_database().await;
                Err(StairwayError::Database {
                    what: "connect to the scratch database",
                    source,
                })
            }
        }
    }

    /// The schema `upgrade heads` gives in one run from an empty database.
    async fn in_one_run(&self, migrator: &Migrator) -> Result<Schema, StairwayError> {
        let (database, mut db) = self.scratch().await?;
        let result = async {
            migrator
                .upgrade(db.as_mut(), &Target::Heads, &mut |_| {})
                .await
                .map_err(|source| StairwayError::Step {
                    revision: RevisionLabel {
                        id: "heads".to_owned(),
                        message: "every migration in one run".to_owned(),
                        location: "the stairway's second database".to_owned(),
                    },
                    step: Move::Upgrade,
                    source: Box::new(source),
                })?;
            schema::snapshot(db.as_mut())
                .await
                .map_err(|source| StairwayError::Introspect {
                    revision: "heads".to_owned(),
                    source,
                })
        }
        .await;
        let _ = db.close().await;
        let _ = database.drop_database().await;
        result
    }
}

fn label(migrator: &Migrator, index: RevisionIdx) -> RevisionLabel {
    let revision = migrator.graph().revision(index);
    RevisionLabel {
        id: revision.id.clone(),
        message: revision.message.clone(),
        location: revision.location.clone(),
    }
}

/// One walk up the stairs, on one connection.
struct Walk<'a> {
    stairway: &'a Stairway,
    migrator: &'a Migrator,
    db: &'a mut dyn Driver,
    /// Every table seeded so far, with its seeded columns.
    seeded: BTreeMap<String, BTreeSet<String>>,
    /// The schema the plans build, without the database, checked against
    /// it after every upgrade.
    replay: Replay,
    report: StairwayReport,
}

impl<'a> Walk<'a> {
    fn new(stairway: &'a Stairway, migrator: &'a Migrator, db: &'a mut dyn Driver) -> Self {
        let backend = db.backend();
        Self {
            stairway,
            migrator,
            db,
            seeded: BTreeMap::new(),
            replay: Replay::new(Schema::new(backend)),
            report: StairwayReport {
                backend,
                round_tripped: Vec::new(),
                one_way: Vec::new(),
                seeded_rows: 0,
            },
        }
    }

    async fn run(mut self) -> Result<(StairwayReport, Schema), StairwayError> {
        let graph = self.migrator.graph();
        let mut done = vec![false; graph.len()];
        if let Some(from) = &self.stairway.from {
            let start = graph
                .lookup(from)
                .map_err(|source| StairwayError::UnknownStart {
                    given: from.clone(),
                    source,
                })?;
            let id = graph.revision(start).id.clone();
            self.migrator
                .upgrade(self.db, &Target::Revision(id), &mut |_| {})
                .await
                .map_err(|source| StairwayError::Step {
                    revision: label(self.migrator, start),
                    step: Move::Upgrade,
                    source: Box::new(source),
                })?;
            done = graph.ancestors_of(&[start]);
        }
        let mut current = self.snapshot("base").await?;
        // The replay starts where the walk does: the plans of the revisions
        // already applied, and the database's word for what raw SQL did.
        for &index in graph.topo_order() {
            if done[index] {
                self.replay_plan(index).map_err(|e| *e)?;
            }
        }
        self.replay.resync(&current);
        if !done.iter().any(|d| *d) {
            self.replay = Replay::new(current.clone());
        }
        for &index in graph.topo_order() {
            if !done[index] {
                current = self.step(index, current).await?;
            }
        }
        Ok((self.report, current))
    }

    async fn snapshot(&mut self, revision: &str) -> Result<Schema, StairwayError> {
        schema::snapshot(self.db)
            .await
            .map_err(|source| StairwayError::Introspect {
                revision: revision.to_owned(),
                source,
            })
    }

    async fn apply(&mut self, index: RevisionIdx, step: Move) -> Result<(), StairwayError> {
        let direction = match step {
            Move::Downgrade => Direction::Downgrade,
            Move::Upgrade | Move::Reupgrade => Direction::Upgrade,
        };
        self.migrator
            .run_one(self.db, index, direction)
            .await
            .map(drop)
            .map_err(|source| StairwayError::Step {
                revision: label(self.migrator, index),
                step,
                source: Box::new(source),
            })
    }

    /// Replays the upgrade plan of `index`; the operations it replayed.
    fn replay_plan(&mut self, index: RevisionIdx) -> Result<Vec<String>, Box<StairwayError>> {
        let backend = self.report.backend;
        let plan = self
            .migrator
            .plan(index, Direction::Upgrade, backend)
            .map_err(|source| StairwayError::Step {
                revision: label(self.migrator, index),
                step: Move::Upgrade,
                source: Box::new(source.into()),
            })?;
        let mut problems = Vec::new();
        for op in plan.operations() {
            let found = self.replay.checked_operation(op).map_err(|source| {
                Box::new(StairwayError::NotReplayable {
                    revision: label(self.migrator, index),
                    source,
                })
            })?;
            problems.extend(found);
        }
        if !problems.is_empty() {
            return Err(Box::new(StairwayError::Invalid {
                revision: label(self.migrator, index),
                location: self.migrator.graph().revision(index).location.clone(),
                problems,
            }));
        }
        Ok(plan.operations().iter().map(|op| op.describe()).collect())
    }

    /// The schema replayed from the upgrade of `index` is the one the
    /// database has after it (where raw SQL leaves it sure).
    fn check_replay(
        &mut self,
        index: RevisionIdx,
        after: &Schema,
    ) -> Result<(), Box<StairwayError>> {
        let operations = self.replay_plan(index)?;
        let diff = self.replay.diff(after);
        self.replay.resync(after);
        if diff.is_empty() {
            return Ok(());
        }
        let lines = diff.lines();
        let tables: BTreeSet<&str> = lines
            .iter()
            .filter_map(|line| line.strip_prefix("table ")?.split_once(':'))
            .map(|(table, _)| table)
            .collect();
        let touching: Vec<&String> = operations
            .iter()
            .filter(|op| tables.iter().any(|t| op.contains(t)))
            .collect();
        let operations = if touching.is_empty() {
            operations.join(", ")
        } else {
            touching
                .iter()
                .map(|op| op.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        Err(Box::new(StairwayError::NotReplayed {
            revision: label(self.migrator, index),
            operations,
            diff,
        }))
    }

    /// Up, down, up for revision `index`, starting from `before`; returns
    /// the schema it ends at.
    async fn step(&mut self, index: RevisionIdx, before: Schema) -> Result<Schema, StairwayError> {
        let id = self.migrator.graph().revision(index).id.clone();
        self.seed(index).await?;
        let data_before = self.seeded_data(&before).await;

        self.apply(index, Move::Upgrade).await?;
        let after = self.snapshot(&id).await?;
        self.check_replay(index, &after).map_err(|e| *e)?;
        if self.one_way(index) {
            self.report.one_way.push(id);
            return Ok(after);
        }

        self.apply(index, Move::Downgrade).await?;
        let restored = self.snapshot(&id).await?;
        let diff = before.diff(&restored);
        if !diff.is_empty() {
            return Err(StairwayError::NotRestored {
                revision: label(self.migrator, index),
                diff,
            });
        }
        for ((table, columns), rows) in data_before {
            let now = self.read_rows(&table, &columns).await.unwrap_or_default();
            if now == rows {
                continue;
            }
            // Both sorted: every row of before still there means only rows
            // were added.
            let mut extra = Vec::new();
            let mut kept = rows.iter().peekable();
            for row in &now {
                if kept.peek() == Some(&row) {
                    kept.next();
                } else {
                    extra.push(row.clone());
                }
            }
            if kept.peek().is_none() {
                return Err(StairwayError::ExtraRows {
                    revision: label(self.migrator, index),
                    table,
                    columns,
                    extra,
                });
            }
            return Err(StairwayError::DataLost {
                revision: label(self.migrator, index),
                table,
                columns,
                before: rows,
                after: now,
            });
        }

        self.apply(index, Move::Reupgrade).await?;
        let again = self.snapshot(&id).await?;
        let diff = after.diff(&again);
        if !diff.is_empty() {
            return Err(StairwayError::NotRepeatable {
                revision: label(self.migrator, index),
                diff,
            });
        }
        self.report.round_tripped.push(id);
        Ok(again)
    }

    /// Whether the revision's downgrade is refused on purpose (marked
    /// irreversible): it then only goes up.
    fn one_way(&self, index: RevisionIdx) -> bool {
        let registration = self.migrator.registration(index);
        // Any other error surfaces when the downgrade runs, with context.
        matches!(
            RenderedStep::build(index, registration, Direction::Downgrade, self.db.backend()),
            Err(PlanError::MarkedIrreversible { .. })
        )
    }

    /// Inserts the hook's rows for revision `index`.
    async fn seed(&mut self, index: RevisionIdx) -> Result<(), StairwayError> {
        let Some(hook) = &self.stairway.seed else {
            return Ok(());
        };
        let id = &self.migrator.graph().revision(index).id;
        for rows in hook(id) {
            let table = rows.table.clone();
            let failed = |message: String| StairwayError::Seed {
                revision: label(self.migrator, index),
                table: table.clone(),
                message,
            };
            self.report.seeded_rows += rows.rows.len();
            self.seeded
                .entry(table.clone())
                .or_default()
                .extend(rows.columns.iter().cloned());
            let mut plan = Migration::new();
            plan.bulk_insert(rows);
            let statements =
                render::render(&plan, self.db.backend()).map_err(|e| failed(e.to_string()))?;
            for statement in &statements {
                crate::migrator::execute_statement(self.db, statement)
                    .await
                    .map_err(|e| failed(e.to_string()))?;
            }
        }
        Ok(())
    }

    /// The seeded columns of every seeded table that `schema` has, sorted.
    async fn seeded_data(
        &mut self,
        schema: &Schema,
    ) -> Vec<((String, Vec<String>), Vec<Vec<Option<String>>>)> {
        let mut data = Vec::new();
        let tables: Vec<(String, Vec<String>)> = self
            .seeded
            .iter()
            .filter_map(|(table, columns)| {
                let present = schema.table(table)?;
                let columns: Vec<String> = columns
                    .iter()
                    .filter(|c| present.column(c).is_some())
                    .cloned()
                    .collect();
                (!columns.is_empty()).then(|| (table.clone(), columns))
            })
            .collect();
        for (table, columns) in tables {
            if let Ok(rows) = self.read_rows(&table, &columns).await {
                data.push(((table, columns), rows));
            }
        }
        data
    }

    /// `columns` of every row of `table`, as text, sorted.
    async fn read_rows(
        &mut self,
        table: &str,
        columns: &[String],
    ) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
        let backend = self.db.backend();
        let text = match backend {
            Backend::Postgres => "text",
            Backend::MySql => "CHAR",
            Backend::Sqlite => "TEXT",
        };
        let cells: Vec<String> = columns
            .iter()
            .map(|c| format!("CAST({} AS {text})", ident(backend, c)))
            .collect();
        let sql = format!("SELECT {} FROM {}", cells.join(", "), ident(backend, table));
        let mut rows = self.db.fetch_text(&sql).await?;
        rows.sort();
        Ok(rows)
    }
}
