//! `stamp`: writing the heads table without running migrations.

use std::collections::BTreeSet;

use super::{ApplyError, Migrator};
use crate::Error;
use crate::driver::Driver;
use crate::graph::{RevisionIdx, Target};
use crate::store;

/// What a stamp changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Stamped {
    /// The heads table before, as read (ids this build may not know).
    pub before: Vec<String>,
    /// The heads table after.
    pub after: Vec<String>,
}

impl Migrator {
    /// Writes the heads table so that the database is at `targets`, running
    /// no migration: for a database whose schema was changed by hand, or
    /// created from a dump.
    ///
    /// As in Alembic, a stamp moves only the branches its targets are on:
    /// a current head that is neither below nor above a target stays. `base`
    /// among the targets starts from an empty table; `heads` stamps every
    /// head. With `purge`, the table is emptied first, whatever it held.
    ///
    /// # Errors
    ///
    /// [`ApplyError::StampOverUnknown`] when the table names revisions this
    /// build does not know and `purge` is not set;
    /// [`ApplyError::StampWhileDirty`] while a step stopped part-way (run
    /// `resume` or `repair` first); what resolving a target
    /// returns; and database errors.
    pub async fn stamp(
        &self,
        db: &mut dyn Driver,
        targets: &[Target],
        purge: bool,
    ) -> Result<Stamped, Error> {
        self.locked(db, async |this, db| {
            this.stamp_locked(db, targets, purge).await
        })
        .await
    }

    async fn stamp_locked(
        &self,
        db: &mut dyn Driver,
        targets: &[Target],
        purge: bool,
    ) -> Result<Stamped, Error> {
        let state = if purge {
            self.read_state_lenient(db).await?
        } else {
            self.read_state(db).await?
        };
        let (tables_exist, before) = (state.tables_exist, state.heads);
        if tables_exist {
            match self.dirty_step(db).await {
                Ok(Some(step)) => {
                    return Err(ApplyError::StampWhileDirty {
                        step: Box::new(step),
                    }
                    .into());
                }
                Ok(None) => {}
                // `--purge` is for tables altered by hand, whose audit rows
                // may not read: it rewrites the heads table regardless.
                Err(_) if purge => {}
                Err(error) => return Err(error),
            }
        }
        let current = if purge || targets.contains(&Target::Base) {
            Vec::new()
        } else {
            self.resolve_heads(&before).map_err(|error| match *error {
                ApplyError::UnknownRevisions { ids } => {
                    Box::new(ApplyError::StampOverUnknown { ids })
                }
                other => Box::new(other),
            })?
        };
        let mut wanted = Vec::new();
        let mut branch_bases = Vec::new();
        for target in targets {
            match target {
                Target::BranchBase(label) => branch_bases.push(label.as_str()),
                _ => wanted.extend(self.graph.resolve(&current, target)?),
            }
        }
        let mut after = self.stamped_heads(&current, &wanted);
        for label in branch_bases {
            self.stamp_branch_base(&mut after, label)?;
        }
        let after: Vec<String> = after
            .into_iter()
            .map(|i| self.graph.revision(i).id.clone())
            .collect();
        let delete: Vec<&str> = before
            .iter()
            .filter(|id| !after.contains(id))
            .map(String::as_str)
            .collect();
        let insert: Vec<&str> = after
            .iter()
            .filter(|id| !before.contains(id))
            .map(String::as_str)
            .collect();
        let write = |source| ApplyError::Stamp { source };
        db.begin().await.map_err(write)?;
        let written = async {
            if !tables_exist {
                store::create_tables(db).await?;
            }
            store::write_heads(db, &delete, &insert).await?;
            db.commit().await
        }
        .await;
        if let Err(source) = written {
            if let Err(rollback) = db.rollback().await {
                tracing::warn!(%rollback, "rollback after a failed stamp failed");
            }
            return Err(Box::new(write(source)).into());
        }
        let mut after = after;
        after.sort();
        Ok(Stamped { before, after })
    }

    /// Takes the branch that `label` starts off `heads`: its revisions go,
    /// and the revisions it starts from come back unless still below
    /// another head.
    fn stamp_branch_base(
        &self,
        heads: &mut BTreeSet<RevisionIdx>,
        label: &str,
    ) -> Result<(), crate::graph::TargetError> {
        let graph = &self.graph;
        let Some(owner) = graph.labelled(label) else {
            // Resolving reports the unknown label, with suggestions.
            graph.resolve(&[], &Target::BranchBase(label.to_owned()))?;
            return Ok(());
        };
        let branch = graph.descendants_of(&[owner]);
        heads.retain(|&h| !branch[h]);
        let kept: Vec<RevisionIdx> = heads.iter().copied().collect();
        let below = graph.ancestors_of(&kept);
        for &parent in graph.parents(owner) {
            if !below[parent] {
                heads.insert(parent);
            }
        }
        Ok(())
    }

    /// The heads once `wanted` are stamped over `current`: the wanted
    /// revisions that are not below another wanted one, and the current
    /// heads on branches no wanted revision is on.
    fn stamped_heads(
        &self,
        current: &[RevisionIdx],
        wanted: &[RevisionIdx],
    ) -> BTreeSet<RevisionIdx> {
        let below = self.graph.ancestors_of(wanted);
        let above = self.graph.descendants_of(wanted);
        let mut heads: BTreeSet<RevisionIdx> = current
            .iter()
            .copied()
            .filter(|&h| !below[h] && !above[h])
            .collect();
        let wanted_set: BTreeSet<RevisionIdx> = wanted.iter().copied().collect();
        for &w in &wanted_set {
            let under_another = wanted_set
                .iter()
                .any(|&other| other != w && self.graph.ancestors_of(&[other])[w]);
            if !under_another {
                heads.insert(w);
            }
        }
        heads
    }
}
