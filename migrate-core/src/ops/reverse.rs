//! Automatic downgrades: the inverse of each operation, and of a whole plan.

use super::{AlterColumn, Index, Migration, Operation};

/// A plan step with no known inverse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("step {step} ({op}) cannot be reversed automatically: {why}")]
pub struct Irreversible {
    /// The step's position in the plan, from 1.
    pub step: usize,
    /// The operation, as [`Operation::describe`] says it.
    pub op: String,
    /// Why, and what to write instead.
    pub why: String,
}

impl Migration {
    /// The plan that undoes this one: the inverse of each step, in reverse
    /// order. A migration without a `downgrade` function gets this one.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// let mut up = Migration::new();
    /// up.add_column("users", Column::new("phone_number").string(32).nullable());
    /// up.rename_table("task", "tasks");
    /// let down = up.reversed().unwrap();
    /// assert_eq!(down.operations()[0].describe(), "rename_table tasks -> task");
    /// assert_eq!(down.operations()[1].describe(), "drop_column users.phone_number");
    ///
    /// let mut lossy = Migration::new();
    /// lossy.drop_column("users", "bio");
    /// assert!(lossy.reversed().unwrap_err().why.contains("Column"));
    /// ```
    pub fn reversed(&self) -> Result<Migration, Irreversible> {
        let mut down = self.emptied();
        for (i, op) in self.operations().iter().enumerate().rev() {
            if let Operation::Backfill(backfill) = op {
                if backfill.reverse.is_none() && creates_written(&self.operations()[..i], backfill)
                {
                    // The downgrade drops what it filled.
                    continue;
                }
            }
            if let Operation::CreateIndex(Index { table, .. })
            | Operation::AddConstraint { table, .. } = op
            {
                if made_here(&self.operations()[..i], table) {
                    // Dropping the table drops it. Dropping it first could
                    // fail: MySQL refuses to drop an index a foreign key
                    // needs.
                    continue;
                }
            }
            let inverse = op.inverse().map_err(|why| Irreversible {
                step: i + 1,
                op: op.describe(),
                why,
            })?;
            for op in inverse {
                down.push(op);
            }
        }
        Ok(down)
    }
}

/// Whether `ops` create `table` (not `IF NOT EXISTS`) and leave it under
/// that name: the downgrade then drops it, with its indexes and
/// constraints.
fn made_here(ops: &[Operation], table: &str) -> bool {
    ops.iter().fold(false, |made, op| match op {
        Operation::CreateTable(t) if t.name == table => !t.if_not_exists,
        Operation::RenameTable { from, to } if from == table || to == table => false,
        Operation::DropTable { table: t, .. } if t.name() == table => false,
        _ => made,
    })
}

/// Why a create `IF NOT EXISTS` has no derived inverse.
fn created_maybe(kind: &str, name: &str) -> String {
    format!(
        "the {kind} `{name}` was created only if it did not exist, so this migration may have created nothing, and dropping it could drop a {kind} it did not create; write a `downgrade`"
    )
}

