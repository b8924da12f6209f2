//! The online forms of typed operations: what a change to a table that
//! already holds rows runs as, so that the application's reads and writes
//! are not held up while it runs.
//!
//! Which operations act on such a table is the migrator's to say (it
//! replays the history: [`Online::on_rows`]); this module writes the SQL.
//! A migration that calls [`Migration::blocking_ddl`] runs as written.

use super::RenderError;
use super::operation::{Rendered, Renderer};
use super::sql::ident;
use super::statement::Statement;
use crate::Backend;
use crate::ops::{AlterColumn, ConstraintKind, Index, IndexPart, Migration, Operation};

/// What lets the typed operations of one plan take their online forms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Online {
    /// For each operation of the plan, whether the table it acts on held
    /// rows before the migration (it was there, and the plan did not
    /// create it).
    pub on_rows: Vec<bool>,
    /// The PostgreSQL major version the database runs (12 lets a valid
    /// `CHECK` prove `NOT NULL`).
    pub postgres_version: u32,
}

/// The online form an operation takes on a table that holds rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OnlineForm {
    /// PostgreSQL: `CREATE INDEX CONCURRENTLY` or `DROP INDEX
    /// CONCURRENTLY`, outside the transaction; an INVALID index a failed
    /// build leaves is dropped before it runs again.
    Concurrently,
    /// PostgreSQL: the foreign key or check added `NOT VALID` (a brief
    /// lock), then `VALIDATE CONSTRAINT` in a transaction of its own, which
    /// lets reads and writes go on while rows are checked.
    NotValidThenValidate,
    /// PostgreSQL: the unique or primary-key index built `CONCURRENTLY`,
    /// then the constraint added `USING INDEX` (a brief lock).
    UsingIndex,
    /// PostgreSQL 12+: `CHECK (column IS NOT NULL) NOT VALID`, `VALIDATE`
    /// on its own, then `SET NOT NULL` (proved by the check, no scan) and
    /// the check dropped.
    NotNullViaCheck,
    /// MySQL/MariaDB: `ALGORITHM=INPLACE, LOCK=NONE` on an index build or
    /// drop, so writes go on; a server that cannot says so and runs
    /// nothing.
    LockNone,
}

impl OnlineForm {
    /// The form `op` takes on `backend` when its table holds rows, if it
    /// has one.
    pub fn of(op: &Operation, backend: Backend, postgres_version: u32) -> Option<Self> {
        match (backend, op) {
            (Backend::Postgres, Operation::CreateIndex(index)) if !index.concurrently => {
                Some(Self::Concurrently)
            }
            (Backend::Postgres, Operation::DropIndex { index, .. })
                if !index.definition().is_some_and(|ix| ix.concurrently) =>
            {
                Some(Self::Concurrently)
            }
            (Backend::Postgres, Operation::AddConstraint { constraint, .. }) => {
                match constraint.kind {
                    ConstraintKind::ForeignKey(_) | ConstraintKind::Check(_)
                        if !constraint.not_valid =>
                    {
                        Some(Self::NotValidThenValidate)
                    }
                    ConstraintKind::Unique(_) | ConstraintKind::PrimaryKey(_)
                        if !constraint.name.is_empty() =>
                    {
                        Some(Self::UsingIndex)
                    }
                    _ => None,
                }
            }
            (Backend::Postgres, Operation::AlterColumn(alter))
                if alter.nullable == Some(false) && postgres_version >= 12 =>
            {
                Some(Self::NotNullViaCheck)
            }
            (Backend::MySql, Operation::CreateIndex(index))
                if index
                    .parts
                    .iter()
                    .all(|part| matches!(part, IndexPart::Column(_))) =>
            {
                Some(Self::LockNone)
            }
            (Backend::MySql, Operation::DropIndex { .. }) => Some(Self::LockNone),
            _ => None,
        }
    }

    /// What the form runs, in words, for `--help`-like listings and docs.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Concurrently => "CONCURRENTLY, outside the transaction",
            Self::NotValidThenValidate => "NOT VALID, then VALIDATE in its own transaction",
            Self::UsingIndex => {
                "a unique index built CONCURRENTLY, then ADD CONSTRAINT USING INDEX"
            }
            Self::NotNullViaCheck => {
                "CHECK (column IS NOT NULL) NOT VALID, VALIDATE, SET NOT NULL, the check dropped"
            }
            Self::LockNone => "ALGORITHM=INPLACE, LOCK=NONE",
        }
    }
}

