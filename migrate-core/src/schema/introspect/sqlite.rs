//! SQLite, from `sqlite_schema` and the table-valued pragmas.
//!
//! The pragmas give columns, keys and indexes; what they leave out (check
//! constraints, constraint names, `AUTOINCREMENT`, index expressions and
//! predicates) comes from parsing the stored `CREATE` statements with
//! `sqlparser`.

use std::collections::BTreeMap;

use sqlparser::ast::{ColumnOption, CreateIndex, CreateTable, Expr, Statement, TableConstraint};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::{IntrospectError, Reader, cell, opt, yes};
use crate::Backend;
use crate::schema::model::{
    Check, Column, FkAction, ForeignKey, Index, IndexPart, PrimaryKey, Schema, Table, Unique, View,
};
use crate::schema::normalize;

const TABLES: &str = "FROM sqlite_schema m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'";

pub(super) async fn read(db: &mut Reader<'_>) -> Result<Schema, IntrospectError> {
    let mut schema = Schema::new(Backend::Sqlite);
    let mut definitions = BTreeMap::new();
    for row in db
        .rows("tables", &format!("SELECT m.name, m.sql {TABLES}"))
        .await?
    {
        let name = cell(&row, 0);
        definitions.insert(name.clone(), Definition::parse(&cell(&row, 1)));
        schema.tables.insert(name.clone(), Table::new(name));
    }

    let columns = format!(
        "SELECT m.name, p.name, p.type, CAST(p.\"notnull\" AS TEXT), p.dflt_value, \
         CAST(p.pk AS TEXT) {} ORDER BY m.name, p.cid",
        TABLES.replacen(
            "FROM sqlite_schema m",
            "FROM sqlite_schema m JOIN pragma_table_info(m.name) p",
            1
        )
    );
    let mut keys: BTreeMap<String, Vec<(u32, String)>> = BTreeMap::new();
    for row in db.rows("columns", &columns).await? {
        let table_name = cell(&row, 0);
        let Some(table) = schema.tables.get_mut(&table_name) else {
            continue;
        };
        let name = cell(&row, 1);
        let ty = normalize::sql_type(&cell(&row, 2));
        let position: u32 = cell(&row, 5).parse().unwrap_or(0);
        if position > 0 {
            keys.entry(table_name.clone())
                .or_default()
                .push((position, name.clone()));
        }
        let definition = &definitions[&table_name];
        table.columns.push(Column {
            identity: position > 0 && definition.autoincrement,
            default: opt(&row, 4).and_then(|d| normalize::default(&d, &ty)),
            name,
            ty,
            nullable: !yes(&row, 3),
            comment: None,
        });
    }
    for (table_name, mut columns) in keys {
        columns.sort();
        if let Some(table) = schema.tables.get_mut(&table_name) {
            table.primary_key = Some(PrimaryKey {
                name: definitions[&table_name].primary_key.clone(),
                columns: columns.into_iter().map(|(_, c)| c).collect(),
            });
        }
    }

    read_foreign_keys(db, &mut schema.tables, &definitions).await?;
    read_indexes(db, &mut schema.tables, &definitions).await?;
    for (name, definition) in definitions {
        if let Some(table) = schema.tables.get_mut(&name) {
            table.checks = definition.checks;
        }
    }

    let views = "SELECT name, sql FROM sqlite_schema WHERE type = 'view'";
    for row in db.rows("views", views).await? {
        let name = cell(&row, 0);
        let sql = cell(&row, 1);
        let query = view_query(&sql).unwrap_or(&sql);
        let definition = normalize::expression(query);
        schema.views.insert(name.clone(), View { name, definition });
    }
    Ok(schema)
}

/// What the pragmas do not say about a table, from its `CREATE TABLE`.
#[derive(Debug, Default)]
struct Definition {
    autoincrement: bool,
    primary_key: Option<String>,
    checks: Vec<Check>,
    /// Constraint names by (kind, columns).
    names: Vec<(&'static str, Vec<String>, String)>,
}

impl Definition {
    fn parse(sql: &str) -> Self {
        let create = match Parser::parse_sql(&SQLiteDialect {}, sql) {
            Ok(mut statements) => match statements.pop() {
                Some(Statement::CreateTable(create)) => create,
                _ => return Self::unparsed(sql),
            },
            Err(_) => return Self::unparsed(sql),
        };
        let mut definition = Self {
            autoincrement: autoincrement(sql),
            ..Self::default()
        };
        definition.read(&create);
        definition
    }

