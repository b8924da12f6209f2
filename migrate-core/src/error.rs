//! The crate's error, split by phase: the graph is checked, then targets are
//! resolved, then plans are built and rendered, then they are applied.
//!
//! Each message says what failed, where (revision, statement) and what to do
//! next. The CLI exits 1 for every variant but a target that does not parse
//! (`TargetError::Malformed`, a usage error like a bad flag: 2); a run
//! stopped by SIGINT or SIGTERM exits 130.

use crate::driver::DriverError;
use crate::graph::{GraphErrors, TargetError};
use crate::migrator::{ApplyError, PlanError};

/// Anything that can stop a migrate command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The registered migrations do not form a valid graph.
    #[error(transparent)]
    Graph(#[from] GraphErrors),
    /// A target such as `head` or `ae1f+2` could not be resolved.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// A migration's plan could not be built or rendered. Nothing ran.
    #[error(transparent)]
    Plan(#[from] Box<PlanError>),
    /// Connecting or locking failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
    /// Applying a step, or reading the version tables, failed.
    #[error(transparent)]
    Apply(#[from] Box<ApplyError>),
    /// The binary sets two naming conventions, or one with an unknown token.
    #[error("{0}")]
    NamingConvention(String),
    /// The crate's `migrate.toml` does not read.
    #[error("{0}")]
    LintConfig(String),
    /// Reading the database's schema failed.
    #[error(transparent)]
    Introspect(#[from] crate::schema::IntrospectError),
}

impl From<PlanError> for Error {
    fn from(error: PlanError) -> Self {
        Error::Plan(Box::new(error))
    }
}

impl From<ApplyError> for Error {
    fn from(error: ApplyError) -> Self {
        Error::Apply(Box::new(error))
    }
}
