//! Operations to SQL, per backend: [`render`] walks a plan and hands each
//! operation to the renderer of its object kind (`table`, `column`,
//! `index`, `constraint`, `enums`, mirroring `ops`).
//!
//! What a backend cannot do is a [`RenderError`], found before any SQL runs.
//! On SQLite, the changes its `ALTER TABLE` cannot make become one
//! [`Rebuild`] per run of consecutive changes to a table.

use super::sql::ident;
use super::{Exec, Rebuild, RenderError, Statement, TableChange, insert, limits};
use crate::Backend;
use crate::ops::{
    Column, ColumnDefault, ColumnType, Constraint, ConstraintKind, Migration, Operation,
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
    render_with(plan, backend, None)
}

/// Renders `plan` for `backend` as a run executes it: each operation on a
/// table that held rows before the migration (`online`) in its online form
/// ([`OnlineForm`](super::OnlineForm): `CONCURRENTLY`, `NOT VALID` then
/// `VALIDATE`, `USING INDEX`, `LOCK=NONE`), the rest as [`render`] writes
/// them. The checksum stays [`render`]'s: the form is how a step runs, not
/// what it changes.
pub fn render_online(
    plan: &Migration,
    backend: Backend,
    online: &super::Online,
) -> Result<Vec<Statement>, RenderError> {
    render_with(plan, backend, Some(online))
}

fn render_with(
    plan: &Migration,
    backend: Backend,
    online: Option<&super::Online>,
) -> Result<Vec<Statement>, RenderError> {
    let mut out: Vec<Statement> = Vec::new();
    for (op, operation) in plan.operations().iter().enumerate() {
        limits::check(operation, backend)?;
        let r = Renderer {
            backend,
            op,
            operation,
        };
        if let Some(form) = online.and_then(|online| online.form(plan, op, backend)) {
            out.extend(r.online(form)?);
            continue;
        }
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
pub(super) enum Rendered {
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

pub(super) struct Renderer<'a> {
    pub(super) backend: Backend,
    pub(super) op: usize,
    pub(super) operation: &'a Operation,
}

impl Renderer<'_> {
    fn render(&self) -> Result<Rendered, RenderError> {
        let b = self.backend;
        let one = |sql: String| Ok(Rendered::Sql(vec![sql]));
        match self.operation {
            Operation::CreateTable(table) => self.create_table(table).map(Rendered::Sql),
            Operation::DropTable { table, if_exists } => one(self.drop_table(table, *if_exists)),
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
            Operation::DropColumn { table, column } => self.drop_column(table, column),
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
            Operation::DropConstraint {
                table,
                constraint,
                if_exists,
            } => self.drop_constraint(table, constraint, *if_exists),
            Operation::ValidateConstraint { table, name } => Ok(Rendered::Sql(match b {
                Backend::Postgres => vec![format!(
                    "ALTER TABLE {} VALIDATE CONSTRAINT {}",
                    ident(b, table),
                    ident(b, name)
                )],
                // Constraints are validated when they are added there.
                Backend::MySql | Backend::Sqlite => Vec::new(),
            })),
            Operation::CreateEnum(e) => self.create_enum(e),
            Operation::DropEnum {
                definition,
                if_exists,
            } => Ok(self.drop_enum(definition, *if_exists)),
            Operation::AddEnumValue(add) => self.add_enum_value(add),
            Operation::BulkInsert(rows) => insert::render(rows, b, self.op)
                .map(Rendered::Statements)
                .map_err(|why| self.invalid(why)),
            Operation::Backfill(backfill) => super::backfill::render(backfill, b, self.op)
                .map(|statement| Rendered::Statements(vec![statement]))
                .map_err(|why| self.invalid(why)),
            Operation::Query(query) => {
                let (sql, values) = query.render(b).map_err(|why| self.invalid(why))?;
                let exec = match values.is_empty() {
                    true => Exec::Sql,
                    false => Exec::Bound(values),
                };
                Ok(Rendered::Statements(vec![Statement {
                    sql,
                    op: self.op,
                    exec,
                    transactional: true,
                }]))
            }
            Operation::Execute(raw) => Ok(Rendered::Sql(
                raw.sql_for(b)
                    .map(|s| vec![s.to_owned()])
                    .unwrap_or_default(),
            )),
        }
    }

    pub(super) fn unsupported(&self, why: impl Into<String>) -> RenderError {
        RenderError::Unsupported {
            op: self.operation.describe(),
            backend: self.backend,
            why: why.into(),
        }
    }

    pub(super) fn invalid(&self, why: impl Into<String>) -> RenderError {
        RenderError::Invalid {
            op: self.operation.describe(),
            why: why.into(),
        }
    }

    /// MySQL's InnoDB refuses `SET DEFAULT` actions (MariaDB accepts and
    /// ignores them), so they are refused for both.
    pub(super) fn check_foreign_key(&self, constraint: &Constraint) -> Result<(), RenderError> {
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
    pub(super) fn typed<'c>(&self, column: &'c Column) -> Result<&'c ColumnType, RenderError> {
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

    /// SQLite changes that its own `ALTER TABLE` makes (a plain added
    /// column).
    pub(super) fn sqlite_native(&self, changes: &[TableChange]) -> Result<String, RenderError> {
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
