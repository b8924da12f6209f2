//! Data steps: `bulk_insert` of typed, bound values, and raw SQL
//! (`execute`, `execute_for`, `RawSql` with a reverse).

use migrate_core::Backend;
use migrate_core::ops::{Column, Enum, Literal, Migration, RawSql, Rows, Table};
use serde_json::json;

use crate::harness::{Ctx, Kind, failed_statement, nothing};

every_backend!(
    bulk_insert,
    bulk_insert_many_rows,
    special_floats,
    execute,
    declared_effect,
    backend_specific_reverse,
    tables_named_like_types,
    timestamps
);

const INJECTION: &str = "'); DROP TABLE users; --";

fn colour() -> Enum {
    Enum::new("colour", ["red", "green"])
}

fn create_samples(m: &mut Migration) {
    m.create_enum(colour());
    m.create_table(Table::new("users").column(Column::new("id").integer().primary_key()));
    let c = |name: &str| Column::new(name).nullable();
    m.create_table(
        Table::new("samples")
            .column(Column::new("id").integer().primary_key())
            .column(c("i").big_integer())
            .column(c("s").text())
            .column(c("flag").boolean())
            .column(c("f").double())
            .column(c("bin").binary())
            .column(c("j").json())
            .column(c("d").date())
            .column(c("ts").timestamp())
            .column(c("u").uuid())
            .column(c("e").enumeration(colour())),
    );
}

fn insert_samples(m: &mut Migration) {
    let columns = ["id", "i", "s", "flag", "f", "bin", "j", "d", "ts", "u", "e"];
    m.bulk_insert(
        Rows::new("samples", columns)
            .row((
                1,
                9_007_199_254_740_993_i64, // not exact as a double
                "it's a \"quote\"; -- not a comment",
                true,
                1.5,
                vec![0_u8, 1, 255],
                json!({"a": 1, "b": [true, null, "x'y"], "c": "ünï"}),
                "2024-02-29",
                "2024-02-29 12:34:56",
                "123e4567-e89b-12d3-a456-426614174000",
                "red",
            ))
            .row((
                2,
                -42,
                INJECTION,
                false,
                -0.25,
                Vec::<u8>::new(),
                json!([1, "two", null]),
                "1999-12-31",
                "1999-12-31 23:59:59",
                "00000000-0000-0000-0000-000000000000",
                "green",
            ))
            .row(
                std::iter::once(Literal::Int(3))
                    .chain(std::iter::repeat_n(Literal::Null, 10))
                    .collect::<Vec<_>>(),
            )
            .row((
                4,
                i64::MIN,
                "back\\slash\nnew line\ttab € $1 ? :name",
                true,
                0.1,
                vec![b'\\', b'\'', 0],
                json!("just a string"),
                "0001-01-01",
                "2000-01-01 00:00:00",
                "ffffffff-ffff-ffff-ffff-ffffffffffff",
                "green",
            )),
    );
}
fn delete_samples(m: &mut Migration) {
    m.execute("DELETE FROM samples");
}

migration!(SAMPLES = "dat_0001" after [], up: create_samples, down: None);
migration!(INSERT = "dat_0002" after ["dat_0001"], up: insert_samples, down: Some(delete_samples));

/// The rows read back, normalised across backends: booleans as
/// `true`/`false`, floats and JSON re-printed, MySQL's `.000000` dropped.
async fn read_samples(ctx: &mut Ctx) -> Vec<Vec<Option<String>>> {
    let hex = match ctx.kind() {
        Kind::Postgres => "encode(bin, 'hex')",
        Kind::MySql => "lower(hex(bin))",
        // SQLite's hex(NULL) is ''.
        Kind::Sqlite => "CASE WHEN bin IS NOT NULL THEN lower(hex(bin)) END",
    };
    let sql = format!("SELECT id, i, s, flag, f, {hex}, j, d, ts, u, e FROM samples ORDER BY id");
    let rows = ctx.rows(&sql).await;
    rows.into_iter()
        .map(|row| {
            row.into_iter()
                .enumerate()
                .map(|(i, cell)| {
                    let cell = cell?;
                    Some(match i {
                        3 => matches!(cell.as_str(), "t" | "1").to_string(),
                        4 => cell.parse::<f64>().unwrap().to_string(),
                        6 => serde_json::from_str::<serde_json::Value>(&cell)
                            .unwrap()
                            .to_string(),
                        8 => cell.trim_end_matches(".000000").to_owned(),
                        _ => cell,
                    })
                })
                .collect()
        })
        .collect()
}

