//! The plan a migration function records.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{
    AddEnumValue, AlterColumn, Backfill, Column, Constraint, Dropped, Enum, Index, Name, Query,
    RawSql, Rows, Table,
};
use crate::backend::{Backend, Backends};
use crate::lint::Lint;
use crate::naming::NamingConvention;

/// One typed operation of a plan.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Operation {
    /// `CREATE TABLE`.
    CreateTable(Table),
    /// `DROP TABLE`.
    DropTable {
        /// The table: its name, or its definition for a reversible drop.
        table: Dropped<Table>,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `ALTER TABLE ... RENAME TO`.
    RenameTable {
        /// The current name.
        from: String,
        /// The new name.
        to: String,
    },
    /// `ALTER TABLE ... ADD COLUMN`.
    AddColumn {
        /// The table.
        table: String,
        /// The new column.
        column: Column,
        /// `IF NOT EXISTS` (PostgreSQL, MariaDB).
        if_not_exists: bool,
    },
    /// `ALTER TABLE ... DROP COLUMN`.
    DropColumn {
        /// The table.
        table: String,
        /// The column: its name, or its definition for a reversible drop.
        column: Dropped<Column>,
    },
    /// Changes of type, nullability, default, name or comment.
    AlterColumn(AlterColumn),
    /// `CREATE INDEX`.
    CreateIndex(Index),
    /// `DROP INDEX`.
    DropIndex {
        /// The table it belongs to (MySQL needs it).
        table: String,
        /// The index: its name, or its definition for a reversible drop.
        index: Dropped<Index>,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `ALTER TABLE ... ADD CONSTRAINT`.
    AddConstraint {
        /// The table.
        table: String,
        /// The constraint.
        constraint: Constraint,
    },
    /// `ALTER TABLE ... DROP CONSTRAINT`.
    DropConstraint {
        /// The table.
        table: String,
        /// The constraint: its name, or its definition for a reversible
        /// drop (MySQL also picks `DROP PRIMARY KEY` or `DROP FOREIGN KEY`
        /// by its kind).
        constraint: Dropped<Constraint>,
        /// `IF EXISTS`: nothing happens when the table has no such
        /// constraint.
        if_exists: bool,
    },
    /// PostgreSQL: `ALTER TABLE ... VALIDATE CONSTRAINT`. Nothing elsewhere.
    ValidateConstraint {
        /// The table.
        table: String,
        /// The constraint.
        name: String,
    },
    /// `CREATE TYPE ... AS ENUM` on PostgreSQL; nothing elsewhere.
    CreateEnum(Enum),
    /// `DROP TYPE` on PostgreSQL; nothing elsewhere.
    DropEnum {
        /// The enum: its name, or its values for a reversible drop.
        definition: Dropped<Enum>,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// A new enum value: `ALTER TYPE ... ADD VALUE` on PostgreSQL, a changed
    /// column type on MySQL and SQLite.
    AddEnumValue(AddEnumValue),
    /// `INSERT` of typed rows, with bound values.
    BulkInsert(Rows),
    /// Raw SQL.
    Execute(RawSql),
    /// SQL with quoted identifiers and bound values ([`Query`]).
    Query(Query),
    /// A batched data change, one transaction per batch, resumable.
    Backfill(Backfill),
}

/// Gives `op` (and the declared effect of raw SQL) its types and names on
/// `backend`.
fn resolve(backend: Backend, convention: &'static NamingConvention, op: &mut Operation) {
    op.resolve_types(backend);
    super::names::Namer {
        backend,
        convention,
    }
    .operation(op);
    if let Operation::Execute(raw) = op {
        for op in raw.effect.iter_mut().flatten() {
            resolve(backend, convention, op);
        }
    }
}

impl Operation {
    /// Gives every column the operation defines its type on `backend`
    /// ([`Column::type_for`]).
    fn resolve_types(&mut self, backend: Backend) {
        let columns: Vec<&mut Column> = match self {
            Self::CreateTable(table)
            | Self::DropTable {
                table: Dropped::Definition(table),
                ..
            } => table.columns.iter_mut().collect(),
            Self::AddColumn { column, .. }
            | Self::DropColumn {
                column: Dropped::Definition(column),
                ..
            } => vec![column],
            Self::AlterColumn(alter) => alter.existing.iter_mut().collect(),
            _ => Vec::new(),
        };
        for column in columns {
            column.resolve_for(backend);
        }
    }

    /// A short description for progress lines and error messages, e.g.
    /// `add_column users.email`.
    pub fn describe(&self) -> String {
        match self {
            Self::CreateTable(t) => format!("create_table {}", t.name),
            Self::DropTable { table, .. } => format!("drop_table {}", table.name()),
            Self::RenameTable { from, to } => format!("rename_table {from} -> {to}"),
            Self::AddColumn { table, column, .. } => {
                format!("add_column {table}.{}", column.name)
            }
            Self::DropColumn { table, column } => format!("drop_column {table}.{}", column.name()),
            Self::AlterColumn(alter) => match &alter.rename {
                Some(to) if !alter.changes_definition() => {
                    format!("rename_column {}.{} -> {to}", alter.table, alter.column)
                }
                _ => format!("alter_column {}.{}", alter.table, alter.column),
            },
            Self::CreateIndex(ix) => format!("create_index {} on {}", ix.name, ix.table),
            Self::DropIndex { table, index, .. } => {
                format!("drop_index {} on {table}", index.name())
            }
            Self::AddConstraint { table, constraint } => {
                format!("add_constraint {} on {table}", constraint.name)
            }
            Self::DropConstraint {
                table,
                constraint,
                if_exists,
            } => {
                let if_exists = if *if_exists { "_if_exists" } else { "" };
                let name = match constraint {
                    Dropped::Definition(c) => c.name.to_string(),
                    Dropped::Name(name) => name.clone(),
                };
                format!("drop_constraint{if_exists} {name} on {table}")
            }
            Self::ValidateConstraint { table, name } => {
                format!("validate_constraint {name} on {table}")
            }
            Self::CreateEnum(e) => format!("create_enum {}", e.name),
            Self::DropEnum { definition, .. } => format!("drop_enum {}", definition.name()),
            Self::AddEnumValue(add) => {
                format!("add_enum_value {} += {}", add.before.name, add.value)
            }
            Self::BulkInsert(rows) => {
                format!("bulk_insert {} ({} rows)", rows.table, rows.rows.len())
            }
            Self::Execute(_) => "execute".to_owned(),
            Self::Query(_) => "execute_query".to_owned(),
            Self::Backfill(backfill) => {
                format!(
                    "backfill {}.{}",
                    backfill.table,
                    backfill.written().join(",")
                )
            }
        }
    }

    /// Whether the operation can run inside a transaction on `backend`.
    /// `CREATE INDEX CONCURRENTLY` and its drop cannot, on PostgreSQL.
    pub fn transactional(&self, backend: Backend) -> bool {
        match self {
            Self::CreateIndex(ix) => !(ix.concurrently && backend == Backend::Postgres),
            Self::DropIndex { index, .. } => {
                !(backend == Backend::Postgres
                    && index.definition().is_some_and(|ix| ix.concurrently))
            }
            Self::Execute(raw) => raw.transactional,
            _ => true,
        }
    }
}

/// The plan of one migration direction: the operations `upgrade` or
/// `downgrade` recorded, in order.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let mut m = Migration::new();
/// m.add_column("users", Column::new("email").string(255).nullable());
/// m.create_index(Index::new("ix_users_email").on("users", ["email"]));
/// assert_eq!(m.operations().len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Migration {
    pub(super) ops: Vec<Operation>,
    /// The backend the plan is recorded for; `None` for a plan built by
    /// hand, outside a run.
    backend: Option<Backend>,
    backend_asked: BackendAsked,
    irreversible: Option<String>,
    args: Arc<BTreeMap<String, String>>,
    args_read: ArgsRead,
    /// The naming convention, when not the crate's.
    naming: Option<&'static NamingConvention>,
    /// The lint rules silenced, each for the operation it follows.
    allows: Vec<Allow>,
    /// Whether the typed operations run as written, not in their online
    /// forms ([`Migration::blocking_ddl`]).
    blocking_ddl: bool,
    /// The lock timeout this migration sets for itself, if any.
    lock_timeout: Option<Option<Duration>>,
    /// The statement timeout this migration sets for itself, if any.
    statement_timeout: Option<Option<Duration>>,
}

/// A lint rule silenced for one operation ([`Migration::allow`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    /// The operation it follows (its index in the plan); `None` when it
    /// came before any.
    pub after: Option<usize>,
    /// The rule.
    pub lint: Lint,
    /// Why the operation is fine here.
    pub reason: String,
}

