//! [`Query`]: raw SQL that stays portable. Identifiers are quoted for the
//! backend the plan is rendered for and values are bound as parameters,
//! never spliced into the text; or a sea-query statement, built for the
//! backend the plan is recorded for.

use std::fmt;

use super::Literal;
use crate::Backend;

/// An SQL statement written with its identifiers and values apart from its
/// text, so that each backend gets its own quoting (`key` is reserved on
/// MySQL) and every value travels as a bound parameter.
///
/// Write it with [`sql!`](crate::sql), a template whose `{}` take
/// [`ident`]s and values in order (`{{` and `}}` are braces), or with the
/// builder; run it with [`Migration::execute_query`](super::Migration::execute_query).
///
/// ```
/// use migrate_core::prelude::*;
///
/// let reset = sql!("UPDATE {} SET {} = {} WHERE {} IS NULL", ident("tags"), ident("key"), 0, ident("key"));
/// assert_eq!(
///     reset.render(Backend::MySql).unwrap(),
///     ("UPDATE `tags` SET `key` = ? WHERE `key` IS NULL".to_owned(), vec![Literal::Int(0)])
/// );
/// assert_eq!(
///     reset.render(Backend::Postgres).unwrap().0,
///     r#"UPDATE "tags" SET "key" = $1 WHERE "key" IS NULL"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    body: Body,
    /// What undoes it, when known.
    reverse: Option<Box<Query>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Body {
    /// Text, identifiers and values, for any backend.
    Parts(Vec<Part>),
    /// A statement a query builder wrote for one backend.
    Built {
        backend: Backend,
        sql: String,
        values: Vec<Literal>,
    },
}

impl Default for Body {
    fn default() -> Self {
        Body::Parts(Vec::new())
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Ident(String),
    Value(Literal),
}

/// One argument of [`sql!`](crate::sql): an identifier ([`ident`]) or a
/// value (anything that converts to a [`Literal`]).
#[derive(Debug, Clone, PartialEq)]
pub enum SqlArg {
    /// A table, column or other name, quoted for the backend.
    Ident(String),
    /// A value, bound as a parameter.
    Value(Literal),
}

/// A name for [`sql!`](crate::sql), quoted for the backend.
pub fn ident(name: impl Into<String>) -> SqlArg {
    SqlArg::Ident(name.into())
}

impl<T: Into<Literal>> From<T> for SqlArg {
    fn from(value: T) -> Self {
        SqlArg::Value(value.into())
    }
}

impl Query {
    /// An empty query, to build with [`sql`](Self::sql),
    /// [`ident`](Self::ident) and [`value`](Self::value).
    pub fn new() -> Self {
        Self::default()
    }

    /// Fills `template`'s `{}` with `args` in order; `{{` and `}}` are
    /// literal braces. What [`sql!`](crate::sql) expands to.
    ///
    /// # Panics
    ///
    /// When the number of `{}` and of `args` differ, or a brace is
    /// unmatched: a mistake in the migration's code, reported as the
    /// migration's error when its plan is recorded.
    pub fn template(template: &str, args: Vec<SqlArg>) -> Self {
        match Self::try_template(template, args) {
            Ok(query) => query,
            Err(why) => panic!("sql!({template:?}): {why}"),
        }
    }

    /// [`sql!`](crate::sql)'s compile-time check: the template's braces
    /// match and its `{}` are as many as the arguments. Not public API.
    #[doc(hidden)]
    pub const fn check_template(template: &str, given: usize) {
        let bytes = template.as_bytes();
        let (mut i, mut holes) = (0, 0);
        while i < bytes.len() {
            let next = if i + 1 < bytes.len() { bytes[i + 1] } else { 0 };
            match (bytes[i], next) {
                (b'{', b'{') | (b'}', b'}') => i += 2,
                (b'{', b'}') => {
                    holes += 1;
                    i += 2;
                }
                (b'{' | b'}', _) => {
                    panic!(
                        "sql!: an unmatched brace; write `{{{{` or `}}}}` for a brace, `{{}}` for an argument"
                    )
                }
                _ => i += 1,
            }
        }
        if holes > given {
            panic!("sql!: the template has more `{{}}` than arguments");
        }
        if holes < given {
            panic!("sql!: the template has fewer `{{}}` than arguments");
        }
    }

