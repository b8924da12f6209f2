//! Each rule of a plan: a positive and a negative case on every backend it
//! applies to, and silence on the others.

use super::*;
use crate::ops::{
    AddEnumValue, AlterColumn, Column, ColumnType, Constraint, Enum, ForeignKey, Index, Migration,
    RawSql, Table,
};
use crate::schema::{Replay, Schema};
use std::time::Duration;

type Record = fn(&mut Migration);

/// The rules `plan` triggers on `b`, after `setup` made the schema (its
/// tables hold rows, as far as the linter knows).
fn hits_with(b: Backend, setup: Record, plan: Record, config: &LintConfig) -> Vec<Lint> {
    let mut replay = Replay::new(Schema::new(b));
    let mut before = Migration::new().for_backend(b);
    setup(&mut before);
    replay.plan(&before).expect("the setup replays");
    let mut m = Migration::new().for_backend(b);
    plan(&mut m);
    lint_plan(&mut replay, &m, config)
        .into_iter()
        .map(|h| h.lint)
        .collect()
}

fn hits(b: Backend, setup: Record, plan: Record) -> Vec<Lint> {
    hits_with(b, setup, plan, &LintConfig::default())
}

/// `users` (id bigint key, email varchar(100), name text null, status
/// enum), `posts` referencing it, and the enum.
fn shop(m: &mut Migration) {
    m.create_enum(Enum::new("status", ["a", "b", "c"]));
    m.create_table(
        Table::new("users")
            .column(
                Column::new("id")
                    .big_integer()
                    .primary_key()
                    .auto_increment(),
            )
            .column(Column::new("email").string(100))
            .column(Column::new("name").text().nullable())
            .column(Column::new("status").enumeration(Enum::new("status", ["a", "b", "c"]))),
    );
    m.create_table(
        Table::new("posts")
            .column(
                Column::new("id")
                    .big_integer()
                    .primary_key()
                    .auto_increment(),
            )
            .column(Column::new("user_id").big_integer())
            .foreign_key(ForeignKey::new(
                "fk_posts_user",
                ["user_id"],
                "users",
                ["id"],
            )),
    );
    m.create_index(Index::new("ix_posts_user").on("posts", ["user_id"]));
    m.create_table(
        Table::new("events")
            .column(Column::new("user_id").big_integer())
            .column(Column::new("kind").text()),
    );
}

fn nothing(_: &mut Migration) {}

