//! The schema a plan builds, without a database: each operation folded into
//! the [`Schema`] model for the plan's backend.
//!
//! A plan recorded for a backend is data with every name and type resolved
//! (`Migration::push`), so replaying it is a pure function. What it builds
//! is what introspection would read after the plan ran: types as the
//! backend reports them (through the same normalisation), MySQL's unique
//! constraints and foreign-key indexes as indexes, SQLite's enum checks.
//! Names are kept as the plan gives them; [`Replay::schema`] drops the
//! ones a database makes up, as introspection does.
//!
//! Raw SQL is replayed from its declared effect ([`RawSql::effect`]:
//! typed operations), else parsed (`raw`): what the parser cannot follow
//! makes the tables and views it names (or, when it names none, the whole
//! schema) *uncertain*, and consumers say so instead of guessing; `table`
//! builds the model of what each typed operation declares.
//!
//! [`RawSql::effect`]: crate::ops::RawSql::effect

use std::collections::BTreeSet;
use std::fmt;

use self::table::{
    add_column, add_constraint, columns_as_parts, create_table, drop_column_keys, drop_constraint,
    enum_check, forget_generated_names, model_column, model_default, model_index, model_type,
    rename_column,
};
use super::model::{EnumType, Schema, SqlType, Table};
use crate::Backend;
use crate::ops::{self, ColumnType, Operation};

/// A schema being replayed, and what it cannot be sure of.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    schema: Schema,
    uncertain: Uncertain,
    /// MySQL: the indexes the server made itself for foreign keys, by
    /// table. Another index that can serve the key replaces one.
    implicit: BTreeSet<(String, String)>,
    /// Views raw SQL created: their definitions are as written, which the
    /// database may word its own way.
    written_views: BTreeSet<String>,
}

/// What raw SQL may have changed, beyond what the replay knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Uncertain {
    /// Everything: a raw step the replay could not place.
    pub everything: bool,
    /// These tables (and views).
    pub tables: BTreeSet<String>,
}

/// An operation the schema before it cannot take: a table or column that
/// does not exist, a name that is taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation}: {problem}")]
pub struct ReplayError {
    /// The operation, described (`add_column users.email`).
    pub operation: String,
    /// What is wrong.
    pub problem: String,
}

impl Replay {
    /// Replays from `schema` (empty, or introspected).
    pub fn new(schema: Schema) -> Self {
        Self {
            schema,
            uncertain: Uncertain::default(),
            implicit: BTreeSet::new(),
            written_views: BTreeSet::new(),
        }
    }

    /// The replayed schema as introspection would read it: names the
    /// database would have made up dropped.
    pub fn schema(&self) -> Schema {
        Self::as_introspected(self.schema.clone())
    }

    /// [`schema`](Self::schema), without copying it.
    pub fn into_schema(self) -> Schema {
        Self::as_introspected(self.schema)
    }

    fn as_introspected(mut schema: Schema) -> Schema {
        let backend = schema.backend;
        for table in schema.tables.values_mut() {
            forget_generated_names(backend, table);
            table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
            table.uniques.sort();
            table.checks.sort();
            table.foreign_keys.sort();
        }
        schema
    }

    /// MySQL: whether the server made `table.index` for an unnamed foreign
    /// key (and drops it by itself once another index serves the key).
    #[cfg(feature = "schema")]
    pub(crate) fn is_implicit(&self, table: &str, index: &str) -> bool {
        self.implicit
            .contains(&(table.to_owned(), index.to_owned()))
    }

    /// The schema so far, names the database would make up included.
    pub(crate) fn current(&self) -> &Schema {
        &self.schema
    }

    /// The backend it replays for.
    pub fn backend(&self) -> Backend {
        self.schema.backend
    }

    /// What raw SQL may have changed.
    pub fn uncertain(&self) -> &Uncertain {
        &self.uncertain
    }

