//! Linting the history: each revision's upgrade, on each backend, against
//! the schema the revisions before it replay to.

use std::collections::BTreeSet;

use super::{Migrator, PlanError};
use crate::Backend;
use crate::direction::Direction;
use crate::error::Error;
use crate::graph::RevisionIdx;
use crate::lint::{Finding, Hit, Lint, LintConfig, Severity, lint_plan};
use crate::ops::Operation;
use crate::schema::{Replay, Schema};

/// How many revisions each side of a merge may run apart before the merge
/// is a late one.
const LATE_MERGE: usize = 10;

/// An allow of one revision, and whether it silenced anything on any
/// backend.
/// What linting found so far.
#[derive(Default)]
struct Tally {
    findings: Vec<Finding>,
    /// The current revision's allows.
    allows: Vec<AllowUse>,
}

struct AllowUse {
    lint: Lint,
    op: Option<usize>,
    describe: Option<String>,
    reason: String,
    used: bool,
    /// The backends whose linting the allow's rule applies to.
    backends: Vec<Backend>,
}

impl Migrator {
    /// The findings of every revision after `config.start_after` (of
    /// `only`, when given), on every backend, merged across backends; the
    /// rules at `off` are left out. Pure: records and replays plans, touches
    /// no database.
    ///
    /// # Errors
    ///
    /// `start_after` that names no revision.
    pub fn lint(
        &self,
        config: &LintConfig,
        only: Option<&[RevisionIdx]>,
    ) -> Result<Vec<Finding>, Error> {
        self.lint_on(config, only, &Backend::ALL)
    }

    /// [`lint`](Self::lint) on `backends` only: what an upgrade of one
    /// database needs.
    pub(super) fn lint_on(
        &self,
        config: &LintConfig,
        only: Option<&[RevisionIdx]>,
        backends: &[Backend],
    ) -> Result<Vec<Finding>, Error> {
        let graph = self.graph();
        let skipped = match &config.start_after {
            Some(id) => graph.ancestors_of(&[graph.lookup(id)?]),
            None => vec![false; graph.len()],
        };
        let wanted: Option<BTreeSet<RevisionIdx>> = only.map(|o| o.iter().copied().collect());
        let linted = |index: RevisionIdx| {
            !skipped[index] && wanted.as_ref().is_none_or(|w| w.contains(&index))
        };
        let mut replays: Vec<Replay> = backends
            .iter()
            .map(|&b| Replay::new(Schema::new(b)))
            .collect();
        let mut tally = Tally::default();
        for &index in graph.topo_order() {
            let lint_this = linted(index);
            for replay in &mut replays {
                let b = replay.backend();
                let Ok(plan) = self.plan(index, Direction::Upgrade, b) else {
                    continue; // `check` reports a plan that does not record
                };
                if !lint_this {
                    let _ = replay.plan(&plan);
                    continue;
                }
                let mut hits = lint_plan(replay, &plan, config);
                let changes_type = plan.operations().iter().any(|op| {
                    matches!(op, Operation::AlterColumn(a) if a.ty.is_some() && a.lossy_ok.is_none())
                });
                if changes_type
                    && let Some(PlanError::LossyTypeChange(refusal)) = self.refused_lossy(index, b)
                {
                    hits.push(Hit {
                        lint: Lint::NarrowingType,
                        op: Some(refusal.operation_number - 1),
                        message: format!(
                            "changes the type from {} to {}, which cannot hold every value: {}",
                            refusal.from, refusal.to, refusal.why
                        ),
                    });
                }
                self.judge(index, b, &plan, hits, config, &mut tally);
            }
            let severity = config.severity(Lint::UnusedAllow);
            for unused in tally.allows.drain(..) {
                if unused.used || unused.backends.is_empty() || severity == Severity::Off {
                    continue;
                }
                let registration = self.registration(index);
                tally.findings.push(Finding {
                    lint: Lint::UnusedAllow,
                    severity,
                    revision: registration.id.to_owned(),
                    file: registration.file.to_owned(),
                    line: registration.line,
                    backends: unused.backends,
                    operation: unused.op.map(|i| i + 1),
                    describe: unused.describe,
                    message: format!(
                        "allows {}, which this operation does not trigger",
                        unused.lint
                    ),
                    fix: Lint::UnusedAllow.rule().fix,
                });
            }
            if lint_this && backends.len() == Backend::ALL.len() {
                self.late_merge(index, config, &mut tally.findings);
            }
        }
        Ok(tally.findings)
    }