    fn try_template(template: &str, args: Vec<SqlArg>) -> Result<Self, String> {
        let given = args.len();
        let mut args = args.into_iter();
        let mut query = Query::new();
        let mut text = String::new();
        let mut chars = template.chars().peekable();
        let mut holes = 0;
        while let Some(c) = chars.next() {
            match (c, chars.peek()) {
                ('{', Some('{')) | ('}', Some('}')) => {
                    text.push(c);
                    chars.next();
                }
                ('{', Some('}')) => {
                    chars.next();
                    holes += 1;
                    query = query.sql(std::mem::take(&mut text));
                    match args.next() {
                        Some(SqlArg::Ident(name)) => query = query.ident(name),
                        Some(SqlArg::Value(value)) => query = query.value(value),
                        None => {}
                    }
                }
                ('{' | '}', _) => {
                    return Err(format!(
                        "an unmatched `{c}`; write `{c}{c}` for a brace, `{{}}` for an argument"
                    ));
                }
                _ => text.push(c),
            }
        }
        if holes != given {
            return Err(format!("{holes} `{{}}` for {given} arguments"));
        }
        Ok(query.sql(text))
    }

    /// Appends SQL text as written.
    pub fn sql(mut self, text: impl Into<String>) -> Self {
        let text = text.into();
        if !text.is_empty() {
            self.parts().push(Part::Text(text));
        }
        self
    }

    /// Appends a name, quoted for the backend.
    pub fn ident(mut self, name: impl Into<String>) -> Self {
        self.parts().push(Part::Ident(name.into()));
        self
    }

    /// Appends a placeholder, and binds `value` to it.
    pub fn value(mut self, value: impl Into<Literal>) -> Self {
        self.parts().push(Part::Value(value.into()));
        self
    }

    fn parts(&mut self) -> &mut Vec<Part> {
        if let Body::Built { .. } = self.body {
            self.body = Body::Parts(Vec::new());
        }
        match &mut self.body {
            Body::Parts(parts) => parts,
            Body::Built { .. } => unreachable!("replaced above"),
        }
    }

    /// A statement of sea-query's builders (an `INSERT ... SELECT`, an
    /// `UPDATE` with a subquery, ...), built for `backend`, its values
    /// bound. A plan is recorded per backend, so pass
    /// [`Migration::backend`](super::Migration::backend); or use
    /// [`Migration::execute_statement`](super::Migration::execute_statement),
    /// which does.
    ///
    /// # Errors
    ///
    /// A value of a type a migration cannot bind (sea-query's
    /// `with-*` types), named.
    pub fn built(
        backend: Backend,
        statement: &impl sea_query::QueryStatementWriter,
    ) -> Result<Self, String> {
        let (sql, values) = match backend {
            Backend::Postgres => statement.build_any(&sea_query::PostgresQueryBuilder),
            Backend::MySql => statement.build_any(&sea_query::MysqlQueryBuilder),
            Backend::Sqlite => statement.build_any(&sea_query::SqliteQueryBuilder),
        };
        let values = values
            .0
            .into_iter()
            .map(literal)
            .collect::<Result<_, _>>()?;
        Ok(Self {
            body: Body::Built {
                backend,
                sql,
                values,
            },
            reverse: None,
        })
    }

    /// Makes the step reversible: `undo` runs when it is downgraded.
    pub fn reverse(mut self, undo: Query) -> Self {
        self.reverse = Some(Box::new(undo));
        self
    }

    /// The query that undoes this one, which `undo`es it in turn.
    pub(crate) fn inverse(&self) -> Option<Query> {
        let mut undo = (**self.reverse.as_ref()?).clone();
        let mut again = self.clone();
        again.reverse = None;
        undo.reverse = Some(Box::new(again));
        Some(undo)
    }

    /// The SQL for `backend`, with `$1, $2, ...` (PostgreSQL) or `?`
    /// placeholders, and the values to bind to them in order.
    ///
    /// # Errors
    ///
    /// A statement built for another backend.
    pub fn render(&self, backend: Backend) -> Result<(String, Vec<Literal>), String> {
        match &self.body {
            Body::Built {
                backend: built,
                sql,
                values,
            } if *built == backend => Ok((sql.clone(), values.clone())),
            Body::Built { backend: built, .. } => Err(format!(
                "the statement was built for {built}, not {backend}: build it in the plan, for `m.backend()`"
            )),
            Body::Parts(parts) => {
                let mut sql = String::new();
                let mut values = Vec::new();
                for part in parts {
                    match part {
                        Part::Text(text) => sql.push_str(text),
                        Part::Ident(name) => {
                            sql.push_str(&crate::render::sql::ident(backend, name))
                        }
                        Part::Value(value) => {
                            values.push(value.clone());
                            match backend {
                                Backend::Postgres => sql.push_str(&format!("${}", values.len())),
                                Backend::MySql | Backend::Sqlite => sql.push('?'),
                            }
                        }
                    }
                }
                Ok((sql, values))
            }
        }
    }
}

/// The query as a reader of a plan sees it: text, `"identifiers"` and
/// `?` for values.
impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.body {
            Body::Built { sql, .. } => f.write_str(sql),
            Body::Parts(parts) => {
                for part in parts {
                    match part {
                        Part::Text(text) => f.write_str(text)?,
                        Part::Ident(name) => write!(f, "{name:?}")?,
                        Part::Value(_) => f.write_str("?")?,
                    }
                }
                Ok(())
            }
        }
    }
}

