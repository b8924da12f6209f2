//! One function per verb.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use migrate_core::driver::{
    Access, ConnectOptions, Direction, Driver, LockMode, Retry, redact_url,
};
use migrate_core::graph::{Range, Target, TargetError};
use migrate_core::migrator::Resolution;
use migrate_core::{Backend, Error, Migrator};

use crate::args::{Cli, Command, Format};
use crate::interrupt::{INTERRUPTED, interruptible};
use crate::output::{self, Printer};
use crate::{exit, scaffold};

/// The database used when no URL is given anywhere.
pub(crate) const DEFAULT_DATABASE_URL: &str = "sqlite:migrate.db";

/// Why a command failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// From the core: graph, target, plan, connection or apply.
    Core(Error),
    /// Anything else, already worded.
    Message(String),
    /// A usage error, already worded (exit 2).
    Usage(String),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Core(error)
    }
}

impl Failure {
    /// Prints the error on stderr (one JSON document with `json`) and gives
    /// the exit code.
    pub(crate) fn report(self, json: bool) -> ExitCode {
        let code = self.exit_code();
        let message = match &self {
            Failure::Core(error) => error.to_string(),
            Failure::Message(message) | Failure::Usage(message) => message.clone(),
        };
        exit::print_error(&message, code, json);
        ExitCode::from(code)
    }

    fn exit_code(&self) -> u8 {
        match self {
            // A target that does not parse is a usage error, like a bad flag.
            Failure::Core(Error::Target(TargetError::Malformed { .. })) | Failure::Usage(_) => {
                exit::USAGE
            }
            _ => exit::FAILED,
        }
    }
}

pub(crate) async fn dispatch(cli: Cli) -> ExitCode {
    let json = cli.format == Format::Json;
    match execute(cli).await {
        Ok(code) => ExitCode::from(code),
        Err(failure) => failure.report(json),
    }
}

