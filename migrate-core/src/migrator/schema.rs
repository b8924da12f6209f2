//! The schema a history builds, without a database: the upgrade plans of
//! every revision up to a target, replayed in order.

use std::fmt::Write as _;

use super::offline::offline_sql;
use super::{CheckProblem, Migrator, PlanError};
use crate::graph::RevisionIdx;
use crate::schema::{Replay, Schema};
use crate::{Backend, Direction, Error};

impl Migrator {
    /// The schema on `backend` once `revisions` and everything they need
    /// are applied, from base: each upgrade plan, in topological order,
    /// replayed into the model introspection reads. No database is read.
    ///
    /// ```
    /// # fn demo(migrator: &migrate_core::Migrator) -> Result<(), migrate_core::Error> {
    /// use migrate_core::Backend;
    ///
    /// let replay = migrator.schema_at(migrator.graph().heads(), Backend::Sqlite)?;
    /// if !replay.uncertain().is_empty() {
    ///     println!("not certain: {}", replay.uncertain());
    /// }
    /// println!("{}", replay.schema());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// A plan that cannot be recorded, and [`PlanError::Replay`] for an
    /// operation the schema before it cannot take, with the revision.
    pub fn schema_at(
        &self,
        revisions: &[RevisionIdx],
        backend: Backend,
    ) -> Result<Replay, PlanError> {
        let graph = self.graph();
        let wanted = graph.ancestors_of(revisions);
        let mut replay = Replay::new(Schema::new(backend));
        for &index in graph.topo_order() {
            if !wanted[index] {
                continue;
            }
            let plan = self.plan(index, Direction::Upgrade, backend)?;
            replay.plan(&plan).map_err(|error| {
                let revision = graph.revision(index);
                PlanError::Replay {
                    revision: revision.id.clone(),
                    location: revision.location.clone(),
                    backend,
                    error,
                }
            })?;
        }
        Ok(replay)
    }
}

/// The first line of a script [`Migrator::schema_script`] writes, up to the
/// backend.
const SCRIPT_HEADER: &str = "-- migrate: the schema on ";

impl Migrator {
    /// The SQL that creates the schema `revisions` build on `backend`, from
    /// an empty database: what `migrate schema --format sql` prints, for a
    /// team to commit and review like Rails' `structure.sql`. The header
    /// names the backend and the revisions, and what the replay is not
    /// sure of (tables raw SQL touched); the rest is the statements of
    /// [`Schema::create_plan`], each ending in `;`. The same history gives
    /// the same text, byte for byte.
    ///
    /// # Errors
    ///
    /// What [`schema_at`](Self::schema_at) returns, and a plan that does
    /// not render on `backend`.
    pub fn schema_script(
        &self,
        revisions: &[RevisionIdx],
        backend: Backend,
    ) -> Result<String, Error> {
        let replay = self.schema_at(revisions, backend)?;
        let graph = self.graph();
        let mut ids: Vec<&str> = revisions
            .iter()
            .map(|&i| graph.revision(i).id.as_str())
            .collect();
        ids.sort_unstable();
        let at = if ids.is_empty() {
            "base".to_owned()
        } else {
            ids.join(", ")
        };
        let mut out = format!(
            "{SCRIPT_HEADER}{backend} at {at}, replayed from the migrations\n\
             -- written by `schema --format sql`: edit the migrations, not this file\n"
        );
        let uncertain = replay.uncertain();
        if !uncertain.is_empty() {
            let _ = writeln!(
                out,
                "{}; these are as the typed operations leave them",
                crate::text::sql_comment(&format!("not certain: {uncertain}"))
            );
        }
        let plan = replay.into_schema().create_plan();
        let statements =
            crate::render::render(&plan, backend).map_err(|source| PlanError::SchemaSql {
                backend,
                source: Box::new(source),
            })?;
        for statement in statements {
            let sql = offline_sql(backend, &statement)
                .expect("a create plan is plain statements on every backend");
            let _ = write!(out, "\n{sql};\n");
        }
        Ok(out)
    }

