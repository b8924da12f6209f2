//! Schema introspection on real databases: one migration with a bit of
//! everything, read back on SQLite, PostgreSQL and MariaDB. The normalised
//! model is snapshot per backend; the facts that must agree across backends
//! are asserted; and a second migration's changes read as a diff.

use migrate_core::graph::Target;
use migrate_core::prelude::*;
use migrate_core::schema::{self, FkAction, IndexPart, Schema, SqlType};
use migrate_core::testing::ScratchDatabase;
use migrate_core::{Migrator, Registration};

fn mood() -> Enum {
    Enum::new("mood", ["happy", "sad"])
}

fn everything(m: &mut Migration) {
    m.create_enum(mood());
    m.create_table(
        Table::new("teams")
            .column(Column::new("id").big_integer().auto_increment())
            .column(Column::new("name").string(100).unique()),
    );
    m.create_table(
        Table::new("people")
            .column(Column::new("id").big_integer().auto_increment())
            .column(Column::new("team_id").big_integer().nullable())
            .column(Column::new("email").string(255))
            .column(Column::new("code").char(2).comment("country"))
            .column(Column::new("age").integer().nullable())
            .column(Column::new("score").decimal(10, 2).default(0))
            .column(Column::new("ratio").double().nullable())
            .column(Column::new("active").boolean().default(true))
            .column(Column::new("nickname").string(50).default("it's"))
            .column(Column::new("mood").enumeration(mood()).nullable())
            .column(Column::new("born").date().nullable())
            .column(Column::new("created_at").timestamptz().default_now())
            .column(Column::new("seen_at").timestamp().nullable())
            .column(Column::new("payload").json().nullable())
            .column(Column::new("avatar").binary().nullable())
            .unique("uq_people_email", ["email"])
            .check("ck_people_age", "age >= 0")
            .foreign_key(
                ForeignKey::new("fk_people_team", ["team_id"], "teams", ["id"])
                    .on_delete(Action::SetNull)
                    .on_update(Action::Cascade),
            )
            .comment("people we know"),
    );
    m.create_index(Index::new("ix_people_team_age").on("people", ["team_id", "age"]));
    m.create_index(
        Index::new("ix_people_active_email")
            .on("people", ["email"])
            .partial("active = true"),
    );
    m.execute_for(
        Backend::Postgres,
        "CREATE VIEW adults AS SELECT id, email FROM people WHERE age >= 18",
    );
    m.execute_for(
        Backend::MySql,
        "CREATE VIEW adults AS SELECT id, email FROM people WHERE age >= 18",
    );
    m.execute_for(
        Backend::Sqlite,
        "CREATE VIEW adults AS SELECT id, email FROM people WHERE age >= 18",
    );
}

fn changes(m: &mut Migration) {
    m.alter_column(
        AlterColumn::new("people", "email")
            .set_nullable()
            .existing(Column::new("email").string(255)),
    );
    m.drop_index("people", "ix_people_team_age");
    m.create_check_constraint("people", "ck_people_score", "score <= 100");
    m.add_column("teams", Column::new("motto").text().nullable());
}

static EVERYTHING: Registration = Registration {
    id: "5c4e3a0b1d2f",
    revises: &[],
    branch_labels: &[],
    depends_on: &[],
    message: "a bit of everything",
    module: "schema::everything",
    file: "schema.rs",
    line: 1,
    upgrade: everything,
    downgrade: None,
};

static CHANGES: Registration = Registration {
    id: "6d5f4b1c2e3a",
    revises: &["5c4e3a0b1d2f"],
    branch_labels: &[],
    depends_on: &[],
    message: "a few changes",
    module: "schema::changes",
    file: "schema.rs",
    line: 2,
    upgrade: changes,
    downgrade: None,
};

/// In-memory SQLite, and each server whose URL is set.
fn urls() -> Vec<Option<String>> {
    let mut urls = vec![None];
    for var in ["MIGRATE_TEST_POSTGRES_URL", "MIGRATE_TEST_MYSQL_URL"] {
        urls.extend(std::env::var(var).ok().map(Some));
    }
    urls
}

/// Snapshots after `everything`, then after `changes`.
async fn snapshots(url: Option<&str>) -> (Schema, Schema) {
    let database = ScratchDatabase::create(url)
        .await
        .expect("scratch database");
    let mut db = database.connect().await.expect("connect");
    let migrator = Migrator::new(vec![&EVERYTHING, &CHANGES]).expect("valid graph");
    migrator
        .upgrade(
            db.as_mut(),
            &Target::Revision("5c4e3a0b1d2f".into()),
            &mut |_| {},
        )
        .await
        .expect("apply everything");
    let first = schema::snapshot(db.as_mut()).await.expect("first snapshot");
    migrator
        .upgrade(db.as_mut(), &Target::Head, &mut |_| {})
        .await
        .expect("apply the changes");
    let second = schema::snapshot(db.as_mut())
        .await
        .expect("second snapshot");
    db.close().await.ok();
    database
        .drop_database()
        .await
        .expect("drop the scratch database");
    (first, second)
}

