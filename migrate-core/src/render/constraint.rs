//! Constraints: `ADD CONSTRAINT` and `DROP CONSTRAINT` of every kind, with
//! the forms each backend needs (MySQL's `DROP PRIMARY KEY` and `DROP
//! FOREIGN KEY`, SQLite's rebuild).

use super::index::{mysql_drop_index_if_present, mysql_index_unless_covered};
use super::operation::{Rendered, Renderer};
use super::sql::{constraint_def, ident};
use super::{RenderError, TableChange};
use crate::Backend;
use crate::ops::{Constraint, ConstraintKind, Dropped};

impl Renderer<'_> {
    pub(super) fn add_constraint(
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
                    name: constraint.name.as_str().to_owned(),
                    definition,
                }],
                force: true,
            });
        }
        let mut out = Vec::new();
        // A key MySQL names itself gets the index it makes itself.
        if let (Backend::MySql, ConstraintKind::ForeignKey(fk), false) =
            (b, &constraint.kind, constraint.name.is_empty())
        {
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

    pub(super) fn drop_constraint(
        &self,
        table: &str,
        constraint: &Dropped<Constraint>,
        if_exists: bool,
    ) -> Result<Rendered, RenderError> {
        let b = self.backend;
        if constraint.name().is_empty() {
            return Err(self.unsupported(unnamed_drop(b, constraint.definition())));
        }
        let name = ident(b, constraint.name());
        let guard = if if_exists { "IF EXISTS " } else { "" };
        // MySQL names every primary key `PRIMARY`.
        let primary_key = match constraint.definition() {
            Some(definition) => matches!(definition.kind, ConstraintKind::PrimaryKey(_)),
            None => constraint.name().eq_ignore_ascii_case("PRIMARY"),
        };
        let clause = match (b, constraint.definition().map(|c| &c.kind)) {
            (Backend::Sqlite, _) => {
                return Ok(Rendered::Changes {
                    table: table.to_owned(),
                    changes: vec![TableChange::DropConstraint {
                        name: constraint.name().to_owned(),
                        if_exists,
                    }],
                    force: true,
                });
            }
            (Backend::MySql, _) if primary_key && if_exists => {
                return Err(self.invalid(
                    "MySQL has no `DROP PRIMARY KEY IF EXISTS`; drop the primary key with `drop_constraint` on the backends that have it (`m.only(..)`)",
                ));
            }
            (Backend::MySql, _) if primary_key => "DROP PRIMARY KEY".to_owned(),
            (Backend::MySql, Some(ConstraintKind::ForeignKey(_))) => {
                // With the index made for it, when one was (another index
                // may have served it).
                return Ok(Rendered::Sql(vec![
                    format!(
                        "ALTER TABLE {} DROP FOREIGN KEY {guard}{name}",
                        ident(b, table)
                    ),
                    mysql_drop_index_if_present(table, constraint.name()),
                ]));
            }
            (Backend::MySql, Some(ConstraintKind::Unique(_))) => {
                format!("DROP INDEX {guard}{name}")
            }
            _ => format!("DROP CONSTRAINT {guard}{name}"),
        };
        Ok(Rendered::Sql(vec![format!(
            "ALTER TABLE {} {clause}",
            ident(b, table)
        )]))
    }
}

/// Why a constraint left for the backend to name cannot be dropped by its
/// definition.
fn unnamed_drop(backend: Backend, definition: Option<&Constraint>) -> String {
    let kind = match definition.map(|c| &c.kind) {
        Some(ConstraintKind::Check(_)) => "check constraint",
        _ => "foreign key",
    };
    match backend {
        Backend::MySql => format!(
            "MySQL numbers an unnamed {kind} itself (`<table>_ibfk_N`, `<table>_chk_N`; MariaDB's checks `CONSTRAINT_N`), so its name is not known before the database is: drop it by the name the database shows (`SHOW CREATE TABLE`), or set a naming convention (`naming_convention!`) before the constraint is created"
        ),
        _ => format!(
            "this {kind} has no name: record the plan for a backend, which names it, or give it one"
        ),
    }
}
