//! A `CREATE TABLE` cut into the pieces a rebuild changes, each piece the
//! exact text it was.
//!
//! A table is its column definitions and table constraints; a column is its
//! name, its type and its clauses (`NOT NULL`, `DEFAULT ..`, `CHECK (..)`,
//! `COLLATE ..`, `REFERENCES ..`, `GENERATED ALWAYS AS (..)`, ...), following
//! SQLite's grammar (sqlite.org/lang_createtable.html). The rebuild swaps,
//! adds and removes pieces; a piece it does not touch is written back as the
//! very text it was, so no default, check, generated column or collation is
//! ever re-spelled.

use std::fmt::Write as _;

use super::lex::{self, Kind, Token};

/// Why a definition could not be read.
pub(super) type Problem = String;

/// A table definition, as pieces of its text.
#[derive(Debug, Clone)]
pub(super) struct TableDef {
    pub(super) columns: Vec<ColumnDef>,
    pub(super) constraints: Vec<ConstraintDef>,
    /// What follows the closing parenthesis, e.g. `WITHOUT ROWID, STRICT`.
    pub(super) options: String,
}

/// A column definition.
#[derive(Debug, Clone)]
pub(super) struct ColumnDef {
    /// Its name, unquoted.
    pub(super) name: String,
    /// Its name as written.
    name_sql: String,
    /// Its type as written, if any.
    ty: Option<String>,
    pub(super) clauses: Vec<Clause>,
    /// The whole definition as written, while nothing in it changed.
    original: Option<String>,
}

/// One clause of a column definition.
#[derive(Debug, Clone)]
pub(super) struct Clause {
    /// `CONSTRAINT <name>`, unquoted, when it has one.
    pub(super) name: Option<String>,
    pub(super) kind: ClauseKind,
    /// The clause as written, `CONSTRAINT <name>` included.
    pub(super) sql: String,
}

/// What a column clause is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ClauseKind {
    PrimaryKey,
    NotNull,
    Null,
    Unique,
    Check,
    Default,
    Collate,
    References,
    Generated,
}

/// A table constraint.
#[derive(Debug, Clone)]
pub(super) struct ConstraintDef {
    /// Its name, unquoted, when it has one.
    pub(super) name: Option<String>,
    /// Its text as written.
    pub(super) sql: String,
}

impl TableDef {
    /// Cuts a stored `CREATE TABLE` into pieces.
    pub(super) fn parse(sql: &str) -> Result<Self, Problem> {
        let tokens = tokens(sql)?;
        let open = tokens.iter().position(|t| t.is_punct("(")).ok_or(
            "no column list: a table made with `CREATE TABLE .. AS SELECT` cannot be rebuilt",
        )?;
        let close = matching(&tokens, open)?;
        let mut def = TableDef {
            columns: Vec::new(),
            constraints: Vec::new(),
            options: tokens
                .get(close + 1)
                .map(|t| sql[t.span.start..].trim_end().to_owned())
                .unwrap_or_default(),
        };
        for item in split(&tokens[open + 1..close])? {
            let starts_constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
                .iter()
                .any(|k| item[0].is(k));
            if starts_constraint {
                def.constraints.push(ConstraintDef::read(sql, item));
            } else if def.constraints.is_empty() {
                def.columns.push(ColumnDef::read(sql, item)?);
            } else {
                return Err(format!(
                    "`{}` follows a table constraint, where only constraints may be",
                    text(sql, item)
                ));
            }
        }
        Ok(def)
    }

    /// The `CREATE TABLE` of a table named `name` with these pieces.
    pub(super) fn to_sql(&self, name: &str) -> String {
        let mut sql = format!("CREATE TABLE {} (", lex::quote(name));
        let items = self
            .columns
            .iter()
            .map(ColumnDef::to_sql)
            .chain(self.constraints.iter().map(|c| c.sql.clone()));
        for (i, item) in items.enumerate() {
            sql.push_str(if i == 0 { "\n    " } else { ",\n    " });
            sql.push_str(&item);
        }
        sql.push_str("\n)");
        if !self.options.is_empty() {
            let _ = write!(sql, " {}", self.options);
        }
        sql
    }

