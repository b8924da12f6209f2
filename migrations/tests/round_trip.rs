//! Every migration of the example crate goes up, down and up again, with
//! the schema compared at each step: in-memory SQLite always, PostgreSQL and
//! MariaDB when `MIGRATE_TEST_POSTGRES_URL` / `MIGRATE_TEST_MYSQL_URL` name a
//! server (a fresh database is created on it and dropped afterwards).

use migrate_core::prelude::*;
use migrate_core::testing::Stairway;
use migrations as _;

/// Rows that must survive every later migration's round trip.
fn seed(revision: &str) -> Vec<Rows> {
    match revision {
        // Before "create posts": users exists.
        "8d2e4b6a1c0f" => vec![
            Rows::new("users", ["id", "email", "name"])
                .row((1, "ada@example.com", "ada"))
                .row((2, "grace@example.com", "grace")),
        ],
        // Before "create tasks": posts exists.
        "b7e94f2a6d13" => vec![
            Rows::new("posts", ["id", "author_id", "title", "body"]).row((
                1,
                1,
                "first post",
                "hello",
            )),
        ],
        _ => vec![],
    }
}

fn stairway() -> Stairway {
    Stairway::new().seed(seed)
}

#[test]
fn round_trips_on_sqlite() {
    let report = stairway().assert();
    assert_eq!(report.round_tripped.len(), 16, "{report}");
    assert_eq!(report.seeded_rows, 3);
}

#[test]
fn round_trips_on_postgres() {
    match std::env::var("MIGRATE_TEST_POSTGRES_URL") {
        Ok(url) => {
            stairway().database_url(url).assert();
        }
        Err(_) => eprintln!("MIGRATE_TEST_POSTGRES_URL is not set: PostgreSQL not tested"),
    }
}

#[test]
fn round_trips_on_mariadb() {
    match std::env::var("MIGRATE_TEST_MYSQL_URL") {
        Ok(url) => {
            stairway().database_url(url).assert();
        }
        Err(_) => eprintln!("MIGRATE_TEST_MYSQL_URL is not set: MariaDB not tested"),
    }
}

#[test]
fn walks_only_the_new_revisions_from_a_given_one() {
    let report = Stairway::new().from_revision("0953ace66597").assert();
    assert_eq!(
        report.round_tripped,
        [
            "aacf5257b9c5",
            "6f61e53762d5",
            "7d3e9a1b5c20",
            "5b1e7c9d2a40",
            "a93c4e2f61b8",
            "e2d84b17c6f3",
            "6cc446192e5d"
        ]
    );
}
