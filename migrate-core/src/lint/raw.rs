//! Raw SQL, parsed in the backend's dialect and linted statement by
//! statement; what does not parse is said, and scanned for the few forms
//! the rules know by their first words.

use sqlparser::ast::{
    AlterColumnOperation, AlterTableAlgorithm, AlterTableLock, AlterTableOperation, CascadeOption,
    FromTable, ObjectName, ObjectType, Statement, TableConstraint, TableFactor, TableWithJoins,
};
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use super::engine::{PlanState, rewrites};
use super::rules::Lint;
use crate::Backend;
use crate::ops::RawSql;
use crate::schema::{Schema, SqlType};

/// The lint of one raw SQL step on the plan's backend.
pub(super) fn lint_raw(state: &mut PlanState<'_>, schema: &Schema, raw: &RawSql, i: usize) {
    let b = state.backend;
    let Some(sql) = raw.sql_for(b) else { return };
    let dialect: Box<dyn Dialect> = match b {
        Backend::Postgres => Box::new(PostgreSqlDialect {}),
        Backend::MySql => Box::new(MySqlDialect {}),
        Backend::Sqlite => Box::new(SQLiteDialect {}),
    };
    let transactional = raw.transactional;
    match Parser::parse_sql(dialect.as_ref(), sql) {
        Ok(statements) => {
            for statement in &statements {
                StatementLint {
                    state: &mut *state,
                    schema,
                    i,
                    transactional,
                }
                .lint(statement);
            }
        }
        Err(error) => {
            // The forms the parser does not read that rules know.
            let mut known = false;
            for text in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                let upper = text.to_ascii_uppercase();
                let words: Vec<&str> = upper.split_whitespace().collect();
                let blocking = match words.as_slice() {
                    ["VACUUM", rest @ ..] => rest.iter().any(|w| w.contains("FULL")),
                    ["CLUSTER", ..] => true,
                    ["REINDEX", rest @ ..] => !rest.contains(&"CONCURRENTLY"),
                    _ => false,
                };
                if blocking && b == Backend::Postgres {
                    known = true;
                    state.hit(
                        Lint::BlockingMaintenance,
                        Some(i),
                        format!("`{}` locks the table for its whole run", first_words(text)),
                    );
                }
                if upper.contains("ALGORITHM=COPY")
                    || upper.contains("ALGORITHM = COPY")
                    || upper.contains("LOCK=EXCLUSIVE")
                    || upper.contains("LOCK=SHARED")
                {
                    known = true;
                    state.hit(
                        Lint::MySqlCopyAlgorithm,
                        Some(i),
                        format!("`{}` copies the table or blocks writes", first_words(text)),
                    );
                }
            }
            if !known {
                state.hit(
                    Lint::RawSqlUnanalysed,
                    Some(i),
                    format!(
                        "the {b} parser does not read it ({}), so no rule looked at it",
                        crate::text::one_line(&error.to_string())
                    ),
                );
            }
        }
    }
}

/// The first words of a statement, for messages.
fn first_words(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().take(4).collect();
    crate::text::one_line(&words.join(" ")).into_owned()
}

/// A table's name as the schema model holds it: the last part, unquoted,
/// folded to lowercase where the backend folds unquoted names.
fn table_name(b: Backend, name: &ObjectName) -> Option<String> {
    let ident = name.0.last()?.as_ident()?;
    Some(if ident.quote_style.is_none() && b == Backend::Postgres {
        ident.value.to_lowercase()
    } else {
        ident.value.clone()
    })
}

fn joined_table(b: Backend, table: &TableWithJoins) -> Option<String> {
    match &table.relation {
        TableFactor::Table { name, .. } => table_name(b, name),
        _ => None,
    }
}

struct StatementLint<'s, 'p> {
    state: &'s mut PlanState<'p>,
    schema: &'s Schema,
    i: usize,
    transactional: bool,
}

impl StatementLint<'_, '_> {
    fn hit(&mut self, lint: Lint, message: String) {
        self.state.hit(lint, Some(self.i), message);
    }

    fn existing(&self, table: Option<&str>) -> bool {
        table.is_some_and(|t| self.state.existing(self.schema, t))
    }

