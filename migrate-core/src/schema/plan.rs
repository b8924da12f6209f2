//! The typed operations that turn one schema into another: what
//! autogenerate writes, from the schema the migrations build (replayed) to
//! the schema the models declare.
//!
//! Each [`Change`] of [`Schema::diff`] becomes operations, placed so that
//! every one of them can run where it is: foreign keys are dropped first and
//! added last, views dropped before and made after the tables they read,
//! new tables are created referenced ones first ([`Schema::create_plan`] of
//! the new tables alone), indexes come before the foreign keys they serve
//! (MySQL would make its own otherwise), and columns and tables are dropped
//! once nothing uses them. Drops carry their definitions, so the plan
//! reverses into its downgrade. What has no safe typed operation (a
//! primary key or identity that changes, an enum value removed, a
//! constraint the database named without telling) is left out and named in
//! [`Planned::unplanned`], for a person to write.

use super::diff::{Change, ConstraintDef};
use super::model::{Schema, Table};
use crate::Backend;
use crate::naming::{Kind as Naming, columns_read, postgres_name};
use crate::ops::{self, AddEnumValue, AlterColumn, Constraint, Dropped, Operation, RawSql};
use crate::render::sql::ident;

/// What [`Schema::plan_to`] gives.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The operations, in an order every backend can run.
    pub migration: ops::Migration,
    /// The differences it has no operation for, one line each, saying what
    /// to write by hand.
    pub unplanned: Vec<String>,
}

/// Why an enum's values that changed on SQLite are not planned.
const SQLITE_ENUM: &str = "SQLite keeps an enum as a check on each column, which the database named itself: write `add_enum_value` naming the columns, by hand";

/// Whether `constraint` is SQLite's unnamed check of an enum column
/// (`col in ('a', 'b')`).
fn sqlite_enum_check(b: Backend, constraint: &ConstraintDef) -> bool {
    matches!(constraint, ConstraintDef::Check(c) if b == Backend::Sqlite && c.name.is_none() && c.expr.contains(" in "))
}

/// MySQL: the indexes that foreign keys added or dropped by `changes` make
/// or drop themselves: an index named after a named key, over its columns,
/// added or dropped with it.
fn own_indexes(b: Backend, changes: &[Change]) -> Vec<(String, String)> {
    if b != Backend::MySql {
        return Vec::new();
    }
    let key = |change: &Change| match change {
        Change::AddConstraint {
            table,
            constraint: ConstraintDef::ForeignKey(fk),
        }
        | Change::DropConstraint {
            table,
            constraint: ConstraintDef::ForeignKey(fk),
        } => fk
            .name
            .clone()
            .map(|name| (table.clone(), name, fk.columns.clone())),
        _ => None,
    };
    let keys: Vec<(String, String, Vec<String>)> = changes.iter().filter_map(key).collect();
    let own = |table: &str, index: &super::model::Index| {
        keys.iter().any(|(t, name, columns)| {
            t == table
                && *name == index.name
                && !index.unique
                && index.parts
                    == columns
                        .iter()
                        .cloned()
                        .map(super::model::IndexPart::Column)
                        .collect::<Vec<_>>()
        })
    };
    changes
        .iter()
        .filter_map(|change| match change {
            Change::AddIndex { table, index } | Change::DropIndex { table, index }
                if own(table, index) =>
            {
                Some((table.clone(), index.name.clone()))
            }
            _ => None,
        })
        .collect()
}

impl Stages {
    fn owned(&self, table: &str, index: &str) -> bool {
        self.own_indexes
            .iter()
            .any(|(t, i)| t == table && i == index)
    }
}

/// The operations of a plan, by the stage they run in.
#[derive(Default)]
struct Stages {
    /// MySQL: the indexes (table, name) a foreign key the plan adds or
    /// drops makes or drops itself, named after it.
    own_indexes: Vec<(String, String)>,
    /// SQLite: tables whose unnamed enum check (`col in (..)`) goes away.
    enum_checks_dropped: Vec<String>,
    drop_keys: Vec<Operation>,
    drop_views: Vec<Operation>,
    drop_indexes: Vec<Operation>,
    drop_constraints: Vec<Operation>,
    enums: Vec<Operation>,
    new_tables: Vec<Table>,
    add_columns: Vec<Operation>,
    alter_columns: Vec<Operation>,
    add_constraints: Vec<Operation>,
    /// MySQL: foreign keys that make their own index, before the indexes
    /// that would serve them instead.
    own_index_keys: Vec<Operation>,
    add_indexes: Vec<Operation>,
    drop_columns: Vec<Operation>,
    /// Tables to drop, as the schema has them.
    drop_tables: Vec<Table>,
    drop_enums: Vec<Operation>,
    add_keys: Vec<Operation>,
    add_views: Vec<Operation>,
}

