//! What can go wrong while rendering a plan.

use crate::Backend;

/// A plan that cannot be turned into SQL for a backend. Raised before anything
/// touches the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// A column was declared without a type.
    #[error(
        "render {op}: column `{column}` has no type; give it one, e.g. `Column::new(\"{column}\").text()`"
    )]
    ColumnWithoutType {
        /// The operation, as [`Operation::describe`](crate::ops::Operation::describe) says it.
        op: String,
        /// The column.
        column: String,
    },
    /// A table was created without columns.
    #[error("render {op}: the table has no columns; add at least one with `.column(...)`")]
    EmptyTable {
        /// The operation.
        op: String,
    },
    /// An index names no table or no column.
    #[error(
        "render {op}: the index covers no columns; say which with `.on(\"table\", [\"column\"])`"
    )]
    EmptyIndex {
        /// The operation.
        op: String,
    },
    /// The backend has no form for what the operation asks.
    #[error("render {op}: {backend} cannot do this: {why}")]
    Unsupported {
        /// The operation.
        op: String,
        /// The backend.
        backend: Backend,
        /// Why, and what to write instead.
        why: String,
    },
    /// The operation is malformed, whatever the backend.
    #[error("render {op}: {why}")]
    Invalid {
        /// The operation.
        op: String,
        /// What is wrong, and how to fix it.
        why: String,
    },
    /// A name is longer than the backend allows; it would be truncated.
    #[error(
        "render {op}: the name `{name}` is longer than {backend}'s limit of {limit} ({length}); choose a shorter name (it would otherwise be truncated silently)"
    )]
    IdentifierTooLong {
        /// The operation.
        op: String,
        /// The backend.
        backend: Backend,
        /// The name.
        name: String,
        /// Its length, in the unit of the limit, e.g. `70 bytes`.
        length: String,
        /// The backend's limit.
        limit: String,
    },
}
