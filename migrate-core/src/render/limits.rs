//! Identifier limits: a name the backend would truncate is refused, never
//! shortened behind the user's back.

use super::RenderError;
use crate::Backend;
use crate::ops::{ConstraintKind, Dropped, Enum, IndexPart, Operation, Work};

/// PostgreSQL's `NAMEDATALEN - 1`, in bytes.
const POSTGRES_MAX_BYTES: usize = 63;
/// MySQL's limit for tables, columns, indexes and constraints, in characters.
const MYSQL_MAX_CHARS: usize = 64;

pub(super) fn check(op: &Operation, backend: Backend) -> Result<(), RenderError> {
    for name in identifiers(op) {
        let too_long = match backend {
            Backend::Postgres => name.len() > POSTGRES_MAX_BYTES,
            Backend::MySql => name.chars().count() > MYSQL_MAX_CHARS,
            Backend::Sqlite => false,
        };
        if too_long {
            let limit = match backend {
                Backend::Postgres => format!("{POSTGRES_MAX_BYTES} bytes"),
                _ => format!("{MYSQL_MAX_CHARS} characters"),
            };
            return Err(RenderError::IdentifierTooLong {
                op: op.describe(),
                backend,
                name: name.to_owned(),
                length: match backend {
                    Backend::Postgres => format!("{} bytes", name.len()),
                    _ => format!("{} characters", name.chars().count()),
                },
                limit,
            });
        }
        if name.is_empty() {
            return Err(RenderError::Invalid {
                op: op.describe(),
                why: "an identifier is empty".to_owned(),
            });
        }
        if name.contains('\0') {
            return Err(RenderError::Invalid {
                op: op.describe(),
                why: format!(
                    "the name `{}` holds a NUL character, which no backend stores in a name; rename it",
                    name.escape_debug()
                ),
            });
        }
        // MySQL keeps names in 3-byte UTF-8: a character outside the Basic
        // Multilingual Plane (an emoji, say) cannot be stored.
        if backend == Backend::MySql {
            if let Some(c) = name.chars().find(|c| c.len_utf8() == 4) {
                return Err(RenderError::Invalid {
                    op: op.describe(),
                    why: format!(
                        "the name `{name}` holds {c} (U+{:04X}), which MySQL and MariaDB cannot store in a name (names are 3-byte UTF-8); rename it",
                        u32::from(c)
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Every name an operation puts into SQL, generated ones included.
fn identifiers(op: &Operation) -> Vec<String> {
    let mut names = Vec::new();
    let column = |table: &str, c: &crate::ops::Column, names: &mut Vec<String>| {
        names.push(c.name.clone());
        if let Some((ref_table, ref_column)) = &c.references {
            names.extend([
                ref_table.clone(),
                ref_column.clone(),
                c.fk_name()
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("fk_{table}_{}", c.name)),
            ]);
        }
        names.extend(c.pk_name().map(str::to_owned));
        if let Some(crate::ops::ColumnType::Enum(e)) = &c.ty {
            names.push(e.name.clone());
        }
    };
    let constraint = |c: &crate::ops::Constraint, names: &mut Vec<String>| {
        // Empty when the backend names it.
        if !c.name.is_empty() {
            names.push(c.name.as_str().to_owned());
        }
        match &c.kind {
            ConstraintKind::PrimaryKey(cols) | ConstraintKind::Unique(cols) => {
                names.extend(cols.iter().cloned());
            }
            ConstraintKind::Check(_) => {}
            ConstraintKind::ForeignKey(fk) => {
                names.extend(fk.columns.iter().cloned());
                names.push(fk.ref_table.clone());
                names.extend(fk.ref_columns.iter().cloned());
            }
        }
    };
    match op {
        Operation::CreateTable(t) => {
            names.push(t.name.clone());
            for c in &t.columns {
                column(&t.name, c, &mut names);
            }
            names.extend(t.primary_key.iter().cloned());
            for c in &t.constraints {
                constraint(c, &mut names);
            }
        }
        Operation::DropTable { table, .. } => names.push(table.name().to_owned()),
        Operation::RenameTable { from, to } => names.extend([from.clone(), to.clone()]),
        Operation::AddColumn {
            table, column: c, ..
        } => {
            names.push(table.clone());
            column(table, c, &mut names);
        }
        Operation::DropColumn { table, column } => {
            names.extend([table.clone(), column.name().to_owned()]);
        }
        Operation::AlterColumn(a) => {
            names.extend([a.table.clone(), a.column.clone()]);
            names.extend(a.rename.iter().cloned());
        }
        Operation::DropIndex {
            index: Dropped::Name(name),
            ..
        } => names.push(name.clone()),
        Operation::CreateIndex(ix)
        | Operation::DropIndex {
            index: Dropped::Definition(ix),
            ..
        } => {
            names.push(ix.name.as_str().to_owned());
            if !ix.table.is_empty() {
                names.push(ix.table.clone());
            }
            for part in &ix.parts {
                if let IndexPart::Column(c) = part {
                    names.push(c.clone());
                }
            }
        }
        Operation::AddConstraint {
            table,
            constraint: c,
        } => {
            names.push(table.clone());
            constraint(c, &mut names);
        }
        Operation::DropConstraint {
            table, constraint, ..
        } => {
            names.push(table.clone());
            // Empty when the backend names it: refused when rendered.
            if !constraint.name().is_empty() {
                names.push(constraint.name().to_owned());
            }
        }
        Operation::ValidateConstraint { table, name } => {
            names.extend([table.clone(), name.clone()]);
        }
        Operation::CreateEnum(Enum { name, .. })
        | Operation::DropEnum {
            definition: Dropped::Definition(Enum { name, .. }) | Dropped::Name(name),
            ..
        } => {
            names.push(name.clone());
        }
        Operation::AddEnumValue(add) => {
            names.push(add.before.name.clone());
            for (table, c) in &add.columns {
                names.extend([table.clone(), c.name.clone()]);
            }
        }
        Operation::BulkInsert(rows) => {
            names.push(rows.table.clone());
            names.extend(rows.columns.iter().cloned());
        }
        Operation::Execute(_) | Operation::Query(_) => {}
        Operation::Backfill(backfill) => {
            names.push(backfill.table.clone());
            names.extend(backfill.written().into_iter().map(str::to_owned));
            names.extend(backfill.key.iter().cloned());
            if let Work::Map { read, .. } = &backfill.work {
                names.extend(read.iter().cloned());
            }
        }
    }
    names
}
