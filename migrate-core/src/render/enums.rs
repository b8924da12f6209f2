//! Enums: a type of its own on PostgreSQL (`CREATE TYPE ... AS ENUM`,
//! `ALTER TYPE ... ADD VALUE`, `DROP TYPE`); MySQL and SQLite keep the
//! values in the columns, which a new value changes.

use super::operation::{Rendered, Renderer};
use super::sql::{ident, string};
use super::{Exec, Rebuild, RenderError, Statement, TableChange};
use crate::Backend;
use crate::ops::{AddEnumValue, AlterColumn, ColumnType, Dropped, Enum};

impl Renderer<'_> {
    pub(super) fn create_enum(&self, e: &Enum) -> Result<Rendered, RenderError> {
        let b = self.backend;
        if e.values.is_empty() {
            return Err(self.invalid(format!(
                "enum `{}` has no values; list them in `Enum::new(\"{}\", [..])`",
                e.name, e.name
            )));
        }
        Ok(Rendered::Sql(match b {
            Backend::Postgres => {
                let values: Vec<String> = e.values.iter().map(|v| string(b, v)).collect();
                vec![format!(
                    "CREATE TYPE {} AS ENUM ({})",
                    ident(b, &e.name),
                    values.join(", ")
                )]
            }
            // Columns carry the values: nothing to create.
            Backend::MySql | Backend::Sqlite => Vec::new(),
        }))
    }

    pub(super) fn drop_enum(&self, definition: &Dropped<Enum>, if_exists: bool) -> Rendered {
        let b = self.backend;
        Rendered::Sql(match b {
            Backend::Postgres => vec![format!(
                "DROP TYPE {}{}",
                if if_exists { "IF EXISTS " } else { "" },
                ident(b, definition.name())
            )],
            Backend::MySql | Backend::Sqlite => Vec::new(),
        })
    }

    pub(super) fn add_enum_value(&self, add: &AddEnumValue) -> Result<Rendered, RenderError> {
        let b = self.backend;
        if b == Backend::Postgres {
            return Ok(Rendered::Sql(vec![format!(
                "ALTER TYPE {} ADD VALUE {}",
                ident(b, &add.before.name),
                string(b, &add.value)
            )]));
        }
        if add.columns.is_empty() {
            return Err(self.unsupported(format!(
                "{b} keeps enum values on each column; name the columns that use `{}` with `.column(\"table\", Column::new(..))`",
                add.before.name
            )));
        }
        let after = add.after();
        let mut statements = Vec::new();
        let mut changes: Vec<(String, TableChange)> = Vec::new();
        for (table, column) in &add.columns {
            let mut existing = column.clone();
            existing.ty = Some(ColumnType::Enum(add.before.clone()));
            let alter = AlterColumn::new(table.clone(), column.name.clone())
                .set_type(ColumnType::Enum(after.clone()))
                .existing(existing);
            match self.alter_column(&alter)? {
                Rendered::Sql(sql) => statements.extend(sql),
                Rendered::Changes {
                    table, changes: c, ..
                } => {
                    changes.extend(c.into_iter().map(|c| (table.clone(), c)));
                }
                Rendered::Statements(_) => {
                    unreachable!("alter_column renders plain SQL or changes")
                }
            }
        }
        if b == Backend::MySql {
            return Ok(Rendered::Sql(statements));
        }
        // SQLite: one rebuild per table.
        let mut out: Vec<Statement> = Vec::new();
        for (table, change) in changes {
            match out.iter_mut().find_map(|s| match &mut s.exec {
                Exec::SqliteRebuild(r) if r.table == table => Some(r),
                _ => None,
            }) {
                Some(rebuild) => rebuild.changes.push(change),
                None => {
                    let rebuild = Rebuild {
                        table,
                        changes: vec![change],
                    };
                    out.push(Statement {
                        sql: String::new(),
                        op: self.op,
                        exec: Exec::SqliteRebuild(rebuild),
                        transactional: true,
                    });
                }
            }
        }
        for statement in &mut out {
            if let Exec::SqliteRebuild(rebuild) = &statement.exec {
                statement.sql = rebuild.describe();
            }
        }
        Ok(Rendered::Statements(out))
    }
}
