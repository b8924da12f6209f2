//! The core of **migrate**: typed migrations for PostgreSQL, MySQL/MariaDB and SQLite.
//!
//! A migration is a module annotated with [`#[migration]`](macro@migration). Its
//! `upgrade`/`downgrade` functions only *record* typed operations into a
//! [`Migration`](ops::Migration) plan; nothing touches a database while a plan is
//! built. The [`graph`] orders the registered migrations and checks them; the
//! [`migrator`] renders each plan for the connected backend and applies it.
//!
//! See `ARCHITECTURE.md` at the root of the repository for the code map.

mod backend;
mod direction;
pub mod driver;
pub mod error;
pub mod graph;
pub mod migrator;
pub mod ops;
mod owner;
pub mod registry;
pub mod render;
pub mod schema;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text;

pub use migrate_macros::migration;

pub use crate::backend::{Backend, Backends};
pub use crate::direction::Direction;
pub use crate::error::Error;
pub use crate::graph::RevisionIdx;
pub use crate::migrator::Migrator;
pub use crate::owner::{NotAnOwner, Owner};
pub use crate::registry::Registration;

/// What a migration module needs: `use migrate_core::prelude::*;`.
pub mod prelude {
    pub use crate::backend::Backend;
    pub use crate::migration;
    pub use crate::ops::{
        Action, AddEnumValue, AlterColumn, Backfill, BackfillRow, Column, ColumnType, Constraint,
        Enum, ForeignKey, Index, Literal, Migration, RawSql, Rows, Table,
    };
    pub use sea_query::{self, Alias, Expr, Func, SimpleExpr};
}

/// Used by the code that `#[migration]` generates. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::ops::Migration;
    pub use crate::registry::Registration;
    pub use inventory;
}
