//! Operations to SQL, per backend.
//!
//! What a backend cannot do is a [`RenderError`], found before any SQL runs.
//! On SQLite, the changes its `ALTER TABLE` cannot make become one
//! [`Rebuild`] per run of consecutive changes to a table.

use super::sql::{self, ColumnContext, column_def, constraint_def, ident, idents, string};
use super::{Exec, Rebuild, RenderError, Statement, TableChange, insert, limits};
use crate::Backend;
use crate::ops::{
    AddEnumValue, AlterColumn, Column, ColumnDefault, ColumnType, Constraint, ConstraintKind,
    Dropped, Index, IndexPart, Migration, Operation, Table,
};

/// Renders every operation of `plan` for `backend`, in order.
///
/// An operation may render to several statements (a table and its comments
/// on PostgreSQL) or to none (raw SQL written for another backend only).
///
/// ```
/// use migrate_core::prelude::*;
/// use migrate_core::render::render;
///
/// let mut m = Migration::new();
/// m.add_column("users", Column::new("email").string(255).nullable());
/// let sql = |backend| render(&m, backend).unwrap()[0].sql.clone();
/// assert_eq!(sql(Backend::Postgres), r#"ALTER TABLE "users" ADD COLUMN "email" varchar(255) NULL"#);
/// assert_eq!(sql(Backend::MySql), "ALTER TABLE `users` ADD COLUMN `email` varchar(255) NULL");
/// assert_eq!(sql(Backend::Sqlite), r#"ALTER TABLE "users" ADD COLUMN "email" varchar(255) NULL"#);
/// ```
pub fn render(plan: &Migration, backend: Backend) -> Result<Vec<Statement>, RenderError> {
    let mut out: Vec<Statement> = Vec::new();
    for (op, operation) in plan.operations().iter().enumerate() {
        limits::check(operation, backend)?;
        let r = Renderer {
            backend,
            op,
            operation,
        };
        match r.render()? {
            Rendered::Sql(statements) => {
                let transactional = operation.transactional(backend);
                out.extend(statements.into_iter().map(|sql| Statement {
                    transactional,
                    ..Statement::sql(sql, op)
                }));
            }
            Rendered::Statements(statements) => out.extend(statements),
            Rendered::Changes {
                table,
                changes,
                force,
            } => {
                // Consecutive changes to one table share one rebuild.
                if let Some(Statement {
                    exec: Exec::SqliteRebuild(rebuild),
                    sql,
                    ..
                }) = out.last_mut()
                {
                    if rebuild.table == table {
                        rebuild.changes.extend(changes);
                        *sql = rebuild.describe();
                        continue;
                    }
                }
                if !force {
                    // Nothing to fold into: SQLite's own ALTER does it.
                    let sql = r.sqlite_native(&changes)?;
                    out.push(Statement::sql(sql, op));
                    continue;
                }
                let rebuild = Rebuild { table, changes };
                out.push(Statement {
                    sql: rebuild.describe(),
                    op,
                    exec: Exec::SqliteRebuild(rebuild),
                    transactional: true,
                });
            }
        }
    }
    Ok(out)
}

/// What one operation renders to.
enum Rendered {
    /// Plain statements.
    Sql(Vec<String>),
    /// Statements that need more than plain SQL.
    Statements(Vec<Statement>),
    /// SQLite table changes; `force` when SQLite's `ALTER TABLE` cannot make
    /// them, so a rebuild is needed even with nothing to fold into.
    Changes {
        table: String,
        changes: Vec<TableChange>,
        force: bool,
    },
}

struct Renderer<'a> {
    backend: Backend,
    op: usize,
    operation: &'a Operation,
}

