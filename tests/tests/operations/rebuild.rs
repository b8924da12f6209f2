//! SQLite's table rebuild keeps what it does not change byte for byte:
//! defaults, checks, generated columns and collations written with any text
//! (quotes, backslashes, comment markers, semicolons, newlines, unicode)
//! survive any number of rebuilds, compared by introspection. Run through
//! the real runtime on SQLite, the only backend that rebuilds tables.

use std::sync::Mutex;

use migrate_core::driver::{self, Access};
use migrate_core::ops::{AlterColumn, Column, Constraint, Migration, Table};
use migrate_core::schema::{self, Schema};
use proptest::prelude::*;

use crate::harness::Ctx;

/// The field report: a string default that ends in a backslash before a
/// quote, then a migration that rebuilds the table.
const HOSTILE: &str = r"\'); DROP TABLE users; --";

fn create_users(m: &mut Migration) {
    m.create_table(
        Table::new("users")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("age").integer().nullable())
            .column(Column::new("note").text().default(HOSTILE)),
    );
}
fn add_age_check(m: &mut Migration) {
    m.create_check_constraint("users", "ck_users_age", "age >= 0");
}

migration!(USERS = "rbf_0001" after [], up: create_users, down: None);
migration!(AGE_CHECK = "rbf_0002" after ["rbf_0001"], up: add_age_check, down: None);

#[tokio::test]
async fn a_string_default_stays_a_string_through_a_rebuild() {
    let mut ctx = Ctx::sqlite().await;
    ctx.up_ok(&[&USERS, &AGE_CHECK]).await;
    assert_eq!(ctx.tables().await, ["users"], "the table is still there");
    ctx.exec_ok("INSERT INTO users (id, age) VALUES (1, 5)")
        .await;
    assert_eq!(
        ctx.strings("SELECT note FROM users").await,
        [HOSTILE],
        "the default is the same string"
    );
    let error = ctx
        .exec_err("INSERT INTO users (id, age) VALUES (2, -1)")
        .await;
    assert!(error.contains("CHECK constraint failed"), "{error}");
    // And again: a rebuild of a rebuilt table.
    ctx.down_ok(&[&USERS, &AGE_CHECK], "rbf_0001").await;
    ctx.up_ok(&[&USERS, &AGE_CHECK]).await;
    ctx.exec_ok("INSERT INTO users (id, age) VALUES (3, 5)")
        .await;
    assert_eq!(
        ctx.strings("SELECT note FROM users WHERE id = 3").await,
        [HOSTILE]
    );
}

/// The texts of one property case.
#[derive(Debug, Clone)]
struct Texts {
    /// A typed string default.
    default: String,
    /// A string in a column check and a table check.
    check: String,
    /// A string in a generated column's expression.
    generated: String,
    /// A string default written as raw SQL.
    raw_default: String,
}

/// The case the migrations below read. One test reads it, one case at a
/// time; plans are built (and checksums rebuilt) on several threads.
static TEXTS: Mutex<Texts> = Mutex::new(Texts {
    default: String::new(),
    check: String::new(),
    generated: String::new(),
    raw_default: String::new(),
});

fn texts() -> Texts {
    TEXTS.lock().unwrap().clone()
}

/// `text` as an SQLite string literal.
fn lit(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn create_texts(m: &mut Migration) {
    let t = texts();
    m.create_table(
        Table::new("typed")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("age").integer().nullable())
            .column(Column::new("note").text().default(t.default.as_str()))
            .check("ck_typed_note", format!("note <> {}", lit(&t.check))),
    );
    m.execute(format!(
        "CREATE TABLE \"raw\" (\n  \"id\" integer PRIMARY KEY, -- the key; 'not a string\n  \
         \"age\" integer /* age; */,\n  \
         \"tag\" text NOT NULL DEFAULT {} COLLATE NOCASE CHECK (tag <> {}),\n  \
         \"shout\" text GENERATED ALWAYS AS (tag || {}) VIRTUAL,\n  \
         CONSTRAINT \"ck_raw\" CHECK (age IS NULL OR age > -1 OR {} = '')\n)",
        lit(&t.raw_default),
        lit(&t.check),
        lit(&t.generated),
        lit(&t.check),
    ));
}
fn add_checks(m: &mut Migration) {
    for table in ["typed", "raw"] {
        m.add_constraint(
            table,
            Constraint::check(format!("ck_{table}_age"), "age >= 0"),
        );
    }
}
fn drop_checks(m: &mut Migration) {
    for table in ["typed", "raw"] {
        m.drop_constraint(table, format!("ck_{table}_age"));
    }
}
fn age_not_null(m: &mut Migration) {
    for table in ["typed", "raw"] {
        m.alter_column(
            AlterColumn::new(table, "age")
                .set_not_null()
                .existing(Column::new("age").integer().nullable()),
        );
    }
}
fn age_nullable(m: &mut Migration) {
    for table in ["typed", "raw"] {
        m.alter_column(
            AlterColumn::new(table, "age")
                .set_nullable()
                .existing(Column::new("age").integer()),
        );
    }
}