fn expected_samples() -> Vec<Vec<Option<String>>> {
    let row = |cells: [&str; 11]| cells.iter().map(|c| Some((*c).to_owned())).collect();
    let json = |v: serde_json::Value| v.to_string();
    let (j1, j2, j4) = (
        json(json!({"a": 1, "b": [true, null, "x'y"], "c": "ünï"})),
        json(json!([1, "two", null])),
        json(json!("just a string")),
    );
    let mut null_row = vec![Some("3".to_owned())];
    null_row.extend(std::iter::repeat_n(None, 10));
    vec![
        row([
            "1",
            "9007199254740993",
            "it's a \"quote\"; -- not a comment",
            "true",
            "1.5",
            "0001ff",
            &j1,
            "2024-02-29",
            "2024-02-29 12:34:56",
            "123e4567-e89b-12d3-a456-426614174000",
            "red",
        ]),
        row([
            "2",
            "-42",
            INJECTION,
            "false",
            "-0.25",
            "",
            &j2,
            "1999-12-31",
            "1999-12-31 23:59:59",
            "00000000-0000-0000-0000-000000000000",
            "green",
        ]),
        null_row,
        row([
            "4",
            "-9223372036854775808",
            "back\\slash\nnew line\ttab € $1 ? :name",
            "true",
            "0.1",
            "5c2700",
            &j4,
            "0001-01-01",
            "2000-01-01 00:00:00",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
            "green",
        ]),
    ]
}

async fn check_samples(ctx: &mut Ctx) {
    let kind = ctx.kind();
    assert_eq!(
        read_samples(ctx).await,
        expected_samples(),
        "{kind:?}: every value reads back exactly"
    );
    // The values were bound: the injection is data, `users` is still there.
    assert_eq!(ctx.tables().await, ["samples", "users"], "{kind:?}");
}

async fn bulk_insert(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&SAMPLES, &INSERT];
    ctx.up_ok(&regs).await;
    check_samples(&mut ctx).await;
    ctx.down_ok(&regs, "dat_0001").await;
    assert_eq!(ctx.count("samples").await, 0, "{kind:?}");
    ctx.up_ok(&regs).await;
    check_samples(&mut ctx).await;
}

fn create_log(m: &mut Migration) {
    m.create_table(Table::new("log").column(Column::new("msg").string(40)));
}
fn per_backend(m: &mut Migration) {
    // Consecutive calls: one step with SQL for each backend.
    m.execute_for(
        Backend::Postgres,
        "INSERT INTO log (msg) VALUES ('postgres')",
    );
    m.execute_for(Backend::MySql, "INSERT INTO log (msg) VALUES ('mysql')");
    m.execute_for(Backend::Sqlite, "INSERT INTO log (msg) VALUES ('sqlite')");
    // PostgreSQL only; the others skip it.
    m.execute_for(
        Backend::Postgres,
        "INSERT INTO log (msg) VALUES ('pg only')",
    );
}
fn clear_log(m: &mut Migration) {
    m.execute("DELETE FROM log");
}
fn reversible_sql(m: &mut Migration) {
    m.execute(
        RawSql::new("CREATE VIEW log_view AS SELECT msg FROM log").reverse("DROP VIEW log_view"),
    );
    m.execute(
        RawSql::new("INSERT INTO log (msg) VALUES ('raw')")
            .reverse("DELETE FROM log WHERE msg = 'raw'"),
    );
    m.execute(
        RawSql::for_backend(
            Backend::Postgres,
            "INSERT INTO log (msg) VALUES ('postgres raw')",
        )
        .or_for(Backend::MySql, "INSERT INTO log (msg) VALUES ('mysql raw')")
        .or_for(
            Backend::Sqlite,
            "INSERT INTO log (msg) VALUES ('sqlite raw')",
        )
        .reverse_with(
            RawSql::for_backend(
                Backend::Postgres,
                "DELETE FROM log WHERE msg = 'postgres raw'",
            )
            .or_for(Backend::MySql, "DELETE FROM log WHERE msg = 'mysql raw'")
            .or_for(Backend::Sqlite, "DELETE FROM log WHERE msg = 'sqlite raw'"),
        ),
    );
}

