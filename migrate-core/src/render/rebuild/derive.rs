//! Deriving the rebuild's statements from the table's current definition.
//!
//! The table's stored `CREATE TABLE` is cut into pieces with SQLite's own
//! tokenizer rules ([`table`](super::table)); the changes swap, add and
//! remove pieces, and every piece they do not touch is written back as the
//! text it was. So everything the migration does not change (defaults,
//! checks, generated columns, collations, AUTOINCREMENT, foreign keys,
//! `WITHOUT ROWID`, `STRICT`, even comments) is carried over byte for byte.

use super::lex::{self, mentions, quote};
use super::table::{
    Clause, ClauseKind, ColumnDef, ConstraintDef, TableDef, rename_column, uses_column,
};
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
    /// SQL that could not be read: the table's own definition, or a
    /// rendered fragment.
    #[error("rebuild table `{table}`: cannot parse {what} `{sql}`: {message}")]
    Parse {
        /// The table.
        table: String,
        /// What was parsed.
        what: &'static str,
        /// The SQL.
        sql: String,
        /// What is wrong with it.
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
        let create = TableDef::parse(&table.sql)
            .map_err(|message| self.parse_error("the table's definition", &table.sql, message))?;
        let mut work = Work {
            rebuild: self,
            copies: create
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.name.clone()))
                .collect(),
            create,
            dropped: Vec::new(),
        };
        for change in &self.changes {
            work.apply(change)?;
        }

        let on_table = |o: &&SchemaObject| same(&o.table, &self.table);
        let indexes: Vec<&SchemaObject> = schema
            .iter()
            .filter(|o| o.kind == "index")
            .filter(on_table)
            .filter(|o| !work.dropped.iter().any(|c| key_mentions(&o.sql, c)))
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

        let mut out = Vec::new();
        for o in &dependents {
            out.push(format!("DROP {} {}", o.kind.to_uppercase(), quote(&o.name)));
        }
        out.push(work.create.to_sql(&new_name));
        // A generated column computes its values; it takes no copy.
        let generated = |name: &str| {
            work.create
                .columns
                .iter()
                .any(|c| same(&c.name, name) && c.is_generated())
        };
        let (targets, sources): (Vec<String>, Vec<String>) = work
            .copies
            .iter()
            .filter(|(to, _)| !generated(to))
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

    fn parse_error(&self, what: &'static str, sql: &str, message: String) -> RebuildError {
        RebuildError::Parse {
            table: self.table.clone(),
            what,
            sql: sql.to_owned(),
            message,
        }
    }
}

