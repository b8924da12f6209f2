//! Data steps: raw SQL and bulk inserts.

use super::constraint::strings;
use super::{Backfill, Literal, Migration, Operation, Query};
use crate::Backend;

/// Raw SQL, the same for every backend or written per backend, with an
/// optional reverse that makes it undoable.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let mut m = Migration::new();
/// m.execute(
///     RawSql::new("UPDATE users SET locale = 'en' WHERE locale IS NULL")
///         .reverse("UPDATE users SET locale = NULL WHERE locale = 'en'"),
/// );
/// m.execute(RawSql::for_backend(Backend::Postgres, "CREATE EXTENSION IF NOT EXISTS pg_trgm"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RawSql {
    /// Used by backends that have no SQL of their own below.
    pub(crate) any: Option<String>,
    /// SQL for one backend.
    pub(crate) per_backend: Vec<(Backend, String)>,
    /// What undoes it, when known.
    pub(crate) reverse: Option<Box<RawSql>>,
    /// Whether it may run inside the migration's transaction.
    pub(crate) transactional: bool,
    /// What it does to the schema, as typed operations the replay folds in
    /// instead of reading the SQL ([`effect`](RawSql::effect)).
    pub(crate) effect: Option<Vec<Operation>>,
}

impl RawSql {
    /// Whether any of its SQL (for any backend) mentions `name`, ignoring
    /// case: what it does to that object cannot be known without running it.
    pub(crate) fn mentions(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        self.any
            .iter()
            .chain(self.per_backend.iter().map(|(_, sql)| sql))
            .any(|sql| sql.to_lowercase().contains(&name))
    }

    /// SQL run as-is on every backend. It may hold several statements
    /// separated by `;`.
    pub fn new(sql: impl Into<String>) -> Self {
        Self {
            any: Some(sql.into()),
            per_backend: Vec::new(),
            reverse: None,
            transactional: true,
            effect: None,
        }
    }

    /// SQL for one backend only; other backends skip the step unless
    /// [`or_for`](RawSql::or_for) gives them their own.
    pub fn for_backend(backend: Backend, sql: impl Into<String>) -> Self {
        Self {
            any: None,
            per_backend: vec![(backend, sql.into())],
            reverse: None,
            transactional: true,
            effect: None,
        }
    }

    /// Adds or replaces the SQL for another backend.
    pub fn or_for(mut self, backend: Backend, sql: impl Into<String>) -> Self {
        self.per_backend.retain(|(b, _)| *b != backend);
        self.per_backend.push((backend, sql.into()));
        self
    }

    /// SQL that undoes this step, on the backends the step runs on (all of
    /// them, or those of [`for_backend`](RawSql::for_backend) and
    /// [`or_for`](RawSql::or_for)); it makes the step reversible, so an
    /// automatic downgrade can run it.
    pub fn reverse(self, sql: impl Into<String>) -> Self {
        self.reverse_with(RawSql::new(sql))
    }

    /// This step as the reverse of `forward`: limited to the backends
    /// `forward` runs on, each with its own SQL.
    ///
    /// # Errors
    ///
    /// When `forward` runs on a backend this has no SQL for.
    pub(crate) fn for_backends_of(&self, forward: &RawSql) -> Result<RawSql, String> {
        let backends: Vec<Backend> = match forward.any {
            Some(_) => Backend::ALL.to_vec(),
            None => forward.per_backend.iter().map(|(b, _)| *b).collect(),
        };
        let same = match (&forward.any, &self.any) {
            (Some(_), Some(_)) => true,
            (None, None) => {
                backends.iter().all(|b| self.sql_for(*b).is_some())
                    && self.per_backend.len() == backends.len()
            }
            _ => false,
        };
        if same {
            return Ok(RawSql {
                reverse: None,
                ..self.clone()
            });
        }
        let mut per_backend = Vec::with_capacity(backends.len());
        for backend in backends {
            match self.sql_for(backend) {
                Some(sql) => per_backend.push((backend, sql.to_owned())),
                None => {
                    return Err(format!(
                        "raw SQL runs on {backend}, but its reverse has no SQL for {backend}; give it some with `.reverse_with(RawSql::for_backend(..).or_for(..))`"
                    ));
                }
            }
        }
        Ok(RawSql {
            any: None,
            per_backend,
            reverse: None,
            transactional: self.transactional,
            effect: self.effect.clone(),
        })
    }

    /// Per-backend SQL that undoes this step.
    pub fn reverse_with(mut self, reverse: RawSql) -> Self {
        self.reverse = Some(Box::new(reverse));
        self
    }

