//! The Rust form's batch: read the rows, call the function, write the
//! results back in the same transaction.

use super::{KeyColumn, Stop, Walk};
use crate::ops::{BackfillRow, Work};

impl Walk<'_> {
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
        let sql = self.backfill.select_rows(key, range);
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
        let keys: Vec<Vec<Option<String>>> =
            rows.iter().map(|row| row[..key.len()].to_vec()).collect();
        for (sql, values) in self.backfill.write_rows(key, &keys, results) {
            self.db
                .execute_bound(&sql, &values)
                .await
                .map_err(Stop::sql(&sql))?;
        }
        Ok(rows.len() as u64)
    }
}
