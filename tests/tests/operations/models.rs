//! Autogenerate against real databases, by property: for random model sets
//! A and B (B is A changed: columns added, dropped, renamed with a hint,
//! retyped, made nullable or not, given other defaults; indexes and unique
//! keys added and dropped; tables added, dropped and renamed; enum values
//! added), the migration autogenerate writes from nothing to A, then the
//! one from A to B, applied to a fresh database through the runtime, leave
//! exactly B's schema by introspection, and a third autogenerate finds
//! nothing, on SQLite, PostgreSQL and MariaDB. Adopting that database
//! (`migrate init --from-database`) gives models and a baseline that build
//! exactly its schema.

use std::cell::RefCell;

use migrate_core::models::ModelDef;
use migrate_core::ops::{Column, ColumnType, Enum, ForeignKey, Index, Migration, Operation};
use migrate_core::schema::{ModelSet, Replay, Schema, adopt, autogenerate};
use proptest::prelude::*;

use crate::harness::Ctx;
use crate::support::registration;

thread_local! {
    /// The two generated plans the registrations below record, per case.
    static PLANS: RefCell<[Vec<Operation>; 2]> = const { RefCell::new([Vec::new(), Vec::new()]) };
}

fn record(m: &mut Migration, which: usize) {
    PLANS.with(|plans| {
        for op in &plans.borrow()[which] {
            m.push(op.clone());
        }
    });
}

fn first(m: &mut Migration) {
    record(m, 0);
}

fn second(m: &mut Migration) {
    record(m, 1);
}

/// The column types a model field can have (the enum is added apart).
const TYPES: [fn() -> ColumnType; 19] = [
    || ColumnType::Integer,
    || ColumnType::BigInteger,
    || ColumnType::String(40),
    || ColumnType::String(80),
    || ColumnType::Text,
    || ColumnType::Boolean,
    || ColumnType::Double,
    || ColumnType::Decimal {
        precision: 10,
        scale: 2,
    },
    || ColumnType::Date,
    || ColumnType::TimestampTz,
    || ColumnType::Uuid,
    || ColumnType::SmallInteger,
    || ColumnType::Real,
    || ColumnType::Time,
    || ColumnType::Timestamp,
    || ColumnType::Char(3),
    || ColumnType::Json,
    || ColumnType::Jsonb,
    || ColumnType::Binary,
];

/// Whether MySQL can index a column of `TYPES[ty]` without a prefix
/// length: not `text`, JSON or bytes.
fn indexable(ty: usize) -> bool {
    !matches!(ty, 4 | 16..=18)
}

/// Another type of `ty`'s family (integers, strings, numbers), which every
/// backend converts to in place; `ty` itself for the others. A change
/// across families needs a `USING` expression a person writes.
fn same_family(ty: usize, pick: u8) -> usize {
    let family: &[usize] = match ty {
        0 | 1 | 11 => &[0, 1, 11],
        2..=4 | 15 => &[2, 3, 4, 15],
        6 | 7 | 12 => &[6, 7, 12],
        9 | 14 => &[9, 14],
        _ => return ty,
    };
    family[usize::from(pick) % family.len()]
}

/// A default that suits type `ty` (of `TYPES`), or none.
fn default_for(column: Column, ty: usize, pick: u8) -> Column {
    match (ty, pick % 2) {
        (0 | 1 | 11, 0) => column.default(7),
        (0 | 1 | 11, _) => column.default(-1),
        (2..=4, 0) => column.default("it's"),
        (2..=4 | 15, _) => column.default(""),
        (5, b) => column.default(b == 0),
        (6 | 12, _) => column.default(1.5),
        (7, _) => column.default("12.50"),
        (8, _) => column.default("2026-12-07"),
        (9 | 14, 0) => column.default_now(),
        _ => column,
    }
}

#[derive(Debug, Clone)]
struct ColumnSpec {
    name: String,
    ty: usize,
    nullable: bool,
    default: Option<u8>,
    renamed_from: Option<String>,
}

#[derive(Debug, Clone)]
struct TableSpec {
    name: String,
    columns: Vec<ColumnSpec>,
    /// A column `owner_id` referencing this earlier table's `id`.
    owner: Option<String>,
    /// Uses the enum `mood` (column `mood`).
    mood: bool,
    /// Indexes over one column each: (column, unique).
    indexes: Vec<(String, bool)>,
    renamed_from: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct Spec {
    tables: Vec<TableSpec>,
    moods: usize,
    next: usize,
}

impl Spec {
    fn name(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{}", self.next)
    }

    fn column(&mut self, a: u8, b: u8) -> ColumnSpec {
        ColumnSpec {
            name: self.name("c"),
            ty: usize::from(a) % TYPES.len(),
            nullable: b % 2 == 0,
            default: (b % 3 == 0).then_some(a),
            renamed_from: None,
        }
    }

