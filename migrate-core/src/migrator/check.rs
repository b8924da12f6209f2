//! `check`: the CI gate. Everything that should stop a merge or a deploy,
//! one problem per line.

use std::fmt;

use chrono::{DateTime, Utc};

use super::status::{Problem, RevisionRef};
use super::{Migrator, PlanError, RenderedStep};
use crate::driver::{Direction, Driver};
use crate::graph::RevisionIdx;
use crate::schema::{Replay, Schema};
use crate::{Backend, Error};

/// Something `check` refuses.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckProblem {
    /// The graph has several heads on one branch: several unlabelled
    /// heads, or a labelled branch that split.
    MultipleHeads {
        /// The heads.
        heads: Vec<RevisionRef>,
    },
    /// A migration cannot be downgraded and is not marked irreversible.
    Irreversible {
        /// The revision.
        revision: RevisionRef,
        /// Where it is written.
        location: String,
        /// The step with no inverse.
        reason: String,
    },
    /// A migration changes a column's type in a way that can lose data and
    /// does not say `lossy_ok`.
    LossyTypeChange {
        /// The revision.
        revision: RevisionRef,
        /// The refusal, which names the operation, the types and the fix.
        error: String,
    },
    /// A migration's plan cannot be built or rendered for a backend.
    Unrenderable {
        /// The revision.
        revision: RevisionRef,
        /// The backend.
        backend: Backend,
        /// The error, which names the function, the step and the fix.
        error: String,
    },
    /// An operation the schema before it cannot take (a table or column
    /// that does not exist, a name that is taken), found by replaying the
    /// plans before it without a database.
    Invalid {
        /// The revision.
        revision: RevisionRef,
        /// Where it is written.
        location: String,
        /// The backends whose plans it is in: one problem, said once.
        backends: Vec<Backend>,
        /// The operation and what is wrong.
        error: String,
    },
    /// A committed schema snapshot (`schema --format sql`) is not what the
    /// migrations build at their heads any more.
    StaleSchemaSnapshot {
        /// The file.
        path: String,
        /// The backend its header names; `None` when it has no header.
        backend: Option<Backend>,
        /// The first line that differs, counting from 1.
        line: usize,
    },
    /// An applied migration's plan changed since it was applied.
    ChecksumChanged {
        /// The revision.
        revision: RevisionRef,
        /// Where it is written.
        location: String,
        /// The checksum recorded when it was applied.
        applied: String,
        /// The checksum of its plan now.
        current: String,
        /// When it was applied.
        applied_at: DateTime<Utc>,
        /// What differs, statement by statement, where the audit row says.
        changes: Vec<String>,
    },
    /// The database is not at the heads.
    NotAtHead {
        /// Where it is.
        current: Vec<RevisionRef>,
        /// What `upgrade heads` would apply.
        pending: Vec<RevisionRef>,
    },
    /// What `status` finds wrong with the database (unknown revisions, a
    /// step that stopped part-way).
    Database(Problem),
    /// The database's schema is not the one its migrations build at its
    /// revision: a change made by hand, or by a tool that is not this one.
    Drift {
        /// The revisions the database is at.
        current: Vec<RevisionRef>,
        /// What the database has that the migrations do not say, and the
        /// reverse, one review line each (as `Schema::diff` says them).
        differences: Vec<String>,
        /// Tables raw SQL touched in ways the replay cannot follow: not
        /// compared.
        uncertain: Option<String>,
    },
    /// The models (`#[derive(Model)]`) declare something the migrations do
    /// not build at their heads: one difference.
    ModelsDiffer {
        /// The backends it is on.
        backends: Vec<Backend>,
        /// The difference, as `Schema::diff` says it (migrations → models).
        difference: String,
    },
    /// A model cannot be read into a schema.
    Model {
        /// Which model, and why.
        error: String,
    },
    /// A lint finding at deny (with [`Migrator::with_lint`]).
    Lint {
        /// The finding.
        finding: crate::lint::Finding,
    },
}

fn short(checksum: &str) -> &str {
    checksum.get(..12).unwrap_or(checksum)
}