    /// Takes what the replay is not sure of from `live`, the schema a
    /// database has at the same point: the tables and views raw SQL named,
    /// or everything. Then it is sure again.
    pub fn resync(&mut self, live: &Schema) {
        if self.uncertain.everything {
            self.schema = live.clone();
        } else {
            for name in &self.uncertain.tables {
                match live.views.get(name) {
                    Some(view) => {
                        self.schema.views.insert(name.clone(), view.clone());
                    }
                    None => {
                        self.schema.views.remove(name);
                    }
                }
                match live.tables.get(name) {
                    Some(table) => {
                        self.schema.tables.insert(name.clone(), table.clone());
                    }
                    None => {
                        self.schema.tables.remove(name);
                    }
                }
            }
        }
        self.uncertain = Uncertain::default();
    }

    /// What differs from the replayed schema to `live`, where the replay is
    /// sure: tables and views raw SQL named are left out, and everything
    /// when it could not place a raw step.
    #[cfg(feature = "schema")]
    pub fn diff(&self, live: &Schema) -> super::SchemaDiff {
        if self.uncertain.everything {
            return super::SchemaDiff::default();
        }
        let mut mine = self.schema();
        let mut theirs = live.clone();
        for name in &self.uncertain.tables {
            for schema in [&mut mine, &mut theirs] {
                schema.tables.remove(name);
                schema.views.remove(name);
            }
        }
        // A view raw SQL made exists; its text is the database's own.
        for name in &self.written_views {
            if let (Some(view), Some(live)) = (mine.views.get_mut(name), theirs.views.get(name)) {
                view.definition.clone_from(&live.definition);
            }
        }
        mine.diff(&theirs)
    }

    /// Replays every operation of `plan`, in order.
    pub fn plan(&mut self, plan: &ops::Migration) -> Result<(), ReplayError> {
        for op in plan.operations() {
            self.operation(op)?;
        }
        Ok(())
    }

    /// Replays one operation. One the schema cannot take is an error,
    /// unless raw SQL may have made what it needs: then what it touches
    /// becomes uncertain too.
    pub fn operation(&mut self, op: &Operation) -> Result<(), ReplayError> {
        // MySQL: only the tables the operation names can gain an index,
        // but raw SQL may name any.
        let mysql = self.schema.backend == Backend::MySql;
        let scope: Option<Vec<String>> = match op {
            _ if !mysql => None,
            Operation::Execute(_) => None,
            _ => Some(tables_of(op).into_iter().map(str::to_owned).collect()),
        };
        let before = mysql.then(|| self.index_names(scope.as_deref()));
        if let Err(error) = self.apply(op) {
            let tables = tables_of(op);
            let unsure = self.uncertain.everything
                || tables.iter().any(|t| self.uncertain.tables.contains(*t));
            if !unsure {
                return Err(error);
            }
            self.uncertain
                .tables
                .extend(tables.into_iter().map(str::to_owned));
        }
        if let Some(before) = before {
            self.track_implicit_indexes(op, scope.as_deref(), &before);
        }
        Ok(())
    }

    /// The indexes of `tables`, or of every table.
    fn index_names(&self, tables: Option<&[String]>) -> BTreeSet<(String, String)> {
        let of = |t: &Table| -> Vec<(String, String)> {
            t.indexes
                .iter()
                .map(|i| (t.name.clone(), i.name.clone()))
                .collect()
        };
        match tables {
            Some(names) => names
                .iter()
                .filter_map(|n| self.schema.tables.get(n))
                .flat_map(of)
                .collect(),
            None => self.schema.tables.values().flat_map(of).collect(),
        }
    }