/// A value sea-query bound, as a [`Literal`].
fn literal(value: sea_query::Value) -> Result<Literal, String> {
    use sea_query::Value as V;
    let int = |v: Option<i64>| v.map_or(Literal::Null, Literal::Int);
    Ok(match value {
        V::Bool(v) => v.map_or(Literal::Null, Literal::Bool),
        V::TinyInt(v) => int(v.map(i64::from)),
        V::SmallInt(v) => int(v.map(i64::from)),
        V::Int(v) => int(v.map(i64::from)),
        V::BigInt(v) => int(v),
        V::TinyUnsigned(v) => int(v.map(i64::from)),
        V::SmallUnsigned(v) => int(v.map(i64::from)),
        V::Unsigned(v) => int(v.map(i64::from)),
        V::BigUnsigned(v) => match v.map(i64::try_from) {
            None => Literal::Null,
            Some(Ok(v)) => Literal::Int(v),
            Some(Err(_)) => return Err("an unsigned value over i64::MAX".to_owned()),
        },
        V::Float(v) => v.map_or(Literal::Null, |v| Literal::Float(f64::from(v))),
        V::Double(v) => v.map_or(Literal::Null, Literal::Float),
        V::String(v) => v.map_or(Literal::Null, |v| Literal::String(*v)),
        V::Char(v) => v.map_or(Literal::Null, |v| Literal::String(v.to_string())),
        V::Bytes(v) => v.map_or(Literal::Null, |v| Literal::Bytes(*v)),
        #[expect(
            unreachable_patterns,
            reason = "more variants when a dependent enables sea-query's `with-*` features"
        )]
        other => return Err(format!("a value migrate cannot bind: {other:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql;

    #[test]
    fn templates_quote_names_and_bind_values_per_backend() {
        let q = sql!(
            "INSERT INTO {} ({}) SELECT {} FROM {} WHERE {} = {}",
            ident("tags"),
            ident("key"),
            ident("name"),
            ident("old \"tags\""),
            ident("kind"),
            "x'); DROP TABLE users; --"
        );
        let (mysql, values) = q.render(Backend::MySql).unwrap();
        assert_eq!(
            mysql,
            "INSERT INTO `tags` (`key`) SELECT `name` FROM `old \"tags\"` WHERE `kind` = ?"
        );
        assert_eq!(
            values,
            [Literal::String("x'); DROP TABLE users; --".into())]
        );
        let (postgres, _) = q.render(Backend::Postgres).unwrap();
        assert_eq!(
            postgres,
            r#"INSERT INTO "tags" ("key") SELECT "name" FROM "old ""tags""" WHERE "kind" = $1"#
        );
        assert_eq!(
            q.to_string(),
            r#"INSERT INTO "tags" ("key") SELECT "name" FROM "old \"tags\"" WHERE "kind" = ?"#
        );
    }

    #[test]
    fn braces_and_mistakes() {
        let q = Query::template("SELECT '{{}}', {}", vec![SqlArg::from(1)]);
        assert_eq!(q.render(Backend::Sqlite).unwrap().0, "SELECT '{}', ?");
        for (template, args, why) in [
            ("SELECT {}", 0, "1 `{}` for 0 arguments"),
            ("SELECT 1", 1, "0 `{}` for 1 arguments"),
            ("SELECT {", 0, "an unmatched `{`"),
            ("SELECT }", 0, "an unmatched `}`"),
        ] {
            let args = (0..args).map(SqlArg::from).collect();
            let error = Query::try_template(template, args).unwrap_err();
            assert!(error.contains(why), "{template}: {error}");
        }
    }

    #[test]
    fn sea_query_statements_are_built_for_one_backend() {
        use sea_query::{Alias, Expr, Query as SeaQuery};
        let statement = SeaQuery::update()
            .table(Alias::new("tags"))
            .value(Alias::new("key"), "k")
            .and_where(Expr::col(Alias::new("id")).gt(3))
            .to_owned();
        let q = Query::built(Backend::MySql, &statement).unwrap();
        assert_eq!(
            q.render(Backend::MySql).unwrap(),
            (
                "UPDATE `tags` SET `key` = ? WHERE `id` > ?".to_owned(),
                vec![Literal::String("k".into()), Literal::Int(3)]
            )
        );
        let error = q.render(Backend::Sqlite).unwrap_err();
        assert!(error.contains("built for mysql, not sqlite"), "{error}");
    }
}