/// One rule's cases: the plan that breaks it over `shop`, and the safe
/// form (or the same change to a table made in the same plan).
struct Case {
    lint: Lint,
    bad: Record,
    good: Record,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            lint: Lint::DropTable,
            bad: |m| {
                m.drop_table("posts");
            },
            good: |m| {
                m.create_table(Table::new("tmp").column(Column::new("a").integer()));
                m.drop_table("tmp");
            },
        },
        Case {
            lint: Lint::DropColumn,
            bad: |m| {
                m.drop_column("users", "name");
            },
            good: |m| {
                m.add_column("users", Column::new("nick").text().nullable());
            },
        },
        Case {
            lint: Lint::DropSchema,
            bad: |m| {
                m.execute("DROP SCHEMA app CASCADE");
            },
            good: |m| {
                m.execute("CREATE VIEW v AS SELECT 1 AS one");
            },
        },
        Case {
            lint: Lint::RenameTable,
            bad: |m| {
                m.rename_table("posts", "articles");
            },
            good: |m| {
                m.create_table(Table::new("tmp").column(Column::new("a").integer()));
                m.rename_table("tmp", "tmp2");
            },
        },
        Case {
            lint: Lint::RenameColumn,
            bad: |m| {
                m.rename_column("users", "name", "full_name");
            },
            good: |m| {
                m.add_column("users", Column::new("full_name").text().nullable());
            },
        },
        Case {
            lint: Lint::RewritingType,
            bad: |m| {
                m.alter_column(
                    AlterColumn::new("users", "name")
                        .set_type(ColumnType::Integer)
                        .using("0"),
                );
            },
            good: |m| {
                m.alter_column(
                    AlterColumn::new("users", "email").set_type(ColumnType::String(120)),
                );
            },
        },
        Case {
            lint: Lint::SetNotNull,
            bad: |m| {
                // As written: a run would take the online form.
                m.blocking_ddl();
                m.alter_column(AlterColumn::new("users", "name").set_not_null());
            },
            good: |m| {
                m.alter_column(AlterColumn::new("users", "email").set_not_null());
            },
        },
        Case {
            lint: Lint::DropNotNull,
            bad: |m| {
                m.alter_column(AlterColumn::new("users", "email").set_nullable());
            },
            good: |m| {
                m.alter_column(AlterColumn::new("users", "name").set_nullable());
            },
        },
        Case {
            lint: Lint::AddingRequiredColumn,
            bad: |m| {
                m.add_column("users", Column::new("age").integer());
            },
            good: |m| {
                m.add_column("users", Column::new("age").integer().default(0));
            },
        },
        Case {
            lint: Lint::VolatileDefault,
            bad: |m| {
                m.add_column(
                    "users",
                    Column::new("token").double().default_sql("random()"),
                );
            },
            good: |m| {
                m.add_column("users", Column::new("token").double().default(0.5));
            },
        },
        Case {
            lint: Lint::AddingIdentityColumn,
            bad: |m| {
                m.add_column(
                    "posts",
                    Column::new("seq").big_integer().auto_increment().unique(),
                );
            },
            good: |m| {
                m.add_column("posts", Column::new("seq").big_integer().nullable());
            },
        },
        Case {
            lint: Lint::IndexNotConcurrent,
            bad: |m| {
                // As written: a run would take the online form.
                m.blocking_ddl();
                m.create_index(Index::new("ix_users_email").on("users", ["email"]));
            },
            good: |m| {
                m.create_index(
                    Index::new("ix_users_email")
                        .on("users", ["email"])
                        .concurrently(),
                );
            },
        },
        Case {
            lint: Lint::DropIndexNotConcurrent,
            bad: |m| {
                // As written: a run would take the online form.
                m.blocking_ddl();
                m.drop_index("posts", "ix_posts_user");
            },
            good: |m| {
                m.execute(
                    RawSql::new("DROP INDEX CONCURRENTLY IF EXISTS ix_posts_user")
                        .outside_transaction(),
                );
            },
        },
        Case {
            lint: Lint::ConcurrentlyInTransaction,
            bad: |m| {
                m.execute("CREATE INDEX CONCURRENTLY ix_users_email ON users (email)");
            },
            good: |m| {
                m.execute(
                    RawSql::new(
                        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_users_email ON users (email)",
                    )
                    .outside_transaction(),
                );
            },
        },
        Case {
            lint: Lint::MissingLockTimeout,
            bad: |m| {
                m.lock_timeout(None);
                m.add_column("users", Column::new("note").text().nullable());
            },
            good: |m| {
                m.lock_timeout(None);
                m.create_table(Table::new("fresh").column(Column::new("a").integer()));
                m.create_index(Index::new("ix_fresh_a").on("fresh", ["a"]));
            },
        },
        Case {
            lint: Lint::MissingStatementTimeout,
            bad: |m| {
                m.statement_timeout(None);
                m.add_column("users", Column::new("note").text().nullable());
            },
            good: |m| {
                // Index builds are never bounded.
                m.statement_timeout(None);
                m.create_index(
                    Index::new("ix_users_email")
                        .on("users", ["email"])
                        .concurrently(),
                );
            },
        },
        Case {
            lint: Lint::AddingGeneratedColumn,
            bad: |m| {
                m.execute("ALTER TABLE users ADD COLUMN email_lower varchar(100) GENERATED ALWAYS AS (lower(email)) STORED");
            },
            good: |m| {
                m.create_table(Table::new("fresh").column(Column::new("a").integer()));
                m.execute("ALTER TABLE fresh ADD COLUMN b int GENERATED ALWAYS AS (a + 1) STORED");
            },
        },
        Case {
            lint: Lint::EnumValueOrder,
            bad: |m| {
                m.create_index(
                    Index::new("ix_users_status")
                        .on("users", ["status"])
                        .concurrently(),
                );
                m.add_enum_value(AddEnumValue::new(Enum::new("status", ["a", "b", "c"]), "d"));
            },
            good: |m| {
                m.add_enum_value(AddEnumValue::new(Enum::new("status", ["a", "b", "c"]), "d"));
            },
        },
        Case {
            lint: Lint::ForeignKeyValidating,
            bad: |m| {
                // As written: a run would take the online form.
                m.blocking_ddl();
                m.add_constraint(
                    "posts",
                    ForeignKey::new("fk_posts_user2", ["user_id"], "users", ["id"]).into(),
                );
            },
            good: |m| {
                m.add_constraint(
                    "posts",
                    Constraint::from(ForeignKey::new(
                        "fk_posts_user2",
                        ["user_id"],
                        "users",
                        ["id"],
                    ))
                    .not_valid(),
                );
            },
        },
        Case {
            lint: Lint::ForeignKeyWithoutIndex,
            bad: |m| {
                m.create_table(
                    Table::new("likes")
                        .column(Column::new("id").big_integer().primary_key())
                        .column(Column::new("user_id").big_integer())
                        .foreign_key(ForeignKey::new(
                            "fk_likes_user",
                            ["user_id"],
                            "users",
                            ["id"],
                        )),
                );
            },
            good: |m| {
                m.create_table(
                    Table::new("likes")
                        .column(Column::new("id").big_integer().primary_key())
                        .column(Column::new("user_id").big_integer())
                        .foreign_key(ForeignKey::new(
                            "fk_likes_user",
                            ["user_id"],
                            "users",
                            ["id"],
                        )),
                );
                m.create_index(Index::new("ix_likes_user").on("likes", ["user_id"]));
            },
        },
        Case {
            lint: Lint::DropForeignKey,
            bad: |m| {
                m.drop_constraint("posts", "fk_posts_user");
            },
            good: |m| {
                m.add_column("posts", Column::new("note").text().nullable());
            },
        },
        Case {
            lint: Lint::CheckValidating,
            bad: |m| {
                // As written: a run would take the online form.
                m.blocking_ddl();
                m.add_constraint("users", Constraint::check("ck_email", "email <> ''"));
            },
            good: |m| {
                m.add_constraint(
                    "users",
                    Constraint::check("ck_email", "email <> ''").not_valid(),
                );
            },
        },
        Case {
            lint: Lint::UniqueOnExisting,
            bad: |m| {
                m.add_constraint("users", Constraint::unique("uq_users_email", ["email"]));
            },
            good: |m| {
                m.create_table(
                    Table::new("tags")
                        .column(Column::new("id").big_integer().primary_key())
                        .column(Column::new("name").string(50)),
                );
                m.add_constraint("tags", Constraint::unique("uq_tags_name", ["name"]));
            },
        },
        Case {
            lint: Lint::PrimaryKeyOnExisting,
            bad: |m| {
                // As written: a run would take the online form.
                m.blocking_ddl();
                m.add_constraint("events", Constraint::primary_key("pk_events", ["user_id"]));
            },
            good: |m| {
                m.create_table(Table::new("pairs").column(Column::new("a").big_integer()));
                m.add_constraint("pairs", Constraint::primary_key("pk_pairs", ["a"]));
            },
        },
        Case {
            lint: Lint::EnumChange,
            bad: |m| {
                m.create_enum(Enum::new("status2", ["a", "c"]));
                m.alter_column(
                    AlterColumn::new("users", "status")
                        .set_type(ColumnType::Enum(Enum::new("status2", ["a", "c"])))
                        .using("status::text::status2"),
                );
            },
            good: |m| {
                m.add_enum_value(
                    crate::ops::AddEnumValue::new(Enum::new("status", ["a", "b", "c"]), "d")
                        .column(
                            "users",
                            Column::new("status").enumeration(Enum::new("status", ["a", "b", "c"])),
                        ),
                );
            },
        },
        Case {
            lint: Lint::MySqlCopyAlgorithm,
            bad: |m| {
                m.execute("ALTER TABLE users ADD COLUMN x int, ALGORITHM=COPY");
            },
            good: |m| {
                m.execute("ALTER TABLE users ADD COLUMN x int, ALGORITHM=INPLACE, LOCK=NONE");
            },
        },
        Case {
            lint: Lint::IntKey,
            bad: |m| {
                m.create_table(Table::new("t").column(Column::new("id").integer().primary_key()));
            },
            good: |m| {
                m.create_table(
                    Table::new("t").column(Column::new("id").big_integer().primary_key()),
                );
            },
        },
        Case {
            lint: Lint::BlockingMaintenance,
            bad: |m| {
                m.execute("VACUUM FULL users");
            },
            good: |m| {
                m.execute("ANALYZE users");
            },
        },
        Case {
            lint: Lint::UnbatchedDml,
            bad: |m| {
                m.execute("UPDATE users SET name = 'x'");
            },
            good: |m| {
                m.execute("UPDATE users SET name = 'x' WHERE id = 1");
            },
        },
        Case {
            lint: Lint::RawSqlUnanalysed,
            bad: |m| {
                m.execute("FROBNICATE THE users");
            },
            good: |m| {
                m.execute("UPDATE users SET name = 'x' WHERE id = 1");
            },
        },
        Case {
            lint: Lint::NotRetrySafe,
            bad: |m| {
                m.execute(RawSql::new("CREATE TABLE side (a int)").outside_transaction());
            },
            good: |m| {
                m.execute(
                    RawSql::new("CREATE TABLE IF NOT EXISTS side (a int)").outside_transaction(),
                );
            },
        },
        Case {
            lint: Lint::IdentifierTooLong,
            bad: |m| {
                m.add_column("users", Column::new("x".repeat(70)).text().nullable());
            },
            good: |m| {
                m.add_column("users", Column::new("x".repeat(60)).text().nullable());
            },
        },
    ]
}