    /// MySQL: notes the indexes the server made for unnamed foreign keys
    /// (a named key gets an index the renderer writes, which stays), and
    /// drops one when a new index can serve its key instead.
    fn track_implicit_indexes(
        &mut self,
        op: &Operation,
        scope: Option<&[String]>,
        before: &BTreeSet<(String, String)>,
    ) {
        if let Operation::RenameTable { from, to } = op {
            self.implicit = std::mem::take(&mut self.implicit)
                .into_iter()
                .map(|(t, i)| if t == *from { (to.clone(), i) } else { (t, i) })
                .collect();
        }
        let now = self.index_names(scope);
        for (table, name) in now.difference(before) {
            let t = &self.schema.tables[table];
            let index = t.index(name).expect("listed above");
            let made_by_server = !index.unique
                && t.foreign_keys.iter().any(|fk| {
                    fk.name.is_none()
                        && fk.columns[0] == *name
                        && index.parts == columns_as_parts(&fk.columns)
                });
            if made_by_server {
                self.implicit.insert((table.clone(), name.clone()));
            } else {
                let t = self.schema.tables.get_mut(table).expect("listed above");
                let parts = t.index(name).expect("listed above").parts.clone();
                let implicit = &self.implicit;
                t.indexes.retain(|i| {
                    !(implicit.contains(&(table.clone(), i.name.clone()))
                        && i.name != *name
                        && parts.starts_with(&i.parts))
                });
            }
        }
        // Gone, or replaced under the same name by a unique key.
        let tables = &self.schema.tables;
        self.implicit.retain(|(table, name)| {
            scope.is_some_and(|names| !names.contains(table))
                || tables
                    .get(table)
                    .and_then(|t| t.index(name))
                    .is_some_and(|index| !index.unique)
        });
    }

    fn apply(&mut self, op: &Operation) -> Result<(), ReplayError> {
        let error = |problem: String| ReplayError {
            operation: op.describe(),
            problem,
        };
        let b = self.schema.backend;
        match op {
            Operation::CreateTable(table) => {
                if self.schema.tables.contains_key(&table.name) {
                    return if table.if_not_exists {
                        Ok(())
                    } else {
                        Err(error(format!("table `{}` exists", table.name)))
                    };
                }
                let built = create_table(b, table);
                self.schema.tables.insert(table.name.clone(), built);
            }
            Operation::DropTable { table, if_exists } => {
                let removed = self.schema.tables.remove(table.name());
                if removed.is_none() && !if_exists {
                    return Err(error(format!("no table `{}`", table.name())));
                }
            }
            Operation::RenameTable { from, to } => {
                let mut table = self
                    .schema
                    .tables
                    .remove(from)
                    .ok_or_else(|| error(format!("no table `{from}`")))?;
                if self.schema.tables.contains_key(to) {
                    return Err(error(format!("table `{to}` exists")));
                }
                table.name.clone_from(to);
                self.schema.tables.insert(to.clone(), table);
                for other in self.schema.tables.values_mut() {
                    for fk in &mut other.foreign_keys {
                        if fk.ref_table == *from {
                            fk.ref_table.clone_from(to);
                        }
                    }
                }
            }
            Operation::AddColumn {
                table,
                column,
                if_not_exists,
            } => {
                let t = self.table_mut(table).map_err(error)?;
                if t.column(&column.name).is_some() {
                    return if *if_not_exists {
                        Ok(())
                    } else {
                        Err(error(format!("column `{table}.{}` exists", column.name)))
                    };
                }
                add_column(b, t, column);
            }
            Operation::DropColumn { table, column } => {
                let t = self.table_mut(table).map_err(error)?;
                let name = column.name();
                let at = t
                    .columns
                    .iter()
                    .position(|c| c.name == name)
                    .ok_or_else(|| error(format!("no column `{table}.{name}`")))?;
                t.columns.remove(at);
                drop_column_keys(b, t, name);
            }
            Operation::AlterColumn(alter) => self.alter_column(alter).map_err(error)?,
            Operation::CreateIndex(index) => {
                let t = self.table_mut(&index.table).map_err(error)?;
                if t.index(&index.name).is_some() {
                    return if index.if_not_exists {
                        Ok(())
                    } else {
                        Err(error(format!("index `{}` exists", index.name.as_str())))
                    };
                }
                t.indexes.push(model_index(b, index));
            }
            Operation::DropIndex {
                table,
                index,
                if_exists,
            } => {
                let t = self.table_mut(table).map_err(error)?;
                let before = t.indexes.len();
                t.indexes.retain(|i| i.name != index.name());
                if t.indexes.len() == before && !if_exists {
                    return Err(error(format!("no index `{}` on `{table}`", index.name())));
                }
            }
            Operation::AddConstraint { table, constraint } => {
                let t = self.table_mut(table).map_err(error)?;
                let name = constraint.name();
                if !name.is_empty() && has_constraint(b, t, name) {
                    return Err(error(format!("a constraint `{name}` exists on `{table}`")));
                }
                add_constraint(b, t, constraint);
            }
            Operation::DropConstraint {
                table,
                constraint,
                if_exists,
            } => {
                let t = self.table_mut(table).map_err(error)?;
                if !drop_constraint(b, t, constraint) && !if_exists {
                    return Err(error(format!(
                        "no constraint `{}` on `{table}`",
                        constraint.name()
                    )));
                }
            }
            Operation::CreateEnum(e) => {
                if b == Backend::Postgres {
                    self.schema.enums.insert(
                        e.name.clone(),
                        EnumType {
                            name: e.name.clone(),
                            values: e.values.clone(),
                        },
                    );
                }
            }
            Operation::DropEnum { definition, .. } => {
                self.schema.enums.remove(definition.name());
            }
            Operation::AddEnumValue(add) => self.add_enum_value(add),
            Operation::Execute(raw) => match (raw.sql_for(b), raw.declared_effect()) {
                (Some(_), Some(effect)) => {
                    for declared in effect {
                        self.operation(declared).map_err(|inner| {
                            error(format!(
                                "its declared effect `{}`: {}",
                                inner.operation, inner.problem
                            ))
                        })?;
                    }
                }
                (sql, _) => self.raw(sql),
            },
            Operation::ValidateConstraint { .. }
            | Operation::BulkInsert(_)
            | Operation::Query(_)
            | Operation::Backfill(_) => {}
        }
        Ok(())
    }

