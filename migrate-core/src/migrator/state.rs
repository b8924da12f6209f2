//! What the version tables say, read and checked before anything runs: the
//! heads, a step that stopped part-way (dirty), and applied migrations
//! whose plan changed since (edited).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{ApplyError, Migrator, RenderedStep};
use crate::Direction;
use crate::driver::{AUDIT_TABLE, AuditRow, Driver, HEADS_TABLE, Outcome};
use crate::graph::RevisionIdx;
use crate::store::sql::{AUDIT_COLUMNS, HEADS_COLUMNS};
use crate::store::{self, AppliedChecksum, AuditQuery};
use crate::{Backend, Error};

/// The version tables as read at the start of a run.
#[derive(Debug)]
pub(crate) struct State {
    /// Whether both tables exist (neither exists on a fresh database).
    pub(crate) tables_exist: bool,
    /// The heads table, sorted.
    pub(crate) heads: Vec<String>,
    /// Where the version tables are (or would be created): the PostgreSQL
    /// schema, the MySQL database; `None` on SQLite.
    pub(crate) schema: Option<String>,
    /// Without version tables of ours: another tool's, if the database has
    /// one.
    pub(crate) other: Option<super::OtherTool>,
}

/// An applied migration whose plan is not the one that was applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Edit {
    /// The revision.
    pub revision: String,
    /// Its message.
    pub message: String,
    /// Where it is written.
    pub location: String,
    /// When it was applied (or its last edit accepted).
    pub applied_at: DateTime<Utc>,
    /// The checksum recorded then.
    pub recorded: String,
    /// The checksum of its plan now.
    pub current: String,
    /// What differs, statement by statement, when the audit row kept the
    /// applied plan's digest; empty otherwise.
    pub changes: Vec<String>,
}

impl fmt::Display for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}), applied {}, changed since: checksum {} then, {} now",
            self.revision,
            self.message,
            self.applied_at.format("%Y-%m-%d %H:%M:%S UTC"),
            short(&self.recorded),
            short(&self.current),
        )?;
        if !self.changes.is_empty() {
            write!(f, "; {}", self.changes.join("; "))?;
        }
        write!(f, " (in {})", self.location)
    }
}

fn short(checksum: &str) -> &str {
    checksum.get(..12).unwrap_or(checksum)
}

/// Whether a step's audit row says it stopped part-way, leaving statements
/// applied outside a transaction: a crash or kill (`started`), or a failure
/// after some statements ran.
pub(crate) use store::newest_step;

pub(crate) fn is_dirty(row: &AuditRow) -> bool {
    match row.outcome {
        Outcome::Started => true,
        Outcome::Failed => row.statements_done > 0,
        _ => false,
    }
}

impl Migrator {
    /// Reads the version tables, checking that they are as migrate made
    /// them. Reads only.
    pub(crate) async fn read_state(&self, db: &mut dyn Driver) -> Result<State, Error> {
        let read_error = |source| ApplyError::ReadState { source };
        let found = version_table_columns(db).await?;
        let (heads_columns, audit_columns, schema) = (found.heads, found.audit, found.schema);
        match (heads_columns.is_empty(), audit_columns.is_empty()) {
            (true, true) => {
                let other = super::adopt::other_tool(db, self.graph())
                    .await
                    .map_err(read_error)?;
                return Ok(State {
                    tables_exist: false,
                    heads: Vec::new(),
                    schema,
                    other,
                });
            }
            (false, true) | (true, false) => {
                let (present, missing) = if heads_columns.is_empty() {
                    (AUDIT_TABLE, HEADS_TABLE)
                } else {
                    (HEADS_TABLE, AUDIT_TABLE)
                };
                return Err(ApplyError::VersionTablesAltered {
                    problem: format!("{present} exists but {missing} does not"),
                }
                .into());
            }
            (false, false) => {}
        }
        for (table, expected, found) in [
            (HEADS_TABLE, HEADS_COLUMNS, &heads_columns),
            (AUDIT_TABLE, AUDIT_COLUMNS, &audit_columns),
        ] {
            let missing: Vec<&str> = expected
                .iter()
                .copied()
                .filter(|c| !found.iter().any(|f| f.eq_ignore_ascii_case(c)))
                .collect();
            if !missing.is_empty() {
                return Err(ApplyError::VersionTablesAltered {
                    problem: format!("{table} has no column {}", missing.join(", ")),
                }
                .into());
            }
        }
        let heads = store::read_heads(db).await.map_err(read_error)?;
        self.check_heads(&heads)?;
        Ok(State {
            tables_exist: true,
            heads,
            schema,
            other: None,
        })
    }

