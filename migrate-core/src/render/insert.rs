//! `bulk_insert`: typed rows, bound as parameters.
//!
//! PostgreSQL receives all rows as one `jsonb` parameter, expanded by
//! `jsonb_populate_recordset` against the table's own row type, so every
//! value is parsed by the column's type (enums, uuids, dates included) and a
//! thousand rows are one round trip. MySQL and SQLite get multi-row `VALUES`
//! lists with one placeholder per value, split to stay under their parameter
//! limits.

use serde_json::{Map, Value};

use super::sql::{ident, idents};
use super::{Exec, Statement};
use crate::Backend;
use crate::ops::{Literal, Rows, literal_hex};

/// Stays under SQLite's 32,766 and MySQL's 65,535 placeholders.
const MAX_PARAMETERS: usize = 30_000;

pub(super) fn render(rows: &Rows, backend: Backend, op: usize) -> Result<Vec<Statement>, String> {
    if rows.columns.is_empty() {
        return Err("no columns; name them in `Rows::new(\"table\", [\"column\", ..])`".to_owned());
    }
    for (i, row) in rows.rows.iter().enumerate() {
        if row.len() != rows.columns.len() {
            return Err(format!(
                "row {} has {} values for {} columns",
                i + 1,
                row.len(),
                rows.columns.len()
            ));
        }
    }
    if rows.rows.is_empty() {
        return Ok(Vec::new());
    }
    let table = ident(backend, &rows.table);
    let columns = idents(backend, &rows.columns);
    let bound = |sql: String, values: Vec<Literal>| Statement {
        sql,
        op,
        exec: Exec::Bound(values),
        transactional: true,
    };
    if backend == Backend::Postgres {
        let objects = rows
            .rows
            .iter()
            .map(|row| {
                let object: Map<String, Value> = rows
                    .columns
                    .iter()
                    .zip(row)
                    .map(|(column, value)| (column.clone(), json(value)))
                    .collect();
                Value::Object(object)
            })
            .collect();
        // The table's row type, as the table itself resolves: `NULL::"money"`
        // would name the built-in type (`pg_catalog` comes first for types)
        // rather than a table called `money`. The subquery reads no row.
        let sql = format!(
            "INSERT INTO {table} ({columns}) SELECT {columns} FROM jsonb_populate_recordset((SELECT t FROM {table} AS t LIMIT 0), $1)"
        );
        return Ok(vec![bound(sql, vec![Literal::Json(Value::Array(objects))])]);
    }
    let per_statement = (MAX_PARAMETERS / rows.columns.len()).max(1);
    let placeholders = format!("({})", vec!["?"; rows.columns.len()].join(", "));
    Ok(rows
        .rows
        .chunks(per_statement)
        .map(|chunk| {
            let sql = format!(
                "INSERT INTO {table} ({columns}) VALUES {}",
                vec![placeholders.as_str(); chunk.len()].join(", ")
            );
            bound(sql, chunk.iter().flatten().cloned().collect())
        })
        .collect())
}

/// A value as `jsonb_populate_recordset` reads it: JSON scalars for numbers
/// and booleans, the type's text form for the rest.
pub(crate) fn json(value: &Literal) -> Value {
    match value {
        Literal::Null => Value::Null,
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Int(i) => Value::from(*i),
        // JSON has no NaN or infinities (serde_json would turn them into
        // null, silently): PostgreSQL's text forms, which float and numeric
        // columns parse.
        Literal::Float(f) if f.is_nan() => Value::String("NaN".to_owned()),
        Literal::Float(f) if f.is_infinite() => {
            Value::String(if *f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned())
        }
        Literal::Float(f) => Value::from(*f),
        Literal::String(s) => Value::String(s.clone()),
        Literal::Bytes(bytes) => Value::String(format!("\\x{}", literal_hex(bytes))),
        Literal::Json(v) => v.clone(),
        Literal::Timestamp(t) => Value::String(Literal::timestamp_text(*t, Backend::Postgres)),
    }
}