    /// Applies severities and the plan's allows to `hits`, and adds them to
    /// `findings` (the same finding on another backend adds the backend).
    fn judge(
        &self,
        index: RevisionIdx,
        b: Backend,
        plan: &crate::ops::Migration,
        mut hits: Vec<Hit>,
        config: &LintConfig,
        tally: &mut Tally,
    ) {
        let Tally { findings, allows } = tally;
        for allow in plan.allows() {
            let used = hits
                .iter()
                .any(|h| h.lint == allow.lint && h.op == allow.after);
            hits.retain(|h| !(h.lint == allow.lint && h.op == allow.after));
            if allow.reason.trim().is_empty() {
                hits.push(Hit {
                    lint: Lint::AllowWithoutReason,
                    op: allow.after,
                    message: format!("allows {} without saying why", allow.lint),
                });
            }
            // Whether it silenced something is known once every backend
            // is linted: an allow for a rule of one backend is used there.
            let describe = allow
                .after
                .and_then(|i| plan.operations().get(i))
                .map(Operation::describe);
            let applies = allow.lint.rule().backends.contains(&b);
            match allows.iter_mut().find(|a| {
                a.lint == allow.lint && a.describe == describe && a.reason == allow.reason
            }) {
                Some(seen) => {
                    seen.used |= used;
                    if applies {
                        seen.backends.push(b);
                    }
                }
                None => allows.push(AllowUse {
                    lint: allow.lint,
                    op: allow.after,
                    describe,
                    reason: allow.reason.clone(),
                    used,
                    backends: if applies { vec![b] } else { Vec::new() },
                }),
            }
        }
        let registration = self.registration(index);
        for hit in hits {
            let severity = config.severity(hit.lint);
            if severity == Severity::Off {
                continue;
            }
            let operation = hit.op.map(|i| i + 1);
            // Only this revision's findings, at the end, can be the same.
            if let Some(same) = findings
                .iter_mut()
                .rev()
                .take_while(|f| f.revision == registration.id)
                .find(|f| {
                    f.lint == hit.lint && f.operation == operation && f.message == hit.message
                })
            {
                if !same.backends.contains(&b) {
                    same.backends.push(b);
                }
                continue;
            }
            findings.push(Finding {
                lint: hit.lint,
                severity,
                revision: registration.id.to_owned(),
                file: registration.file.to_owned(),
                line: registration.line,
                backends: vec![b],
                operation,
                describe: hit
                    .op
                    .and_then(|i| plan.operations().get(i))
                    .map(Operation::describe),
                message: hit.message,
                fix: hit.lint.rule().fix,
            });
        }
    }

