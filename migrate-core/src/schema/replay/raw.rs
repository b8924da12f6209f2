//! Raw SQL in a replay. Statements sqlparser reads are replayed where
//! their effect is plain: DML has none; `CREATE TABLE` and `ALTER TABLE`
//! become the typed operations they amount to (`ddl`); `CREATE`/`DROP
//! VIEW`, `CREATE`/`DROP INDEX` over columns, `DROP TABLE` and `CREATE TYPE
//! .. AS ENUM` are folded in. Anything else makes what it names uncertain, from the names
//! it uses, or everything when it names none.

use std::collections::BTreeSet;

use sqlparser::ast::{Expr, ObjectType, Statement, UserDefinedTypeRepresentation};
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use super::super::model::{EnumType, Index, IndexPart, View};
use super::super::normalize;
use super::Replay;
use super::ddl::Names;
use crate::Backend;
use crate::ops::Operation;

impl Replay {
    /// Raw SQL: each statement replayed when its effect is plain, else
    /// what it may change made uncertain.
    pub(super) fn raw(&mut self, sql: Option<&str>) {
        let Some(sql) = sql else { return };
        let dialect: Box<dyn Dialect> = match self.schema.backend {
            Backend::Postgres => Box::new(PostgreSqlDialect {}),
            Backend::MySql => Box::new(MySqlDialect {}),
            Backend::Sqlite => Box::new(SQLiteDialect {}),
        };
        match Parser::parse_sql(dialect.as_ref(), sql) {
            Ok(statements) => {
                for statement in &statements {
                    if !self.statement(statement) {
                        self.names_uncertain(&statement.to_string());
                    }
                }
            }
            Err(_) => self.names_uncertain(sql),
        }
    }

    /// Replays one parsed statement; false when its effect is not plain.
    fn statement(&mut self, statement: &Statement) -> bool {
        let names = Names {
            backend: self.schema.backend,
        };
        match statement {
            Statement::CreateTable(create) => self.typed(names.create_table(create)),
            Statement::AlterTable(alter)
                if alter.if_exists
                    && names
                        .object(&alter.name)
                        .is_some_and(|t| !self.schema.tables.contains_key(&t)) =>
            {
                true
            }
            Statement::AlterTable(alter) => self.typed(names.alter_table(alter)),
            Statement::Query(_)
            | Statement::Insert(_)
            | Statement::Update(_)
            | Statement::Delete(_)
            | Statement::Truncate(_)
            | Statement::StartTransaction { .. }
            | Statement::Commit { .. }
            | Statement::Rollback { .. } => true,
            Statement::CreateView(view) => {
                if view.materialized || view.temporary || !view.columns.is_empty() {
                    return false;
                }
                let Some(name) = names.object(&view.name) else {
                    return false;
                };
                let exists = self.schema.views.contains_key(&name);
                if exists && view.if_not_exists {
                    return true;
                }
                if self.schema.tables.contains_key(&name) || (exists && !view.or_replace) {
                    return false;
                }
                let definition = normalize::expression(&view.query.to_string());
                self.schema.views.insert(
                    name.clone(),
                    View {
                        name: name.clone(),
                        definition,
                    },
                );
                self.written_views.insert(name);
                true
            }
            Statement::Drop {
                object_type,
                if_exists,
                names: dropped,
                cascade,
                table,
                ..
            } if !cascade => dropped.iter().all(|name| {
                let Some(name) = names.object(name) else {
                    return false;
                };
                let found = match object_type {
                    ObjectType::Table => self.schema.tables.remove(&name).is_some(),
                    ObjectType::View => {
                        self.written_views.remove(&name);
                        self.schema.views.remove(&name).is_some()
                    }
                    ObjectType::Index => {
                        let on = table.as_ref().and_then(|t| names.object(t));
                        self.drop_index(&name, on.as_deref())
                    }
                    _ => return false,
                };
                found || *if_exists
            }),
            Statement::CreateIndex(index) => {
                let (Some(name), Some(table)) = (
                    index.name.as_ref().and_then(|n| names.object(n)),
                    names.object(&index.table_name),
                ) else {
                    return false;
                };
                let parts: Option<Vec<IndexPart>> = index
                    .columns
                    .iter()
                    .map(|c| match &c.column.expr {
                        Expr::Identifier(ident)
                            if c.operator_class.is_none()
                                && c.column.options.sort.is_none()
                                && c.column.options.nulls_first.is_none() =>
                        {
                            Some(IndexPart::Column(names.ident(ident)))
                        }
                        _ => None,
                    })
                    .collect();
                let Some(parts) = parts else { return false };
                let plain = index.predicate.is_none()
                    && index.include.is_empty()
                    && index.with.is_empty()
                    && index.nulls_distinct.is_none();
                let Some(t) = self.schema.tables.get_mut(&table) else {
                    return false;
                };
                if !plain || t.index(&name).is_some() {
                    return index.if_not_exists && t.index(&name).is_some();
                }
                let known = parts.iter().all(|p| match p {
                    IndexPart::Column(c) => t.column(c).is_some(),
                    IndexPart::Expr(_) => false,
                });
                if !known {
                    return false;
                }
                t.indexes.push(Index {
                    name,
                    unique: index.unique,
                    parts,
                    predicate: None,
                    valid: true,
                });
                true
            }
            Statement::CreateType {
                name,
                representation: Some(UserDefinedTypeRepresentation::Enum { labels }),
            } if self.schema.backend == Backend::Postgres => {
                let Some(name) = names.object(name) else {
                    return false;
                };
                if self.schema.enums.contains_key(&name) {
                    return false;
                }
                let values = labels.iter().map(|l| l.value.clone()).collect();
                self.schema
                    .enums
                    .insert(name.clone(), EnumType { name, values });
                true
            }
            _ => false,
        }
    }