    /// The version tables without the checks, for `stamp --purge`, which
    /// rewrites them: `tables_exist` says both exist.
    pub(crate) async fn read_state_lenient(&self, db: &mut dyn Driver) -> Result<State, Error> {
        let read_error = |source| ApplyError::ReadState { source };
        let found = version_table_columns(db).await?;
        let (heads_table, audit_table) = (!found.heads.is_empty(), !found.audit.is_empty());
        let heads = if heads_table {
            store::read_heads(db).await.map_err(read_error)?
        } else {
            Vec::new()
        };
        Ok(State {
            tables_exist: heads_table && audit_table,
            heads,
            schema: found.schema,
            other: None,
        })
    }

    /// No head may be below another through `revises` (a `depends_on`
    /// target may stay a head: heads follow `revises` only, as in Alembic).
    fn check_heads(&self, heads: &[String]) -> Result<(), Error> {
        let graph = self.graph();
        let known: Vec<RevisionIdx> = heads.iter().filter_map(|id| graph.index_of(id)).collect();
        for &head in &known {
            let mut below = vec![false; graph.len()];
            let mut stack = graph.parents(head).to_vec();
            while let Some(i) = stack.pop() {
                if !std::mem::replace(&mut below[i], true) {
                    stack.extend_from_slice(graph.parents(i));
                }
            }
            if let Some(&other) = known.iter().find(|&&o| below[o]) {
                return Err(ApplyError::VersionTablesAltered {
                    problem: format!(
                        "{HEADS_TABLE} lists both {} and its ancestor {}, which migrate never writes",
                        graph.revision(head).id,
                        graph.revision(other).id
                    ),
                }
                .into());
            }
        }
        Ok(())
    }

    /// The step that stopped part-way, if the newest step in the audit
    /// table did. Reads only.
    pub(crate) async fn dirty_step(&self, db: &mut dyn Driver) -> Result<Option<AuditRow>, Error> {
        let newest = newest_step(db)
            .await
            .map_err(|source| ApplyError::ReadState { source })?;
        Ok(newest.filter(is_dirty))
    }

