//! A service that brings its database to head on start-up, before it serves
//! anything: the pattern of "migrations are applied automatically on start-up;
//! if they fail, the service does not start".
//!
//! ```text
//! DATABASE_URL=sqlite:service.db cargo run -p auto-migrate
//! ```
//!
//! Several replicas may start at once: the migrator takes a lock (an advisory
//! lock on PostgreSQL, `GET_LOCK` on MySQL, an immediate transaction on
//! SQLite), so each migration is applied once and the others find nothing to do.

use std::process::ExitCode;

use migrate_core::driver::{self, Access};
use migrate_core::graph::Target;
use migrate_core::{Error, Migrator};

use migrations as _; // links the migrations library, and with it every migration

async fn migrate(url: &str) -> Result<usize, Error> {
    let migrator = Migrator::from_registry()?;
    let mut db = driver::connect(url, Access::ReadWrite).await?;
    let applied = migrator
        .upgrade(db.as_mut(), &Target::Head, &mut |step| {
            println!(
                "migrated {} ({}) in {:?}",
                step.revision, step.message, step.duration
            );
        })
        .await;
    let _ = db.close().await;
    Ok(applied?.len())
}

#[tokio::main]
async fn main() -> ExitCode {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite:service.db".to_owned());
    match migrate(&url).await {
        Ok(applied) => {
            println!("database ready ({applied} migrations applied); serving");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: not starting: {error}");
            ExitCode::FAILURE
        }
    }
}