async fn execute(cli: Cli) -> Result<u8, Failure> {
    let printer = Printer::new(cli.format);
    let json = cli.format == Format::Json;
    if matches!(cli.format, Format::Mermaid | Format::Dot)
        && !matches!(cli.command, Command::Graph { .. })
    {
        return Err(Failure::Usage(
            "--format mermaid and --format dot are for `graph`; other verbs print human or json"
                .to_owned(),
        ));
    }
    let url = cli.database_url.clone();
    let lock_timeout = Duration::from_secs(cli.lock_timeout);
    let connector = Connector {
        retry: Retry {
            attempts: cli.connect_attempts,
            first_delay: Duration::try_from_secs_f64(cli.connect_delay).map_err(|_| {
                Failure::Usage(format!(
                    "--connect-delay takes seconds, e.g. 2 or 0.5, not {}",
                    cli.connect_delay
                ))
            })?,
            ..Retry::default()
        },
        lock_mode: match cli.lock_mode {
            crate::args::LockMode::Session => LockMode::Session,
            crate::args::LockMode::Transaction => LockMode::Transaction,
        },
        lock_timeout,
    };
    let migrator = || -> Result<Migrator, Failure> {
        Ok(Migrator::from_registry()?
            .with_lock_timeout(lock_timeout)
            .with_args(cli.x.clone())
            .with_progress(crate::progress::reporter()))
    };
    match cli.command {
        Command::Revision {
            message,
            head,
            splice,
            branch_label,
            depends_on,
            dir,
        } => {
            let options = scaffold::RevisionOptions {
                head,
                splice,
                branch_label,
                depends_on,
                dir,
            };
            scaffold::revision(&message, options)?;
            Ok(exit::OK)
        }
        Command::Merge {
            revisions,
            message,
            branch_label,
            dir,
        } => {
            scaffold::merge(&revisions, &message, branch_label, dir)?;
            Ok(exit::OK)
        }
        Command::Heads {
            resolve_dependencies,
        } => {
            printer.heads(&migrator()?, resolve_dependencies);
            Ok(exit::OK)
        }
        Command::Branches => {
            printer.branches(&migrator()?);
            Ok(exit::OK)
        }
        Command::Show { rev } => {
            let migrator = migrator()?;
            let target = Target::parse(&rev).map_err(Error::from)?;
            // `current`, `+N`, `-N` and `<label>@±N` count from where the
            // database is.
            let current = if reads_current(&target) {
                read_current(&migrator, &connector, url.as_deref()).await?
            } else {
                Vec::new()
            };
            let found = migrator
                .graph()
                .resolve(&current, &target)
                .map_err(Error::from)?;
            printer.show(&migrator, &rev, &found);
            Ok(exit::OK)
        }
        Command::History {
            rev_range,
            verbose,
            indicate_current,
            graph,
        } => {
            let migrator = migrator()?;
            let range = match &rev_range {
                Some(given) => Range::parse(given).map_err(Error::from)?,
                None => Range {
                    from: None,
                    to: None,
                },
            };
            let needs_current = indicate_current
                || [&range.from, &range.to]
                    .into_iter()
                    .flatten()
                    .any(reads_current);
            let current = if needs_current {
                Some(read_current(&migrator, &connector, url.as_deref()).await?)
            } else {
                None
            };
            let shown = migrator
                .graph()
                .range(current.as_deref().unwrap_or(&[]), &range)
                .map_err(Error::from)?;
            let view = output::HistoryView {
                shown: &shown,
                current: current.as_deref().filter(|_| indicate_current),
                verbose,
                graph,
            };
            printer.history(&migrator, &view);
            Ok(exit::OK)
        }
        Command::Graph { indicate_current } => {
            let migrator = migrator()?;
            let current = if indicate_current {
                read_current(&migrator, &connector, url.as_deref()).await?
            } else {
                Vec::new()
            };
            printer.graph(&migrator, &current);
            Ok(exit::OK)
        }
        Command::Current => {
            let migrator = migrator()?;
            let current = read_current(&migrator, &connector, url.as_deref()).await?;
            printer.current(&migrator, &current);
            Ok(exit::OK)
        }
        Command::Status => {
            let migrator = migrator()?;
            let shown = shown_url(url.as_deref());
            let mut db = connector.connect(url.as_deref(), Access::ReadOnly).await?;
            let status = migrator.status(db.as_mut()).await;
            close(db).await;
            let status = status?;
            printer.status(&shown, &status);
            Ok(if status.problems.is_empty() {
                exit::OK
            } else {
                exit::FAILED
            })
        }
        Command::Check => {
            let migrator = migrator()?;
            // Only a URL given on purpose is checked: never the default file.
            let problems = match url.as_deref() {
                Some(url) => {
                    let mut db = connector.connect(Some(url), Access::ReadOnly).await?;
                    let problems = migrator.check(Some(db.as_mut())).await;
                    close(db).await;
                    problems?
                }
                None => migrator.check(None).await?,
            };
            printer.check(&problems);
            Ok(if problems.is_empty() {
                exit::OK
            } else {
                exit::FAILED
            })
        }
        Command::Stamp { revisions, purge } => {
            let migrator = migrator()?;
            let targets = revisions
                .iter()
                .map(|given| Target::parse(given))
                .collect::<Result<Vec<_>, _>>()
                .map_err(Error::from)?;
            let mut db = connector.connect(url.as_deref(), Access::ReadWrite).await?;
            let stamped = migrator.stamp(db.as_mut(), &targets, purge).await;
            close(db).await;
            printer.stamp(&stamped?);
            Ok(exit::OK)
        }
        Command::Resume => {
            let migrator = migrator()?;
            let mut db = connector.connect(url.as_deref(), Access::ReadWrite).await?;
            let interrupter = db.interrupter().clone();
            let mut print = output::print_step;
            let run = migrator.resume(db.as_mut(), &mut print);
            let (resumed, signal) = interruptible(&interrupter, run).await;
            if let (Some(signal), Err(error)) = (signal, &resumed) {
                stopped_by(&migrator, db, signal, error, json).await;
                return Ok(INTERRUPTED);
            }
            close(db).await;
            resumed?;
            Ok(exit::OK)
        }
        Command::Repair {
            revision,
            applied,
            reverted: _,
        } => {
            let migrator = migrator()?;
            let resolution = if applied {
                Resolution::Applied
            } else {
                Resolution::Reverted
            };
            let mut db = connector.connect(url.as_deref(), Access::ReadWrite).await?;
            let repaired = migrator.repair(db.as_mut(), &revision, resolution).await;
            close(db).await;
            printer.repaired(&repaired?);
            Ok(exit::OK)
        }
        Command::Accept { revisions } => {
            let migrator = migrator()?;
            let mut db = connector.connect(url.as_deref(), Access::ReadWrite).await?;
            let accepted = migrator.accept(db.as_mut(), &revisions).await;
            close(db).await;
            printer.accepted(&accepted?);
            Ok(exit::OK)
        }
        Command::Upgrade { target, sql: true } => {
            offline(&migrator()?, url.as_deref(), &target, Direction::Upgrade)
        }
        Command::Downgrade { target, sql: true } => {
            offline(&migrator()?, url.as_deref(), &target, Direction::Downgrade)
        }
        Command::Upgrade { target, sql: false } => {
            move_to(
                &migrator()?,
                &connector,
                url.as_deref(),
                &target,
                Direction::Upgrade,
                json,
            )
            .await
        }
        Command::Downgrade { target, sql: false } => {
            move_to(
                &migrator()?,
                &connector,
                url.as_deref(),
                &target,
                Direction::Downgrade,
                json,
            )
            .await
        }
    }
}