migration!(LOG = "dat_0003" after [], up: create_log, down: None);
migration!(PER_BACKEND = "dat_0004" after ["dat_0003"], up: per_backend, down: Some(clear_log));
fn maintenance(m: &mut Migration) {
    // VACUUM cannot run in a transaction on PostgreSQL nor SQLite.
    m.execute(
        RawSql::for_backend(Backend::Postgres, "VACUUM log")
            .or_for(Backend::Sqlite, "VACUUM")
            .or_for(Backend::MySql, "ANALYZE TABLE log")
            .outside_transaction(),
    );
}

migration!(REVERSIBLE = "dat_0005" after ["dat_0004"], up: reversible_sql, down: None);
migration!(MAINTENANCE = "dat_0010" after ["dat_0005"], up: maintenance, down: Some(nothing));

async fn execute(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&LOG, &PER_BACKEND, &REVERSIBLE, &MAINTENANCE];
    let own: &[&str] = match kind {
        Kind::Postgres => &["pg only", "postgres"],
        Kind::MySql => &["mysql"],
        Kind::Sqlite => &["sqlite"],
    };
    let raw = match kind {
        Kind::Postgres => "postgres raw",
        Kind::MySql => "mysql raw",
        Kind::Sqlite => "sqlite raw",
    };
    let mut all: Vec<&str> = own.to_vec();
    all.extend([raw, "raw"]);
    all.sort_unstable();

    ctx.up_to(&regs, "dat_0004").await;
    assert_eq!(
        ctx.strings("SELECT msg FROM log ORDER BY msg").await,
        own,
        "{kind:?}: only this backend's SQL ran"
    );
    ctx.up_ok(&regs).await;
    assert_eq!(ctx.heads().await, ["dat_0010"], "{kind:?}: VACUUM ran");
    assert_eq!(ctx.tables().await, ["log", "log_view"], "{kind:?}");
    assert_eq!(
        ctx.strings("SELECT msg FROM log_view ORDER BY msg").await,
        all,
        "{kind:?}"
    );

    // The automatic downgrade runs each reverse, newest first.
    ctx.down_ok(&regs, "dat_0004").await;
    assert_eq!(ctx.heads().await, ["dat_0004"], "{kind:?}");
    assert_eq!(ctx.tables().await, ["log"], "{kind:?}");
    assert_eq!(
        ctx.strings("SELECT msg FROM log ORDER BY msg").await,
        own,
        "{kind:?}"
    );
    ctx.down_ok(&regs, "dat_0003").await;
    assert_eq!(ctx.count("log").await, 0, "{kind:?}");
    ctx.up_ok(&regs).await;
    assert_eq!(
        ctx.strings("SELECT msg FROM log_view ORDER BY msg").await,
        all,
        "{kind:?}"
    );
}

/// A table made by SQL the replay cannot read (dynamic SQL on PostgreSQL
/// and MySQL), with its effect declared as typed operations.
fn dynamic_table(m: &mut Migration) {
    m.execute(
        RawSql::for_backend(
            Backend::Postgres,
            "DO $$ BEGIN EXECUTE 'CREATE TABLE ' || 'gadgets (id integer NOT NULL, label text)'; END $$",
        )
        .or_for(
            Backend::MySql,
            "PREPARE make FROM 'CREATE TABLE gadgets (id int NOT NULL, label text)'; EXECUTE make; DEALLOCATE PREPARE make",
        )
        .or_for(
            Backend::Sqlite,
            "CREATE TABLE gadgets (id integer NOT NULL, label text)",
        )
        .reverse("DROP TABLE gadgets")
        .effect(|m| {
            m.create_table(
                Table::new("gadgets")
                    .column(Column::new("id").integer())
                    .column(Column::new("label").text().nullable()),
            );
        }),
    );
}

migration!(DYNAMIC = "dat_0006" after ["dat_0003"], up: dynamic_table, down: None);

async fn declared_effect(ctx: Ctx) {
    use migrate_core::Direction;
    let kind = ctx.kind();
    let regs = [&LOG, &DYNAMIC];
    // `up_ok` compares the replay with the database, which the declared
    // effect makes certain.
    ctx.up_ok(&regs).await;
    let migrator = migrate_core::Migrator::new(regs.to_vec()).unwrap();
    let backend = ctx.backend();
    let mut replay = migrator
        .schema_at(migrator.graph().heads(), backend)
        .unwrap();
    assert!(
        replay.uncertain().is_empty(),
        "{kind:?}: {}",
        replay.uncertain()
    );
    assert!(replay.schema().table("gadgets").is_some(), "{kind:?}");
    // The automatic downgrade's reverse has the inverse effect.
    ctx.down_ok(&regs, "dat_0003").await;
    let head = migrator.graph().heads()[0];
    let down = migrator.plan(head, Direction::Downgrade, backend).unwrap();
    replay.plan(&down).unwrap();
    assert!(replay.uncertain().is_empty(), "{kind:?}");
    let diff = replay.diff(&ctx.live_schema().await);
    assert!(diff.is_empty(), "{kind:?}: after the downgrade:\n{diff}");
}