    fn table_mut(&mut self, name: &str) -> Result<&mut Table, String> {
        self.schema
            .tables
            .get_mut(name)
            .ok_or_else(|| format!("no table `{name}`"))
    }

    fn alter_column(&mut self, alter: &ops::AlterColumn) -> Result<(), String> {
        let b = self.schema.backend;
        let table = &alter.table;
        let t = self.table_mut(table)?;
        let column = t
            .columns
            .iter_mut()
            .find(|c| c.name == alter.column)
            .ok_or_else(|| format!("no column `{table}.{}`", alter.column))?;
        // MySQL's CHANGE COLUMN and SQLite's rebuild restate the whole
        // column as `.existing(..)` describes it, changes applied: what
        // `existing` leaves out (a default, a comment) is gone.
        let restated = match b {
            Backend::MySql => {
                alter.ty.is_some() || alter.nullable.is_some() || alter.comment.is_some()
            }
            Backend::Sqlite => {
                alter.ty.is_some() || alter.nullable.is_some() || alter.default.is_some()
            }
            Backend::Postgres => false,
        };
        if let Some(target) = alter.target().filter(|_| restated) {
            let identity = column.identity;
            let name = column.name.clone();
            *column = model_column(b, &target);
            column.name = name;
            column.identity |= identity;
            if let Some(to) = &alter.rename {
                column.name.clone_from(to);
                rename_column(&mut self.schema, table, &alter.column, to);
            }
            return Ok(());
        }
        let ty = alter
            .ty
            .clone()
            .or_else(|| alter.existing.as_ref().and_then(|e| e.ty.clone()));
        if let Some(new) = &alter.ty {
            column.ty = model_type(b, new, false);
        }
        if let Some(nullable) = alter.nullable {
            column.nullable = nullable;
        }
        if let Some(default) = &alter.default {
            // Rendered as the renderer does: for the type, where the plan
            // gives it.
            let ty = ty.unwrap_or(ColumnType::Raw(String::new()));
            column.default = default
                .as_ref()
                .and_then(|d| model_default(b, d, &ty, &column.ty));
        }
        if let Some(comment) = &alter.comment {
            if b != Backend::Sqlite {
                column.comment.clone_from(comment);
            }
        }
        if let Some(to) = &alter.rename {
            let from = std::mem::replace(&mut column.name, to.clone());
            rename_column(&mut self.schema, table, &from, to);
        }
        Ok(())
    }

