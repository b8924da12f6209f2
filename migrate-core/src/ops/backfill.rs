//! Batched data changes: a backfill walks a table by its key, one batch per
//! transaction, and remembers where it stopped.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use sea_query::{Expr, SimpleExpr};

use super::constraint::strings;
use super::{IntoRow, Literal};

/// What a backfill's Rust function returns when it cannot transform a row.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// A batched `UPDATE` of every row that still needs work, walking the
/// table's primary key (or a unique `NOT NULL` key) in key ranges, one
/// transaction per batch. Progress is stored in the database, so a run
/// that is killed continues where it stopped.
///
/// The declarative form sets columns to values or SQL expressions:
///
/// ```
/// use migrate_core::prelude::*;
///
/// let mut m = Migration::new();
/// m.add_column("users", Column::new("locale").string(8).nullable());
/// m.backfill(
///     Backfill::new("users")
///         .set("locale", "en")
///         .pending(Expr::col(Alias::new("locale")).is_null()),
/// );
/// m.alter_column(AlterColumn::new("users", "locale").set_not_null());
/// ```
///
/// The Rust form reads columns, transforms them in Rust and writes the
/// results back in the same batch ([`Backfill::map`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Backfill {
    pub(crate) table: String,
    pub(crate) work: Work,
    pub(crate) pending: Option<SimpleExpr>,
    pub(crate) key: Vec<String>,
    pub(crate) batch: BatchSize,
    pub(crate) pause: Duration,
    pub(crate) max_rows: Option<u64>,
    pub(crate) reverse: Option<Box<Backfill>>,
}

/// What a backfill does to each row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Work {
    /// `SET column = expression, ...`.
    Set(Vec<(String, SimpleExpr)>),
    /// Reads `read`, calls the function, writes `write`.
    Map {
        read: Vec<String>,
        write: Vec<String>,
        function: MapFn,
    },
}

/// How many rows a batch covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchSize {
    /// The first batch's size (every batch's, without a target).
    pub(crate) rows: u64,
    /// The smallest size the target may shrink it to.
    pub(crate) min: u64,
    /// The largest size the target may grow it to.
    pub(crate) max: u64,
    /// The wall time each batch should take; the size adapts toward it.
    pub(crate) target: Option<Duration>,
}

impl Default for BatchSize {
    fn default() -> Self {
        Self {
            rows: 1_000,
            min: 100,
            max: 100_000,
            target: Some(Duration::from_millis(250)),
        }
    }
}

impl BatchSize {
    /// The next batch's size, after one of `rows` rows took `took`.
    pub(crate) fn next(&self, rows: u64, took: Duration) -> u64 {
        let Some(target) = self.target else {
            return rows;
        };
        let took = took.as_secs_f64().max(0.000_1);
        // At most halve or double at once: one slow batch (a checkpoint, a
        // lock wait) should not swing the size.
        let factor = (target.as_secs_f64() / took).clamp(0.5, 2.0);
        ((rows as f64 * factor) as u64).clamp(self.min, self.max)
    }
}

/// The Rust function of a [`Backfill::map`]: one row in, the written
/// columns' values out.
#[derive(Clone)]
pub(crate) struct MapFn(pub(crate) Arc<MapFunction>);

type MapFunction = dyn Fn(&BackfillRow<'_>) -> Result<Vec<Literal>, BoxError> + Send + Sync;

impl fmt::Debug for MapFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<fn>")
    }
}

/// Two plans hold the same function when they hold the same closure.
impl PartialEq for MapFn {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Backfill {
    /// A backfill of `table` with nothing set yet: add [`set`](Self::set)s.
    pub fn new(table: impl Into<String>) -> Self {
        Self {
            table: table.into(),
            work: Work::Set(Vec::new()),
            pending: None,
            key: Vec::new(),
            batch: BatchSize::default(),
            pause: Duration::ZERO,
            max_rows: None,
            reverse: None,
        }
    }