    fn lint(&mut self, statement: &Statement) {
        let b = self.state.backend;
        match statement {
            Statement::CreateIndex(create) => {
                let table = table_name(b, &create.table_name);
                if b == Backend::Postgres {
                    if create.concurrently && self.transactional {
                        self.hit(
                            Lint::ConcurrentlyInTransaction,
                            "CREATE INDEX CONCURRENTLY in the migration's transaction fails".into(),
                        );
                    }
                    if !create.concurrently && self.existing(table.as_deref()) {
                        self.hit(
                            Lint::IndexNotConcurrent,
                            format!(
                                "CREATE INDEX on `{}`, which has rows, without CONCURRENTLY: writes wait until it is built",
                                table.unwrap_or_default()
                            ),
                        );
                    }
                }
                if !self.transactional && !create.if_not_exists {
                    self.hit(
                        Lint::NotRetrySafe,
                        "CREATE INDEX outside the transaction without IF NOT EXISTS fails when run again after a crash (and a failed CONCURRENTLY build leaves an invalid index)".into(),
                    );
                }
            }
            Statement::Drop {
                object_type,
                if_exists,
                names,
                cascade,
                table,
                ..
            } => {
                let text = statement.to_string().to_ascii_uppercase();
                match object_type {
                    ObjectType::Table => {
                        for name in names {
                            let t = table_name(b, name);
                            if self.existing(t.as_deref()) {
                                self.hit(
                                    Lint::DropTable,
                                    format!(
                                        "drops `{}` and every row in it",
                                        t.unwrap_or_default()
                                    ),
                                );
                            }
                        }
                    }
                    ObjectType::Schema | ObjectType::Database => self.hit(
                        Lint::DropSchema,
                        format!(
                            "drops a {} with everything in it{}",
                            if *object_type == ObjectType::Schema {
                                "schema"
                            } else {
                                "database"
                            },
                            if *cascade { " (CASCADE)" } else { "" }
                        ),
                    ),
                    ObjectType::Index if b == Backend::Postgres => {
                        let on = table.as_ref().and_then(|t| table_name(b, t));
                        let concurrently = text.contains("CONCURRENTLY");
                        if concurrently && self.transactional {
                            self.hit(
                                Lint::ConcurrentlyInTransaction,
                                "DROP INDEX CONCURRENTLY in the migration's transaction fails"
                                    .into(),
                            );
                        }
                        if !concurrently && (on.is_none() || self.existing(on.as_deref())) {
                            self.hit(
                                Lint::DropIndexNotConcurrent,
                                "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on its table".into(),
                            );
                        }
                    }
                    _ => {}
                }
                if !self.transactional && !if_exists {
                    self.hit(
                        Lint::NotRetrySafe,
                        "DROP outside the transaction without IF EXISTS fails when run again after a crash".into(),
                    );
                }
            }
            Statement::AlterTable(alter) => {
                let table = table_name(b, &alter.name);
                if !self.existing(table.as_deref()) {
                    return;
                }
                let table = table.unwrap_or_default();
                for operation in &alter.operations {
                    self.alter(&table, operation);
                }
            }
            Statement::Update(update) => {
                let table = joined_table(b, &update.table);
                if update.selection.is_none() && self.existing(table.as_deref()) {
                    self.hit(
                        Lint::UnbatchedDml,
                        format!(
                            "UPDATE of every row of `{}` in one transaction",
                            table.unwrap_or_default()
                        ),
                    );
                }
            }
            Statement::Delete(delete) => {
                let tables = match &delete.from {
                    FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
                };
                let table = tables.first().and_then(|t| joined_table(b, t));
                if delete.selection.is_none() && self.existing(table.as_deref()) {
                    self.hit(
                        Lint::UnbatchedDml,
                        format!(
                            "DELETE of every row of `{}` in one transaction",
                            table.unwrap_or_default()
                        ),
                    );
                }
            }
            Statement::Truncate(truncate) => {
                if matches!(truncate.cascade, Some(CascadeOption::Cascade)) {
                    self.hit(
                        Lint::BlockingMaintenance,
                        "TRUNCATE .. CASCADE also empties every table that references these".into(),
                    );
                }
            }
            Statement::Vacuum(vacuum) if vacuum.full => self.hit(
                Lint::BlockingMaintenance,
                "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock".into(),
            ),
            Statement::CreateTable(create) => {
                let name = table_name(b, &create.name).unwrap_or_default();
                let text = statement.to_string().to_ascii_lowercase();
                // A 32-bit key: `serial`, `int` or `smallint` with PRIMARY KEY.
                for column in &create.columns {
                    let definition = column.to_string().to_ascii_lowercase();
                    let ty = column.data_type.to_string().to_ascii_lowercase();
                    let small = matches!(
                        ty.as_str(),
                        "serial" | "smallserial" | "int" | "integer" | "int4" | "smallint" | "int2"
                    );
                    if small && definition.contains("primary key") {
                        self.hit(
                            Lint::IntKey,
                            format!("`{name}.{}` is a {ty} primary key", column.name.value),
                        );
                    }
                }
                self.state.created_here(name.clone());
                if b == Backend::Postgres
                    && (text.contains(" serial") || text.contains(" bigserial"))
                {
                    self.hit(Lint::PreferIdentity, format!("`{name}` uses serial"));
                }
                if !self.transactional && !create.if_not_exists {
                    self.hit(
                        Lint::NotRetrySafe,
                        "CREATE TABLE outside the transaction without IF NOT EXISTS fails when run again after a crash".into(),
                    );
                }
            }
            _ => {
                self.timeout_off(statement);
                if b == Backend::Postgres {
                    self.enum_value(&statement.to_string());
                }
            }
        }
    }

