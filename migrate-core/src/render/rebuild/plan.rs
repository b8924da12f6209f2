//! Deriving the rebuild's statements from the table's current definition.
//!
//! The table's `CREATE TABLE` is parsed with `sqlparser` (SQLite dialect),
//! changed as an AST, and printed back, so everything the migration does not
//! touch (AUTOINCREMENT, COLLATE, checks, foreign keys, `WITHOUT ROWID`,
//! `STRICT`) is carried over as it was.

use sqlparser::ast::{
    ColumnDef, ColumnOption, CreateTable, Ident, ObjectName, Statement, TableConstraint,
};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::{Rebuild, SchemaObject, TableChange};

/// A rebuild that cannot be derived from the table as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RebuildError {
    /// The table does not exist.
    #[error("rebuild table `{table}`: the table does not exist; create it in an earlier step")]
    NoTable {
        /// The table.
        table: String,
    },
    /// SQL that could not be parsed: the table's own definition, or a
    /// rendered fragment.
    #[error("rebuild table `{table}`: cannot parse {what} `{sql}`: {message}")]
    Parse {
        /// The table.
        table: String,
        /// What was parsed.
        what: &'static str,
        /// The SQL.
        sql: String,
        /// The parser's message.
        message: String,
    },
    /// A change names a column the table does not have.
    #[error("rebuild table `{table}`: no column `{column}`; the table has {}", .columns.join(", "))]
    UnknownColumn {
        /// The table.
        table: String,
        /// The column asked for.
        column: String,
        /// The columns it has.
        columns: Vec<String>,
    },
    /// A new column or constraint takes a name already in use.
    #[error("rebuild table `{table}`: `{name}` already exists; choose another name")]
    Duplicate {
        /// The table.
        table: String,
        /// The name.
        name: String,
    },
    /// A change names a constraint the table does not have.
    #[error("rebuild table `{table}`: no constraint `{name}`; its named constraints are {}", if .names.is_empty() { "none".to_owned() } else { .names.join(", ") })]
    UnknownConstraint {
        /// The table.
        table: String,
        /// The constraint asked for.
        name: String,
        /// The named constraints it has.
        names: Vec<String>,
    },
}

impl Rebuild {
    /// The statements of the 12-step rebuild, derived from `schema` (the rows
    /// of [`Rebuild::SCHEMA_QUERY`] read inside the migration's transaction).
    ///
    /// In order: drop the views and the other tables' triggers that mention
    /// the table (SQLite's `RENAME` checks them and would fail while the
    /// table is missing), create the new table, copy the rows, drop the old
    /// table, rename the new one, then recreate the indexes, triggers and
    /// views, and read each view once so that one left broken fails the
    /// migration. Indexes on a dropped column are dropped with it.
    pub fn statements(&self, schema: &[SchemaObject]) -> Result<Vec<String>, RebuildError> {
        let table = schema
            .iter()
            .find(|o| o.kind == "table" && same(&o.name, &self.table))
            .ok_or_else(|| RebuildError::NoTable {
                table: self.table.clone(),
            })?;
        let mut work = Work {
            table: &self.table,
            create: parse_create(&self.table, "the table's definition", &table.sql)?,
            copies: Vec::new(),
            dropped: Vec::new(),
        };
        work.copies = work
            .create
            .columns
            .iter()
            .map(|c| (c.name.value.clone(), c.name.value.clone()))
            .collect();
        for change in &self.changes {
            work.apply(change)?;
        }

        let on_table = |o: &&SchemaObject| same(&o.table, &self.table);
        let indexes: Vec<&SchemaObject> = schema
            .iter()
            .filter(|o| o.kind == "index")
            .filter(on_table)
            .filter(|o| {
                !work
                    .dropped
                    .iter()
                    .any(|c| mentions(&after_paren(&o.sql), c))
            })
            .collect();
        let own_triggers: Vec<&SchemaObject> = schema
            .iter()
            .filter(|o| o.kind == "trigger")
            .filter(on_table)
            .collect();
        let dependents: Vec<&SchemaObject> = schema
            .iter()
            .filter(|o| o.kind == "view" || (o.kind == "trigger" && !same(&o.table, &self.table)))
            .filter(|o| mentions(&o.sql, &self.table))
            .collect();

        let old = quote(&self.table);
        let new_name = format!("_migrate_new_{}", self.table);
        let new = quote(&new_name);
        work.create.name = ObjectName::from(vec![Ident::with_quote('"', new_name.clone())]);
        work.create.if_not_exists = false;

        let mut out = Vec::new();
        for o in &dependents {
            out.push(format!("DROP {} {}", o.kind.to_uppercase(), quote(&o.name)));
        }
        out.push(work.create.to_string());
        let (targets, sources): (Vec<String>, Vec<String>) = work
            .copies
            .iter()
            .map(|(to, from)| (quote(to), quote(from)))
            .unzip();
        if !targets.is_empty() {
            out.push(format!(
                "INSERT INTO {new} ({}) SELECT {} FROM {old}",
                targets.join(", "),
                sources.join(", ")
            ));
        }
        out.push(format!("DROP TABLE {old}"));
        out.push(format!("ALTER TABLE {new} RENAME TO {old}"));
        out.extend(indexes.iter().map(|o| o.sql.clone()));
        out.extend(own_triggers.iter().map(|o| o.sql.clone()));
        // Views may read each other: recreate them in their original order.
        out.extend(dependents.iter().map(|o| o.sql.clone()));
        // SQLite accepts a view over a column that is gone and fails only
        // when it is read: read each one now, so the migration fails instead.
        for view in dependents.iter().filter(|o| o.kind == "view") {
            out.push(format!("SELECT * FROM {} LIMIT 0", quote(&view.name)));
        }
        Ok(out)
    }
}

