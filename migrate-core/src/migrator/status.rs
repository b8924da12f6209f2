//! `status`: where the database is, what is pending, and what is wrong.

use std::fmt;

use super::Migrator;
use super::{ApplyError, Edit};
use crate::driver::{AuditRow, Direction, Driver};
use crate::graph::{Graph, RevisionIdx};
use crate::{Backend, Error};

/// A revision, by id and message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RevisionRef {
    /// The revision id.
    pub id: String,
    /// Its message.
    pub message: String,
}

impl RevisionRef {
    /// Revision `index` of `graph`.
    pub fn of(graph: &Graph, index: RevisionIdx) -> Self {
        let revision = graph.revision(index);
        Self {
            id: revision.id.clone(),
            message: revision.message.clone(),
        }
    }
}

/// Something `status` found that needs a human.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Problem {
    /// The heads table names revisions this build does not know.
    UnknownRevisions {
        /// The ids.
        ids: Vec<String>,
    },
    /// The graph has several heads, so `upgrade head` will refuse.
    MultipleHeads {
        /// The heads.
        heads: Vec<RevisionRef>,
    },
    /// A non-transactional step stopped part-way (MySQL, or PostgreSQL
    /// with `CONCURRENTLY`): `upgrade` and `downgrade` refuse until `resume`
    /// or `repair` resolves it.
    Unfinished {
        /// The audit row of the step.
        step: Box<AuditRow>,
    },
    /// An applied migration changed since it was applied: `upgrade` and
    /// `downgrade` refuse until it is reverted or `accept`ed.
    Edited {
        /// What changed.
        edit: Edit,
    },
    /// The database has another tool's version table and none of ours:
    /// `upgrade` refuses until it is adopted with `stamp`.
    ManagedByAnotherTool {
        /// The tool and where it says the database is.
        other: super::OtherTool,
    },
    /// A pending migration changes a column's type in a way that can lose
    /// data and does not say `lossy_ok`: `upgrade` will refuse it.
    LossyTypeChange {
        /// The revision.
        revision: RevisionRef,
        /// The refusal, which names the operation, the types and the fix.
        error: String,
    },
    /// A migration has no `downgrade` function and its upgrade cannot be
    /// reversed automatically, so `downgrade` past it will refuse.
    Irreversible {
        /// The revision.
        revision: RevisionRef,
        /// The step with no inverse, and why.
        reason: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::UnknownRevisions { ids } => write!(
                f,
                "the database is at {}, which this build does not know; a newer build was probably deployed against it",
                ids.join(", ")
            ),
            Problem::MultipleHeads { heads } => {
                let ids: Vec<_> = heads.iter().map(|h| h.id.as_str()).collect();
                write!(
                    f,
                    "the migrations have {} heads ({}); `upgrade head` will refuse: merge them, or target `heads` or one id",
                    heads.len(),
                    ids.join(", ")
                )
            }
            Problem::Unfinished { step } => {
                f.write_str(&ApplyError::Dirty { step: step.clone() }.to_string())
            }
            Problem::Edited { edit } => write!(
                f,
                "{edit}; `upgrade` refuses until the edit is reverted, or accepted with `accept {}`",
                edit.revision
            ),
            Problem::LossyTypeChange { error, .. } => f.write_str(error),
            Problem::ManagedByAnotherTool { other } => f.write_str(&other.advice()),
            Problem::Irreversible { revision, reason } => write!(
                f,
                "{} ({}) cannot be downgraded: it has no `downgrade` function and its {reason}",
                revision.id, revision.message
            ),
        }
    }
}

/// A migration that runs in phases (around a backfill) and stopped
/// part-way with nothing in doubt: the next `upgrade` continues it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InProgress {
    /// The revision.
    pub revision: RevisionRef,
    /// Which way.
    pub direction: Direction,
    /// The next statement to run, from 1.
    pub statement: usize,
    /// Statements in the step.
    pub total: usize,
    /// What that statement does, e.g. `backfill users.locale`.
    pub operation: String,
    /// The step's backfills and how far each got.
    pub backfills: Vec<BackfillState>,
    /// Why the last attempt stopped, if it failed.
    pub error: Option<String>,
}

/// How far one backfill got.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackfillState {
    /// The operation.
    pub operation: String,
    /// Rows updated so far.
    pub rows_updated: u64,
    /// Batches committed.
    pub batches: u64,
    /// The last key done.
    pub last_key: Option<String>,
    /// Rows walked, and the table's estimated rows.
    pub position: u64,
    /// The estimate.
    pub estimate: Option<u64>,
    /// Whether it reached the end.
    pub finished: bool,
}

impl fmt::Display for InProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({}) is in progress at statement {} of {} ({})",
            self.direction,
            self.revision.id,
            self.revision.message,
            self.statement,
            self.total,
            self.operation
        )?;
        for backfill in &self.backfills {
            write!(
                f,
                "; {}: {} rows updated in {} batches",
                backfill.operation, backfill.rows_updated, backfill.batches
            )?;
            if let Some(key) = &backfill.last_key {
                write!(f, ", last key {key}")?;
            }
            match backfill.estimate {
                _ if backfill.finished => f.write_str(", done")?,
                Some(estimate) if estimate > 0 => write!(
                    f,
                    ", about {}% of ~{estimate} rows",
                    (backfill.position.min(estimate) * 100) / estimate
                )?,
                _ => {}
            }
        }
        if let Some(error) = &self.error {
            write!(
                f,
                "; the last attempt stopped: {}",
                error.lines().next().unwrap_or_default()
            )?;
        }
        write!(f, "; `upgrade` continues it")
    }
}

