//! The typed operations of one plan, judged against the schema before
//! each of them.

use super::config::LintConfig;
use super::rules::Lint;
use super::{Hit, raw};
use crate::Backend;
use crate::ops::{ColumnDefault, ConstraintKind, Dropped, MadeHere, Migration, Operation};
use crate::render::OnlineForm;
use crate::schema::{Replay, Schema, SqlType};

/// Functions whose value differs per row: a default calling one is
/// computed for every existing row.
const VOLATILE: [&str; 9] = [
    "random(",
    "gen_random_uuid(",
    "uuid_generate_v",
    "clock_timestamp(",
    "timeofday(",
    "nextval(",
    "uuid()",
    "rand(",
    "sys_guid(",
];

/// What one plan is linted with.
pub(crate) struct PlanState<'a> {
    pub(crate) backend: Backend,
    pub(crate) config: &'a LintConfig,
    /// Tables this plan created (renames followed): empty, whatever the
    /// schema says.
    created: MadeHere,
    /// Foreign keys added by this plan: table, columns, operation.
    keys_added: Vec<(String, Vec<String>, usize)>,
    hits: Vec<Hit>,
}

/// The rule hits of `plan`, replayed onto `replay` as it goes (so
/// `replay` ends at the schema after the plan).
pub(crate) fn lint_plan(replay: &mut Replay, plan: &Migration, config: &LintConfig) -> Vec<Hit> {
    let mut state = PlanState {
        backend: replay.backend(),
        config,
        created: MadeHere::default(),
        keys_added: Vec::new(),
        hits: Vec::new(),
    };
    // The first DDL on a table with rows, and the first schema change
    // there that a statement timeout bounds.
    let (mut ddl, mut bounded) = (None, None);
    for (i, op) in plan.operations().iter().enumerate() {
        if ddl_table(op).is_some_and(|t| state.existing(replay.current(), t)) {
            ddl = ddl.or(Some(i));
            if crate::migrator::timeouts::bounded(op) {
                bounded = bounded.or(Some(i));
            }
        }
        let first_hit = state.hits.len();
        state.before(replay.current(), op, i);
        // What a run does in its online form is not what the rule warns of.
        if let Some(form) = (!plan.is_blocking_ddl())
            .then(|| OnlineForm::of(op, state.backend, config.postgres_version))
            .flatten()
        {
            let hits = state.hits.split_off(first_hit);
            state.hits.extend(
                hits.into_iter()
                    .filter(|hit| !resolved_by(form).contains(&hit.lint)),
            );
        }
        let changed = changed_column(op).and_then(|(table, column)| {
            let before = replay.current().table(&table)?.column(&column)?.ty.clone();
            Some((table, column, before))
        });
        state.created.follow(op);
        // An operation the replay refuses is `check`'s to report.
        let _ = replay.operation(op);
        state.after(replay.current(), op, i, changed);
    }
    state.unindexed_keys(replay.current());
    let timeouts = config.timeouts.for_plan(plan);
    if let (Some(i), None) = (ddl, timeouts.lock_timeout) {
        state.hit(
            Lint::MissingLockTimeout,
            Some(i),
            format!(
                "{} on a table with rows runs with no lock timeout ({})",
                plan.operations()[i].describe(),
                timeout_source(plan.timeouts().0.is_some())
            ),
        );
    }
    if let (Some(i), None) = (bounded, timeouts.statement_timeout) {
        state.hit(
            Lint::MissingStatementTimeout,
            Some(i),
            format!(
                "{} on a table with rows runs with no statement timeout ({})",
                plan.operations()[i].describe(),
                timeout_source(plan.timeouts().1.is_some())
            ),
        );
    }
    state.hits
}

/// The rules an operation's online form answers: a run does what their
/// fix says.
fn resolved_by(form: OnlineForm) -> &'static [Lint] {
    match form {
        OnlineForm::Concurrently => &[Lint::IndexNotConcurrent, Lint::DropIndexNotConcurrent],
        OnlineForm::NotValidThenValidate => &[Lint::ForeignKeyValidating, Lint::CheckValidating],
        OnlineForm::UsingIndex => &[Lint::PrimaryKeyOnExisting],
        OnlineForm::NotNullViaCheck => &[Lint::SetNotNull],
        _ => &[],
    }
}

