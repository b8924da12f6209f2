//! What the stairway test reports when a migration does not round-trip.

use std::fmt;

use crate::driver::DriverError;
use crate::schema::{IntrospectError, SchemaDiff};

/// A revision, as failure messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionLabel {
    /// Its id.
    pub id: String,
    /// Its message.
    pub message: String,
    /// Where it is written: `module (file:line)`.
    pub location: String,
}

impl fmt::Display for RevisionLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{} in {}", self.id, self.location)
        } else {
            write!(f, "{} ({}) in {}", self.id, self.message, self.location)
        }
    }
}

/// Which move of the stairway failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The first upgrade of a revision.
    Upgrade,
    /// Its downgrade.
    Downgrade,
    /// Its upgrade after the downgrade.
    Reupgrade,
}

impl fmt::Display for Move {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Upgrade => "upgrade",
            Self::Downgrade => "downgrade",
            Self::Reupgrade => "upgrade after downgrade",
        })
    }
}

fn indented(diff: &SchemaDiff) -> String {
    diff.lines()
        .iter()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn indented_lines(problems: &[crate::schema::ReplayError]) -> String {
    problems
        .iter()
        .map(|problem| format!("  {problem}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn rows(rows: &[Vec<Option<String>>]) -> String {
    if rows.is_empty() {
        return "  (no rows)".to_owned();
    }
    rows.iter()
        .map(|row| {
            let cells: Vec<&str> = row.iter().map(|c| c.as_deref().unwrap_or("NULL")).collect();
            format!("  ({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why the stairway test failed. Every message names the revision and the
/// move, shows what differs, and says what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StairwayError {
    /// The registered migrations do not form a valid graph.
    #[error("the migrations do not form a valid revision graph:\n{source}")]
    Graph {
        /// Every problem the graph check found.
        #[source]
        source: Box<crate::Error>,
    },
    /// The graph has several heads on one branch, and no branches were
    /// allowed.
    #[error(
        "the migrations have {} heads on the same branch ({}); merge them into one, label each branch with `branch_labels`, or call `.allow_branches()` if the branches are meant",
        heads.len(),
        heads.join(", ")
    )]
    MultipleHeads {
        /// The heads' ids.
        heads: Vec<String>,
    },
    /// `from_revision` names no revision.
    #[error("the stairway's starting revision {given:?} is not one of the migrations: {source}")]
    UnknownStart {
        /// What was given.
        given: String,
        /// Why the lookup failed.
        #[source]
        source: crate::graph::TargetError,
    },
    /// Migrations with no `downgrade` function whose upgrade cannot be
    /// reversed automatically.
    #[error(
        "{} cannot be downgraded:\n{}\nadd a `downgrade` function, or mark an intended one-way migration with `m.irreversible(\"why\")` in its `downgrade`",
        if .revisions.len() == 1 { "a migration".to_owned() } else { format!("{} migrations", .revisions.len()) },
        .revisions.iter().map(|(r, why)| format!("  {r}: {why}")).collect::<Vec<_>>().join("\n")
    )]
    Irreversible {
        /// Each revision, with the step that has no inverse.
        revisions: Vec<(RevisionLabel, String)>,
    },
    /// Creating, connecting to or dropping the scratch database failed.
    #[error("{what}: {source}")]
    Database {
        /// What was being done.
        what: &'static str,
        /// The driver's error.
        #[source]
        source: DriverError,
    },
    /// Reading a snapshot failed.
    #[error("snapshot the schema around {revision}: {source}")]
    Introspect {
        /// The revision.
        revision: String,
        /// The error.
        #[source]
        source: IntrospectError,
    },
    /// A move failed to run.
    #[error("{step} of revision {revision} failed: {source}")]
    Step {
        /// The revision.
        revision: RevisionLabel,
        /// Which move.
        step: Move,
        /// The migrator's error, with the statement.
        #[source]
        source: Box<crate::Error>,
    },
    /// Replaying an upgrade's plan without a database refused an operation.
    #[error(
        "replaying the plan of revision {revision} without a database failed: {source}\nthe migration ran, so this is a bug in migrate's replay: report it with the migration"
    )]
    NotReplayable {
        /// The revision.
        revision: RevisionLabel,
        /// What the replay refused.
        #[source]
        source: crate::schema::ReplayError,
    },
    /// An upgrade does what the schema before it makes wrong, though the
    /// database took it: a foreign key to columns no key makes unique or
    /// of another type, a dropped column an index or view still uses.
    #[error(
        "revision {revision} does not fit the schema before it on this backend:\n{}\nfix the operations in {location}",
        indented_lines(problems)
    )]
    Invalid {
        /// The revision.
        revision: RevisionLabel,
        /// Where it is written.
        location: String,
        /// Each operation and what is wrong with it.
        problems: Vec<crate::schema::ReplayError>,
    },
    /// The schema replayed from an upgrade's plan is not the one the
    /// database has after it.
    #[error(
        "the schema replayed from the plan of revision {revision} differs from the database's after it ({operations}); what differs (replayed -> database):\n{}\nthis is a bug in migrate's replay: report it with the migration",
        indented(diff)
    )]
    NotReplayed {
        /// The revision.
        revision: RevisionLabel,
        /// The operations on the tables that differ.
        operations: String,
        /// From the replayed schema to the introspected one.
        diff: SchemaDiff,
    },
    /// After upgrade and downgrade, the schema is not what it was.
    #[error(
        "downgrade of revision {revision} did not restore the schema it started from; what differs (before the upgrade -> after the downgrade):\n{}\nmake the downgrade undo every change the upgrade makes",
        indented(diff)
    )]
    NotRestored {
        /// The revision.
        revision: RevisionLabel,
        /// From the schema before the upgrade to the one after the downgrade.
        diff: SchemaDiff,
    },
    /// Upgrading again after the downgrade gave another schema.
    #[error(
        "upgrade of revision {revision} is not repeatable: after a downgrade it gives another schema; what differs (first upgrade -> upgrade after downgrade):\n{}\nmake the downgrade remove everything the upgrade creates",
        indented(diff)
    )]
    NotRepeatable {
        /// The revision.
        revision: RevisionLabel,
        /// From the first upgrade's schema to the second's.
        diff: SchemaDiff,
    },
    /// Seeded rows did not survive upgrade and downgrade: some are missing
    /// or changed.
    #[error(
        "revision {revision} lost data in table {table} over upgrade and downgrade; rows ({}) before the upgrade:\n{}\nand after the downgrade:\n{}\nkeep the data through the round trip (copy it back in the downgrade), or seed only what should survive",
        columns.join(", "),
        rows(before),
        rows(after)
    )]
    DataLost {
        /// The revision.
        revision: RevisionLabel,
        /// The seeded table.
        table: String,
        /// The seeded columns, in the order of the rows' cells.
        columns: Vec<String>,
        /// Its seeded columns before the upgrade, sorted.
        before: Vec<Vec<Option<String>>>,
        /// The same after the downgrade, sorted (empty if they could not be
        /// read).
        after: Vec<Vec<Option<String>>>,
    },
    /// Every seeded row survived upgrade and downgrade, and rows that were
    /// not there before are left over.
    #[error(
        "revision {revision} left {} extra row(s) in table {table} over upgrade and downgrade, which were not there before the upgrade; the rows ({}) it left:\n{}\nmake the downgrade delete the rows the upgrade inserts",
        extra.len(),
        columns.join(", "),
        rows(extra)
    )]
    ExtraRows {
        /// The revision.
        revision: RevisionLabel,
        /// The seeded table.
        table: String,
        /// The seeded columns, in the order of the rows' cells.
        columns: Vec<String>,
        /// The rows after the downgrade that were not there before, sorted.
        extra: Vec<Vec<Option<String>>>,
    },
    /// The seed hook's rows could not be inserted.
    #[error(
        "seed rows into {table} before revision {revision}: {message}; seed rows that fit the schema before that revision"
    )]
    Seed {
        /// The revision about to be upgraded.
        revision: RevisionLabel,
        /// The table.
        table: String,
        /// The database's error.
        message: String,
    },
    /// `upgrade heads` from an empty database gives another schema than
    /// upgrading one step at a time.
    #[error(
        "upgrading to the heads in one run from an empty database gives another schema than upgrading one revision at a time; what differs (one at a time -> in one run):\n{}\nlook for a migration whose plan depends on the state a previous step left behind",
        indented(diff)
    )]
    HeadDiffers {
        /// From the step-by-step schema to the one-run schema.
        diff: SchemaDiff,
    },
}