#[test]
fn an_online_form_answers_its_rules_unless_the_migration_runs_as_written() {
    let answered = [
        Lint::SetNotNull,
        Lint::IndexNotConcurrent,
        Lint::DropIndexNotConcurrent,
        Lint::ForeignKeyValidating,
        Lint::CheckValidating,
        Lint::PrimaryKeyOnExisting,
    ];
    for case in cases().into_iter().filter(|c| answered.contains(&c.lint)) {
        let id = case.lint.rule().id;
        let bad = case.bad;
        // The same plan without `blocking_ddl`: a run takes the online form.
        let mut written = Migration::new().for_backend(Backend::Postgres);
        bad(&mut written);
        let mut online = Migration::new().for_backend(Backend::Postgres);
        for op in written.operations() {
            online.push(op.clone());
        }
        let mut replay = Replay::new(Schema::new(Backend::Postgres));
        let mut before = Migration::new().for_backend(Backend::Postgres);
        shop(&mut before);
        replay.plan(&before).unwrap();
        let found: Vec<Lint> = lint_plan(&mut replay.clone(), &online, &LintConfig::default())
            .into_iter()
            .map(|h| h.lint)
            .collect();
        assert!(!found.contains(&case.lint), "{id}: {found:?}");
        let found: Vec<Lint> = lint_plan(&mut replay, &written, &LintConfig::default())
            .into_iter()
            .map(|h| h.lint)
            .collect();
        assert!(found.contains(&case.lint), "{id} as written: {found:?}");
    }
    // Before PostgreSQL 12 a check does not spare SET NOT NULL its scan.
    let mut old = LintConfig::default();
    old.postgres_version = 11;
    let set_not_null = |m: &mut Migration| {
        m.alter_column(AlterColumn::new("users", "name").set_not_null());
    };
    assert!(hits_with(Backend::Postgres, shop, set_not_null, &old).contains(&Lint::SetNotNull));
    assert!(!hits(Backend::Postgres, shop, set_not_null).contains(&Lint::SetNotNull));
}

