//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Apply, roll back and inspect this crate's database migrations.
///
/// The database comes from --database-url, else DATABASE_URL, else a .env
/// file, else the SQLite file `migrate.db` in the current directory.
/// Accepted URLs: postgres://, postgresql://, mysql://, mariadb://, sqlite:.
#[derive(Debug, Parser)]
#[command(version, propagate_version = true, max_term_width = 100)]
#[command(after_help = "\
Examples:
  migrations upgrade                    apply everything up to the single head
  migrations downgrade -1               revert the newest migration
  migrations status                     where the database is, what is pending
  migrations revision -m \"add users\"    write a new migration file

Exit codes: 0 ok, 1 failed, 2 usage.")]
pub struct Cli {
    /// Database URL [default: sqlite:migrate.db]
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Output format (mermaid and dot are for `graph`, sql for `schema`)
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// A KEY=VALUE argument for the migrations, read with `m.arg("KEY")`
    /// (repeatable), e.g. -x dev_data=true
    #[arg(short = 'x', global = true, value_name = "KEY=VALUE", value_parser = key_value)]
    pub x: Vec<(String, String)>,

    /// Seconds to wait for another migrator's lock
    #[arg(long, global = true, default_value_t = 60, value_name = "SECONDS")]
    pub lock_timeout: u64,

    /// How PostgreSQL holds the lock: `session` (an advisory lock in a
    /// transaction on a connection of its own, for the whole run; directly
    /// or through PgBouncer) or `transaction` (taken in each migration's own
    /// transaction, so no connection stays in one for the whole run;
    /// refuses CONCURRENTLY)
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = LockMode::Session,
        env = "MIGRATE_LOCK_MODE"
    )]
    pub lock_mode: LockMode,

    /// Connection attempts before giving up on a server that does not
    /// answer (a wrong password or an unknown database is not retried)
    #[arg(
        long,
        global = true,
        default_value_t = 5,
        value_name = "N",
        env = "MIGRATE_CONNECT_ATTEMPTS",
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub connect_attempts: u32,

    /// Seconds to wait before the second attempt; doubles for each next one
    #[arg(
        long,
        global = true,
        default_value_t = 2.0,
        value_name = "SECONDS",
        env = "MIGRATE_CONNECT_DELAY"
    )]
    pub connect_delay: f64,

    /// Log what happens, to stderr, sqlx's warnings included (or set a
    /// filter in MIGRATE_LOG or RUST_LOG, e.g. MIGRATE_LOG=debug)
    #[arg(long, short, global = true)]
    pub verbose: bool,

    /// What to do
    #[command(subcommand)]
    pub command: Command,
}

/// How PostgreSQL holds the migration lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LockMode {
    /// A session advisory lock on its own connection, for the whole run.
    Session,
    /// A transaction advisory lock in each migration's transaction.
    Transaction,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Human,
    /// One JSON document on stdout, for machines.
    Json,
    /// A Mermaid flowchart (`graph` only).
    Mermaid,
    /// A Graphviz digraph (`graph` only).
    Dot,
    /// The CREATE statements (`schema` only).
    Sql,
    /// GitHub Actions annotations, one `::error`/`::warning` line per
    /// finding (`lint` only).
    Github,
}

/// A backend to write SQL for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL and MariaDB.
    Mysql,
}

impl From<BackendArg> for migrate_core::Backend {
    fn from(backend: BackendArg) -> Self {
        match backend {
            BackendArg::Sqlite => Self::Sqlite,
            BackendArg::Postgres => Self::Postgres,
            BackendArg::Mysql => Self::MySql,
        }
    }
}

/// `KEY=VALUE`, split at the first `=`.
fn key_value(given: &str) -> Result<(String, String), String> {
    let given = one_line(given)?;
    match given.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!(
            "expected KEY=VALUE, e.g. dev_data=true, not `{given}`"
        )),
    }
}

/// A target or range: one that starts with `-` is a step down (`-1`,
/// `-2:head`); anything else that starts with `-` is a flag this verb does
/// not know, not a target.
fn target(given: &str) -> Result<String, String> {
    let step = given
        .strip_prefix('-')
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
    if given.starts_with('-') && !step {
        return Err(format!(
            "`{}` is not a flag of this command (see --help), nor a target: targets that start with `-` are steps down, e.g. -1",
            one_line(given).unwrap_or_default()
        ));
    }
    Ok(given.to_owned())
}