/// The `-x` keys a plan read, with what it got: the audit table stores them
/// so that the checksum of an applied migration is later checked against
/// the plan recorded with the same arguments.
#[derive(Debug, Clone, Default)]
struct ArgsRead(Arc<Mutex<BTreeMap<String, Option<String>>>>);

/// Whether the plan asked which backend it is for ([`Migration::backend`],
/// [`Migration::only`]): one that never did is the same on every backend, so
/// what looks at every backend records it once.
#[derive(Debug, Default)]
struct BackendAsked(AtomicBool);

impl Clone for BackendAsked {
    fn clone(&self) -> Self {
        Self(AtomicBool::new(self.0.load(Ordering::Relaxed)))
    }
}

/// Asking does not make two plans differ.
impl PartialEq for BackendAsked {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Which arguments were read does not make two plans differ.
impl PartialEq for ArgsRead {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Migration {
    /// An empty plan.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty plan whose [`arg`](Self::arg)s are `args`: what `-x
    /// key=value` gave on the command line.
    pub fn with_args(args: Arc<BTreeMap<String, String>>) -> Self {
        Self {
            args,
            ..Self::default()
        }
    }

    /// The same plan, recorded for `backend`: what [`backend`](Self::backend)
    /// answers and [`only`](Self::only) goes by. A run, `--sql`, `check` and
    /// the stairway record every plan for the backend they render it for.
    pub fn for_backend(mut self, backend: Backend) -> Self {
        self.backend = Some(backend);
        self
    }

