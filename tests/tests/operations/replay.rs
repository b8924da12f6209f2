//! The replay against real databases, by property: random histories of
//! tables, columns of every type, alters, renames, indexes, constraints,
//! enums (created, used by columns, extended) and drops, applied to a fresh database through the runtime, give the schema
//! that replaying their plan without a database gives (`Ctx::up_ok`
//! compares them), on SQLite, PostgreSQL and MariaDB.
//!
//! A history is a list of abstract commands that an interpreter turns into
//! operations valid for the schema so far, so shrinking keeps it valid.

use std::cell::RefCell;

use migrate_core::ops::{
    AddEnumValue, AlterColumn, Column, ColumnType, Constraint, Enum, ForeignKey, Index, Migration,
    Table,
};
use proptest::prelude::*;

use crate::harness::Ctx;
use crate::support::registration;

thread_local! {
    /// The history the registration below records: set per case, on the
    /// case's own thread (a current-thread runtime records plans there).
    static HISTORY: RefCell<Vec<Command>> = const { RefCell::new(Vec::new()) };
}

fn record_history(m: &mut Migration) {
    HISTORY.with(|history| Interpreter::default().run(&history.borrow(), m));
}

/// One abstract step: what to do, and numbers that pick among what exists.
#[derive(Debug, Clone, Copy)]
struct Command {
    what: u8,
    a: u8,
    b: u8,
}

fn commands() -> impl Strategy<Value = Vec<Command>> {
    prop::collection::vec(
        (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(what, a, b)| Command { what, a, b }),
        1..14,
    )
}

const TYPES: [fn() -> ColumnType; 12] = [
    || ColumnType::Integer,
    || ColumnType::BigInteger,
    || ColumnType::String(40),
    || ColumnType::Text,
    || ColumnType::Boolean,
    || ColumnType::Double,
    || ColumnType::Decimal {
        precision: 10,
        scale: 2,
    },
    || ColumnType::Date,
    || ColumnType::Timestamp,
    || ColumnType::TimestampTz,
    || ColumnType::Uuid,
    || ColumnType::Binary,
];

#[derive(Debug, Clone)]
struct TableState {
    name: String,
    /// Every column but `id`, as last defined.
    columns: Vec<Column>,
    /// Columns a check or foreign key uses, which the history never drops.
    pinned: Vec<String>,
    /// Foreign-key columns, whose type MySQL will not change.
    keys: Vec<String>,
    indexes: Vec<(String, String)>,
    uniques: Vec<String>,
    references: Vec<String>,
}

/// An enum, as it is now, and the columns that use it (never dropped or
/// renamed by the history: `add_enum_value` names them).
#[derive(Debug, Clone)]
struct EnumState {
    definition: Enum,
    /// Table, column, and whether the column has a default.
    users: Vec<(String, String, bool)>,
}

fn enum_column(name: &str, definition: &Enum, default: bool) -> Column {
    let column = Column::new(name).enumeration(definition.clone()).nullable();
    if default { column.default("a") } else { column }
}

/// Turns commands into operations that the schema so far can take.
#[derive(Debug, Default)]
struct Interpreter {
    tables: Vec<TableState>,
    enums: Vec<EnumState>,
    next: usize,
}

/// The kinds of command: `Command::what` modulo this.
const KINDS: u8 = 14;

impl Interpreter {
    fn run(mut self, history: &[Command], m: &mut Migration) {
        for command in history {
            self.step(*command, m);
        }
    }

    fn name(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{}", self.next)
    }

    fn column(&mut self, pick: u8) -> Column {
        let name = self.name("c");
        Column::new(name)
            .ty(TYPES[usize::from(pick) % TYPES.len()]())
            .nullable()
    }

