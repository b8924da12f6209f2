//! Micro-benchmarks of the replay ([`migrate_core::schema::Replay`]): the
//! upgrade plans of a generated history folded into the schema model,
//! without a database.
//!
//! The history has the shape of the apply and inspection benchmarks
//! (`bench/gen.py`): migration i creates table `t_i` with 3 columns and an
//! index on `name`. Each group (`<backend>/<migrations>`) measures:
//!
//! - `replay`: [`Replay::plan`] of every plan, from the empty schema; the
//!   plans are recorded once, before timing, as `Migrator::schema_at`
//!   records them from the registrations;
//! - `create_sql`: the CREATE statements of the schema that replay gives
//!   ([`Schema::create_plan`] rendered), what `schema --format sql` adds
//!   on top of the replay.
//!
//! Run with `cargo bench -p migrate-core --bench replay`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use migrate_core::Backend;
use migrate_core::ops::{Column, Index, Migration, Table};
use migrate_core::schema::{Replay, Schema};

/// The history lengths measured.
const SIZES: [usize; 2] = [2_000, 10_000];

/// The upgrade plan of migration `i`, recorded for `backend`.
fn plan(i: usize, backend: Backend) -> Migration {
    let table = format!("t_{i}");
    let mut m = Migration::new().for_backend(backend);
    m.create_table(
        Table::new(table.clone())
            .column(Column::new("id").big_integer().auto_increment())
            .column(Column::new("name").string(100))
            .column(Column::new("created_at").timestamptz().default_now()),
    );
    m.create_index(Index::new(format!("ix_{table}_name")).on(table, ["name"]));
    m
}

fn replayed(plans: &[Migration], backend: Backend) -> Replay {
    let mut replay = Replay::new(Schema::new(backend));
    for plan in plans {
        replay.plan(plan).unwrap_or_else(|error| panic!("{error}"));
    }
    replay
}

fn bench_replay(c: &mut Criterion) {
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::MySql] {
        for n in SIZES {
            let plans: Vec<Migration> = (1..=n).map(|i| plan(i, backend)).collect();
            let schema = replayed(&plans, backend).schema();
            assert_eq!(schema.tables.len(), n);
            let mut group = c.benchmark_group(format!("{backend}/{n}"));
            group
                .sample_size(20)
                .measurement_time(Duration::from_secs(5));
            group.throughput(Throughput::Elements(n as u64));
            group.bench_function("replay", |b| {
                b.iter(|| replayed(black_box(&plans), backend));
            });
            group.bench_function("create_sql", |b| {
                b.iter(|| {
                    migrate_core::render::render(&black_box(&schema).create_plan(), backend)
                        .unwrap_or_else(|error| panic!("{error}"))
                });
            });
            group.finish();
        }
    }
}

criterion_group!(benches, bench_replay);
criterion_main!(benches);