    /// The same plan, with `convention` instead of the crate's
    /// [`naming_convention!`](crate::naming_convention): for plans built by
    /// hand, such as tests of one convention.
    pub fn with_naming_convention(mut self, convention: &'static NamingConvention) -> Self {
        self.naming = Some(convention);
        self
    }

    /// The backend this plan is being recorded for; `None` only for a plan
    /// built by hand with [`new`](Self::new), outside a run.
    ///
    /// Prefer [`only`](Self::only) for steps that one backend needs; this
    /// is for values that differ, such as a type's spelling in raw SQL.
    pub fn backend(&self) -> Option<Backend> {
        self.backend_asked.0.store(true, Ordering::Relaxed);
        self.backend
    }

    /// Whether recording asked for the backend: if not, the plan is the
    /// same on every backend.
    pub(crate) fn asked_backend(&self) -> bool {
        self.backend_asked.0.load(Ordering::Relaxed)
    }

    /// Records what `steps` records only when the plan is for one of
    /// `backends` (a [`Backend`], an array or a slice of them): steps that
    /// some backends need and others must not run, such as the `CHECK` a
    /// boolean column needs where the backend has no native boolean, or a
    /// MySQL-only column type. On the other backends the plan holds nothing
    /// of them, so their SQL, checksum and derived downgrade are as if the
    /// steps were not written; a derived downgrade reverses them on the
    /// same backends. A plan built by hand without a backend records none.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// let plan = |backend| {
    ///     let mut m = Migration::new().for_backend(backend);
    ///     m.add_column("flags", Column::new("on").boolean().default(false));
    ///     m.only([Backend::MySql, Backend::Sqlite], |m| {
    ///         m.create_check_constraint("flags", "ck_flags_on", "\"on\" IN (0, 1)");
    ///     });
    ///     m.operations().len()
    /// };
    /// assert_eq!(plan(Backend::Postgres), 1);
    /// assert_eq!(plan(Backend::Sqlite), 2);
    /// ```
    pub fn only(
        &mut self,
        backends: impl Backends,
        steps: impl FnOnce(&mut Migration),
    ) -> &mut Self {
        if self
            .backend()
            .is_some_and(|backend| backends.includes(backend))
        {
            steps(self);
        }
        self
    }