    fn add_enum_value(&mut self, add: &ops::AddEnumValue) {
        let b = self.schema.backend;
        let mut values = add.before.values.clone();
        values.push(add.value.clone());
        match b {
            Backend::Postgres => {
                if let Some(e) = self.schema.enums.get_mut(&add.before.name) {
                    e.values = values;
                }
            }
            Backend::MySql | Backend::Sqlite => {
                let after = ops::Enum::new(add.before.name.clone(), values);
                for (table, column) in &add.columns {
                    let Some(t) = self.schema.tables.get_mut(table) else {
                        continue;
                    };
                    if b == Backend::MySql {
                        if let Some(c) = t.columns.iter_mut().find(|c| c.name == column.name) {
                            c.ty = SqlType::InlineEnum(after.values.clone());
                        }
                    } else {
                        let old = enum_check(&column.name, &add.before);
                        t.checks.retain(|c| c.expr != old.expr);
                        t.checks.push(enum_check(&column.name, &after));
                    }
                }
            }
        }
    }
}

/// Whether `t` has a constraint named `name`; on MySQL, where a unique key
/// is an index, a unique index of that name too.
fn has_constraint(b: Backend, t: &Table, name: &str) -> bool {
    let named = |n: &Option<String>| n.as_deref() == Some(name);
    t.primary_key.as_ref().is_some_and(|k| named(&k.name))
        || t.uniques.iter().any(|u| named(&u.name))
        || t.checks.iter().any(|c| named(&c.name))
        || t.foreign_keys.iter().any(|f| named(&f.name))
        || (b == Backend::MySql && t.indexes.iter().any(|i| i.unique && i.name == name))
}

/// The tables an operation changes.
fn tables_of(op: &Operation) -> Vec<&str> {
    match op {
        Operation::CreateTable(table) => vec![table.name()],
        Operation::DropTable { table, .. } => vec![table.name()],
        Operation::RenameTable { from, to } => vec![from, to],
        Operation::AddColumn { table, .. }
        | Operation::DropColumn { table, .. }
        | Operation::DropIndex { table, .. }
        | Operation::AddConstraint { table, .. }
        | Operation::DropConstraint { table, .. } => vec![table],
        Operation::AlterColumn(alter) => vec![&alter.table],
        Operation::CreateIndex(index) => vec![&index.table],
        Operation::AddEnumValue(add) => add.columns.iter().map(|(t, _)| t.as_str()).collect(),
        _ => Vec::new(),
    }
}

impl Uncertain {
    /// Whether the replay is sure of everything.
    pub fn is_empty(&self) -> bool {
        !self.everything && self.tables.is_empty()
    }
}

impl fmt::Display for Uncertain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.everything {
            return f.write_str("raw SQL the replay could not place: the whole schema");
        }
        let tables: Vec<&str> = self.tables.iter().map(String::as_str).collect();
        write!(f, "raw SQL touched: {}", tables.join(", "))
    }
}

mod ddl;
mod raw;
pub(super) mod table;
#[cfg(test)]
mod tests;
mod validate;