    /// A table sqlparser cannot read still compares: its whole definition
    /// stands in for the checks.
    fn unparsed(sql: &str) -> Self {
        Self {
            autoincrement: autoincrement(sql),
            checks: vec![Check {
                name: None,
                expr: format!("table definition: {}", normalize::expression(sql)),
            }],
            ..Self::default()
        }
    }

    fn read(&mut self, create: &CreateTable) {
        for column in &create.columns {
            let one = vec![column.name.value.clone()];
            for option in &column.options {
                let name = option.name.as_ref().map(|n| n.value.clone());
                match &option.option {
                    ColumnOption::Check(check) => self.checks.push(Check {
                        name: name.or_else(|| check.name.as_ref().map(|n| n.value.clone())),
                        expr: normalize::expression(&check.expr.to_string()),
                    }),
                    ColumnOption::PrimaryKey(_) => self.primary_key = name,
                    ColumnOption::Unique(_) => self.name("unique", one.clone(), name),
                    ColumnOption::ForeignKey(_) => self.name("foreign key", one.clone(), name),
                    _ => {}
                }
            }
        }
        for constraint in &create.constraints {
            match constraint {
                TableConstraint::Check(check) => self.checks.push(Check {
                    name: check.name.as_ref().map(|n| n.value.clone()),
                    expr: normalize::expression(&check.expr.to_string()),
                }),
                TableConstraint::PrimaryKey(key) => {
                    self.primary_key = key.name.as_ref().map(|n| n.value.clone());
                }
                TableConstraint::Unique(unique) => {
                    let columns = unique
                        .columns
                        .iter()
                        .map(|c| identifier(&c.column.expr))
                        .collect();
                    self.name(
                        "unique",
                        columns,
                        unique.name.as_ref().map(|n| n.value.clone()),
                    );
                }
                TableConstraint::ForeignKey(fk) => {
                    let columns = fk.columns.iter().map(|c| c.value.clone()).collect();
                    self.name(
                        "foreign key",
                        columns,
                        fk.name.as_ref().map(|n| n.value.clone()),
                    );
                }
                _ => {}
            }
        }
    }

    fn name(&mut self, kind: &'static str, columns: Vec<String>, name: Option<String>) {
        if let Some(name) = name {
            self.names.push((kind, columns, name));
        }
    }

