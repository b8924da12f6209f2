//! The stairway over the crates the other tests drive through their
//! binaries, on every backend this run can reach: the branch scenario
//! (`branches-migrate`: two feature branches, a dependency, a merge, an
//! independent branch) and the 200-migration chain of the fault tests
//! (`fault-migrate`). At every step the schema replayed from the plans must
//! equal the database's, and the plan must fit the schema before it.
//!
//! Each crate's migrations are compiled into a test binary of its own, so
//! that its registry holds them alone.

use migrate_core::testing::Stairway;

#[path = "../src/bin/branches-migrate.rs"]
#[expect(
    dead_code,
    unreachable_pub,
    reason = "a binary's source: its `main` is unused, its migrations are `pub` for the binary"
)]
mod branches;

fn backends() -> Vec<(&'static str, Option<String>)> {
    let mut out = vec![("sqlite", None)];
    for (name, var) in [
        ("postgres", "MIGRATE_TEST_POSTGRES_URL"),
        ("mariadb", "MIGRATE_TEST_MYSQL_URL"),
    ] {
        match std::env::var(var) {
            Ok(url) => out.push((name, Some(url))),
            Err(_) => eprintln!("{var} is not set: {name} not tested"),
        }
    }
    out
}

#[test]
fn the_branch_scenario_round_trips_and_replays_on_every_backend() {
    for (name, url) in backends() {
        let mut stairway = Stairway::new().allow_branches();
        if let Some(url) = url {
            stairway = stairway.database_url(url);
        }
        let report = stairway.assert();
        assert_eq!(report.round_tripped.len(), 9, "{name}: {report}");
    }
}