    /// The value of `-x key=value` on the command line, if given: lets one
    /// migration behave differently per environment, as Alembic's
    /// `context.get_x_argument()` does.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use std::sync::{Arc, Mutex};
    /// use migrate_core::prelude::*;
    ///
    /// let args = Arc::new(BTreeMap::from([("dev_data".to_owned(), "true".to_owned())]));
    /// let m = Migration::with_args(args);
    /// assert_eq!(m.arg("dev_data"), Some("true"));
    /// assert!(m.flag("dev_data"));
    /// assert!(!Migration::new().flag("dev_data"));
    /// ```
    pub fn arg(&self, key: &str) -> Option<&str> {
        let value = self.args.get(key).map(String::as_str);
        if let Ok(mut read) = self.args_read.0.lock() {
            read.insert(key.to_owned(), value.map(str::to_owned));
        }
        value
    }

    /// A plan with no operations that shares this one's arguments (and what
    /// was read of them).
    pub(crate) fn emptied(&self) -> Migration {
        Migration {
            args: Arc::clone(&self.args),
            args_read: self.args_read.clone(),
            backend: self.backend,
            backend_asked: self.backend_asked.clone(),
            blocking_ddl: self.blocking_ddl,
            lock_timeout: self.lock_timeout,
            statement_timeout: self.statement_timeout,
            ..Migration::default()
        }
    }

    /// The `-x` arguments [`arg`](Self::arg) and [`flag`](Self::flag) were
    /// asked for, with the value each got (`None`: not given).
    pub fn args_read(&self) -> BTreeMap<String, Option<String>> {
        self.args_read
            .0
            .lock()
            .map(|read| read.clone())
            .unwrap_or_default()
    }

    /// Whether `-x key=...` was given as `true`, `1`, `yes` or `on` (in any
    /// case).
    pub fn flag(&self, key: &str) -> bool {
        self.arg(key).is_some_and(|value| {
            ["true", "1", "yes", "on"]
                .iter()
                .any(|yes| value.eq_ignore_ascii_case(yes))
        })
    }

    /// What was recorded, in order.
    pub fn operations(&self) -> &[Operation] {
        &self.ops
    }

    /// Declares, in a `downgrade` function, that the migration cannot be
    /// downgraded on purpose, and why. Downgrading through it is then
    /// refused before anything runs, with `reason` in the message; `check`
    /// and the stairway test accept it as a one-way migration.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// let mut down = Migration::new();
    /// down.irreversible("the old password hashes are gone; restore from a backup");
    /// assert_eq!(
    ///     down.irreversible_reason(),
    ///     Some("the old password hashes are gone; restore from a backup")
    /// );
    /// ```
    pub fn irreversible(&mut self, reason: impl Into<String>) -> &mut Self {
        self.irreversible = Some(reason.into());
        self
    }

    /// Silences the lint rule `lint` for the operation recorded just
    /// before, saying why it is fine here: `lint`, `check` and `upgrade`
    /// then let it through. The reason is the review, so it may not be
    /// empty; an allow that silences nothing is reported.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// let mut m = Migration::new();
    /// m.drop_column("users", "legacy_flag")
    ///     .allow(Lint::DropColumn, "unused since v3.2; nothing reads it");
    /// assert_eq!(m.allows().len(), 1);
    /// ```
    pub fn allow(&mut self, lint: Lint, reason: impl Into<String>) -> &mut Self {
        self.allows.push(Allow {
            after: self.ops.len().checked_sub(1),
            lint,
            reason: reason.into(),
        });
        self
    }

