//! Type changes that can lose data: refused at plan time unless the
//! migration says [`lossy_ok`](crate::ops::AlterColumn::lossy_ok), and listed
//! by `status` when it does.
//!
//! The type before the change is the one `.existing(..)` gives, or else the
//! one the history gave the column last: the operations before it in the
//! same plan, then (for a downgrade) the migration's own upgrade, then its
//! ancestors' upgrades, newest first, following renames. Raw SQL that names
//! the table, a drop, or an enum extended on the way make the type unknown,
//! and an unknown type is never refused. (The schema replay will answer
//! this for every operation; this is the one question asked today.)

use super::step::{self, RenderedStep};
use super::{Migrator, PlanError, RevisionRef};
use crate::driver::Direction;
use crate::graph::RevisionIdx;
use crate::ops::{AlterColumn, ColumnType, Fit, Migration, Operation, fit};
use crate::render::sql;

/// A type change that can lose data, allowed with `lossy_ok`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LossyChange {
    /// The revision.
    pub revision: RevisionRef,
    /// What it does, e.g. `alter_column items.price`.
    pub operation: String,
    /// The author's reason.
    pub reason: String,
}

/// A type change refused because it can lose data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{direction} {revision}: operation {operation_number} ({operation}) changes the type from {from} to {to}, which cannot hold every value: {why}; nothing was run. To keep the data, add a column of the new type, copy the values with a backfill and drop the old column; if losing it is intended, say why with `.lossy_ok(\"...\")` on the alter_column, in {location}"
)]
#[non_exhaustive]
pub struct LossyRefusal {
    /// The revision.
    pub revision: String,
    /// Which function.
    pub direction: Direction,
    /// Where it is written.
    pub location: String,
    /// Which operation of the plan, counting from 1.
    pub operation_number: usize,
    /// What it does, e.g. `alter_column items.price`.
    pub operation: String,
    /// The type before, as the backend writes it.
    pub from: String,
    /// The type after.
    pub to: String,
    /// What would be lost.
    pub why: &'static str,
}

/// What a walk back through the history found for a column.
enum Found {
    Type(ColumnType),
    /// Something made the type unknowable: stop.
    Unknown,
    /// Nothing about the column here: look further back.
    NotHere,
}

/// The column being looked for, renamed as the walk goes back.
struct Looking {
    table: String,
    column: String,
    /// Enums extended on the way: a column of one of them may hold more
    /// values than its definition said.
    extended: Vec<String>,
}

impl Looking {
    /// What `op` says of the column, walking backwards.
    fn step(&mut self, op: &Operation) -> Found {
        match op {
            Operation::AlterColumn(alter) if alter.table == self.table => {
                let renamed_here = alter.rename.as_deref() == Some(self.column.as_str());
                if !renamed_here && alter.column != self.column {
                    return Found::NotHere;
                }
                if let Some(ty) = &alter.ty {
                    return self.found(ty);
                }
                self.column.clone_from(&alter.column);
                Found::NotHere
            }
            Operation::AddColumn { table, column, .. }
                if *table == self.table && column.name() == self.column =>
            {
                column
                    .ty
                    .as_ref()
                    .map_or(Found::Unknown, |ty| self.found(ty))
            }
            Operation::CreateTable(table) if table.name == self.table => table
                .columns
                .iter()
                .find(|c| c.name == self.column)
                .and_then(|c| c.ty.as_ref())
                .map_or(Found::Unknown, |ty| self.found(ty)),
            Operation::RenameTable { from, to } if *to == self.table => {
                self.table.clone_from(from);
                Found::NotHere
            }
            Operation::DropTable { table, .. } if table.name() == self.table => Found::Unknown,
            Operation::DropColumn { table, column }
                if *table == self.table && column.name() == self.column =>
            {
                Found::Unknown
            }
            Operation::Execute(raw) if raw.mentions(&self.table) => Found::Unknown,
            Operation::AddEnumValue(add) => {
                self.extended.push(add.before.name.clone());
                Found::NotHere
            }
            _ => Found::NotHere,
        }
    }

    fn found(&self, ty: &ColumnType) -> Found {
        match ty {
            ColumnType::Enum(e) if self.extended.contains(&e.name) => Found::Unknown,
            ty => Found::Type(ty.clone()),
        }
    }

