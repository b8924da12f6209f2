//! Rendering: a plan of typed operations to SQL for one backend.
//!
//! Rendering is pure: the same plan and backend always give the same
//! statements, which is what the checksum hashes. The one exception is made
//! explicit: SQLite's table rebuild ([`Exec::SqliteRebuild`]) is resolved
//! against the live table when it runs.

mod backfill;
mod batch;
mod checksum;
mod column;
mod constraint;
mod enums;
mod error;
mod index;
mod inline;
mod insert;
mod limits;
mod online;
mod operation;
mod rebuild;
pub(crate) mod sql;
mod statement;
mod table;
#[cfg(test)]
mod tests;

pub use backfill::BackfillSql;
pub(crate) use batch::KeyColumn;
pub use checksum::checksum;
pub use error::RenderError;
pub(crate) use inline::inline;
pub(crate) use insert::json as json_value;
pub use online::{Online, OnlineForm, acted_on};
pub use operation::{render, render_online};
pub use rebuild::{Rebuild, RebuildError, SchemaObject, TableChange};
pub use statement::{Exec, Statement};