impl Renderer<'_> {
    fn render(&self) -> Result<Rendered, RenderError> {
        let b = self.backend;
        let one = |sql: String| Ok(Rendered::Sql(vec![sql]));
        match self.operation {
            Operation::CreateTable(table) => self.create_table(table).map(Rendered::Sql),
            Operation::DropTable { table, if_exists } => one(format!(
                "DROP TABLE {}{}",
                if *if_exists { "IF EXISTS " } else { "" },
                ident(b, table.name())
            )),
            Operation::RenameTable { from, to } => one(format!(
                "ALTER TABLE {} RENAME TO {}",
                ident(b, from),
                ident(b, to)
            )),
            Operation::AddColumn {
                table,
                column,
                if_not_exists,
            } => self.add_column(table, column, *if_not_exists),
            Operation::DropColumn { table, column } => {
                if b == Backend::Sqlite {
                    return Ok(Rendered::Changes {
                        table: table.clone(),
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
            Operation::AlterColumn(alter) => self.alter_column(alter),
            Operation::CreateIndex(index) => {
                self.create_index(index).map(|s| Rendered::Sql(vec![s]))
            }
            Operation::DropIndex {
                table,
                index,
                if_exists,
            } => one(self.drop_index(table, index, *if_exists)),
            Operation::AddConstraint { table, constraint } => {
                self.add_constraint(table, constraint)
            }
            Operation::DropConstraint { table, constraint } => {
                self.drop_constraint(table, constraint)
            }
            Operation::ValidateConstraint { table, name } => Ok(Rendered::Sql(match b {
                Backend::Postgres => vec![format!(
                    "ALTER TABLE {} VALIDATE CONSTRAINT {}",
                    ident(b, table),
                    ident(b, name)
                )],
                // Constraints are validated when they are added there.
                Backend::MySql | Backend::Sqlite => Vec::new(),
            })),
            Operation::CreateEnum(e) => {
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
            Operation::DropEnum {
                definition,
                if_exists,
            } => Ok(Rendered::Sql(match b {
                Backend::Postgres => vec![format!(
                    "DROP TYPE {}{}",
                    if *if_exists { "IF EXISTS " } else { "" },
                    ident(b, definition.name())
                )],
                Backend::MySql | Backend::Sqlite => Vec::new(),
            })),
            Operation::AddEnumValue(add) => self.add_enum_value(add),
            Operation::BulkInsert(rows) => insert::render(rows, b, self.op)
                .map(Rendered::Statements)
                .map_err(|why| self.invalid(why)),
            Operation::Backfill(backfill) => super::backfill::render(backfill, b, self.op)
                .map(|statement| Rendered::Statements(vec![statement]))
                .map_err(|why| self.invalid(why)),
            Operation::Execute(raw) => Ok(Rendered::Sql(
                raw.sql_for(b)
                    .map(|s| vec![s.to_owned()])
                    .unwrap_or_default(),
            )),
        }
    }

    fn unsupported(&self, why: impl Into<String>) -> RenderError {
        RenderError::Unsupported {
            op: self.operation.describe(),
            backend: self.backend,
            why: why.into(),
        }
    }

    fn invalid(&self, why: impl Into<String>) -> RenderError {
        RenderError::Invalid {
            op: self.operation.describe(),
            why: why.into(),
        }
    }

    /// MySQL's InnoDB refuses `SET DEFAULT` actions (MariaDB accepts and
    /// ignores them), so they are refused for both.
    fn check_foreign_key(&self, constraint: &Constraint) -> Result<(), RenderError> {
        let ConstraintKind::ForeignKey(fk) = &constraint.kind else {
            return Ok(());
        };
        let set_default =
            [fk.on_delete, fk.on_update].contains(&Some(crate::ops::Action::SetDefault));
        if self.backend == Backend::MySql && set_default {
            return Err(self.unsupported(format!(
                "foreign key `{}`: InnoDB has no SET DEFAULT action; use SET NULL, CASCADE or RESTRICT",
                constraint.name
            )));
        }
        Ok(())
    }

    /// The column's type, and a check of what its default can be here.
    fn typed<'c>(&self, column: &'c Column) -> Result<&'c ColumnType, RenderError> {
        if let Some(ColumnDefault::Literal(crate::ops::Literal::Float(f))) = &column.default {
            let refused = match self.backend {
                Backend::Postgres => false,
                Backend::MySql => !f.is_finite(),
                Backend::Sqlite => f.is_nan(),
            };
            if refused {
                return Err(self.unsupported(format!(
                    "column `{}`: a default of {f} cannot be stored here; choose a finite number or NULL",
                    column.name
                )));
            }
        }
        column
            .ty
            .as_ref()
            .ok_or_else(|| RenderError::ColumnWithoutType {
                op: self.operation.describe(),
                column: column.name.clone(),
            })
    }

    fn create_table(&self, table: &Table) -> Result<Vec<String>, RenderError> {
        let b = self.backend;
        if table.columns.is_empty() {
            return Err(RenderError::EmptyTable {
                op: self.operation.describe(),
            });
        }
        // A single primary-key column is declared inline, which SQLite needs
        // for `INTEGER PRIMARY KEY AUTOINCREMENT`; several make a table
        // constraint.
        let mut pk: Vec<String> = table.primary_key.clone();
        if pk.is_empty() {
            pk = table
                .columns
                .iter()
                .filter(|c| c.primary_key)
                .map(|c| c.name.clone())
                .collect();
        }
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
                if !leading.iter().any(|key| key.starts_with(&fk.columns)) {
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

    fn add_column(
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

    fn alter_column(&self, alter: &AlterColumn) -> Result<Rendered, RenderError> {
        match self.backend {
            Backend::Postgres => self.alter_column_postgres(alter).map(Rendered::Sql),
            Backend::MySql => self.alter_column_mysql(alter).map(Rendered::Sql),
            Backend::Sqlite => self.alter_column_sqlite(alter),
        }
    }

    fn alter_column_postgres(&self, alter: &AlterColumn) -> Result<Vec<String>, RenderError> {
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

    fn alter_column_mysql(&self, alter: &AlterColumn) -> Result<Vec<String>, RenderError> {
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

    fn alter_column_sqlite(&self, alter: &AlterColumn) -> Result<Rendered, RenderError> {
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

    fn create_index(&self, index: &Index) -> Result<String, RenderError> {
        let b = self.backend;
        if index.table.is_empty() || index.parts.is_empty() {
            return Err(RenderError::EmptyIndex {
                op: self.operation.describe(),
            });
        }
        // MySQL has no partial indexes. A plain one serves the same queries,
        // so it is built over every row; a unique one would forbid more than
        // the plan says, so it is refused.
        let partial = index.partial.as_ref().filter(|_| b != Backend::MySql);
        if b == Backend::MySql && index.partial.is_some() && index.unique {
            return Err(self.unsupported(
                "MySQL has no partial indexes, and a unique index over every row would forbid more than `.partial(..)` says; enforce it with a generated column instead",
            ));
        }
        let parts: Vec<String> = index
            .parts
            .iter()
            .map(|part| match (part, b) {
                (IndexPart::Column(c), _) => ident(b, c),
                (IndexPart::Expr(e), Backend::MySql) => format!("(({e}))"),
                (IndexPart::Expr(e), _) => format!("({e})"),
            })
            .collect();
        let mut sql = format!(
            "CREATE {}INDEX {}{}{} ON {} ({})",
            if index.unique { "UNIQUE " } else { "" },
            if index.concurrently && b == Backend::Postgres {
                "CONCURRENTLY "
            } else {
                ""
            },
            if index.if_not_exists {
                "IF NOT EXISTS "
            } else {
                ""
            },
            ident(b, &index.name),
            ident(b, &index.table),
            parts.join(", ")
        );
        if let Some(predicate) = partial {
            sql.push_str(&format!(" WHERE {predicate}"));
        }
        Ok(sql)
    }

    fn drop_index(&self, table: &str, index: &Dropped<Index>, if_exists: bool) -> String {
        let b = self.backend;
        let concurrently = index.definition().is_some_and(|ix| ix.concurrently);
        let mut sql = format!(
            "DROP INDEX {}{}{}",
            if concurrently && b == Backend::Postgres {
                "CONCURRENTLY "
            } else {
                ""
            },
            if if_exists { "IF EXISTS " } else { "" },
            ident(b, index.name())
        );
        if b == Backend::MySql {
            sql.push_str(&format!(" ON {}", ident(b, table)));
        }
        sql
    }

    fn add_constraint(
        &self,
        table: &str,
        constraint: &Constraint,
    ) -> Result<Rendered, RenderError> {
        let b = self.backend;
        self.check_foreign_key(constraint)?;
        let definition = constraint_def(b, constraint);
        if b == Backend::Sqlite {
            return Ok(Rendered::Changes {
                table: table.to_owned(),
                changes: vec![TableChange::AddConstraint {
                    name: constraint.name.clone(),
                    definition,
                }],
                force: true,
            });
        }
        let mut out = Vec::new();
        if let (Backend::MySql, ConstraintKind::ForeignKey(fk)) = (b, &constraint.kind) {
            out.push(mysql_index_unless_covered(
                table,
                &constraint.name,
                &fk.columns,
            ));
        }
        let mut sql = format!("ALTER TABLE {} ", ident(b, table));
        sql.push_str(&format!("ADD {definition}"));
        if constraint.not_valid && b == Backend::Postgres {
            match constraint.kind {
                ConstraintKind::Check(_) | ConstraintKind::ForeignKey(_) => {
                    sql.push_str(" NOT VALID");
                }
                _ => {
                    return Err(self
                        .invalid("only check and foreign-key constraints can be added NOT VALID"));
                }
            }
        }
        out.push(sql);
        Ok(Rendered::Sql(out))
    }

    fn drop_constraint(
        &self,
        table: &str,
        constraint: &Dropped<Constraint>,
    ) -> Result<Rendered, RenderError> {
        let b = self.backend;
        let name = ident(b, constraint.name());
        let clause = match (b, constraint.definition().map(|c| &c.kind)) {
            (Backend::Sqlite, _) => {
                return Ok(Rendered::Changes {
                    table: table.to_owned(),
                    changes: vec![TableChange::DropConstraint {
                        name: constraint.name().to_owned(),
                    }],
                    force: true,
                });
            }
            (Backend::MySql, Some(ConstraintKind::PrimaryKey(_))) => "DROP PRIMARY KEY".to_owned(),
            // MySQL names every primary key `PRIMARY`.
            (Backend::MySql, None) if constraint.name().eq_ignore_ascii_case("PRIMARY") => {
                "DROP PRIMARY KEY".to_owned()
            }
            (Backend::MySql, Some(ConstraintKind::ForeignKey(_))) => {
                // With the index made for it, when one was (another index
                // may have served it).
                return Ok(Rendered::Sql(vec![
                    format!("ALTER TABLE {} DROP FOREIGN KEY {name}", ident(b, table)),
                    mysql_drop_index_if_present(table, constraint.name()),
                ]));
            }
            (Backend::MySql, Some(ConstraintKind::Unique(_))) => format!("DROP INDEX {name}"),
            _ => format!("DROP CONSTRAINT {name}"),
        };
        Ok(Rendered::Sql(vec![format!(
            "ALTER TABLE {} {clause}",
            ident(b, table)
        )]))
    }

    fn add_enum_value(&self, add: &AddEnumValue) -> Result<Rendered, RenderError> {
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

    /// SQLite changes that its own `ALTER TABLE` makes (a plain added
    /// column).
    fn sqlite_native(&self, changes: &[TableChange]) -> Result<String, RenderError> {
        match (self.operation, changes) {
            (Operation::AddColumn { table, .. }, [TableChange::AddColumn { definition, .. }]) => {
                Ok(format!(
                    "ALTER TABLE {} ADD COLUMN {definition}",
                    ident(self.backend, table)
                ))
            }
            _ => Err(self.invalid("internal: no native form for this SQLite change")),
        }
    }
}

/// MySQL: an explicit index for a foreign key, named after it. MySQL makes
/// one implicitly otherwise, and silently drops that one when a later index
/// starts with the same columns; the later index then cannot be dropped while
/// the key exists ("needed in a foreign key constraint"). An explicit index
/// is never dropped behind our back, and `drop_constraint` drops it with the
/// key.
/// MySQL: runs `sql` only if `condition` (a scalar query) is true, in one
/// statement a run and an offline script execute alike: MySQL has no
/// conditional DDL, so the DDL goes through a prepared statement.
fn mysql_if(condition: &str, sql: &str) -> String {
    let b = Backend::MySql;
    format!(
        "SET @migrate_ddl = IF(({condition}), {}, 'DO 0'); PREPARE migrate_ddl FROM @migrate_ddl; \
         EXECUTE migrate_ddl; DEALLOCATE PREPARE migrate_ddl",
        string(b, sql)
    )
}

/// MySQL: an index named `name` on `columns` for a foreign key added to an
/// existing table, unless an index already starts with those columns (a
/// second one would be a duplicate, which MariaDB warns of).
fn mysql_index_unless_covered(table: &str, name: &str, columns: &[String]) -> String {
    let b = Backend::MySql;
    let positions: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "(seq_in_index = {} AND column_name = {})",
                i + 1,
                string(b, c)
            )
        })
        .collect();
    let uncovered = format!(
        "SELECT COUNT(*) = 0 FROM (SELECT index_name FROM information_schema.statistics \
         WHERE table_schema = DATABASE() AND table_name = {} AND ({}) \
         GROUP BY index_name HAVING COUNT(*) = {}) AS covering",
        string(b, table),
        positions.join(" OR "),
        columns.len()
    );
    let create = format!(
        "CREATE INDEX {} ON {} ({})",
        ident(b, name),
        ident(b, table),
        idents(b, columns)
    );
    mysql_if(&uncovered, &create)
}

/// MySQL: drops index `name` of `table` if there is one.
fn mysql_drop_index_if_present(table: &str, name: &str) -> String {
    let b = Backend::MySql;
    let present = format!(
        "SELECT COUNT(*) > 0 FROM information_schema.statistics \
         WHERE table_schema = DATABASE() AND table_name = {} AND index_name = {}",
        string(b, table),
        string(b, name)
    );
    mysql_if(
        &present,
        &format!("DROP INDEX {} ON {}", ident(b, name), ident(b, table)),
    )
}

/// The named foreign key behind [`Column::references`].
fn inline_foreign_key(table: &str, column: &Column) -> Option<Constraint> {
    let (ref_table, ref_column) = column.references.as_ref()?;
    Some(
        crate::ops::ForeignKey::new(
            format!("fk_{table}_{}", column.name),
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
fn sqlite_cannot_add(column: &Column) -> bool {
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

fn column_comment(backend: Backend, table: &str, column: &str, comment: Option<&str>) -> String {
    format!(
        "COMMENT ON COLUMN {}.{} IS {}",
        ident(backend, table),
        ident(backend, column),
        comment.map_or_else(|| "NULL".to_owned(), |c| string(backend, c))
    )
}