    /// Runs this migration's typed operations as written, in one
    /// transaction, instead of in their online forms: on a table that held
    /// rows before the migration, a run otherwise builds and drops indexes
    /// `CONCURRENTLY`, adds foreign keys and checks `NOT VALID` then
    /// validates them on their own, adds unique and primary keys `USING
    /// INDEX` built concurrently and sets `NOT NULL` through a validated
    /// check on PostgreSQL, and asks MySQL for `LOCK=NONE` index builds
    /// (docs/safety.md). Written plainly, the migration is atomic but
    /// holds its locks while it scans: worth it for a small table or a
    /// maintenance window, and the linter then judges it as written.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// let mut m = Migration::new();
    /// m.blocking_ddl();
    /// m.create_index(Index::new("ix_settings_key").on("settings", ["key"]));
    /// assert!(m.is_blocking_ddl());
    /// ```
    pub fn blocking_ddl(&mut self) -> &mut Self {
        self.blocking_ddl = true;
        self
    }

    /// How long this migration's statements wait for a table lock before
    /// they give their place in the queue up and the step runs again after
    /// a backoff, instead of the crate's (`migrate.toml` `[run]
    /// lock_timeout`, 1 s by default). `None` waits as long as it takes:
    /// every query on the table waits behind it (the linter's
    /// `missing-lock-timeout`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use migrate_core::prelude::*;
    ///
    /// let mut m = Migration::new();
    /// // A table only the nightly job writes: waiting is fine.
    /// m.lock_timeout(Some(Duration::from_secs(30)));
    /// ```
    pub fn lock_timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        self.lock_timeout = Some(timeout);
        self
    }

    /// How long one of this migration's schema changes may run on
    /// PostgreSQL (index builds, validations, data changes and raw SQL are
    /// never bounded), instead of the crate's (`migrate.toml` `[run]
    /// statement_timeout`, 60 s by default). A change that rewrites a big
    /// table runs longer, holding its lock all the while: give it `None`
    /// in a maintenance window, or make it online (docs/safety.md).
    pub fn statement_timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        self.statement_timeout = Some(timeout);
        self
    }

    /// What [`lock_timeout`](Self::lock_timeout) and
    /// [`statement_timeout`](Self::statement_timeout) set, each `None`
    /// when the migration left it to the crate.
    pub fn timeouts(&self) -> (Option<Option<Duration>>, Option<Option<Duration>>) {
        (self.lock_timeout, self.statement_timeout)
    }

    /// Whether [`blocking_ddl`](Self::blocking_ddl) was called.
    pub fn is_blocking_ddl(&self) -> bool {
        self.blocking_ddl
    }

    /// The allows, in the order they were recorded.
    pub fn allows(&self) -> &[Allow] {
        &self.allows
    }

    /// The reason given to [`irreversible`](Self::irreversible), if any.
    pub fn irreversible_reason(&self) -> Option<&str> {
        self.irreversible.as_deref()
    }

    /// Records an operation. In a plan recorded for a backend, each column
    /// gets its type for it ([`Column::type_for`]) and each unnamed
    /// constraint or index its name ([`Name`](super::Name)).
    pub fn push(&mut self, mut op: Operation) -> &mut Self {
        if let Some(backend) = self.backend {
            let convention = self.naming.unwrap_or_else(crate::naming::convention);
            resolve(backend, convention, &mut op);
        }
        self.ops.push(op);
        self
    }

    /// `CREATE TABLE`.
    pub fn create_table(&mut self, table: Table) -> &mut Self {
        self.push(Operation::CreateTable(table))
    }

    /// `DROP TABLE`. Pass the table's name, or its full [`Table`] definition
    /// to make the drop reversible.
    pub fn drop_table(&mut self, table: impl Into<Dropped<Table>>) -> &mut Self {
        self.push(Operation::DropTable {
            table: table.into(),
            if_exists: false,
        })
    }