#[test]
fn every_rule_fires_where_it_applies_and_not_for_the_safe_form() {
    for case in cases() {
        let rule = case.lint.rule();
        for b in Backend::ALL {
            let bad = hits(b, shop, case.bad);
            let good = hits(b, shop, case.good);
            if rule.backends.contains(&b) {
                assert!(
                    bad.contains(&case.lint),
                    "{}: not found on {b}: {bad:?}",
                    rule.id
                );
            } else {
                assert!(
                    !bad.contains(&case.lint),
                    "{}: found on {b}: {bad:?}",
                    rule.id
                );
            }
            assert!(
                !good.contains(&case.lint),
                "{}: the safe form on {b}: {good:?}",
                rule.id
            );
        }
    }
}

#[test]
fn a_table_made_in_the_same_migration_is_no_existing_table() {
    for b in Backend::ALL {
        let found = hits(b, nothing, |m| {
            shop(m);
            m.add_column("users", Column::new("age").integer());
            m.create_index(Index::new("ix_users_email").on("users", ["email"]));
            m.add_constraint("users", Constraint::check("ck_email", "email <> ''"));
            m.drop_column("users", "name");
        });
        for lint in [
            Lint::AddingRequiredColumn,
            Lint::IndexNotConcurrent,
            Lint::CheckValidating,
            Lint::DropColumn,
        ] {
            assert!(!found.contains(&lint), "{lint} on {b}: {found:?}");
        }
    }
}