    /// Whether `snapshot`, a script [`schema_script`](Self::schema_script)
    /// wrote at the heads, is still what the migrations build. `None` when
    /// it is; otherwise the problem, naming `path` and the first line that
    /// differs.
    ///
    /// # Errors
    ///
    /// What `schema_script` returns.
    pub fn check_schema_snapshot(
        &self,
        path: &str,
        snapshot: &str,
    ) -> Result<Option<CheckProblem>, Error> {
        let backend = snapshot
            .strip_prefix(SCRIPT_HEADER)
            .and_then(|rest| rest.split_once(' '))
            .and_then(|(backend, _)| Backend::from_url(&format!("{backend}:")));
        let Some(backend) = backend else {
            return Ok(Some(CheckProblem::StaleSchemaSnapshot {
                path: path.to_owned(),
                backend: None,
                line: 1,
            }));
        };
        let heads = self.graph().heads().to_vec();
        let current = self.schema_script(&heads, backend)?;
        if current == snapshot {
            return Ok(None);
        }
        let line = current
            .lines()
            .zip(snapshot.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| current.lines().count().min(snapshot.lines().count()))
            + 1;
        Ok(Some(CheckProblem::StaleSchemaSnapshot {
            path: path.to_owned(),
            backend: Some(backend),
            line,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::registration;
    use super::*;
    use crate::ops::{Column, Migration, Table};

    fn users(m: &mut Migration) {
        m.create_table(Table::new("users").column(Column::new("id").integer().primary_key()));
    }

    fn email(m: &mut Migration) {
        m.add_column("users", Column::new("email").string(100));
    }

    fn email_again(m: &mut Migration) {
        m.add_column("users", Column::new("email").text());
    }

    fn opaque(m: &mut Migration) {
        m.execute("CREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql");
    }

    fn add_z_by_hand(m: &mut Migration) {
        // sqlparser reads it, but a generated column has no typed
        // operation: `users` becomes uncertain.
        m.execute("ALTER TABLE users ADD COLUMN z integer GENERATED ALWAYS AS (id * 2) VIRTUAL");
    }

    fn checked_age(m: &mut Migration) {
        m.add_column("users", Column::new("age").integer().nullable());
        m.create_check_constraint("users", "ck_users_age", "age >= 0");
    }

    fn migrator(registrations: Vec<&'static crate::Registration>) -> Migrator {
        Migrator::new(registrations).expect("valid graph")
    }

    #[test]
    fn the_schema_at_a_revision_holds_what_it_and_its_ancestors_build() {
        let m = migrator(vec![
            registration("aaaa1111", &[], users, None),
            registration("bbbb1111", &["aaaa1111"], email, None),
        ]);
        let graph = m.graph();
        let first = graph.index_of("aaaa1111").unwrap();
        let at_first = m.schema_at(&[first], Backend::Postgres).unwrap().schema();
        assert_eq!(at_first.table("users").unwrap().columns.len(), 1);
        let at_heads = m
            .schema_at(graph.heads(), Backend::Postgres)
            .unwrap()
            .schema();
        assert!(at_heads.table("users").unwrap().column("email").is_some());
        assert!(
            m.schema_at(&[], Backend::Postgres)
                .unwrap()
                .schema()
                .tables
                .is_empty()
        );
    }

    #[test]
    fn a_plan_the_schema_cannot_take_names_its_revision() {
        let m = migrator(vec![
            registration("aaaa1111", &[], users, None),
            registration("bbbb1111", &["aaaa1111"], email, None),
            registration("cccc1111", &["bbbb1111"], email_again, None),
        ]);
        let error = m.schema_at(m.graph().heads(), Backend::Sqlite).unwrap_err();
        assert_eq!(
            error.to_string(),
            "revision cccc1111 does not fit the schema before it on sqlite: add_column users.email: column `users.email` exists; the schema is the one the migrations before it build, replayed without a database; fix the operation in fixtures (fixtures.rs:1)"
        );
    }

    #[test]
    fn the_script_is_stable_and_says_what_it_is_not_sure_of() {
        let m = migrator(vec![
            registration("aaaa1111", &[], users, None),
            registration("bbbb1111", &["aaaa1111"], opaque, None),
        ]);
        let heads = m.graph().heads().to_vec();
        let script = m.schema_script(&heads, Backend::Postgres).unwrap();
        assert_eq!(
            script,
            "-- migrate: the schema on postgres at bbbb1111, replayed from the migrations\n\
             -- written by `schema --format sql`: edit the migrations, not this file\n\
             -- not certain: raw SQL the replay could not place: the whole schema; these are as the typed operations leave them\n\
             \n\
             CREATE TABLE \"users\" (\"id\" integer NOT NULL PRIMARY KEY);\n"
        );
        assert_eq!(m.schema_script(&heads, Backend::Postgres).unwrap(), script);
        assert_eq!(
            m.check_schema_snapshot("schema.sql", &script).unwrap(),
            None
        );
        let stale = script.replace("integer", "bigint");
        let problem = m
            .check_schema_snapshot("schema.sql", &stale)
            .unwrap()
            .unwrap();
        assert_eq!(
            problem.to_string(),
            "schema.sql is stale: the migrations build another schema on postgres (line 5 differs); write it again with `schema --format sql --backend postgres > schema.sql` and commit it with the migration"
        );
        let problem = m
            .check_schema_snapshot("schema.sql", "CREATE TABLE t (x int);\n")
            .unwrap()
            .unwrap();
        assert!(
            problem
                .to_string()
                .starts_with("schema.sql is not a schema snapshot"),
            "{problem}"
        );
    }

    #[test]
    fn an_offline_sqlite_rebuild_is_derived_from_the_replay_unless_raw_sql_blurred_the_table() {
        use crate::driver::Direction;
        use crate::graph::Target;

        let m = migrator(vec![
            registration("aaaa1111", &[], users, None),
            registration("bbbb1111", &["aaaa1111"], checked_age, None),
        ]);
        let script = m
            .offline_script(Backend::Sqlite, Direction::Upgrade, &[], &Target::Head)
            .unwrap();
        assert!(
            script.contains("PRAGMA foreign_keys = OFF;\nBEGIN;\nALTER TABLE \"users\" ADD COLUMN \"age\" integer NULL;\nCREATE TABLE \"_migrate_new_users\" ("),
            "{script}"
        );
        assert!(
            script.contains("CONSTRAINT \"ck_users_age\" CHECK (age >= 0)"),
            "{script}"
        );

        let m = migrator(vec![
            registration("aaaa1111", &[], users, None),
            registration("bbbb1111", &["aaaa1111"], add_z_by_hand, None),
            registration("cccc1111", &["bbbb1111"], checked_age, None),
        ]);
        let error = m
            .offline_script(Backend::Sqlite, Direction::Upgrade, &[], &Target::Head)
            .unwrap_err();
        assert!(
            error.to_string().starts_with("revision cccc1111: statement 2 (add_constraint ck_users_age on users) cannot be rendered offline on sqlite: its SQL is derived from the table's definition, which raw SQL before it changed in ways the replay cannot follow"),
            "{error}"
        );
    }
}
