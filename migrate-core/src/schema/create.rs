//! The plan that builds a schema from nothing: what `migrate schema
//! --format sql` prints, and what adopting a database and autogenerate
//! start from.
//!
//! The plan is typed operations for the schema's backend, so the renderer
//! writes its SQL and the [replay](super::Replay) reads it back: replaying
//! [`Schema::create_plan`] gives the schema again (tested on every backend,
//! and against real databases by introspection).

use std::collections::BTreeSet;

use super::Replay;
use super::model::{FkAction, IndexPart, Schema, SqlType, Table};
use crate::Backend;
use crate::ops::{self, ColumnDefault, ColumnType, Constraint, Literal, Name, Operation};
use crate::render::sql::ident;
use crate::render::{RenderError, SchemaObject};

impl Schema {
    /// The operations that create this schema on its backend: enums, then
    /// tables with the foreign keys to tables made before them (referenced
    /// tables first), their indexes, the foreign keys a cycle left out, and
    /// views.
    pub fn create_plan(&self) -> ops::Migration {
        self.create_plan_beside(&BTreeSet::new())
    }

    /// [`create_plan`](Self::create_plan) in a database that has the
    /// `existing` tables already: foreign keys to them go in the `CREATE
    /// TABLE` as to a table made before.
    pub(super) fn create_plan_beside(&self, existing: &BTreeSet<String>) -> ops::Migration {
        let b = self.backend;
        let mut plan = ops::Migration::new().for_backend(b);
        // What the server makes by itself (MySQL's foreign-key indexes) is
        // read from a replay of the plan so far, so the plan never makes it
        // twice. The other backends make nothing the plan does not say.
        let mut replay = (b == Backend::MySql).then(|| Replay::new(Schema::new(b)));
        let push = |plan: &mut ops::Migration, replay: &mut Option<Replay>, op: Operation| {
            if let Some(replay) = replay {
                replay
                    .operation(&op)
                    .expect("a schema's own objects replay onto it");
            }
            plan.push(op);
        };
        for e in self.enums.values() {
            push(
                &mut plan,
                &mut replay,
                Operation::CreateEnum(ops::Enum::new(e.name.clone(), e.values.clone())),
            );
        }
        let mut deferred = Vec::new();
        let mut made = existing.clone();
        for table in self.creation_order() {
            let mut create = ops::Table::new(table.name.clone());
            if let Some(comment) = &table.comment {
                create = create.comment(comment.clone());
            }
            let single_key = match &table.primary_key {
                Some(key) if key.columns.len() == 1 => Some(key),
                _ => None,
            };
            for column in &table.columns {
                let mut c = self.column(table, column);
                if let Some(key) = single_key.filter(|k| k.columns[0] == column.name) {
                    c = match &key.name {
                        Some(name) if b != Backend::MySql => c.primary_key_named(name.clone()),
                        _ => c.primary_key(),
                    };
                }
                create = create.column(c);
            }
            if let Some(key) = table.primary_key.as_ref().filter(|_| single_key.is_none()) {
                create = match &key.name {
                    Some(name) if b != Backend::MySql => create
                        .constraint(Constraint::primary_key(name.clone(), key.columns.clone())),
                    _ => create.primary_key(key.columns.clone()),
                };
            }
            for unique in &table.uniques {
                create = create.unique(name(&unique.name), unique.columns.clone());
            }
            for check in &table.checks {
                create = create.check(name(&check.name), check.expr.clone());
            }
            let mut after_indexes = Vec::new();
            for fk in &table.foreign_keys {
                let key = foreign_key(fk);
                let ready = fk.ref_table == table.name || made.contains(&fk.ref_table);
                if b == Backend::MySql && key_after_indexes(table, fk) {
                    // After the indexes that serve it, made explicitly.
                    after_indexes.push((ready, key));
                } else if ready || b == Backend::Sqlite {
                    // SQLite checks a reference only when a row uses it.
                    create = create.foreign_key(key);
                } else {
                    deferred.push(add(&table.name, key));
                }
            }
            push(&mut plan, &mut replay, Operation::CreateTable(create));
            made.insert(table.name.clone());
            for index in &table.indexes {
                let exists = replay.as_ref().is_some_and(|r| {
                    r.current()
                        .table(&table.name)
                        .is_some_and(|t| t.index(&index.name).is_some())
                });
                if !exists {
                    push(
                        &mut plan,
                        &mut replay,
                        Operation::CreateIndex(self.index(table, index)),
                    );
                }
            }
            for (ready, key) in after_indexes {
                if ready {
                    push(&mut plan, &mut replay, add(&table.name, key));
                } else {
                    deferred.push(add(&table.name, key));
                }
            }
        }
        for op in deferred {
            push(&mut plan, &mut replay, op);
        }
        for view in self.views.values() {
            let sql = format!(
                "CREATE VIEW {} AS {}",
                ident(b, &view.name),
                view.definition
            );
            push(
                &mut plan,
                &mut replay,
                Operation::Execute(ops::RawSql::for_backend(b, sql)),
            );
        }
        plan
    }

