//! What a step that stopped leaves behind, and what to do next: the end of
//! an apply error's message ([`StepState`] and the parts it names).

use std::fmt;

use crate::driver::Direction;

/// What a step that failed leaves behind, and what to do next: the end of
/// its error message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StepState {
    /// The step's one transaction rolled back.
    RolledBack {
        /// Whether the rows in the database, not the statement, caused it.
        data: bool,
    },
    /// Recording the step failed in its transaction, which rolled back.
    BookkeepingRolledBack,
    /// Nothing of the step ran yet.
    NothingRan,
    /// A statement outside a transaction failed first: nothing of the
    /// step stays applied.
    NothingApplied {
        /// What became of the INVALID index a failed concurrent build left.
        index: Option<InvalidIndex>,
        /// The rows in the database, not the statement, are the cause.
        data: bool,
    },
    /// Statements that commit on their own ran before the one that failed,
    /// and stay.
    PartlyApplied {
        /// The revision.
        revision: String,
        /// The backend commits DDL as it goes (MySQL), rather than the step
        /// running outside a transaction.
        ddl_commits: bool,
        /// Statements that ran.
        done: usize,
        /// Statements in the step.
        total: usize,
        /// The rows in the database, not the statement, are the cause.
        data: bool,
        /// What became of the INVALID index a failed concurrent build left.
        index: Option<InvalidIndex>,
    },
    /// A phase of a step in phases rolled back; earlier phases stay.
    PhaseRolledBack {
        /// The revision.
        revision: String,
        /// The phase's first statement (0-based).
        first: usize,
    },
    /// A backfill refused to start; earlier phases stay.
    BackfillRefused {
        /// The backfill's statement (0-based).
        statement: usize,
    },
    /// A batch of a backfill rolled back; earlier batches stay.
    BatchRolledBack {
        /// What committed before.
        committed: Committed,
        /// The Rust function, or a row it read, failed (not SQL).
        function: bool,
    },
    /// The statements ran but the audit row does not count them yet.
    AuditLags,
    /// The backfill finished but the audit row does not count it yet.
    BackfillAuditLags,
    /// Every statement ran, but the heads table did not move.
    HeadsNotWritten,
}

impl fmt::Display for StepState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepState::RolledBack { data } => write!(
                f,
                "the transaction was rolled back: the schema and the version tables are as they were; {}",
                fix(*data)
            ),
            StepState::BookkeepingRolledBack => {
                f.write_str("the transaction was rolled back; nothing changed")
            }
            StepState::NothingRan => f.write_str("no statement of the step ran"),
            StepState::NothingApplied { index, data } => {
                f.write_str("nothing of this step ran or stays applied: the database is as it was before it; ")?;
                f.write_str(if *data {
                    fix(true)
                } else {
                    "fix the cause and run the command again"
                })?;
                write_index(f, index.as_ref())
            }
            StepState::PartlyApplied {
                revision,
                ddl_commits,
                done,
                total,
                data,
                index,
            } => {
                let why = if *ddl_commits {
                    "MySQL commits DDL as it goes"
                } else {
                    "this step runs outside a transaction"
                };
                write!(
                    f,
                    "{why}: {done} of {total} statements of this step ran and stay applied; the audit table marks the step as failed and nothing else runs until it is resolved. {}, then run `resume` to continue from statement {}, or finish or undo the step by hand and record it with `repair {revision} --applied` or `--reverted`",
                    if *data {
                        "The rows in the database are the cause, not the statement: fix the rows the database names"
                    } else {
                        "Fix the cause"
                    },
                    done + 1,
                )?;
                write_index(f, index.as_ref())
            }
            StepState::PhaseRolledBack { revision, first } => {
                write_phase_rolled_back(f, *first)?;
                write!(
                    f,
                    "; the migration is in progress: fix the cause and run `upgrade` again, which continues from statement {} (or undo the earlier phases by hand and record it with `repair {revision} --reverted`)",
                    first + 1
                )
            }
            StepState::BackfillRefused { statement } => {
                write_phase_rolled_back(f, *statement)?;
                f.write_str(
                    "; fix the migration and run `upgrade` again, which continues with this backfill",
                )
            }
            StepState::BatchRolledBack {
                committed,
                function,
            } => write!(
                f,
                "that batch was rolled back and {}; fix {} and run `upgrade` again, which continues {}",
                committed.kept(),
                if *function {
                    "the function or the row"
                } else {
                    "the cause"
                },
                committed.continue_at()
            ),
            StepState::AuditLags => f.write_str("the statements ran but the audit row lags"),
            StepState::BackfillAuditLags => f.write_str(
                "the backfill is done but the audit row lags; run `upgrade` again",
            ),
            StepState::HeadsNotWritten => f.write_str(
                "every statement ran, but the heads table was not updated; the audit row says `started`: record it with `repair <revision> --applied`",
            ),
        }
    }
}

