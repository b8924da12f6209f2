//! Micro-benchmarks of the revision graph ([`migrate_core::graph`]) on large
//! generated histories.
//!
//! Two shapes, each at 10,000 and 100,000 revisions, with the graphs of the
//! inspection benchmark (`bench/gen.py`, same ids and edges):
//!
//! - `linear`: revision i revises revision i - 1;
//! - `branched`: 25 sections, each a trunk revision, two labelled branches
//!   off it (`b00` … `b49`, the label on the branch's first revision) and a
//!   merge of both, which the next section's trunk revision revises.
//!
//! Revision i (1-based) has the id `sha256("bench-<i>")[..12]`, so sorting
//! by id says nothing of the topological order.
//!
//! Each group (`<shape>/<revisions>`) measures:
//!
//! - `build`: [`Graph::build`] (checks and indexing) from a prepared
//!   `Vec<RevisionInfo>`; the clone that feeds it is not timed;
//! - `upgrade_base_to_heads`: [`Graph::upgrade_route`] from nothing applied
//!   to `heads`;
//! - `downgrade_head_to_base`: [`Graph::downgrade_route`] from the head to
//!   `base`;
//! - `resolve_branch_head`: [`Target::parse`] and [`Graph::resolve`] of
//!   `<label>@head` (`b00@head` when branched, `<first id>@head` when linear:
//!   a branch that spans almost the whole graph);
//! - `downgrade_100_steps`: [`Graph::downgrade_route`] 100 steps down from
//!   the head: `-100` when linear; when branched, where `-100` stops at the
//!   last merge, `<id>-100` from the tip of branch `b49`, which unmerges it;
//! - `lookup_prefix`: [`Graph::lookup`] of an 8-character id prefix.
//!
//! Throughput is in revisions (the whole graph) for all but `lookup_prefix`,
//! which counts lookups. Every result is checked once before it is timed.
//!
//! Run with `cargo bench -p migrate-core --bench graph`; add a filter to run
//! part of it, e.g. `cargo bench -p migrate-core --bench graph -- linear/10000`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BatchSize, BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main, measurement::WallTime,
};
use migrate_core::graph::{Graph, RevisionIdx, RevisionInfo, Target};
use sha2::{Digest, Sha256};

/// The sizes measured.
const SIZES: [usize; 2] = [10_000, 100_000];

/// The number of sections of the branched shape, as in `bench/gen.py`.
const SECTIONS: usize = 25;

/// Steps down in `downgrade_100_steps`.
const STEPS: u16 = 100;

#[derive(Debug, Clone, Copy)]
enum Shape {
    Linear,
    Branched,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Self::Linear => "linear",
            Self::Branched => "branched",
        }
    }

    /// `(parents, label)` of revisions `0..n`, by index.
    fn edges(self, n: usize) -> Vec<(Vec<usize>, Option<String>)> {
        match self {
            Self::Linear => (0..n)
                .map(|i| (i.checked_sub(1).into_iter().collect(), None))
                .collect(),
            Self::Branched => branched(n),
        }
    }
}

/// `bench/gen.py`'s `branched` shape, 0-based.
fn branched(n: usize) -> Vec<(Vec<usize>, Option<String>)> {
    let size = n / SECTIONS;
    assert!(
        size >= 4,
        "the branched shape needs at least {} revisions",
        4 * SECTIONS
    );
    let mut out: Vec<(Vec<usize>, Option<String>)> = Vec::with_capacity(n);
    let mut head = None;
    for section in 0..SECTIONS {
        let trunk = out.len();
        out.push((head.into_iter().collect(), None));
        let left = (size - 2) / 2;
        let right = size - 2 - left;
        let mut ends = Vec::new();
        for (branch, length) in [(2 * section, left), (2 * section + 1, right)] {
            let mut prev = trunk;
            for k in 0..length {
                let label = (k == 0).then(|| format!("b{branch:02}"));
                out.push((vec![prev], label));
                prev = out.len() - 1;
            }
            ends.push(prev);
        }
        out.push((ends, None));
        head = Some(out.len() - 1);
    }
    while out.len() < n {
        let last = out.len() - 1;
        out.push((vec![last], None));
    }
    out
}