fn ids(revisions: &[RevisionRef]) -> String {
    revisions
        .iter()
        .map(|r| r.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for CheckProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MultipleHeads { heads } => write!(
                f,
                "the migrations have {} heads on the same branch ({}); merge them with `merge heads`, or give each a branch label (`branch_labels`) if they are meant to stay apart",
                heads.len(),
                ids(heads)
            ),
            Self::Irreversible {
                revision,
                location,
                reason,
            } => write!(
                f,
                "{} ({}) cannot be downgraded: it has no `downgrade` function and its {reason}; write a `downgrade`, or call `m.irreversible(\"why\")` in one, in {location}",
                revision.id, revision.message
            ),
            Self::LossyTypeChange { error, .. } => f.write_str(error),
            Self::Unrenderable {
                revision,
                backend,
                error,
            } => write!(f, "{} does not render on {backend}: {error}", revision.id),
            Self::Invalid {
                revision,
                location,
                backends,
                error,
            } => {
                let on: Vec<String> = backends.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "{} ({}) does not fit the schema before it on {}: {error}; the schema is the one the migrations before it build, replayed without a database; fix the operation in {location}",
                    revision.id,
                    revision.message,
                    on.join(", ")
                )
            }
            Self::StaleSchemaSnapshot {
                path,
                backend: Some(backend),
                line,
            } => write!(
                f,
                "{} is stale: the migrations build another schema on {backend} (line {line} differs); write it again with `schema --format sql --backend {backend} > {0}` and commit it with the migration",
                crate::text::one_line(path)
            ),
            Self::StaleSchemaSnapshot {
                path,
                backend: None,
                ..
            } => write!(
                f,
                "{} is not a schema snapshot: its first line should be the `-- migrate: the schema on <backend> ...` header `schema --format sql` writes; write it with `schema --format sql --backend <backend> > {0}`",
                crate::text::one_line(path)
            ),
            Self::ChecksumChanged {
                revision,
                location,
                applied,
                current,
                applied_at,
                changes,
            } => {
                write!(
                    f,
                    "{} ({}) changed since it was applied on {}: checksum {} then, {} now",
                    revision.id,
                    revision.message,
                    applied_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    short(applied),
                    short(current)
                )?;
                for change in changes {
                    write!(f, "; {change}")?;
                }
                write!(
                    f,
                    "; revert the edit in {location} and put the change in a new migration, or record it with `accept {}` if the database already matches",
                    revision.id
                )
            }
            Self::NotAtHead { current, pending } => write!(
                f,
                "the database is at {}, not at the heads: {} pending ({}); run `upgrade heads`",
                if current.is_empty() {
                    "base".to_owned()
                } else {
                    ids(current)
                },
                pending.len(),
                ids(pending)
            ),
            Self::Database(problem) => problem.fmt(f),
            Self::Drift {
                current,
                differences,
                uncertain,
            } => {
                write!(
                    f,
                    "the database differs from the schema its migrations build at {}: {}",
                    if current.is_empty() {
                        "base".to_owned()
                    } else {
                        ids(current)
                    },
                    differences
                        .iter()
                        .map(|line| crate::text::one_line(line))
                        .collect::<Vec<_>>()
                        .join("; ")
                )?;
                if let Some(uncertain) = uncertain {
                    write!(f, " (not compared: {})", crate::text::one_line(uncertain))?;
                }
                f.write_str(
                    "; put the change in a migration, or undo it in the database; `schema` shows what the migrations build",
                )
            }
            Self::ModelsDiffer {
                backends,
                difference,
            } => write!(
                f,
                "the models differ from the migrations at the heads on {}: {}; run `revision --autogenerate -m \"...\"` to write the migration, or change the model",
                backends
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                crate::text::one_line(difference)
            ),
            Self::Model { error } => write!(f, "{}", crate::text::one_line(error)),
            Self::Lint { finding } => write!(
                f,
                "{}; allow it with `.allow(Lint::..., \"why\")` after its operation, or set the rule in migrate.toml",
                finding.line()
            ),
        }
    }
}