    /// Applied migrations whose upgrade plan, recorded with the arguments it
    /// read when it was applied, no longer has the checksum stored then.
    /// Revisions stamped without an audit row are not checked.
    pub(crate) async fn edits(
        &self,
        db: &mut dyn Driver,
        current: &[RevisionIdx],
    ) -> Result<Vec<Edit>, Error> {
        let read_error = |source| ApplyError::ReadState { source };
        // Every upgrade's checksum, the newest per revision kept here: one
        // scan of four columns.
        let all = store::read_applied_checksums(db)
            .await
            .map_err(read_error)?;
        let mut newest = HashMap::with_capacity(all.len());
        for row in all {
            newest.insert(row.revision.clone(), row);
        }
        let graph = self.graph();
        let applied = graph.ancestors_of(current);
        let backend = db.backend();
        let mut rows: Vec<(RevisionIdx, AppliedChecksum)> = newest
            .into_values()
            .filter_map(|row| {
                let index = graph.index_of(&row.revision).filter(|&i| applied[i])?;
                Some((index, row))
            })
            .collect();
        rows.sort_unstable_by_key(|(_, row)| row.id);
        // Rebuilding and checksumming each applied plan is CPU work of its
        // own: split it over the cores. Each worker owns (and frees) its
        // rows; holding them all until the end cost more than a core gains.
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut edited: BTreeMap<i64, Rebuilt> = std::thread::scope(|scope| {
            let workers: Vec<_> = in_parts(rows, workers, 64)
                .into_iter()
                .map(|part| scope.spawn(move || self.edited(part, backend)))
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| worker.join().expect("a checksum worker panicked"))
                .collect()
        });
        if edited.is_empty() {
            return Ok(Vec::new());
        }
        // The whole audit row of each edited revision, for the report.
        let ids: Vec<i64> = edited.keys().copied().collect();
        let rows = store::read_audit(db, AuditQuery::Ids(&ids))
            .await
            .map_err(read_error)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let rebuilt = edited.remove(&row.id)?;
                Some(self.edit(rebuilt, row))
            })
            .collect())
    }

    /// The rows whose plan, rebuilt as recorded, has another checksum now,
    /// by audit row id.
    fn edited(
        &self,
        rows: Vec<(RevisionIdx, AppliedChecksum)>,
        backend: Backend,
    ) -> Vec<(i64, Rebuilt)> {
        rows.into_iter()
            .filter_map(|(index, row)| {
                // A plan that no longer builds is `check`'s to report.
                let step = self
                    .step_recorded(index, Direction::Upgrade, row.args.as_deref(), backend)
                    .ok()?;
                (step.checksum() != row.checksum).then(|| {
                    // Its statements as its run executed them (online
                    // forms from the schema before it), to compare with
                    // the ones it recorded.
                    let graph = self.graph();
                    let before: Vec<RevisionIdx> = graph
                        .parents(index)
                        .iter()
                        .chain(graph.dependencies(index))
                        .copied()
                        .collect();
                    let step = self
                        .online_route(&before, backend, true)
                        .step(step.clone())
                        .unwrap_or(step);
                    let rebuilt = Rebuilt {
                        index,
                        digest: step.plan_digest(),
                        checksum: step.checksum().to_owned(),
                    };
                    (row.id, rebuilt)
                })
            })
            .collect()
    }

    /// What `status` says of an edited revision, recorded in `row`.
    fn edit(&self, now: Rebuilt, row: AuditRow) -> Edit {
        let registration = self.registration(now.index);
        Edit {
            message: registration.summary(),
            location: registration.location(),
            applied_at: row.finished_at.unwrap_or(row.started_at),
            current: now.checksum,
            changes: row
                .plan
                .as_deref()
                .map(|then| plan_changes(then, &now.digest))
                .unwrap_or_default(),
            revision: row.revision,
            recorded: row.checksum,
        }
    }

    /// The step of revision `index` in the audit row's direction, recorded
    /// with the `-x` arguments the row says it read (over this run's).
    pub(crate) fn step_as_recorded(
        &self,
        index: RevisionIdx,
        row: &AuditRow,
        current: &[RevisionIdx],
        backend: Backend,
    ) -> Result<RenderedStep, super::PlanError> {
        let step = self.step_recorded(index, row.direction, row.args.as_deref(), backend)?;
        // Its heads have not moved: `current` is where it started. It ran
        // in its online forms unless a per-migration lock had it run as
        // written: the statements it recorded say which.
        let online = self
            .online_route(current, backend, true)
            .step(step.clone())?;
        let recorded = |candidate: &RenderedStep| {
            row.plan.as_deref() == Some(candidate.plan_digest().as_str())
        };
        Ok(if !recorded(&online) && recorded(&step) {
            step
        } else {
            online
        })
    }

    /// The step of revision `index` in `direction`, recorded with the `-x`
    /// arguments of `recorded_args` (an audit row's `args`) over this run's.
    fn step_recorded(
        &self,
        index: RevisionIdx,
        direction: Direction,
        recorded_args: Option<&str>,
        backend: Backend,
    ) -> Result<RenderedStep, super::PlanError> {
        let mut args: BTreeMap<String, String> = (*self.args).clone();
        let recorded: BTreeMap<String, Option<String>> = recorded_args
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default();
        for (key, value) in recorded {
            match value {
                Some(value) => args.insert(key, value),
                None => args.remove(&key),
            };
        }
        RenderedStep::build_with_args(
            index,
            self.registration(index),
            direction,
            backend,
            &Arc::new(args),
        )
    }
}

/// What the catalog says of the version tables.
struct VersionTables {
    /// The heads table's columns; empty when it does not exist.
    heads: Vec<String>,
    /// The audit table's columns; empty when it does not exist.
    audit: Vec<String>,
    /// Where they are, or would be created.
    schema: Option<String>,
}

/// The column names of the heads and of the audit table, each empty if the
/// table does not exist, where the connection reads and creates them. One
/// statement, so one snapshot: a migrator creating the tables at that
/// moment is seen before or after, never half-way.
///
/// PostgreSQL reads `pg_catalog`, which shows tables whatever the role's
/// rights on them (`information_schema` hides them, which read as "no
/// migration applied"). Unqualified names resolve through the search_path,
/// and new tables go to its first usable schema: tables found only in a
/// later schema of the search_path are an error, not a fresh database.
/// Schemas outside the search_path are another application's (a schema
/// per tenant), and are left alone.
/// MySQL's catalog hides tables the role may not read: when it shows none,
/// a probe tells "absent" from "hidden".
async fn version_table_columns(db: &mut dyn Driver) -> Result<VersionTables, ApplyError> {
    let read_error = |source| ApplyError::ReadState { source };
    let sql = store::sql::version_table_columns(db.backend());
    let mut found = VersionTables {
        heads: Vec::new(),
        audit: Vec::new(),
        schema: None,
    };
    let mut elsewhere: Vec<String> = Vec::new();
    for row in db.fetch_text(&sql).await.map_err(read_error)? {
        let mut cells = row.into_iter();
        let mut next = || cells.next().flatten();
        let (schema, table, column, table_schema) = (next(), next(), next(), next());
        found.schema = found.schema.or(schema);
        let (Some(table), Some(column)) = (table, column) else {
            continue;
        };
        if table_schema.is_some() && table_schema != found.schema {
            let other = table_schema.unwrap_or_default();
            if !elsewhere.contains(&other) {
                elsewhere.push(other);
            }
        } else if table.eq_ignore_ascii_case(HEADS_TABLE) {
            found.heads.push(column);
        } else {
            found.audit.push(column);
        }
    }
    let absent = found.heads.is_empty() && found.audit.is_empty();
    if absent && !elsewhere.is_empty() {
        elsewhere.sort();
        return Err(ApplyError::VersionTablesElsewhere {
            schema: found
                .schema
                .unwrap_or_else(|| "(none: the search_path is empty)".to_owned()),
            found: elsewhere,
        });
    }
    if absent && db.backend() == Backend::MySql {
        if let Err(source) = db.fetch_text(&store::sql::probe_heads()).await {
            // 1146: no such table, as the catalog said. Anything else
            // (1142: SELECT denied) means it is there and hidden.
            let missing = source
                .as_database_error()
                .and_then(|e| e.code())
                .is_some_and(|code| code == "42S02");
            if !missing {
                return Err(ApplyError::VersionTablesHidden {
                    table: HEADS_TABLE,
                    source,
                });
            }
        } else {
            return Err(ApplyError::VersionTablesHidden {
                table: HEADS_TABLE,
                source: sqlx::Error::Protocol(
                    "the catalog shows no version tables, yet migrate_heads can be read".to_owned(),
                ),
            });
        }
    }
    Ok(found)
}