/// Who turned a timeout off: the migration, or the crate.
fn timeout_source(migration: bool) -> &'static str {
    if migration {
        "the migration sets it to None"
    } else {
        "`[run]` in migrate.toml turns it off"
    }
}

/// The table a DDL operation changes (not one it creates).
fn ddl_table(op: &Operation) -> Option<&str> {
    match op {
        Operation::DropTable { table, .. } => Some(table.name()),
        Operation::RenameTable { from, .. } => Some(from),
        Operation::AddColumn { table, .. }
        | Operation::DropColumn { table, .. }
        | Operation::DropIndex { table, .. }
        | Operation::AddConstraint { table, .. }
        | Operation::DropConstraint { table, .. } => Some(table),
        Operation::AlterColumn(alter) => Some(&alter.table),
        Operation::CreateIndex(index) => Some(&index.table),
        _ => None,
    }
}

/// The column whose type `op` changes.
fn changed_column(op: &Operation) -> Option<(String, String)> {
    match op {
        Operation::AlterColumn(a) if a.ty.is_some() => Some((a.table.clone(), a.column.clone())),
        _ => None,
    }
}

/// The name limit of the backend, in bytes (PostgreSQL) or characters.
fn too_long(b: Backend, name: &str) -> bool {
    match b {
        Backend::Postgres => name.len() > 63,
        Backend::MySql => name.chars().count() > 64,
        Backend::Sqlite => false,
    }
}