    /// Walks `ops` from the last to the first.
    fn walk<'a>(&mut self, ops: impl DoubleEndedIterator<Item = &'a Operation>) -> Found {
        for op in ops.rev() {
            match self.step(op) {
                Found::NotHere => {}
                found => return found,
            }
        }
        Found::NotHere
    }
}

impl Migrator {
    /// Refuses a step with a type change that can lose data and does not
    /// say `lossy_ok`. Checked for upgrades and for written downgrades; a
    /// derived downgrade only reverses what its upgrade did.
    pub(super) fn check_lossy(
        &self,
        step: &RenderedStep,
        backend: crate::Backend,
    ) -> Result<(), PlanError> {
        if step.direction == Direction::Downgrade && step.registration.downgrade.is_none() {
            return Ok(());
        }
        let ops = step.plan.operations();
        for (i, op) in ops.iter().enumerate() {
            let Operation::AlterColumn(alter) = op else {
                continue;
            };
            let (Some(to), None) = (&alter.ty, &alter.lossy_ok) else {
                continue;
            };
            let Some(from) = self.type_before(step, backend, &ops[..i], alter) else {
                continue;
            };
            if let Fit::Loses(why) = fit(&from, to) {
                return Err(PlanError::LossyTypeChange(Box::new(LossyRefusal {
                    revision: step.registration.id.to_owned(),
                    direction: step.direction,
                    location: step.registration.location(),
                    operation_number: i + 1,
                    operation: op.describe(),
                    from: sql::column_type(backend, &from),
                    to: sql::column_type(backend, to),
                    why,
                })));
            }
        }
        Ok(())
    }

    /// The column's type just before `alter`, when it can be known.
    fn type_before(
        &self,
        step: &RenderedStep,
        backend: crate::Backend,
        before: &[Operation],
        alter: &AlterColumn,
    ) -> Option<ColumnType> {
        if let Some(ty) = alter.existing.as_ref().and_then(|c| c.ty.clone()) {
            return Some(ty);
        }
        let mut looking = Looking {
            table: alter.table.clone(),
            column: alter.column.clone(),
            extended: Vec::new(),
        };
        let mut plans = Vec::new();
        if step.direction == Direction::Downgrade {
            plans.push(step.index);
        }
        let mut ancestors = self.graph.ancestors_of(&[step.index]);
        ancestors[step.index] = false;
        plans.extend(
            self.graph
                .topo_order()
                .iter()
                .rev()
                .copied()
                .filter(|&i| ancestors[i]),
        );
        match looking.walk(before.iter()) {
            Found::Type(ty) => return Some(ty),
            Found::Unknown => return None,
            Found::NotHere => {}
        }
        for index in plans {
            let registration = self.registrations[index];
            let plan = step::record(registration, Direction::Upgrade, backend, &self.args).ok()?;
            match looking.walk(plan.operations().iter()) {
                Found::Type(ty) => return Some(ty),
                Found::Unknown => return None,
                Found::NotHere => {}
            }
        }
        None
    }

    /// Why `upgrade` would refuse revision `index` for a type change that
    /// can lose data, if it would. Records the plan, and renders it only
    /// when it changes a type.
    pub(super) fn refused_lossy(
        &self,
        index: RevisionIdx,
        backend: crate::Backend,
    ) -> Option<PlanError> {
        let registration = self.registrations[index];
        let plan = step::record(registration, Direction::Upgrade, backend, &self.args).ok()?;
        let changes_type = plan.operations().iter().any(|op| {
            matches!(op, Operation::AlterColumn(alter) if alter.ty.is_some() && alter.lossy_ok.is_none())
        });
        if !changes_type {
            return None;
        }
        match self.step(index, Direction::Upgrade, backend) {
            Err(error @ PlanError::LossyTypeChange(_)) => Some(error),
            _ => None,
        }
    }