/// An applied plan rebuilt as recorded, whose checksum differs from the
/// recorded one.
struct Rebuilt {
    index: RevisionIdx,
    /// Its checksum now.
    checksum: String,
    /// Its [`RenderedStep::plan_digest`] now.
    digest: String,
}

/// Statement by statement, how the plan digest `now` differs from `then`
/// (lines `<hash> <operation>`).
pub(crate) fn plan_changes(then: &str, now: &str) -> Vec<String> {
    let split = |digest: &str| -> Vec<(String, String)> {
        digest
            .lines()
            .map(|line| {
                let (hash, op) = line.split_once(' ').unwrap_or((line, ""));
                (hash.to_owned(), op.to_owned())
            })
            .collect()
    };
    let (then, now) = (split(then), split(now));
    let mut changes = Vec::new();
    for i in 0..then.len().max(now.len()) {
        match (then.get(i), now.get(i)) {
            (Some((a, _)), Some((b, op))) if a != b => {
                changes.push(format!("statement {} ({op}) changed", i + 1));
            }
            (Some(_), Some(_)) => {}
            (None, Some((_, op))) => changes.push(format!("statement {} ({op}) added", i + 1)),
            (Some((_, op)), None) => changes.push(format!("statement {} ({op}) removed", i + 1)),
            (None, None) => {}
        }
    }
    changes
}

/// `items` cut into at most `parts` runs of at least `min` items (one run
/// when there are fewer), in order.
fn in_parts<T>(mut items: Vec<T>, parts: usize, min: usize) -> Vec<Vec<T>> {
    let size = items.len().div_ceil(parts.max(1)).max(min.max(1));
    let mut runs = Vec::new();
    while items.len() > size {
        runs.push(items.split_off(items.len() - size));
    }
    runs.push(items);
    runs.reverse();
    runs
}

#[cfg(test)]
mod tests {
    use super::{in_parts, plan_changes};

    #[test]
    fn in_parts_keeps_the_order_and_the_minimum() {
        let items: Vec<u32> = (0..2_500).collect();
        let runs = in_parts(items.clone(), 2, 64);
        assert_eq!(
            runs.iter().map(Vec::len).collect::<Vec<_>>(),
            [1_250, 1_250]
        );
        assert_eq!(runs.concat(), items);
        let runs = in_parts(items.clone(), 3, 1_000);
        assert_eq!(
            runs.iter().map(Vec::len).collect::<Vec<_>>(),
            [500, 1_000, 1_000]
        );
        assert_eq!(runs.concat(), items);
        assert_eq!(in_parts((0..10).collect::<Vec<u32>>(), 2, 64).len(), 1);
        assert_eq!(in_parts(Vec::<u32>::new(), 2, 64), [Vec::<u32>::new()]);
    }

    #[test]
    fn changes_are_located_by_statement() {
        let then = "aaa create_table users\nbbb add_column users.email";
        let now = "aaa create_table users\nccc add_column users.email\nddd create_index ix";
        assert_eq!(
            plan_changes(then, now),
            [
                "statement 2 (add_column users.email) changed",
                "statement 3 (create_index ix) added"
            ]
        );
        assert_eq!(
            plan_changes(now, then),
            [
                "statement 2 (add_column users.email) changed",
                "statement 3 (create_index ix) removed"
            ]
        );
    }
}