    /// Every named table or column constraint.
    pub(super) fn constraint_names(&self) -> Vec<String> {
        let table = self.constraints.iter().filter_map(|c| c.name.clone());
        let columns = self
            .columns
            .iter()
            .flat_map(|c| &c.clauses)
            .filter_map(|c| c.name.clone());
        table.chain(columns).collect()
    }
}

impl ColumnDef {
    /// A column definition on its own, e.g. `"age" integer NOT NULL`.
    pub(super) fn parse(sql: &str) -> Result<Self, Problem> {
        let tokens = tokens(sql)?;
        if tokens.is_empty() {
            return Err("an empty column definition".to_owned());
        }
        Self::read(sql, &tokens)
    }

    fn read(sql: &str, tokens: &[Token]) -> Result<Self, Problem> {
        let name = tokens[0]
            .name()
            .ok_or_else(|| format!("`{}` does not start with a column name", text(sql, tokens)))?
            .to_owned();
        let mut at = 1;
        while at < tokens.len() && !starts_clause(&tokens[at]) {
            if tokens[at].is_punct("(") {
                at = matching(tokens, at)?;
            }
            at += 1;
        }
        let ty = (at > 1).then(|| text(sql, &tokens[1..at]));
        let mut clauses = Vec::new();
        while at < tokens.len() {
            let end = clause_end(sql, tokens, at)?;
            clauses.push(Clause::read(sql, &tokens[at..end]));
            at = end;
        }
        Ok(ColumnDef {
            name,
            name_sql: text(sql, &tokens[..1]),
            ty,
            clauses,
            original: Some(text(sql, tokens)),
        })
    }

    fn to_sql(&self) -> String {
        if let Some(original) = &self.original {
            return original.clone();
        }
        let mut sql = self.name_sql.clone();
        for part in self.ty.iter().chain(self.clauses.iter().map(|c| &c.sql)) {
            sql.push(' ');
            sql.push_str(part);
        }
        sql
    }

    /// Whether the column is generated (`AS (..)`): its values are computed,
    /// never copied.
    pub(super) fn is_generated(&self) -> bool {
        self.clauses.iter().any(|c| c.kind == ClauseKind::Generated)
    }

    /// The clauses, to change them; the definition is written anew from its
    /// pieces from now on.
    pub(super) fn clauses_mut(&mut self) -> &mut Vec<Clause> {
        self.original = None;
        &mut self.clauses
    }

    /// Gives the column a new type, written as `ty`.
    pub(super) fn set_type(&mut self, ty: &str) {
        self.original = None;
        self.ty = Some(ty.to_owned());
    }
}

impl Clause {
    fn read(sql: &str, tokens: &[Token]) -> Self {
        let (name, body) = if tokens[0].is("CONSTRAINT") {
            (tokens[1].name().map(str::to_owned), &tokens[2..])
        } else {
            (None, tokens)
        };
        let kind = match body[0].keyword().as_deref() {
            Some("PRIMARY") => ClauseKind::PrimaryKey,
            Some("NOT") => ClauseKind::NotNull,
            Some("NULL") => ClauseKind::Null,
            Some("UNIQUE") => ClauseKind::Unique,
            Some("CHECK") => ClauseKind::Check,
            Some("DEFAULT") => ClauseKind::Default,
            Some("COLLATE") => ClauseKind::Collate,
            Some("REFERENCES") => ClauseKind::References,
            _ => ClauseKind::Generated,
        };
        Clause {
            name,
            kind,
            sql: text(sql, tokens),
        }
    }

    /// A clause written anew, e.g. `DEFAULT 'x'`, checked to be exactly one
    /// clause.
    pub(super) fn parse(sql: &str) -> Result<Self, Problem> {
        let tokens = tokens(sql)?;
        if tokens.is_empty() || !starts_clause(&tokens[0]) {
            return Err(format!("`{sql}` is not a column clause"));
        }
        let end = clause_end(sql, &tokens, 0)?;
        if end != tokens.len() {
            return Err(format!(
                "`{}` follows the clause `{}`",
                text(sql, &tokens[end..]),
                text(sql, &tokens[..end])
            ));
        }
        Ok(Self::read(sql, &tokens))
    }
}

