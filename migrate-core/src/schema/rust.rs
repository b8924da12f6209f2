//! Typed operations written back as the Rust that records them: what
//! `revision --autogenerate` puts in a migration file.
//!
//! Each operation becomes one `m.<builder>(..);` statement using only
//! `migrate_core::prelude`, so the file builds as it is; rustfmt lays it
//! out. User text (names, SQL, comments, values) is written as Rust string
//! literals with every special character escaped: data, never code.

use std::fmt::Write as _;

use crate::Backend;
use crate::ops::{
    AlterColumn, Column, ColumnDefault, ColumnType, Constraint, ConstraintKind, Dropped, Enum,
    ForeignKey, Index, IndexPart, Literal, Operation, RawSql, Table,
};

/// An operation the writer has no builder call for: a planner never makes
/// one, and a hand-written plan is not written back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("autogenerate cannot write `{0}` as Rust")]
pub struct Unwritable(pub String);

/// The statements that record `ops`, one per operation, each ending in `;`.
pub(crate) fn statements(ops: &[Operation]) -> Result<Vec<String>, Unwritable> {
    ops.iter().map(statement).collect()
}

/// A Rust string literal of `text`.
fn lit(text: &str) -> String {
    format!("{text:?}")
}

/// `["a", "b"]`.
fn list<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<String> = items.iter().map(|s| lit(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

fn backend(b: Backend) -> &'static str {
    match b {
        Backend::Postgres => "Backend::Postgres",
        Backend::MySql => "Backend::MySql",
        Backend::Sqlite => "Backend::Sqlite",
    }
}

/// The backends of an `m.only(..)`: `[Backend::MySql, Backend::Sqlite]`.
pub(crate) fn backends(list: &[Backend]) -> String {
    let names: Vec<&str> = list.iter().map(|b| backend(*b)).collect();
    format!("[{}]", names.join(", "))
}

fn statement(op: &Operation) -> Result<String, Unwritable> {
    Ok(match op {
        Operation::CreateTable(table) => format!("m.create_table({});", self::table(table)),
        Operation::DropTable { table, if_exists } => format!(
            "m.drop_table{}({});",
            if *if_exists { "_if_exists" } else { "" },
            dropped(table, self::table)
        ),
        Operation::RenameTable { from, to } => {
            format!("m.rename_table({}, {});", lit(from), lit(to))
        }
        Operation::AddColumn {
            table,
            column: c,
            if_not_exists,
        } => format!(
            "m.add_column{}({}, {});",
            if *if_not_exists { "_if_not_exists" } else { "" },
            lit(table),
            column(c)
        ),
        Operation::DropColumn { table, column: c } => {
            format!("m.drop_column({}, {});", lit(table), dropped(c, column))
        }
        Operation::AlterColumn(alter) => alter_column(alter),
        Operation::CreateIndex(i) => format!("m.create_index({});", index(i)),
        Operation::DropIndex {
            table,
            index: i,
            if_exists,
        } => format!(
            "m.drop_index{}({}, {});",
            if *if_exists { "_if_exists" } else { "" },
            lit(table),
            dropped(i, index)
        ),
        Operation::AddConstraint { table, constraint } => add_constraint(table, constraint),
        Operation::DropConstraint {
            table,
            constraint: c,
            if_exists,
        } => format!(
            "m.drop_constraint{}({}, {});",
            if *if_exists { "_if_exists" } else { "" },
            lit(table),
            dropped(c, self::constraint)
        ),
        Operation::CreateEnum(e) => format!("m.create_enum({});", enumeration(e)),
        Operation::DropEnum {
            definition,
            if_exists,
        } => format!(
            "m.drop_enum{}({});",
            if *if_exists { "_if_exists" } else { "" },
            dropped(definition, enumeration)
        ),
        Operation::AddEnumValue(add) => {
            let mut out = format!(
                "m.add_enum_value(AddEnumValue::new({}, {})",
                enumeration(&add.before),
                lit(&add.value)
            );
            for (table, c) in &add.columns {
                let _ = write!(out, ".column({}, {})", lit(table), column(c));
            }
            out.push_str(");");
            out
        }
        Operation::Execute(raw) if raw.effect.is_none() => {
            format!("m.execute({});", raw_sql(raw))
        }
        other => return Err(Unwritable(other.describe())),
    })
}

fn dropped<T>(d: &Dropped<T>, definition: impl Fn(&T) -> String) -> String {
    match d {
        Dropped::Name(name) => lit(name),
        Dropped::Definition(t) => definition(t),
    }
}

fn raw_sql(raw: &RawSql) -> String {
    let mut out = match &raw.any {
        Some(sql) => format!("RawSql::new({})", lit(sql)),
        None => String::from("RawSql::new(\"\")"),
    };
    let mut per_backend = raw.per_backend.iter();
    if raw.any.is_none()
        && let Some((b, sql)) = per_backend.next()
    {
        out = format!("RawSql::for_backend({}, {})", backend(*b), lit(sql));
    }
    for (b, sql) in per_backend {
        let _ = write!(out, ".or_for({}, {})", backend(*b), lit(sql));
    }
    if let Some(reverse) = &raw.reverse {
        let _ = write!(out, ".reverse_with({})", raw_sql(reverse));
    }
    if !raw.transactional {
        out.push_str(".outside_transaction()");
    }
    out
}

fn enumeration(e: &Enum) -> String {
    format!("Enum::new({}, {})", lit(&e.name), list(&e.values))
}

/// `ColumnType::..` as a value, for overrides and `set_type`.
fn column_type(ty: &ColumnType) -> String {
    match ty {
        ColumnType::SmallInteger => "ColumnType::SmallInteger".into(),
        ColumnType::Integer => "ColumnType::Integer".into(),
        ColumnType::BigInteger => "ColumnType::BigInteger".into(),
        ColumnType::Decimal { precision, scale } => {
            format!("ColumnType::Decimal {{ precision: {precision}, scale: {scale} }}")
        }
        ColumnType::Real => "ColumnType::Real".into(),
        ColumnType::Double => "ColumnType::Double".into(),
        ColumnType::String(n) => format!("ColumnType::String({n})"),
        ColumnType::Char(n) => format!("ColumnType::Char({n})"),
        ColumnType::Text => "ColumnType::Text".into(),
        ColumnType::Boolean => "ColumnType::Boolean".into(),
        ColumnType::Date => "ColumnType::Date".into(),
        ColumnType::Time => "ColumnType::Time".into(),
        ColumnType::Timestamp => "ColumnType::Timestamp".into(),
        ColumnType::TimestampTz => "ColumnType::TimestampTz".into(),
        ColumnType::Uuid => "ColumnType::Uuid".into(),
        ColumnType::Json => "ColumnType::Json".into(),
        ColumnType::Jsonb => "ColumnType::Jsonb".into(),
        ColumnType::Binary => "ColumnType::Binary".into(),
        ColumnType::Enum(e) => format!("ColumnType::Enum({})", enumeration(e)),
        ColumnType::Raw(sql) => format!("ColumnType::Raw({}.into())", lit(sql)),
    }
}

/// The builder call that gives a column `ty`: `.string(255)`.
fn type_method(ty: &ColumnType) -> String {
    match ty {
        ColumnType::SmallInteger => ".small_integer()".into(),
        ColumnType::Integer => ".integer()".into(),
        ColumnType::BigInteger => ".big_integer()".into(),
        ColumnType::Decimal { precision, scale } => format!(".decimal({precision}, {scale})"),
        ColumnType::Real => ".real()".into(),
        ColumnType::Double => ".double()".into(),
        ColumnType::String(n) => format!(".string({n})"),
        ColumnType::Char(n) => format!(".char({n})"),
        ColumnType::Text => ".text()".into(),
        ColumnType::Boolean => ".boolean()".into(),
        ColumnType::Date => ".date()".into(),
        ColumnType::Time => ".time()".into(),
        ColumnType::Timestamp => ".timestamp()".into(),
        ColumnType::TimestampTz => ".timestamptz()".into(),
        ColumnType::Uuid => ".uuid()".into(),
        ColumnType::Json => ".json()".into(),
        ColumnType::Jsonb => ".jsonb()".into(),
        ColumnType::Binary => ".binary()".into(),
        ColumnType::Enum(e) => format!(".enumeration({})", enumeration(e)),
        ColumnType::Raw(sql) => format!(".raw_type({})", lit(sql)),
    }
}

/// A literal as an argument of `.default(..)` / `.set_default(..)`.
fn literal(value: &Literal) -> String {
    match value {
        Literal::Null => "Literal::Null".into(),
        Literal::Bool(b) => b.to_string(),
        Literal::Int(i) if i32::try_from(*i).is_ok() => i.to_string(),
        Literal::Int(i) => format!("{i}_i64"),
        Literal::Float(f) => format!("{f:?}_f64"),
        Literal::String(s) => lit(s),
        Literal::Bytes(bytes) => format!("{bytes:?}.to_vec()"),
        Literal::Json(v) => format!("Literal::String({}.into())", lit(&v.to_string())),
        Literal::Timestamp(t) => lit(&t.to_rfc3339()),
    }
}

/// `.default(..)`, `.default_now()` or `.default_sql(..)`; `set` for
/// `AlterColumn`'s `set_default..`.
fn default(d: &ColumnDefault, set: bool) -> String {
    let prefix = if set { "set_default" } else { "default" };
    match d {
        ColumnDefault::Literal(value) => format!(".{prefix}({})", literal(value)),
        ColumnDefault::CurrentTimestamp => format!(".{prefix}_now()"),
        ColumnDefault::Expr(sql) => format!(".{prefix}_sql({})", lit(sql)),
    }
}

pub(crate) fn column(c: &Column) -> String {
    let mut out = format!("Column::new({})", lit(&c.name));
    if let Some(ty) = &c.ty {
        out.push_str(&type_method(ty));
    }
    for (b, ty) in &c.overrides {
        let _ = write!(out, ".type_for({}, {})", backend(*b), column_type(ty));
    }
    if c.nullable {
        out.push_str(".nullable()");
    }
    if c.primary_key {
        match c.key_names.as_ref().and_then(|k| k.primary_key.as_ref()) {
            Some(name) => {
                let _ = write!(out, ".primary_key_named({})", lit(name));
            }
            None => out.push_str(".primary_key()"),
        }
    }
    if c.auto_increment {
        out.push_str(".auto_increment()");
    }
    if c.unique {
        out.push_str(".unique()");
    }
    if let Some(d) = &c.default {
        out.push_str(&default(d, false));
    }
    if let Some((table, col)) = &c.references {
        let _ = write!(out, ".references({}, {})", lit(table), lit(col));
    }
    if let Some(text) = &c.comment {
        let _ = write!(out, ".comment({})", lit(text));
    }
    out
}

fn foreign_key(fk: &ForeignKey) -> String {
    let mut out = format!(
        "ForeignKey::new({}, {}, {}, {})",
        fk.name.code(),
        list(&fk.columns),
        lit(&fk.ref_table),
        list(&fk.ref_columns)
    );
    for (method, action) in [("on_delete", fk.on_delete), ("on_update", fk.on_update)] {
        if let Some(action) = action {
            let _ = write!(out, ".{method}(Action::{action:?})");
        }
    }
    out
}

fn constraint(c: &Constraint) -> String {
    let mut out = match &c.kind {
        ConstraintKind::PrimaryKey(columns) => {
            format!(
                "Constraint::primary_key({}, {})",
                c.name.code(),
                list(columns)
            )
        }
        ConstraintKind::Unique(columns) => {
            format!("Constraint::unique({}, {})", c.name.code(), list(columns))
        }
        ConstraintKind::Check(expr) => {
            format!("Constraint::check({}, {})", c.name.code(), lit(expr))
        }
        ConstraintKind::ForeignKey(fk) => format!("Constraint::from({})", foreign_key(fk)),
    };
    if c.not_valid {
        out.push_str(".not_valid()");
    }
    out
}

fn add_constraint(table: &str, c: &Constraint) -> String {
    if c.not_valid {
        return format!("m.add_constraint({}, {});", lit(table), constraint(c));
    }
    match &c.kind {
        ConstraintKind::Unique(columns) => format!(
            "m.create_unique_constraint({}, {}, {});",
            lit(table),
            c.name.code(),
            list(columns)
        ),
        ConstraintKind::Check(expr) => format!(
            "m.create_check_constraint({}, {}, {});",
            lit(table),
            c.name.code(),
            lit(expr)
        ),
        ConstraintKind::ForeignKey(fk) => {
            format!("m.create_foreign_key({}, {});", lit(table), foreign_key(fk))
        }
        ConstraintKind::PrimaryKey(columns) => format!(
            "m.create_primary_key({}, {}, {});",
            lit(table),
            c.name.code(),
            list(columns)
        ),
    }
}

pub(crate) fn table(t: &Table) -> String {
    let mut out = format!("Table::new({})", lit(&t.name));
    for c in &t.columns {
        let _ = write!(out, ".column({})", column(c));
    }
    if !t.primary_key.is_empty() {
        let _ = write!(out, ".primary_key({})", list(&t.primary_key));
    }
    for c in &t.constraints {
        match &c.kind {
            _ if c.not_valid => {
                let _ = write!(out, ".constraint({})", constraint(c));
            }
            ConstraintKind::Unique(columns) => {
                let _ = write!(out, ".unique({}, {})", c.name.code(), list(columns));
            }
            ConstraintKind::Check(expr) => {
                let _ = write!(out, ".check({}, {})", c.name.code(), lit(expr));
            }
            ConstraintKind::ForeignKey(fk) => {
                let _ = write!(out, ".foreign_key({})", foreign_key(fk));
            }
            ConstraintKind::PrimaryKey(_) => {
                let _ = write!(out, ".constraint({})", constraint(c));
            }
        }
    }
    if let Some(text) = &t.comment {
        let _ = write!(out, ".comment({})", lit(text));
    }
    if t.if_not_exists {
        out.push_str(".if_not_exists()");
    }
    out
}

fn index(i: &Index) -> String {
    let columns: Option<Vec<&str>> = i
        .parts
        .iter()
        .map(|p| match p {
            IndexPart::Column(c) => Some(c.as_str()),
            IndexPart::Expr(_) => None,
        })
        .collect();
    let mut out = match columns {
        Some(columns) => format!(
            "Index::new({}).on({}, {})",
            i.name.code(),
            lit(&i.table),
            list(&columns)
        ),
        None => {
            let mut out = format!("Index::new({}).table({})", i.name.code(), lit(&i.table));
            for part in &i.parts {
                match part {
                    IndexPart::Expr(sql) => {
                        let _ = write!(out, ".expr({})", lit(sql));
                    }
                    IndexPart::Column(c) => {
                        let _ = write!(out, ".column({})", lit(c));
                    }
                }
            }
            out
        }
    };
    if i.unique {
        out.push_str(".unique()");
    }
    if let Some(predicate) = &i.partial {
        let _ = write!(out, ".partial({})", lit(predicate));
    }
    if i.concurrently {
        out.push_str(".concurrently()");
    }
    if i.if_not_exists {
        out.push_str(".if_not_exists()");
    }
    out
}

fn alter_column(a: &AlterColumn) -> String {
    let only_rename = a.ty.is_none()
        && a.nullable.is_none()
        && a.default.is_none()
        && a.comment.is_none()
        && a.existing.is_none();
    if let (true, Some(to)) = (only_rename, &a.rename) {
        return format!(
            "m.rename_column({}, {}, {});",
            lit(&a.table),
            lit(&a.column),
            lit(to)
        );
    }
    let mut out = format!(
        "m.alter_column(AlterColumn::new({}, {})",
        lit(&a.table),
        lit(&a.column)
    );
    if let Some(ty) = &a.ty {
        let _ = write!(out, ".set_type({})", column_type(ty));
    }
    if let Some(using) = &a.using {
        let _ = write!(out, ".using({})", lit(using));
    }
    match a.nullable {
        Some(true) => out.push_str(".set_nullable()"),
        Some(false) => out.push_str(".set_not_null()"),
        None => {}
    }
    match &a.default {
        Some(Some(d)) => out.push_str(&default(d, true)),
        Some(None) => out.push_str(".drop_default()"),
        None => {}
    }
    if let Some(to) = &a.rename {
        let _ = write!(out, ".rename_to({})", lit(to));
    }
    match &a.comment {
        Some(Some(text)) => {
            let _ = write!(out, ".set_comment({})", lit(text));
        }
        Some(None) => out.push_str(".drop_comment()"),
        None => {}
    }
    if let Some(existing) = &a.existing {
        let _ = write!(out, ".existing({})", column(existing));
    }
    if let Some(reason) = &a.lossy_ok {
        let _ = write!(out, ".lossy_ok({})", lit(reason));
    }
    out.push_str(");");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A column among expressions stays a column: written as an expression
    /// it was `"b"`, PostgreSQL's quoting, which MySQL reads as a string.
    #[test]
    fn an_index_of_expressions_and_columns_keeps_its_columns() {
        let index = Index::new("ix_t_mixed")
            .table("t")
            .expr("lower(a)")
            .column("b");
        let written = statements(&[Operation::CreateIndex(index)]).unwrap();
        assert_eq!(
            written,
            [
                r#"m.create_index(Index::new("ix_t_mixed").table("t").expr("lower(a)").column("b"));"#
            ]
        );
    }
}