    /// What this SQL does to the schema, written as the typed operations
    /// with the same effect. The operations never run (the SQL does):
    /// `schema`, `check` and the stairway replay them in place of the SQL
    /// where the SQL is more than the replay reads (a `DO` block, a
    /// function, dynamic SQL), which would otherwise leave what it names
    /// *uncertain*. An empty effect says the SQL changes no schema (a
    /// trigger function's body, a grant). The stairway compares the result
    /// with the database, so a wrong declaration fails there. The checksum
    /// of the migration does not include it: declaring the effect of an
    /// applied migration is safe.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// let mut m = Migration::new();
    /// m.execute(
    ///     RawSql::for_backend(
    ///         Backend::Postgres,
    ///         "DO $$ BEGIN EXECUTE 'ALTER TABLE users ADD COLUMN nickname text'; END $$",
    ///     )
    ///     .effect(|m| {
    ///         m.add_column("users", Column::new("nickname").text().nullable());
    ///     }),
    /// );
    /// ```
    pub fn effect(mut self, declare: impl FnOnce(&mut Migration)) -> Self {
        let mut effect = Migration::new();
        declare(&mut effect);
        self.effect = Some(effect.ops);
        self
    }

    /// The declared [`effect`](Self::effect), if any.
    pub fn declared_effect(&self) -> Option<&[Operation]> {
        self.effect.as_deref()
    }

    /// SQL that cannot run in a transaction (`VACUUM`, `CREATE INDEX
    /// CONCURRENTLY` written by hand): the migration becomes
    /// non-transactional, as with [`Index::concurrently`](super::Index::concurrently).
    pub fn outside_transaction(mut self) -> Self {
        self.transactional = false;
        self
    }

    /// The SQL to run on `backend`, if this step has any for it.
    pub fn sql_for(&self, backend: Backend) -> Option<&str> {
        self.per_backend
            .iter()
            .find(|(b, _)| *b == backend)
            .map(|(_, sql)| sql.as_str())
            .or(self.any.as_deref())
    }
}

impl From<&str> for RawSql {
    fn from(sql: &str) -> Self {
        Self::new(sql)
    }
}

impl From<String> for RawSql {
    fn from(sql: String) -> Self {
        Self::new(sql)
    }
}

/// Typed rows for [`bulk_insert`](super::Migration::bulk_insert). Values are
/// bound as parameters, never spliced into the SQL.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let rows = Rows::new("roles", ["name", "rank", "builtin"])
///     .row(("admin", 1, true))
///     .row(("member", 2, false))
///     .row(("guest", 3, Literal::Null));
/// assert_eq!(rows.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    pub(crate) table: String,
    pub(crate) columns: Vec<String>,
    pub(crate) rows: Vec<Vec<Literal>>,
}

impl Rows {
    /// No rows yet for `table(columns)`.
    pub fn new<C>(table: impl Into<String>, columns: C) -> Self
    where
        C: IntoIterator,
        C::Item: Into<String>,
    {
        Self {
            table: table.into(),
            columns: strings(columns),
            rows: Vec::new(),
        }
    }