impl Schema {
    /// The operations that turn this schema into `target`, on this
    /// schema's backend. Replaying this schema's plan and then these gives
    /// `target` (tested on every backend), save what
    /// [`Planned::unplanned`] names.
    ///
    /// ```
    /// use migrate_core::Backend;
    /// use migrate_core::ops::{Column, Migration, Table};
    /// use migrate_core::schema::{Replay, Schema};
    ///
    /// let mut models = Migration::new().for_backend(Backend::Postgres);
    /// models.create_table(Table::new("users").column(Column::new("id").integer().primary_key()));
    /// let mut replay = Replay::new(Schema::new(Backend::Postgres));
    /// replay.plan(&models).unwrap();
    ///
    /// let planned = Schema::new(Backend::Postgres).plan_to(&replay.schema());
    /// assert_eq!(planned.migration.operations()[0].describe(), "create_table users");
    /// assert!(planned.unplanned.is_empty());
    /// ```
    pub fn plan_to(&self, target: &Schema) -> Planned {
        let changes = self.diff(target).changes;
        let enum_checks_dropped = changes
            .iter()
            .filter_map(|change| match change {
                Change::DropConstraint { table, constraint }
                    if sqlite_enum_check(self.backend, constraint) =>
                {
                    Some(table.clone())
                }
                _ => None,
            })
            .collect();
        let mut stages = Stages {
            own_indexes: own_indexes(self.backend, &changes),
            enum_checks_dropped,
            ..Stages::default()
        };
        let mut unplanned = Vec::new();
        for change in changes {
            if let Err(why) = self.stage(target, &change, &mut stages) {
                let line = change.lines().join("; ");
                unplanned.push(format!("{line}: {why}"));
            }
        }
        Planned {
            migration: self.assemble(target, stages),
            unplanned,
        }
    }