#[test]
fn advice_rules_are_postgres_only_and_off_by_default() {
    let plan: Record = |m| {
        m.create_table(
            Table::new("t")
                .column(Column::new("id").big_integer().primary_key())
                .column(Column::new("at").timestamp())
                .column(Column::new("doc").json())
                .column(Column::new("code").string(10)),
        );
    };
    let mut config = LintConfig::default();
    for lint in [Lint::PreferTimestampTz, Lint::PreferJsonb, Lint::PreferText] {
        assert_eq!(config.severity(lint), Severity::Off);
        config = config.set(lint, Severity::Warn);
    }
    let found = hits_with(Backend::Postgres, nothing, plan, &config);
    for lint in [Lint::PreferTimestampTz, Lint::PreferJsonb, Lint::PreferText] {
        assert!(found.contains(&lint), "{lint}: {found:?}");
    }
    let found = hits_with(Backend::MySql, nothing, plan, &config);
    assert!(!found.contains(&Lint::PreferText), "{found:?}");
}

#[test]
fn postgres_before_11_rewrites_for_any_default() {
    let plan: Record = |m| {
        m.add_column("users", Column::new("age").integer().default(0));
    };
    let mut old = LintConfig::default();
    old.postgres_version = 10;
    assert!(hits_with(Backend::Postgres, shop, plan, &old).contains(&Lint::VolatileDefault));
    assert!(!hits(Backend::Postgres, shop, plan).contains(&Lint::VolatileDefault));
}

#[test]
fn postgres_binary_coercible_changes_do_not_rewrite() {
    use super::engine::rewrites;
    use crate::schema::SqlType as T;
    let pg = Backend::Postgres;
    assert!(!rewrites(pg, &T::VarChar(Some(10)), &T::VarChar(Some(20))));
    assert!(!rewrites(pg, &T::VarChar(Some(10)), &T::Text));
    assert!(rewrites(pg, &T::VarChar(Some(20)), &T::VarChar(Some(10))));
    assert!(rewrites(pg, &T::Integer, &T::BigInt));
    assert!(!rewrites(
        pg,
        &T::Numeric {
            precision: Some(10),
            scale: Some(2)
        },
        &T::Numeric {
            precision: Some(12),
            scale: Some(2)
        }
    ));
    let my = Backend::MySql;
    assert!(!rewrites(my, &T::VarChar(Some(10)), &T::VarChar(Some(60))));
    assert!(rewrites(my, &T::VarChar(Some(60)), &T::VarChar(Some(100))));
}