    fn add_table(&mut self, a: u8, b: u8) {
        let name = self.name("t");
        let owner = (b % 2 == 0 && !self.tables.is_empty())
            .then(|| self.tables[usize::from(a) % self.tables.len()].name.clone());
        let columns = vec![self.column(a, b), self.column(b, a)];
        self.tables.push(TableSpec {
            name,
            columns,
            owner,
            mood: a % 3 == 0,
            indexes: Vec::new(),
            renamed_from: None,
        });
    }

    /// A random starting point.
    fn start(commands: &[(u8, u8, u8)]) -> Self {
        let mut spec = Spec {
            moods: 2,
            ..Spec::default()
        };
        spec.add_table(0, 1);
        for &(what, a, b) in commands {
            match what % 3 {
                0 => spec.add_table(a, b),
                1 => {
                    let column = spec.column(a, b);
                    let t = usize::from(b) % spec.tables.len();
                    spec.tables[t].columns.push(column);
                }
                _ => {
                    let t = usize::from(a) % spec.tables.len();
                    let table = &mut spec.tables[t];
                    let column = &table.columns[usize::from(b) % table.columns.len()];
                    let (column, ty) = (column.name.clone(), column.ty);
                    // MySQL indexes no `text` without a prefix length.
                    if indexable(ty) && !table.indexes.iter().any(|(c, _)| *c == column) {
                        table.indexes.push((column, what % 2 == 0));
                    }
                }
            }
        }
        spec
    }

    /// `self` changed by each command.
    fn changed(&self, commands: &[(u8, u8, u8)]) -> Self {
        let mut spec = self.clone();
        for t in &mut spec.tables {
            t.renamed_from = None;
            for c in &mut t.columns {
                c.renamed_from = None;
            }
        }
        for &(what, a, b) in commands {
            let t = usize::from(a) % spec.tables.len();
            let referenced = spec
                .tables
                .iter()
                .any(|other| other.owner.as_deref() == Some(&spec.tables[t].name));
            let fresh = spec.name("c");
            let renamed = spec.name("t");
            let table = &mut spec.tables[t];
            let c = usize::from(b) % table.columns.len();
            let indexed = table
                .indexes
                .iter()
                .any(|(i, _)| *i == table.columns[c].name);
            match what % 10 {
                0 => {
                    let column = ColumnSpec {
                        name: fresh,
                        ty: usize::from(b) % TYPES.len(),
                        nullable: true,
                        default: None,
                        renamed_from: None,
                    };
                    table.columns.push(column);
                }
                1 if table.columns.len() > 1 && !indexed => {
                    table.columns.remove(c);
                }
                2 if table.columns[c].renamed_from.is_none() && !indexed => {
                    let old = std::mem::replace(&mut table.columns[c].name, fresh);
                    table.columns[c].renamed_from = Some(old);
                }
                3 if !indexed => table.columns[c].ty = same_family(table.columns[c].ty, b),
                4 => table.columns[c].nullable = !table.columns[c].nullable,
                5 => {
                    table.columns[c].default = match table.columns[c].default {
                        Some(_) => None,
                        None => Some(b),
                    }
                }
                6 => {
                    let column = table.columns[c].name.clone();
                    match table.indexes.iter().position(|(i, _)| *i == column) {
                        Some(i) => {
                            table.indexes.remove(i);
                        }
                        None if indexable(table.columns[c].ty) => {
                            table.indexes.push((column, b % 2 == 0));
                        }
                        None => {}
                    }
                }
                7 if table.renamed_from.is_none() && !referenced => {
                    let old = std::mem::replace(&mut table.name, renamed);
                    table.renamed_from = Some(old);
                }
                8 if !referenced && spec.tables.len() > 1 => {
                    spec.tables.remove(t);
                }
                9 if spec.moods < 4 => spec.moods += 1,
                _ => spec.add_table(a, b),
            }
        }
        spec
    }

    fn mood(&self) -> Enum {
        Enum::new(
            "mood",
            ["calm", "o'clock", "busy", "done"][..self.moods]
                .iter()
                .copied(),
        )
    }