/// What `status` reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Status {
    /// The connected backend.
    pub backend: Backend,
    /// Where the version tables are, or would be created: the PostgreSQL
    /// schema, the MySQL database; `None` on SQLite.
    pub schema: Option<String>,
    /// The heads in the database; empty at base.
    pub current: Vec<RevisionRef>,
    /// Revisions applied.
    pub applied: usize,
    /// Revisions not applied yet, in the order `upgrade heads` applies them.
    pub pending: Vec<RevisionRef>,
    /// The heads of the graph.
    pub heads: Vec<RevisionRef>,
    /// A migration in progress that the next `upgrade` continues.
    pub in_progress: Option<InProgress>,
    /// What needs a human; empty when all is well.
    pub problems: Vec<Problem>,
    /// Type changes that can lose data and say why that is fine
    /// (`lossy_ok`), in every migration: for review, not problems.
    pub lossy: Vec<super::LossyChange>,
}

impl Migrator {
    /// Reads where the database is and compares it with the graph. Reads only.
    pub async fn status(&self, db: &mut dyn Driver) -> Result<Status, Error> {
        let backend = db.backend();
        let state = self.read_state(db).await?;
        let (tables_exist, head_ids, schema) = (state.tables_exist, state.heads, state.schema);
        let mut problems = Vec::new();
        if let Some(other) = state.other {
            problems.push(Problem::ManagedByAnotherTool { other });
        }
        let graph = self.graph();
        let refer = |index| RevisionRef::of(graph, index);
        let heads: Vec<_> = graph.heads().iter().map(|&i| refer(i)).collect();
        if heads.len() > 1 {
            problems.push(Problem::MultipleHeads {
                heads: heads.clone(),
            });
        }
        let (current, applied, pending) = match self.resolve_heads(&head_ids) {
            Ok(current) => {
                let applied_set = graph.ancestors_of(&current);
                let pending: Vec<RevisionIdx> = graph
                    .topo_order()
                    .iter()
                    .copied()
                    .filter(|&i| !applied_set[i])
                    .collect();
                for &index in &pending {
                    if let Some(error) = self.refused_lossy(index, backend) {
                        problems.push(Problem::LossyTypeChange {
                            revision: refer(index),
                            error: error.to_string(),
                        });
                    }
                }
                let pending = pending.into_iter().map(refer).collect();
                let applied = applied_set.iter().filter(|a| **a).count();
                (current.into_iter().map(refer).collect(), applied, pending)
            }
            Err(_) => {
                let unknown: Vec<_> = head_ids
                    .iter()
                    .filter(|id| graph.index_of(id).is_none())
                    .cloned()
                    .collect();
                problems.push(Problem::UnknownRevisions { ids: unknown });
                let current = head_ids
                    .iter()
                    .map(|id| RevisionRef {
                        id: id.clone(),
                        message: graph
                            .index_of(id)
                            .map(|i| graph.revision(i).message.clone())
                            .unwrap_or_default(),
                    })
                    .collect();
                (current, 0, Vec::new())
            }
        };
        for (index, error) in self.irreversible() {
            problems.push(Problem::Irreversible {
                revision: refer(index),
                reason: error.to_string(),
            });
        }
        let mut in_progress = None;
        if tables_exist {
            if let Some(step) = self.dirty_step(db).await? {
                let heads_now = self.resolve_heads(&head_ids).unwrap_or_default();
                match self.continuation(&step, &heads_now, backend) {
                    Some((index, resume)) => {
                        in_progress = Some(
                            self.in_progress(db, index, &step, &heads_now, resume.from)
                                .await?,
                        );
                    }
                    None => problems.push(Problem::Unfinished {
                        step: Box::new(step),
                    }),
                }
            }
            if let Ok(current) = self.resolve_heads(&head_ids) {
                for edit in self.edits(db, &current).await? {
                    problems.push(Problem::Edited { edit });
                }
            }
        }
        Ok(Status {
            backend,
            schema,
            current,
            applied,
            pending,
            heads,
            in_progress,
            problems,
            lossy: self.lossy_changes(),
        })
    }

    async fn in_progress(
        &self,
        db: &mut dyn Driver,
        index: RevisionIdx,
        row: &AuditRow,
        current: &[RevisionIdx],
        from: usize,
    ) -> Result<InProgress, Error> {
        let step = self.step_as_recorded(index, row, current, db.backend())?;
        let rows = super::backfill::read_rows(db, &row.revision, row.direction)
            .await
            .map_err(|source| ApplyError::ReadState { source })?;
        let backfills = rows
            .into_values()
            .map(|(p, _)| BackfillState {
                last_key: p.last_key_text(),
                operation: p.operation,
                rows_updated: p.rows_updated,
                batches: p.batches,
                position: p.rows_scanned,
                estimate: p.estimate,
                finished: p.finished,
            })
            .collect();
        let registration = self.registration(index);
        Ok(InProgress {
            revision: RevisionRef {
                id: registration.id.to_owned(),
                message: registration.summary(),
            },
            direction: row.direction,
            statement: from + 1,
            total: step.statements.len(),
            operation: step.describe_statement(from),
            backfills,
            error: row.error.clone(),
        })
    }
}
