//! Schema introspection: a live database read into a normalised,
//! backend-neutral [`Schema`], and (with the `schema` feature) the
//! structured `diff` of two snapshots.
//!
//! ```ignore
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use migrate_core::{driver, schema};
//!
//! let mut db = driver::connect("sqlite:app.db", driver::Access::ReadOnly).await?;
//! let before = schema::snapshot(db.as_mut()).await?;
//! // ... run a migration ...
//! let after = schema::snapshot(db.as_mut()).await?;
//! for line in before.diff(&after).lines() {
//!     println!("{line}"); // e.g. "table users: column email: nullable true -> false"
//! }
//! # Ok(()) }
//! ```
//!
//! The `testing` kit compares snapshots to prove that
//! migrations round-trip; the same model is meant to drive autogenerate and
//! drift detection.

mod create;
#[cfg(feature = "schema")]
mod diff;
mod introspect;
mod model;
mod normalize;
#[cfg(feature = "schema")]
mod plan;
mod replay;
mod summary;

#[cfg(feature = "schema")]
pub use diff::{Change, ConstraintDef, SchemaDiff};
pub use introspect::{IntrospectError, snapshot};
pub use model::{
    Check, Column, EnumType, FkAction, ForeignKey, Index, IndexPart, PrimaryKey, Schema, SqlType,
    Table, Unique, View,
};
#[cfg(feature = "schema")]
pub use plan::Planned;
pub use replay::{Replay, ReplayError, Uncertain};
