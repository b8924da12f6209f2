//! The model of what each operation declares, as introspection reads it
//! back on each backend.

use super::super::model::{
    Check, Column, FkAction, ForeignKey, Index, IndexPart, PrimaryKey, Schema, SqlType, Table,
    Unique,
};
use super::super::normalize::{self, ConstraintKind, generated_name};
use crate::Backend;
use crate::naming::{Kind as Naming, columns_read, postgres_name};
use crate::ops::{self, ColumnType, ConstraintKind as Kind, Dropped};
use crate::render::sql::{column_type, default_sql};

/// The name the backend gives what a plan left unnamed, where the replay
/// must know it: PostgreSQL keeps it through a table rename.
pub(super) fn native(b: Backend, kind: Naming, table: &str, columns: &[String]) -> Option<String> {
    (b == Backend::Postgres)
        .then(|| postgres_name(kind, table, columns))
        .flatten()
}

/// The type introspection reads back for a column the plan declares `ty`.
pub(crate) fn model_type(backend: Backend, ty: &ColumnType, auto_increment: bool) -> SqlType {
    match (backend, ty) {
        (Backend::Postgres, ColumnType::Enum(e)) => SqlType::Enum(e.name.clone()),
        (Backend::Sqlite, _) if auto_increment => SqlType::Integer,
        (Backend::MySql, ty) => normalize::mysql_type(&column_type(backend, ty)),
        (_, ty) => normalize::sql_type(&column_type(backend, ty)),
    }
}

pub(super) fn model_default(
    backend: Backend,
    default: &ops::ColumnDefault,
    ty: &ColumnType,
    model: &SqlType,
) -> Option<String> {
    let sql = default_sql(backend, default, ty);
    let sql = match backend {
        Backend::MySql if sql.starts_with('\'') => normalize::mysql_literal(&sql),
        _ => sql,
    };
    normalize::default(&sql, model)
}

pub(super) fn model_column(backend: Backend, column: &ops::Column) -> Column {
    let ty = column.ty.clone().unwrap_or(ColumnType::Text);
    let model = model_type(backend, &ty, column.auto_increment);
    Column {
        name: column.name.clone(),
        default: column
            .default
            .as_ref()
            .and_then(|d| model_default(backend, d, &ty, &model)),
        ty: model,
        // Only SQLite lets a key column hold NULL.
        nullable: column.nullable && (!column.primary_key || backend == Backend::Sqlite),
        identity: column.auto_increment,
        comment: column
            .comment
            .clone()
            .filter(|_| backend != Backend::Sqlite),
    }
}

pub(super) fn create_table(b: Backend, table: &ops::Table) -> Table {
    let mut t = Table::new(table.name.clone());
    if b != Backend::Sqlite {
        t.comment.clone_from(&table.comment);
    }
    let key = table.key_columns();
    if !key.is_empty() {
        let name = match key.as_slice() {
            [single] => table
                .columns
                .iter()
                .find(|c| c.name == *single)
                .and_then(|c| c.pk_name().map(str::to_owned)),
            _ => None,
        };
        let name = name.or_else(|| native(b, Naming::PrimaryKey, &t.name, &key));
        t.primary_key = Some(PrimaryKey { name, columns: key });
    }
    for column in &table.columns {
        add_column(b, &mut t, column);
    }
    for constraint in &table.constraints {
        add_constraint(b, &mut t, constraint);
    }
    t
}

/// A column and what its shorthands declare: a unique key, a reference, an
/// enum's check on SQLite.
pub(super) fn add_column(b: Backend, t: &mut Table, column: &ops::Column) {
    let mut model = model_column(b, column);
    if column.primary_key {
        model.nullable &= b == Backend::Sqlite;
        if t.primary_key.is_none() {
            let columns = vec![column.name.clone()];
            t.primary_key = Some(PrimaryKey {
                name: column
                    .pk_name()
                    .map(str::to_owned)
                    .or_else(|| native(b, Naming::PrimaryKey, &t.name, &columns)),
                columns,
            });
        }
    }
    t.columns.push(model);
    if column.unique {
        add_unique(b, t, None, std::slice::from_ref(&column.name));
    }
    if let (Backend::Sqlite, Some(ColumnType::Enum(e))) = (b, &column.ty) {
        t.checks.push(enum_check(&column.name, e));
    }
    if let Some((ref_table, ref_column)) = &column.references {
        let name = column
            .fk_name()
            .map_or_else(|| format!("fk_{}_{}", t.name, column.name), str::to_owned);
        add_foreign_key(
            b,
            t,
            ForeignKey {
                name: Some(name),
                columns: vec![column.name.clone()],
                ref_table: ref_table.clone(),
                ref_columns: vec![ref_column.clone()],
                on_delete: FkAction::NoAction,
                on_update: FkAction::NoAction,
            },
        );
    }
}