/// Text that becomes part of a file or an output line (`-m`, `-x`): one
/// line, without control characters, which could end a comment in a
/// generated file or an offline script and turn the rest into code.
fn one_line(given: &str) -> Result<String, String> {
    match migrate_core::text::first_control(given) {
        None => Ok(given.to_owned()),
        Some((at, c)) => Err(format!(
            "`{}` holds a control character ({}) at character {}; write one line of plain text{}",
            migrate_core::text::one_line(given),
            c.escape_debug(),
            at + 1,
            if c == '\n' {
                " (put the details in the new file's doc comment)"
            } else {
                ""
            }
        )),
    }
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations up to TARGET, each in its own transaction.
    ///
    /// TARGET is `head` (the single head; refuses if there are several),
    /// `heads` (every branch), a revision id or a unique prefix of at least 4
    /// characters, `+N` (N steps up from the current revision), `<id>+N`,
    /// `<label>@head` or `<id>@head` (one branch, with what it depends on),
    /// or `<label>@+N`. Independent branches are applied in topological
    /// order, ties broken by smallest id.
    ///
    /// A migration with a backfill runs in phases: the steps before it
    /// commit, each batch commits with its last key, the steps after it
    /// commit last. A run that stopped in the middle of one (a kill, a
    /// failed batch, `max_rows`) is continued by the next `upgrade`, after
    /// the last key done. Progress goes to stderr: a bar on a terminal,
    /// otherwise a line every 5 s.
    ///
    /// With --sql, nothing runs and no database is read: the SQL script is
    /// printed for the backend of the URL, from base, or from FROM when
    /// TARGET is `FROM:TO`. A backfill is written as the one UPDATE it
    /// amounts to; one that runs a Rust function cannot be written, and is
    /// refused. A SQLite table rebuild is derived from the table as the
    /// migrations before it leave it, replayed.
    #[command(after_help = "\
Examples:
  migrations upgrade                       apply everything up to the head
  migrations upgrade +1                    apply the next migration only
  migrations upgrade 3f1c                  apply up to the revision whose id starts with 3f1c
  migrations upgrade heads                 apply every branch
  migrations upgrade billing@head          apply the billing branch and what it depends on
  migrations upgrade --sql > upgrade.sql   the script for a DBA: psql -v ON_ERROR_STOP=1 -f upgrade.sql
  migrations upgrade --sql 3f1c:head       the script from 3f1c up")]
    Upgrade {
        /// Where to go
        #[arg(default_value = "head", allow_hyphen_values = true, value_parser = target)]
        target: String,

        /// Print the SQL script instead of running it (offline mode)
        #[arg(long)]
        sql: bool,
    },

    /// Revert migrations down to TARGET, newest first.
    ///
    /// TARGET is `base` (revert everything), a revision id or prefix (revert
    /// what was applied on top of it; other branches stay), `-N` (N steps
    /// down), `<id>-N`, `<label>@base` (revert one branch and what depends
    /// on it) or `<label>@-N`.
    ///
    /// With --sql, nothing runs and no database is read: the SQL script for
    /// `FROM:TO` is printed for the backend of the URL.
    ///
    /// A migration without a `downgrade` function is reverted with its
    /// upgrade reversed; if a step has no inverse, nothing runs and the error
    /// names the revision and the step (`status` lists such migrations).
    #[command(after_help = "\
Examples:
  migrations downgrade -1                 revert the newest migration
  migrations downgrade 3f1c               revert everything applied on top of 3f1c...
  migrations downgrade billing@base       revert the billing branch only
  migrations downgrade base               revert everything
  migrations downgrade --sql head:3f1c    the script that goes from the head down to 3f1c")]
    Downgrade {
        /// Where to go (`-1`: one step down)
        #[arg(allow_hyphen_values = true, value_parser = target)]
        target: String,

        /// Print the SQL script for FROM:TO instead of running it (offline mode)
        #[arg(long)]
        sql: bool,
    },

    /// Show the revision(s) the database is at. Changes nothing.
    #[command(after_help = "\
Examples:
  migrations current
  migrations current --format json")]
    Current,

    /// List the migrations, newest first. Changes nothing.
    ///
    /// Reads the database only with --indicate-current, or with a range
    /// that mentions `current`.
    #[command(after_help = "\
Examples:
  migrations history
  migrations history -r 3f1c:head           from 3f1c (included) up to the head
  migrations history -r billing@base:billing@head --verbose
  migrations history --graph --indicate-current
  migrations history --format json")]
    History {
        /// Only the revisions in FROM:TO (either end may be left out)
        #[arg(short, long, value_name = "RANGE", allow_hyphen_values = true)]
        rev_range: Option<String>,

        /// Show each revision in full: parents, labels, dependencies, file
        #[arg(long)]
        verbose: bool,

        /// Mark the revisions the database is at
        #[arg(short, long)]
        indicate_current: bool,

        /// Draw the graph beside the list, like `git log --graph`
        #[arg(long)]
        graph: bool,
    },

    /// List the heads of the revision graph. Reads no database.
    #[command(after_help = "\
Examples:
  migrations heads
  migrations heads --resolve-dependencies")]
    Heads {
        /// Leave out heads that another revision depends on
        #[arg(long)]
        resolve_dependencies: bool,
    },

    /// List the branch points: revisions that several revisions revise.
    /// Reads no database.
    #[command(after_help = "\
Examples:
  migrations branches")]
    Branches,

    /// Show one revision in full: message, parents, children, labels,
    /// dependencies and file. Reads no database, unless REV counts from
    /// where it is (`current`, `+N`, `-N`, `<label>@+N`).
    #[command(after_help = "\
Examples:
  migrations show 3f1c
  migrations show billing@head
  migrations show +1              the next revision the database would get")]
    Show {
        /// The revision: an id, a prefix, `head`, `<label>@head`, `current`,
        /// or a step from the database's revision (`+1`, `-1`)
        #[arg(allow_hyphen_values = true, value_parser = target)]
        rev: String,
    },

    /// Print the revision graph, with branches, merges, labels and the
    /// current revisions marked, as Mermaid (--format mermaid, the default)
    /// or Graphviz (--format dot). Reads the database only with
    /// --indicate-current.
    #[command(after_help = "\
Examples:
  migrations graph > graph.mmd
  migrations graph --format dot | dot -Tsvg > graph.svg
  migrations graph --indicate-current")]
    Graph {
        /// Mark the revisions the database is at
        #[arg(short, long)]
        indicate_current: bool,
    },

    /// Write the heads table so the database is at REV..., running no
    /// migration: for a schema made by hand or restored from a dump.
    ///
    /// Only the branches of the given revisions move. `base` empties the
    /// table. A heads table that names revisions this build does not know
    /// (a newer build deployed elsewhere) is refused without --purge.
    #[command(after_help = "\
Examples:
  migrations stamp head              the schema is already at the head
  migrations stamp 3f1c billing@head  several branches at once
  migrations stamp base              forget every applied revision
  migrations stamp head --purge      replace whatever the table holds")]
    Stamp {
        /// The revisions to stamp
        #[arg(required = true)]
        revisions: Vec<String>,

        /// Empty the heads table first, even of revisions this build does not know
        #[arg(long)]
        purge: bool,
    },

    /// Continue the migration that stopped part-way (a failure or a kill in
    /// a step that runs outside a transaction: MySQL DDL, PostgreSQL
    /// CONCURRENTLY), from the first statement not done.
    ///
    /// The statement that was running when the process died may have
    /// completed: it runs again, and an error saying its effect is already
    /// there counts as done. An INVALID index left by an interrupted CREATE
    /// INDEX CONCURRENTLY is dropped and built again. Fix the cause of a
    /// failure first; `status` shows it.
    #[command(after_help = "\
Examples:
  migrations status     what stopped, where, and why
  migrations resume     run the statements left, then record the migration")]
    Resume,

    /// Record what you did by hand about the migration that stopped
    /// part-way, running none of its statements: --applied if you finished
    /// it (the heads table moves as the migration would have moved it),
    /// --reverted if you undid what it had done (the heads table stays).
    #[command(after_help = "\
Examples:
  migrations repair 3f1c --applied     I ran the remaining statements myself
  migrations repair 3f1c --reverted    I undid the statements that had run")]
    #[command(group(
        clap::ArgGroup::new("resolution")
            .required(true)
            .args(["applied", "reverted"])
    ))]
    Repair {
        /// The migration that stopped part-way (as `status` names it)
        revision: String,

        /// You finished it by hand
        #[arg(
            long,
            required_unless_present = "reverted",
            conflicts_with = "reverted"
        )]
        applied: bool,

        /// You undid it by hand
        #[arg(long)]
        reverted: bool,
    },

    /// Accept the edits of applied migrations: record their new plan's
    /// checksum, so that `upgrade` and `check` stop refusing. Runs nothing.
    ///
    /// Do this only when the database already matches the edited code (a
    /// cosmetic edit, or a fix you applied by hand); otherwise revert the
    /// edit and put the change in a new migration.
    #[command(after_help = "\
