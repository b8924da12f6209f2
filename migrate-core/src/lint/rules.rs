//! The rules: each with its id, what it catches, where it applies, how
//! bad it is by default, and what to do instead.

use serde::Serialize;

use crate::Backend;

/// How a finding is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Not reported.
    Off,
    /// Reported; `lint` still exits 0.
    Warn,
    /// Reported as an error: `lint` and `check` fail, `upgrade` refuses the
    /// migration before it touches the database.
    Deny,
}

impl Severity {
    /// `deny`, `warn` or `off`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "deny" => Some(Self::Deny),
            "warn" => Some(Self::Warn),
            "off" => Some(Self::Off),
            _ => None,
        }
    }

    /// `deny`, `warn` or `off`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deny => "deny",
            Self::Warn => "warn",
            Self::Off => "off",
        }
    }
}

const ALL: &[Backend] = &[Backend::Postgres, Backend::MySql, Backend::Sqlite];
const PG: &[Backend] = &[Backend::Postgres];
const MY: &[Backend] = &[Backend::MySql];
const PG_MY: &[Backend] = &[Backend::Postgres, Backend::MySql];

macro_rules! rules {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident = $id:literal, $backends:expr, $severity:ident,
            $summary:literal, $fix:literal;
    )*) => {
        /// A lint rule. `.allow(Lint::DropColumn, "why")` after an operation
        /// silences the rule for that operation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Lint {
            $($(#[doc = $doc])* $variant,)*
        }

        /// Every rule, in the order docs/safety.md lists them.
        pub const RULES: &[Rule] = &[
            $(Rule {
                lint: Lint::$variant,
                id: $id,
                backends: $backends,
                severity: Severity::$severity,
                summary: $summary,
                fix: $fix,
            },)*
        ];
    };
}