    /// The rows SQLite's `sqlite_schema` would hold for this schema (a
    /// SQLite one): the `CREATE` statement of each table, index and view,
    /// as the renderer writes them. What a table rebuild reads, when there
    /// is no database to read it from (`upgrade --sql`).
    pub(crate) fn sqlite_objects(&self) -> Result<Vec<SchemaObject>, RenderError> {
        let plan = self.create_plan();
        let mut objects = Vec::new();
        for statement in crate::render::render(&plan, Backend::Sqlite)? {
            let (kind, name, table) = match &plan.operations()[statement.op] {
                Operation::CreateTable(t) => ("table", t.name.clone(), t.name.clone()),
                Operation::CreateIndex(i) => ("index", i.name.as_str().to_owned(), i.table.clone()),
                _ => continue,
            };
            objects.push(SchemaObject {
                kind: kind.to_owned(),
                name,
                table,
                sql: statement.sql,
            });
        }
        for view in self.views.values() {
            objects.push(SchemaObject {
                kind: "view".to_owned(),
                name: view.name.clone(),
                table: view.name.clone(),
                sql: format!(
                    "CREATE VIEW {} AS {}",
                    ident(Backend::Sqlite, &view.name),
                    view.definition
                ),
            });
        }
        Ok(objects)
    }

    /// Tables with the ones they reference first, by name otherwise; a
    /// cycle is broken at the first name.
    pub(super) fn creation_order(&self) -> Vec<&Table> {
        let mut order = Vec::with_capacity(self.tables.len());
        let mut placed = BTreeSet::new();
        let mut visiting = BTreeSet::new();
        for name in self.tables.keys() {
            self.place(name, &mut placed, &mut visiting, &mut order);
        }
        order
    }

    fn place<'a>(
        &'a self,
        name: &'a str,
        placed: &mut BTreeSet<&'a str>,
        visiting: &mut BTreeSet<&'a str>,
        order: &mut Vec<&'a Table>,
    ) {
        let Some(table) = self.tables.get(name) else {
            return;
        };
        if placed.contains(name) || !visiting.insert(name) {
            return;
        }
        for fk in &table.foreign_keys {
            self.place(&fk.ref_table, placed, visiting, order);
        }
        placed.insert(name);
        order.push(table);
    }

    pub(super) fn column(&self, table: &Table, column: &super::Column) -> ops::Column {
        let ty = self.column_type(column);
        let mut c = ops::Column::new(column.name.clone()).ty(ty);
        if column.nullable {
            c = c.nullable();
        }
        if column.identity {
            c = c.auto_increment();
        }
        if let Some(default) = column.default.as_deref().map(|d| default(d, &column.ty)) {
            c.default = Some(default);
        }
        if let Some(comment) = &column.comment {
            c = c.comment(comment.clone());
        }
        // `auto_increment` implies a key; a table's key says which.
        let keyed = table
            .primary_key
            .as_ref()
            .is_some_and(|k| k.columns == [column.name.clone()]);
        if !keyed {
            c.primary_key = false;
        }
        c
    }

    fn column_type(&self, column: &super::Column) -> ColumnType {
        match &column.ty {
            SqlType::SmallInt => ColumnType::SmallInteger,
            SqlType::Integer => ColumnType::Integer,
            SqlType::BigInt => ColumnType::BigInteger,
            SqlType::Numeric {
                precision: Some(precision),
                scale,
            } => ColumnType::Decimal {
                precision: *precision,
                scale: scale.unwrap_or(0),
            },
            SqlType::Real => ColumnType::Real,
            SqlType::Double => ColumnType::Double,
            SqlType::VarChar(Some(n)) => ColumnType::String(*n),
            SqlType::Char(Some(n)) => ColumnType::Char(*n),
            SqlType::Text => ColumnType::Text,
            SqlType::Boolean => ColumnType::Boolean,
            SqlType::Date => ColumnType::Date,
            SqlType::Time => ColumnType::Time,
            SqlType::Timestamp => ColumnType::Timestamp,
            SqlType::TimestampTz => ColumnType::TimestampTz,
            SqlType::Uuid => ColumnType::Uuid,
            SqlType::Json => ColumnType::Json,
            SqlType::Jsonb => ColumnType::Jsonb,
            SqlType::Binary => ColumnType::Binary,
            SqlType::Enum(name) => {
                let values = self
                    .enums
                    .get(name)
                    .map(|e| e.values.clone())
                    .unwrap_or_default();
                ColumnType::Enum(ops::Enum::new(name.clone(), values))
            }
            SqlType::InlineEnum(values) => {
                ColumnType::Enum(ops::Enum::new(column.name.clone(), values.clone()))
            }
            other @ (SqlType::Numeric { .. }
            | SqlType::VarChar(None)
            | SqlType::Char(None)
            | SqlType::Other(_)) => ColumnType::Raw(other.to_string()),
        }
    }

    pub(super) fn index(&self, table: &Table, index: &super::Index) -> ops::Index {
        let mut out = ops::Index::new(index.name.clone()).table(table.name.clone());
        out.parts = index
            .parts
            .iter()
            .map(|part| match part {
                IndexPart::Column(c) => ops::IndexPart::Column(c.clone()),
                IndexPart::Expr(e) => ops::IndexPart::Expr(e.clone()),
            })
            .collect();
        if index.unique {
            out = out.unique();
        }
        if let Some(predicate) = &index.predicate {
            out = out.partial(predicate.clone());
        }
        out
    }
}