/// The table's definition as it is being changed.
struct Work<'a> {
    table: &'a str,
    create: CreateTable,
    /// `(new column, old column)` for the rows' copy.
    copies: Vec<(String, String)>,
    /// Columns dropped, whose indexes go too.
    dropped: Vec<String>,
}

impl Work<'_> {
    fn apply(&mut self, change: &TableChange) -> Result<(), RebuildError> {
        match change {
            TableChange::AddColumn { column, definition } => {
                if self.position(column).is_some() {
                    return Err(self.duplicate(column));
                }
                let def = self.parse_column(definition)?;
                self.create.columns.push(def);
            }
            TableChange::DropColumn { column } => {
                let i = self.column(column)?;
                let name = self.create.columns.remove(i).name.value;
                self.copies.retain(|(to, _)| !same(to, &name));
                self.create
                    .constraints
                    .retain(|c| !mentions(&c.to_string(), &name));
                for other in &mut self.create.columns {
                    other.options.retain(|o| {
                        !matches!(&o.option, ColumnOption::Check(_))
                            || !mentions(&o.to_string(), &name)
                    });
                }
                self.dropped.push(name);
            }
            TableChange::ReplaceColumn { column, definition } => {
                let i = self.column(column)?;
                let def = self.parse_column(definition)?;
                let old = self.create.columns[i].name.value.clone();
                if !same(&def.name.value, &old) {
                    if self.position(&def.name.value).is_some() {
                        return Err(self.duplicate(&def.name.value));
                    }
                    self.rename_in_constraints(&old, &def.name);
                }
                for copy in &mut self.copies {
                    if same(&copy.0, &old) {
                        copy.0.clone_from(&def.name.value);
                    }
                }
                self.create.columns[i] = def;
            }
            TableChange::AlterColumn {
                column,
                ty,
                nullable,
                default,
            } => {
                let i = self.column(column)?;
                if let Some(ty) = ty {
                    let parsed = self.parse_column(&format!("\"c\" {ty}"))?;
                    self.create.columns[i].data_type = parsed.data_type;
                }
                let options = &mut self.create.columns[i].options;
                if let Some(nullable) = nullable {
                    options.retain(|o| {
                        !matches!(o.option, ColumnOption::Null | ColumnOption::NotNull)
                    });
                    let option = if *nullable {
                        ColumnOption::Null
                    } else {
                        ColumnOption::NotNull
                    };
                    options.push(sqlparser::ast::ColumnOptionDef { name: None, option });
                }
                if let Some(default) = default {
                    let parsed = match default {
                        Some(expr) => {
                            Some(self.parse_column(&format!("\"c\" int DEFAULT {expr}"))?)
                        }
                        None => None,
                    };
                    let options = &mut self.create.columns[i].options;
                    options.retain(|o| !matches!(o.option, ColumnOption::Default(_)));
                    if let Some(parsed) = parsed {
                        options.extend(
                            parsed
                                .options
                                .into_iter()
                                .filter(|o| matches!(o.option, ColumnOption::Default(_))),
                        );
                    }
                }
            }
            TableChange::AddConstraint { name, definition } => {
                if !self.constraint_names().iter().all(|n| !same(n, name)) {
                    return Err(self.duplicate(name));
                }
                let sql = format!("CREATE TABLE \"x\" (\"x\" int, {definition})");
                let mut parsed = parse_create(self.table, "the new constraint", &sql)?;
                self.create.constraints.append(&mut parsed.constraints);
            }
            TableChange::DropConstraint { name } => {
                let before = self.constraint_names().len();
                self.create
                    .constraints
                    .retain(|c| !constraint_name(c).is_some_and(|n| same(&n.value, name)));
                for column in &mut self.create.columns {
                    column
                        .options
                        .retain(|o| !o.name.as_ref().is_some_and(|n| same(&n.value, name)));
                }
                if self.constraint_names().len() == before {
                    return Err(RebuildError::UnknownConstraint {
                        table: self.table.to_owned(),
                        name: name.clone(),
                        names: self.constraint_names(),
                    });
                }
            }
        }
        Ok(())
    }

    fn position(&self, column: &str) -> Option<usize> {
        self.create
            .columns
            .iter()
            .position(|c| same(&c.name.value, column))
    }

    fn column(&self, column: &str) -> Result<usize, RebuildError> {
        self.position(column)
            .ok_or_else(|| RebuildError::UnknownColumn {
                table: self.table.to_owned(),
                column: column.to_owned(),
                columns: self
                    .create
                    .columns
                    .iter()
                    .map(|c| c.name.value.clone())
                    .collect(),
            })
    }

    fn duplicate(&self, name: &str) -> RebuildError {
        RebuildError::Duplicate {
            table: self.table.to_owned(),
            name: name.to_owned(),
        }
    }

    fn parse_column(&self, definition: &str) -> Result<ColumnDef, RebuildError> {
        let sql = format!("CREATE TABLE \"x\" ({definition})");
        let mut create = parse_create(self.table, "the column definition", &sql)?;
        Ok(create.columns.remove(0))
    }

    /// Every named table or column constraint.
    fn constraint_names(&self) -> Vec<String> {
        let table = self
            .create
            .constraints
            .iter()
            .filter_map(constraint_name)
            .map(|n| n.value.clone());
        let columns = self
            .create
            .columns
            .iter()
            .flat_map(|c| &c.options)
            .filter_map(|o| o.name.as_ref().map(|n| n.value.clone()));
        table.chain(columns).collect()
    }

    /// A renamed column in the column lists of table constraints.
    fn rename_in_constraints(&mut self, old: &str, new: &Ident) {
        let rename = |ident: &mut Ident| {
            if same(&ident.value, old) {
                *ident = new.clone();
            }
        };
        for constraint in &mut self.create.constraints {
            match constraint {
                TableConstraint::Unique(c) => {
                    for column in &mut c.columns {
                        if let sqlparser::ast::Expr::Identifier(ident) = &mut column.column.expr {
                            rename(ident);
                        }
                    }
                }
                TableConstraint::PrimaryKey(c) => {
                    for column in &mut c.columns {
                        if let sqlparser::ast::Expr::Identifier(ident) = &mut column.column.expr {
                            rename(ident);
                        }
                    }
                }
                TableConstraint::ForeignKey(c) => c.columns.iter_mut().for_each(rename),
                _ => {}
            }
        }
    }
}

