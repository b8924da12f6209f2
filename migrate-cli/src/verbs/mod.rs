//! One module per verb, each with its report; [`dispatch`] hands the
//! parsed command line to one of them with a [`Context`]: the printer, the
//! database URL (resolved once), how to connect, and the migrator.

mod accept;
mod branches;
mod check;
mod current;
mod graph;
mod heads;
mod history;
mod lint;
mod migrate;
mod offline;
mod repair;
mod resume;
mod revision;
mod schema;
mod show;
mod stamp;
mod status;

use std::process::ExitCode;
use std::time::Duration;

use migrate_core::driver::{
    Access, ConnectOptions, Direction, Driver, LockMode, Retry, redact_url,
};
use migrate_core::graph::Target;
use migrate_core::{Backend, Error, Migrator};

use crate::args::{Cli, Command, Format};
use crate::failure::Failure;
use crate::output::Printer;

use migrate_core::RevisionIdx;

/// The database used when no URL is given anywhere.
pub(crate) const DEFAULT_DATABASE_URL: &str = "sqlite:migrate.db";

/// Runs the verb of `cli`, printing through `printer`, and gives the exit
/// code.
pub(crate) async fn dispatch(cli: Cli, printer: &Printer) -> ExitCode {
    match Context::new(&cli, printer) {
        Ok(context) => match execute(cli.command, &context).await {
            Ok(code) => ExitCode::from(code),
            Err(failure) => failure.report(printer),
        },
        Err(failure) => failure.report(printer),
    }
}

async fn execute(command: Command, cx: &Context<'_>) -> Result<u8, Failure> {
    if matches!(cx.printer.format(), Format::Mermaid | Format::Dot)
        && !matches!(command, Command::Graph { .. })
    {
        return Err(Failure::Usage(
            "--format mermaid and --format dot are for `graph`; other verbs print human or json"
                .to_owned(),
        ));
    }
    if cx.printer.format() == Format::Github && !matches!(command, Command::Lint { .. }) {
        return Err(Failure::Usage(
            "--format github is for `lint`; other verbs print human or json".to_owned(),
        ));
    }
    if cx.printer.format() == Format::Sql && !matches!(command, Command::Schema { .. }) {
        return Err(Failure::Usage(
            "--format sql is for `schema`; other verbs print human or json (for a migration script, use `upgrade --sql`)"
                .to_owned(),
        ));
    }
    match command {
        Command::Revision {
            message,
            autogenerate,
            backends,
            head,
            splice,
            branch_label,
            depends_on,
            rev_id,
            dir,
        } => {
            let options = crate::scaffold::RevisionOptions {
                head,
                splice,
                branch_label,
                depends_on,
                rev_id,
                dir,
            };
            if autogenerate {
                revision::autogenerate(cx, &message, options, &backends)
            } else {
                revision::revision(cx, &message, options)
            }
        }
        Command::Merge {
            revisions,
            message,
            branch_label,
            rev_id,
            dir,
        } => revision::merge(cx, &revisions, &message, branch_label, rev_id, dir),
        Command::Heads {
            resolve_dependencies,
        } => heads::run(cx, resolve_dependencies),
        Command::Branches => branches::run(cx),
        Command::Show { rev } => show::run(cx, &rev).await,
        Command::History {
            rev_range,
            verbose,
            indicate_current,
            graph,
        } => {
            let view = history::Options {
                verbose,
                indicate_current,
                graph,
            };
            history::run(cx, rev_range.as_deref(), view).await
        }
        Command::Graph { indicate_current } => graph::run(cx, indicate_current).await,
        Command::Current => current::run(cx).await,
        Command::Status => status::run(cx).await,
        Command::Lint { range, rules } => lint::run(cx, range.as_deref(), rules),
        Command::Check { schema_snapshot } => check::run(cx, schema_snapshot.as_deref()).await,
        Command::Schema { target, backend } => schema::run(cx, &target, backend).await,
        Command::Stamp { revisions, purge } => stamp::run(cx, &revisions, purge).await,
        Command::Resume => resume::run(cx).await,
        Command::Repair {
            revision,
            applied,
            reverted: _,
        } => repair::run(cx, &revision, applied).await,
        Command::Accept { revisions } => accept::run(cx, &revisions).await,
        Command::Upgrade { target, sql: true } => offline::run(cx, &target, Direction::Upgrade),
        Command::Downgrade { target, sql: true } => offline::run(cx, &target, Direction::Downgrade),
        Command::Upgrade { target, sql: false } => {
            migrate::run(cx, &target, Direction::Upgrade).await
        }
        Command::Downgrade { target, sql: false } => {
            migrate::run(cx, &target, Direction::Downgrade).await
        }
    }
}