impl Operation {
    /// The operations that undo this one, or why there are none.
    fn inverse(&self) -> Result<Vec<Operation>, String> {
        let one = |op| Ok(vec![op]);
        match self {
            Self::CreateTable(table) if table.if_not_exists => {
                Err(created_maybe("table", &table.name))
            }
            Self::CreateTable(table) => one(Self::DropTable {
                table: table.clone().into(),
                if_exists: false,
            }),
            Self::DropTable { table, .. } => match table.definition() {
                Some(table) => {
                    let mut table = table.clone();
                    table.if_not_exists = false;
                    one(Self::CreateTable(table))
                }
                None => Err(format!(
                    "only the name of table `{}` is known; pass its full `Table` definition to `drop_table`, or write a `downgrade`",
                    table.name()
                )),
            },
            Self::RenameTable { from, to } => one(Self::RenameTable {
                from: to.clone(),
                to: from.clone(),
            }),
            Self::AddColumn {
                table,
                column,
                if_not_exists: true,
            } => Err(created_maybe("column", &format!("{table}.{}", column.name))),
            Self::AddColumn { table, column, .. } => one(Self::DropColumn {
                table: table.clone(),
                column: column.clone().into(),
            }),
            Self::DropColumn { table, column } => match column.definition() {
                Some(column) => one(Self::AddColumn {
                    table: table.clone(),
                    column: column.clone(),
                    if_not_exists: false,
                }),
                None => Err(format!(
                    "only the name of column `{table}.{}` is known; pass its full `Column` definition to `drop_column`, or write a `downgrade`",
                    column.name()
                )),
            },
            Self::AlterColumn(alter) => inverse_alter(alter).map(|a| vec![Self::AlterColumn(a)]),
            Self::CreateIndex(index) if index.if_not_exists => {
                Err(created_maybe("index", &index.name))
            }
            Self::CreateIndex(index) => one(Self::DropIndex {
                table: index.table.clone(),
                index: index.clone().into(),
                if_exists: false,
            }),
            Self::DropIndex { table, index, .. } => match index.definition() {
                Some(index) => {
                    let mut index = index.clone();
                    index.table.clone_from(table);
                    index.if_not_exists = false;
                    one(Self::CreateIndex(index))
                }
                None => Err(format!(
                    "only the name of index `{}` is known; pass its full `Index` definition to `drop_index`, or write a `downgrade`",
                    index.name()
                )),
            },
            Self::AddConstraint { table, constraint } => one(Self::DropConstraint {
                table: table.clone(),
                constraint: constraint.clone().into(),
                if_exists: false,
            }),
            Self::DropConstraint {
                constraint,
                if_exists: true,
                ..
            } => Err(format!(
                "`drop_constraint_if_exists` of `{}` may have dropped nothing, so adding it back is not its inverse; write a `downgrade`",
                constraint.name()
            )),
            Self::DropConstraint {
                table, constraint, ..
            } => match constraint.definition() {
                Some(definition) => one(Self::AddConstraint {
                    table: table.clone(),
                    constraint: definition.clone(),
                }),
                None => Err(format!(
                    "only the name of constraint `{}` is known; pass its full `Constraint` to `drop_constraint`, or write a `downgrade`",
                    constraint.name()
                )),
            },
            // Validation only checks rows; there is nothing to undo.
            Self::ValidateConstraint { .. } => Ok(Vec::new()),
            Self::CreateEnum(definition) => one(Self::DropEnum {
                definition: definition.clone().into(),
                if_exists: false,
            }),
            Self::DropEnum { definition, .. } => match definition.definition() {
                Some(definition) => one(Self::CreateEnum(definition.clone())),
                None => Err(format!(
                    "only the name of enum `{}` is known; pass the full `Enum` to `drop_enum`, or write a `downgrade`",
                    definition.name()
                )),
            },
            Self::AddEnumValue(_) => Err(
                "PostgreSQL cannot remove a value from an enum; write a `downgrade` that recreates the type without it"
                    .to_owned(),
            ),
            Self::BulkInsert(rows) => Err(format!(
                "inserted rows are not deleted automatically; write a `downgrade`, e.g. `m.execute(\"DELETE FROM {} WHERE ...\")`",
                rows.table
            )),
            Self::Backfill(backfill) => match &backfill.reverse {
                Some(reverse) => {
                    let mut inverse = (**reverse).clone();
                    let mut original = backfill.clone();
                    original.reverse = None;
                    inverse.reverse = Some(Box::new(original));
                    one(Self::Backfill(inverse))
                }
                None => Err(format!(
                    "a backfill of `{}` that the plan did not add columns for has no known inverse; give one with `.reverse(Backfill::new(..))`, or write a `downgrade`",
                    backfill.table
                )),
            },
            Self::Query(query) => query.inverse().map(|undo| vec![Self::Query(undo)]).ok_or_else(|| {
                "a query has no reverse; give one with `.reverse(sql!(..))`, or write a `downgrade`"
                    .to_owned()
            }),
            Self::Execute(raw) => match &raw.reverse {
                Some(reverse) => {
                    let mut inverse = reverse.for_backends_of(raw)?;
                    // The reverse's effect undoes the declared one, where
                    // each of its steps has an inverse.
                    if inverse.effect.is_none() {
                        inverse.effect = raw.effect.as_deref().and_then(|effect| {
                            let mut undo = Vec::new();
                            for op in effect.iter().rev() {
                                undo.extend(op.inverse().ok()?);
                            }
                            Some(undo)
                        });
                    }
                    let mut original = raw.clone();
                    original.reverse = None;
                    inverse.reverse = Some(Box::new(original));
                    one(Self::Execute(inverse))
                }
                None => Err(
                    "raw SQL has no reverse; give one with `RawSql::new(..).reverse(..)`, or write a `downgrade`"
                        .to_owned(),
                ),
            },
        }
    }
}

/// Whether the operations before a backfill create every column it writes
/// (a new table, or new columns), so that undoing them undoes it.
fn creates_written(before: &[Operation], backfill: &super::Backfill) -> bool {
    backfill.written().iter().all(|column| {
        before.iter().any(|op| match op {
            Operation::CreateTable(table) => table.name == backfill.table,
            Operation::AddColumn {
                table, column: c, ..
            } => *table == backfill.table && c.name == *column,
            _ => false,
        })
    })
}

fn inverse_alter(alter: &AlterColumn) -> Result<AlterColumn, String> {
    let name = alter.rename.clone().unwrap_or_else(|| alter.column.clone());
    let mut inverse = AlterColumn::new(alter.table.clone(), name);
    if alter.rename.is_some() {
        inverse.rename = Some(alter.column.clone());
    }
    let needs_existing = |what: &str| {
        format!(
            "the {what} of `{}.{}` before the change is unknown; describe the column with `.existing(...)`, or write a `downgrade`",
            alter.table, alter.column
        )
    };
    let existing = alter.existing.as_ref();
    if alter.ty.is_some() {
        let before = existing.and_then(|c| c.ty.clone());
        inverse.ty = Some(before.ok_or_else(|| needs_existing("type"))?);
    }
    if let Some(nullable) = alter.nullable {
        inverse.nullable = Some(existing.map_or(!nullable, |c| c.nullable));
    }
    if alter.default.is_some() {
        let before = existing.ok_or_else(|| needs_existing("default"))?;
        inverse.default = Some(before.default.clone());
    }
    if alter.comment.is_some() {
        let before = existing.ok_or_else(|| needs_existing("comment"))?;
        inverse.comment = Some(before.comment.clone());
    }
    inverse.existing = alter.target();
    Ok(inverse)
}