    fn step(&mut self, c: Command, m: &mut Migration) {
        if self.tables.is_empty() || c.what % KINDS == 0 {
            let name = self.name("t");
            let first = self.column(c.a);
            let second = self.column(c.b);
            m.create_table(
                Table::new(name.clone())
                    .column(Column::new("id").integer().primary_key())
                    .column(first.clone())
                    .column(second.clone()),
            );
            self.tables.push(TableState {
                name,
                columns: vec![first, second],
                pinned: Vec::new(),
                keys: Vec::new(),
                indexes: Vec::new(),
                uniques: Vec::new(),
                references: Vec::new(),
            });
            return;
        }
        let at = usize::from(c.a) % self.tables.len();
        let pick = usize::from(c.b);
        let table = self.tables[at].name.clone();
        let column = (!self.tables[at].columns.is_empty())
            .then(|| self.tables[at].columns[pick % self.tables[at].columns.len()].clone());
        let int_column = self.tables[at]
            .columns
            .iter()
            .find(|col| {
                col.column_type() == Some(&ColumnType::Integer)
                    && !self.tables[at].keys.iter().any(|k| k == col.name())
            })
            .cloned();
        match c.what % KINDS {
            1 => {
                let new = self.column(c.b);
                m.add_column(table, new.clone());
                self.tables[at].columns.push(new);
            }
            2 => {
                let Some(column) = column else { return };
                let t = &mut self.tables[at];
                let name = column.name().to_owned();
                if t.pinned.contains(&name) {
                    return;
                }
                m.drop_column(table, name.clone());
                t.columns.retain(|col| col.name() != name);
                t.indexes.retain(|(_, col)| *col != name);
                t.uniques.retain(|col| *col != name);
            }
            3 => {
                let Some(column) = column else { return };
                let to = self.name("c");
                let from = column.name().to_owned();
                m.rename_column(table.clone(), from.clone(), to.clone());
                let t = &mut self.tables[at];
                for col in &mut t.columns {
                    if col.name() == from {
                        *col = rename(col, &to);
                    }
                }
                for name in t
                    .pinned
                    .iter_mut()
                    .chain(t.keys.iter_mut())
                    .chain(t.uniques.iter_mut())
                    .chain(t.indexes.iter_mut().map(|(_, c)| c))
                {
                    if *name == from {
                        name.clone_from(&to);
                    }
                }
            }
            4 => {
                let to = self.name("t");
                m.rename_table(table.clone(), to.clone());
                self.tables[at].name.clone_from(&to);
                for e in &mut self.enums {
                    for (t, _, _) in &mut e.users {
                        if *t == table {
                            t.clone_from(&to);
                        }
                    }
                }
                for t in &mut self.tables {
                    for r in &mut t.references {
                        if *r == table {
                            r.clone_from(&to);
                        }
                    }
                }
            }
            5 => {
                let Some(column) = column.filter(indexable) else {
                    return;
                };
                let t = &mut self.tables[at];
                if t.indexes.iter().any(|(_, c)| c == column.name()) {
                    return;
                }
                let name = format!("ix_{table}_{}", column.name());
                m.create_index(Index::new(None).on(table, [column.name()]));
                t.indexes.push((name, column.name().to_owned()));
            }
            6 => {
                let t = &mut self.tables[at];
                if t.indexes.is_empty() {
                    return;
                }
                let at = pick % t.indexes.len();
                // MySQL will not drop the index a foreign key uses.
                if t.keys.contains(&t.indexes[at].1) {
                    return;
                }
                let (name, _) = t.indexes.remove(at);
                m.drop_index(table, name);
            }
            7 => {
                let Some(column) = column.filter(indexable) else {
                    return;
                };
                let t = &mut self.tables[at];
                if t.uniques.iter().any(|c| c == column.name()) {
                    return;
                }
                m.create_unique_constraint(table, None, [column.name()]);
                t.uniques.push(column.name().to_owned());
            }
            8 => {
                let target = self.tables[pick % self.tables.len()].name.clone();
                let name = self.name("r");
                let new = Column::new(name.clone()).integer().nullable();
                m.add_column(table.clone(), new.clone());
                m.create_foreign_key(
                    table,
                    ForeignKey::new(None, [name.as_str()], target.clone(), ["id"]),
                );
                let t = &mut self.tables[at];
                t.columns.push(new);
                t.pinned.push(name.clone());
                t.keys.push(name);
                t.references.push(target);
            }
            9 => {
                let Some(column) = int_column else { return };
                let alter = AlterColumn::new(table, column.name()).existing(column.clone());
                let (alter, now) = match pick % 3 {
                    0 => (
                        alter.set_type(ColumnType::BigInteger),
                        column.clone().ty(ColumnType::BigInteger),
                    ),
                    1 => (alter.set_default(7), column.clone().default(7)),
                    _ => (alter.set_not_null(), not_null(&column)),
                };
                m.alter_column(alter);
                let t = &mut self.tables[at];
                for col in &mut t.columns {
                    if col.name() == column.name() {
                        *col = now.clone();
                    }
                }
            }
            10 => {
                if self.tables.iter().any(|t| t.references.contains(&table)) {
                    return;
                }
                m.drop_table(table.clone());
                self.tables.remove(at);
                for e in &mut self.enums {
                    e.users.retain(|(t, _, _)| *t != table);
                }
            }
            12 => {
                // A column of a new enum, or of one an earlier column uses.
                let definition = match self.enums.get(pick % 4) {
                    Some(e) => e.definition.clone(),
                    None => {
                        let definition = Enum::new(self.name("e"), ["a", "it's b"]);
                        m.create_enum(definition.clone());
                        self.enums.push(EnumState {
                            definition: definition.clone(),
                            users: Vec::new(),
                        });
                        definition
                    }
                };
                let name = self.name("c");
                let default = pick % 2 == 0;
                m.add_column(table.clone(), enum_column(&name, &definition, default));
                self.tables[at].pinned.push(name.clone());
                let e = self
                    .enums
                    .iter_mut()
                    .find(|e| e.definition.name() == definition.name())
                    .expect("made or found above");
                e.users.push((table, name, default));
            }
            13 => {
                if self.enums.is_empty() {
                    return;
                }
                let value = self.name("v");
                let which = pick % self.enums.len();
                let e = &mut self.enums[which];
                // MySQL and SQLite change the columns that use it: there
                // must be some.
                if e.users.is_empty() {
                    return;
                }
                let mut add = AddEnumValue::new(e.definition.clone(), value.clone());
                for (table, column, default) in &e.users {
                    add = add.column(table.clone(), enum_column(column, &e.definition, *default));
                }
                m.add_enum_value(add);
                e.definition = e.definition.clone().with_value(value);
            }
            _ => {
                let Some(column) = int_column else { return };
                let name = column.name().to_owned();
                // A second unnamed check on the column would take the same
                // name (the plan cannot see the first).
                if self.tables[at].pinned.contains(&name) {
                    return;
                }
                m.add_constraint(table, Constraint::check(None, format!("{name} > 0")));
                self.tables[at].pinned.push(name);
            }
        }
    }
}