    /// Replays the typed operations raw DDL amounts to ([`Names`]); false
    /// when it has none, or the schema cannot take one of them.
    fn typed(&mut self, ops: Option<Vec<Operation>>) -> bool {
        let Some(ops) = ops else { return false };
        ops.iter().all(|op| self.apply(op).is_ok())
    }

    /// Drops index `name` (of table `on`, where the SQL names it); false
    /// when no table has it.
    fn drop_index(&mut self, name: &str, on: Option<&str>) -> bool {
        for (table, t) in &mut self.schema.tables {
            if on.is_some_and(|on| on != table) {
                continue;
            }
            let before = t.indexes.len();
            t.indexes.retain(|i| i.name != name);
            if t.indexes.len() < before {
                return true;
            }
        }
        false
    }

    /// What raw SQL the replay cannot follow may change: the tables and
    /// views it names, or everything when it names none (or does not
    /// tokenize).
    fn names_uncertain(&mut self, sql: &str) {
        let Some(words) = words(sql) else {
            self.uncertain.everything = true;
            return;
        };
        let mut named: BTreeSet<String> = objects_named(&words).into_iter().collect();
        for (word, _) in &words {
            let existing = self.schema.tables.keys().chain(self.schema.views.keys());
            named.extend(existing.filter(|n| n.eq_ignore_ascii_case(word)).cloned());
        }
        if named.is_empty() {
            self.uncertain.everything = true;
        } else {
            self.uncertain.tables.extend(named);
        }
    }
}

/// The words of `sql` with whether each was quoted, and `.` as a word of
/// its own; `None` when it does not tokenize.
fn words(sql: &str) -> Option<Vec<(String, bool)>> {
    use sqlparser::dialect::GenericDialect;
    use sqlparser::tokenizer::{Token, Tokenizer};

    let tokens = Tokenizer::new(&GenericDialect {}, sql).tokenize().ok()?;
    Some(
        tokens
            .into_iter()
            .filter_map(|t| match t {
                Token::Word(w) if w.quote_style.is_none() => {
                    Some((w.value.to_ascii_lowercase(), false))
                }
                Token::Word(w) => Some((w.value, true)),
                Token::Period => Some((".".to_owned(), true)),
                Token::Whitespace(_) => None,
                _ => Some((String::new(), true)),
            })
            .collect(),
    )
}

/// The names that follow `TABLE`, `VIEW`, `ON`, `INTO`, `FROM`, `JOIN` and
/// `UPDATE`: the tables and views the SQL may create, change or read (`IF
/// [NOT] EXISTS` skipped, a schema qualifier dropped).
fn objects_named(words: &[(String, bool)]) -> Vec<String> {
    const BEFORE_A_NAME: [&str; 7] = ["table", "view", "on", "into", "from", "join", "update"];
    const SKIPPED: [&str; 3] = ["if", "not", "exists"];
    let keyword = |at: usize, set: &[&str]| {
        words
            .get(at)
            .is_some_and(|(w, quoted)| !quoted && set.contains(&w.as_str()))
    };
    let name = |at: usize| {
        words
            .get(at)
            .filter(|(w, _)| !w.is_empty() && w != ".")
            .map(|(w, _)| w.clone())
    };
    let mut out = Vec::new();
    for i in 0..words.len() {
        if !keyword(i, &BEFORE_A_NAME) {
            continue;
        }
        let mut j = i + 1;
        while keyword(j, &SKIPPED) {
            j += 1;
        }
        let Some(mut found) = name(j) else { continue };
        while words.get(j + 1).is_some_and(|(w, _)| w == ".") {
            match name(j + 2) {
                Some(part) => found = part,
                None => break,
            }
            j += 2;
        }
        out.push(found);
    }
    out
}
