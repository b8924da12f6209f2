//! The revision graph: the registered migrations, checked and ordered, and
//! the plans that move a database between revisions.
//!
//! Pure: no I/O, no async, no database. [`Graph::build`] checks the
//! revisions and reports every problem at once; [`Target`] is what the user
//! asks for; [`Graph::plan_upgrade`] and [`Graph::plan_downgrade`] turn a
//! target and the current heads into the revisions to run, in order.

mod build;
mod dag;
pub mod draw;
mod error;
mod plan;
mod reach;
mod revision;
mod suggest;
mod target;

#[cfg(test)]
mod branches;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod properties;

pub use self::dag::Graph;
pub use self::error::{GraphError, GraphErrors, IdError, TargetError};
pub use self::revision::{RevisionInfo, validate_id, validate_label};
pub use self::target::{Range, Target};