Examples:
  migrations status          lists edited migrations and what changed
  migrations accept 3f1c     record 3f1c's new checksum")]
    Accept {
        /// The edited revisions
        #[arg(required = true)]
        revisions: Vec<String>,
    },

    /// Write a migration that merges several revisions (by default every
    /// head) back into one head. It runs nothing of its own.
    #[command(after_help = "\
Examples:
  migrations merge heads -m \"merge billing and search\"
  migrations merge 3f1c 9ab0 -m \"merge\"")]
    Merge {
        /// The revisions to merge: `heads`, or two or more ids
        #[arg(default_value = "heads", num_args = 1..)]
        revisions: Vec<String>,

        /// What the merge is for: one line
        #[arg(short, long, value_parser = one_line)]
        message: String,

        /// A branch label for the merged branch
        #[arg(long, value_name = "LABEL")]
        branch_label: Option<String>,

        /// The merge's id instead of a random one (a port keeps its ids)
        #[arg(long, value_name = "ID")]
        rev_id: Option<String>,

        /// Where migration files live [default: $CARGO_MANIFEST_DIR/src/versions, else ./src/versions]
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },

    /// Show the current revision, what is pending, a migration in progress
    /// (the phase and the backfill's rows, last key and share done), and
    /// anything wrong. Changes nothing; exits 1 when it finds a problem.
    #[command(after_help = "\