/// The table an operation with an online form acts on.
pub fn acted_on(op: &Operation) -> Option<&str> {
    match op {
        Operation::CreateIndex(index) => Some(&index.table),
        Operation::DropIndex { table, .. } | Operation::AddConstraint { table, .. } => Some(table),
        Operation::AlterColumn(alter) => Some(&alter.table),
        _ => None,
    }
}

impl Online {
    /// The form operation `op` of `plan` takes on `backend`: none when the
    /// plan runs as written or the table is new.
    pub fn form(&self, plan: &Migration, op: usize, backend: Backend) -> Option<OnlineForm> {
        if plan.is_blocking_ddl() || !self.on_rows.get(op).copied().unwrap_or(false) {
            return None;
        }
        OnlineForm::of(plan.operations().get(op)?, backend, self.postgres_version)
    }
}

/// The name of the check that proves `column` `NOT NULL` while it is set:
/// readable where it fits PostgreSQL's 63 bytes, else a digest.
fn not_null_check(table: &str, column: &str) -> String {
    let readable = format!("migrate_nn_{table}_{column}");
    if readable.len() <= 63 {
        return readable;
    }
    let digest = super::checksum::digest(&format!("{table}\0{column}"));
    format!("migrate_nn_{}", &digest[..16])
}

impl Renderer<'_> {
    /// The statements of this operation in its online `form`.
    pub(super) fn online(&self, form: OnlineForm) -> Result<Vec<Statement>, RenderError> {
        let b = self.backend;
        let tx = |sql: String| Statement::sql(sql, self.op);
        let alone = |sql: String| Statement {
            transactional: false,
            ..Statement::sql(sql, self.op)
        };
        let sql = |rendered: Rendered| match rendered {
            Rendered::Sql(statements) => statements,
            // PostgreSQL and MySQL render these operations as plain SQL.
            Rendered::Statements(_) | Rendered::Changes { .. } => Vec::new(),
        };
        let validate = |table: &str, name: &str| {
            alone(format!(
                "ALTER TABLE {} VALIDATE CONSTRAINT {}",
                ident(b, table),
                ident(b, name)
            ))
        };
        Ok(match (form, self.operation) {
            (OnlineForm::Concurrently, Operation::CreateIndex(index)) => {
                let index = Index {
                    concurrently: true,
                    ..index.clone()
                };
                vec![alone(self.create_index(&index)?)]
            }
            (
                OnlineForm::Concurrently,
                Operation::DropIndex {
                    index, if_exists, ..
                },
            ) => vec![alone(format!(
                "DROP INDEX CONCURRENTLY {}{}",
                if *if_exists { "IF EXISTS " } else { "" },
                ident(b, index.name())
            ))],
            (OnlineForm::NotValidThenValidate, Operation::AddConstraint { table, constraint }) => {
                let mut constraint = constraint.clone();
                constraint.not_valid = true;
                let mut out: Vec<Statement> = sql(self.add_constraint(table, &constraint)?)
                    .into_iter()
                    .map(tx)
                    .collect();
                out.push(validate(table, constraint.name.as_str()));
                out
            }
            (OnlineForm::UsingIndex, Operation::AddConstraint { table, constraint }) => {
                let (columns, kind) = match &constraint.kind {
                    ConstraintKind::Unique(columns) => (columns, "UNIQUE"),
                    ConstraintKind::PrimaryKey(columns) => (columns, "PRIMARY KEY"),
                    _ => {
                        return Err(
                            self.invalid("only a unique or primary key is added USING INDEX")
                        );
                    }
                };
                let name = ident(b, constraint.name.as_str());
                let columns: Vec<String> = columns.iter().map(|c| ident(b, c)).collect();
                vec![
                    alone(format!(
                        "CREATE UNIQUE INDEX CONCURRENTLY {name} ON {} ({})",
                        ident(b, table),
                        columns.join(", ")
                    )),
                    tx(format!(
                        "ALTER TABLE {} ADD CONSTRAINT {name} {kind} USING INDEX {name}",
                        ident(b, table)
                    )),
                ]
            }
            (OnlineForm::NotNullViaCheck, Operation::AlterColumn(alter)) => {
                self.not_null_via_check(alter)?
            }
            (OnlineForm::LockNone, Operation::CreateIndex(index)) => {
                vec![tx(format!(
                    "{} ALGORITHM=INPLACE LOCK=NONE",
                    self.create_index(index)?
                ))]
            }
            // MariaDB's DROP INDEX takes no lock clause; ALTER TABLE does.
            (
                OnlineForm::LockNone,
                Operation::DropIndex {
                    table,
                    index,
                    if_exists,
                },
            ) => vec![tx(format!(
                "ALTER TABLE {} DROP INDEX {}{}, ALGORITHM=INPLACE, LOCK=NONE",
                ident(b, table),
                if *if_exists { "IF EXISTS " } else { "" },
                ident(b, index.name())
            ))],
            _ => return Err(self.invalid(format!("no online form {form:?} for this operation"))),
        })
    }

    /// `SET NOT NULL` proved by a validated check, so that the lock it
    /// takes is brief: the other changes of `alter` first, as written.
    fn not_null_via_check(&self, alter: &AlterColumn) -> Result<Vec<Statement>, RenderError> {
        let b = self.backend;
        let others = AlterColumn {
            nullable: None,
            ..alter.clone()
        };
        let mut out: Vec<Statement> = self
            .alter_column_postgres(&others)?
            .into_iter()
            .map(|sql| Statement::sql(sql, self.op))
            .collect();
        let column = alter.rename.as_deref().unwrap_or(&alter.column);
        let check = not_null_check(&alter.table, column);
        let (table, column, check) = (ident(b, &alter.table), ident(b, column), ident(b, &check));
        out.push(Statement::sql(
            format!(
                "ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID"
            ),
            self.op,
        ));
        out.push(Statement {
            transactional: false,
            ..Statement::sql(
                format!("ALTER TABLE {table} VALIDATE CONSTRAINT {check}"),
                self.op,
            )
        });
        out.push(Statement::sql(
            format!("ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL"),
            self.op,
        ));
        out.push(Statement::sql(
            format!("ALTER TABLE {table} DROP CONSTRAINT {check}"),
            self.op,
        ));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{AlterColumn, Constraint, ForeignKey, Index};
    use crate::render::render_online;

    /// `plan`'s statements on `backend` with every table holding rows:
    /// (transactional, sql) each.
    fn online(backend: Backend, plan: fn(&mut Migration)) -> Vec<(bool, String)> {
        let mut m = Migration::new().for_backend(backend);
        plan(&mut m);
        let online = Online {
            on_rows: vec![true; m.operations().len()],
            postgres_version: 13,
        };
        render_online(&m, backend, &online)
            .unwrap()
            .into_iter()
            .map(|s| (s.transactional, s.sql))
            .collect()
    }

    fn pg(plan: fn(&mut Migration)) -> Vec<(bool, String)> {
        online(Backend::Postgres, plan)
    }

    fn tx(sql: &str) -> (bool, String) {
        (true, sql.to_owned())
    }

    fn alone(sql: &str) -> (bool, String) {
        (false, sql.to_owned())
    }

    #[test]
    fn indexes_are_built_and_dropped_concurrently() {
        assert_eq!(
            pg(|m| {
                m.create_index(Index::new("ix_users_email").on("users", ["email"]).unique());
                m.drop_index("users", "ix_users_name");
                m.drop_index_if_exists("users", "ix_users_old");
            }),
            [
                alone(r#"CREATE UNIQUE INDEX CONCURRENTLY "ix_users_email" ON "users" ("email")"#),
                alone(r#"DROP INDEX CONCURRENTLY "ix_users_name""#),
                alone(r#"DROP INDEX CONCURRENTLY IF EXISTS "ix_users_old""#),
            ]
        );
    }

    #[test]
    fn foreign_keys_and_checks_are_validated_on_their_own() {
        assert_eq!(
            pg(|m| {
                m.add_constraint(
                    "posts",
                    ForeignKey::new("fk_posts_user", ["user_id"], "users", ["id"]).into(),
                );
                m.add_constraint("users", Constraint::check("ck_age", "age >= 0"));
            }),
            [
                tx(
                    r#"ALTER TABLE "posts" ADD CONSTRAINT "fk_posts_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") NOT VALID"#
                ),
                alone(r#"ALTER TABLE "posts" VALIDATE CONSTRAINT "fk_posts_user""#),
                tx(r#"ALTER TABLE "users" ADD CONSTRAINT "ck_age" CHECK (age >= 0) NOT VALID"#),
                alone(r#"ALTER TABLE "users" VALIDATE CONSTRAINT "ck_age""#),
            ]
        );
    }

    #[test]
    fn unique_and_primary_keys_take_an_index_built_concurrently() {
        assert_eq!(
            pg(|m| {
                m.add_constraint("users", Constraint::unique("uq_users_email", ["email"]));
                m.add_constraint("events", Constraint::primary_key("pk_events", ["id"]));
            }),
            [
                alone(r#"CREATE UNIQUE INDEX CONCURRENTLY "uq_users_email" ON "users" ("email")"#),
                tx(
                    r#"ALTER TABLE "users" ADD CONSTRAINT "uq_users_email" UNIQUE USING INDEX "uq_users_email""#
                ),
                alone(r#"CREATE UNIQUE INDEX CONCURRENTLY "pk_events" ON "events" ("id")"#),
                tx(
                    r#"ALTER TABLE "events" ADD CONSTRAINT "pk_events" PRIMARY KEY USING INDEX "pk_events""#
                ),
            ]
        );
    }

    #[test]
    fn set_not_null_is_proved_by_a_validated_check() {
        assert_eq!(
            pg(|m| {
                m.alter_column(
                    AlterColumn::new("users", "name")
                        .set_not_null()
                        .rename_to("full_name"),
                );
            }),
            [
                tx(r#"ALTER TABLE "users" RENAME COLUMN "name" TO "full_name""#),
                tx(
                    r#"ALTER TABLE "users" ADD CONSTRAINT "migrate_nn_users_full_name" CHECK ("full_name" IS NOT NULL) NOT VALID"#
                ),
                alone(r#"ALTER TABLE "users" VALIDATE CONSTRAINT "migrate_nn_users_full_name""#),
                tx(r#"ALTER TABLE "users" ALTER COLUMN "full_name" SET NOT NULL"#),
                tx(r#"ALTER TABLE "users" DROP CONSTRAINT "migrate_nn_users_full_name""#),
            ]
        );
        // A long name fits PostgreSQL's 63 bytes as a digest.
        let name = not_null_check(&"t".repeat(40), &"c".repeat(40));
        assert!(
            name.starts_with("migrate_nn_") && name.len() == 27,
            "{name}"
        );
        // Before PostgreSQL 12 the check would not spare the scan.
        let op = Operation::AlterColumn(AlterColumn::new("users", "name").set_not_null());
        assert_eq!(OnlineForm::of(&op, Backend::Postgres, 11), None);
    }

    #[test]
    fn mysql_asks_for_lock_none_and_sqlite_has_no_online_forms() {
        let plan = |m: &mut Migration| {
            m.create_index(Index::new("ix_users_email").on("users", ["email"]));
            m.drop_index("users", "ix_users_name");
            m.add_constraint("users", Constraint::check("ck_age", "age >= 0"));
        };
        assert_eq!(
            online(Backend::MySql, plan),
            [
                tx(
                    "CREATE INDEX `ix_users_email` ON `users` (`email`) ALGORITHM=INPLACE LOCK=NONE"
                ),
                tx("ALTER TABLE `users` DROP INDEX `ix_users_name`, ALGORITHM=INPLACE, LOCK=NONE"),
                tx("ALTER TABLE `users` ADD CONSTRAINT `ck_age` CHECK (age >= 0)"),
            ]
        );
        let mut m = Migration::new().for_backend(Backend::Sqlite);
        plan(&mut m);
        let all = Online {
            on_rows: vec![true; 3],
            postgres_version: 13,
        };
        assert_eq!(
            render_online(&m, Backend::Sqlite, &all).unwrap(),
            super::super::render(&m, Backend::Sqlite).unwrap()
        );
    }

    #[test]
    fn a_migration_that_runs_as_written_keeps_its_plain_form() {
        let mut m = Migration::new().for_backend(Backend::Postgres);
        m.blocking_ddl();
        m.create_index(Index::new("ix_users_email").on("users", ["email"]));
        let all = Online {
            on_rows: vec![true],
            postgres_version: 13,
        };
        let statements = render_online(&m, Backend::Postgres, &all).unwrap();
        assert_eq!(
            statements[0].sql,
            r#"CREATE INDEX "ix_users_email" ON "users" ("email")"#
        );
        assert!(statements[0].transactional);
    }
}