#[test]
fn configuration_reads_severities_and_refuses_what_it_does_not_know() {
    let config = LintConfig::parse(
        "migrate.toml",
        "[lint]\nstart_after = \"abc1\"\npostgres_version = 16\n[lint.rules]\nrename-column = \"deny\"\nprefer-text = \"warn\"\n",
    )
    .unwrap();
    assert_eq!(config.severity(Lint::RenameColumn), Severity::Deny);
    assert_eq!(config.severity(Lint::PreferText), Severity::Warn);
    assert_eq!(config.severity(Lint::DropTable), Severity::Deny);
    assert_eq!(config.start_after.as_deref(), Some("abc1"));
    assert_eq!(config.postgres_version, 16);
    let unknown =
        LintConfig::parse("migrate.toml", "[lint.rules]\nno-such-rule = \"deny\"\n").unwrap_err();
    assert!(
        unknown.contains("no-such-rule") && unknown.contains("docs/safety.md"),
        "{unknown}"
    );
    let severity =
        LintConfig::parse("migrate.toml", "[lint.rules]\ndrop-table = \"loud\"\n").unwrap_err();
    assert!(
        severity.contains("\"deny\", \"warn\" or \"off\""),
        "{severity}"
    );
    let key = LintConfig::parse("migrate.toml", "[lint]\nstart_afterr = \"x\"\n").unwrap_err();
    assert!(
        key.starts_with("migrate.toml: ") && key.contains("start_afterr"),
        "{key}"
    );
}

#[test]
fn run_timeouts_come_from_migrate_toml_and_missing_ones_are_found() {
    let config = LintConfig::parse(
        "migrate.toml",
        "[run]\nlock_timeout = \"500ms\"\nlock_retry = \"2m\"\nstatement_timeout = \"off\"\n",
    )
    .unwrap();
    assert_eq!(
        config.timeouts.lock_timeout,
        Some(Duration::from_millis(500))
    );
    assert_eq!(config.timeouts.retry_budget, Duration::from_secs(120));
    assert_eq!(config.timeouts.statement_timeout, None);
    // The crate's `off` is a finding on every schema change to a table in
    // use, naming where it comes from.
    let plan = |m: &mut Migration| {
        m.add_column("users", Column::new("note").text().nullable());
    };
    let found: Vec<Lint> = hits_with(Backend::Postgres, shop, plan, &config);
    assert!(found.contains(&Lint::MissingStatementTimeout), "{found:?}");
    assert!(!found.contains(&Lint::MissingLockTimeout), "{found:?}");
    let bad = LintConfig::parse("migrate.toml", "[run]\nlock_timeout = \"soon\"\n").unwrap_err();
    assert!(
        bad.starts_with("migrate.toml: [run] lock_timeout = \"soon\"") && bad.contains("\"off\""),
        "{bad}"
    );
    // Raw SQL that turns them off.
    let raw = |m: &mut Migration| {
        m.execute("SET lock_timeout = 0; SET LOCAL statement_timeout TO '0'");
    };
    let found = hits(Backend::Postgres, shop, raw);
    assert!(
        found.contains(&Lint::MissingLockTimeout) && found.contains(&Lint::MissingStatementTimeout),
        "{found:?}"
    );
    let kept = |m: &mut Migration| {
        m.execute("SET LOCAL lock_timeout = '2s'");
    };
    assert!(!hits(Backend::Postgres, shop, kept).contains(&Lint::MissingLockTimeout));
}

#[test]
fn every_rule_has_an_id_a_summary_a_fix_and_backends() {
    let mut ids = std::collections::BTreeSet::new();
    for rule in RULES {
        assert!(ids.insert(rule.id), "{} twice", rule.id);
        assert_eq!(Lint::from_id(rule.id), Some(rule.lint));
        assert_eq!(
            rule.lint.rule(),
            rule,
            "RULES is in the order of the variants"
        );
        assert!(!rule.summary.is_empty() && !rule.fix.is_empty() && !rule.backends.is_empty());
    }
    assert!(RULES.len() >= 30, "{} rules", RULES.len());
}