impl PlanState<'_> {
    pub(super) fn hit(&mut self, lint: Lint, op: Option<usize>, message: String) {
        if lint.rule().backends.contains(&self.backend) {
            self.hits.push(Hit { lint, op, message });
        }
    }

    /// Records that this plan created `table` (raw SQL did): it has no
    /// rows, whatever the schema says next.
    pub(super) fn created_here(&mut self, table: String) {
        self.created.insert(table);
    }

    /// Whether `table` (in `schema`, the schema at this point of the plan)
    /// held rows before this migration: it is there, and the plan did not
    /// create it.
    pub(super) fn existing(&self, schema: &Schema, table: &str) -> bool {
        !self.created.contains(table) && schema.tables.contains_key(table)
    }

    fn name_length(&mut self, i: usize, what: &str, name: &str) {
        if too_long(self.backend, name) {
            self.hit(
                Lint::IdentifierTooLong,
                Some(i),
                format!(
                    "the {what} name `{name}` has {} bytes; {} keeps {}",
                    name.len(),
                    self.backend,
                    if self.backend == Backend::Postgres {
                        "63 and cuts the rest"
                    } else {
                        "64 characters and refuses more"
                    }
                ),
            );
        }
    }

    /// The rules that look at the schema before `op`.
    fn before(&mut self, schema: &Schema, op: &Operation, i: usize) {
        let b = self.backend;
        match op {
            Operation::CreateTable(t) => {
                self.name_length(i, "table", &t.name);
                for c in &t.columns {
                    self.name_length(i, "column", &c.name);
                    if c.references.is_some() {
                        self.keys_added
                            .push((t.name.clone(), vec![c.name.clone()], i));
                    }
                }
                for c in &t.constraints {
                    self.name_length(i, "constraint", c.name());
                    if let ConstraintKind::ForeignKey(fk) = &c.kind {
                        self.keys_added
                            .push((t.name.clone(), fk.columns.clone(), i));
                    }
                }
            }
            Operation::DropTable { table, .. } if self.existing(schema, table.name()) => {
                self.hit(
                    Lint::DropTable,
                    Some(i),
                    format!("drops `{}` and every row in it", table.name()),
                );
            }
            Operation::RenameTable { from, to } => {
                self.name_length(i, "table", to);
                if self.existing(schema, from) {
                    self.hit(
                        Lint::RenameTable,
                        Some(i),
                        format!("renames `{from}` to `{to}` while code may still use `{from}`"),
                    );
                }
            }
            Operation::AddColumn { table, column, .. } => {
                self.name_length(i, "column", &column.name);
                if column.references.is_some() {
                    self.keys_added
                        .push((table.clone(), vec![column.name.clone()], i));
                }
                if !self.existing(schema, table) {
                    return;
                }
                let name = format!("{table}.{}", column.name);
                if !column.nullable && column.default.is_none() && !column.auto_increment {
                    self.hit(
                        Lint::AddingRequiredColumn,
                        Some(i),
                        format!(
                            "adds `{name}` NOT NULL without a default to a table that has rows"
                        ),
                    );
                }
                match &column.default {
                    Some(ColumnDefault::Expr(e)) if is_volatile(e) => self.hit(
                        Lint::VolatileDefault,
                        Some(i),
                        format!(
                            "adds `{name}` with the volatile default `{e}`: every row is rewritten"
                        ),
                    ),
                    Some(_) if b == Backend::Postgres && self.config.postgres_version < 11 => {
                        self.hit(
                            Lint::VolatileDefault,
                            Some(i),
                            format!(
                                "adds `{name}` with a default: before PostgreSQL 11 (postgres_version = {}) every row is rewritten",
                                self.config.postgres_version
                            ),
                        );
                    }
                    _ => {}
                }
                if column.auto_increment {
                    self.hit(
                        Lint::AddingIdentityColumn,
                        Some(i),
                        format!("adds the identity column `{name}` to a table that has rows"),
                    );
                }
                if column.references.is_some() {
                    self.hit(
                        Lint::ForeignKeyValidating,
                        Some(i),
                        format!("adds `{name}` with a foreign key validated at once"),
                    );
                }
                if column.unique {
                    self.hit(
                        Lint::UniqueOnExisting,
                        Some(i),
                        format!("adds `{name}` UNIQUE to a table that has rows"),
                    );
                }
                if column.primary_key {
                    self.hit(
                        Lint::PrimaryKeyOnExisting,
                        Some(i),
                        format!("adds `{name}` as the primary key of a table that has rows"),
                    );
                }
            }
            Operation::AddEnumValue(add) if b == Backend::Postgres => {
                let name = add.before.name();
                if let Some(index) = super::raw::ordering_index(schema, name) {
                    self.hit(
                        Lint::EnumValueOrder,
                        Some(i),
                        format!(
                            "appends `{}` to the enum `{name}`, which `{index}` orders by: it sorts after every existing value",
                            add.value
                        ),
                    );
                }
            }
            Operation::DropColumn { table, column } if self.existing(schema, table) => {
                self.hit(
                    Lint::DropColumn,
                    Some(i),
                    format!("drops `{table}.{}` and its data", column.name()),
                );
            }
            Operation::AlterColumn(a) if self.existing(schema, &a.table) => {
                let name = format!("{}.{}", a.table, a.column);
                if let Some(to) = &a.rename {
                    self.name_length(i, "column", to);
                    self.hit(
                        Lint::RenameColumn,
                        Some(i),
                        format!(
                            "renames `{name}` to `{to}` while code may still use `{}`",
                            a.column
                        ),
                    );
                }
                let was_nullable = schema
                    .table(&a.table)
                    .and_then(|t| t.column(&a.column))
                    .map(|c| c.nullable);
                match a.nullable {
                    Some(false) if was_nullable != Some(false) => self.hit(
                        Lint::SetNotNull,
                        Some(i),
                        format!("sets `{name}` NOT NULL: the whole table is scanned under an ACCESS EXCLUSIVE lock"),
                    ),
                    Some(true) if was_nullable != Some(true) => self.hit(
                        Lint::DropNotNull,
                        Some(i),
                        format!("lets `{name}` hold NULL"),
                    ),
                    _ => {}
                }
            }
            Operation::CreateIndex(index) => {
                self.name_length(i, "index", index.name());
                if self.existing(schema, &index.table) && !index.concurrently {
                    self.hit(
                        Lint::IndexNotConcurrent,
                        Some(i),
                        format!(
                            "builds `{}` on `{}`, which has rows, without CONCURRENTLY: writes to it wait until it is built",
                            index.name(),
                            index.table
                        ),
                    );
                }
            }
            Operation::DropIndex { table, index, .. } if self.existing(schema, table) => {
                let concurrently = matches!(index, Dropped::Definition(i) if i.concurrently);
                if !concurrently {
                    self.hit(
                        Lint::DropIndexNotConcurrent,
                        Some(i),
                        format!("drops `{}` without CONCURRENTLY", index.name()),
                    );
                }
            }
            Operation::AddConstraint { table, constraint } => {
                self.name_length(i, "constraint", constraint.name());
                if let ConstraintKind::ForeignKey(fk) = &constraint.kind {
                    self.keys_added.push((table.clone(), fk.columns.clone(), i));
                }
                if !self.existing(schema, table) {
                    return;
                }
                let name = constraint.name();
                let (lint, what) = match &constraint.kind {
                    ConstraintKind::ForeignKey(_) if !constraint.not_valid => (
                        Lint::ForeignKeyValidating,
                        "a foreign key validated at once: both tables are locked while every row is checked",
                    ),
                    ConstraintKind::Check(_) if !constraint.not_valid => (
                        Lint::CheckValidating,
                        "a check validated at once: the table is locked while every row is checked",
                    ),
                    ConstraintKind::Unique(_) => (
                        Lint::UniqueOnExisting,
                        "a unique constraint: repeated values in its rows make it fail",
                    ),
                    ConstraintKind::PrimaryKey(_) => (
                        Lint::PrimaryKeyOnExisting,
                        "a primary key: its index is built under a lock",
                    ),
                    _ => return,
                };
                self.hit(
                    lint,
                    Some(i),
                    format!("adds `{name}` to `{table}`, which has rows: {what}"),
                );
            }
            Operation::DropConstraint {
                table, constraint, ..
            } => {
                let is_key = match constraint {
                    Dropped::Definition(c) => matches!(c.kind, ConstraintKind::ForeignKey(_)),
                    Dropped::Name(name) => schema.table(table).is_some_and(|t| {
                        t.foreign_keys
                            .iter()
                            .any(|fk| fk.name.as_deref() == Some(name.as_str()))
                    }),
                };
                if is_key && self.existing(schema, table) {
                    self.hit(
                        Lint::DropForeignKey,
                        Some(i),
                        format!("drops the foreign key `{}` of `{table}`", constraint.name()),
                    );
                }
            }
            Operation::Execute(sql) => raw::lint_raw(self, schema, sql, i),
            _ => {}
        }
    }

    /// The rules that look at the schema after `op`: column types as the
    /// backend has them.
    fn after(
        &mut self,
        schema: &Schema,
        op: &Operation,
        i: usize,
        changed: Option<(String, String, SqlType)>,
    ) {
        let b = self.backend;
        let mut typed: Vec<(String, String)> = Vec::new();
        match op {
            Operation::CreateTable(t) => {
                if let Some(table) = schema.table(&t.name)
                    && let Some(key) = &table.primary_key
                    && let [column] = &key.columns[..]
                    && let Some(c) = table.column(column)
                    && matches!(c.ty, SqlType::Integer | SqlType::SmallInt)
                    && b != Backend::Sqlite
                {
                    self.hit(
                        Lint::IntKey,
                        Some(i),
                        format!("`{}.{column}` is a {} key", t.name, c.ty),
                    );
                }
                typed.extend(t.columns.iter().map(|c| (t.name.clone(), c.name.clone())));
            }
            Operation::AddColumn { table, column, .. } => {
                typed.push((table.clone(), column.name.clone()));
            }
            Operation::AlterColumn(a) if a.ty.is_some() => {
                typed.push((a.table.clone(), a.column.clone()));
            }
            _ => {}
        }
        for (table, column) in typed {
            if let Some(c) = schema.table(&table).and_then(|t| t.column(&column)) {
                self.advice(i, &table, &column, &c.ty);
            }
        }
        let Some((table, column, from)) = changed else {
            return;
        };
        if !self.existing(schema, &table) {
            return;
        }
        let Some(to) = schema
            .table(&table)
            .and_then(|t| t.column(&column))
            .map(|c| c.ty.clone())
        else {
            return;
        };
        if let Some(lost) = enum_values_lost(schema, &from, &to) {
            self.hit(
                Lint::EnumChange,
                Some(i),
                format!("changes the enum of `{table}.{column}`: {lost}"),
            );
        } else if rewrites(b, &from, &to) {
            self.hit(
                Lint::RewritingType,
                Some(i),
                format!(
                    "changes `{table}.{column}` from {from} to {to}, which rewrites the table under an exclusive lock"
                ),
            );
        }
    }

    /// The PostgreSQL advice rules on a column's type.
    fn advice(&mut self, i: usize, table: &str, column: &str, ty: &SqlType) {
        let lint = match ty {
            SqlType::VarChar(Some(_)) | SqlType::Char(_) => Lint::PreferText,
            SqlType::Timestamp => Lint::PreferTimestampTz,
            SqlType::Json => Lint::PreferJsonb,
            _ => return,
        };
        self.hit(lint, Some(i), format!("`{table}.{column}` is {ty}"));
    }

    /// PostgreSQL: the foreign keys this plan added whose columns no index
    /// (or key) of the table leads with, once the plan has run.
    fn unindexed_keys(&mut self, schema: &Schema) {
        for (table, columns, i) in std::mem::take(&mut self.keys_added) {
            let Some(t) = schema.table(&table) else {
                continue;
            };
            let leads = |parts: &[String]| {
                parts.len() >= columns.len() && parts[..columns.len()] == columns[..]
            };
            let indexed = t.indexes.iter().any(|index| {
                let names: Vec<String> = index
                    .parts
                    .iter()
                    .map(|p| match p {
                        crate::schema::IndexPart::Column(c) => c.clone(),
                        crate::schema::IndexPart::Expr(e) => format!("({e})"),
                    })
                    .collect();
                index.predicate.is_none() && leads(&names)
            }) || t.primary_key.as_ref().is_some_and(|k| leads(&k.columns))
                || t.uniques.iter().any(|u| leads(&u.columns));
            if !indexed {
                self.hit(
                    Lint::ForeignKeyWithoutIndex,
                    Some(i),
                    format!(
                        "the foreign key on `{table}` ({}) leads no index",
                        columns.join(", ")
                    ),
                );
            }
        }
    }
}

