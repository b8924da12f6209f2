//! The SQL of a backfill's batches, written at run time once the key and
//! its position are known: the key range of a batch, its bound, the row
//! estimate, and the Rust form's read and write. The walk
//! (`migrator::backfill`) decides what runs when; this writes it.

use super::sql::{self, ident};
use super::{BackfillSql, json_value};
use crate::Backend;
use crate::ops::{Literal, Work};

/// One key column, with whether its values are written as bare numbers.
#[derive(Debug, Clone)]
pub(crate) struct KeyColumn {
    pub(crate) name: String,
    pub(crate) integer: bool,
}

impl BackfillSql {
    fn ident(&self, name: &str) -> String {
        ident(self.backend, name)
    }

    /// The smallest and largest value of an integer key, as text.
    pub(crate) fn key_span(&self, column: &str) -> String {
        let column = self.ident(column);
        format!(
            "SELECT {}, {} FROM {}",
            sql::text_cast(self.backend, &format!("MIN({column})")),
            sql::text_cast(self.backend, &format!("MAX({column})")),
            self.table()
        )
    }

    /// The smallest value of a key column, as text.
    pub(crate) fn first_key(&self, column: &str) -> String {
        format!(
            "SELECT {} FROM {}",
            sql::text_cast(self.backend, &format!("MIN({})", self.ident(column))),
            self.table()
        )
    }

    /// A cheap count of the table's rows, as text: the planner's estimate
    /// (PostgreSQL, MySQL) or a count (SQLite).
    pub(crate) fn row_estimate(&self) -> String {
        let b = self.backend;
        match b {
            Backend::Postgres => format!(
                "SELECT CAST(CAST(reltuples AS bigint) AS text) FROM pg_class WHERE oid = to_regclass({})",
                sql::string(b, &self.table())
            ),
            Backend::MySql => format!(
                "SELECT CAST(table_rows AS CHAR) FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_name = {}",
                sql::string(b, &self.backfill.table)
            ),
            Backend::Sqlite => format!("SELECT CAST(COUNT(*) AS TEXT) FROM {}", self.table()),
        }
    }

    /// `key > last` (or `>=`, `<=`), as the backend optimises it: a row
    /// value on PostgreSQL and SQLite, the expanded form on MySQL.
    pub(crate) fn compare(&self, key: &[KeyColumn], values: &[String], op: &str) -> String {
        let backend = self.backend;
        let literal = |k: &KeyColumn, v: &str| {
            if k.integer && v.parse::<i64>().is_ok() {
                v.to_owned()
            } else {
                sql::string(backend, v)
            }
        };
        if key.len() == 1 {
            return format!(
                "{} {op} {}",
                self.ident(&key[0].name),
                literal(&key[0], &values[0])
            );
        }
        if backend != Backend::MySql {
            let columns: Vec<String> = key.iter().map(|k| self.ident(&k.name)).collect();
            let values: Vec<String> = key.iter().zip(values).map(|(k, v)| literal(k, v)).collect();
            return format!("({}) {op} ({})", columns.join(", "), values.join(", "));
        }
        // (a, b) > (x, y)  <=>  a > x OR (a = x AND b > y); the last column
        // carries `op`, the others are strict.
        let strict = &op[..1];
        let mut alternatives = Vec::new();
        for i in 0..key.len() {
            let mut parts: Vec<String> = (0..i)
                .map(|j| {
                    format!(
                        "{} = {}",
                        self.ident(&key[j].name),
                        literal(&key[j], &values[j])
                    )
                })
                .collect();
            let this_op = if i + 1 == key.len() { op } else { strict };
            parts.push(format!(
                "{} {this_op} {}",
                self.ident(&key[i].name),
                literal(&key[i], &values[i])
            ));
            alternatives.push(format!("({})", parts.join(" AND ")));
        }
        format!("({})", alternatives.join(" OR "))
    }