/// `upgrade --sql [FROM:]TO`, `downgrade --sql FROM:TO`: prints the script,
/// reading no database.
fn offline(
    migrator: &Migrator,
    url: Option<&str>,
    given: &str,
    direction: Direction,
) -> Result<u8, Failure> {
    let url = url.unwrap_or(DEFAULT_DATABASE_URL);
    let backend = Backend::from_url(url).ok_or_else(|| {
        Failure::Usage(format!(
            "--sql renders for the backend of the database URL, and `{}` is not one: use postgres://, mysql:// or sqlite:",
            redact_url(url)
        ))
    })?;
    let (from, to) = match (given.contains(':'), direction) {
        (true, _) => {
            let range = Range::parse(given).map_err(Error::from)?;
            (range.from, range.to.unwrap_or(Target::Heads))
        }
        (false, Direction::Upgrade) => (None, Target::parse(given).map_err(Error::from)?),
        (false, Direction::Downgrade) => {
            return Err(Failure::Usage(format!(
                "downgrade --sql needs FROM:TO, e.g. `head:{given}`: offline mode reads no database, so it cannot know where the database is"
            )));
        }
    };
    if [from.as_ref(), Some(&to)]
        .into_iter()
        .flatten()
        .any(reads_current)
    {
        return Err(Failure::Usage(format!(
            "`{given}` is relative to the current revision, which offline mode cannot read; name revisions instead, e.g. `3f1c:head`"
        )));
    }
    let start = match &from {
        Some(target) => migrator.graph().resolve(&[], target).map_err(Error::from)?,
        None => Vec::new(),
    };
    print!(
        "{}",
        migrator.offline_script(backend, direction, &start, &to)?
    );
    Ok(exit::OK)
}

/// Whether resolving `target` needs the database's current heads.
fn reads_current(target: &Target) -> bool {
    matches!(
        target,
        Target::Current | Target::Relative(_) | Target::BranchRelative(..)
    )
}

/// The database's current heads, read over a read-only connection.
async fn read_current(
    migrator: &Migrator,
    connector: &Connector,
    url: Option<&str>,
) -> Result<Vec<usize>, Failure> {
    let mut db = connector.connect(url, Access::ReadOnly).await?;
    let current = migrator.current(db.as_mut()).await;
    close(db).await;
    Ok(current?)
}

/// `upgrade` and `downgrade`: print each step with its duration as it lands.
async fn move_to(
    migrator: &Migrator,
    connector: &Connector,
    url: Option<&str>,
    target: &str,
    direction: Direction,
    json: bool,
) -> Result<u8, Failure> {
    let target = Target::parse(target).map_err(Error::from)?;
    let shown = shown_url(url);
    if url.is_none() {
        eprintln!("note: no --database-url, DATABASE_URL or .env: using {shown}");
    }
    let mut db = connector.connect(url, Access::ReadWrite).await?;
    let start = Instant::now();
    let interrupter = db.interrupter().clone();
    let run = async {
        match direction {
            Direction::Upgrade => {
                migrator
                    .upgrade(db.as_mut(), &target, &mut output::print_step)
                    .await
            }
            Direction::Downgrade => {
                migrator
                    .downgrade(db.as_mut(), &target, &mut output::print_step)
                    .await
            }
        }
    };
    let (result, signal) = interruptible(&interrupter, run).await;
    if let (Some(signal), Err(error)) = (signal, &result) {
        stopped_by(migrator, db, signal, error, json).await;
        return Ok(INTERRUPTED);
    }
    let current = match &result {
        Ok(_) => migrator.current(db.as_mut()).await.ok(),
        Err(_) => None,
    };
    close(db).await;
    let reports = result?;
    output::print_summary(
        migrator,
        direction,
        &reports,
        current.as_deref(),
        start.elapsed(),
    );
    Ok(exit::OK)
}

/// After a run stopped by `signal` with `error`: says so, and where the
/// database is, from the version tables as the run left them (the lock is
/// released).
async fn stopped_by(
    migrator: &Migrator,
    mut db: Box<dyn Driver>,
    signal: &str,
    error: &Error,
    json: bool,
) {
    let mut message = format!("{error}\n");
    match migrator.status(db.as_mut()).await {
        Ok(status) => {
            let at: Vec<&str> = status.current.iter().map(|r| r.id.as_str()).collect();
            message.push_str(&format!(
                "stopped by {signal}: the database is at {}, with {} migration(s) pending; the lock is released",
                if at.is_empty() { "base".to_owned() } else { at.join(", ") },
                status.pending.len()
            ));
            for problem in &status.problems {
                message.push_str(&format!("\n  - {problem}"));
            }
        }
        Err(error) => message.push_str(&format!(
            "stopped by {signal}; reading where the database is failed: {error}"
        )),
    }
    exit::print_error(&message, INTERRUPTED, json);
    close(db).await;
}

/// How every verb connects: the retry and lock flags.
#[derive(Debug)]
struct Connector {
    retry: Retry,
    lock_mode: LockMode,
    lock_timeout: Duration,
}

impl Connector {
    async fn connect(&self, url: Option<&str>, access: Access) -> Result<Box<dyn Driver>, Failure> {
        let url = url.unwrap_or(DEFAULT_DATABASE_URL);
        let db = ConnectOptions::new(access)
            .retry(self.retry)
            .lock_mode(self.lock_mode)
            .lock_timeout(self.lock_timeout)
            .lasting_only()
            .connect(url)
            .await
            .map_err(Error::from)?;
        Ok(db)
    }
}

async fn close(db: Box<dyn Driver>) {
    if let Err(error) = db.close().await {
        tracing::debug!(%error, "closing the connection failed");
    }
}

fn shown_url(url: Option<&str>) -> String {
    redact_url(url.unwrap_or(DEFAULT_DATABASE_URL))
}
