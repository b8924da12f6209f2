//! Columns: `ADD COLUMN`, `DROP COLUMN`, and every change of an existing
//! column (type, nullability, default, name, comment) per backend.

use super::operation::{Rendered, Renderer};
use super::sql::{self, ColumnContext, column_def, constraint_def, ident, idents, string};
use super::{RenderError, TableChange};
use crate::Backend;
use crate::ops::{
    AlterColumn, Column, ColumnDefault, ColumnType, Constraint, ConstraintKind, Dropped,
};

impl Renderer<'_> {
    pub(super) fn add_column(
        &self,
        table: &str,
        column: &Column,
        if_not_exists: bool,
    ) -> Result<Rendered, RenderError> {
        let b = self.backend;
        let ty = self.typed(column)?;
        let context = ColumnContext::Define {
            inline_primary_key: column.primary_key,
        };
        let mut definition = column_def(b, column, ty, context);
        let fk = inline_foreign_key(table, column);
        if b == Backend::Sqlite {
            if if_not_exists {
                return Err(self
                    .unsupported("SQLite has no ADD COLUMN IF NOT EXISTS; drop `_if_not_exists`"));
            }
            if let Some(fk) = &fk {
                // An inline reference is the one constraint SQLite's ADD
                // COLUMN accepts.
                definition.push_str(&format!(
                    " CONSTRAINT {} REFERENCES {} ({})",
                    ident(b, &fk.name),
                    ident(
                        b,
                        &column
                            .references
                            .as_ref()
                            .map(|r| r.0.clone())
                            .unwrap_or_default()
                    ),
                    ident(
                        b,
                        &column
                            .references
                            .as_ref()
                            .map(|r| r.1.clone())
                            .unwrap_or_default()
                    ),
                ));
            }
            return Ok(Rendered::Changes {
                table: table.to_owned(),
                changes: vec![TableChange::AddColumn {
                    column: column.name.clone(),
                    definition,
                }],
                force: sqlite_cannot_add(column),
            });
        }
        let mut sql = format!(
            "ALTER TABLE {} ADD COLUMN {}{definition}",
            ident(b, table),
            if if_not_exists { "IF NOT EXISTS " } else { "" },
        );
        if let Some(fk) = &fk {
            // A new column: no index covers it yet.
            if let (Backend::MySql, ConstraintKind::ForeignKey(key)) = (b, &fk.kind) {
                sql.push_str(&format!(
                    ", ADD INDEX {} ({})",
                    ident(b, &fk.name),
                    idents(b, &key.columns)
                ));
            }
            sql.push_str(&format!(", ADD {}", constraint_def(b, fk)));
        }
        let mut out = vec![sql];
        if let (Backend::Postgres, Some(comment)) = (b, &column.comment) {
            out.push(column_comment(b, table, &column.name, Some(comment)));
        }
        Ok(Rendered::Sql(out))
    }

    pub(super) fn drop_column(
        &self,
        table: &str,
        column: &Dropped<Column>,
    ) -> Result<Rendered, RenderError> {
        let b = self.backend;
        let one = |sql: String| Ok(Rendered::Sql(vec![sql]));
        if b == Backend::Sqlite {
            return Ok(Rendered::Changes {
                table: table.to_owned(),
                changes: vec![TableChange::DropColumn {
                    column: column.name().to_owned(),
                }],
                force: true,
            });
        }
        let mut sql = format!("ALTER TABLE {} ", ident(b, table));
        // MySQL refuses to drop a column a foreign key uses ("Cannot
        // drop index ..: needed in a foreign key constraint"), so the
        // key `.references(..)` made goes first, in the same
        // statement; its index goes with the column. The automatic
        // downgrade of such an `add_column` lands here.
        let fk = column
            .definition()
            .and_then(|column| inline_foreign_key(table, column));
        if let Some(fk) = fk.filter(|_| b == Backend::MySql) {
            sql.push_str(&format!("DROP FOREIGN KEY {}, ", ident(b, &fk.name)));
        }
        sql.push_str(&format!("DROP COLUMN {}", ident(b, column.name())));
        one(sql)
    }

    pub(super) fn alter_column(&self, alter: &AlterColumn) -> Result<Rendered, RenderError> {
        match self.backend {
            Backend::Postgres => self.alter_column_postgres(alter).map(Rendered::Sql),
            Backend::MySql => self.alter_column_mysql(alter).map(Rendered::Sql),
            Backend::Sqlite => self.alter_column_sqlite(alter),
        }
    }

    pub(super) fn alter_column_postgres(
        &self,
        alter: &AlterColumn,
    ) -> Result<Vec<String>, RenderError> {
        let b = self.backend;
        let column = ident(b, &alter.column);
        let mut actions = Vec::new();
        if let Some(ty) = &alter.ty {
            let mut action = format!("ALTER COLUMN {column} TYPE {}", sql::column_type(b, ty));
            if let Some(using) = &alter.using {
                action.push_str(&format!(" USING {using}"));
            }
            actions.push(action);
        }
        if let Some(nullable) = alter.nullable {
            let verb = if nullable { "DROP" } else { "SET" };
            actions.push(format!("ALTER COLUMN {column} {verb} NOT NULL"));
        }
        match &alter.default {
            Some(Some(default)) => {
                let ty = alter
                    .ty
                    .clone()
                    .or_else(|| alter.existing.as_ref()?.ty.clone());
                let ty = ty.unwrap_or(ColumnType::Raw(String::new()));
                actions.push(format!(
                    "ALTER COLUMN {column} SET DEFAULT {}",
                    sql::default_sql(b, default, &ty)
                ));
            }
            Some(None) => actions.push(format!("ALTER COLUMN {column} DROP DEFAULT")),
            None => {}
        }
        let mut out = Vec::new();
        if !actions.is_empty() {
            out.push(format!(
                "ALTER TABLE {} {}",
                ident(b, &alter.table),
                actions.join(", ")
            ));
        }
        let name = alter.rename.as_deref().unwrap_or(&alter.column);
        if let Some(to) = &alter.rename {
            out.push(format!(
                "ALTER TABLE {} RENAME COLUMN {column} TO {}",
                ident(b, &alter.table),
                ident(b, to)
            ));
        }
        if let Some(comment) = &alter.comment {
            out.push(column_comment(b, &alter.table, name, comment.as_deref()));
        }
        Ok(out)
    }

    pub(super) fn alter_column_mysql(
        &self,
        alter: &AlterColumn,
    ) -> Result<Vec<String>, RenderError> {
        let b = self.backend;
        let table = ident(b, &alter.table);
        let column = ident(b, &alter.column);
        let restates = alter.ty.is_some() || alter.nullable.is_some() || alter.comment.is_some();
        if restates {
            let Some(target) = alter.target() else {
                return Err(self.unsupported(format!(
                    "MODIFY COLUMN restates the whole column; describe `{}` as it is now with `.existing(Column::new(\"{}\")...)`",
                    alter.column, alter.column
                )));
            };
            let ty = self.typed(&target)?;
            // CHANGE renames too; keys stay where they are.
            return Ok(vec![format!(
                "ALTER TABLE {table} CHANGE COLUMN {column} {}",
                column_def(b, &target, ty, ColumnContext::Restate)
            )]);
        }
        let mut out = Vec::new();
        match &alter.default {
            Some(Some(default)) => {
                let ty = alter.existing.as_ref().and_then(|c| c.ty.clone());
                let ty = ty.unwrap_or(ColumnType::Raw(String::new()));
                out.push(format!(
                    "ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {}",
                    sql::default_sql(b, default, &ty)
                ));
            }
            Some(None) => out.push(format!(
                "ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT"
            )),
            None => {}
        }
        if let Some(to) = &alter.rename {
            out.push(format!(
                "ALTER TABLE {table} RENAME COLUMN {column} TO {}",
                ident(b, to)
            ));
        }
        Ok(out)
    }

    pub(super) fn alter_column_sqlite(&self, alter: &AlterColumn) -> Result<Rendered, RenderError> {
        let b = self.backend;
        let structural = alter.ty.is_some() || alter.nullable.is_some() || alter.default.is_some();
        if !structural {
            // A rename is native; SQLite has no comments.
            let sql = alter.rename.as_ref().map(|to| {
                format!(
                    "ALTER TABLE {} RENAME COLUMN {} TO {}",
                    ident(b, &alter.table),
                    ident(b, &alter.column),
                    ident(b, to)
                )
            });
            return Ok(Rendered::Sql(sql.into_iter().collect()));
        }
        let change = match alter.target() {
            Some(target) => {
                let ty = self.typed(&target)?;
                TableChange::ReplaceColumn {
                    column: alter.column.clone(),
                    definition: column_def(
                        b,
                        &target,
                        ty,
                        ColumnContext::Define {
                            inline_primary_key: target.primary_key,
                        },
                    ),
                }
            }
            None => {
                if let Some(ColumnType::Enum(_)) = &alter.ty {
                    return Err(self.unsupported(format!(
                        "an enum column is a CHECK on SQLite, which is rewritten with the whole column; describe `{}` as it is now with `.existing(...)`",
                        alter.column
                    )));
                }
                if alter.rename.is_some() {
                    return Err(self.unsupported(
                        "renaming and redefining a column at once needs its full definition; add `.existing(...)` or split the change in two",
                    ));
                }
                let ty = alter.ty.clone().unwrap_or(ColumnType::Raw(String::new()));
                TableChange::AlterColumn {
                    column: alter.column.clone(),
                    ty: alter.ty.as_ref().map(|t| sql::column_type(b, t)),
                    nullable: alter.nullable,
                    default: alter
                        .default
                        .as_ref()
                        .map(|d| d.as_ref().map(|d| sql::default_sql(b, d, &ty))),
                }
            }
        };
        Ok(Rendered::Changes {
            table: alter.table.clone(),
            changes: vec![change],
            force: true,
        })
    }
}