/// A normalised default as the plan writes it: literals as literals (the
/// renderer quotes them for the backend), `current_timestamp`, and any
/// other expression as it is.
fn default(normalised: &str, ty: &SqlType) -> ColumnDefault {
    if normalised == "current_timestamp" {
        return ColumnDefault::CurrentTimestamp;
    }
    let literal = if let Some(text) = normalised
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .filter(|s| !s.replace("''", "").contains('\''))
    {
        Literal::String(text.replace("''", "'"))
    } else if *ty == SqlType::Boolean && ["true", "false"].contains(&normalised) {
        Literal::Bool(normalised == "true")
    } else if let Ok(n) = normalised.parse::<i64>() {
        Literal::Int(n)
    } else if ty.is_numeric() && normalised.parse::<f64>().is_ok() {
        // The database reads the number from the string, exactly.
        Literal::String(normalised.to_owned())
    } else {
        return ColumnDefault::Expr(normalised.to_owned());
    };
    ColumnDefault::Literal(literal)
}

/// Adds a foreign key to a table made before.
fn add(table: &str, key: ops::ForeignKey) -> Operation {
    Operation::AddConstraint {
        table: table.to_owned(),
        constraint: key.into(),
    }
}

/// Whether a foreign key must come after the table's indexes on MySQL,
/// rather than in its `CREATE TABLE`, where it gets an index of its own
/// (the renderer's, named after the key, or the server's, named after its
/// first column when the server names the key): when the schema does not
/// have that index (another serves the key), or has another index of
/// that name.
fn key_after_indexes(table: &Table, fk: &super::ForeignKey) -> bool {
    let name = fk.name.as_ref().unwrap_or(&fk.columns[0]);
    let own = |i: &super::Index| {
        !i.unique && i.parts.len() == fk.columns.len() && leading_columns(i) == fk.columns
    };
    !table.indexes.iter().any(|i| &i.name == name && own(i))
}

/// The plain columns an index starts with, up to its first expression;
/// all of them when it has none.
fn leading_columns(index: &super::Index) -> Vec<String> {
    let columns: Vec<String> = index
        .parts
        .iter()
        .map_while(|p| match p {
            IndexPart::Column(c) => Some(c.clone()),
            IndexPart::Expr(_) => None,
        })
        .collect();
    columns
}

/// A constraint's name as the schema has it; one the database made up is
/// left to it again, not to the naming convention.
pub(super) fn name(name: &Option<String>) -> Name {
    name.as_ref().map_or_else(Name::server, Name::from)
}

pub(super) fn foreign_key(fk: &super::ForeignKey) -> ops::ForeignKey {
    let action = |a: FkAction| match a {
        FkAction::NoAction => None,
        FkAction::Restrict => Some(ops::Action::Restrict),
        FkAction::Cascade => Some(ops::Action::Cascade),
        FkAction::SetNull => Some(ops::Action::SetNull),
        FkAction::SetDefault => Some(ops::Action::SetDefault),
    };
    let mut key = ops::ForeignKey::new(
        name(&fk.name),
        fk.columns.clone(),
        fk.ref_table.clone(),
        fk.ref_columns.clone(),
    );
    key.on_delete = action(fk.on_delete);
    key.on_update = action(fk.on_update);
    key
}
