//! The service started as 3 replicas at once against one database comes up
//! cleanly on every backend, and refuses to start when it cannot migrate.

#[path = "../../../tests/tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use support::TestDb;

/// One replica, listening on a port of its own.
fn start(url: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_auto-migrate"))
        .env("DATABASE_URL", url)
        .env("PORT", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the service")
}

/// The replica's stdout up to its `serving on` line, or everything it
/// printed if it exited first.
fn wait_until_serving(child: &mut Child) -> Vec<String> {
    let stdout = child.stdout.take().expect("piped stdout");
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let serving = line.contains("serving on");
            if send.send(line).is_err() || serving {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    while let Ok(line) = receive.recv_timeout(Duration::from_secs(120)) {
        let serving = line.contains("serving on");
        lines.push(line);
        if serving {
            break;
        }
    }
    lines
}

fn health(address: &str) -> String {
    let mut stream = TcpStream::connect(address).expect("connect to the replica");
    stream
        .write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .expect("send a request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the response");
    response
}

#[tokio::test(flavor = "multi_thread")]
async fn three_replicas_start_at_once_and_each_migration_runs_once() {
    for db in TestDb::all().await {
        let mut replicas: Vec<Child> = (0..3).map(|_| start(&db.url)).collect();
        let mut applied = 0;
        for replica in &mut replicas {
            let lines = wait_until_serving(replica);
            let last = lines.last().cloned().unwrap_or_default();
            if !last.contains("serving on") {
                let _ = replica.kill();
                let mut stderr = String::new();
                if let Some(mut pipe) = replica.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                panic!(
                    "{:?}: a replica did not come up: {lines:?}\nits stderr:\n{stderr}",
                    db.kind
                );
            }
            // "database ready at X (N migrations applied by this replica ...); serving on ADDR"
            let count: usize = last
                .split('(')
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .and_then(|n| n.parse().ok())
                .expect("the ready line counts the migrations applied");
            applied += count;
            let address = last.rsplit(' ').next().expect("an address");
            let response = health(address);
            assert!(response.starts_with("HTTP/1.1 200"), "{response}");
            assert!(response.contains("\"status\":\"ok\""), "{response}");
            // Read with the model that declares the table.
            assert!(
                response.contains("\"notification_kinds\":[\"mention\",\"task_due\"]"),
                "{response}"
            );
        }
        for mut replica in replicas {
            let _ = replica.kill();
            let _ = replica.wait();
        }
        let audit = db.audit().await;
        let successes: Vec<_> = audit
            .iter()
            .filter(|(_, direction, outcome)| direction == "upgrade" && outcome == "success")
            .collect();
        let mut revisions: Vec<_> = successes.iter().map(|(r, _, _)| r.clone()).collect();
        revisions.sort();
        revisions.dedup();
        assert_eq!(
            revisions.len(),
            successes.len(),
            "{:?}: a migration ran twice: {audit:?}",
            db.kind
        );
        assert_eq!(applied, successes.len(), "{:?}: {audit:?}", db.kind);
        assert!(applied > 0);
        assert_eq!(db.heads().await.len(), 1, "{:?}", db.kind);
    }
}

#[tokio::test]
async fn it_refuses_to_start_when_it_cannot_migrate() {
    // A database a newer build migrated: the service must not start on it.
    let db = TestDb::sqlite();
    let mut first = start(&db.url);
    assert!(
        wait_until_serving(&mut first)
            .last()
            .is_some_and(|l| l.contains("serving on"))
    );
    let _ = first.kill();
    let _ = first.wait();
    db.execute("UPDATE migrate_heads SET revision = 'ffffffffffff'")
        .await;
    let output = Command::new(env!("CARGO_BIN_EXE_auto-migrate"))
        .env("DATABASE_URL", &db.url)
        .env("PORT", "0")
        .output()
        .expect("run the service");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("serving"));
    assert!(
        stderr.contains("error: not starting: the database could not be migrated: the database is at ffffffffffff, which this build does not know"),
        "{stderr}"
    );

    // A server that never answers: retried, then named.
    let output = Command::new(env!("CARGO_BIN_EXE_auto-migrate"))
        .env("DATABASE_URL", "postgres://app:hunter2@127.0.0.1:1/app")
        .env("PORT", "0")
        .env("MIGRATE_CONNECT_ATTEMPTS", "2")
        .env("MIGRATE_CONNECT_DELAY", "0.05")
        .output()
        .expect("run the service");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no connection to 127.0.0.1:1 after 2 attempt(s)"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}