    /// `DROP TABLE IF EXISTS`.
    pub fn drop_table_if_exists(&mut self, table: impl Into<Dropped<Table>>) -> &mut Self {
        self.push(Operation::DropTable {
            table: table.into(),
            if_exists: true,
        })
    }

    /// `ALTER TABLE from RENAME TO to`.
    pub fn rename_table(&mut self, from: impl Into<String>, to: impl Into<String>) -> &mut Self {
        self.push(Operation::RenameTable {
            from: from.into(),
            to: to.into(),
        })
    }

    /// `ALTER TABLE table ADD COLUMN column`.
    pub fn add_column(&mut self, table: impl Into<String>, column: Column) -> &mut Self {
        self.push(Operation::AddColumn {
            table: table.into(),
            column,
            if_not_exists: false,
        })
    }

    /// `ALTER TABLE table ADD COLUMN IF NOT EXISTS column` (PostgreSQL,
    /// MariaDB; SQLite refuses the plan, MySQL 8 the statement).
    pub fn add_column_if_not_exists(
        &mut self,
        table: impl Into<String>,
        column: Column,
    ) -> &mut Self {
        self.push(Operation::AddColumn {
            table: table.into(),
            column,
            if_not_exists: true,
        })
    }

    /// `ALTER TABLE table DROP COLUMN column`. Pass the column's name, or its
    /// full [`Column`] definition to make the drop reversible.
    pub fn drop_column(
        &mut self,
        table: impl Into<String>,
        column: impl Into<Dropped<Column>>,
    ) -> &mut Self {
        self.push(Operation::DropColumn {
            table: table.into(),
            column: column.into(),
        })
    }

    /// Changes a column: type, nullability, default, name or comment.
    pub fn alter_column(&mut self, alter: AlterColumn) -> &mut Self {
        self.push(Operation::AlterColumn(alter))
    }

    /// Renames a column (short for an [`AlterColumn`] that only renames).
    pub fn rename_column(
        &mut self,
        table: impl Into<String>,
        from: impl Into<String>,
        to: impl Into<String>,
    ) -> &mut Self {
        self.alter_column(AlterColumn::new(table, from).rename_to(to))
    }

    /// `CREATE [UNIQUE] INDEX`.
    pub fn create_index(&mut self, index: Index) -> &mut Self {
        self.push(Operation::CreateIndex(index))
    }

    /// `DROP INDEX` (`ON table` on MySQL). Pass the index's name, or its full
    /// [`Index`] definition to make the drop reversible; a definition marked
    /// [`concurrently`](Index::concurrently) drops concurrently.
    pub fn drop_index(
        &mut self,
        table: impl Into<String>,
        index: impl Into<Dropped<Index>>,
    ) -> &mut Self {
        self.push(Operation::DropIndex {
            table: table.into(),
            index: index.into(),
            if_exists: false,
        })
    }

    /// `DROP INDEX IF EXISTS` (PostgreSQL, SQLite, MariaDB; MySQL 8 has no
    /// such form and rejects the statement).
    pub fn drop_index_if_exists(
        &mut self,
        table: impl Into<String>,
        index: impl Into<Dropped<Index>>,
    ) -> &mut Self {
        self.push(Operation::DropIndex {
            table: table.into(),
            index: index.into(),
            if_exists: true,
        })
    }

    /// `ALTER TABLE table ADD CONSTRAINT ...`, any kind. On SQLite, which
    /// cannot add constraints, the table is rebuilt.
    pub fn add_constraint(
        &mut self,
        table: impl Into<String>,
        constraint: Constraint,
    ) -> &mut Self {
        self.push(Operation::AddConstraint {
            table: table.into(),
            constraint,
        })
    }

    /// Adds a foreign key.
    pub fn create_foreign_key(
        &mut self,
        table: impl Into<String>,
        fk: super::ForeignKey,
    ) -> &mut Self {
        self.add_constraint(table, fk.into())
    }

    /// Adds a check constraint (`None`: named by the convention); `expr` is
    /// SQL, written as-is.
    pub fn create_check_constraint(
        &mut self,
        table: impl Into<String>,
        name: impl Into<Name>,
        expr: impl Into<String>,
    ) -> &mut Self {
        self.add_constraint(table, Constraint::check(name, expr))
    }

