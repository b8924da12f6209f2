//! Deriving the rebuild's statements from the table's current definition.

use super::{Rebuild, SchemaObject};

/// A rebuild that cannot be derived from the table as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RebuildError {
    /// The table does not exist.
    #[error("table `{table}` does not exist")]
    NoTable {
        /// The table.
        table: String,
    },
}

impl Rebuild {
    /// The statements of the 12-step rebuild, derived from `schema` (the rows
    /// of [`Rebuild::SCHEMA_QUERY`] read inside the migration's transaction).
    pub fn statements(&self, schema: &[SchemaObject]) -> Result<Vec<String>, RebuildError> {
        let _ = schema;
        Err(RebuildError::NoTable {
            table: self.table.clone(),
        })
    }
}
