//! The revision graph: the registered migrations, checked and ordered, and
//! the routes that move a database between revisions (a *plan* is a
//! migration's operations, in `ops`; the graph gives the order they run in).
//!
//! Pure: no I/O, no async, no database. [`Graph::build`] checks the
//! revisions and reports every problem at once; [`Target`] is what the user
//! asks for; [`Graph::route`] turns a direction, a target and the current heads
//! into the revisions to run, in order.

mod build;
mod dag;
pub mod draw;
mod error;
mod heads;
mod index;
mod reach;
mod revision;
mod route;
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
pub use self::index::RevisionIdx;
pub(crate) use self::index::{all as all_revisions, enumerate as enumerate_revisions};
pub use self::revision::{RevisionInfo, validate_id, validate_label};
pub use self::target::{Range, Target};
