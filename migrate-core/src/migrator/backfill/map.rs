//! The Rust form's batch: read the rows, call the function, write the
//! results back in the same transaction.

use super::{KeyColumn, Stop, Walk, text_cast};
use crate::Backend;
use crate::ops::{BackfillRow, Literal, Work};

impl Walk<'_> {
    /// `SELECT key, read FROM table WHERE <range> AND <pending> ORDER BY key`.
    pub(super) fn select_rows(&self, key: &[KeyColumn], range: &str) -> String {
        let Work::Map { read, .. } = &self.backfill.backfill.work else {
            return String::new();
        };
        let backend = self.backend();
        let (keys, order) = self.key_list(key, false);
        let columns: Vec<String> = read
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} AS read_{i}", text_cast(backend, &self.ident(c))))
            .collect();
        let mut conditions = vec![range.to_owned()];
        if let Some(pending) = &self.backfill.pending {
            conditions.push(format!("({pending})"));
        }
        format!(
            "SELECT {keys}, {} FROM {} WHERE {} ORDER BY {order}",
            columns.join(", "),
            self.backfill.table(),
            conditions.join(" AND ")
        )
    }

    /// The Rust form's batch: reads the rows, calls the function, writes
    /// the results back. Returns the rows written.
    pub(super) async fn map_batch(&mut self, key: &[KeyColumn], range: &str) -> Result<u64, Stop> {
        let Work::Map {
            read,
            write,
            function,
        } = &self.backfill.backfill.work
        else {
            return Ok(0);
        };
        let sql = self.select_rows(key, range);
        let rows = self.db.fetch_text(&sql).await.map_err(Stop::sql(&sql))?;
        let columns: Vec<String> = key
            .iter()
            .map(|k| k.name.clone())
            .chain(read.iter().cloned())
            .collect();
        let mut results = Vec::with_capacity(rows.len());
        for row in &rows {
            let view = BackfillRow {
                columns: &columns,
                values: row,
            };
            let key_text = || {
                format!(
                    "({})",
                    row[..key.len()]
                        .iter()
                        .map(|v| v.clone().unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let values = (function.0)(&view).map_err(|e| Stop::Row {
                key: key_text(),
                why: e.to_string(),
            })?;
            if values.len() != write.len() {
                return Err(Stop::Row {
                    key: key_text(),
                    why: format!(
                        "the function returned {} value(s) for {} column(s) ({})",
                        values.len(),
                        write.len(),
                        write.join(", ")
                    ),
                });
            }
            results.push(values);
        }
        if results.is_empty() {
            return Ok(0);
        }
        let backend = self.backend();
        let table = self.backfill.table();
        let key_literal = |k: &KeyColumn, v: &Option<String>| match v {
            Some(v) if k.integer => v
                .parse::<i64>()
                .map_or_else(|_| Literal::String(v.clone()), Literal::Int),
            Some(v) => Literal::String(v.clone()),
            None => Literal::Null,
        };
        if backend == Backend::Postgres {
            // One statement: every row as one jsonb parameter, parsed by the
            // table's own row type.
            let objects: Vec<serde_json::Value> = rows
                .iter()
                .zip(&results)
                .map(|(row, values)| {
                    let mut object = serde_json::Map::new();
                    for (k, v) in key.iter().zip(row) {
                        object.insert(
                            k.name.clone(),
                            v.clone()
                                .map_or(serde_json::Value::Null, serde_json::Value::String),
                        );
                    }
                    for (column, value) in write.iter().zip(values) {
                        object.insert(column.clone(), crate::render::json_value(value));
                    }
                    serde_json::Value::Object(object)
                })
                .collect();
            let set: Vec<String> = write
                .iter()
                .map(|c| format!("{} = v.{}", self.ident(c), self.ident(c)))
                .collect();
            let matches: Vec<String> = key
                .iter()
                .map(|k| format!("t.{} = v.{}", self.ident(&k.name), self.ident(&k.name)))
                .collect();
            let sql = format!(
                "UPDATE {table} AS t SET {} FROM jsonb_populate_recordset((SELECT r FROM {table} AS r LIMIT 0), $1) AS v WHERE {}",
                set.join(", "),
                matches.join(" AND ")
            );
            return self
                .db
                .execute_bound(&sql, &[Literal::Json(serde_json::Value::Array(objects))])
                .await
                .map(|()| results.len() as u64)
                .map_err(Stop::sql(&sql));
        }
        let set: Vec<String> = write
            .iter()
            .map(|c| format!("{} = ?", self.ident(c)))
            .collect();
        let matches: Vec<String> = key
            .iter()
            .map(|k| format!("{} = ?", self.ident(&k.name)))
            .collect();
        let sql = format!(
            "UPDATE {table} SET {} WHERE {}",
            set.join(", "),
            matches.join(" AND ")
        );
        for (row, values) in rows.iter().zip(results) {
            let mut bound = values;
            bound.extend(key.iter().zip(row).map(|(k, v)| key_literal(k, v)));
            self.db
                .execute_bound(&sql, &bound)
                .await
                .map_err(Stop::sql(&sql))?;
        }
        Ok(rows.len() as u64)
    }
}
