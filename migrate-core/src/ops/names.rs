//! Naming what a plan left unnamed, when it is recorded for a backend.
//!
//! An unnamed constraint or index ([`Name`] `None` or [`Name::part`]) gets
//! the naming convention's name, or the backend's own
//! ([`NamingConvention`]). Under a convention, the column shorthands
//! (`.primary_key()`, `.unique()`, `.references()`) and a table's
//! `primary_key(..)` are named by it too, as SQLAlchemy names them; without
//! one they stay as they always were (the backend names them).

use super::{Column, Constraint, ConstraintKind, Dropped, Index, IndexPart, Operation, Table};
use crate::Backend;
use crate::naming::{Kind, NamingConvention, Subject, columns_read};

/// Resolves names for one backend.
pub(super) struct Namer<'a> {
    pub backend: Backend,
    pub convention: &'a NamingConvention,
}

impl Namer<'_> {
    pub(super) fn operation(&self, op: &mut Operation) {
        match op {
            Operation::CreateTable(table)
            | Operation::DropTable {
                table: Dropped::Definition(table),
                ..
            } => self.table(table),
            Operation::AddColumn { table, column, .. }
            | Operation::DropColumn {
                table,
                column: Dropped::Definition(column),
            } => self.column(table, column),
            Operation::CreateIndex(index)
            | Operation::DropIndex {
                index: Dropped::Definition(index),
                ..
            } => self.index(index),
            Operation::AddConstraint { table, constraint }
            | Operation::DropConstraint {
                table,
                constraint: Dropped::Definition(constraint),
                ..
            } => self.constraint(table, constraint),
            _ => {}
        }
    }

    /// A name, or a panic that recording turns into an error naming the
    /// revision.
    fn name(&self, subject: &Subject<'_>) -> Option<String> {
        self.convention
            .name(self.backend, subject)
            .unwrap_or_else(|message| panic!("{message}"))
    }

    /// The convention's own name for a shorthand; `None` without a template.
    fn by_template(&self, subject: &Subject<'_>) -> Option<String> {
        self.convention
            .has_template(subject.kind)
            .then(|| self.name(subject))
            .flatten()
    }

    /// The name of an unresolved object: a part is the name unless the
    /// kind's template takes it (`%(constraint_name)s`), as in SQLAlchemy.
    fn resolved(&self, part: Option<&str>, subject: Subject<'_>) -> Option<String> {
        match part {
            Some(part) if !self.convention.takes_part(subject.kind) => Some(part.to_owned()),
            part => self.name(&Subject { part, ..subject }),
        }
    }

    fn constraint(&self, table: &str, constraint: &mut Constraint) {
        let Some(part) = constraint.name.unresolved().map(|p| p.map(str::to_owned)) else {
            return;
        };
        let read;
        let subject = match &constraint.kind {
            ConstraintKind::PrimaryKey(columns) => Subject::on(Kind::PrimaryKey, table, columns),
            ConstraintKind::Unique(columns) => Subject::on(Kind::Unique, table, columns),
            ConstraintKind::Check(expr) => {
                read = columns_read(expr);
                Subject::on(Kind::Check, table, &read)
            }
            ConstraintKind::ForeignKey(fk) => Subject {
                referred_table: &fk.ref_table,
                referred_columns: &fk.ref_columns,
                ..Subject::on(Kind::ForeignKey, table, &fk.columns)
            },
        };
        let name = self.resolved(part.as_deref(), subject);
        constraint.name.resolve(name);
        if let ConstraintKind::ForeignKey(fk) = &mut constraint.kind {
            fk.name = constraint.name.clone();
        }
    }

    fn index(&self, index: &mut Index) {
        let Some(part) = index.name.unresolved().map(|p| p.map(str::to_owned)) else {
            return;
        };
        let columns: Vec<String> = index
            .parts
            .iter()
            .filter_map(|p| match p {
                IndexPart::Column(c) => Some(c.clone()),
                IndexPart::Expr(_) => None,
            })
            .collect();
        let name = self.resolved(
            part.as_deref(),
            Subject::on(Kind::Index, &index.table, &columns),
        );
        index.name.resolve(name);
    }

    fn table(&self, table: &mut Table) {
        for constraint in &mut table.constraints {
            self.constraint(&table.name, constraint);
        }
        let has_named_pk = table
            .constraints
            .iter()
            .any(|c| matches!(c.kind, ConstraintKind::PrimaryKey(_)));
        let key = table.key_columns();
        let key_name = match key.as_slice() {
            [] => None,
            _ if has_named_pk => None,
            [single] => table
                .columns
                .iter()
                .find(|c| c.name == *single)
                .filter(|c| c.pk_name().is_none())
                .and_then(|_| self.by_template(&Subject::on(Kind::PrimaryKey, &table.name, &key))),
            _ => self.by_template(&Subject::on(Kind::PrimaryKey, &table.name, &key)),
        };
        if let Some(pk) = key_name {
            match key.as_slice() {
                // Inline, where SQLite's AUTOINCREMENT needs it.
                [single] if table.primary_key.is_empty() => {
                    if let Some(column) = table.columns.iter_mut().find(|c| c.name == *single) {
                        column.key_names_mut().primary_key = Some(pk);
                    }
                }
                _ => {
                    table.primary_key.clear();
                    table.constraints.push(Constraint::primary_key(pk, key));
                }
            }
        }
        let name = table.name.clone();
        for column in &mut table.columns {
            if column.unique {
                let columns = [column.name.clone()];
                if let Some(uq) = self.by_template(&Subject::on(Kind::Unique, &name, &columns)) {
                    column.unique = false;
                    table.constraints.push(Constraint::unique(uq, columns));
                }
            }
            self.foreign_key(&name, column);
        }
    }

    fn column(&self, table: &str, column: &mut Column) {
        self.foreign_key(table, column);
    }

    fn foreign_key(&self, table: &str, column: &mut Column) {
        let Some((ref_table, ref_column)) = &column.references else {
            return;
        };
        if column.fk_name().is_some() {
            return;
        }
        let columns = [column.name.clone()];
        let referred = [ref_column.clone()];
        let name = self.by_template(&Subject {
            kind: Kind::ForeignKey,
            table,
            columns: &columns,
            referred_table: ref_table,
            referred_columns: &referred,
            part: None,
        });
        if let Some(name) = name {
            column.key_names_mut().references = Some(name);
        }
    }
}
