//! The plan a migration function records.

use super::{Column, Index, Table};
use crate::Backend;

/// Raw SQL, the same for every backend or written per backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSql {
    /// Used by backends that have no SQL of their own below.
    pub(crate) any: Option<String>,
    /// SQL for one backend.
    pub(crate) per_backend: Vec<(Backend, String)>,
}

impl RawSql {
    /// The SQL to run on `backend`, if this step has any for it.
    pub fn for_backend(&self, backend: Backend) -> Option<&str> {
        self.per_backend
            .iter()
            .find(|(b, _)| *b == backend)
            .map(|(_, sql)| sql.as_str())
            .or(self.any.as_deref())
    }
}

/// One typed operation of a plan.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Operation {
    /// `CREATE TABLE`.
    CreateTable(Table),
    /// `DROP TABLE`.
    DropTable {
        /// The table.
        name: String,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `ALTER TABLE ... ADD COLUMN`.
    AddColumn {
        /// The table.
        table: String,
        /// The new column.
        column: Column,
    },
    /// `ALTER TABLE ... DROP COLUMN`.
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// `CREATE INDEX`.
    CreateIndex(Index),
    /// `DROP INDEX`.
    DropIndex {
        /// The index.
        name: String,
        /// The table it belongs to (MySQL needs it).
        table: String,
    },
    /// Raw SQL.
    Execute(RawSql),
}

impl Operation {
    /// A short description for progress lines and error messages, e.g.
    /// `add_column users.email`.
    pub fn describe(&self) -> String {
        match self {
            Self::CreateTable(t) => format!("create_table {}", t.name),
            Self::DropTable { name, .. } => format!("drop_table {name}"),
            Self::AddColumn { table, column } => format!("add_column {table}.{}", column.name),
            Self::DropColumn { table, column } => format!("drop_column {table}.{column}"),
            Self::CreateIndex(ix) => format!("create_index {} on {}", ix.name, ix.table),
            Self::DropIndex { name, table } => format!("drop_index {name} on {table}"),
            Self::Execute(_) => "execute".to_owned(),
        }
    }
}

/// The plan of one migration direction: the operations `upgrade` or
/// `downgrade` recorded, in order.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let mut m = Migration::new();
/// m.add_column("users", Column::new("email").string(255).nullable());
/// m.create_index(Index::new("ix_users_email").on("users", ["email"]));
/// assert_eq!(m.operations().len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Migration {
    ops: Vec<Operation>,
}

impl Migration {
    /// An empty plan.
    pub fn new() -> Self {
        Self::default()
    }

    /// What was recorded, in order.
    pub fn operations(&self) -> &[Operation] {
        &self.ops
    }

    /// Records an operation.
    pub fn push(&mut self, op: Operation) -> &mut Self {
        self.ops.push(op);
        self
    }

    /// `CREATE TABLE`.
    pub fn create_table(&mut self, table: Table) -> &mut Self {
        self.push(Operation::CreateTable(table))
    }

    /// `DROP TABLE`.
    pub fn drop_table(&mut self, name: impl Into<String>) -> &mut Self {
        self.push(Operation::DropTable {
            name: name.into(),
            if_exists: false,
        })
    }

    /// `DROP TABLE IF EXISTS`.
    pub fn drop_table_if_exists(&mut self, name: impl Into<String>) -> &mut Self {
        self.push(Operation::DropTable {
            name: name.into(),
            if_exists: true,
        })
    }

    /// `ALTER TABLE table ADD COLUMN column`.
    pub fn add_column(&mut self, table: impl Into<String>, column: Column) -> &mut Self {
        self.push(Operation::AddColumn {
            table: table.into(),
            column,
        })
    }

    /// `ALTER TABLE table DROP COLUMN column`.
    pub fn drop_column(
        &mut self,
        table: impl Into<String>,
        column: impl Into<String>,
    ) -> &mut Self {
        self.push(Operation::DropColumn {
            table: table.into(),
            column: column.into(),
        })
    }

    /// `CREATE [UNIQUE] INDEX`.
    pub fn create_index(&mut self, index: Index) -> &mut Self {
        self.push(Operation::CreateIndex(index))
    }

    /// `DROP INDEX name` (`ON table` on MySQL).
    pub fn drop_index(&mut self, name: impl Into<String>, table: impl Into<String>) -> &mut Self {
        self.push(Operation::DropIndex {
            name: name.into(),
            table: table.into(),
        })
    }

    /// Raw SQL, run as-is on every backend. One call may hold several
    /// statements separated by `;`.
    pub fn execute(&mut self, sql: impl Into<String>) -> &mut Self {
        self.push(Operation::Execute(RawSql {
            any: Some(sql.into()),
            per_backend: Vec::new(),
        }))
    }

    /// Raw SQL for one backend only; other backends skip this step.
    ///
    /// Call it once per backend on consecutive lines to give each its own SQL:
    /// the calls are merged into one step.
    pub fn execute_for(&mut self, backend: Backend, sql: impl Into<String>) -> &mut Self {
        if let Some(Operation::Execute(raw)) = self.ops.last_mut() {
            if raw.any.is_none() && raw.per_backend.iter().all(|(b, _)| *b != backend) {
                raw.per_backend.push((backend, sql.into()));
                return self;
            }
        }
        self.push(Operation::Execute(RawSql {
            any: None,
            per_backend: vec![(backend, sql.into())],
        }))
    }
}