    /// A backfill that reads the columns `read` of each row, calls
    /// `function` and writes what it returns to the columns `write` (one
    /// value per column, in order), batch by batch. Use it for what SQL
    /// cannot say: parsing, a call into your own code.
    ///
    /// The function sees the rows that match [`pending`](Self::pending);
    /// an error stops the backfill at that row, naming its key, with the
    /// batches before it kept.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// let mut m = Migration::new();
    /// m.backfill(
    ///     Backfill::map("products", ["price"], ["price_cents"], |row| {
    ///         let price: String = row.get("price")?;
    ///         let cents = (price.trim_start_matches('$').parse::<f64>()? * 100.0).round() as i64;
    ///         Ok(cents)
    ///     })
    ///     .pending_sql("price_cents IS NULL"),
    /// );
    /// ```
    pub fn map<R, W, F, T>(table: impl Into<String>, read: R, write: W, function: F) -> Self
    where
        R: IntoIterator,
        R::Item: Into<String>,
        W: IntoIterator,
        W::Item: Into<String>,
        F: Fn(&BackfillRow<'_>) -> Result<T, BoxError> + Send + Sync + 'static,
        T: IntoRow,
    {
        Self {
            work: Work::Map {
                read: strings(read),
                write: strings(write),
                function: MapFn(Arc::new(move |row: &BackfillRow<'_>| {
                    function(row).map(IntoRow::into_row)
                })),
            },
            ..Self::new(table)
        }
    }

    /// Sets `column` to `value`: a typed value (`"en"`, `0`, `true`) or a
    /// sea-query expression (`Expr::col(Alias::new("name")).add(1)`).
    pub fn set(mut self, column: impl Into<String>, value: impl Into<SimpleExpr>) -> Self {
        if let Work::Set(sets) = &mut self.work {
            sets.push((column.into(), value.into()));
        }
        self
    }

    /// Sets `column` to an SQL expression, written as-is (`lower(email)`).
    pub fn set_sql(self, column: impl Into<String>, sql: impl Into<String>) -> Self {
        self.set(column, Expr::cust(sql.into()))
    }

    /// Which rows still need work, as a sea-query condition
    /// (`Expr::col(Alias::new("locale")).is_null()`). Only those are
    /// updated, so a batch that runs twice changes nothing the second
    /// time. Without it every row is updated.
    pub fn pending(mut self, condition: impl Into<SimpleExpr>) -> Self {
        self.pending = Some(condition.into());
        self
    }

    /// Which rows still need work, as SQL written as-is (`locale IS NULL`).
    pub fn pending_sql(self, sql: impl Into<String>) -> Self {
        self.pending(Expr::cust(sql.into()))
    }

    /// Walks these columns instead of the primary key: they must form a
    /// unique key of `NOT NULL` columns (a unique constraint or index).
    pub fn key<C>(mut self, columns: C) -> Self
    where
        C: IntoIterator,
        C::Item: Into<String>,
    {
        self.key = strings(columns);
        self
    }

    /// Every batch covers `rows` keys (default: 1,000 to start, adapting
    /// toward 250 ms a batch). Fixes the size unless
    /// [`target_batch_time`](Self::target_batch_time) is also given, which
    /// then starts from it.
    pub fn batch_size(mut self, rows: u64) -> Self {
        self.batch.rows = rows;
        self.batch.target = None;
        self
    }

    /// Adapts the batch size so that each batch takes about `target`,
    /// within [`batch_bounds`](Self::batch_bounds): long enough to be
    /// efficient, short enough that row locks are brief.
    pub fn target_batch_time(mut self, target: Duration) -> Self {
        self.batch.target = Some(target);
        self
    }

    /// The smallest and largest batch the target may pick (default 100 and
    /// 100,000).
    pub fn batch_bounds(mut self, min: u64, max: u64) -> Self {
        self.batch.min = min;
        self.batch.max = max;
        self
    }

    /// Sleeps this long between batches, to leave the database room for
    /// its other work (and replicas time to catch up).
    pub fn pause(mut self, pause: Duration) -> Self {
        self.pause = pause;
        self
    }

    /// Stops after updating this many rows in one run. The migration stays
    /// in its backfill phase (`status` shows it) and the next run continues
    /// from the last key done: a way to spread a large backfill over
    /// several deploys.
    pub fn max_rows(mut self, rows: u64) -> Self {
        self.max_rows = Some(rows);
        self
    }