    fn models(&self) -> ModelSet {
        ModelSet::new(self.tables.iter().map(|t| {
            let mut def = ModelDef::new(t.name.clone()).column(
                Column::new("id")
                    .big_integer()
                    .primary_key()
                    .auto_increment(),
            );
            for c in &t.columns {
                let mut column = Column::new(c.name.clone()).ty(TYPES[c.ty]());
                if c.nullable {
                    column = column.nullable();
                }
                if let Some(pick) = c.default {
                    column = default_for(column, c.ty, pick);
                }
                def = def.column(column);
                if let Some(old) = &c.renamed_from {
                    def = def.column_renamed_from(c.name.clone(), old.clone());
                }
            }
            if let Some(owner) = &t.owner {
                def = def
                    .column(Column::new("owner_id").big_integer().nullable())
                    .foreign_key(ForeignKey::new(None, ["owner_id"], owner.clone(), ["id"]));
            }
            if t.mood {
                def = def.column(Column::new("mood").enumeration(self.mood()).default("calm"));
            }
            for (column, unique) in &t.indexes {
                let index = Index::new(None).on(t.name.clone(), [column.clone()]);
                def = def.index(if *unique { index.unique() } else { index });
            }
            if let Some(old) = &t.renamed_from {
                def = def.renamed_from(old.clone());
            }
            (t.name.clone(), def)
        }))
    }
}

/// What autogenerate writes for `head` on `models`, which must leave
/// nothing unplanned; narrowing steps accepted, as a reviewer would.
fn generate(head: &Replay, models: &ModelSet) -> Vec<Operation> {
    let generated = autogenerate(std::slice::from_ref(head), models).unwrap();
    assert!(
        generated.unplanned.is_empty(),
        "unplanned: {:#?}\n{}",
        generated.unplanned,
        generated.functions()
    );
    generated
        .operations(head.backend())
        .unwrap_or_default()
        .iter()
        .map(|op| match op {
            Operation::AlterColumn(alter) => {
                Operation::AlterColumn(alter.clone().lossy_ok("the tables are empty"))
            }
            other => other.clone(),
        })
        .collect()
}

async fn round_trip(ctx: Ctx, start: Vec<(u8, u8, u8)>, changes: Vec<(u8, u8, u8)>) {
    let b = ctx.backend();
    let a = Spec::start(&start);
    let next = a.changed(&changes);
    let (models_a, models_b) = (a.models(), next.models());
    let empty = Replay::new(Schema::new(b));
    let plan_a = generate(&empty, &models_a);
    let mut after_a = empty.clone();
    let mut recorded = Migration::new().for_backend(b);
    for op in &plan_a {
        recorded.push(op.clone());
    }
    after_a.plan(&recorded).unwrap();
    let plan_b = generate(&after_a, &models_b);
    PLANS.with(|plans| *plans.borrow_mut() = [plan_a, plan_b.clone()]);
    let regs = [
        registration("mdl_0001", &[], first, None),
        registration("mdl_0002", &["mdl_0001"], second, None),
    ];
    // Applies both, and proves the replay equals introspection.
    ctx.up_ok(&regs).await;
    let live = ctx.live_schema().await;
    let diff = models_b.compare(&live).unwrap();
    assert!(
        diff.is_empty(),
        "{b}: the database differs from the models B:\n{diff}\nA: {a:#?}\nB: {next:#?}"
    );
    // Adopted, the database is models and a baseline that build it.
    let adopted = adopt(&live).unwrap();
    assert!(
        adopted.differences.is_empty(),
        "{b}: adopting the database leaves differences: {:?}\n{}\nB: {next:#?}",
        adopted.differences,
        adopted.source
    );
    let mut baseline = Replay::new(Schema::new(b));
    let mut recorded = Migration::new().for_backend(b);
    for op in adopted.baseline.operations(b).unwrap() {
        recorded.push(op.clone());
    }
    baseline.plan(&recorded).unwrap();
    let rebuilt = adopted.models.compare(&baseline.into_schema()).unwrap();
    assert!(rebuilt.is_empty(), "{b}: the baseline builds:\n{rebuilt}");
    let mut after_b = after_a;
    let mut recorded = Migration::new().for_backend(b);
    for op in &plan_b {
        recorded.push(op.clone());
    }
    after_b.plan(&recorded).unwrap();
    let again = autogenerate(&[after_b], &models_b).unwrap();
    assert!(
        again.is_empty(),
        "{b}: a second autogenerate wrote:\n{}",
        again.functions()
    );
}

fn commands() -> impl Strategy<Value = Vec<(u8, u8, u8)>> {
    prop::collection::vec(any::<(u8, u8, u8)>(), 0..8)
}

fn run(
    start: Vec<(u8, u8, u8)>,
    changes: Vec<(u8, u8, u8)>,
    ctx: impl std::future::Future<Output = Option<Ctx>>,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        if let Some(ctx) = ctx.await {
            round_trip(ctx, start, changes).await;
        }
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn random_models_autogenerate_on_sqlite(start in commands(), changes in commands()) {
        run(start, changes, async { Some(Ctx::sqlite().await) });
    }

    #[test]
    fn random_models_autogenerate_on_postgres(start in commands(), changes in commands()) {
        run(start, changes, Ctx::postgres());
    }

    #[test]
    fn random_models_autogenerate_on_mysql(start in commands(), changes in commands()) {
        run(start, changes, Ctx::mysql());
    }
}