/// What to do about a failed statement: the migration is the cause (its
/// statement, or the values it inserts), or the rows in the database are.
fn fix(data: bool) -> &'static str {
    if data {
        "the rows in the database are the cause, not the statement: fix the rows the database names (or make the migration handle them), then run the command again"
    } else {
        "fix the migration and run the command again"
    }
}

fn write_phase_rolled_back(f: &mut fmt::Formatter<'_>, first: usize) -> fmt::Result {
    if first == 0 {
        f.write_str("this phase was rolled back and no earlier phase ran")
    } else {
        write!(
            f,
            "this phase was rolled back and statements 1..{first} committed in earlier phases and stay"
        )
    }
}

fn write_index(f: &mut fmt::Formatter<'_>, index: Option<&InvalidIndex>) -> fmt::Result {
    match index {
        Some(InvalidIndex::Dropped { name }) => write!(
            f,
            ". The INVALID index {name} the failed build left was dropped"
        ),
        Some(InvalidIndex::Kept { name, error, drop }) => write!(
            f,
            ". The failed build left the INVALID index {name}, which could not be dropped ({error}): run `{drop}` before resuming"
        ),
        None => Ok(()),
    }
}

/// The INVALID index a failed `CREATE INDEX CONCURRENTLY` left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidIndex {
    /// It was dropped.
    Dropped {
        /// The index.
        name: String,
    },
    /// Dropping it failed.
    Kept {
        /// The index.
        name: String,
        /// Why it could not be dropped.
        error: String,
        /// The statement that drops it.
        drop: String,
    },
}

/// The batches of a backfill that committed before it stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Committed {
    /// Batches committed.
    pub batches: u64,
    /// Rows they updated.
    pub rows: u64,
    /// The last key done, as messages show it, if any batch committed.
    pub last_key: Option<String>,
}

impl Committed {
    fn kept(&self) -> String {
        match &self.last_key {
            Some(key) => format!(
                "the {} batch(es) committed before it stay ({} rows, up to key {key})",
                self.batches, self.rows
            ),
            None => "no batch had committed".to_owned(),
        }
    }

    /// Where the next run of the backfill starts.
    pub fn continue_at(&self) -> ContinueAt {
        ContinueAt(self.last_key.clone())
    }
}

/// Where the next run of a backfill starts: after its last key done, or
/// from the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContinueAt(pub Option<String>);

impl fmt::Display for ContinueAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(key) => write!(f, "after key {key}"),
            None => f.write_str("from the start"),
        }
    }
}

/// What an interrupted run leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Interruption {
    /// Between two steps.
    BetweenSteps {
        /// Steps that ran and committed.
        done: usize,
        /// Steps the run had.
        total: usize,
        /// The step that did not start.
        next: String,
        /// Its direction.
        direction: Direction,
    },
    /// Between two batches of a backfill.
    InBackfill {
        /// The revision.
        revision: String,
        /// Its direction.
        direction: Direction,
        /// The backfill.
        operation: String,
        /// Rows this run updated.
        rows: u64,
        /// What committed.
        committed: Committed,
    },
}

impl fmt::Display for Interruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interruption::BetweenSteps {
                done,
                total,
                next,
                direction,
            } => write!(
                f,
                "{done} of {total} migration(s) ran and are committed; {direction} {next} and the rest did not start"
            ),
            Interruption::InBackfill {
                revision,
                direction,
                operation,
                rows,
                committed,
            } => write!(
                f,
                "{direction} {revision}: {operation} stopped after {rows} rows of this run; {}, and nothing after it ran; run `upgrade` again to continue {}",
                committed.kept(),
                committed.continue_at()
            ),
        }
    }
}
