//! Resolving what `upgrade` refuses to run over: `resume` and `repair` for a
//! step that stopped part-way, `accept` for an applied migration that was
//! edited.

use std::collections::BTreeSet;

use chrono::Utc;

use super::apply::{self, Resume};
use super::{ApplyError, Migrator, StepReport};
use crate::Error;
use crate::driver::{AuditRow, Direction, Driver, LockScope, Outcome};
use crate::graph::{RevisionIdx, Target};
use crate::store;

/// What a human did about a step that stopped part-way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Finished its remaining statements: record it as applied (the heads
    /// table moves as the step would have moved it).
    Applied,
    /// Undid the statements it ran: record it as never run (the heads table
    /// stays).
    Reverted,
}

impl Migrator {
    /// Continues the step that stopped part-way, from the first statement
    /// not recorded as done, then moves the heads table as the step would
    /// have. The statement that was running when the process died may have
    /// completed: it runs again, and an error saying its effect is already
    /// there (or, for `CREATE INDEX CONCURRENTLY`, a valid index of its
    /// name) counts as done; an INVALID index is dropped and built again.
    ///
    /// # Errors
    ///
    /// [`ApplyError::NotDirty`] when nothing stopped part-way,
    /// [`ApplyError::ResumeEdited`] when the migration changed since, and
    /// whatever running the statements returns.
    pub async fn resume(
        &self,
        db: &mut dyn Driver,
        on_step: &mut (dyn FnMut(&StepReport) + Send),
    ) -> Result<StepReport, Error> {
        self.locked(db, async |this, db| {
            let (row, index, current) = this.dirty_locked(db, "resume").await?;
            let step = this.step_as_recorded(index, &row, &current, db.backend())?;
            if db.lock_scope() == LockScope::Step && step.non_transactional() {
                return Err(ApplyError::NeedsSessionLock {
                    revision: row.revision.clone(),
                    direction: row.direction,
                }
                .into());
            }
            if step.checksum() != row.checksum {
                return Err(ApplyError::ResumeEdited {
                    revision: row.revision.clone(),
                    recorded: row.checksum.clone(),
                    current: step.checksum().to_owned(),
                }
                .into());
            }
            let before: BTreeSet<RevisionIdx> = current.into_iter().collect();
            let mut after = before.clone();
            this.move_heads(&mut after, index, row.direction);
            let change = this.heads_change(&before, &after);
            let resume = Resume {
                from: usize::try_from(row.statements_done).unwrap_or(0),
                // A failure names the statement that failed; an interruption
                // leaves the next one in doubt.
                uncertain: row.outcome == Outcome::Started,
            };
            let mut tables_exist = true;
            let report = apply::run_step(
                db,
                &step,
                &change,
                &mut tables_exist,
                Some(resume),
                this.on_progress.as_ref(),
                this.timeouts,
            )
            .await?
            .into_report()?;
            on_step(&report);
            Ok(report)
        })
        .await
    }

    /// Records what a human did about the step of `revision` that stopped
    /// part-way: see [`Resolution`]. Runs no statement of the migration.
    ///
    /// # Errors
    ///
    /// [`ApplyError::NotDirty`] when nothing stopped part-way, and
    /// [`ApplyError::RepairOther`] when `revision` is not what stopped.
    pub async fn repair(
        &self,
        db: &mut dyn Driver,
        revision: &str,
        resolution: Resolution,
    ) -> Result<AuditRow, Error> {
        self.locked(db, async |this, db| {
            let (row, index, current) = this.dirty_locked(db, "repair").await?;
            let given = this.graph().resolve(&[], &Target::parse(revision)?)?;
            if given != [index] {
                return Err(ApplyError::RepairOther {
                    given: revision.to_owned(),
                    dirty: row.revision.clone(),
                }
                .into());
            }
            let before: BTreeSet<RevisionIdx> = current.into_iter().collect();
            let mut after = before.clone();
            let outcome = match resolution {
                Resolution::Applied => {
                    this.move_heads(&mut after, index, row.direction);
                    Outcome::MarkedDone
                }
                Resolution::Reverted => Outcome::MarkedUndone,
            };
            let change = this.heads_change(&before, &after);
            let now = Utc::now();
            let mut record = AuditRow {
                id: 0,
                started_at: now,
                finished_at: Some(now),
                duration_ms: Some(0),
                outcome,
                statements_done: match resolution {
                    Resolution::Applied => row.statements_total,
                    Resolution::Reverted => 0,
                },
                error: Some(format!(
                    "recorded by `repair` after audit row {} stopped at {} of {} statements",
                    row.id, row.statements_done, row.statements_total
                )),
                ..row.clone()
            };
            this.write_record(db, &mut record, &change.delete, &change.insert)
                .await?;
            Ok(record)
        })
        .await
    }