impl ConstraintDef {
    /// A table constraint on its own, e.g. `CONSTRAINT "ck" CHECK (a > 0)`.
    pub(super) fn parse(sql: &str) -> Result<Self, Problem> {
        let tokens = tokens(sql)?;
        let starts = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"];
        if !tokens
            .first()
            .is_some_and(|t| starts.iter().any(|k| t.is(k)))
        {
            return Err(format!("`{sql}` is not a table constraint"));
        }
        split(&tokens)?;
        Ok(Self::read(sql, &tokens))
    }

    fn read(sql: &str, tokens: &[Token]) -> Self {
        let name = if tokens[0].is("CONSTRAINT") {
            tokens.get(1).and_then(Token::name).map(str::to_owned)
        } else {
            None
        };
        ConstraintDef {
            name,
            sql: text(sql, tokens),
        }
    }
}

/// The tokens of `sql`, or why SQLite would not read it.
fn tokens(sql: &str) -> Result<Vec<Token>, Problem> {
    lex::tokenize(sql).map_err(|e| {
        let near: String = sql[e.at..].chars().take(20).collect();
        format!("{} at `{near}`", e.message)
    })
}

/// The text from the first token's start to the last token's end: comments
/// inside are kept, and none is left at either end.
fn text(sql: &str, tokens: &[Token]) -> String {
    match (tokens.first(), tokens.last()) {
        (Some(first), Some(last)) => sql[first.span.start..last.span.end].to_owned(),
        _ => String::new(),
    }
}

/// The index of the `)` that closes the `(` at `open`.
fn matching(tokens: &[Token], open: usize) -> Result<usize, Problem> {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        if token.is_punct("(") {
            depth += 1;
        } else if token.is_punct(")") {
            depth -= 1;
            if depth == 0 {
                return Ok(i);
            }
        }
    }
    Err("a parenthesis that is never closed".to_owned())
}

/// `tokens` split at the commas outside parentheses.
fn split(tokens: &[Token]) -> Result<Vec<&[Token]>, Problem> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while at < tokens.len() {
        if tokens[at].is_punct("(") {
            at = matching(tokens, at)?;
        } else if tokens[at].is_punct(",") {
            items.push(&tokens[start..at]);
            start = at + 1;
        }
        at += 1;
    }
    items.push(&tokens[start..]);
    if items.iter().any(|item| item.is_empty()) {
        return Err("an empty item in the column list".to_owned());
    }
    Ok(items)
}

/// Whether a token starts a column clause (or names one).
fn starts_clause(token: &Token) -> bool {
    const STARTS: [&str; 11] = [
        "CONSTRAINT",
        "PRIMARY",
        "NOT",
        "NULL",
        "UNIQUE",
        "CHECK",
        "DEFAULT",
        "COLLATE",
        "REFERENCES",
        "GENERATED",
        "AS",
    ];
    STARTS.iter().any(|k| token.is(k))
}