    /// A column raw SQL adds to an existing table: an identity or a stored
    /// generated column rewrites it, a required one without a default
    /// fails on its rows.
    fn add_column(&mut self, table: &str, definition: &str) {
        let text = definition.to_ascii_lowercase();
        let name = definition.split_whitespace().next().unwrap_or_default();
        let generated = text.contains(" generated ") || text.contains(" as (");
        if text.contains(" as identity")
            || text.contains(" serial")
            || text.contains(" bigserial")
            || text.contains("auto_increment")
        {
            self.hit(
                Lint::AddingIdentityColumn,
                format!("adds the identity column `{table}.{name}` to a table that has rows"),
            );
        } else if generated && text.contains(" stored") {
            self.hit(
                Lint::AddingGeneratedColumn,
                format!("adds the stored generated column `{table}.{name}`: every row is computed and rewritten"),
            );
        } else if !generated && text.contains("not null") && !text.contains(" default ") {
            self.hit(
                Lint::AddingRequiredColumn,
                format!(
                    "adds `{table}.{name}` NOT NULL without a default to a table that has rows"
                ),
            );
        }
    }

    /// PostgreSQL: `ALTER TYPE name ADD VALUE 'v'` without `BEFORE` or
    /// `AFTER` appends `v`, which matters where an index orders by the
    /// enum.
    fn enum_value(&mut self, text: &str) {
        let lower = text.to_ascii_lowercase();
        let Some(rest) = lower.strip_prefix("alter type ") else {
            return;
        };
        let name = rest
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .trim_matches('"');
        if rest.contains(" rename value ") || rest.contains(" drop value ") {
            self.hit(
                Lint::EnumChange,
                format!("renames or drops a value of the enum `{name}`: rows and code that hold the old value break"),
            );
            return;
        }
        if !rest.contains(" add value ") || rest.contains(" before ") || rest.contains(" after ") {
            return;
        }
        if let Some(index) = ordering_index(self.schema, name) {
            self.hit(
                Lint::EnumValueOrder,
                format!("appends a value to the enum `{name}`, which `{index}` orders by: it sorts after every existing value"),
            );
        }
    }

    /// `SET lock_timeout = 0`, `SET statement_timeout = 0` (or `TO 0`,
    /// `'0'`): the raw SQL turns the run's timeout off for what follows.
    fn timeout_off(&mut self, statement: &Statement) {
        let text = statement.to_string().to_ascii_lowercase();
        let Some(rest) = text.strip_prefix("set ") else {
            return;
        };
        let rest = rest
            .trim_start_matches("local ")
            .trim_start_matches("session ");
        let off = |name: &str| {
            rest.strip_prefix(name).is_some_and(|value| {
                let value = value.trim_start().trim_start_matches(['=', ' ']);
                let value = value.trim_start_matches("to ").trim().trim_matches('\'');
                value == "0" || value == "0ms" || value == "0s"
            })
        };
        if off("lock_timeout") {
            self.hit(
                Lint::MissingLockTimeout,
                "sets lock_timeout to 0: what follows waits for its locks as long as it takes"
                    .into(),
            );
        }
        if off("statement_timeout") {
            self.hit(
                Lint::MissingStatementTimeout,
                "sets statement_timeout to 0: what follows runs as long as it takes".into(),
            );
        }
    }

