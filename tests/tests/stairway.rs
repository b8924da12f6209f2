//! The stairway kit catches the mistakes it is for. Each fixture is a tiny
//! graph of hand-built registrations with one deliberate bug; the failure
//! message is snapshot-tested on SQLite, and the same failure is asserted on
//! PostgreSQL and MariaDB when their URLs are set.

use migrate_core::Registration;
use migrate_core::prelude::*;
use migrate_core::testing::{Move, Stairway, StairwayError};

macro_rules! revision {
    ($name:ident, $id:literal, [$($parent:literal),*], $message:literal, $up:expr, $down:expr) => {
        static $name: Registration = Registration {
            id: $id,
            revises: &[$($parent),*],
            branch_labels: &[],
            depends_on: &[],
            message: $message,
            module: concat!("fixtures::", stringify!($name)),
            file: "fixtures.rs",
            line: 1,
            upgrade: $up,
            downgrade: $down,
        };
    };
}

fn nothing(_: &mut Migration) {}

fn name_column(length: u32) -> Column {
    Column::new("name").string(length).nullable()
}

revision!(
    USERS,
    "a0000000000a",
    [],
    "create users",
    |m| {
        m.create_table(
            Table::new("users")
                .column(Column::new("id").big_integer().primary_key())
                .column(Column::new("email").string(255))
                .column(name_column(100)),
        );
        m.create_table(Table::new("roles").column(Column::new("code").string(20).primary_key()));
    },
    Some(|m| {
        m.drop_table("roles");
        m.drop_table("users");
    })
);

revision!(
    FORGOT_INDEX,
    "b0000000000b",
    ["a0000000000a"],
    "index users by email",
    |m| {
        m.create_index(Index::new("ix_users_email").on("users", ["email"]));
    },
    Some(nothing)
);

revision!(
    WRONG_COLUMN,
    "c0000000000c",
    ["a0000000000a"],
    "add nickname",
    |m| {
        m.add_column("users", Column::new("nickname").string(50).nullable());
    },
    Some(|m| {
        m.drop_column("users", "name");
    })
);

revision!(
    LEFT_TABLE,
    "d0000000000d",
    ["a0000000000a"],
    "create audit",
    |m| {
        m.create_table(Table::new("audit").column(Column::new("id").big_integer().primary_key()));
    },
    Some(nothing)
);

revision!(
    ROWS_AGAIN,
    "e0000000000e",
    ["a0000000000a"],
    "seed roles",
    |m| {
        m.bulk_insert(Rows::new("roles", ["code"]).row(("admin",)));
    },
    Some(nothing)
);

revision!(
    TYPE_BACK,
    "f0000000000f",
    ["a0000000000a"],
    "widen name",
    |m| {
        m.alter_column(
            AlterColumn::new("users", "name")
                .set_type(ColumnType::String(200))
                .existing(name_column(100)),
        );
    },
    Some(|m| {
        m.alter_column(
            AlterColumn::new("users", "name")
                .set_type(ColumnType::String(150))
                .existing(name_column(200))
                .lossy_ok("names are shorter than 150 characters"),
        );
    })
);

revision!(
    LOSES_DATA,
    "a1111111111a",
    ["a0000000000a"],
    "drop name",
    |m| {
        m.drop_column("users", "name");
    },
    Some(|m| {
        m.add_column("users", name_column(100));
    })
);

revision!(
    ADDS_ROWS,
    "a2222222222a",
    ["a0000000000a"],
    "seed an admin",
    |m| {
        m.bulk_insert(Rows::new("users", ["id", "email"]).row((99, "admin@example.com")));
    },
    Some(nothing)
);

revision!(
    SECOND_HEAD,
    "b1111111111b",
    ["a0000000000a"],
    "another branch",
    |m| {
        m.add_column("users", Column::new("bio").text().nullable());
    },
    None
);

revision!(
    NO_WAY_BACK,
    "c1111111111c",
    ["a0000000000a"],
    "drop email",
    |m| {
        m.drop_column("users", "email");
    },
    None
);

revision!(
    ONE_WAY,
    "d1111111111d",
    ["a0000000000a"],
    "purge emails",
    |m| {
        m.drop_column("users", "email");
    },
    Some(|m| {
        m.irreversible("the addresses are gone for good");
    })
);

/// The servers this run can reach, besides in-memory SQLite.
fn servers() -> Vec<String> {
    ["MIGRATE_TEST_POSTGRES_URL", "MIGRATE_TEST_MYSQL_URL"]
        .into_iter()
        .filter_map(|var| std::env::var(var).ok())
        .collect()
}

/// Runs the stairway over `USERS` and `fixture` on every backend; returns
/// the SQLite failure after checking that every backend fails alike.
async fn fails(fixture: &'static Registration, same: fn(&StairwayError) -> bool) -> String {
    fails_seeded(fixture, |_| Vec::new(), same).await
}

/// [`fails`], with rows seeded before each revision.
async fn fails_seeded(
    fixture: &'static Registration,
    seed: fn(&str) -> Vec<Rows>,
    same: fn(&StairwayError) -> bool,
) -> String {
    let run = |url: Option<String>| {
        let stairway = Stairway::with_registrations(vec![&USERS, fixture]).seed(seed);
        match url {
            Some(url) => stairway.database_url(url),
            None => stairway,
        }
        .run()
    };
    for url in servers() {
        match run(Some(url.clone())).await {
            Ok(report) => panic!("{url}: the stairway passed: {report}"),
            Err(error) => assert!(same(&error), "{url}: another failure: {error}"),
        }
    }
    let error = run(None).await.expect_err("the stairway passed on SQLite");
    assert!(same(&error), "sqlite: another failure: {error}");
    error.to_string()
}