    /// Records that applied migrations were edited on purpose: their plan's
    /// new checksum becomes the one `upgrade` and `check` compare with. Runs
    /// nothing.
    ///
    /// # Errors
    ///
    /// [`ApplyError::NotEdited`] for a revision that is not applied or
    /// whose checksum matches; nothing is recorded then.
    pub async fn accept(
        &self,
        db: &mut dyn Driver,
        revisions: &[String],
    ) -> Result<Vec<AuditRow>, Error> {
        self.locked(db, async |this, db| {
            let state = this.read_state(db).await?;
            let current = this.resolve_heads(&state.heads)?;
            let edits = this.edits(db, &current).await?;
            let applied = this.graph().ancestors_of(&current);
            let mut accepted = Vec::new();
            for given in revisions {
                let found = this.graph().resolve(&[], &Target::parse(given)?)?;
                for index in found {
                    let id = &this.graph().revision(index).id;
                    let not_edited = |why: &str| ApplyError::NotEdited {
                        revision: id.clone(),
                        why: why.to_owned(),
                    };
                    if !applied[index] {
                        return Err(not_edited("it is not applied to this database").into());
                    }
                    if !edits.iter().any(|e| &e.revision == id) {
                        return Err(not_edited(
                            "its plan still has the checksum recorded when it was applied",
                        )
                        .into());
                    }
                    accepted.push(index);
                }
            }
            let mut rows = Vec::new();
            for index in accepted {
                let step = this.step(index, Direction::Upgrade, db.backend())?;
                let mut record = AuditRow {
                    duration_ms: Some(0),
                    ..step.audit_row(Outcome::Accepted)
                };
                record.finished_at = Some(record.started_at);
                this.write_record(db, &mut record, &[], &[]).await?;
                rows.push(record);
            }
            Ok(rows)
        })
        .await
    }

    /// The dirty step's audit row, its graph index and the current heads.
    async fn dirty_locked(
        &self,
        db: &mut dyn Driver,
        verb: &'static str,
    ) -> Result<(AuditRow, RevisionIdx, Vec<RevisionIdx>), Error> {
        let state = self.read_state(db).await?;
        let current = self.resolve_heads(&state.heads)?;
        let row = match state.tables_exist {
            true => self.dirty_step(db).await?,
            false => None,
        };
        let Some(row) = row else {
            return Err(ApplyError::NotDirty { verb }.into());
        };
        let Some(index) = self.graph().index_of(&row.revision) else {
            return Err(ApplyError::UnknownRevisions {
                ids: vec![row.revision.clone()],
            }
            .into());
        };
        Ok((row, index, current))
    }

    /// Writes an audit row and a heads-table change in one transaction.
    async fn write_record(
        &self,
        db: &mut dyn Driver,
        record: &mut AuditRow,
        delete: &[&str],
        insert: &[&str],
    ) -> Result<(), Error> {
        let write = |source| ApplyError::Stamp { source };
        db.begin_step().await?;
        let written = async {
            store::write_heads(db, delete, insert).await?;
            record.id = store::insert_audit(db, record).await?;
            db.commit().await
        }
        .await;
        if let Err(source) = written {
            let _ = db.rollback().await;
            return Err(Box::new(write(source)).into());
        }
        Ok(())
    }
}