    /// The backfill that undoes this one, for an automatic downgrade.
    /// Without it, a backfill reverses to nothing only when the plan added
    /// the columns it writes (the downgrade drops them anyway).
    pub fn reverse(mut self, reverse: Backfill) -> Self {
        self.reverse = Some(Box::new(reverse));
        self
    }

    /// The table.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The columns it writes.
    pub fn written(&self) -> Vec<&str> {
        match &self.work {
            Work::Set(sets) => sets.iter().map(|(c, _)| c.as_str()).collect(),
            Work::Map { write, .. } => write.iter().map(String::as_str).collect(),
        }
    }

    /// Whether it runs a Rust function (so cannot be written as SQL).
    pub fn is_map(&self) -> bool {
        matches!(self.work, Work::Map { .. })
    }

    /// Problems that need no database: no assignment, a column set twice,
    /// a batch size of 0.
    pub(crate) fn problems(&self) -> Option<String> {
        let written = self.written();
        if written.is_empty() {
            return Some(match &self.work {
                Work::Set(_) => "it sets no column; add `.set(\"column\", value)`".to_owned(),
                Work::Map { .. } => "it writes no column; name them in `Backfill::map`".to_owned(),
            });
        }
        if let Some(twice) = written
            .iter()
            .enumerate()
            .find(|(i, c)| written[..*i].contains(c))
        {
            return Some(format!("column `{}` is written twice", twice.1));
        }
        if self.batch.rows == 0 || self.batch.min == 0 || self.batch.min > self.batch.max {
            return Some(format!(
                "batch size {} (bounds {}..={}) is not a positive size within positive bounds",
                self.batch.rows, self.batch.min, self.batch.max
            ));
        }
        None
    }
}

/// One row a [`Backfill::map`] function sees: the key and the columns it
/// reads, by name.
#[derive(Debug, Clone, Copy)]
pub struct BackfillRow<'a> {
    pub(crate) columns: &'a [String],
    pub(crate) values: &'a [Option<String>],
}

impl BackfillRow<'_> {
    /// The value of `column`, converted: `String`, the integer and float
    /// types, `bool`, `serde_json::Value`, `chrono` dates and times, and
    /// `Option` of any of them for a nullable column.
    pub fn get<T: FromCell>(&self, column: &str) -> Result<T, CellError> {
        let Some(i) = self.columns.iter().position(|c| c == column) else {
            return Err(CellError {
                column: column.to_owned(),
                why: format!(
                    "the backfill does not read it (it reads {})",
                    self.columns.join(", ")
                ),
            });
        };
        T::from_cell(self.values[i].as_deref()).map_err(|why| CellError {
            column: column.to_owned(),
            why,
        })
    }

    /// The value of `column` as the database writes it as text, `None` for
    /// `NULL` or a column it does not read.
    pub fn text(&self, column: &str) -> Option<&str> {
        let i = self.columns.iter().position(|c| c == column)?;
        self.values[i].as_deref()
    }
}

/// A value a [`BackfillRow`] could not give as the type asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column `{column}`: {why}")]
pub struct CellError {
    /// The column.
    pub column: String,
    /// Why.
    pub why: String,
}

/// A type a [`BackfillRow`] value converts to, from the text the database
/// gives.
pub trait FromCell: Sized {
    /// Converts the cell; `None` is `NULL`.
    fn from_cell(cell: Option<&str>) -> Result<Self, String>;
}

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(cell: Option<&str>) -> Result<Self, String> {
        cell.map(|text| T::from_cell(Some(text))).transpose()
    }
}

fn not_null(cell: Option<&str>) -> Result<&str, String> {
    cell.ok_or_else(|| "is NULL; read it as an `Option`".to_owned())
}

macro_rules! from_cell_parse {
    ($($ty:ty),* $(,)?) => {$(
        impl FromCell for $ty {
            fn from_cell(cell: Option<&str>) -> Result<Self, String> {
                let text = not_null(cell)?;
                text.trim().parse().map_err(|e| {
                    format!("{text:?} is not a {}: {e}", stringify!($ty))
                })
            }
        }
    )*};
}