    /// Puts the operations of one change in their stages, or says why it
    /// has none.
    fn stage(&self, target: &Schema, change: &Change, s: &mut Stages) -> Result<(), String> {
        let b = self.backend;
        let table_of = |schema: &'_ Schema, name: &str| -> Result<Table, String> {
            schema
                .table(name)
                .cloned()
                .ok_or_else(|| format!("no table `{name}`"))
        };
        match change {
            Change::AddEnum(e) => s.enums.push(Operation::CreateEnum(ops::Enum::new(
                e.name.clone(),
                e.values.clone(),
            ))),
            Change::AlterEnum { from, to } => {
                let Some(added) = to.values.strip_prefix(from.values.as_slice()) else {
                    return Err(format!(
                        "PostgreSQL cannot remove or reorder the values of `{}`: write the step by hand (a new type, the columns moved to it)",
                        from.name
                    ));
                };
                let mut before = ops::Enum::new(from.name.clone(), from.values.clone());
                for value in added {
                    s.enums.push(Operation::AddEnumValue(AddEnumValue::new(
                        before.clone(),
                        value,
                    )));
                    before = before.with_value(value.clone());
                }
            }
            Change::DropEnum(e) => s.drop_enums.push(Operation::DropEnum {
                definition: Dropped::Definition(ops::Enum::new(e.name.clone(), e.values.clone())),
                if_exists: false,
            }),
            Change::AddTable(table) => s.new_tables.push(table.clone()),
            Change::DropTable(table) => s.drop_tables.push(table.clone()),
            Change::AlterTableComment { .. } => {
                return Err("a table comment has no operation yet: write it as raw SQL".into());
            }
            Change::AddColumn { table, column } => {
                let t = table_of(target, table)?;
                s.add_columns.push(Operation::AddColumn {
                    table: table.clone(),
                    column: target.column(&t, column),
                    if_not_exists: false,
                });
            }
            Change::DropColumn { table, column } => {
                let t = table_of(self, table)?;
                s.drop_columns.push(Operation::DropColumn {
                    table: table.clone(),
                    column: Dropped::Definition(self.column(&t, column)),
                });
            }
            Change::AlterColumn { table, from, to } => {
                if from.identity != to.identity {
                    return Err("an identity column made or unmade: write the step by hand".into());
                }
                let before = self.column(&table_of(self, table)?, from);
                let after = target.column(&table_of(target, table)?, to);
                let mut alter = AlterColumn::new(table.clone(), from.name.clone());
                if from.ty != to.ty {
                    alter = alter.set_type(after.ty.clone().unwrap_or(ops::ColumnType::Text));
                }
                if from.nullable != to.nullable {
                    alter.nullable = Some(to.nullable);
                }
                if from.default != to.default {
                    alter.default = Some(after.default.clone());
                }
                if from.comment != to.comment {
                    alter.comment = Some(to.comment.clone());
                }
                s.alter_columns
                    .push(Operation::AlterColumn(alter.existing(before)));
            }
            Change::AlterPrimaryKey { .. } => {
                return Err("a primary key that changes: write the step by hand".into());
            }
            Change::AddIndex { table, index } if s.owned(table, &index.name) => {}
            Change::DropIndex { table, index } if s.owned(table, &index.name) => {}
            Change::AddIndex { table, index } => {
                let t = table_of(target, table)?;
                s.add_indexes
                    .push(Operation::CreateIndex(target.index(&t, index)));
            }
            Change::DropIndex { table, index } => {
                let t = table_of(self, table)?;
                s.drop_indexes.push(Operation::DropIndex {
                    table: table.clone(),
                    index: Dropped::Definition(self.index(&t, index)),
                    if_exists: false,
                });
            }
            Change::AlterIndex { table, from, to } => {
                let (old, new) = (table_of(self, table)?, table_of(target, table)?);
                s.drop_indexes.push(Operation::DropIndex {
                    table: table.clone(),
                    index: Dropped::Definition(self.index(&old, from)),
                    if_exists: false,
                });
                s.add_indexes
                    .push(Operation::CreateIndex(target.index(&new, to)));
            }
            // The other half of an enum's check that cannot be dropped.
            Change::AddConstraint { table, constraint }
                if sqlite_enum_check(b, constraint) && s.enum_checks_dropped.contains(table) =>
            {
                return Err(SQLITE_ENUM.to_owned());
            }
            Change::AddConstraint { table, constraint } => {
                self.add_constraint(table, constraint, s);
            }
            Change::DropConstraint { table, constraint } => {
                self.drop_constraint(table, constraint, s)?;
            }
            Change::AlterConstraint { table, from, to } => {
                self.drop_constraint(table, from, s)?;
                self.add_constraint(table, to, s);
            }
            Change::AddView(view) => s.add_views.push(self.view(&view.name, &view.definition)),
            Change::DropView(view) => s
                .drop_views
                .push(self.drop_view(&view.name, &view.definition)),
            Change::AlterView { from, to } => {
                s.drop_views
                    .push(self.drop_view(&from.name, &from.definition));
                s.add_views.push(self.view(&to.name, &to.definition));
            }
        }
        Ok(())
    }

    fn add_constraint(&self, table: &str, constraint: &ConstraintDef, s: &mut Stages) {
        let add = |constraint: Constraint| Operation::AddConstraint {
            table: table.to_owned(),
            constraint,
        };
        match constraint {
            ConstraintDef::Unique(u) => s.add_constraints.push(add(Constraint::unique(
                super::create::name(&u.name),
                u.columns.clone(),
            ))),
            ConstraintDef::Check(c) => s.add_constraints.push(add(Constraint::check(
                super::create::name(&c.name),
                c.expr.clone(),
            ))),
            ConstraintDef::ForeignKey(fk) => {
                let key = add(Constraint::from(super::create::foreign_key(fk)));
                let owns = fk.name.as_ref().is_some_and(|n| s.owned(table, n));
                if owns {
                    s.own_index_keys.push(key);
                } else {
                    s.add_keys.push(key);
                }
            }
        }
    }

    /// Drops a constraint by its name: the schema's, or the one PostgreSQL
    /// gave it. A name MySQL or SQLite made up is not known.
    fn drop_constraint(
        &self,
        table: &str,
        constraint: &ConstraintDef,
        s: &mut Stages,
    ) -> Result<(), String> {
        let b = self.backend;
        let (kind, columns, stage) = match constraint {
            ConstraintDef::Unique(u) => {
                (Naming::Unique, u.columns.clone(), &mut s.drop_constraints)
            }
            ConstraintDef::Check(c) => (
                Naming::Check,
                columns_read(&c.expr),
                &mut s.drop_constraints,
            ),
            ConstraintDef::ForeignKey(fk) => {
                (Naming::ForeignKey, fk.columns.clone(), &mut s.drop_keys)
            }
        };
        let given = match constraint {
            ConstraintDef::Unique(u) => u.name.clone(),
            ConstraintDef::Check(c) => c.name.clone(),
            ConstraintDef::ForeignKey(fk) => fk.name.clone(),
        };
        let enum_check = sqlite_enum_check(b, constraint);
        let name = given
            .or_else(|| (b == Backend::Postgres).then(|| postgres_name(kind, table, &columns)).flatten())
            .ok_or_else(|| {
                if enum_check {
                    SQLITE_ENUM.to_owned()
                } else {
                    format!("the database named this constraint itself on {b}, and the name is not known here: drop it by its name, by hand")
                }
            })?;
        let definition = match constraint {
            ConstraintDef::Unique(u) => Constraint::unique(name, u.columns.clone()),
            ConstraintDef::Check(c) => Constraint::check(name, c.expr.clone()),
            ConstraintDef::ForeignKey(fk) => {
                let mut key = super::create::foreign_key(fk);
                key.name = name.into();
                Constraint::from(key)
            }
        };
        stage.push(Operation::DropConstraint {
            table: table.to_owned(),
            constraint: Dropped::Definition(definition),
            if_exists: false,
        });
        Ok(())
    }

    /// The typed definition of one of this schema's tables, for a drop
    /// that can be reversed.
    fn definition(&self, table: &Table) -> ops::Table {
        // Its foreign keys in it: the tables they reference exist.
        let others = self.tables.keys().cloned().collect();
        let alone = self.only(std::slice::from_ref(table));
        alone
            .create_plan_beside(&others)
            .operations()
            .iter()
            .find_map(|op| match op {
                Operation::CreateTable(t) => Some(t.clone()),
                _ => None,
            })
            .expect("a table's create plan creates it")
    }

    /// This schema with only `tables` (and its enums, which the columns'
    /// types read), no views.
    fn only(&self, tables: &[Table]) -> Schema {
        let mut alone = Schema::new(self.backend);
        alone.enums = self.enums.clone();
        alone.tables = tables.iter().map(|t| (t.name.clone(), t.clone())).collect();
        alone
    }

    fn create_view(&self, name: &str, definition: &str) -> RawSql {
        let b = self.backend;
        RawSql::for_backend(b, format!("CREATE VIEW {} AS {definition}", ident(b, name)))
    }

    /// Drops a view; its downgrade makes it again.
    fn drop_view(&self, name: &str, definition: &str) -> Operation {
        let b = self.backend;
        Operation::Execute(
            RawSql::for_backend(b, format!("DROP VIEW {}", ident(b, name)))
                .reverse_with(self.create_view(name, definition)),
        )
    }

    /// Makes a view; its downgrade drops it.
    fn view(&self, name: &str, definition: &str) -> Operation {
        let b = self.backend;
        Operation::Execute(
            self.create_view(name, definition)
                .reverse(format!("DROP VIEW {}", ident(b, name))),
        )
    }

    /// The stages in order, the new tables created as their own schema's
    /// plan would (referenced ones first), enums left to their stage.
    fn assemble(&self, target: &Schema, s: Stages) -> ops::Migration {
        let mut plan = ops::Migration::new().for_backend(self.backend);
        let existing = self.tables.keys().cloned().collect();
        let created = target.only(&s.new_tables).create_plan_beside(&existing);
        let new_tables = created
            .operations()
            .iter()
            .filter(|op| !matches!(op, Operation::CreateEnum(_)))
            .cloned();
        // A table goes before the tables it references: its foreign keys
        // go with it (MySQL's, named by the server, cannot be dropped by
        // name).
        let dropped = self.only(&s.drop_tables);
        let mut drop_order = dropped.creation_order();
        drop_order.reverse();
        let drop_tables: Vec<Operation> = drop_order
            .into_iter()
            .map(|table| Operation::DropTable {
                table: Dropped::Definition(self.definition(table)),
                if_exists: false,
            })
            .collect();
        let ops = s
            .drop_keys
            .into_iter()
            .chain(s.drop_views)
            .chain(s.drop_indexes)
            .chain(s.drop_constraints)
            .chain(s.enums)
            .chain(new_tables)
            .chain(s.add_columns)
            .chain(s.alter_columns)
            .chain(s.add_constraints)
            .chain(s.own_index_keys)
            .chain(s.add_indexes)
            .chain(s.drop_columns)
            .chain(drop_tables)
            .chain(s.drop_enums)
            .chain(s.add_keys)
            .chain(s.add_views);
        for op in ops {
            plan.push(op);
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{Column, ForeignKey, Index, Migration, Table as NewTable};
    use crate::schema::Replay;

    fn status(values: &[&str]) -> ops::Enum {
        ops::Enum::new("status", values.iter().copied())
    }

    /// The history so far: users, posts, tags.
    fn before(m: &mut Migration) {
        m.create_enum(status(&["draft", "live"]));
        m.create_table(
            NewTable::new("users")
                .column(Column::new("id").integer().auto_increment().primary_key())
                .column(Column::new("email").string(100).unique())
                .column(Column::new("age").integer().nullable())
                .column(Column::new("bio").text().nullable())
                .check("ck_users_age", "age >= 0"),
        );
        m.create_table(
            NewTable::new("posts")
                .column(Column::new("id").integer().primary_key())
                .column(Column::new("author_id").integer())
                .column(Column::new("title").string(200))
                .column(
                    Column::new("state")
                        .enumeration(status(&["draft", "live"]))
                        .default("draft"),
                )
                .foreign_key(ForeignKey::new(None, ["author_id"], "users", ["id"])),
        );
        m.create_index(Index::new(None).on("posts", ["title"]));
        m.create_table(
            NewTable::new("tags")
                .column(Column::new("id").integer().primary_key())
                .column(Column::new("post_id").integer())
                .foreign_key(ForeignKey::new(None, ["post_id"], "posts", ["id"])),
        );
        m.execute(RawSql::new("CREATE VIEW titles AS SELECT title FROM posts"));
    }

    /// What the models say now: every kind of change from `before` (an
    /// enum value added but on SQLite, where it is a check on the column
    /// that the plan leaves to a person: `what_has_no_operation_is_named`).
    fn after(m: &mut Migration) {
        let values: &[&str] = if m.backend() == Some(Backend::Sqlite) {
            &["draft", "live"]
        } else {
            &["draft", "live", "gone"]
        };
        m.create_enum(status(values));
        m.create_table(
            NewTable::new("users")
                .column(Column::new("id").integer().auto_increment().primary_key())
                .column(Column::new("email").string(200).unique())
                .column(Column::new("age").big_integer())
                .column(
                    Column::new("nickname")
                        .string(40)
                        .nullable()
                        .default("none"),
                )
                .check("ck_users_adult", "age >= 18"),
        );
        m.create_table(
            NewTable::new("posts")
                .column(Column::new("id").integer().primary_key())
                .column(Column::new("author_id").integer())
                .column(Column::new("editor_id").integer().nullable())
                .column(Column::new("title").string(200))
                .column(
                    Column::new("state")
                        .enumeration(status(values))
                        .default("live"),
                )
                .foreign_key(ForeignKey::new(None, ["author_id"], "users", ["id"]))
                // Named, as a naming convention would: the downgrade drops
                // it by name.
                .foreign_key(ForeignKey::new(
                    "fk_posts_editor",
                    ["editor_id"],
                    "users",
                    ["id"],
                )),
        );
        m.create_index(Index::new(None).on("posts", ["title"]).unique());
        m.create_index(Index::new(None).on("posts", ["editor_id"]));
        m.create_table(
            NewTable::new("comments")
                .column(Column::new("id").integer().primary_key())
                .column(Column::new("post_id").integer())
                .column(Column::new("body").text())
                .foreign_key(ForeignKey::new(
                    "fk_comments_post",
                    ["post_id"],
                    "posts",
                    ["id"],
                )),
        );
        m.execute(RawSql::new(
            "CREATE VIEW titles AS SELECT title, state FROM posts",
        ));
    }

    fn replayed(backend: Backend, build: fn(&mut Migration)) -> Replay {
        replayed_with(backend, build)
    }

    fn replayed_with(backend: Backend, build: impl FnOnce(&mut Migration)) -> Replay {
        let mut plan = Migration::new().for_backend(backend);
        build(&mut plan);
        let mut replay = Replay::new(Schema::new(backend));
        replay
            .plan(&plan)
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        replay
    }

    /// `from` planned to `to` on every backend: the plan renders, replays
    /// onto `from` to give `to`, and its automatic downgrade gives `from`
    /// back.
    fn round_trip(from: fn(&mut Migration), to: fn(&mut Migration)) {
        for backend in Backend::ALL {
            let mut replay = replayed(backend, from);
            let start = replay.schema();
            let target = replayed(backend, to).schema();
            let planned = start.plan_to(&target);
            assert_eq!(planned.unplanned, Vec::<String>::new(), "{backend}");
            crate::render::render(&planned.migration, backend)
                .unwrap_or_else(|e| panic!("{backend}: {e}"));
            replay
                .plan(&planned.migration)
                .unwrap_or_else(|e| panic!("{backend}: {e}"));
            let diff = replay.diff(&target);
            assert!(diff.is_empty(), "{backend}: planned to:\n{diff}");
            // Nothing left to plan.
            let again = replay.schema().plan_to(&target);
            assert!(
                again.migration.operations().is_empty(),
                "{backend}: {again:?}"
            );
            let down = match planned.migration.reversed() {
                Ok(down) => down,
                // A value PostgreSQL added stays: no automatic downgrade.
                Err(e) if backend == Backend::Postgres && e.op.starts_with("add_enum_value") => {
                    continue;
                }
                Err(e) => panic!("{backend}: {e}"),
            };
            replay
                .plan(&down)
                .unwrap_or_else(|e| panic!("{backend}: {e}"));
            let diff = replay.diff(&start);
            assert!(diff.is_empty(), "{backend}: downgraded to:\n{diff}");
        }
    }

    #[test]
    fn a_schema_from_nothing_and_back() {
        round_trip(|_| {}, before);
    }

    #[test]
    fn every_kind_of_change_and_back() {
        round_trip(before, after);
    }

    #[test]
    fn what_has_no_operation_is_named() {
        let start = replayed(Backend::Postgres, |m| {
            m.create_enum(status(&["draft", "live"]));
            m.create_table(
                NewTable::new("t")
                    .column(Column::new("id").integer().primary_key())
                    .column(Column::new("n").integer()),
            );
        })
        .schema();
        let target = replayed(Backend::Postgres, |m| {
            m.create_enum(status(&["live", "draft"]));
            m.create_table(
                NewTable::new("t")
                    .column(Column::new("id").integer())
                    .column(Column::new("n").integer().auto_increment().primary_key()),
            );
        })
        .schema();
        let planned = start.plan_to(&target);
        assert_eq!(planned.unplanned.len(), 3, "{:#?}", planned.unplanned);
        let enum_column = |values: &'static [&'static str]| {
            move |m: &mut Migration| {
                m.create_table(
                    NewTable::new("t")
                        .column(Column::new("id").integer().primary_key())
                        .column(Column::new("s").enumeration(status(values))),
                );
            }
        };
        let sqlite = replayed_with(Backend::Sqlite, enum_column(&["a"]))
            .schema()
            .plan_to(&replayed_with(Backend::Sqlite, enum_column(&["a", "b"])).schema());
        assert!(
            sqlite.unplanned.len() == 2
                && sqlite
                    .unplanned
                    .iter()
                    .all(|l| l.contains("SQLite keeps an enum as a check on each column")),
            "{:#?}",
            sqlite.unplanned
        );
        assert!(planned.unplanned[0].contains("cannot remove or reorder the values of `status`"));
        assert!(
            planned
                .unplanned
                .iter()
                .any(|l| l.contains("identity column"))
        );
        assert!(planned.unplanned.iter().any(|l| l.contains("primary key")));
    }
}