impl Migrator {
    /// Everything that should fail a CI run: several heads, migrations that
    /// cannot be downgraded and are not marked so, plans that do not render
    /// (on `db`'s backend, or on every backend without a database), and,
    /// with a database, edited applied migrations (checksums), unknown or
    /// unfinished revisions, and pending ones. Reads only.
    pub async fn check(&self, db: Option<&mut dyn Driver>) -> Result<Vec<CheckProblem>, Error> {
        let graph = self.graph();
        let refer = |index| RevisionRef::of(graph, index);
        let mut problems = Vec::new();
        let undeclared = graph.undeclared_heads();
        if !undeclared.is_empty() {
            problems.push(CheckProblem::MultipleHeads {
                heads: undeclared.into_iter().map(refer).collect(),
            });
        }
        if let Some(config) = &self.lint {
            for finding in self.lint(config, None)? {
                if finding.severity == crate::lint::Severity::Deny {
                    problems.push(CheckProblem::Lint { finding });
                }
            }
        }
        for (index, why) in self.irreversible() {
            problems.push(CheckProblem::Irreversible {
                revision: refer(index),
                location: graph.revision(index).location.clone(),
                reason: why.to_string(),
            });
        }
        let backends = match &db {
            Some(db) => vec![db.backend()],
            None => vec![Backend::Sqlite, Backend::Postgres, Backend::MySql],
        };
        // Each backend's schema, replayed from the upgrade plans so far.
        let mut replays: Vec<Replay> = backends
            .iter()
            .map(|&backend| Replay::new(Schema::new(backend)))
            .collect();
        for &index in graph.topo_order() {
            // A lossy change is the same on every backend: said once.
            let mut lossy = [false; 2];
            for (&backend, replay) in backends.iter().zip(&mut replays) {
                for (d, direction) in [Direction::Upgrade, Direction::Downgrade]
                    .into_iter()
                    .enumerate()
                {
                    let step = self.step(index, direction, backend);
                    if direction == Direction::Upgrade {
                        self.check_replay(replay, index, step.as_ref().ok(), &mut problems);
                    }
                    match step {
                        Ok(_)
                        | Err(
                            PlanError::Irreversible { .. } | PlanError::MarkedIrreversible { .. },
                        ) => {}
                        Err(error @ PlanError::LossyTypeChange(_)) => {
                            if !std::mem::replace(&mut lossy[d], true) {
                                problems.push(CheckProblem::LossyTypeChange {
                                    revision: refer(index),
                                    error: error.to_string(),
                                });
                            }
                        }
                        Err(error) => problems.push(CheckProblem::Unrenderable {
                            revision: refer(index),
                            backend,
                            error: error.to_string(),
                        }),
                    }
                }
            }
        }
        // Every plan replayed whole: the replays are the schemas at the
        // heads, which the models and drift are compared with.
        let whole = !problems.iter().any(|p| {
            matches!(
                p,
                CheckProblem::Invalid { .. } | CheckProblem::Unrenderable { .. }
            )
        });
        #[cfg(feature = "schema")]
        if whole {
            check_models(&replays, &mut problems);
        }
        if let Some(db) = db {
            let at_heads = replays.pop().filter(|_| whole);
            self.check_database(db, at_heads, &mut problems).await?;
        }
        Ok(problems)
    }