/// The named foreign key behind [`Column::references`].
pub(super) fn inline_foreign_key(table: &str, column: &Column) -> Option<Constraint> {
    let (ref_table, ref_column) = column.references.as_ref()?;
    Some(
        crate::ops::ForeignKey::new(
            column
                .fk_name()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("fk_{table}_{}", column.name)),
            [column.name.clone()],
            ref_table.clone(),
            [ref_column.clone()],
        )
        .into(),
    )
}

/// Whether SQLite's `ADD COLUMN` refuses this column (sqlite.org/lang_altertable.html):
/// no primary key or unique, no `NOT NULL` without a default, no
/// non-constant default, and (with foreign keys on, on a table with rows)
/// no reference with a default other than `NULL`.
pub(super) fn sqlite_cannot_add(column: &Column) -> bool {
    column.primary_key
        || column.unique
        || (!column.nullable && column.default.is_none())
        || matches!(
            column.default,
            Some(ColumnDefault::CurrentTimestamp | ColumnDefault::Expr(_))
        )
        || (column.references.is_some()
            && !matches!(
                column.default,
                None | Some(ColumnDefault::Literal(crate::ops::Literal::Null))
            ))
}

pub(super) fn column_comment(
    backend: Backend,
    table: &str,
    column: &str,
    comment: Option<&str>,
) -> String {
    format!(
        "COMMENT ON COLUMN {}.{} IS {}",
        ident(backend, table),
        ident(backend, column),
        comment.map_or_else(|| "NULL".to_owned(), |c| string(backend, c))
    )
}