/// The id of revision `index` (0-based): `sha256("bench-<index + 1>")`, its
/// first 12 hex digits, as `bench/gen.py` writes them.
fn id(index: usize) -> String {
    let digest = Sha256::digest(format!("bench-{}", index + 1));
    digest[..6]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The revisions of `shape` with `n` revisions, in index order.
fn revisions(shape: Shape, n: usize) -> Vec<RevisionInfo> {
    let ids: Vec<String> = (0..n).map(id).collect();
    shape
        .edges(n)
        .into_iter()
        .enumerate()
        .map(|(i, (parents, label))| RevisionInfo {
            id: ids[i].clone(),
            parents: parents.iter().map(|&p| ids[p].clone()).collect(),
            branch_labels: label.into_iter().collect(),
            depends_on: Vec::new(),
            message: format!("create t_{}", i + 1),
            location: format!(
                "migrations::versions::step_{} (src/versions/{:05}-{}_step.rs:8)",
                i + 1,
                i + 1,
                ids[i]
            ),
        })
        .collect()
}

/// A graph to benchmark, built once, with the targets its benchmarks use.
struct Fixture {
    revisions: Vec<RevisionInfo>,
    graph: Graph,
    /// The single head.
    head: RevisionIdx,
    /// `<label>@head` of a branch spanning almost the whole graph.
    branch_head: String,
    /// 100 steps down from `head`.
    steps_down: Target,
    /// How many revisions `steps_down` reverts.
    stepped_down: usize,
    /// A unique prefix of the id of revision `prefix_of`.
    prefix: String,
    prefix_of: RevisionIdx,
}

impl Fixture {
    fn new(shape: Shape, n: usize) -> Self {
        let revisions = revisions(shape, n);
        let graph = Graph::build(revisions.clone()).unwrap_or_else(|errors| panic!("{errors}"));
        assert_eq!(graph.len(), n);
        let [head] = graph.heads()[..] else {
            panic!("{} graph of {n}: not a single head", shape.name());
        };
        let (branch_head, steps_down, stepped_down) = match shape {
            Shape::Linear => (
                format!("{}@head", graph.revision(graph.roots()[0]).id),
                Target::Relative(-i64::from(STEPS)),
                usize::from(STEPS),
            ),
            Shape::Branched => {
                // The tip of the last section's second branch, which the head
                // merges: its 100 steps down take the merge along.
                let tip = graph.parents(head)[1];
                (
                    "b00@head".to_owned(),
                    Target::RevisionRelative(graph.revision(tip).id.clone(), -i64::from(STEPS)),
                    usize::from(STEPS) + 1,
                )
            }
        };
        let prefix_of = RevisionIdx::new(n / 2);
        let prefix = graph.revision(prefix_of).id[..8].to_owned();
        let fixture = Self {
            revisions,
            graph,
            head,
            branch_head,
            steps_down,
            stepped_down,
            prefix,
            prefix_of,
        };
        fixture.check();
        fixture
    }

    /// Checks once what the benchmarks compute, so that they time the
    /// intended work rather than an early error.
    fn check(&self) {
        let graph = &self.graph;
        let n = graph.len();
        assert_eq!(upgrade_base_to_heads(graph).len(), n);
        assert_eq!(downgrade_head_to_base(graph, self.head).len(), n);
        assert_eq!(resolve(graph, &self.branch_head), [self.head]);
        let down = graph
            .downgrade_route(&[self.head], &self.steps_down)
            .unwrap_or_else(|error| panic!("{}: {error}", self.steps_down));
        assert_eq!(down.len(), self.stepped_down, "{}", self.steps_down);
        assert_eq!(graph.lookup(&self.prefix), Ok(self.prefix_of));
    }
}

fn upgrade_base_to_heads(graph: &Graph) -> Vec<RevisionIdx> {
    graph
        .upgrade_route(&[], &Target::Heads)
        .unwrap_or_else(|error| panic!("{error}"))
}

fn downgrade_head_to_base(graph: &Graph, head: RevisionIdx) -> Vec<RevisionIdx> {
    graph
        .downgrade_route(&[head], &Target::Base)
        .unwrap_or_else(|error| panic!("{error}"))
}

fn resolve(graph: &Graph, target: &str) -> Vec<RevisionIdx> {
    let target = Target::parse(target).unwrap_or_else(|error| panic!("{error}"));
    graph
        .resolve(&[], &target)
        .unwrap_or_else(|error| panic!("{error}"))
}

fn bench_graph(c: &mut Criterion) {
    for n in SIZES {
        for shape in [Shape::Linear, Shape::Branched] {
            let fixture = Fixture::new(shape, n);
            let mut group = c.benchmark_group(format!("{}/{n}", shape.name()));
            configure(&mut group, n);
            bench_fixture(&mut group, &fixture);
            group.finish();
        }
    }
}

/// Short runs: the whole file takes a few minutes on two cores.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>, n: usize) {
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    if n >= 100_000 {
        // A build takes tens of milliseconds: 10 samples of equal size, not
        // the linear ramp whose 55 iterations at least would not fit.
        group.sample_size(10).sampling_mode(SamplingMode::Flat);
    } else {
        group.sample_size(20);
    }
}

fn bench_fixture(group: &mut BenchmarkGroup<'_, WallTime>, fixture: &Fixture) {
    let graph = &fixture.graph;
    let n = u64::try_from(graph.len()).expect("fits");

    group.throughput(Throughput::Elements(n));
    group.bench_function("build", |b| {
        b.iter_batched(
            || fixture.revisions.clone(),
            |revisions| Graph::build(revisions).unwrap_or_else(|errors| panic!("{errors}")),
            BatchSize::LargeInput,
        );
    });
    group.bench_function("upgrade_base_to_heads", |b| {
        b.iter(|| upgrade_base_to_heads(black_box(graph)));
    });
    group.bench_function("downgrade_head_to_base", |b| {
        b.iter(|| downgrade_head_to_base(black_box(graph), black_box(fixture.head)));
    });
    group.bench_function("resolve_branch_head", |b| {
        b.iter(|| resolve(black_box(graph), black_box(&fixture.branch_head)));
    });
    group.bench_function("downgrade_100_steps", |b| {
        b.iter(|| {
            black_box(graph)
                .downgrade_route(&[fixture.head], black_box(&fixture.steps_down))
                .unwrap_or_else(|error| panic!("{error}"))
        });
    });

    group.throughput(Throughput::Elements(1));
    group.bench_function("lookup_prefix", |b| {
        b.iter(|| {
            black_box(graph)
                .lookup(black_box(&fixture.prefix))
                .unwrap_or_else(|error| panic!("{error}"))
        });
    });
}

criterion_group!(benches, bench_graph);
criterion_main!(benches);