    fn alter(&mut self, table: &str, operation: &AlterTableOperation) {
        let b = self.state.backend;
        match operation {
            AlterTableOperation::AddColumn { column_def, .. } => {
                self.add_column(table, &column_def.to_string());
            }
            AlterTableOperation::DropColumn { column_names, .. } => {
                for column in column_names {
                    self.hit(
                        Lint::DropColumn,
                        format!("drops `{table}.{}` and its data", column.value),
                    );
                }
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => self.hit(
                Lint::RenameColumn,
                format!(
                    "renames `{table}.{}` to `{}` while code may still use the old name",
                    old_column_name.value, new_column_name.value
                ),
            ),
            AlterTableOperation::RenameTable { .. } => self.hit(
                Lint::RenameTable,
                format!("renames `{table}` while code may still use its name"),
            ),
            AlterTableOperation::AddConstraint {
                constraint,
                not_valid,
            } => {
                let (lint, what) = match constraint {
                    TableConstraint::ForeignKey(_) if !not_valid => {
                        (Lint::ForeignKeyValidating, "a foreign key validated at once")
                    }
                    TableConstraint::Check(_) if !not_valid => {
                        (Lint::CheckValidating, "a check validated at once")
                    }
                    TableConstraint::Unique(_) => (Lint::UniqueOnExisting, "a unique constraint"),
                    TableConstraint::PrimaryKey(_) => {
                        (Lint::PrimaryKeyOnExisting, "a primary key")
                    }
                    _ => return,
                };
                self.hit(lint, format!("adds {what} to `{table}`, which has rows"));
            }
            AlterTableOperation::AlterColumn { column_name, op } => match op {
                AlterColumnOperation::SetNotNull => self.hit(
                    Lint::SetNotNull,
                    format!(
                        "sets `{table}.{}` NOT NULL: the whole table is scanned under an ACCESS EXCLUSIVE lock",
                        column_name.value
                    ),
                ),
                AlterColumnOperation::DropNotNull => self.hit(
                    Lint::DropNotNull,
                    format!("lets `{table}.{}` hold NULL", column_name.value),
                ),
                AlterColumnOperation::SetDataType { data_type, .. } => {
                    let text = data_type.to_string();
                    let to = if b == Backend::MySql {
                        crate::schema::normalize::mysql_type(&text)
                    } else {
                        crate::schema::normalize::sql_type(&text)
                    };
                    let from = self
                        .schema
                        .table(table)
                        .and_then(|t| t.column(&column_name.value))
                        .map(|c| c.ty.clone());
                    if from.is_none_or(|from| rewrites(b, &from, &to)) {
                        self.hit(
                            Lint::RewritingType,
                            format!(
                                "changes the type of `{table}.{}` to {data_type}, which rewrites the table",
                                column_name.value
                            ),
                        );
                    }
                }
                _ => {}
            },
            AlterTableOperation::DropConstraint { name, .. } => {
                let is_key = self.schema.table(table).is_some_and(|t| {
                    t.foreign_keys
                        .iter()
                        .any(|fk| fk.name.as_deref() == Some(name.value.as_str()))
                });
                if is_key {
                    self.hit(
                        Lint::DropForeignKey,
                        format!("drops the foreign key `{}` of `{table}`", name.value),
                    );
                }
            }
            AlterTableOperation::Algorithm {
                algorithm: AlterTableAlgorithm::Copy,
                ..
            } => {
                self.hit(
                    Lint::MySqlCopyAlgorithm,
                    format!("ALGORITHM=COPY copies `{table}` while it runs"),
                );
            }
            AlterTableOperation::Lock { lock, .. }
                if matches!(lock, AlterTableLock::Shared | AlterTableLock::Exclusive) =>
            {
                self.hit(
                    Lint::MySqlCopyAlgorithm,
                    format!("LOCK={lock} blocks writes to `{table}` while it runs"),
                );
            }
            _ => {}
        }
    }
}

/// The first index (a primary key counts) of `schema` whose key has a
/// column of the enum type `name`: it orders by the enum's values.
pub(super) fn ordering_index(schema: &Schema, name: &str) -> Option<String> {
    schema.tables.values().find_map(|table| {
        let of_enum = |column: &str| {
            table
                .column(column)
                .is_some_and(|c| matches!(&c.ty, SqlType::Enum(e) if e == name))
        };
        table
            .indexes
            .iter()
            .find(|ix| {
                ix.parts
                    .iter()
                    .any(|p| matches!(p, crate::schema::IndexPart::Column(c) if of_enum(c)))
            })
            .map(|ix| ix.name.clone())
            .or_else(|| {
                table
                    .primary_key
                    .as_ref()
                    .filter(|pk| pk.columns.iter().any(|c| of_enum(c)))
                    .map(|_| format!("{} primary key", table.name))
            })
    })
}