#[tokio::test]
async fn the_model_is_normalised_alike_on_every_backend() {
    for url in urls() {
        let (schema, _) = snapshots(url.as_deref()).await;
        let backend = schema.backend;
        let people = schema.table("people").expect("people");
        let column = |name: &str| {
            people
                .column(name)
                .unwrap_or_else(|| panic!("{backend}: {name}"))
        };

        // Types: one vocabulary whatever the backend calls them.
        assert_eq!(column("team_id").ty, SqlType::BigInt, "{backend}");
        assert_eq!(column("email").ty, SqlType::VarChar(Some(255)), "{backend}");
        assert_eq!(column("code").ty, SqlType::Char(Some(2)), "{backend}");
        assert_eq!(column("age").ty, SqlType::Integer, "{backend}");
        assert_eq!(
            column("score").ty,
            SqlType::Numeric {
                precision: Some(10),
                scale: Some(2)
            },
            "{backend}"
        );
        assert_eq!(column("ratio").ty, SqlType::Double, "{backend}");
        assert_eq!(column("active").ty, SqlType::Boolean, "{backend}");
        assert_eq!(column("born").ty, SqlType::Date, "{backend}");
        assert_eq!(column("created_at").ty, SqlType::TimestampTz, "{backend}");
        assert_eq!(column("seen_at").ty, SqlType::Timestamp, "{backend}");
        assert_eq!(column("avatar").ty, SqlType::Binary, "{backend}");
        match backend {
            Backend::Postgres => assert_eq!(column("mood").ty, SqlType::Enum("mood".into())),
            Backend::MySql => assert_eq!(
                column("mood").ty,
                SqlType::InlineEnum(vec!["happy".into(), "sad".into()])
            ),
            Backend::Sqlite => assert_eq!(column("mood").ty, SqlType::Text),
        }
        if backend != Backend::Sqlite {
            // SQLite has no JSON type; MariaDB's longtext + json_valid folds back.
            assert_eq!(column("payload").ty, SqlType::Json, "{backend}");
            assert_eq!(
                column("code").comment.as_deref(),
                Some("country"),
                "{backend}"
            );
            assert_eq!(
                people.comment.as_deref(),
                Some("people we know"),
                "{backend}"
            );
        }

        // Defaults: one spelling.
        assert_eq!(column("score").default.as_deref(), Some("0"), "{backend}");
        assert_eq!(
            column("active").default.as_deref(),
            Some("true"),
            "{backend}"
        );
        assert_eq!(
            column("nickname").default.as_deref(),
            Some("'it''s'"),
            "{backend}"
        );
        assert_eq!(
            column("created_at").default.as_deref(),
            Some("current_timestamp"),
            "{backend}"
        );
        assert_eq!(column("age").default, None, "{backend}");
        assert!(
            column("id").identity && !column("age").identity,
            "{backend}"
        );
        assert!(
            !column("email").nullable && column("age").nullable,
            "{backend}"
        );

        // Keys and constraints, with generated names dropped.
        let key = people.primary_key.as_ref().expect("primary key");
        assert_eq!(
            (key.name.as_deref(), &key.columns[..]),
            (None, &["id".to_owned()][..]),
            "{backend}"
        );
        let fk = &people.foreign_keys[0];
        assert_eq!(fk.name.as_deref(), Some("fk_people_team"), "{backend}");
        assert_eq!(
            (fk.on_delete, fk.on_update),
            (FkAction::SetNull, FkAction::Cascade),
            "{backend}"
        );
        let check = people
            .checks
            .iter()
            .find(|c| c.name.as_deref() == Some("ck_people_age"))
            .unwrap_or_else(|| panic!("{backend}: {:?}", people.checks));
        assert_eq!(check.expr, "age >= 0", "{backend}");

        let index = people.index("ix_people_team_age").expect("composite index");
        assert_eq!(
            index.parts,
            [
                IndexPart::Column("team_id".into()),
                IndexPart::Column("age".into())
            ],
            "{backend}"
        );
        let partial = people
            .index("ix_people_active_email")
            .expect("partial index");
        match backend {
            // MySQL has no partial index: the migration made a full one.
            Backend::MySql => assert_eq!(partial.predicate, None),
            _ => assert_eq!(
                partial.predicate.as_deref(),
                Some("active = true"),
                "{backend}"
            ),
        }
        match backend {
            Backend::MySql => assert!(people.index("uq_people_email").is_some_and(|i| i.unique)),
            _ => assert_eq!(
                people.uniques[0].name.as_deref(),
                Some("uq_people_email"),
                "{backend}"
            ),
        }
        let teams = schema.table("teams").expect("teams");
        if backend != Backend::MySql {
            // An inline UNIQUE gets a name the database made up: dropped.
            assert_eq!(teams.uniques[0].name, None, "{backend}");
        }
        assert!(
            schema.views["adults"].definition.contains("age >= 18"),
            "{backend}"
        );
        if backend == Backend::Postgres {
            assert_eq!(schema.enums["mood"].values, ["happy", "sad"]);
        }
        insta::assert_snapshot!(
            format!("everything_{backend}"),
            serde_json::to_string_pretty(&schema).expect("json")
        );
    }
}

#[tokio::test]
async fn changes_read_as_a_review() {
    for url in urls() {
        let (before, after) = snapshots(url.as_deref()).await;
        let backend = before.backend;
        assert!(before.diff(&before).is_empty(), "{backend}");
        let lines = before.diff(&after).lines();
        assert_eq!(
            lines,
            [
                "table people: column email: nullable false -> true",
                "table people: index ix_people_team_age: removed (on (team_id, age))",
                "table people: check ck_people_score: added (score <= 100)",
                "table teams: column motto: added (text null)",
            ],
            "{backend}"
        );
    }
}