    fn name_of(&self, kind: &str, columns: &[String]) -> Option<String> {
        self.names
            .iter()
            .find(|(k, c, _)| {
                *k == kind
                    && c.len() == columns.len()
                    && c.iter()
                        .zip(columns)
                        .all(|(a, b)| a.eq_ignore_ascii_case(b))
            })
            .map(|(_, _, name)| name.clone())
    }
}

fn identifier(expr: &Expr) -> String {
    match expr {
        Expr::Identifier(ident) => ident.value.clone(),
        other => other.to_string(),
    }
}

/// Whether the table was declared with `AUTOINCREMENT` (only its `INTEGER
/// PRIMARY KEY` column can be).
fn autoincrement(sql: &str) -> bool {
    Tokenizer::new(&SQLiteDialect {}, sql)
        .tokenize()
        .is_ok_and(|tokens| {
            tokens
                .iter()
                .any(|t| matches!(t, Token::Word(w) if w.value.eq_ignore_ascii_case("autoincrement") && w.quote_style.is_none()))
        })
}

/// The query of `CREATE VIEW name AS query`.
fn view_query(sql: &str) -> Option<&str> {
    let tokens = Tokenizer::new(&SQLiteDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
    let as_token = tokens.iter().find(
        |t| matches!(&t.token, Token::Word(w) if w.value.eq_ignore_ascii_case("as") && w.quote_style.is_none()),
    )?;
    // Locations are 1-based lines and columns.
    let offset: usize = sql
        .split_inclusive('\n')
        .take(as_token.span.start.line as usize - 1)
        .map(str::len)
        .sum::<usize>()
        + as_token.span.start.column as usize
        - 1;
    sql.get(offset + 2..)
}

fn action(rule: &str) -> FkAction {
    match rule {
        "CASCADE" => FkAction::Cascade,
        "SET NULL" => FkAction::SetNull,
        "SET DEFAULT" => FkAction::SetDefault,
        "RESTRICT" => FkAction::Restrict,
        _ => FkAction::NoAction,
    }
}

async fn read_foreign_keys(
    db: &mut Reader<'_>,
    tables: &mut BTreeMap<String, Table>,
    definitions: &BTreeMap<String, Definition>,
) -> Result<(), IntrospectError> {
    let sql = format!(
        "SELECT m.name, CAST(f.id AS TEXT), f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete {} \
         ORDER BY m.name, f.id, f.seq",
        TABLES.replacen(
            "FROM sqlite_schema m",
            "FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) f",
            1
        )
    );
    let rows = db.rows("foreign keys", &sql).await?;
    let mut grouped: Vec<(String, ForeignKey)> = Vec::new();
    let mut last = (String::new(), String::new());
    for row in rows {
        let key = (cell(&row, 0), cell(&row, 1));
        if key != last || grouped.is_empty() {
            grouped.push((
                key.0.clone(),
                ForeignKey {
                    name: None,
                    columns: Vec::new(),
                    ref_table: cell(&row, 2),
                    ref_columns: Vec::new(),
                    on_delete: action(&cell(&row, 6)),
                    on_update: action(&cell(&row, 5)),
                },
            ));
            last = key;
        }
        let (_, fk) = grouped.last_mut().expect("pushed above");
        fk.columns.push(cell(&row, 3));
        // `REFERENCES t` without columns means t's primary key.
        if let Some(to) = opt(&row, 4) {
            fk.ref_columns.push(to);
        }
    }
    for (table_name, mut fk) in grouped {
        if fk.ref_columns.is_empty()
            && let Some(key) = tables
                .get(&fk.ref_table)
                .and_then(|t| t.primary_key.as_ref())
        {
            fk.ref_columns = key.columns.clone();
        }
        fk.name = definitions[&table_name].name_of("foreign key", &fk.columns);
        if let Some(table) = tables.get_mut(&table_name) {
            table.foreign_keys.push(fk);
        }
    }
    Ok(())
}

/// Indexes, and unique constraints (their automatic indexes), one row per
/// key column.
async fn read_indexes(
    db: &mut Reader<'_>,
    tables: &mut BTreeMap<String, Table>,
    definitions: &BTreeMap<String, Definition>,
) -> Result<(), IntrospectError> {
    let sql = format!(
        "SELECT m.name, il.name, CAST(il.\"unique\" AS TEXT), il.origin, s.sql, ii.name {} \
         ORDER BY m.name, il.name, ii.seqno",
        TABLES.replacen(
            "FROM sqlite_schema m",
            "FROM sqlite_schema m JOIN pragma_index_list(m.name) il \
             JOIN pragma_index_info(il.name) ii \
             LEFT JOIN sqlite_schema s ON s.type = 'index' AND s.name = il.name",
            1
        )
    );
    let mut parsed: BTreeMap<String, Option<CreateIndex>> = BTreeMap::new();
    for row in db.rows("indexes", &sql).await? {
        let (table_name, name, origin) = (cell(&row, 0), cell(&row, 1), cell(&row, 3));
        let Some(table) = tables.get_mut(&table_name) else {
            continue;
        };
        match origin.as_str() {
            "pk" => {}
            "u" => {
                let column = cell(&row, 5);
                match table.uniques.last_mut() {
                    Some(Unique {
                        name: Some(n),
                        columns,
                    }) if *n == name => columns.push(column),
                    _ => table.uniques.push(Unique {
                        name: Some(name),
                        columns: vec![column],
                    }),
                }
            }
            _ => {
                let create = parsed
                    .entry(name.clone())
                    .or_insert_with(|| parse_index(&cell(&row, 4)));
                let position = table
                    .indexes
                    .iter()
                    .find(|i| i.name == name)
                    .map_or(0, |i| i.parts.len());
                let part = match opt(&row, 5) {
                    Some(column) => IndexPart::Column(column),
                    None => IndexPart::Expr(
                        create
                            .as_ref()
                            .and_then(|c| c.columns.get(position))
                            .map(|c| normalize::expression(&c.column.expr.to_string()))
                            .unwrap_or_else(|| "?".to_owned()),
                    ),
                };
                match table.indexes.iter_mut().find(|i| i.name == name) {
                    Some(index) => index.parts.push(part),
                    None => table.indexes.push(Index {
                        unique: yes(&row, 2),
                        predicate: create
                            .as_ref()
                            .and_then(|c| c.predicate.as_ref())
                            .map(|p| normalize::expression(&p.to_string())),
                        name,
                        parts: vec![part],
                        valid: true,
                    }),
                }
            }
        }
    }
    // The automatic index's name (`sqlite_autoindex_t_1`) is SQLite's; the
    // constraint's own name, if any, is in the table's definition.
    for (table_name, table) in tables.iter_mut() {
        for unique in &mut table.uniques {
            unique.name = definitions[table_name].name_of("unique", &unique.columns);
        }
    }
    Ok(())
}

fn parse_index(sql: &str) -> Option<CreateIndex> {
    match Parser::parse_sql(&SQLiteDialect {}, sql).ok()?.pop()? {
        Statement::CreateIndex(create) => Some(create),
        _ => None,
    }
}