/// SQLite's `CHECK (col IN (..))` for an enum column.
pub(crate) fn enum_check(column: &str, e: &ops::Enum) -> Check {
    let values: Vec<String> = e
        .values
        .iter()
        .map(|v| format!("'{}'", v.replace('\'', "''")))
        .collect();
    Check {
        name: None,
        expr: normalize::expression(&format!("\"{column}\" IN ({})", values.join(", "))),
    }
}

pub(super) fn add_unique(b: Backend, t: &mut Table, name: Option<String>, columns: &[String]) {
    if b == Backend::MySql {
        // A unique index, named after its first column when unnamed.
        let name = name.unwrap_or_else(|| columns[0].clone());
        let parts = columns_as_parts(columns);
        // The index the server made for an unnamed foreign key over these
        // columns has the same name; the unique one replaces it.
        t.indexes
            .retain(|i| !(i.name == name && !i.unique && i.parts == parts));
        t.indexes.push(Index {
            name,
            unique: true,
            parts,
            predicate: None,
            valid: true,
        });
    } else {
        t.uniques.push(Unique {
            name: name.or_else(|| native(b, Naming::Unique, &t.name, columns)),
            columns: columns.to_vec(),
        });
    }
}

/// A foreign key; on MySQL with the index it needs, unless a key or index
/// of the table starts with its columns.
pub(super) fn add_foreign_key(b: Backend, t: &mut Table, fk: ForeignKey) {
    if b == Backend::MySql {
        let covered = t
            .primary_key
            .iter()
            .map(|k| k.columns.clone())
            .chain(t.indexes.iter().map(|i| {
                i.parts
                    .iter()
                    .filter_map(|p| match p {
                        IndexPart::Column(c) => Some(c.clone()),
                        IndexPart::Expr(_) => None,
                    })
                    .collect()
            }))
            .any(|key: Vec<String>| key.starts_with(&fk.columns));
        if !covered {
            t.indexes.push(Index {
                name: fk.name.clone().unwrap_or_else(|| fk.columns[0].clone()),
                unique: false,
                parts: columns_as_parts(&fk.columns),
                predicate: None,
                valid: true,
            });
        }
    }
    t.foreign_keys.push(fk);
}

pub(super) fn add_constraint(b: Backend, t: &mut Table, constraint: &ops::Constraint) {
    let name = Some(constraint.name.as_str().to_owned()).filter(|n| !n.is_empty());
    match &constraint.kind {
        Kind::PrimaryKey(columns) => {
            t.primary_key = Some(PrimaryKey {
                name: name.or_else(|| native(b, Naming::PrimaryKey, &t.name, columns)),
                columns: columns.clone(),
            });
            // Only SQLite lets a key column hold NULL.
            for column in &mut t.columns {
                if columns.contains(&column.name) && b != Backend::Sqlite {
                    column.nullable = false;
                }
            }
        }
        Kind::Unique(columns) => add_unique(b, t, name, columns),
        Kind::Check(expr) => t.checks.push(Check {
            // PostgreSQL keeps the name it made through a table rename.
            name: name.or_else(|| native(b, Naming::Check, &t.name, &columns_read(expr))),
            expr: normalize::expression(expr),
        }),
        Kind::ForeignKey(fk) => add_foreign_key(
            b,
            t,
            ForeignKey {
                name: name.or_else(|| native(b, Naming::ForeignKey, &t.name, &fk.columns)),
                columns: fk.columns.clone(),
                ref_table: fk.ref_table.clone(),
                ref_columns: fk.ref_columns.clone(),
                on_delete: fk.on_delete.map_or(FkAction::NoAction, action),
                on_update: fk.on_update.map_or(FkAction::NoAction, action),
            },
        ),
    }
}

pub(super) fn action(action: ops::Action) -> FkAction {
    match action {
        ops::Action::NoAction => FkAction::NoAction,
        ops::Action::Restrict => FkAction::Restrict,
        ops::Action::Cascade => FkAction::Cascade,
        ops::Action::SetNull => FkAction::SetNull,
        ops::Action::SetDefault => FkAction::SetDefault,
    }
}

/// Drops a constraint by its name, or by its kind and name; whether there
/// was one.
pub(super) fn drop_constraint(
    b: Backend,
    t: &mut Table,
    dropped: &Dropped<ops::Constraint>,
) -> bool {
    let name = dropped.name();
    let is = |n: &Option<String>| n.as_deref() == Some(name);
    if t.primary_key.as_ref().is_some_and(|k| {
        is(&k.name)
            || matches!(
                dropped.definition().map(|c| &c.kind),
                Some(Kind::PrimaryKey(_))
            )
    }) {
        t.primary_key = None;
        return true;
    }
    let before = t.uniques.len() + t.checks.len() + t.foreign_keys.len() + t.indexes.len();
    t.uniques.retain(|u| !is(&u.name));
    t.checks.retain(|c| !is(&c.name));
    let fk = t.foreign_keys.iter().position(|f| is(&f.name));
    if let Some(at) = fk {
        t.foreign_keys.remove(at);
    }
    if b == Backend::MySql {
        // A unique key is an index; a foreign key's own index goes with it.
        t.indexes.retain(|i| i.name != name);
    }
    before != t.uniques.len() + t.checks.len() + t.foreign_keys.len() + t.indexes.len()
}

