//! Typed operations: what a migration's `upgrade`/`downgrade` records.
//!
//! Building a [`Migration`] touches no database. The runtime later renders the
//! recorded [`Operation`]s for one backend (see [`render`](crate::render)) and
//! executes them, so the same plan serves execution, offline SQL, checksums,
//! automatic downgrades ([`Migration::reversed`]) and tests.

mod alter;
mod backfill;
mod column;
mod constraint;
mod data;
mod dropped;
mod enums;
mod index;
mod literal;
mod made;
mod migration;
mod names;
mod narrowing;
mod query;
mod reverse;
mod table;
#[cfg(test)]
mod tests;

pub use alter::AlterColumn;
pub(crate) use backfill::Work;
pub use backfill::{Backfill, BackfillRow, BoxError, CellError, FromCell};
pub use column::{Column, ColumnDefault, ColumnType};
pub use constraint::{Action, Constraint, ConstraintKind, ForeignKey, Name};
pub use data::{IntoRow, RawSql, Rows};
pub use dropped::{Dropped, Named};
pub use enums::{AddEnumValue, Enum};
pub use index::{Index, IndexPart};
pub use literal::Literal;
pub(crate) use literal::hex as literal_hex;
pub(crate) use made::MadeHere;
pub use migration::{Allow, Migration, Operation};
pub use narrowing::{Fit, fit};
pub use query::{Query, SqlArg, ident};
pub use reverse::Irreversible;
pub use table::Table;