migration!(TEXTS_0 = "rbp_0000" after [], up: create_texts, down: None);
migration!(TEXTS_1 = "rbp_0001" after ["rbp_0000"], up: add_checks, down: Some(drop_checks));
migration!(TEXTS_2 = "rbp_0002" after ["rbp_0001"], up: drop_checks, down: Some(add_checks));
migration!(TEXTS_3 = "rbp_0003" after ["rbp_0002"], up: age_not_null, down: Some(age_nullable));
migration!(TEXTS_4 = "rbp_0004" after ["rbp_0003"], up: age_nullable, down: Some(age_not_null));
migration!(TEXTS_5 = "rbp_0005" after ["rbp_0004"], up: add_checks, down: Some(drop_checks));
migration!(TEXTS_6 = "rbp_0006" after ["rbp_0005"], up: drop_checks, down: Some(add_checks));

const CHAIN: [&migrate_core::Registration; 7] = [
    &TEXTS_0, &TEXTS_1, &TEXTS_2, &TEXTS_3, &TEXTS_4, &TEXTS_5, &TEXTS_6,
];

async fn snapshot(ctx: &Ctx) -> Schema {
    let mut db = driver::connect(&ctx.db.url, Access::ReadOnly)
        .await
        .unwrap();
    let schema = schema::snapshot(db.as_mut()).await.unwrap();
    db.close().await.ok();
    schema
}

/// What SQLite itself stores and does with the texts, beyond the model.
async fn stored(ctx: &mut Ctx) -> Vec<String> {
    let mut out = ctx
        .strings(
            "SELECT m.name || '.' || p.name || '=' || coalesce(p.dflt_value, 'NULL') \
             FROM sqlite_schema m JOIN pragma_table_xinfo(m.name) p \
             WHERE m.name IN ('typed', 'raw') ORDER BY m.name, p.cid",
        )
        .await;
    ctx.exec_ok("DELETE FROM typed").await;
    ctx.exec_ok("DELETE FROM raw").await;
    ctx.exec_ok("INSERT INTO typed (id, age) VALUES (1, 1)")
        .await;
    ctx.exec_ok("INSERT INTO raw (id, age) VALUES (1, 1)").await;
    out.extend(ctx.strings("SELECT note FROM typed").await);
    out.extend(ctx.strings("SELECT tag || '|' || shout FROM raw").await);
    out
}

async fn survives(texts: Texts, rebuilds: usize) -> Result<(), TestCaseError> {
    *TEXTS.lock().unwrap() = texts.clone();
    let mut ctx = Ctx::sqlite().await;
    ctx.up_to(&CHAIN, "rbp_0000").await;
    let before = snapshot(&ctx).await;
    let stored_before = stored(&mut ctx).await;
    prop_assert_eq!(&stored_before[stored_before.len() - 2], &texts.default);
    prop_assert_eq!(
        &stored_before[stored_before.len() - 1],
        &format!(
            "{}|{}{}",
            texts.raw_default, texts.raw_default, texts.generated
        )
    );
    // Up and down the chain, `rebuilds` migrations in all, each rebuilding
    // both tables; every second one leaves the schema as it began.
    let mut done = 0;
    while done < rebuilds {
        let up = (done % 12) < 6;
        let step = if up { done % 6 + 1 } else { 6 - done % 6 - 1 };
        if up {
            ctx.up_to(&CHAIN, &format!("rbp_{step:04}")).await;
        } else {
            ctx.down_ok(&CHAIN, &format!("rbp_{step:04}")).await;
        }
        done += 1;
        if step % 2 == 0 {
            let after = snapshot(&ctx).await;
            let diff = before.diff(&after);
            prop_assert!(diff.is_empty(), "after {done} rebuilds: {:?}", diff.lines());
            prop_assert_eq!(
                &stored(&mut ctx).await,
                &stored_before,
                "after {} rebuilds",
                done
            );
        }
    }
    // The checks still hold the texts they were written with.
    let error = ctx
        .exec(&format!(
            "INSERT INTO raw (id, tag) VALUES (2, {})",
            lit(&texts.check)
        ))
        .await;
    prop_assert!(error.is_err(), "the column check holds");
    let error = ctx
        .exec(&format!(
            "INSERT INTO typed (id, note) VALUES (2, {})",
            lit(&texts.check)
        ))
        .await;
    prop_assert!(error.is_err(), "the table check holds");
    Ok(())
}

/// Text that SQL treats specially, and any other character.
fn hostile() -> impl Strategy<Value = String> {
    "(['\"`\\\\;\n\r\t]|--|/\\*|\\*/|[a-z ]|\\PC){0,16}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn texts_survive_any_number_of_rebuilds(
        default in hostile(),
        check in hostile(),
        generated in hostile(),
        raw_default in hostile(),
        rebuilds in 2usize..9,
    ) {
        // A row with the default must pass the check.
        prop_assume!(default != check && raw_default != check);
        let texts = Texts { default, check, generated, raw_default };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(survives(texts, rebuilds))?;
    }
}