const MANY: i64 = 12_000;

fn create_many(m: &mut Migration) {
    m.create_table(
        Table::new("many")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("v").big_integer())
            .column(Column::new("w").text()),
    );
}
fn insert_many(m: &mut Migration) {
    // 36,000 values: more than one statement may bind on MySQL and SQLite.
    let rows = (0..MANY).fold(Rows::new("many", ["id", "v", "w"]), |rows, i| {
        rows.row((i, i * 2, format!("row {i}")))
    });
    m.bulk_insert(rows);
}
fn delete_many(m: &mut Migration) {
    m.execute("DELETE FROM many");
}

migration!(MANY_TABLE = "dat_0008" after [], up: create_many, down: None);
migration!(MANY_ROWS = "dat_0009" after ["dat_0008"], up: insert_many, down: Some(delete_many));

/// More values than a statement can bind: split into several statements
/// on MySQL and SQLite, one `jsonb` parameter on PostgreSQL.
async fn bulk_insert_many_rows(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&MANY_TABLE, &MANY_ROWS];
    ctx.up_ok(&regs).await;
    assert_eq!(
        ctx.rows("SELECT COUNT(*), SUM(v), MAX(w) FROM many").await[0],
        [
            Some(MANY.to_string()),
            Some((MANY * (MANY - 1)).to_string()),
            Some("row 9999".to_owned())
        ],
        "{kind:?}"
    );
    ctx.down_ok(&regs, "dat_0008").await;
    assert_eq!(ctx.count("many").await, 0, "{kind:?}");
}

fn create_floats(m: &mut Migration) {
    m.create_table(
        Table::new("floats")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("f").double().nullable()),
    );
}
fn insert_special_floats(m: &mut Migration) {
    m.bulk_insert(
        Rows::new("floats", ["id", "f"])
            .row((1, f64::NAN))
            .row((2, f64::INFINITY))
            .row((3, f64::NEG_INFINITY)),
    );
}
fn delete_floats(m: &mut Migration) {
    m.execute("DELETE FROM floats");
}

migration!(FLOATS = "dat_0006" after [], up: create_floats, down: None);
migration!(SPECIAL = "dat_0007" after ["dat_0006"], up: insert_special_floats, down: Some(delete_floats));

/// NaN and the infinities: PostgreSQL stores them; SQLite stores the
/// infinities and turns NaN into NULL; MySQL has none of them.
async fn special_floats(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&FLOATS, &SPECIAL];
    let result = ctx.up(&regs).await;
    let read = "SELECT f FROM floats ORDER BY id";
    match kind {
        Kind::Postgres => {
            result.unwrap();
            assert_eq!(ctx.strings(read).await, ["NaN", "Infinity", "-Infinity"]);
        }
        Kind::Sqlite => {
            result.unwrap();
            assert_eq!(ctx.strings(read).await, ["NULL", "Inf", "-Inf"]);
        }
        Kind::MySql => {
            let failed = failed_statement(result.unwrap_err());
            assert_eq!(failed.operation, "bulk_insert floats (3 rows)");
            assert!(
                failed
                    .db_message
                    .contains("Out of range value for column 'f'"),
                "{}",
                failed.message
            );
            assert_eq!(ctx.count("floats").await, 0);
        }
    }
}

fn mysql_only_table(m: &mut Migration) {
    // The field report: a backend-specific step with a plain reverse.
    m.execute(
        RawSql::for_backend(Backend::MySql, "CREATE TABLE mysql_only (id int)")
            .reverse("DROP TABLE mysql_only"),
    );
}

migration!(MYSQL_ONLY = "dat_0011" after [], up: mysql_only_table, down: None);