/// Where the column clause that starts at `start` ends, following SQLite's
/// grammar for `column-constraint`.
fn clause_end(sql: &str, tokens: &[Token], start: usize) -> Result<usize, Problem> {
    let mut at = start;
    let unexpected = |at: usize| match tokens.get(at) {
        Some(t) => format!(
            "cannot read the column clause at `{}`",
            sql[t.span.start..].chars().take(40).collect::<String>()
        ),
        None => format!(
            "the column clause `{}` ends too soon",
            text(sql, &tokens[start..])
        ),
    };
    let is = |at: usize, keyword: &str| tokens.get(at).is_some_and(|t| t.is(keyword));
    let expect = |at: &mut usize, keyword: &str| {
        if is(*at, keyword) {
            *at += 1;
            Ok(())
        } else {
            Err(unexpected(*at))
        }
    };
    let group = |at: &mut usize| {
        if tokens.get(*at).is_some_and(|t| t.is_punct("(")) {
            *at = matching(tokens, *at)? + 1;
            Ok(())
        } else {
            Err(unexpected(*at))
        }
    };
    let name = |at: &mut usize| {
        if tokens.get(*at).and_then(Token::name).is_some() {
            *at += 1;
            Ok(())
        } else {
            Err(unexpected(*at))
        }
    };
    let conflict = |at: &mut usize| {
        if is(*at, "ON") && is(*at + 1, "CONFLICT") {
            *at += 2;
            name(at)?;
        }
        Ok::<(), Problem>(())
    };
    if is(at, "CONSTRAINT") {
        at += 1;
        name(&mut at)?;
    }
    let keyword = tokens.get(at).and_then(Token::keyword);
    at += 1;
    match keyword.as_deref() {
        Some("PRIMARY") => {
            expect(&mut at, "KEY")?;
            if is(at, "ASC") || is(at, "DESC") {
                at += 1;
            }
            conflict(&mut at)?;
            if is(at, "AUTOINCREMENT") {
                at += 1;
            }
        }
        Some("NOT") => {
            expect(&mut at, "NULL")?;
            conflict(&mut at)?;
        }
        Some("NULL" | "UNIQUE") => conflict(&mut at)?,
        Some("CHECK") => group(&mut at)?,
        Some("DEFAULT") => match tokens.get(at).map(|t| &t.kind) {
            Some(Kind::Punct("(")) => group(&mut at)?,
            Some(Kind::Punct("+" | "-")) => {
                at += 1;
                match tokens.get(at).map(|t| &t.kind) {
                    Some(Kind::Literal | Kind::Word(_)) => at += 1,
                    _ => return Err(unexpected(at)),
                }
            }
            Some(Kind::Literal | Kind::String(_) | Kind::Word(_) | Kind::Quoted(_)) => at += 1,
            _ => return Err(unexpected(at)),
        },
        Some("COLLATE") => name(&mut at)?,
        Some("REFERENCES") => {
            name(&mut at)?;
            if tokens.get(at).is_some_and(|t| t.is_punct("(")) {
                group(&mut at)?;
            }
            loop {
                if is(at, "ON") && (is(at + 1, "DELETE") || is(at + 1, "UPDATE")) {
                    at += 2;
                    let set = is(at, "SET") && (is(at + 1, "NULL") || is(at + 1, "DEFAULT"));
                    if set || (is(at, "NO") && is(at + 1, "ACTION")) {
                        at += 2;
                    } else if is(at, "CASCADE") || is(at, "RESTRICT") {
                        at += 1;
                    } else {
                        return Err(unexpected(at));
                    }
                } else if is(at, "MATCH") {
                    at += 1;
                    name(&mut at)?;
                } else {
                    break;
                }
            }
            let deferrable = if is(at, "NOT") && is(at + 1, "DEFERRABLE") {
                Some(at + 2)
            } else if is(at, "DEFERRABLE") {
                Some(at + 1)
            } else {
                None
            };
            if let Some(after) = deferrable {
                at = after;
                if is(at, "INITIALLY") && (is(at + 1, "DEFERRED") || is(at + 1, "IMMEDIATE")) {
                    at += 2;
                }
            }
        }
        Some("GENERATED") => {
            expect(&mut at, "ALWAYS")?;
            expect(&mut at, "AS")?;
            group(&mut at)?;
            if is(at, "STORED") || is(at, "VIRTUAL") {
                at += 1;
            }
        }
        Some("AS") => {
            group(&mut at)?;
            if is(at, "STORED") || is(at, "VIRTUAL") {
                at += 1;
            }
        }
        _ => return Err(unexpected(at - 1)),
    }
    Ok(at)
}

/// The tokens of a table constraint or column clause that can name one of
/// the table's own columns: not its constraint name, and nothing from
/// `REFERENCES` on (those name another table's columns).
fn own_names(tokens: &[Token]) -> impl Iterator<Item = &Token> {
    let mut after_constraint = false;
    tokens
        .iter()
        .take_while(|t| !t.is("REFERENCES"))
        .filter(move |t| {
            let is_name = std::mem::replace(&mut after_constraint, t.is("CONSTRAINT"));
            !is_name
        })
}

/// Whether a table constraint or column clause uses column `column`.
/// Text that does not tokenize counts as using it, which keeps more, never
/// less.
pub(super) fn uses_column(sql: &str, column: &str) -> bool {
    lex::tokenize(sql).map_or(true, |tokens| own_names(&tokens).any(|t| t.names(column)))
}