    /// Adds a unique constraint (`None`: named by the convention).
    pub fn create_unique_constraint<C>(
        &mut self,
        table: impl Into<String>,
        name: impl Into<Name>,
        columns: C,
    ) -> &mut Self
    where
        C: IntoIterator,
        C::Item: Into<String>,
    {
        self.add_constraint(table, Constraint::unique(name, columns))
    }

    /// Adds a primary key to a table that has none (`None`: named by the
    /// convention).
    pub fn create_primary_key<C>(
        &mut self,
        table: impl Into<String>,
        name: impl Into<Name>,
        columns: C,
    ) -> &mut Self
    where
        C: IntoIterator,
        C::Item: Into<String>,
    {
        self.add_constraint(table, Constraint::primary_key(name, columns))
    }

    /// `ALTER TABLE table DROP CONSTRAINT name`. Pass the name, or the full
    /// [`Constraint`] to make the drop reversible (MySQL also uses its kind
    /// to pick `DROP PRIMARY KEY` / `DROP FOREIGN KEY`).
    pub fn drop_constraint(
        &mut self,
        table: impl Into<String>,
        constraint: impl Into<Dropped<Constraint>>,
    ) -> &mut Self {
        self.push(Operation::DropConstraint {
            table: table.into(),
            constraint: constraint.into(),
            if_exists: false,
        })
    }

    /// [`drop_constraint`](Self::drop_constraint) that does nothing where
    /// the table has no such constraint: for a constraint that exists on
    /// some databases only (one that a backend-specific step made, or that
    /// an older schema had). `DROP CONSTRAINT IF EXISTS` on PostgreSQL and
    /// MariaDB (`DROP FOREIGN KEY IF EXISTS` and `DROP INDEX IF EXISTS` when
    /// the definition says it is a foreign key or a unique constraint); on
    /// SQLite the rebuild keeps the table as it is when the constraint is
    /// not there. Refused for a primary key on MySQL, which has no `IF
    /// EXISTS` form for it, and by MySQL itself (not MariaDB), which has
    /// none at all.
    ///
    /// Its downgrade is never derived, even from a full definition: the
    /// drop may have dropped nothing, so adding the constraint back could
    /// add what was never there. Write the `downgrade`.
    pub fn drop_constraint_if_exists(
        &mut self,
        table: impl Into<String>,
        constraint: impl Into<Dropped<Constraint>>,
    ) -> &mut Self {
        self.push(Operation::DropConstraint {
            table: table.into(),
            constraint: constraint.into(),
            if_exists: true,
        })
    }

    /// PostgreSQL: `ALTER TABLE table VALIDATE CONSTRAINT name`, for a
    /// constraint added [`not_valid`](Constraint::not_valid). Other backends
    /// validated it when it was added and skip this step.
    pub fn validate_constraint(
        &mut self,
        table: impl Into<String>,
        name: impl Into<String>,
    ) -> &mut Self {
        self.push(Operation::ValidateConstraint {
            table: table.into(),
            name: name.into(),
        })
    }

    /// Creates an enum type on PostgreSQL. MySQL and SQLite have no enum
    /// types: columns carry the values themselves, so nothing runs there.
    pub fn create_enum(&mut self, definition: Enum) -> &mut Self {
        self.push(Operation::CreateEnum(definition))
    }

    /// Drops an enum type on PostgreSQL. Pass its name, or the full [`Enum`]
    /// to make the drop reversible.
    pub fn drop_enum(&mut self, definition: impl Into<Dropped<Enum>>) -> &mut Self {
        self.push(Operation::DropEnum {
            definition: definition.into(),
            if_exists: false,
        })
    }

    /// Adds a value to an enum; see [`AddEnumValue`].
    pub fn add_enum_value(&mut self, add: AddEnumValue) -> &mut Self {
        self.push(Operation::AddEnumValue(add))
    }
}