    /// The key columns as text (aliased: `ORDER BY "id"` would otherwise
    /// sort by the text the select list calls "id" on PostgreSQL), and the
    /// key order.
    fn key_list(&self, key: &[KeyColumn], descending: bool) -> (String, String) {
        let columns: Vec<String> = key
            .iter()
            .enumerate()
            .map(|(i, k)| {
                format!(
                    "{} AS key_{i}",
                    sql::text_cast(self.backend, &self.ident(&k.name))
                )
            })
            .collect();
        let order: Vec<String> = key
            .iter()
            .map(|k| {
                format!(
                    "{}{}",
                    self.ident(&k.name),
                    if descending { " DESC" } else { "" }
                )
            })
            .collect();
        (columns.join(", "), order.join(", "))
    }

    /// ` WHERE key > last`, or nothing from the start.
    fn after(&self, key: &[KeyColumn], last: Option<&[String]>) -> String {
        last.map(|l| format!(" WHERE {}", self.compare(key, l, ">")))
            .unwrap_or_default()
    }

    /// The key `size` rows after `last` (an index walk of `size` entries).
    pub(crate) fn bound(&self, key: &[KeyColumn], last: Option<&[String]>, size: u64) -> String {
        let (columns, order) = self.key_list(key, false);
        format!(
            "SELECT {columns} FROM {}{} ORDER BY {order} LIMIT 1 OFFSET {}",
            self.table(),
            self.after(key, last),
            size.saturating_sub(1)
        )
    }

    /// The table's last key after `last`, for the last, short batch.
    pub(crate) fn last_key(&self, key: &[KeyColumn], last: Option<&[String]>) -> String {
        let (columns, _) = self.key_list(key, false);
        let (_, descending) = self.key_list(key, true);
        format!(
            "SELECT {columns} FROM {}{} ORDER BY {descending} LIMIT 1",
            self.table(),
            self.after(key, last)
        )
    }

    /// The Rust form: `SELECT key, read FROM table WHERE <range> AND
    /// <pending> ORDER BY key`.
    pub(crate) fn select_rows(&self, key: &[KeyColumn], range: &str) -> String {
        let Work::Map { read, .. } = &self.backfill.work else {
            return String::new();
        };
        let (keys, order) = self.key_list(key, false);
        let columns: Vec<String> = read
            .iter()
            .enumerate()
            .map(|(i, c)| {
                format!(
                    "{} AS read_{i}",
                    sql::text_cast(self.backend, &self.ident(c))
                )
            })
            .collect();
        let mut conditions = vec![range.to_owned()];
        if let Some(pending) = &self.pending {
            conditions.push(format!("({pending})"));
        }
        format!(
            "SELECT {keys}, {} FROM {} WHERE {} ORDER BY {order}",
            columns.join(", "),
            self.table(),
            conditions.join(" AND ")
        )
    }

    /// The Rust form: the statements that write `results` back to the rows
    /// whose keys are `keys`, each with its bound values. PostgreSQL: one
    /// statement, every row as one `jsonb` parameter parsed by the table's
    /// own row type; elsewhere one `UPDATE` per row.
    pub(crate) fn write_rows(
        &self,
        key: &[KeyColumn],
        keys: &[Vec<Option<String>>],
        results: Vec<Vec<Literal>>,
    ) -> Vec<(String, Vec<Literal>)> {
        let Work::Map { write, .. } = &self.backfill.work else {
            return Vec::new();
        };
        let table = self.table();
        if self.backend == Backend::Postgres {
            let objects: Vec<serde_json::Value> = keys
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
                        object.insert(column.clone(), json_value(value));
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
            return vec![(sql, vec![Literal::Json(serde_json::Value::Array(objects))])];
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
        let key_literal = |k: &KeyColumn, v: &Option<String>| match v {
            Some(v) if k.integer => v
                .parse::<i64>()
                .map_or_else(|_| Literal::String(v.clone()), Literal::Int),
            Some(v) => Literal::String(v.clone()),
            None => Literal::Null,
        };
        keys.iter()
            .zip(results)
            .map(|(row, values)| {
                let mut bound = values;
                bound.extend(key.iter().zip(row).map(|(k, v)| key_literal(k, v)));
                (sql.clone(), bound)
            })
            .collect()
    }
}
