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

    /// Output format of current, heads, history and status
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Seconds to wait for another migrator's lock
    #[arg(long, global = true, default_value_t = 60, value_name = "SECONDS")]
    pub lock_timeout: u64,

    /// Log what happens, to stderr (or set MIGRATE_LOG=debug)
    #[arg(long, short, global = true)]
    pub verbose: bool,

    /// What to do
    #[command(subcommand)]
    pub command: Command,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Human,
    /// One JSON document on stdout, for machines.
    Json,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations up to TARGET, each in its own transaction.
    ///
    /// TARGET is `head` (the single head; refuses if there are several),
    /// `heads`, a revision id or a unique prefix of at least 4 characters,
    /// `+N` (N steps up from the current revision) or `<id>+N`.
    #[command(after_help = "\
Examples:
  migrations upgrade             apply everything up to the head
  migrations upgrade +1          apply the next migration only
  migrations upgrade 3f1c        apply up to the revision whose id starts with 3f1c
  migrations upgrade heads       apply every branch")]
    Upgrade {
        /// Where to go
        #[arg(default_value = "head", allow_hyphen_values = true)]
        target: String,
    },

    /// Revert migrations down to TARGET, newest first.
    ///
    /// TARGET is `base` (revert everything), a revision id or prefix (revert
    /// what was applied after it), `-N` (N steps down) or `<id>-N`.
    ///
    /// A migration without a `downgrade` function is reverted with its
    /// upgrade reversed; if a step has no inverse, nothing runs and the error
    /// names the revision and the step (`status` lists such migrations).
    #[command(after_help = "\
Examples:
  migrations downgrade -1        revert the newest migration
  migrations downgrade 3f1c      revert everything applied after 3f1c...
  migrations downgrade base      revert everything")]
    Downgrade {
        /// Where to go
        #[arg(allow_hyphen_values = true)]
        target: String,
    },

    /// Show the revision(s) the database is at. Changes nothing.
    #[command(after_help = "\
Examples:
  migrations current
  migrations current --format json")]
    Current,

    /// List every migration, newest first. Changes nothing.
    #[command(after_help = "\
Examples:
  migrations history
  migrations history --format json")]
    History,

    /// List the heads of the revision graph. Reads no database.
    #[command(after_help = "\
Examples:
  migrations heads")]
    Heads,

    /// Show the current revision, what is pending, and anything wrong.
    /// Changes nothing; exits 1 when it finds a problem.
    #[command(after_help = "\
Examples:
  migrations status
  DATABASE_URL=postgres://app@db/app migrations status --format json")]
    Status,

    /// Fail (exit 1, one line per problem) on what should stop a merge or a
    /// deploy; print `ok` otherwise. For CI.
    ///
    /// Always: several heads; a migration that cannot be downgraded and is
    /// not marked with `m.irreversible("why")`; a plan that does not render
    /// (on every backend). With --database-url or DATABASE_URL (opened
    /// read-only; the default SQLite file is never used): an applied
    /// migration edited since (checksum), revisions this build does not
    /// know, a step that stopped part-way, and pending migrations.
    #[command(after_help = "\
Examples:
  migrations check                                    the code only
  migrations check --database-url postgres://ci@db/app   also the database
  migrations check --format json")]
    Check,

    /// Write a new migration file that revises the current head.
    ///
    /// The file is named YYYY_MM_DD_HHMM-<id>_<slug>.rs, gets a fresh random
    /// id, and is picked up on the next build with no other edit.
    #[command(after_help = "\
Examples:
  migrations revision -m \"add email to users\"
  migrations revision -m \"fix\" --head 3f1c0a9b2d4e   when there are several heads")]
    Revision {
        /// What the migration does, e.g. \"add email to users\"
        #[arg(short, long)]
        message: String,

        /// The head to revise, when there are several
        #[arg(long, value_name = "ID")]
        head: Option<String>,

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