from_cell_parse!(
    i16,
    i32,
    i64,
    u32,
    u64,
    f32,
    f64,
    chrono::NaiveDate,
    chrono::NaiveTime
);

impl FromCell for String {
    fn from_cell(cell: Option<&str>) -> Result<Self, String> {
        not_null(cell).map(str::to_owned)
    }
}

impl FromCell for bool {
    fn from_cell(cell: Option<&str>) -> Result<Self, String> {
        match not_null(cell)? {
            "t" | "true" | "TRUE" | "1" => Ok(true),
            "f" | "false" | "FALSE" | "0" => Ok(false),
            other => Err(format!("{other:?} is not a boolean")),
        }
    }
}

impl FromCell for serde_json::Value {
    fn from_cell(cell: Option<&str>) -> Result<Self, String> {
        let text = not_null(cell)?;
        serde_json::from_str(text).map_err(|e| format!("is not JSON: {e}"))
    }
}

impl FromCell for chrono::NaiveDateTime {
    fn from_cell(cell: Option<&str>) -> Result<Self, String> {
        let text = not_null(cell)?;
        ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
            .iter()
            .find_map(|format| chrono::NaiveDateTime::parse_from_str(text, format).ok())
            .ok_or_else(|| format!("{text:?} is not a date and time"))
    }
}

impl FromCell for chrono::DateTime<chrono::Utc> {
    fn from_cell(cell: Option<&str>) -> Result<Self, String> {
        let text = not_null(cell)?;
        chrono::DateTime::parse_from_rfc3339(text)
            .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%#z"))
            .map(|t| t.with_timezone(&chrono::Utc))
            .or_else(|_| chrono::NaiveDateTime::from_cell(Some(text)).map(|t| t.and_utc()))
            .map_err(|_| format!("{text:?} is not a timestamp"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_size_moves_toward_the_target_within_bounds() {
        let batch = BatchSize::default();
        assert_eq!(batch.next(1_000, Duration::from_millis(125)), 2_000);
        assert_eq!(batch.next(1_000, Duration::from_millis(250)), 1_000);
        assert_eq!(batch.next(1_000, Duration::from_secs(10)), 500);
        assert_eq!(batch.next(80_000, Duration::from_millis(1)), 100_000);
        assert_eq!(batch.next(150, Duration::from_secs(1)), 100);
        let fixed = BatchSize {
            target: None,
            ..batch
        };
        assert_eq!(fixed.next(1_000, Duration::from_secs(9)), 1_000);
    }

    #[test]
    fn rows_convert_with_the_column_named_in_errors() {
        let columns = ["id".to_owned(), "price".to_owned(), "note".to_owned()];
        let values = [Some("7".to_owned()), Some("$12.50".to_owned()), None];
        let row = BackfillRow {
            columns: &columns,
            values: &values,
        };
        assert_eq!(row.get::<i64>("id").unwrap(), 7);
        assert_eq!(row.get::<Option<String>>("note").unwrap(), None);
        let error = row.get::<f64>("price").unwrap_err().to_string();
        assert!(
            error.starts_with("column `price`: \"$12.50\" is not a f64"),
            "{error}"
        );
        let error = row.get::<String>("note").unwrap_err().to_string();
        assert!(error.contains("is NULL; read it as an `Option`"), "{error}");
        let error = row.get::<String>("nope").unwrap_err().to_string();
        assert!(error.contains("it reads id, price, note"), "{error}");
    }

    #[test]
    fn plans_without_work_or_with_a_bad_size_are_named() {
        assert!(
            Backfill::new("t")
                .problems()
                .unwrap()
                .contains("sets no column")
        );
        let twice = Backfill::new("t").set("a", 1).set("a", 2);
        assert!(twice.problems().unwrap().contains("`a` is written twice"));
        let zero = Backfill::new("t").set("a", 1).batch_size(0);
        assert!(zero.problems().unwrap().contains("batch size 0"));
        assert_eq!(Backfill::new("t").set("a", 1).problems(), None);
    }
}