    /// Every type change that can lose data and says `lossy_ok`, in the
    /// upgrades of every migration (on any backend), with the author's
    /// reason. Pure: records plans, touches no database.
    pub fn lossy_changes(&self) -> Vec<LossyChange> {
        let mut changes = Vec::new();
        for &index in self.graph.topo_order() {
            let registration = self.registrations[index];
            let plans: Vec<Migration> =
                step::record_each_backend(registration, Direction::Upgrade, &self.args)
                    .into_iter()
                    .flatten()
                    .collect();
            // A lossy change on several backends is one change.
            let mut seen: Vec<&Operation> = Vec::new();
            for op in plans.iter().flat_map(Migration::operations) {
                if seen.contains(&op) {
                    continue;
                }
                seen.push(op);
                if let Operation::AlterColumn(AlterColumn {
                    lossy_ok: Some(reason),
                    ..
                }) = op
                {
                    changes.push(LossyChange {
                        revision: RevisionRef {
                            id: registration.id.to_owned(),
                            message: registration.summary(),
                        },
                        operation: op.describe(),
                        reason: crate::text::one_line(reason).into_owned(),
                    });
                }
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Backend;
    use crate::ops::{Column, Migration, Table};

    fn registration(
        id: &'static str,
        revises: &'static [&'static str],
        upgrade: fn(&mut Migration),
    ) -> &'static crate::registry::Registration {
        super::super::fixtures::registration(id, revises, upgrade, None)
    }

    fn create(m: &mut Migration) {
        m.create_table(Table::new("t").column(Column::new("n").decimal(10, 2)));
    }
    fn renames(m: &mut Migration) {
        m.rename_table("t", "u");
        m.rename_column("u", "n", "amount");
    }
    fn raw(m: &mut Migration) {
        m.execute("ALTER TABLE u ALTER COLUMN amount TYPE bigint");
    }
    fn narrow_blind(m: &mut Migration) {
        m.alter_column(AlterColumn::new("u", "amount").set_type(ColumnType::Integer));
    }
    fn add_then_narrow(m: &mut Migration) {
        m.add_column("u", Column::new("at").timestamptz().nullable());
        m.alter_column(AlterColumn::new("u", "at").set_type(ColumnType::Date));
    }

    #[test]
    fn the_type_before_comes_from_the_history_through_renames() {
        let migrator = Migrator::new(vec![
            registration("aaaa", &[], create),
            registration("bbbb", &["aaaa"], renames),
            registration("cccc", &["bbbb"], narrow_blind),
        ])
        .unwrap();
        let error = migrator
            .step(RevisionIdx::new(2), Direction::Upgrade, Backend::Postgres)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "upgrade cccc: operation 1 (alter_column u.amount) changes the type from numeric(10, 2) \
             to integer, which cannot hold every value: fractions are rounded away; nothing was run. \
             To keep the data, add a column of the new type, copy the values with a backfill and \
             drop the old column; if losing it is intended, say why with `.lossy_ok(\"...\")` on \
             the alter_column, in fixtures (fixtures.rs:1)"
        );
        assert!(
            migrator
                .refused_lossy(RevisionIdx::new(2), Backend::Sqlite)
                .is_some()
        );
        assert!(
            migrator
                .refused_lossy(RevisionIdx::new(1), Backend::Sqlite)
                .is_none()
        );
    }

    #[test]
    fn earlier_operations_of_the_same_plan_count() {
        let migrator = Migrator::new(vec![
            registration("aaaa", &[], create),
            registration("bbbb", &["aaaa"], renames),
            registration("cccc", &["bbbb"], add_then_narrow),
        ])
        .unwrap();
        let error = migrator
            .step(RevisionIdx::new(2), Direction::Upgrade, Backend::Sqlite)
            .unwrap_err();
        assert!(
            error.to_string().contains(
                "operation 2 (alter_column u.at) changes the type from timestamptz to date"
            ),
            "{error}"
        );
    }

    #[test]
    fn raw_sql_on_the_table_makes_the_type_unknown() {
        let migrator = Migrator::new(vec![
            registration("aaaa", &[], create),
            registration("bbbb", &["aaaa"], renames),
            registration("bbbc", &["bbbb"], raw),
            registration("cccc", &["bbbc"], narrow_blind),
        ])
        .unwrap();
        assert!(
            migrator
                .step(RevisionIdx::new(3), Direction::Upgrade, Backend::Postgres)
                .is_ok()
        );
    }

    #[test]
    fn check_says_it_once() {
        let migrator = Migrator::new(vec![
            registration("aaaa", &[], create),
            registration("bbbb", &["aaaa"], renames),
            registration("cccc", &["bbbb"], narrow_blind),
        ])
        .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let problems = runtime.block_on(migrator.check(None)).unwrap();
        let lossy: Vec<_> = problems
            .iter()
            .filter(|p| matches!(p, super::super::CheckProblem::LossyTypeChange { .. }))
            .collect();
        assert_eq!(lossy.len(), 1, "{problems:#?}");
    }
}