    /// A merge whose parents each ran more than [`LATE_MERGE`] revisions
    /// since the branches parted.
    fn late_merge(&self, index: RevisionIdx, config: &LintConfig, findings: &mut Vec<Finding>) {
        let graph = self.graph();
        let parents = graph.parents(index);
        if parents.len() < 2 || config.severity(Lint::NonLinearHistory) == Severity::Off {
            return;
        }
        let sides: Vec<Vec<bool>> = parents.iter().map(|&p| graph.ancestors_of(&[p])).collect();
        let shared: Vec<bool> = (0..graph.len())
            .map(|i| sides.iter().all(|s| s[i]))
            .collect();
        let apart: Vec<usize> = sides
            .iter()
            .map(|s| (0..graph.len()).filter(|&i| s[i] && !shared[i]).count())
            .collect();
        if apart.iter().filter(|&&n| n > LATE_MERGE).count() < 2 {
            return;
        }
        let registration = self.registration(index);
        let counts: Vec<String> = apart.iter().map(ToString::to_string).collect();
        findings.push(Finding {
            lint: Lint::NonLinearHistory,
            severity: config.severity(Lint::NonLinearHistory),
            revision: registration.id.to_owned(),
            file: registration.file.to_owned(),
            line: registration.line,
            backends: Backend::ALL.to_vec(),
            operation: None,
            describe: None,
            message: format!(
                "merges branches that ran {} revisions apart",
                counts.join(" and ")
            ),
            fix: Lint::NonLinearHistory.rule().fix,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::registration;
    use super::*;
    use crate::ops::{AlterColumn, Column, ColumnType, Migration, Table};

    fn create(m: &mut Migration) {
        m.create_table(
            Table::new("users")
                .column(Column::new("id").big_integer().primary_key())
                .column(Column::new("name").string(100))
                .column(Column::new("code").string(60))
                .column(Column::new("note").text().nullable()),
        );
    }

    fn drops(m: &mut Migration) {
        m.drop_column("users", "note");
    }

    fn drops_allowed(m: &mut Migration) {
        m.drop_column("users", "note")
            .allow(Lint::DropColumn, "nothing reads it since v2");
    }

    fn allowed_for_nothing(m: &mut Migration) {
        m.add_column("users", Column::new("age").integer().nullable())
            .allow(Lint::DropColumn, "a mistake");
    }

    fn allowed_without_reason(m: &mut Migration) {
        m.drop_column("users", "note").allow(Lint::DropColumn, " ");
    }

    /// `varchar(60)` to `varchar(100)`: in place on PostgreSQL, a copy on
    /// MySQL (the length needs a second byte).
    fn widens(m: &mut Migration) {
        m.alter_column(AlterColumn::new("users", "code").set_type(ColumnType::String(100)))
            .allow(Lint::RewritingType, "users is small");
    }

    fn narrows(m: &mut Migration) {
        m.alter_column(AlterColumn::new("users", "name").set_type(ColumnType::String(10)));
    }

    fn lints(second: fn(&mut Migration), config: &LintConfig) -> Vec<Finding> {
        let migrator = Migrator::new(vec![
            registration("a001", &[], create, None),
            registration("a002", &["a001"], second, None),
        ])
        .unwrap();
        migrator.lint(config, None).unwrap()
    }

    #[test]
    fn a_finding_says_where_and_merges_backends() {
        let found = lints(drops, &LintConfig::default());
        let [finding] = &found[..] else {
            panic!("{found:#?}")
        };
        assert_eq!(finding.lint, Lint::DropColumn);
        assert_eq!(finding.severity, Severity::Deny);
        assert_eq!(finding.revision, "a002");
        assert_eq!(finding.operation, Some(1));
        assert_eq!(finding.backends.len(), 3, "one finding for all backends");
        assert_eq!(
            finding.line(),
            "a002 (fixtures.rs:1) operation 1 (drop_column users.note): deny [drop-column]: drops `users.note` and its data; instead: deploy code that no longer uses the column, then allow the drop with the reason"
        );
    }

    #[test]
    fn an_allow_silences_its_operation_and_reports_when_it_silences_nothing() {
        assert!(lints(drops_allowed, &LintConfig::default()).is_empty());
        let unused = lints(allowed_for_nothing, &LintConfig::default());
        assert!(
            unused
                .iter()
                .any(|f| f.lint == Lint::UnusedAllow && f.operation == Some(1)),
            "{unused:#?}"
        );
        let empty = lints(allowed_without_reason, &LintConfig::default());
        assert!(
            empty
                .iter()
                .any(|f| f.lint == Lint::AllowWithoutReason && f.severity == Severity::Deny),
            "{empty:#?}"
        );
    }

    #[test]
    fn an_allow_used_on_one_backend_is_used() {
        let found = lints(widens, &LintConfig::default());
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn a_narrowing_is_a_finding_and_start_after_skips_the_old_history() {
        let found = lints(narrows, &LintConfig::default());
        assert!(
            found
                .iter()
                .any(|f| f.lint == Lint::NarrowingType && f.operation == Some(1)),
            "{found:#?}"
        );
        let mut config = LintConfig::default();
        config.start_after = Some("a002".to_owned());
        assert!(lints(drops, &config).is_empty());
        config.start_after = Some("a001".to_owned());
        assert_eq!(lints(drops, &config).len(), 1);
        let off = LintConfig::default().set(Lint::DropColumn, Severity::Off);
        assert!(lints(drops, &off).is_empty());
    }

    fn step(m: &mut Migration) {
        m.add_column("users", Column::new("x").integer().nullable());
    }

    #[test]
    fn a_late_merge_is_a_non_linear_history() {
        // Two branches of 12 revisions each off a001, merged by m000.
        let ids: Vec<&'static str> = (0..24)
            .map(|i| {
                &*Box::leak(format!("{}{i:03}", if i < 12 { "b" } else { "c" }).into_boxed_str())
            })
            .collect();
        let mut regs = vec![registration("a001", &[], create, None)];
        for (n, id) in ids.iter().enumerate() {
            let parent: &'static str = match n {
                0 | 12 => "a001",
                _ => ids[n - 1],
            };
            regs.push(registration(id, Box::leak(Box::new([parent])), step, None));
        }
        regs.push(registration(
            "m000",
            Box::leak(Box::new([ids[11], ids[23]])),
            step,
            None,
        ));
        let migrator = Migrator::new(regs).unwrap();
        let found = migrator.lint(&LintConfig::default(), None).unwrap();
        assert!(
            found
                .iter()
                .any(|f| f.lint == Lint::NonLinearHistory && f.message.contains("12 and 12")),
            "{found:#?}"
        );
    }
}
