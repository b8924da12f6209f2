//! The pieces every statement is made of, per backend: quoted identifiers,
//! escaped literals, native types and column definitions.
//!
//! Identifiers are always quoted, with the quote character doubled inside, so
//! a name can hold any character without changing the statement. Literals are
//! escaped the same way sea-query does it. SQL expressions that the user
//! writes on purpose (checks, defaults, predicates) are the only text written
//! as-is.

use std::fmt::Write as _;

use crate::Backend;
use crate::ops::{Column, ColumnDefault, ColumnType, Constraint, ConstraintKind, Literal};

/// `name`, quoted for `backend`.
pub(crate) fn ident(backend: Backend, name: &str) -> String {
    let quote = match backend {
        Backend::MySql => '`',
        Backend::Postgres | Backend::Sqlite => '"',
    };
    // One allocation: every plan re-rendered by `status` quotes each name.
    let mut out = String::with_capacity(name.len() + 2);
    out.push(quote);
    for c in name.chars() {
        if c == quote {
            out.push(quote);
        }
        out.push(c);
    }
    out.push(quote);
    out
}

/// A comma-separated list of quoted identifiers.
pub(crate) fn idents(backend: Backend, names: &[String]) -> String {
    names
        .iter()
        .map(|n| ident(backend, n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The query that lists which of `names` are tables in the schemas an
/// unqualified name resolves through (PostgreSQL's search path, MySQL's
/// database, SQLite's main schema), one name per row.
pub(crate) fn tables_named(backend: Backend, names: &[&str]) -> String {
    let names: Vec<String> = names.iter().map(|n| string(backend, n)).collect();
    let names = names.join(", ");
    match backend {
        Backend::Postgres => format!(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relname IN ({names}) AND c.relkind IN ('r', 'p') \
             AND n.nspname = ANY (current_schemas(false))"
        ),
        Backend::MySql => format!(
            "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name IN ({names})"
        ),
        Backend::Sqlite => {
            format!("SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ({names})")
        }
    }
}

/// `expr` read as text, as every backend's driver reads a text column.
pub(crate) fn text_cast(backend: Backend, expr: &str) -> String {
    match backend {
        Backend::Postgres => format!("CAST({expr} AS text)"),
        Backend::MySql => format!("CAST({expr} AS CHAR)"),
        Backend::Sqlite => format!("CAST({expr} AS TEXT)"),
    }
}

/// A string literal. MySQL also treats backslashes as escapes (unless
/// `NO_BACKSLASH_ESCAPES` is set, which we do not support in DDL literals).
pub(crate) fn string(backend: Backend, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' if backend == Backend::MySql => out.push_str("\\\\"),
            '\0' if backend == Backend::MySql => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A literal value written into DDL (a default).
pub(crate) fn literal(backend: Backend, value: &Literal) -> String {
    match value {
        Literal::Null => "NULL".to_owned(),
        Literal::Bool(b) => match (backend, b) {
            (Backend::Postgres, true) => "TRUE".to_owned(),
            (Backend::Postgres, false) => "FALSE".to_owned(),
            (_, true) => "1".to_owned(),
            (_, false) => "0".to_owned(),
        },
        Literal::Int(i) => i.to_string(),
        // `{f:?}` prints `NaN` and `inf`, which PostgreSQL reads as column
        // names; its quoted text forms are cast to the column's type. MySQL
        // has no such values and SQLite no literal for them: the database
        // refuses what is printed.
        Literal::Float(f) if backend == Backend::Postgres && !f.is_finite() => {
            let text = match (f.is_nan(), *f > 0.0) {
                (true, _) => "NaN",
                (false, true) => "Infinity",
                (false, false) => "-Infinity",
            };
            format!("'{text}'")
        }
        // SQLite reads `inf` as a column name or text; an out-of-range
        // literal is its infinity. NaN has no literal and is stored as NULL.
        Literal::Float(f) if backend == Backend::Sqlite && !f.is_finite() => {
            match (f.is_nan(), *f > 0.0) {
                (true, _) => "NULL".to_owned(),
                (false, true) => "9e999".to_owned(),
                (false, false) => "-9e999".to_owned(),
            }
        }
        Literal::Float(f) => format!("{f:?}"),
        Literal::String(s) => string(backend, s),
        Literal::Bytes(bytes) => {
            let hex = crate::ops::literal_hex(bytes);
            match backend {
                Backend::Postgres => format!("'\\x{hex}'::bytea"),
                Backend::MySql | Backend::Sqlite => format!("X'{hex}'"),
            }
        }
        Literal::Json(value) => string(backend, &value.to_string()),
        Literal::Timestamp(t) => string(backend, &Literal::timestamp_text(*t, backend)),
    }
}

/// The native type of `ty` on `backend`; the table in `docs/operations.md`
/// documents the same mapping.
pub(crate) fn column_type(backend: Backend, ty: &ColumnType) -> String {
    use Backend::{MySql, Postgres, Sqlite};
    use ColumnType as T;
    match (ty, backend) {
        (T::SmallInteger, _) => "smallint".to_owned(),
        (T::Integer, MySql) => "int".to_owned(),
        (T::Integer, _) => "integer".to_owned(),
        (T::BigInteger, _) => "bigint".to_owned(),
        (T::Decimal { precision, scale }, MySql) => format!("decimal({precision}, {scale})"),
        (T::Decimal { precision, scale }, _) => format!("numeric({precision}, {scale})"),
        (T::Real, MySql) => "float".to_owned(),
        (T::Real, _) => "real".to_owned(),
        (T::Double, Postgres) => "double precision".to_owned(),
        (T::Double, _) => "double".to_owned(),
        (T::String(n), _) => format!("varchar({n})"),
        (T::Char(n), _) => format!("char({n})"),
        (T::Text, _) => "text".to_owned(),
        (T::Boolean, _) => "boolean".to_owned(),
        (T::Date, _) => "date".to_owned(),
        (T::Time, MySql) => "time(6)".to_owned(),
        (T::Time, _) => "time".to_owned(),
        (T::Timestamp, MySql) => "datetime(6)".to_owned(),
        (T::Timestamp, _) => "timestamp".to_owned(),
        (T::TimestampTz, MySql) => "timestamp(6)".to_owned(),
        (T::TimestampTz, _) => "timestamptz".to_owned(),
        (T::Uuid, Postgres) => "uuid".to_owned(),
        (T::Uuid, _) => "char(36)".to_owned(),
        (T::Json, Sqlite) | (T::Jsonb, Sqlite) => "text".to_owned(),
        (T::Json, _) => "json".to_owned(),
        (T::Jsonb, Postgres) => "jsonb".to_owned(),
        (T::Jsonb, MySql) => "json".to_owned(),
        (T::Binary, Postgres) => "bytea".to_owned(),
        (T::Binary, MySql) => "longblob".to_owned(),
        (T::Binary, Sqlite) => "blob".to_owned(),
        (T::Enum(e), Postgres) => ident(backend, &e.name),
        (T::Enum(e), MySql) => {
            let values: Vec<String> = e.values.iter().map(|v| string(backend, v)).collect();
            format!("ENUM({})", values.join(", "))
        }
        (T::Enum(_), Sqlite) => "text".to_owned(),
        (T::Raw(sql), _) => sql.clone(),
    }
}

/// Where a column definition is written; a few clauses differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnContext {
    /// In `CREATE TABLE` or `ADD COLUMN`: everything, the primary key inline
    /// when it is the table's only key column.
    Define { inline_primary_key: bool },
    /// In MySQL's `MODIFY`/`CHANGE COLUMN`: the keys stay where they are.
    Restate,
}

/// `"name" type [identity] NOT NULL [DEFAULT ..] [PRIMARY KEY] [UNIQUE] ...`.
pub(crate) fn column_def(
    backend: Backend,
    column: &Column,
    ty: &ColumnType,
    context: ColumnContext,
) -> String {
    let mut sql = ident(backend, &column.name);
    let sqlite_autoincrement = backend == Backend::Sqlite && column.auto_increment;
    if sqlite_autoincrement {
        // Only `INTEGER PRIMARY KEY` aliases the rowid and may autoincrement.
        sql.push_str(" integer");
    } else {
        let _ = write!(sql, " {}", column_type(backend, ty));
    }
    if column.auto_increment {
        match backend {
            Backend::Postgres => sql.push_str(" GENERATED BY DEFAULT AS IDENTITY"),
            Backend::MySql => sql.push_str(" AUTO_INCREMENT"),
            Backend::Sqlite => {}
        }
    }
    sql.push_str(if column.nullable {
        " NULL"
    } else {
        " NOT NULL"
    });
    if let Some(default) = &column.default {
        let _ = write!(sql, " DEFAULT {}", default_sql(backend, default, ty));
    }
    let inline_pk = matches!(
        context,
        ColumnContext::Define {
            inline_primary_key: true
        }
    );
    if inline_pk {
        // MySQL names every primary key `PRIMARY`.
        if let (Some(name), false) = (column.pk_name(), backend == Backend::MySql) {
            let _ = write!(sql, " CONSTRAINT {}", ident(backend, name));
        }
        sql.push_str(" PRIMARY KEY");
        if sqlite_autoincrement {
            sql.push_str(" AUTOINCREMENT");
        }
    }
    if column.unique && context != ColumnContext::Restate {
        sql.push_str(" UNIQUE");
    }
    if let (ColumnType::Enum(e), Backend::Sqlite) = (ty, backend) {
        let values: Vec<String> = e.values.iter().map(|v| string(backend, v)).collect();
        let _ = write!(
            sql,
            " CHECK ({} IN ({}))",
            ident(backend, &column.name),
            values.join(", ")
        );
    }
    if let (Some(comment), Backend::MySql) = (&column.comment, backend) {
        let _ = write!(sql, " COMMENT {}", string(backend, comment));
    }
    sql
}

/// A default value or expression.
pub(crate) fn default_sql(backend: Backend, default: &ColumnDefault, ty: &ColumnType) -> String {
    match default {
        // MySQL 8 takes a literal default on a text, blob or json column only
        // as an expression (MariaDB takes both).
        ColumnDefault::Literal(value)
            if backend == Backend::MySql
                && !matches!(value, Literal::Null)
                && matches!(
                    ty,
                    ColumnType::Text | ColumnType::Binary | ColumnType::Json | ColumnType::Jsonb
                ) =>
        {
            format!("({})", literal(backend, value))
        }
        ColumnDefault::Literal(value) => literal(backend, value),
        ColumnDefault::CurrentTimestamp => match (backend, ty) {
            // MySQL wants the default's precision to match the column's.
            (Backend::MySql, ColumnType::Timestamp | ColumnType::TimestampTz) => {
                "CURRENT_TIMESTAMP(6)".to_owned()
            }
            _ => "CURRENT_TIMESTAMP".to_owned(),
        },
        ColumnDefault::Expr(expr) => match backend {
            Backend::Postgres => expr.clone(),
            // MySQL 8 and SQLite take an expression default only in
            // parentheses.
            Backend::MySql | Backend::Sqlite => format!("({expr})"),
        },
    }
}

/// `CONSTRAINT name ...` as a table constraint; without `CONSTRAINT name`
/// when the backend names it.
pub(crate) fn constraint_def(backend: Backend, constraint: &Constraint) -> String {
    let name = match constraint.name.as_str() {
        "" => String::new(),
        // MySQL's own name for every primary key, which it refuses to be given.
        name if backend == Backend::MySql && name.eq_ignore_ascii_case("PRIMARY") => String::new(),
        name => format!("CONSTRAINT {} ", ident(backend, name)),
    };
    match &constraint.kind {
        ConstraintKind::PrimaryKey(columns) => {
            format!("{name}PRIMARY KEY ({})", idents(backend, columns))
        }
        ConstraintKind::Unique(columns) => {
            format!("{name}UNIQUE ({})", idents(backend, columns))
        }
        ConstraintKind::Check(expr) => format!("{name}CHECK ({expr})"),
        ConstraintKind::ForeignKey(fk) => {
            let mut sql = format!(
                "{name}FOREIGN KEY ({}) REFERENCES {} ({})",
                idents(backend, &fk.columns),
                ident(backend, &fk.ref_table),
                idents(backend, &fk.ref_columns),
            );
            if let Some(action) = fk.on_delete {
                let _ = write!(sql, " ON DELETE {}", action.sql());
            }
            if let Some(action) = fk.on_update {
                let _ = write!(sql, " ON UPDATE {}", action.sql());
            }
            sql
        }
    }
}

/// PostgreSQL: the `SET LOCAL`s a step's transaction starts with, so that
/// its statements wait at most `lock` for a table lock and (a transaction
/// of schema changes only) run at most `statement`.
pub(crate) fn transaction_timeouts(
    lock: Option<std::time::Duration>,
    statement: Option<std::time::Duration>,
) -> Vec<String> {
    let set = |name: &str, d: std::time::Duration| {
        format!("SET LOCAL {name} = '{}ms'", d.as_millis().max(1))
    };
    lock.map(|d| set("lock_timeout", d))
        .into_iter()
        .chain(statement.map(|d| set("statement_timeout", d)))
        .collect()
}

/// MySQL: how long each DDL statement of a step waits for its metadata
/// lock, in whole seconds (at least one; the server's default of a year
/// for `None`).
pub(crate) fn mysql_lock_wait(lock: Option<std::time::Duration>) -> String {
    let seconds = lock.map_or(31_536_000, |d| d.as_secs_f64().ceil().max(1.0) as u64);
    format!("SET SESSION lock_wait_timeout = {seconds}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_doubled_in_identifiers_and_strings() {
        assert_eq!(ident(Backend::Postgres, r#"a"b"#), r#""a""b""#);
        assert_eq!(ident(Backend::MySql, "a`b"), "`a``b`");
        assert_eq!(string(Backend::Sqlite, "it's"), "'it''s'");
        assert_eq!(string(Backend::MySql, r"back\'slash"), r"'back\\''slash'");
        assert_eq!(string(Backend::Postgres, r"back\slash"), r"'back\slash'");
    }
}