Examples:
  migrations status
  DATABASE_URL=postgres://app@db/app migrations status --format json")]
    Status,

    /// Fail (exit 1, one line per problem) on what should stop a merge or a
    /// deploy; print `ok` otherwise. For CI.
    ///
    /// Always: several heads on one branch (heads of labelled branches
    /// are fine); a migration that cannot be downgraded and is
    /// not marked with `m.irreversible("why")`; a plan that does not render
    /// (on every backend); an operation the schema before it cannot take (a
    /// table or column that does not exist, a name that is taken) or should
    /// not (a foreign key to a missing table or column, to columns no key
    /// makes unique, or of another type; dropping a column or table that an
    /// index, a view or a foreign key still uses), found by replaying the
    /// migrations without a database. With --database-url or DATABASE_URL (opened
    /// read-only; the default SQLite file is never used): an applied
    /// migration edited since (checksum), revisions this build does not
    /// know, a step that stopped part-way, pending migrations, and drift:
    /// a schema that is not the one the migrations build at the database's
    /// revision (a change made by hand), one review line per difference.
    /// With --schema-snapshot FILE: a committed `schema --format sql` output
    /// that is no longer what the migrations build.
    #[command(after_help = "\
Examples:
  migrations check                                    the code only
  migrations check --database-url postgres://ci@db/app   also the database
  migrations check --format json
  migrations check --schema-snapshot schema.sql       also fail when schema.sql is stale")]
    Check {
        /// A schema snapshot written by `schema --format sql` and committed:
        /// fail when it is not what the migrations build at the heads (on
        /// the backend its header names)
        #[arg(long, value_name = "FILE")]
        schema_snapshot: Option<PathBuf>,
    },

    /// Lint the migrations: each upgrade, on every backend, against the
    /// schema the migrations before it build (replayed, no database). Finds
    /// the changes that lock a busy table, rewrite it or lose data, and says
    /// what to do instead; raw SQL is parsed and linted too. Each finding
    /// names the revision, its file and line, the operation, the rule and
    /// the fix. Exits 1 when a finding is at deny. Severities, the revision
    /// before which nothing is linted (start_after) and the oldest
    /// PostgreSQL come from the crate's migrate.toml; `.allow(Lint::X,
    /// "why")` after an operation silences a rule for it (docs/safety.md).
    #[command(after_help = "\
