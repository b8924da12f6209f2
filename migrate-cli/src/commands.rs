//! One function per verb.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use migrate_core::driver::{self, Access, Direction, Driver, redact_url};
use migrate_core::graph::{Target, TargetError};
use migrate_core::{Error, Migrator};

use crate::args::{Cli, Command};
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
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Core(error)
    }
}

impl Failure {
    /// Prints the error on stderr and gives the exit code.
    pub(crate) fn report(self) -> ExitCode {
        match &self {
            Failure::Core(error) => eprintln!("error: {error}"),
            Failure::Message(message) => eprintln!("error: {message}"),
        }
        ExitCode::from(self.exit_code())
    }

    fn exit_code(&self) -> u8 {
        match self {
            // A target that does not parse is a usage error, like a bad flag.
            Failure::Core(Error::Target(TargetError::Malformed { .. })) => exit::USAGE,
            _ => exit::FAILED,
        }
    }
}

pub(crate) async fn dispatch(cli: Cli) -> ExitCode {
    match execute(cli).await {
        Ok(code) => ExitCode::from(code),
        Err(failure) => failure.report(),
    }
}

async fn execute(cli: Cli) -> Result<u8, Failure> {
    let printer = Printer::new(cli.format);
    let url = cli.database_url.clone();
    let lock_timeout = Duration::from_secs(cli.lock_timeout);
    match cli.command {
        Command::Revision { message, head, dir } => {
            scaffold::revision(&message, head.as_deref(), dir)?;
            Ok(exit::OK)
        }
        Command::Heads => {
            let migrator = Migrator::from_registry()?;
            printer.heads(&migrator);
            Ok(exit::OK)
        }
        Command::History => {
            let migrator = Migrator::from_registry()?;
            printer.history(&migrator);
            Ok(exit::OK)
        }
        Command::Current => {
            let migrator = Migrator::from_registry()?;
            let mut db = connect(url.as_deref(), Access::ReadOnly).await?;
            let current = migrator.current(db.as_mut()).await;
            close(db).await;
            printer.current(&migrator, &current?);
            Ok(exit::OK)
        }
        Command::Status => {
            let migrator = Migrator::from_registry()?;
            let shown = shown_url(url.as_deref());
            let mut db = connect(url.as_deref(), Access::ReadOnly).await?;
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
            let migrator = Migrator::from_registry()?;
            // Only a URL given on purpose is checked: never the default file.
            let problems = match url.as_deref() {
                Some(url) => {
                    let mut db = connect(Some(url), Access::ReadOnly).await?;
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
        Command::Upgrade { target } => {
            move_to(url.as_deref(), &target, Direction::Upgrade, lock_timeout).await
        }
        Command::Downgrade { target } => {
            move_to(url.as_deref(), &target, Direction::Downgrade, lock_timeout).await
        }
    }
}

/// `upgrade` and `downgrade`: print each step with its duration as it lands.
async fn move_to(
    url: Option<&str>,
    target: &str,
    direction: Direction,
    lock_timeout: Duration,
) -> Result<u8, Failure> {
    let migrator = Migrator::from_registry()?.with_lock_timeout(lock_timeout);
    let target = Target::parse(target).map_err(Error::from)?;
    let shown = shown_url(url);
    if url.is_none() {
        eprintln!("note: no --database-url, DATABASE_URL or .env: using {shown}");
    }
    let mut db = connect(url, Access::ReadWrite).await?;
    let start = Instant::now();
    let result = match direction {
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
    };
    let current = match &result {
        Ok(_) => migrator.current(db.as_mut()).await.ok(),
        Err(_) => None,
    };
    close(db).await;
    let reports = result?;
    output::print_summary(
        &migrator,
        direction,
        &reports,
        current.as_deref(),
        start.elapsed(),
    );
    Ok(exit::OK)
}

async fn connect(url: Option<&str>, access: Access) -> Result<Box<dyn Driver>, Failure> {
    let url = url.unwrap_or(DEFAULT_DATABASE_URL);
    Ok(driver::connect(url, access).await.map_err(Error::from)?)
}

async fn close(db: Box<dyn Driver>) {
    if let Err(error) = db.close().await {
        tracing::debug!(%error, "closing the connection failed");
    }
}

fn shown_url(url: Option<&str>) -> String {
    redact_url(url.unwrap_or(DEFAULT_DATABASE_URL))
}