/// What an index or a unique key may be over on every backend (MySQL
/// indexes no text or blob without a prefix length).
fn indexable(column: &Column) -> bool {
    !matches!(
        column.column_type(),
        Some(ColumnType::Text | ColumnType::Binary | ColumnType::Json)
    )
}

fn rename(column: &Column, to: &str) -> Column {
    let mut renamed = Column::new(to).ty(column.column_type().unwrap().clone());
    if column.is_nullable() {
        renamed = renamed.nullable();
    }
    renamed
}

fn not_null(column: &Column) -> Column {
    Column::new(column.name()).ty(column.column_type().unwrap().clone())
}

async fn replays(ctx: Ctx, history: Vec<Command>) {
    HISTORY.with(|h| *h.borrow_mut() = history);
    let reg = registration("replay_0001", &[], record_history, None);
    // `up_ok` compares the replayed schema with the introspected one.
    ctx.up_ok(&[reg]).await;
}

fn run(history: Vec<Command>, ctx: impl std::future::Future<Output = Option<Ctx>>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        if let Some(ctx) = ctx.await {
            replays(ctx, history).await;
        }
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn random_histories_replay_on_sqlite(history in commands()) {
        run(history, async { Some(Ctx::sqlite().await) });
    }

    #[test]
    fn random_histories_replay_on_postgres(history in commands()) {
        run(history, Ctx::postgres());
    }

    #[test]
    fn random_histories_replay_on_mysql(history in commands()) {
        run(history, Ctx::mysql());
    }
}

fn create_users(m: &mut Migration) {
    m.create_table(Table::new("users").column(Column::new("id").integer().primary_key()));
}
fn add_to_a_typo(m: &mut Migration) {
    m.add_column("user", Column::new("email").string(100).nullable());
}
fn raw_then_typed(m: &mut Migration) {
    m.execute("CREATE TABLE made_by_hand (id integer)");
    m.add_column("made_by_hand", Column::new("note").text().nullable());
}

/// `check` replays every plan without a database: an operation on a table
/// that does not exist is a problem naming the revision, the backend and
/// the operation; one on a table raw SQL may have made is not.
#[tokio::test]
async fn check_finds_operations_the_schema_cannot_take() {
    let regs = vec![
        registration("chk_0001", &[], create_users, None),
        registration("chk_0002", &["chk_0001"], add_to_a_typo, None),
        registration("chk_0003", &["chk_0002"], raw_then_typed, None),
    ];
    let problems = migrate_core::Migrator::new(regs)
        .unwrap()
        .check(None)
        .await
        .unwrap();
    let invalid: Vec<String> = problems
        .iter()
        .filter(|p| matches!(p, migrate_core::migrator::CheckProblem::Invalid { .. }))
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        invalid.len(),
        1,
        "said once for every backend: {invalid:#?}"
    );
    for problem in &invalid {
        assert!(
            problem.starts_with(
                "chk_0002 (chk_0002) does not fit the schema before it on sqlite, postgres, mysql: "
            ),
            "{problem}"
        );
        assert!(
            problem.contains("add_column user.email: no table `user`"),
            "{problem}"
        );
        assert!(problem.contains("src/versions/tests.rs:1"), "{problem}");
    }
}