Examples:
  migrations lint                      every revision after start_after
  migrations lint 3f1c0a9b2d4e:head    a range, as history -r takes it
  migrations lint --format json
  migrations lint --format github      annotations for GitHub Actions
  migrations lint --rules              every rule, its severity here and its fix")]
    Lint {
        /// The revisions to lint, FROM:TO (either side may be left out);
        /// every revision after start_after by default
        range: Option<String>,

        /// List the rules instead, with the severity each has here
        #[arg(long)]
        rules: bool,
    },

    /// Print the schema the migrations build at TARGET (the heads by
    /// default), replayed from their plans without a database: a summary
    /// (the default), the CREATE statements (--format sql), or the model
    /// (--format json).
    ///
    /// The backend is --backend, else the one of the database URL, which is
    /// not connected to. TARGET is `heads`, `head`, `base`, a revision id or
    /// prefix, `<label>@head`, or a step from the database's revision
    /// (`current`, `+N`, `-N`: only those read the database). Tables that
    /// raw SQL touched are as the typed operations leave them, and the
    /// output says so.
    ///
    /// Commit the SQL to review schema changes in pull requests (as Rails
    /// teams do with structure.sql); `check --schema-snapshot FILE` fails
    /// when it is stale.
    #[command(after_help = "\
Examples:
  migrations schema                                     the schema at the heads, for people
  migrations schema --format sql --backend postgres > schema.sql
  migrations schema 3f1c --format json                  the model after revision 3f1c
  migrations check --schema-snapshot schema.sql         in CI: fail when schema.sql is stale")]
    Schema {
        /// Where: `heads`, `head`, `base`, an id or prefix, `<label>@head`
        #[arg(default_value = "heads", allow_hyphen_values = true, value_parser = target)]
        target: String,

        /// The backend to replay and write SQL for [default: the URL's]
        #[arg(long, value_enum)]
        backend: Option<BackendArg>,
    },

    /// Write a new migration file that revises the current head.
    ///
    /// The file is named YYYY_MM_DD_HHMM-<id>_<slug>.rs, gets a fresh random
    /// id (or --rev-id), and is picked up on the next build with no other
    /// edit. With --autogenerate it holds the operations that bring the
    /// schema the migrations build (replayed, no database needed) to the
    /// one the models (#[derive(Model)]) declare, on every backend; when
    /// they agree, no file is written. On a terminal it asks whether a
    /// column dropped and one of its type added were a rename.
    #[command(after_help = "\
Examples:
  migrations revision -m \"add email to users\"
  migrations revision --autogenerate -m \"add email to users\"   written from the models
  migrations revision --autogenerate -m \"x\" --backend postgres   for PostgreSQL only
  migrations revision -m \"fix\" --head 3f1c0a9b2d4e          when there are several heads
  migrations revision -m \"audit\" --head base --branch-label audit   a new independent branch
  migrations revision -m \"hotfix\" --head 3f1c --splice        branch off a non-head
  migrations revision -m \"search\" --depends-on billing        needs the billing branch
  migrations revision -m \"add users\" --rev-id 1975ea83b712    keep an Alembic history's id")]
    Revision {
        /// What the migration does, one line, e.g. \"add email to users\"
        #[arg(short, long, value_parser = one_line)]
        message: String,

        /// Write the operations that bring the migrations to the models
        /// (#[derive(Model)]); no file when there is nothing to do
        #[arg(long)]
        autogenerate: bool,

        /// With --autogenerate: a backend to plan for (repeatable)
        /// [default: all three]
        #[arg(
            long = "backend",
            value_enum,
            value_name = "BACKEND",
            requires = "autogenerate"
        )]
        backends: Vec<BackendArg>,

        /// What to revise: a head (when there are several), `base` for a
        /// new root, `<label>@head`, or any revision with --splice
        #[arg(long, value_name = "REV")]
        head: Option<String>,

        /// Allow --head to name a revision that is not a head (starts a branch)
        #[arg(long, requires = "head")]
        splice: bool,

        /// A branch label for the new revision
        #[arg(long, value_name = "LABEL")]
        branch_label: Option<String>,

        /// A revision id or branch label the new migration depends on (repeatable)
        #[arg(long, value_name = "REV")]
        depends_on: Vec<String>,

        /// The new revision's id instead of a random one: 4 to 32 of `a-z`,
        /// `0-9`, `_` (a port keeps its ids, so that `stamp` adopts a
        /// database the old tool migrated)
        #[arg(long, value_name = "ID")]
        rev_id: Option<String>,

        /// Where migration files live [default: $CARGO_MANIFEST_DIR/src/versions, else ./src/versions]
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