    #[cfg_attr(
        not(feature = "schema"),
        expect(unused_variables, reason = "drift needs the schema diff")
    )]
    async fn check_database(
        &self,
        db: &mut dyn Driver,
        at_heads: Option<Replay>,
        problems: &mut Vec<CheckProblem>,
    ) -> Result<(), Error> {
        let status = self.status(db).await?;
        // Where the database is, for sure: no revisions this crate lacks,
        // no step stopped part-way, no other tool's tables.
        #[cfg(feature = "schema")]
        let known = status.in_progress.is_none()
            && !status.problems.iter().any(|p| {
                matches!(
                    p,
                    Problem::UnknownRevisions { .. }
                        | Problem::Unfinished { .. }
                        | Problem::ManagedByAnotherTool { .. }
                )
            });
        for problem in status.problems {
            match problem {
                Problem::Edited { edit } => problems.push(CheckProblem::ChecksumChanged {
                    revision: RevisionRef {
                        id: edit.revision,
                        message: edit.message,
                    },
                    location: edit.location,
                    applied: edit.recorded,
                    current: edit.current,
                    applied_at: edit.applied_at,
                    changes: edit.changes,
                }),
                Problem::UnknownRevisions { .. }
                | Problem::Unfinished { .. }
                | Problem::ManagedByAnotherTool { .. } => {
                    problems.push(CheckProblem::Database(problem));
                }
                // The graph's own problems are reported above, once.
                _ => {}
            }
        }
        if !status.pending.is_empty() {
            problems.push(CheckProblem::NotAtHead {
                current: status.current.clone(),
                pending: status.pending.clone(),
            });
        }
        #[cfg(feature = "schema")]
        if known {
            let replayed = at_heads.filter(|_| status.pending.is_empty());
            self.check_drift(db, &status.current, replayed, problems)
                .await?;
        }
        Ok(())
    }

    /// Compares the live schema with the one the migrations build at the
    /// database's revision `at`, replayed without a database: `replayed`
    /// when `check` has it already (the database is at the heads).
    #[cfg(feature = "schema")]
    async fn check_drift(
        &self,
        db: &mut dyn Driver,
        at: &[RevisionRef],
        replayed: Option<Replay>,
        problems: &mut Vec<CheckProblem>,
    ) -> Result<(), Error> {
        let replay = match replayed {
            Some(replay) => replay,
            None => {
                let graph = self.graph();
                let current: Option<Vec<RevisionIdx>> =
                    at.iter().map(|r| graph.index_of(&r.id)).collect();
                let Some(current) = current else {
                    return Ok(());
                };
                // A plan that does not record is reported above, per
                // revision.
                let Ok(replay) = self.schema_at(&current, db.backend()) else {
                    return Ok(());
                };
                replay
            }
        };
        let live = crate::schema::snapshot(db).await?;
        let diff = replay.diff(&live);
        if !diff.is_empty() {
            let uncertain = replay.uncertain();
            problems.push(CheckProblem::Drift {
                current: at.to_vec(),
                differences: diff.lines(),
                uncertain: (!uncertain.is_empty()).then(|| uncertain.to_string()),
            });
        }
        Ok(())
    }
}

/// The model gate: each difference between the schema the migrations
/// build at the heads (`replays`) and the one the registered models
/// declare, said once with the backends it is on. Nothing without models.
#[cfg(feature = "schema")]
fn check_models(replays: &[Replay], problems: &mut Vec<CheckProblem>) {
    let models = crate::schema::ModelSet::registered();
    if models.is_empty() {
        return;
    }
    let mut found: Vec<(String, Vec<Backend>)> = Vec::new();
    for replay in replays {
        let backend = replay.backend();
        let diff = match models.compare(&replay.schema()) {
            Ok(diff) => diff,
            Err(error) => {
                problems.push(CheckProblem::Model {
                    error: error.to_string(),
                });
                return;
            }
        };
        for line in diff.lines() {
            match found.iter_mut().find(|(l, _)| *l == line) {
                Some((_, backends)) => backends.push(backend),
                None => found.push((line, vec![backend])),
            }
        }
    }
    problems.extend(
        found
            .into_iter()
            .map(|(difference, backends)| CheckProblem::ModelsDiffer {
                backends,
                difference,
            }),
    );
}

