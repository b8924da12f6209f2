//! SQLite's 12-step table rebuild, for the changes its `ALTER TABLE` cannot
//! make (sqlite.org/lang_altertable.html, "Making Other Kinds Of Table
//! Schema Changes").
//!
//! Rendering records *what* changes ([`Rebuild`]); the statements are derived
//! when the step runs, from the table's definition as it is at that moment
//! inside the migration's transaction ([`Rebuild::statements`]). Consecutive
//! changes to one table become one rebuild, as Alembic's `batch_alter_table`
//! does. The runtime turns `PRAGMA foreign_keys` off around the transaction
//! (it is a no-op inside one) and runs `PRAGMA foreign_key_check` before
//! committing.

mod derive;
mod lex;
mod table;
#[cfg(test)]
mod tests;

pub use derive::RebuildError;

/// A rebuild of one SQLite table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuild {
    /// The table.
    pub table: String,
    /// What changes, in order.
    pub changes: Vec<TableChange>,
}

/// One change a [`Rebuild`] makes. Definitions are SQLite SQL, rendered from
/// the typed plan.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TableChange {
    /// A new column, e.g. `"age" integer NOT NULL DEFAULT 0`.
    AddColumn {
        /// Its name.
        column: String,
        /// Its full definition.
        definition: String,
    },
    /// Drops a column, with the indexes and table constraints that use it.
    DropColumn {
        /// The column.
        column: String,
    },
    /// Replaces a column's definition (the name may change too).
    ReplaceColumn {
        /// The column's current name.
        column: String,
        /// Its new full definition.
        definition: String,
    },
    /// Changes parts of a column's definition, keeping the rest.
    AlterColumn {
        /// The column.
        column: String,
        /// A new type.
        ty: Option<String>,
        /// Whether `NULL` is allowed from now on.
        nullable: Option<bool>,
        /// A new default expression, or `Some(None)` to drop it.
        default: Option<Option<String>>,
    },
    /// A new table constraint, e.g. `CONSTRAINT "ck" CHECK (age >= 0)`.
    AddConstraint {
        /// Its name.
        name: String,
        /// Its full definition.
        definition: String,
    },
    /// Drops a named constraint (table or column level).
    DropConstraint {
        /// Its name.
        name: String,
        /// Whether a table without it is left as it is rather than refused.
        if_exists: bool,
    },
}

/// One row of `sqlite_schema`: what a rebuild reads before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaObject {
    /// `table`, `index`, `trigger` or `view`.
    pub kind: String,
    /// The object's name.
    pub name: String,
    /// The table it belongs to (its own name for tables and views).
    pub table: String,
    /// Its `CREATE` statement.
    pub sql: String,
}

impl Rebuild {
    /// The query whose rows (`type, name, tbl_name, sql`) are the
    /// [`SchemaObject`]s that [`statements`](Rebuild::statements) needs.
    pub const SCHEMA_QUERY: &'static str = "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid";

    /// An SQL comment that says what the rebuild does, for dry runs, errors
    /// and the checksum.
    pub fn describe(&self) -> String {
        let changes: Vec<String> = self.changes.iter().map(TableChange::describe).collect();
        // Definitions hold user text (string defaults, checks): the comment
        // stays one line whatever they hold.
        crate::text::sql_comment(&format!(
            "rebuild table \"{}\": {}",
            self.table.replace('"', "\"\""),
            changes.join("; ")
        ))
    }
}

impl TableChange {
    fn describe(&self) -> String {
        match self {
            Self::AddColumn { definition, .. } => format!("add column {definition}"),
            Self::DropColumn { column } => format!("drop column \"{column}\""),
            Self::ReplaceColumn { column, definition } => {
                format!("replace column \"{column}\" with {definition}")
            }
            Self::AlterColumn {
                column,
                ty,
                nullable,
                default,
            } => {
                let mut parts = Vec::new();
                if let Some(ty) = ty {
                    parts.push(format!("type {ty}"));
                }
                if let Some(nullable) = nullable {
                    parts.push(if *nullable { "NULL" } else { "NOT NULL" }.to_owned());
                }
                match default {
                    Some(Some(expr)) => parts.push(format!("DEFAULT {expr}")),
                    Some(None) => parts.push("no default".to_owned()),
                    None => {}
                }
                format!("alter column \"{column}\" {}", parts.join(" "))
            }
            Self::AddConstraint { definition, .. } => format!("add {definition}"),
            Self::DropConstraint { name, .. } => format!("drop constraint \"{name}\""),
        }
    }
}
