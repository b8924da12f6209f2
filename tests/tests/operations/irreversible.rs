//! Migrations without a `downgrade` whose upgrade has a step with no
//! inverse: the downgrade is refused before anything runs, naming the
//! revision and the step, and `status` lists them.

use migrate_core::migrator::{PlanError, Problem};
use migrate_core::ops::{Column, Migration, Table};

use crate::harness::{Ctx, plan_error};

every_backend!(irreversible_downgrades);

fn create_t(m: &mut Migration) {
    m.create_table(
        Table::new("t")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("c").text().nullable()),
    );
}
fn drop_c_by_name(m: &mut Migration) {
    m.drop_column("t", "c");
}
fn raw_without_reverse(m: &mut Migration) {
    m.create_table(Table::new("u").column(Column::new("id").integer().primary_key()));
    m.execute("INSERT INTO u (id) VALUES (1)");
}

migration!(CREATE_T = "irr_0001" after [], up: create_t, down: None);
migration!(DROP_C = "irr_0002" after ["irr_0001"], up: drop_c_by_name, down: None);
migration!(RAW = "irr_0003" after ["irr_0002"], up: raw_without_reverse, down: None);

/// Expects `error` to be `PlanError::Irreversible` for `revision`, step
/// `step` (`op`).
fn assert_irreversible(error: migrate_core::Error, revision: &str, step: usize, op: &str) {
    let error = plan_error(error);
    let message = error.to_string();
    match error {
        PlanError::Irreversible {
            revision: r,
            source,
            ..
        } => {
            assert_eq!(r, revision, "{message}");
            assert_eq!(source.step, step, "{message}");
            assert_eq!(source.op, op, "{message}");
        }
        other => panic!("expected Irreversible, got {other}"),
    }
    assert!(
        message.contains(&format!("downgrade {revision}"))
            && message.contains(&format!("step {step} ({op})"))
            && message.contains("add `pub fn downgrade(m: &mut Migration)`"),
        "names the revision and the step, and says what to do: {message}"
    );
}

async fn irreversible_downgrades(mut ctx: Ctx) {
    let kind = ctx.kind();
    let regs = [&CREATE_T, &DROP_C, &RAW];

    // DROP_C only knows the column's name: it cannot be added back.
    ctx.up_ok(&regs[..2]).await;
    let audit = ctx.db.audit().await;
    let error = ctx.down(&regs[..2], "base").await.unwrap_err();
    assert_irreversible(error, "irr_0002", 1, "drop_column t.c");
    assert_eq!(ctx.heads().await, ["irr_0002"], "{kind:?}");
    assert_eq!(ctx.column_names("t").await, ["id"], "{kind:?}");
    assert_eq!(ctx.db.audit().await, audit, "{kind:?}: nothing ran");

    // Every step is built before the first runs: RAW's refusal stops the
    // run before anything happens, also when going down past DROP_C.
    ctx.up_ok(&regs).await;
    let audit = ctx.db.audit().await;
    for target in ["irr_0002", "base"] {
        let error = ctx.down(&regs, target).await.unwrap_err();
        assert_irreversible(error, "irr_0003", 2, "execute");
    }
    assert_eq!(ctx.heads().await, ["irr_0003"], "{kind:?}");
    assert_eq!(ctx.tables().await, ["t", "u"], "{kind:?}");
    assert_eq!(ctx.count("u").await, 1, "{kind:?}");
    assert_eq!(ctx.db.audit().await, audit, "{kind:?}: nothing ran");

    let status = ctx.status(&regs).await;
    let irreversible: Vec<(String, String)> = status
        .problems
        .iter()
        .filter_map(|p| match p {
            Problem::Irreversible { revision, reason } => {
                Some((revision.id.clone(), reason.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(irreversible.len(), 2, "{kind:?}: {irreversible:?}");
    assert_eq!(irreversible[0].0, "irr_0002", "{kind:?}");
    assert!(
        irreversible[0].1.contains("drop_column t.c"),
        "{kind:?}: {irreversible:?}"
    );
    assert_eq!(irreversible[1].0, "irr_0003", "{kind:?}");
    assert!(
        irreversible[1].1.contains("raw SQL has no reverse"),
        "{kind:?}: {irreversible:?}"
    );
}
