//! Typed operations: what a migration's `upgrade`/`downgrade` records.
//!
//! Building a [`Migration`] touches no database. The runtime later renders the
//! recorded [`Operation`]s for one backend (see [`render`](crate::render)) and
//! executes them, so the same plan serves execution, offline SQL, checksums and
//! tests.

mod column;
mod index;
mod migration;
mod table;

pub use column::{Column, ColumnDefault, ColumnType, Literal};
pub use index::Index;
pub use migration::{Migration, Operation, RawSql};
pub use table::{Action, ForeignKey, Table};