/// A table constraint or column clause with column `old` renamed to `new`:
/// each identifier token naming it replaced by `new`, quoted; the rest
/// (strings, comments, the constraint's name, what it references) as it
/// was, as SQLite's own `RENAME COLUMN` rewrites them.
pub(super) fn rename_column(sql: &str, old: &str, new: &str) -> String {
    let Ok(tokens) = lex::tokenize(sql) else {
        return sql.to_owned();
    };
    let mut out = String::with_capacity(sql.len());
    let mut copied = 0;
    for token in own_names(&tokens).filter(|t| t.names(old)) {
        out.push_str(&sql[copied..token.span.start]);
        out.push_str(&lex::quote(new));
        copied = token.span.end;
    }
    out.push_str(&sql[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_is_cut_into_exact_pieces() {
        let sql = "CREATE TABLE \"t\" (\n  \"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, -- the key\n  \
                   \"note\" text DEFAULT '\\''); DROP TABLE t; --' CHECK (note <> ',') COLLATE NOCASE,\n  \
                   \"g\" int GENERATED ALWAYS AS (id * 2) VIRTUAL,\n  \
                   \"r\" int CONSTRAINT \"fk\" REFERENCES \"o\" (\"id\") ON DELETE SET NULL NOT DEFERRABLE INITIALLY IMMEDIATE NOT NULL,\n  \
                   CONSTRAINT \"ck\" CHECK (r > 0 /* ) */)\n) WITHOUT ROWID, STRICT";
        let def = TableDef::parse(sql).unwrap();
        let names: Vec<&str> = def.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "note", "g", "r"]);
        let note = &def.columns[1];
        assert_eq!(note.ty.as_deref(), Some("text"));
        let clauses: Vec<&str> = note.clauses.iter().map(|c| c.sql.as_str()).collect();
        assert_eq!(
            clauses,
            [
                "DEFAULT '\\''); DROP TABLE t; --'",
                "CHECK (note <> ',')",
                "COLLATE NOCASE"
            ]
        );
        let r: Vec<(ClauseKind, Option<&str>)> = def.columns[3]
            .clauses
            .iter()
            .map(|c| (c.kind, c.name.as_deref()))
            .collect();
        assert_eq!(
            r,
            [
                (ClauseKind::References, Some("fk")),
                (ClauseKind::NotNull, None)
            ]
        );
        assert_eq!(
            def.constraints[0].sql,
            "CONSTRAINT \"ck\" CHECK (r > 0 /* ) */)"
        );
        assert_eq!(def.options, "WITHOUT ROWID, STRICT");
        assert_eq!(def.constraint_names(), ["ck", "fk"]);
        let again = TableDef::parse(&def.to_sql("t")).unwrap();
        assert_eq!(again.to_sql("t"), def.to_sql("t"));
        assert!(
            def.to_sql("t")
                .contains("\"note\" text DEFAULT '\\''); DROP TABLE t; --'")
        );
    }

    #[test]
    fn what_sqlite_would_not_read_is_refused() {
        for (sql, problem) in [
            ("CREATE TABLE t AS SELECT 1", "no column list"),
            ("CREATE TABLE t (a int DEFAULT)", "ends too soon"),
            (
                "CREATE TABLE t (a int NOT 5)",
                "cannot read the column clause at `5)`",
            ),
            (
                "CREATE TABLE t (a int, CHECK (a > 0), b int)",
                "follows a table constraint",
            ),
            (
                "CREATE TABLE t (a int DEFAULT 'x)",
                "an unterminated string",
            ),
            ("CREATE TABLE t (a int,)", "an empty item"),
        ] {
            let error = TableDef::parse(sql).unwrap_err();
            assert!(error.contains(problem), "{sql}: {error}");
        }
        assert!(
            Clause::parse("DEFAULT 1 2")
                .unwrap_err()
                .contains("`2` follows")
        );
    }

    #[test]
    fn renames_touch_the_tables_own_column_names_only() {
        assert_eq!(
            rename_column(
                "CONSTRAINT email CHECK (Email <> 'email' /* email */ AND \"email\" > '')",
                "email",
                "mail"
            ),
            "CONSTRAINT email CHECK (\"mail\" <> 'email' /* email */ AND \"mail\" > '')"
        );
        let fk = "CONSTRAINT \"fk\" FOREIGN KEY (\"a\") REFERENCES \"o\" (\"a\")";
        assert_eq!(
            rename_column(fk, "a", "b"),
            "CONSTRAINT \"fk\" FOREIGN KEY (\"b\") REFERENCES \"o\" (\"a\")"
        );
        assert!(uses_column(fk, "A"));
        assert!(!uses_column(fk, "o"));
        assert!(!uses_column("CONSTRAINT email UNIQUE (mail)", "email"));
    }
}