rules! {
    /// A table dropped.
    DropTable = "drop-table", ALL, Deny,
        "drops a table and its data",
        "stop using the table first; allow it with the reason once nothing reads it";
    /// A column dropped.
    DropColumn = "drop-column", ALL, Deny,
        "drops a column and its data, and breaks code that still selects it",
        "deploy code that no longer uses the column, then allow the drop with the reason";
    /// A schema or database dropped in raw SQL.
    DropSchema = "drop-schema", ALL, Deny,
        "drops a schema or a database with everything in it",
        "drop the objects one by one, each reviewed; allow it only for a scratch schema";
    /// A table renamed.
    RenameTable = "rename-table", ALL, Warn,
        "renames a table: running code that uses the old name fails",
        "create a view with the old name, or deploy code that reads both names first";
    /// A column renamed.
    RenameColumn = "rename-column", ALL, Warn,
        "renames a column: running code that uses the old name fails",
        "add the new column, backfill, switch the code, then drop the old one";
    /// A type changed in a way that loses data.
    NarrowingType = "narrowing-type", ALL, Deny,
        "narrows a column's type: values that do not fit are lost or refused",
        "check the data fits, then mark the change `.lossy_ok(\"why\")` on the alter_column";
    /// A type change that rewrites the table.
    RewritingType = "rewriting-type", PG_MY, Warn,
        "changes a column's type in a way that rewrites the table under an exclusive lock",
        "add a column of the new type, backfill it in batches, switch the code, drop the old column";
    /// `SET NOT NULL` on a column of an existing table.
    SetNotNull = "set-not-null", PG, Warn,
        "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock",
        "a typed `set_not_null` runs online on PostgreSQL 12+ (CHECK NOT VALID, VALIDATE, SET NOT NULL, the check dropped) unless the migration is `blocking_ddl`; raw SQL must do those steps itself";
    /// `DROP NOT NULL`.
    DropNotNull = "drop-not-null", ALL, Warn,
        "lets a column hold NULL: code that assumes a value breaks on the first NULL",
        "make sure every reader handles NULL before it is allowed";
    /// A `NOT NULL` column without a default added to an existing table.
    AddingRequiredColumn = "adding-required-column", ALL, Deny,
        "adds a NOT NULL column without a default: the table's existing rows refuse it",
        "add it nullable (or with a default), backfill, then set NOT NULL";
    /// A default a function call computes per row.
    VolatileDefault = "volatile-default", PG_MY, Warn,
        "adds a column with a volatile default: every existing row is rewritten under an exclusive lock",
        "add the column without a default, set the default, and backfill existing rows in batches";
    /// An identity, serial or auto-increment column added to an existing table.
    AddingIdentityColumn = "adding-identity-column", PG_MY, Warn,
        "adds an identity column to an existing table: the table is rewritten under an exclusive lock",
        "create a new table with the column and copy the rows over, or add a plain column and backfill it";
    /// An index built without `CONCURRENTLY` on an existing table.
    IndexNotConcurrent = "index-not-concurrent", PG, Deny,
        "CREATE INDEX on an existing table blocks every write to it until the index is built",
        "a typed `create_index` builds CONCURRENTLY unless the migration is `blocking_ddl`; raw SQL must say CONCURRENTLY, `.outside_transaction()`";
    /// An index dropped without `CONCURRENTLY`.
    DropIndexNotConcurrent = "drop-index-not-concurrent", PG, Warn,
        "DROP INDEX takes an ACCESS EXCLUSIVE lock on the table",
        "a typed `drop_index` drops CONCURRENTLY unless the migration is `blocking_ddl`; raw SQL must say DROP INDEX CONCURRENTLY, `.outside_transaction()`";
    /// `CONCURRENTLY` inside the migration's transaction.
    ConcurrentlyInTransaction = "concurrently-in-transaction", PG, Deny,
        "CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction block",
        "mark the raw SQL `.outside_transaction()`, or use the typed `.concurrently()` which does";
    /// DDL on an existing table with no lock timeout.
    MissingLockTimeout = "missing-lock-timeout", PG_MY, Warn,
        "DDL on a table in use with no lock timeout: queued behind a long transaction, it holds up every query on the table",
        "keep the crate's `[run] lock_timeout` (1 s by default) and give the migration no `m.lock_timeout(None)`; in raw SQL, never set lock_timeout to 0";
    /// A schema change on an existing table with no statement timeout.
    MissingStatementTimeout = "missing-statement-timeout", PG, Warn,
        "a schema change on a table in use with no statement timeout: an unexpected scan or rewrite holds its lock as long as it runs",
        "keep the crate's `[run] statement_timeout` (1 min by default); give one migration more with `m.statement_timeout(..)`; in raw SQL, never set statement_timeout to 0";
    /// A foreign key added and validated at once on an existing table.
    ForeignKeyValidating = "foreign-key-validating", PG, Warn,
        "adds a foreign key that is validated at once: both tables are locked while every row is checked",
        "a typed `add_constraint` adds it NOT VALID and validates it on its own unless the migration is `blocking_ddl`; for a column's `references`, add the column, then the key with `add_constraint`";
    /// A foreign key whose columns no index leads with.
    ForeignKeyWithoutIndex = "foreign-key-without-index", PG, Warn,
        "a foreign key whose columns lead no index: deletes on the referenced table scan this one",
        "create an index on the key's columns (concurrently on an existing table)";
    /// A foreign key dropped.
    DropForeignKey = "drop-foreign-key", ALL, Warn,
        "drops a foreign key: rows may start to point at nothing",
        "make sure the application keeps the reference valid before dropping it";
    /// A check constraint added and validated at once on an existing table.
    CheckValidating = "check-validating", PG, Warn,
        "adds a check that is validated at once: the table is locked while every row is checked",
        "a typed `add_constraint` adds it NOT VALID and validates it on its own unless the migration is `blocking_ddl`; raw SQL must do the same";
    /// A stored generated column added to an existing table.
    AddingGeneratedColumn = "adding-generated-column", PG_MY, Warn,
        "adds a STORED generated column to an existing table: every row is rewritten under an exclusive lock",
        "add a plain column and backfill it in batches (then a trigger or the code keeps it), or on MySQL make it VIRTUAL";
    /// An enum value appended where an index orders by the enum.
    EnumValueOrder = "enum-value-order", PG, Warn,
        "appends a value to an enum that an index orders by: it sorts after every existing value, whatever it means",
        "if it belongs elsewhere in the order, add it in raw SQL with `ALTER TYPE .. ADD VALUE .. BEFORE/AFTER ..`";
    /// A unique constraint added to an existing table.
    UniqueOnExisting = "unique-on-existing-table", PG_MY, Warn,
        "adds a unique constraint to an existing table: repeated values make it fail, and as written it builds its index under a lock",
        "check for duplicates first; on PostgreSQL a typed `add_constraint` builds its index CONCURRENTLY and adds the constraint USING INDEX unless the migration is `blocking_ddl`";
    /// A primary key added to an existing table.
    PrimaryKeyOnExisting = "primary-key-on-existing-table", PG_MY, Warn,
        "adds a primary key to an existing table: it builds its index under a lock and sets NOT NULL on its columns",
        "a typed `add_constraint` builds the index CONCURRENTLY and adds the key USING INDEX unless the migration is `blocking_ddl`; raw SQL must do the same";
    /// An enum value removed, renamed or reordered, or an enum dropped.
    EnumChange = "enum-change", PG_MY, Warn,
        "changes an enum in a way the database cannot do in place: the column is rewritten, or values in use become invalid",
        "only add values (at the end on MySQL); to remove one, migrate the rows first, then recreate the type";
    /// MySQL's `ALGORITHM=COPY` or a `LOCK` that blocks.
    MySqlCopyAlgorithm = "mysql-copy-algorithm", MY, Warn,
        "ALGORITHM=COPY or LOCK=SHARED/EXCLUSIVE copies the table or blocks writes while it runs",
        "use ALGORITHM=INSTANT or INPLACE with LOCK=NONE where the change allows it";
    /// An integer (not bigint) primary key.
    IntKey = "int-key", PG_MY, Warn,
        "a 32-bit (or smaller) integer primary key runs out at 2,147,483,647 rows",
        "use a 64-bit key: `Column::big_integer()` (`i64` in a model)";
    /// `VACUUM FULL`, `CLUSTER`, `REINDEX` without `CONCURRENTLY`, `TRUNCATE .. CASCADE`.
    BlockingMaintenance = "blocking-maintenance", PG, Deny,
        "VACUUM FULL, CLUSTER, REINDEX and TRUNCATE .. CASCADE lock tables for their whole run (or empty more tables than named)",
        "run maintenance outside migrations (pg_repack, REINDEX CONCURRENTLY), and truncate named tables only";
    /// An `UPDATE` or `DELETE` of a whole table in the migration's transaction.
    UnbatchedDml = "unbatched-dml", ALL, Warn,
        "updates or deletes every row of a table in one transaction: long locks, and all rows rewritten at once",
        "use a backfill step (`m.backfill(..)`), which works in batches, each its own transaction, resumable";
    /// Raw SQL the linter could not parse.
    RawSqlUnanalysed = "raw-sql-unanalysed", ALL, Warn,
        "raw SQL the linter cannot parse: nothing in it was checked",
        "use typed operations, or review the SQL by hand and allow it with the reason";
    /// A step outside the transaction that fails half-way if run twice.
    NotRetrySafe = "not-retry-safe", ALL, Warn,
        "a statement outside the transaction that is not safe to run again after a crash",
        "make it idempotent: IF NOT EXISTS / IF EXISTS, or a typed operation";
    /// A name longer than the backend keeps.
    IdentifierTooLong = "identifier-too-long", PG_MY, Deny,
        "a name longer than the backend keeps (PostgreSQL 63 bytes, MySQL 64 characters)",
        "give it a shorter name";
    /// Branches merged after many revisions apart.
    NonLinearHistory = "non-linear-history", ALL, Warn,
        "a merge of branches that each ran many revisions apart: their migrations were never run together in this order",
        "rebase the branch onto the head (`revision --splice`) instead of merging late";
    /// `varchar(n)` or `char(n)` on PostgreSQL.
    PreferText = "prefer-text", PG, Off,
        "varchar(n) and char(n) are text with a length check, and changing n rewrites the table before PostgreSQL 9.2",
        "use `text`, with a CHECK on length if one is needed";
    /// `timestamp` without a time zone on PostgreSQL.
    PreferTimestampTz = "prefer-timestamptz", PG, Off,
        "timestamp without time zone stores wall-clock time: it depends on the session's time zone",
        "use `timestamptz` (`DateTime<Utc>` in a model)";
    /// `json` over `jsonb` on PostgreSQL.
    PreferJsonb = "prefer-jsonb", PG, Off,
        "json keeps the text as written: no indexing, no equality, slower to query",
        "use `jsonb`";
    /// `serial` over identity on PostgreSQL.
    PreferIdentity = "prefer-identity", PG, Off,
        "serial columns own a sequence with odd permissions and copy semantics",
        "use `GENERATED .. AS IDENTITY` (`auto_increment()` does)";
    /// An allow that silenced nothing.
    UnusedAllow = "unused-allow", ALL, Warn,
        "an allow that silences nothing: the operation it follows does not trigger the rule",
        "remove the allow, or move it after the operation it is for";
    /// An allow without a reason.
    AllowWithoutReason = "allow-without-reason", ALL, Deny,
        "an allow with an empty reason",
        "say why the operation is safe here: the reason is the review";
}

/// A rule and what is known about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// The rule.
    #[serde(skip)]
    pub lint: Lint,
    /// Its id, e.g. `drop-column`: what configuration and output use.
    pub id: &'static str,
    /// The backends it applies to.
    pub backends: &'static [Backend],
    /// Its severity unless configured otherwise.
    pub severity: Severity,
    /// What it catches, in one line.
    pub summary: &'static str,
    /// The safe alternative.
    pub fix: &'static str,
}

impl Lint {
    /// The rule.
    pub fn rule(self) -> &'static Rule {
        // The macro lists the rules in the order of the variants.
        &RULES[self as usize]
    }

    /// Its id, e.g. `drop-column`.
    pub fn id(self) -> &'static str {
        self.rule().id
    }

    /// The rule with id `id`.
    pub fn from_id(id: &str) -> Option<Self> {
        RULES.iter().find(|r| r.id == id).map(|r| r.lint)
    }
}

impl Serialize for Lint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl std::fmt::Display for Lint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}
