//! What is checked before the first batch: the table, its key, the columns
//! and the values, then the batch statement itself over no row.

use super::{KeyColumn, Stop, Walk};
use crate::Backend;
use crate::ops::Work;
use crate::schema::{self, SqlType};

impl Walk<'_> {
    /// Checks the table, its key, the columns and the values before any
    /// batch, and returns the key to walk.
    pub(super) async fn check(&mut self) -> Result<Vec<KeyColumn>, Stop> {
        let schema = schema::snapshot(self.db)
            .await
            .map_err(|e| Stop::Invalid(format!("could not read the schema: {e}")))?;
        let backfill = &self.backfill.backfill;
        let Some(table) = schema.table(&backfill.table) else {
            return Err(Stop::Invalid(format!(
                "table `{}` does not exist",
                backfill.table
            )));
        };
        let key = choose_key(table, &backfill.key)?;
        let mut named: Vec<&str> = backfill.written();
        if let Work::Map { read, .. } = &backfill.work {
            named.extend(read.iter().map(String::as_str));
        }
        let unknown: Vec<&str> = named
            .iter()
            .copied()
            .filter(|c| table.column(c).is_none())
            .collect();
        if !unknown.is_empty() {
            return Err(Stop::Invalid(format!(
                "table `{}` has no column {} (it has {})",
                table.name,
                unknown
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                table
                    .columns
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if let Work::Set(sets) = &backfill.work {
            for (column, value) in sets {
                if let (Some(column), sea_query::SimpleExpr::Value(value)) =
                    (table.column(column), value)
                {
                    if let Some(why) = mismatch(self.backend(), column, value) {
                        return Err(Stop::Invalid(why));
                    }
                }
            }
        }
        self.probe(&key).await?;
        Ok(key)
    }

    /// Runs the batch statement over no row, so that the database checks
    /// its columns, functions and types before the first batch.
    pub(super) async fn probe(&mut self, key: &[KeyColumn]) -> Result<(), Stop> {
        let sql = match &self.backfill.backfill.work {
            Work::Set(_) => self.backfill.update(Some("1 = 0")),
            Work::Map { .. } => self.backfill.select_rows(key, "1 = 0"),
        };
        self.db.begin().await.map_err(Stop::sql("BEGIN"))?;
        let result = self.db.execute(&sql).await;
        let _ = self.db.rollback().await;
        result.map_err(|e| {
            let message = e
                .as_database_error()
                .map(|d| d.message().to_owned())
                .unwrap_or_else(|| e.to_string());
            Stop::Invalid(format!(
                "the database refuses its statement: {message}\n  sql: {sql}"
            ))
        })
    }
}

/// The key to walk: the one named, or the primary key, or a unique key of
/// `NOT NULL` columns.
fn choose_key(table: &schema::Table, named: &[String]) -> Result<Vec<KeyColumn>, Stop> {
    let not_null = |columns: &[String]| {
        columns
            .iter()
            .all(|c| table.column(c).is_some_and(|c| !c.nullable))
    };
    let mut candidates: Vec<Vec<String>> = Vec::new();
    if let Some(pk) = &table.primary_key {
        candidates.push(pk.columns.clone());
    }
    candidates.extend(table.uniques.iter().map(|u| u.columns.clone()));
    candidates.extend(
        table
            .indexes
            .iter()
            .filter(|i| i.unique && i.valid && i.predicate.is_none())
            .filter_map(|i| {
                i.parts
                    .iter()
                    .map(|p| match p {
                        schema::IndexPart::Column(c) => Some(c.clone()),
                        schema::IndexPart::Expr(_) => None,
                    })
                    .collect::<Option<Vec<String>>>()
            }),
    );
    let chosen = if named.is_empty() {
        candidates.into_iter().find(|c| not_null(c)).ok_or_else(|| {
            Stop::Invalid(format!(
                "table `{}` has no primary key and no unique key of NOT NULL columns to walk in batches; add one (e.g. `m.create_primary_key(..)` in an earlier migration), or name one with `.key([..])`",
                table.name
            ))
        })?
    } else {
        if let Some(missing) = named.iter().find(|c| table.column(c).is_none()) {
            return Err(Stop::Invalid(format!(
                "key column `{missing}` is not a column of `{}`",
                table.name
            )));
        }
        let mut sorted = named.to_vec();
        sorted.sort();
        let unique = candidates.iter().any(|c| {
            let mut c = c.clone();
            c.sort();
            c == sorted
        });
        if !unique || !not_null(named) {
            return Err(Stop::Invalid(format!(
                "the key ({}) of `{}` must be the primary key or a unique key of NOT NULL columns, so that batches neither skip nor repeat rows",
                named.join(", "),
                table.name
            )));
        }
        named.to_vec()
    };
    Ok(chosen
        .into_iter()
        .map(|name| {
            let integer = table.column(&name).is_some_and(|c| c.ty.is_integer());
            KeyColumn { name, integer }
        })
        .collect())
}

/// Why a value cannot go into a column, when that can be told before
/// running anything.
fn mismatch(backend: Backend, column: &schema::Column, value: &sea_query::Value) -> Option<String> {
    use sea_query::Value as V;
    let numeric = column.ty.is_numeric();
    let shown = |v: &str| {
        format!(
            "value {v} cannot be stored in column `{}` ({})",
            column.name, column.ty
        )
    };
    match value {
        V::String(None) | V::Int(None) | V::BigInt(None) | V::Bool(None) | V::Double(None)
            if !column.nullable =>
        {
            Some(format!(
                "column `{}` is NOT NULL and would be set to NULL",
                column.name
            ))
        }
        V::String(Some(s)) => {
            let text = s.as_str();
            let bad = (numeric && text.trim().parse::<f64>().is_err())
                || (column.ty == SqlType::Boolean
                    && !["t", "f", "true", "false", "1", "0"]
                        .contains(&text.to_ascii_lowercase().as_str()))
                || (matches!(column.ty, SqlType::Json | SqlType::Jsonb)
                    && serde_json::from_str::<serde_json::Value>(text).is_err())
                || (backend != Backend::Sqlite
                    && matches!(column.ty, SqlType::VarChar(Some(n)) | SqlType::Char(Some(n)) if text.chars().count() > n as usize));
            bad.then(|| shown(&format!("{text:?}")))
        }
        V::TinyInt(Some(_))
        | V::SmallInt(Some(_))
        | V::Int(Some(_))
        | V::BigInt(Some(_))
        | V::TinyUnsigned(Some(_))
        | V::SmallUnsigned(Some(_))
        | V::Unsigned(Some(_))
        | V::BigUnsigned(Some(_))
        | V::Float(Some(_))
        | V::Double(Some(_)) => {
            let bad = matches!(
                column.ty,
                SqlType::Date
                    | SqlType::Time
                    | SqlType::Timestamp
                    | SqlType::TimestampTz
                    | SqlType::Uuid
                    | SqlType::Binary
                    | SqlType::Json
                    | SqlType::Jsonb
            ) || (backend == Backend::Postgres && column.ty == SqlType::Boolean);
            bad.then(|| shown("a number"))
        }
        V::Bool(Some(_)) => {
            let bad = !(column.ty == SqlType::Boolean
                || (backend != Backend::Postgres && numeric)
                || matches!(
                    column.ty,
                    SqlType::Text | SqlType::VarChar(_) | SqlType::Char(_)
                ));
            bad.then(|| shown("a boolean"))
        }
        _ => None,
    }
}
