//! A service that brings its database to head on start-up, before it serves
//! anything: the pattern of "migrations are applied automatically on
//! start-up; if they fail, the service does not start".
//!
//! ```text
//! DATABASE_URL=sqlite:service.db PORT=8080 cargo run -p auto-migrate
//! curl localhost:8080/health
//! ```
//!
//! Several replicas may start at once: the migrator takes a lock (an
//! advisory lock on PostgreSQL, `GET_LOCK` on MySQL, an immediate
//! transaction per migration on SQLite), so each migration is applied once
//! and the others find nothing to do. A server that is still starting is
//! retried (5 attempts from 2 s; `MIGRATE_CONNECT_ATTEMPTS` changes the
//! count). When migrating fails, the service logs one line that says why and
//! exits with status 1 without listening.
//!
//! Once migrated, it reads rows into the structs that declare the tables
//! (`migrations::models`, `sqlx::FromRow` and `Model` on one struct) and
//! serves the notification kinds with its health answer.

use std::process::ExitCode;
use std::time::Duration;

use migrate_core::driver::{Access, ConnectOptions, Retry};
use migrate_core::migrator::StartupReport;
use migrate_core::{Error, Migrator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

// The migrations library: linking it links every migration; its models
// are the structs the queries read rows into.
use migrations::models::NotificationKind;

/// Connection retries from the environment, else the defaults.
fn connect_options() -> ConnectOptions {
    let mut retry = Retry::default();
    if let Some(attempts) = env_number("MIGRATE_CONNECT_ATTEMPTS") {
        retry.attempts = attempts as u32;
    }
    if let Some(delay) = env_number("MIGRATE_CONNECT_DELAY") {
        retry.first_delay = Duration::from_secs_f64(delay);
    }
    ConnectOptions::new(Access::ReadWrite).retry(retry)
}

fn env_number(name: &str) -> Option<f64> {
    std::env::var(name).ok()?.parse().ok()
}

async fn migrate(url: &str) -> Result<StartupReport, Error> {
    Migrator::from_registry()?
        .upgrade_on_startup(url, &connect_options())
        .await
}

/// The notification kinds the migrations filled in, read into the model
/// that declares their table.
async fn notification_kinds(url: &str) -> Result<Vec<NotificationKind>, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let mut db = <sqlx::AnyConnection as sqlx::Connection>::connect(url).await?;
    sqlx::query_as::<_, NotificationKind>(
        "SELECT code, label FROM notification_kinds ORDER BY code",
    )
    .fetch_all(&mut db)
    .await
}

/// Answers every request with the schema revision and the notification
/// kinds: enough for a health check, which is all this example needs.
async fn serve(listener: TcpListener, heads: String, kinds: Vec<NotificationKind>) {
    let codes: Vec<&str> = kinds.iter().map(|k| k.code.as_str()).collect();
    let body = serde_json::json!({
        "status": "ok",
        "schema": heads,
        "notification_kinds": codes,
    })
    .to_string()
        + "\n";
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            continue;
        };
        let body = body.clone();
        tokio::spawn(async move {
            let mut request = [0u8; 1024];
            let _ = socket.read(&mut request).await;
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        });
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite:service.db".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".to_owned());
    let report = match migrate(&url).await {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: not starting: the database could not be migrated: {error}");
            return ExitCode::FAILURE;
        }
    };
    for step in &report.applied {
        println!(
            "migrated {} ({}) in {:?}",
            step.revision, step.message, step.duration
        );
    }
    let kinds = match notification_kinds(&url).await {
        Ok(kinds) => kinds,
        Err(error) => {
            eprintln!("error: not starting: reading the notification kinds: {error}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match TcpListener::bind(format!("127.0.0.1:{port}")).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: not starting: listen on 127.0.0.1:{port}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let heads = report.heads.join(",");
    println!(
        "database ready at {heads} ({} migrations applied by this replica in {:.2?}); serving on {address}",
        report.applied.len(),
        report.elapsed
    );
    tokio::select! {
        () = serve(listener, heads, kinds) => {}
        _ = tokio::signal::ctrl_c() => println!("stopping"),
    }
    ExitCode::SUCCESS
}