/// The table's definition as it is being changed.
struct Work<'a> {
    rebuild: &'a Rebuild,
    create: TableDef,
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
                let name = self.create.columns.remove(i).name;
                self.copies.retain(|(to, _)| !same(to, &name));
                self.create
                    .constraints
                    .retain(|c| !uses_column(&c.sql, &name));
                for other in &mut self.create.columns {
                    let checks_it =
                        |c: &Clause| c.kind == ClauseKind::Check && uses_column(&c.sql, &name);
                    if other.clauses.iter().any(checks_it) {
                        other.clauses_mut().retain(|c| !checks_it(c));
                    }
                }
                self.dropped.push(name);
            }
            TableChange::ReplaceColumn { column, definition } => {
                let i = self.column(column)?;
                let def = self.parse_column(definition)?;
                let old = self.create.columns[i].name.clone();
                if !same(&def.name, &old) {
                    if self.position(&def.name).is_some() {
                        return Err(self.duplicate(&def.name));
                    }
                    self.rename_in_constraints(&old, &def.name);
                }
                for copy in &mut self.copies {
                    if same(&copy.0, &old) {
                        copy.0.clone_from(&def.name);
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
                    // The type must be a type and nothing more.
                    let parsed = self.parse_column(&format!("\"c\" {ty}"))?;
                    if !parsed.clauses.is_empty() {
                        return Err(self.rebuild.parse_error(
                            "the column type",
                            ty,
                            "a type followed by a column clause".to_owned(),
                        ));
                    }
                    self.create.columns[i].set_type(ty);
                }
                if let Some(nullable) = nullable {
                    let clause = if *nullable { "NULL" } else { "NOT NULL" };
                    let clause = self.parse_clause(clause)?;
                    let clauses = self.create.columns[i].clauses_mut();
                    clauses.retain(|c| !matches!(c.kind, ClauseKind::Null | ClauseKind::NotNull));
                    clauses.push(clause);
                }
                if let Some(default) = default {
                    let clause = match default {
                        Some(expr) => Some(self.parse_clause(&format!("DEFAULT {expr}"))?),
                        None => None,
                    };
                    let clauses = self.create.columns[i].clauses_mut();
                    clauses.retain(|c| c.kind != ClauseKind::Default);
                    clauses.extend(clause);
                }
            }
            TableChange::AddConstraint { name, definition } => {
                if self.create.constraint_names().iter().any(|n| same(n, name)) {
                    return Err(self.duplicate(name));
                }
                let constraint = ConstraintDef::parse(definition).map_err(|message| {
                    self.rebuild
                        .parse_error("the new constraint", definition, message)
                })?;
                self.create.constraints.push(constraint);
            }
            TableChange::DropConstraint { name, if_exists } => {
                let before = self.create.constraint_names().len();
                self.create
                    .constraints
                    .retain(|c| !c.name.as_ref().is_some_and(|n| same(n, name)));
                for column in &mut self.create.columns {
                    let named = |c: &Clause| c.name.as_ref().is_some_and(|n| same(n, name));
                    if column.clauses.iter().any(named) {
                        column.clauses_mut().retain(|c| !named(c));
                    }
                }
                if self.create.constraint_names().len() == before && !if_exists {
                    return Err(RebuildError::UnknownConstraint {
                        table: self.rebuild.table.clone(),
                        name: name.clone(),
                        names: self.create.constraint_names(),
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
            .position(|c| same(&c.name, column))
    }

    fn column(&self, column: &str) -> Result<usize, RebuildError> {
        self.position(column)
            .ok_or_else(|| RebuildError::UnknownColumn {
                table: self.rebuild.table.clone(),
                column: column.to_owned(),
                columns: self.create.columns.iter().map(|c| c.name.clone()).collect(),
            })
    }

    fn duplicate(&self, name: &str) -> RebuildError {
        RebuildError::Duplicate {
            table: self.rebuild.table.clone(),
            name: name.to_owned(),
        }
    }

    fn parse_column(&self, definition: &str) -> Result<ColumnDef, RebuildError> {
        ColumnDef::parse(definition).map_err(|message| {
            self.rebuild
                .parse_error("the column definition", definition, message)
        })
    }

    fn parse_clause(&self, clause: &str) -> Result<Clause, RebuildError> {
        Clause::parse(clause).map_err(|message| {
            self.rebuild
                .parse_error("the column clause", clause, message)
        })
    }

    /// A renamed column in the table constraints and in the other columns'
    /// checks, as SQLite's own `RENAME COLUMN` rewrites them.
    fn rename_in_constraints(&mut self, old: &str, new: &str) {
        for constraint in &mut self.create.constraints {
            constraint.sql = rename_column(&constraint.sql, old, new);
        }
        for column in &mut self.create.columns {
            let checks_it = |c: &Clause| c.kind == ClauseKind::Check && uses_column(&c.sql, old);
            if column.clauses.iter().any(checks_it) {
                for clause in column.clauses_mut() {
                    if checks_it(clause) {
                        clause.sql = rename_column(&clause.sql, old, new);
                    }
                }
            }
        }
    }
}

/// Whether the key of an index (what follows its first `(`, not the
/// index's or the table's name) uses `column`. Text that does not tokenize
/// counts as using it.
fn key_mentions(index_sql: &str, column: &str) -> bool {
    lex::tokenize(index_sql).map_or(true, |tokens| {
        tokens
            .iter()
            .skip_while(|t| !t.is_punct("("))
            .any(|t| t.names(column))
    })
}

/// SQLite compares identifiers without regard to ASCII case.
fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}
