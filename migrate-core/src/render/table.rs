//! Tables: `CREATE TABLE` with its columns, keys, checks and comments, and
//! `DROP TABLE`.

use super::RenderError;
use super::column::{column_comment, inline_foreign_key};
use super::operation::Renderer;
use super::sql::{ColumnContext, column_def, constraint_def, ident, idents, string};
use crate::Backend;
use crate::ops::{ConstraintKind, Dropped, Table};

impl Renderer<'_> {
    pub(super) fn create_table(&self, table: &Table) -> Result<Vec<String>, RenderError> {
        let b = self.backend;
        if table.columns.is_empty() {
            return Err(RenderError::EmptyTable {
                op: self.operation.describe(),
            });
        }
        // A single primary-key column is declared inline, which SQLite needs
        // for `INTEGER PRIMARY KEY AUTOINCREMENT`; several make a table
        // constraint.
        let mut pk: Vec<String> = table.key_columns();
        // A named primary-key constraint is the key; columns marked
        // `.primary_key()` or `.auto_increment()` (which implies it) must be
        // its columns, not a second key.
        let named_pk = table.constraints.iter().find_map(|c| match &c.kind {
            ConstraintKind::PrimaryKey(columns) => Some((c, columns)),
            _ => None,
        });
        if let Some((constraint, columns)) = named_pk {
            if !pk.is_empty() && &pk != columns {
                return Err(self.unsupported(format!(
                    "the table would have two primary keys: ({}) from the columns and constraint `{}` on ({}); mark no column `.primary_key()` and give the constraint every key column (an `.auto_increment()` column may be one of them)",
                    pk.join(", "),
                    constraint.name,
                    columns.join(", ")
                )));
            }
            pk.clone_from(columns);
        }
        let inline_pk = match (pk.as_slice(), named_pk) {
            ([single], None) => Some(single.as_str()),
            _ => None,
        };
        // SQLite autoincrements only an inline `INTEGER PRIMARY KEY`: a
        // named single-column key on such a column is written inline, named.
        let sqlite_named_inline = match (b, named_pk, pk.as_slice()) {
            (Backend::Sqlite, Some((constraint, _)), [single])
                if table
                    .columns
                    .iter()
                    .any(|c| c.auto_increment && c.name == *single) =>
            {
                Some((single.as_str(), constraint.name.as_str()))
            }
            _ => None,
        };

        if b == Backend::Sqlite {
            let single = inline_pk.or(sqlite_named_inline.map(|(column, _)| column));
            if let Some(c) = table
                .columns
                .iter()
                .find(|c| c.auto_increment && single != Some(c.name.as_str()))
            {
                return Err(self.unsupported(format!(
                    "SQLite numbers rows only for a single `INTEGER PRIMARY KEY`; `{}` is part of a composite key, so drop `.auto_increment()` or make it the only key column",
                    c.name
                )));
            }
        }
        for constraint in &table.constraints {
            self.check_foreign_key(constraint)?;
        }
        let mut parts = Vec::new();
        for column in &table.columns {
            let ty = self.typed(column)?;
            let context = ColumnContext::Define {
                inline_primary_key: inline_pk == Some(column.name.as_str()),
            };
            let mut def = column_def(b, column, ty, context);
            if let Some((name, constraint)) = sqlite_named_inline {
                if name == column.name {
                    // SQLite takes the column's clauses in any order.
                    def.push_str(&format!(
                        " CONSTRAINT {} PRIMARY KEY AUTOINCREMENT",
                        ident(b, constraint)
                    ));
                }
            }
            parts.push(def);
        }
        if inline_pk.is_none() && !pk.is_empty() && named_pk.is_none() {
            parts.push(format!("PRIMARY KEY ({})", idents(b, &pk)));
        }
        let inline_fks = table
            .columns
            .iter()
            .filter_map(|column| inline_foreign_key(&table.name, column));
        let constraints = table
            .constraints
            .iter()
            .filter(|c| {
                // Written inline above.
                !(sqlite_named_inline.is_some() && matches!(c.kind, ConstraintKind::PrimaryKey(_)))
            })
            .cloned();
        // MySQL needs an index that starts with a foreign key's columns: one
        // of the table's own keys may be it; else the key gets one, named
        // after it (explicit, so that a later index never replaces it).
        let mut leading: Vec<Vec<String>> = Vec::new();
        if !pk.is_empty() {
            leading.push(pk.clone());
        }
        for column in table.columns.iter().filter(|c| c.unique) {
            leading.push(vec![column.name.clone()]);
        }
        for constraint in &table.constraints {
            if let ConstraintKind::Unique(columns) = &constraint.kind {
                leading.push(columns.clone());
            }
        }
        for constraint in inline_fks.chain(constraints) {
            if let (Backend::MySql, ConstraintKind::ForeignKey(fk)) = (b, &constraint.kind) {
                // A key MySQL names itself gets the index it makes itself.
                if !constraint.name.is_empty()
                    && !leading.iter().any(|key| key.starts_with(&fk.columns))
                {
                    parts.push(format!(
                        "INDEX {} ({})",
                        ident(b, &constraint.name),
                        idents(b, &fk.columns)
                    ));
                    leading.push(fk.columns.clone());
                }
            }
            parts.push(constraint_def(b, &constraint));
        }
        let mut create = format!(
            "CREATE TABLE {}{} ({})",
            if table.if_not_exists {
                "IF NOT EXISTS "
            } else {
                ""
            },
            ident(b, &table.name),
            parts.join(", ")
        );
        let mut out = Vec::new();
        match (b, &table.comment) {
            (Backend::MySql, Some(comment)) => {
                create.push_str(&format!(" COMMENT = {}", string(b, comment)));
            }
            (Backend::Postgres, Some(comment)) => out.push(format!(
                "COMMENT ON TABLE {} IS {}",
                ident(b, &table.name),
                string(b, comment)
            )),
            _ => {}
        }
        out.insert(0, create);
        if b == Backend::Postgres {
            for column in &table.columns {
                if let Some(comment) = &column.comment {
                    out.push(column_comment(b, &table.name, &column.name, Some(comment)));
                }
            }
        }
        Ok(out)
    }

    pub(super) fn drop_table(&self, table: &Dropped<Table>, if_exists: bool) -> String {
        format!(
            "DROP TABLE {}{}",
            if if_exists { "IF EXISTS " } else { "" },
            ident(self.backend, table.name())
        )
    }
}