    /// Adds a row: a tuple of values (up to 12) or a `Vec<Literal>`, one
    /// value per column.
    pub fn row(mut self, row: impl IntoRow) -> Self {
        self.rows.push(row.into_row());
        self
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// A row of values for [`Rows::row`].
pub trait IntoRow {
    /// The values, in column order.
    fn into_row(self) -> Vec<Literal>;
}

impl IntoRow for Vec<Literal> {
    fn into_row(self) -> Vec<Literal> {
        self
    }
}

/// One value: a row of one column.
impl<T: Into<Literal>> IntoRow for T {
    fn into_row(self) -> Vec<Literal> {
        vec![self.into()]
    }
}

impl<const N: usize> IntoRow for [Literal; N] {
    fn into_row(self) -> Vec<Literal> {
        self.into()
    }
}

macro_rules! tuple_rows {
    ($(($($t:ident),+)),* $(,)?) => {$(
        impl<$($t: Into<Literal>),+> IntoRow for ($($t,)+) {
            #[expect(non_snake_case, reason = "the type parameters name the fields")]
            fn into_row(self) -> Vec<Literal> {
                let ($($t,)+) = self;
                vec![$($t.into()),+]
            }
        }
    )*};
}

tuple_rows! {
    (A),
    (A, B),
    (A, B, C),
    (A, B, C, D),
    (A, B, C, D, E),
    (A, B, C, D, E, F),
    (A, B, C, D, E, F, G),
    (A, B, C, D, E, F, G, H),
    (A, B, C, D, E, F, G, H, I),
    (A, B, C, D, E, F, G, H, I, J),
    (A, B, C, D, E, F, G, H, I, J, K),
    (A, B, C, D, E, F, G, H, I, J, K, L),
}

/// The data and raw-SQL steps of a plan.
impl Migration {
    /// Inserts typed rows; the values are bound, never spliced into SQL.
    pub fn bulk_insert(&mut self, rows: Rows) -> &mut Self {
        self.push(Operation::BulkInsert(rows))
    }

    /// A batched data change: see [`Backfill`]. The migration then runs in
    /// phases: the steps before it commit, each batch commits on its own,
    /// and the steps after it run in a transaction of their own.
    pub fn backfill(&mut self, backfill: Backfill) -> &mut Self {
        self.push(Operation::Backfill(backfill))
    }

    /// Raw SQL: a string run as-is on every backend, or a [`RawSql`] with
    /// per-backend SQL and a reverse.
    pub fn execute(&mut self, sql: impl Into<RawSql>) -> &mut Self {
        self.push(Operation::Execute(sql.into()))
    }

    /// SQL whose names are quoted for the backend and whose values are
    /// bound, written with [`sql!`](crate::sql) or [`Query`]'s builder:
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// let mut m = Migration::new();
    /// m.execute_query(
    ///     sql!("UPDATE {} SET {} = {}", ident("tags"), ident("key"), "none")
    ///         .reverse(sql!("UPDATE {} SET {} = NULL", ident("tags"), ident("key"))),
    /// );
    /// ```
    pub fn execute_query(&mut self, query: Query) -> &mut Self {
        self.push(Operation::Query(query))
    }

    /// A statement of sea-query's builders (`Query::insert()`,
    /// `Query::update()`, ... with a `select_from` or a subquery), built for
    /// the backend the plan is recorded for, with its values bound: the
    /// data steps an Alembic history ran through an ORM session.
    ///
    /// # Panics
    ///
    /// On a plan built by hand without a backend ([`Migration::new`]; use
    /// [`for_backend`](Self::for_backend)), or with a value of a type a
    /// migration cannot bind; reported as the migration's error when a run
    /// records its plan.
    pub fn execute_statement(
        &mut self,
        statement: &impl sea_query::QueryStatementWriter,
    ) -> &mut Self {
        let Some(backend) = self.backend() else {
            panic!(
                "execute_statement builds its statement for the backend the plan is recorded for, and this plan has none: use `Migration::new().for_backend(..)`"
            );
        };
        match Query::built(backend, statement) {
            Ok(query) => self.execute_query(query),
            Err(why) => panic!("execute_statement: {why}"),
        }
    }

    /// Raw SQL for one backend only; other backends skip this step.
    ///
    /// Call it once per backend on consecutive lines to give each its own SQL:
    /// the calls are merged into one step.
    pub fn execute_for(&mut self, backend: Backend, sql: impl Into<String>) -> &mut Self {
        if let Some(Operation::Execute(raw)) = self.ops.last_mut() {
            if raw.any.is_none()
                && raw.reverse.is_none()
                && raw.effect.is_none()
                && raw.per_backend.iter().all(|(b, _)| *b != backend)
            {
                raw.per_backend.push((backend, sql.into()));
                return self;
            }
        }
        self.push(Operation::Execute(RawSql::for_backend(backend, sql)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reverse_runs_where_its_step_runs() {
        let step =
            RawSql::for_backend(Backend::MySql, "CREATE TABLE t (id int)").reverse("DROP TABLE t");
        let inverse = step
            .reverse
            .as_ref()
            .unwrap()
            .for_backends_of(&step)
            .unwrap();
        assert_eq!(inverse.sql_for(Backend::MySql), Some("DROP TABLE t"));
        assert_eq!(inverse.sql_for(Backend::Postgres), None);
        assert_eq!(inverse.sql_for(Backend::Sqlite), None);

        let step = RawSql::for_backend(Backend::MySql, "a")
            .or_for(Backend::Postgres, "b")
            .reverse_with(RawSql::for_backend(Backend::MySql, "undo a"));
        let error = step
            .reverse
            .as_ref()
            .unwrap()
            .for_backends_of(&step)
            .unwrap_err();
        assert!(
            error.contains("runs on postgres, but its reverse has no SQL for postgres"),
            "{error}"
        );
    }
}