/// A step limited to one backend has a reverse limited to the same one:
/// the automatic downgrade runs it there, and nowhere else.
async fn backend_specific_reverse(ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&MYSQL_ONLY];
    ctx.up_ok(&regs).await;
    let expected: &[&str] = if kind == Kind::MySql {
        &["mysql_only"]
    } else {
        &[]
    };
    assert_eq!(ctx.tables().await, expected, "{kind:?}");
    ctx.down_ok(&regs, "base").await;
    assert_eq!(ctx.tables().await, Vec::<String>::new(), "{kind:?}");
    assert_eq!(ctx.heads().await, Vec::<String>::new(), "{kind:?}");
}

fn type_named_tables(m: &mut Migration) {
    for table in ["money", "text", "point"] {
        m.create_table(
            Table::new(table)
                .column(Column::new("id").integer().primary_key())
                .column(Column::new("amount").integer()),
        );
        m.bulk_insert(Rows::new(table, ["id", "amount"]).row((1, 10)).row((2, 20)));
    }
}

fn double_money(m: &mut Migration) {
    m.add_column("money", Column::new("doubled").integer().nullable());
    m.backfill(migrate_core::ops::Backfill::map(
        "money",
        ["amount"],
        ["doubled"],
        |row| {
            let amount: i64 = row.get("amount")?;
            Ok(amount * 2)
        },
    ));
}

migration!(TYPE_NAMED = "dat_0012" after [], up: type_named_tables, down: None);
migration!(DOUBLE_MONEY = "dat_0013" after ["dat_0012"], up: double_money, down: None);

/// PostgreSQL: a bulk insert into a table named like a built-in type
/// (`money`, `text`, `point`) reads its rows with the table's row type, not
/// the type's.
async fn tables_named_like_types(mut ctx: Ctx) {
    let kind = ctx.kind();
    ctx.up_ok(&[&TYPE_NAMED, &DOUBLE_MONEY]).await;
    for table in ["money", "text", "point"] {
        let sql = format!("SELECT amount FROM {} ORDER BY id", ctx.q(table));
        assert_eq!(ctx.strings(&sql).await, ["10", "20"], "{kind:?}: {table}");
    }
    // A backfill in Rust writes its results back the same way.
    let sql = format!("SELECT doubled FROM {} ORDER BY id", ctx.q("money"));
    assert_eq!(ctx.strings(&sql).await, ["20", "40"], "{kind:?}");
}

fn create_events(m: &mut Migration) {
    m.create_table(
        Table::new("events")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("at").timestamptz())
            .column(Column::new("local").timestamp().nullable()),
    );
}
fn insert_events(m: &mut Migration) {
    use chrono::TimeZone as _;
    let at = chrono::Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).unwrap()
        + chrono::Duration::microseconds(123_456);
    m.bulk_insert(
        Rows::new("events", ["id", "at", "local"])
            .row((1, at, at.naive_utc()))
            .row((2, at, Literal::Null)),
    );
}

migration!(EVENTS = "dat_0014" after [], up: create_events, down: None);
migration!(INSERT_EVENTS = "dat_0015" after ["dat_0014"], up: insert_events, down: Some(nothing));

/// `chrono` values in a bulk insert work on every backend, MariaDB
/// included (which reads no offset and no `T`): a point in time lands as
/// that instant, a local date-time as written.
async fn timestamps(mut ctx: Ctx) {
    let kind = ctx.kind();
    ctx.up_ok(&[&EVENTS, &INSERT_EVENTS]).await;
    let sql = match kind {
        Kind::Postgres => {
            "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || ' ' || \
             to_char(local, 'YYYY-MM-DD HH24:MI:SS.US') FROM events WHERE id = 1"
        }
        Kind::MySql => {
            "SELECT CONCAT(DATE_FORMAT(CONVERT_TZ(at, @@session.time_zone, '+00:00'), \
             '%Y-%m-%d %H:%i:%s.%f'), ' ', DATE_FORMAT(local, '%Y-%m-%d %H:%i:%s.%f')) \
             FROM events WHERE id = 1"
        }
        Kind::Sqlite => {
            "SELECT strftime('%Y-%m-%d %H:%M:%f', at) || ' ' || local FROM events WHERE id = 1"
        }
    };
    let expected = match kind {
        Kind::Sqlite => "2024-05-06 07:08:09.123 2024-05-06 07:08:09.123456",
        _ => "2024-05-06 07:08:09.123456 2024-05-06 07:08:09.123456",
    };
    assert_eq!(ctx.value(sql).await.as_deref(), Some(expected), "{kind:?}");
    assert_eq!(ctx.count("events").await, 2, "{kind:?}");
}