/// What goes with a dropped column: keys and indexes over it.
pub(super) fn drop_column_keys(b: Backend, t: &mut Table, column: &str) {
    let over = |columns: &[String]| columns.iter().any(|c| c == column);
    if t.primary_key.as_ref().is_some_and(|k| over(&k.columns)) {
        t.primary_key = None;
    }
    t.uniques.retain(|u| !over(&u.columns));
    t.foreign_keys.retain(|f| !over(&f.columns));
    // PostgreSQL drops every check that reads the column; MySQL one that
    // reads only it (it refuses to drop a column another check reads, as
    // SQLite does any checked column).
    match b {
        Backend::Postgres => t.checks.retain(|c| !over(&columns_read(&c.expr))),
        Backend::MySql => t.checks.retain(|c| columns_read(&c.expr) != [column]),
        Backend::Sqlite => {}
    }
    let column_part = |p: &IndexPart| matches!(p, IndexPart::Column(c) if c == column);
    if b == Backend::MySql {
        // MySQL drops the column from each index, and an index left empty.
        for index in &mut t.indexes {
            index.parts.retain(|p| !column_part(p));
        }
        t.indexes.retain(|i| !i.parts.is_empty());
    } else {
        t.indexes.retain(|i| !i.parts.iter().any(column_part));
    }
}

/// A renamed column, in every key, index and reference to it.
pub(super) fn rename_column(schema: &mut Schema, table: &str, from: &str, to: &str) {
    let rename = |columns: &mut Vec<String>| {
        for c in columns.iter_mut().filter(|c| *c == from) {
            *c = to.to_owned();
        }
    };
    for t in schema.tables.values_mut() {
        for fk in &mut t.foreign_keys {
            if fk.ref_table == table {
                rename(&mut fk.ref_columns);
            }
        }
        if t.name != table {
            continue;
        }
        if let Some(key) = &mut t.primary_key {
            rename(&mut key.columns);
        }
        for unique in &mut t.uniques {
            rename(&mut unique.columns);
        }
        for fk in &mut t.foreign_keys {
            rename(&mut fk.columns);
        }
        for index in &mut t.indexes {
            for part in &mut index.parts {
                match part {
                    IndexPart::Column(c) if c == from => *part = IndexPart::Column(to.to_owned()),
                    IndexPart::Expr(expr) => {
                        *expr = normalize::rename_in_expression(expr, from, to)
                    }
                    IndexPart::Column(_) => {}
                }
            }
            if let Some(predicate) = &mut index.predicate {
                *predicate = normalize::rename_in_expression(predicate, from, to);
            }
        }
        for check in &mut t.checks {
            check.expr = normalize::rename_in_expression(&check.expr, from, to);
        }
    }
}

pub(super) fn model_index(b: Backend, index: &ops::Index) -> Index {
    Index {
        name: index.name.as_str().to_owned(),
        unique: index.unique,
        parts: index
            .parts
            .iter()
            .map(|p| match p {
                ops::IndexPart::Column(c) => IndexPart::Column(c.clone()),
                ops::IndexPart::Expr(e) => IndexPart::Expr(normalize::expression(e)),
            })
            .collect(),
        predicate: index
            .partial
            .as_deref()
            .filter(|_| b != Backend::MySql)
            .map(normalize::expression),
        valid: true,
    }
}

/// Drops the names a database would have made up, as introspection does.
pub(super) fn forget_generated_names(b: Backend, t: &mut Table) {
    let table = t.name.clone();
    let forget = |name: &mut Option<String>, kind| {
        if name
            .as_deref()
            .is_some_and(|n| generated_name(b, &table, kind, n))
        {
            *name = None;
        }
    };
    if let Some(key) = &mut t.primary_key {
        forget(&mut key.name, ConstraintKind::PrimaryKey);
        if b == Backend::MySql {
            key.name = None;
        }
    }
    for unique in &mut t.uniques {
        forget(&mut unique.name, ConstraintKind::Unique);
    }
    for check in &mut t.checks {
        forget(&mut check.name, ConstraintKind::Check);
    }
    for fk in &mut t.foreign_keys {
        forget(&mut fk.name, ConstraintKind::ForeignKey);
    }
}

/// `columns` as the parts of an index over them.
pub(super) fn columns_as_parts(columns: &[String]) -> Vec<IndexPart> {
    columns.iter().cloned().map(IndexPart::Column).collect()
}