fn constraint_name(constraint: &TableConstraint) -> Option<&Ident> {
    match constraint {
        TableConstraint::Unique(c) => c.name.as_ref(),
        TableConstraint::PrimaryKey(c) => c.name.as_ref(),
        TableConstraint::ForeignKey(c) => c.name.as_ref(),
        TableConstraint::Check(c) => c.name.as_ref(),
        _ => None,
    }
}

fn parse_create(table: &str, what: &'static str, sql: &str) -> Result<CreateTable, RebuildError> {
    let error = |message: String| RebuildError::Parse {
        table: table.to_owned(),
        what,
        sql: sql.to_owned(),
        message,
    };
    let mut statements =
        Parser::parse_sql(&SQLiteDialect {}, sql).map_err(|e| error(e.to_string()))?;
    match statements.pop() {
        Some(Statement::CreateTable(create)) if statements.is_empty() => Ok(create),
        _ => Err(error("not a single CREATE TABLE statement".to_owned())),
    }
}

/// Whether `sql` uses the identifier `name` (quoted or not), as a token, not
/// as part of a string.
fn mentions(sql: &str, name: &str) -> bool {
    let Ok(tokens) = Tokenizer::new(&SQLiteDialect {}, sql).tokenize() else {
        // Unparseable: assume it does, which keeps more, never less.
        return true;
    };
    tokens
        .iter()
        .any(|t| matches!(t, Token::Word(w) if same(&w.value, name)))
}

/// The part of an index definition after its first `(`: the key, not the
/// index's or table's name.
fn after_paren(sql: &str) -> String {
    sql.split_once('(')
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_default()
}

/// SQLite compares identifiers without regard to ASCII case.
fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