fn is_volatile(expr: &str) -> bool {
    let lower = expr.to_ascii_lowercase();
    VOLATILE.iter().any(|f| lower.contains(f))
}

/// The values an enum column loses or reorders when its type becomes
/// `to`, said; `None` when `to` only appends (or is not an enum).
fn enum_values_lost(schema: &Schema, from: &SqlType, to: &SqlType) -> Option<String> {
    let values = |ty: &SqlType| match ty {
        SqlType::Enum(name) => schema.enums.get(name).map(|e| e.values.clone()),
        SqlType::InlineEnum(values) => Some(values.clone()),
        _ => None,
    };
    let (before, after) = (values(from)?, values(to)?);
    if after.len() >= before.len() && after[..before.len()] == before[..] {
        return None;
    }
    let gone: Vec<&String> = before.iter().filter(|v| !after.contains(v)).collect();
    Some(if gone.is_empty() {
        "its values are reordered".to_owned()
    } else {
        let gone: Vec<String> = gone.iter().map(|v| format!("'{v}'")).collect();
        format!("{} removed", gone.join(", "))
    })
}

/// Whether changing a column from `from` to `to` rewrites the table.
/// PostgreSQL keeps the rows where the new type is binary-coercible
/// (a longer or unbounded `varchar`, `text`, a wider `numeric` of the same
/// scale); MySQL changes in place only a `varchar` that grows within its
/// length-byte range, and copies the table otherwise.
pub(super) fn rewrites(b: Backend, from: &SqlType, to: &SqlType) -> bool {
    if from == to {
        return false;
    }
    match b {
        Backend::Postgres => {
            !matches!(
                (from, to),
                (
                    SqlType::VarChar(Some(_)),
                    SqlType::VarChar(None) | SqlType::Text
                ) | (SqlType::VarChar(None), SqlType::Text)
                    | (SqlType::Text, SqlType::VarChar(None))
            ) && !matches!((from, to), (SqlType::VarChar(Some(a)), SqlType::VarChar(Some(z))) if z >= a)
                && !matches!(
                    (from, to),
                    (
                        SqlType::Numeric { precision: Some(p1), scale: s1 },
                        SqlType::Numeric { precision: Some(p2), scale: s2 },
                    ) if p2 >= p1 && s1 == s2
                )
                && !matches!(
                    (from, to),
                    (
                        SqlType::Numeric { .. },
                        SqlType::Numeric {
                            precision: None,
                            ..
                        }
                    )
                )
        }
        // utf8mb4: up to 63 characters fit a one-byte length.
        Backend::MySql => !matches!(
            (from, to),
            (SqlType::VarChar(Some(a)), SqlType::VarChar(Some(z))) if z >= a && (*a <= 63) == (*z <= 63)
        ),
        Backend::Sqlite => false,
    }
}