#[test]
fn docs_safety_lists_every_rule_with_its_default() {
    let docs = include_str!("../../../docs/safety.md");
    for rule in RULES {
        let row = format!("| `{}` | {} |", rule.id, rule.severity.as_str());
        assert!(
            docs.contains(&row),
            "docs/safety.md has no row starting {row}"
        );
    }
}

#[test]
fn raw_sql_appending_an_enum_value_or_adding_generated_columns() {
    let indexed = |m: &mut Migration| {
        m.create_index(
            Index::new("ix_users_status")
                .on("users", ["status"])
                .concurrently(),
        );
        m.execute("ALTER TYPE status ADD VALUE 'd'");
    };
    assert!(hits(Backend::Postgres, shop, indexed).contains(&Lint::EnumValueOrder));
    let placed = |m: &mut Migration| {
        m.create_index(
            Index::new("ix_users_status")
                .on("users", ["status"])
                .concurrently(),
        );
        m.execute("ALTER TYPE status ADD VALUE 'd' BEFORE 'b'");
    };
    assert!(!hits(Backend::Postgres, shop, placed).contains(&Lint::EnumValueOrder));
    // MySQL's generated columns are VIRTUAL unless said: computed on read.
    let virtual_column = |m: &mut Migration| {
        m.execute("ALTER TABLE users ADD COLUMN email_lower varchar(100) GENERATED ALWAYS AS (lower(email))");
    };
    assert!(!hits(Backend::MySql, shop, virtual_column).contains(&Lint::AddingGeneratedColumn));
    // Raw identity and required columns on a table with rows.
    let identity = |m: &mut Migration| {
        m.execute("ALTER TABLE events ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY");
        m.execute("ALTER TABLE events ADD COLUMN must text NOT NULL");
    };
    let found = hits(Backend::Postgres, shop, identity);
    assert!(
        found.contains(&Lint::AddingIdentityColumn) && found.contains(&Lint::AddingRequiredColumn),
        "{found:?}"
    );
}

#[test]
fn raw_sql_follows_the_tables_it_creates_its_keys_and_enum_renames() {
    // A table raw SQL creates has no rows for the rest of the migration.
    let made_here = |m: &mut Migration| {
        m.execute("CREATE TABLE audit (id bigint PRIMARY KEY, at timestamptz NOT NULL)");
        m.execute("CREATE INDEX ix_audit_at ON audit (at)");
    };
    assert!(!hits(Backend::Postgres, shop, made_here).contains(&Lint::IndexNotConcurrent));
    let serial = |m: &mut Migration| {
        m.execute("CREATE TABLE sessions (id serial PRIMARY KEY, token text NOT NULL)");
    };
    let found = hits(Backend::Postgres, shop, serial);
    assert!(
        found.contains(&Lint::IntKey) && found.contains(&Lint::PreferIdentity),
        "{found:?}"
    );
    let renamed = |m: &mut Migration| {
        m.execute("ALTER TYPE status RENAME VALUE 'c' TO 'cc'");
    };
    assert!(hits(Backend::Postgres, shop, renamed).contains(&Lint::EnumChange));
}

#[test]
fn every_rule_has_its_cases() {
    // Judged by the migrator over the graph and the allows
    // (`migrator::lint` tests), or by the advice test above.
    let elsewhere = [
        Lint::NarrowingType,
        Lint::NonLinearHistory,
        Lint::UnusedAllow,
        Lint::AllowWithoutReason,
        Lint::PreferText,
        Lint::PreferTimestampTz,
        Lint::PreferJsonb,
        Lint::PreferIdentity,
    ];
    let cases: Vec<Lint> = cases().iter().map(|c| c.lint).collect();
    for rule in RULES {
        assert!(
            cases.contains(&rule.lint) || elsewhere.contains(&rule.lint),
            "{} has no positive and negative case",
            rule.id
        );
    }
}