impl Migrator {
    /// Replays the upgrade plan of `index` (the rendered step's, or
    /// recorded again when it did not render) into `replay`: an operation
    /// the schema before it cannot take is a problem.
    fn check_replay(
        &self,
        replay: &mut Replay,
        index: RevisionIdx,
        step: Option<&RenderedStep>,
        problems: &mut Vec<CheckProblem>,
    ) {
        let backend = replay.backend();
        let recorded;
        let plan = match step {
            Some(step) => &step.plan,
            None => match self.plan(index, Direction::Upgrade, backend) {
                Ok(plan) => {
                    recorded = plan;
                    &recorded
                }
                Err(_) => return,
            },
        };
        let graph = self.graph();
        for op in plan.operations() {
            let found = match replay.checked_operation(op) {
                Ok(found) => found,
                Err(error) => vec![error],
            };
            for error in found {
                let error = error.to_string();
                // The same problem on another backend: said once, for both.
                let same = problems.iter_mut().rev().find_map(|p| match p {
                    CheckProblem::Invalid {
                        revision,
                        backends,
                        error: said,
                        ..
                    } if revision.id == graph.revision(index).id && *said == error => {
                        Some(backends)
                    }
                    _ => None,
                });
                match same {
                    Some(backends) => backends.push(backend),
                    None => problems.push(CheckProblem::Invalid {
                        revision: RevisionRef::of(graph, index),
                        location: graph.revision(index).location.clone(),
                        backends: vec![backend],
                        error,
                    }),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::registration;
    use super::*;
    use crate::ops::{Column, Migration, Table};

    fn create(m: &mut Migration) {
        m.create_table(
            Table::new("t")
                .column(Column::new("id").integer().primary_key())
                .column(Column::new("x").integer())
                .column(Column::new("y").integer()),
        );
    }

    fn drop_by_name(m: &mut Migration) {
        m.drop_column("t", "x");
    }

    fn drop_y_by_name(m: &mut Migration) {
        m.drop_column("t", "y");
    }

    fn one_way(m: &mut Migration) {
        m.irreversible("the data is gone");
    }

    fn check(registrations: Vec<&'static crate::Registration>) -> Vec<String> {
        let migrator = Migrator::new(registrations).expect("valid graph");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime
            .block_on(migrator.check(None))
            .expect("check")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn an_operation_the_schema_before_cannot_take_fails_on_every_backend() {
        let problems = check(vec![
            registration("aaaa1111", &[], create, None),
            registration("bbbb1111", &["aaaa1111"], drop_by_name, Some(create_x)),
            registration("cccc1111", &["bbbb1111"], drop_by_name, Some(create_x)),
        ]);
        // Said once, for the three backends.
        assert_eq!(
            problems,
            [
                "cccc1111 (m) does not fit the schema before it on sqlite, postgres, mysql: drop_column t.x: no column `t.x`; the schema is the one the migrations before it build, replayed without a database; fix the operation in fixtures (fixtures.rs:1)"
            ]
        );
    }

    fn create_x(m: &mut Migration) {
        m.add_column("t", Column::new("x").integer());
    }

    #[test]
    fn a_clean_graph_passes() {
        assert!(check(vec![registration("aaaa1111", &[], create, None)]).is_empty());
    }

    #[test]
    fn several_heads_and_unmarked_irreversible_migrations_fail() {
        let problems = check(vec![
            registration("aaaa1111", &[], create, None),
            registration("bbbb1111", &["aaaa1111"], drop_by_name, None),
            registration("cccc1111", &["aaaa1111"], drop_y_by_name, Some(one_way)),
        ]);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert_eq!(
            problems[0],
            "the migrations have 2 heads on the same branch (bbbb1111, cccc1111); merge them with `merge heads`, or give each a branch label (`branch_labels`) if they are meant to stay apart"
        );
        assert!(
            problems[1]
                .starts_with("bbbb1111 (m) cannot be downgraded: it has no `downgrade` function"),
            "{}",
            problems[1]
        );
        assert!(
            problems[1].ends_with("in fixtures (fixtures.rs:1)"),
            "{}",
            problems[1]
        );
    }

    #[test]
    fn a_marked_migration_is_refused_on_downgrade_and_listed() {
        let migrator = Migrator::new(vec![
            registration("aaaa1111", &[], create, None),
            registration("cccc1111", &["aaaa1111"], drop_by_name, Some(one_way)),
        ])
        .expect("valid graph");
        assert!(migrator.irreversible().is_empty());
        assert_eq!(
            migrator.marked_irreversible(),
            [(crate::RevisionIdx::new(1), "the data is gone".to_owned())]
        );
        let error = super::super::RenderedStep::build(
            crate::RevisionIdx::new(1),
            migrator.registration(crate::RevisionIdx::new(1)),
            Direction::Downgrade,
            Backend::Sqlite,
        )
        .expect_err("refused");
        assert_eq!(
            error.to_string(),
            "downgrade cccc1111: the migration is marked irreversible: the data is gone; nothing was run (see fixtures (fixtures.rs:1))"
        );
    }
}