/// What every verb may need, made once from the global options.
#[derive(Debug)]
pub(crate) struct Context<'a> {
    pub(crate) printer: &'a Printer,
    pub(crate) database: Database,
    retry: Retry,
    lock_mode: LockMode,
    lock_timeout: Duration,
    args: Vec<(String, String)>,
}

/// The database URL, resolved once: given (by flag, environment or
/// `.env`) or the default file.
#[derive(Debug)]
pub(crate) struct Database {
    /// The URL to connect to.
    pub(crate) url: String,
    /// Whether it was given, rather than the default.
    pub(crate) given: bool,
    /// Its backend, from its scheme.
    pub(crate) backend: Option<Backend>,
    /// As messages show it, without credentials.
    pub(crate) shown: String,
}

impl Database {
    fn new(given: Option<&str>) -> Self {
        let url = given.unwrap_or(DEFAULT_DATABASE_URL).to_owned();
        Database {
            backend: Backend::from_url(&url),
            shown: redact_url(&url),
            given: given.is_some(),
            url,
        }
    }
}

impl<'a> Context<'a> {
    fn new(cli: &Cli, printer: &'a Printer) -> Result<Self, Failure> {
        let first_delay = Duration::try_from_secs_f64(cli.connect_delay).map_err(|_| {
            Failure::Usage(format!(
                "--connect-delay takes seconds, e.g. 2 or 0.5, not {}",
                cli.connect_delay
            ))
        })?;
        Ok(Context {
            printer,
            database: Database::new(cli.database_url.as_deref()),
            retry: Retry {
                attempts: cli.connect_attempts,
                first_delay,
                ..Retry::default()
            },
            lock_mode: match cli.lock_mode {
                crate::args::LockMode::Session => LockMode::Session,
                crate::args::LockMode::Transaction => LockMode::Transaction,
            },
            lock_timeout: Duration::from_secs(cli.lock_timeout),
            args: cli.x.clone(),
        })
    }

    /// The registered migrations, checked, with the run's options.
    pub(crate) fn migrator(&self) -> Result<Migrator, Failure> {
        let config = lint::config()?;
        Ok(Migrator::from_registry()?
            .with_timeouts(config.timeouts)
            .with_lint(config)
            .with_lock_timeout(self.lock_timeout)
            .with_args(self.args.clone())
            .with_progress(crate::output::progress::reporter()))
    }

    /// Connects to the database, with the retry and lock flags.
    pub(crate) async fn connect(&self, access: Access) -> Result<Box<dyn Driver>, Failure> {
        let db = ConnectOptions::new(access)
            .retry(self.retry)
            .lock_mode(self.lock_mode)
            .lock_timeout(self.lock_timeout)
            .lasting_only()
            .connect(&self.database.url)
            .await
            .map_err(Error::from)?;
        Ok(db)
    }

    /// The database's current heads, read over a read-only connection.
    pub(crate) async fn read_current(
        &self,
        migrator: &Migrator,
    ) -> Result<Vec<RevisionIdx>, Failure> {
        let mut db = self.connect(Access::ReadOnly).await?;
        let current = migrator.current(db.as_mut()).await;
        close(db).await;
        Ok(current?)
    }
}

impl Context<'_> {
    /// The revisions `given` names (a revision, `heads`, `base`, a label,
    /// `current`, `+N`, ...); the database is read only for a target that
    /// counts from where it is.
    pub(crate) async fn resolve(
        &self,
        migrator: &Migrator,
        given: &str,
    ) -> Result<Vec<RevisionIdx>, Failure> {
        let target = Target::parse(given).map_err(Error::from)?;
        let current = if reads_current(&target) {
            self.read_current(migrator).await?
        } else {
            Vec::new()
        };
        Ok(migrator
            .graph()
            .resolve(&current, &target)
            .map_err(Error::from)?)
    }
}

/// Whether resolving `target` needs the database's current heads.
pub(crate) fn reads_current(target: &Target) -> bool {
    matches!(
        target,
        Target::Current | Target::Relative(_) | Target::BranchRelative(..)
    )
}

pub(crate) async fn close(db: Box<dyn Driver>) {
    if let Err(error) = db.close().await {
        tracing::debug!(%error, "closing the connection failed");
    }
}

/// The exit code of a verb that found `problems`.
pub(crate) fn ok_unless<T>(problems: &[T]) -> u8 {
    if problems.is_empty() {
        crate::exit::OK
    } else {
        crate::exit::FAILED
    }
}