#[tokio::test]
async fn a_downgrade_that_forgets_to_drop_an_index() {
    let message = fails(&FORGOT_INDEX, |e| {
        matches!(e, StairwayError::NotRestored { diff, .. }
            if diff.to_string() == "table users: index ix_users_email: added (on (email))")
    })
    .await;
    insta::assert_snapshot!(message);
}

#[tokio::test]
async fn a_downgrade_that_drops_the_wrong_column() {
    let message = fails(&WRONG_COLUMN, |e| {
        matches!(e, StairwayError::NotRestored { diff, .. }
        if diff.lines() == [
            "table users: column name: removed (varchar(100) null)",
            "table users: column nickname: added (varchar(50) null)",
        ])
    })
    .await;
    insta::assert_snapshot!(message);
}

#[tokio::test]
async fn a_downgrade_that_leaves_a_table_behind() {
    let message = fails(&LEFT_TABLE, |e| {
        matches!(e, StairwayError::NotRestored { diff, .. }
            if diff.to_string() == "table audit: added (columns id)")
    })
    .await;
    insta::assert_snapshot!(message);
}

#[tokio::test]
async fn an_upgrade_that_is_not_repeatable_after_its_downgrade() {
    // The downgrade leaves the inserted row, so inserting it again fails.
    let message = fails(&ROWS_AGAIN, |e| {
        matches!(e, StairwayError::Step { step: Move::Reupgrade, revision, .. } if revision.id == "e0000000000e")
    })
    .await;
    let first_line = message.lines().next().unwrap_or_default();
    assert!(
        first_line.starts_with("upgrade after downgrade of revision e0000000000e (seed roles) in fixtures::ROWS_AGAIN (fixtures.rs:1) failed:"),
        "{message}"
    );
}

#[tokio::test]
async fn a_type_that_does_not_come_back() {
    let message = fails(&TYPE_BACK, |e| {
        matches!(e, StairwayError::NotRestored { diff, .. }
            if diff.to_string() == "table users: column name: type varchar(100) -> varchar(150)")
    })
    .await;
    insta::assert_snapshot!(message);
}

#[tokio::test]
async fn seeded_rows_that_do_not_survive_the_round_trip() {
    let seed = |revision: &str| match revision {
        "a1111111111a" => {
            vec![Rows::new("users", ["id", "email", "name"]).row((1, "ada@example.com", "Ada"))]
        }
        _ => vec![],
    };
    let message = fails_seeded(&LOSES_DATA, seed, |e| {
        matches!(e, StairwayError::DataLost { table, before, after, .. }
            if table == "users"
                && before[0].contains(&Some("Ada".to_owned()))
                && after[0].contains(&None))
    })
    .await;
    insta::assert_snapshot!(message);
}

/// Rows the downgrade leaves behind are extra rows, not lost data.
#[tokio::test]
async fn rows_left_behind_by_a_downgrade_are_reported_as_extra() {
    let seed = |revision: &str| match revision {
        "a2222222222a" => {
            vec![Rows::new("users", ["id", "email", "name"]).row((1, "ada@example.com", "Ada"))]
        }
        _ => vec![],
    };
    let message = fails_seeded(&ADDS_ROWS, seed, |e| {
        matches!(e, StairwayError::ExtraRows { table, extra, .. }
            if table == "users" && extra.len() == 1
                && extra[0].contains(&Some("admin@example.com".to_owned())))
    })
    .await;
    assert!(!message.contains("lost"), "{message}");
    insta::assert_snapshot!(message);
}

#[tokio::test]
async fn several_heads_are_refused_unless_branches_are_allowed() {
    let error = Stairway::with_registrations(vec![&USERS, &FORGOT_INDEX, &LEFT_TABLE])
        .run()
        .await
        .expect_err("two heads went unnoticed");
    insta::assert_snapshot!(error.to_string());

    // Allowed, both branches are walked (and each one's bug still caught).
    let error = Stairway::with_registrations(vec![&USERS, &SECOND_HEAD, &LEFT_TABLE])
        .allow_branches()
        .run()
        .await
        .expect_err("the table left behind went unnoticed");
    assert!(
        matches!(error, StairwayError::NotRestored { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn a_migration_that_cannot_be_downgraded_is_refused_up_front() {
    let error = Stairway::with_registrations(vec![&USERS, &NO_WAY_BACK])
        .run()
        .await
        .expect_err("the irreversible migration went unnoticed");
    insta::assert_snapshot!(error.to_string());
}

#[tokio::test]
async fn a_derived_downgrade_round_trips() {
    // No `downgrade` function: the reversed plan is used, and it works.
    let report = Stairway::with_registrations(vec![&USERS, &SECOND_HEAD])
        .run()
        .await
        .expect("the derived downgrade round-trips");
    assert_eq!(report.round_tripped, ["a0000000000a", "b1111111111b"]);
}

#[tokio::test]
async fn a_migration_marked_irreversible_only_goes_up() {
    let report = Stairway::with_registrations(vec![&USERS, &ONE_WAY])
        .run()
        .await
        .expect("a marked migration is accepted");
    assert_eq!(report.round_tripped, ["a0000000000a"]);
    assert_eq!(report.one_way, ["d1111111111d"]);
}
