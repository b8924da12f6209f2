//! Faults on real databases, through `src/bin/fault-migrate.rs` (a chain of
//! 200 small migrations, `f001`..`f200`), each test on its own fresh
//! database:
//!
//! - **Concurrency**: eight `upgrade head` processes started at once (SQLite,
//!   PostgreSQL, MariaDB, and PostgreSQL through PgBouncer in transaction
//!   pooling with either lock mode). All must exit 0, apply the 200 migrations exactly
//!   once between them, and leave the schema a single runner leaves.
//! - **`kill -9`** (SQLite, PostgreSQL): a run is killed at a random moment,
//!   then the heads table, the schema and the audit table must agree, and
//!   running the command again must finish the job. Trials alternate between
//!   `upgrade head` from base and `downgrade base` from the head.
//!   `MIGRATE_FAULT_TRIALS` sets the number of trials per backend (default
//!   50); `MIGRATE_FAULT_SEED` the seed of the kill times (printed by every
//!   run; timings differ between runs, so a seed replays the same delays,
//!   not necessarily the same kill points). MySQL commits DDL as it goes, so
//!   a kill there can leave a step half applied by design: no kill trials on
//!   MariaDB.
//!
//! Run with `--nocapture` to see what each runner applied and where kills
//! landed.

// `kill -9` and its exit status are Unix things.
#![cfg(unix)]

mod support;

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use migrate_core::driver::{self, Access};
use migrate_core::schema::{self, Schema};
use support::{Kind, TestDb};

/// Migrations in the chain of `fault-migrate`.
const CHAIN: usize = 200;
/// Runners the concurrency test starts at once.
const RUNNERS: usize = 8;
/// The signal `Child::kill` sends on Unix.
const SIGKILL: i32 = 9;
/// Kill trials per backend when `MIGRATE_FAULT_TRIALS` is not set.
const DEFAULT_TRIALS: usize = 50;

/// The id of migration `n` of the chain (1-based).
fn revision(n: usize) -> String {
    format!("f{n:03}")
}

/// `fault-migrate ARGS --database-url URL`, with no stray environment.
fn command(db: &TestDb, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fault-migrate"));
    command
        .args(args)
        .arg("--database-url")
        .arg(&db.url)
        .env_remove("DATABASE_URL")
        .env_remove("MIGRATE_LOG");
    command
}

/// Runs `fault-migrate ARGS` to completion and returns its stdout; fails the
/// test, with both outputs, unless it exits 0.
fn run_ok(db: &TestDb, args: &[&str], context: &str) -> String {
    let out = command(db, args)
        .output()
        .expect("run fault-migrate to completion");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{context}: {args:?} on {:?} failed ({:?})\nstdout:\n{stdout}\nstderr:\n{}",
        db.kind,
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The revisions a run's stdout says it applied (`upgrade fNNN ...`) or
/// reverted (`downgrade fNNN ...`), in order.
fn steps(stdout: &str, verb: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.split_whitespace().next() == Some(verb))
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(str::to_owned)
        .collect()
}

/// A failed run's error, from its `error:` line on: without the log lines
/// before it (sqlx warns about slow statements while SQLite waits for its
/// lock).
fn error_text(stderr: &str) -> &str {
    let at = if stderr.starts_with("error:") {
        Some(0)
    } else {
        stderr.find("\nerror:").map(|i| i + 1)
    };
    at.map_or(stderr, |at| &stderr[at..]).trim()
}

/// The database's schema, read by introspection.
async fn snapshot(db: &TestDb) -> Schema {
    let mut conn = driver::connect(db.direct_url(), Access::ReadOnly)
        .await
        .expect("connect to read the schema");
    let schema = schema::snapshot(conn.as_mut())
        .await
        .expect("read the schema");
    conn.close().await.ok();
    schema
}

/// Where the heads table says the database is: 0 for base, `n` for `fNNN`.
/// Fails the test unless it names at most one revision of the chain.
async fn position(db: &TestDb, context: &str) -> usize {
    let heads = db.heads().await;
    match heads.as_slice() {
        [] => 0,
        [one] => one
            .strip_prefix('f')
            .and_then(|n| n.parse().ok())
            .filter(|n| (1..=CHAIN).contains(n))
            .unwrap_or_else(|| panic!("{context}: unknown revision in the heads table: {one}")),
        several => panic!("{context}: the heads table names several revisions: {several:?}"),
    }
}

/// Checks the audit table against a database at migration `at` of a
/// backend with transactional DDL: every row is a success (a step killed
/// part-way leaves nothing: no `started` row, no `failed` row), and replaying
/// the success rows in id order, the last one of each revision is an upgrade
/// if and only if the revision is applied.
async fn check_audit(db: &TestDb, at: usize, context: &str) {
    let rows = db.audit().await;
    let mut problems = Vec::new();
    let mut last: BTreeMap<&str, &str> = BTreeMap::new();
    for (revision, direction, outcome) in &rows {
        if outcome == "success" {
            last.insert(revision, direction);
        } else {
            problems.push(format!("{revision} {direction}: outcome {outcome}"));
        }
    }
    for n in 1..=CHAIN {
        let id = revision(n);
        let applied = n <= at;
        let last_is_upgrade = last.remove(id.as_str()) == Some("upgrade");
        if applied != last_is_upgrade {
            problems.push(format!(
                "{id} is {}applied, but its last success row is {}",
                if applied { "" } else { "not " },
                if last_is_upgrade {
                    "an upgrade"
                } else {
                    "not an upgrade"
                }
            ));
        }
    }
    problems.extend(last.keys().map(|id| format!("unknown revision {id}")));
    assert!(
        problems.is_empty(),
        "{context}: the audit table disagrees with the heads table (at {}):\n{}",
        at_label(at),
        problems.join("\n")
    );
}

/// `base` or `fNNN`.
fn at_label(at: usize) -> String {
    if at == 0 {
        "base".to_owned()
    } else {
        revision(at)
    }
}

/// Fails the test, with the differences, unless `actual` equals `expected`.
fn assert_same_schema(expected: &Schema, actual: &Schema, context: &str) {
    let diff = expected.diff(actual);
    assert!(
        diff.is_empty(),
        "{context}: the schema differs from the reference (reference -> tested):\n{diff}"
    );
}

/// What one of the concurrent runners did.
#[derive(Debug)]
struct Runner {
    /// Its exit status and outputs.
    output: Output,
    /// The revisions its stdout says it applied.
    applied: Vec<String>,
}

/// Eight `upgrade head` at once against `db`, compared with one runner on
/// `reference`.
async fn concurrent(db: TestDb, reference: TestDb, upgrade: &[&str]) {
    let kind = db.kind;
    let context = format!("{kind:?}, {RUNNERS} concurrent runners of {upgrade:?}");
    run_ok(&reference, &["upgrade", "head"], "reference run");
    let expected = snapshot(&reference).await;

    let start = Instant::now();
    let children: Vec<Child> = (0..RUNNERS)
        .map(|_| {
            command(&db, upgrade)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start fault-migrate")
        })
        .collect();
    // One thread per child reads its pipes, so none blocks on a full one.
    let runners: Vec<Runner> = std::thread::scope(|scope| {
        let waits: Vec<_> = children
            .into_iter()
            .map(|child| scope.spawn(move || child.wait_with_output()))
            .collect();
        waits
            .into_iter()
            .map(|wait| {
                let output = wait
                    .join()
                    .expect("the waiting thread does not panic")
                    .expect("wait for fault-migrate");
                let applied = steps(&String::from_utf8_lossy(&output.stdout), "upgrade");
                Runner { output, applied }
            })
            .collect()
    });
    let elapsed = start.elapsed();

    println!("{context}: done in {elapsed:.2?}");
    let mut failures = Vec::new();
    for (i, runner) in runners.iter().enumerate() {
        let stdout = String::from_utf8_lossy(&runner.output.stdout);
        let stderr = String::from_utf8_lossy(&runner.output.stderr);
        let last = stdout.lines().last().unwrap_or("(no output)");
        println!(
            "  runner {i}: exit {:?}, applied {} step(s); {}",
            runner.output.status.code(),
            runner.applied.len(),
            if runner.output.status.success() {
                last
            } else {
                error_text(&stderr)
            }
        );
        if !runner.output.status.success() {
            failures.push(format!(
                "runner {i} exited {:?} after applying {} step(s): {}",
                runner.output.status.code(),
                runner.applied.len(),
                error_text(&stderr)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{context}: every runner must exit 0\n{}",
        failures.join("\n")
    );

    let total: usize = runners.iter().map(|r| r.applied.len()).sum();
    assert_eq!(
        total, CHAIN,
        "{context}: the runners applied {total} steps between them"
    );
    let mut all: Vec<&String> = runners.iter().flat_map(|r| &r.applied).collect();
    all.sort();
    let chain: Vec<String> = (1..=CHAIN).map(revision).collect();
    assert!(
        all.iter().copied().eq(chain.iter()),
        "{context}: each migration must be applied by exactly one runner"
    );

    let rows = db.audit().await;
    let upgrades: Vec<_> = rows.iter().filter(|(_, d, _)| d == "upgrade").collect();
    let others: Vec<_> = rows.iter().filter(|(_, d, _)| d != "upgrade").collect();
    let mut successes: Vec<&String> = upgrades
        .iter()
        .filter(|(_, _, outcome)| outcome == "success")
        .map(|(revision, _, _)| revision)
        .collect();
    successes.sort();
    assert!(
        successes.iter().copied().eq(chain.iter()) && upgrades.len() == CHAIN,
        "{context}: the audit table must hold one upgrade success row per migration and no \
         other upgrade row; it holds {} upgrade row(s), {} of them successes:\n{}",
        upgrades.len(),
        successes.len(),
        upgrades
            .iter()
            .filter(|(_, _, outcome)| outcome != "success")
            .map(|(r, d, o)| format!("{r} {d} {o}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(others.is_empty(), "{context}: downgrade rows: {others:?}");
    assert_eq!(db.heads().await, [revision(CHAIN)], "{context}");
    assert_same_schema(&expected, &snapshot(&db).await, &context);
}

#[tokio::test]
async fn concurrent_upgrades_on_sqlite() {
    concurrent(TestDb::sqlite(), TestDb::sqlite(), &["upgrade", "head"]).await;
}

#[tokio::test]
async fn concurrent_upgrades_on_postgres() {
    if let (Some(db), Some(reference)) = (TestDb::postgres().await, TestDb::postgres().await) {
        concurrent(db, reference, &["upgrade", "head"]).await;
    }
}

/// PostgreSQL's transaction-scoped lock, as through PgBouncer's transaction
/// pooling: runners interleave per migration, and plan again when another
/// moved the heads.
#[tokio::test]
async fn concurrent_upgrades_on_postgres_with_transaction_locks() {
    if let (Some(db), Some(reference)) = (TestDb::postgres().await, TestDb::postgres().await) {
        let upgrade = ["upgrade", "head", "--lock-mode", "transaction"];
        concurrent(db, reference, &upgrade).await;
    }
}

/// Through PgBouncer in transaction pooling, where each transaction may
/// run on another server connection, with either lock mode.
#[tokio::test]
async fn concurrent_upgrades_through_pgbouncer() {
    for mode in ["session", "transaction"] {
        if let (Some(db), Some(reference)) = (
            TestDb::postgres_via_pgbouncer().await,
            TestDb::postgres().await,
        ) {
            let upgrade = ["upgrade", "head", "--lock-mode", mode];
            concurrent(db, reference, &upgrade).await;
        }
    }
}

#[tokio::test]
async fn concurrent_upgrades_on_mariadb() {
    if let (Some(db), Some(reference)) = (TestDb::mysql().await, TestDb::mysql().await) {
        concurrent(db, reference, &["upgrade", "head"]).await;
    }
}

/// splitmix64: a tiny deterministic generator for the kill times.
#[derive(Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    /// The next 64 random bits.
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// How long to let a run live whose full length is `full`: mostly
    /// anywhere within it, sometimes in its first 30 ms (start-up and
    /// connect), sometimes past its end (the run may have finished).
    fn delay(&mut self, full: Duration) -> Duration {
        let slice = self.next() % 10;
        let unit = self.unit();
        match slice {
            0 => Duration::from_millis(30).mul_f64(unit),
            1 => full.mul_f64(1.0 + 0.25 * unit),
            _ => full.mul_f64(unit),
        }
    }
}

/// An environment variable parsed as a number, or `default`.
fn env_number(name: &str, default: impl FnOnce() -> u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("{name}={text}: not a number: {e}")),
        Err(_) => default(),
    }
}

/// PostgreSQL keeps a killed client's backend running until it notices the
/// closed socket: wait until no other client of the database is running a
/// statement or holding a transaction (and with it a lock), so that what
/// the checks read cannot change under them. (A pooler keeps idle server
/// connections open.)
async fn wait_for_orphans(db: &TestDb) {
    if db.kind != Kind::Postgres {
        return;
    }
    let sql = "SELECT count(*)::text FROM pg_stat_activity \
               WHERE datname = current_database() AND pid <> pg_backend_pid() \
               AND backend_type = 'client backend' AND state <> 'idle'";
    let deadline = Instant::now() + Duration::from_secs(30);
    while db.strings(sql).await != ["0"] {
        assert!(
            Instant::now() < deadline,
            "the killed run's backend still runs after 30 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The schema after a kill, to compare with the reference at `at` once
/// the reference gets there.
#[derive(Debug)]
struct Pending {
    /// Which trial.
    trial: usize,
    /// Where the heads table said the database was.
    at: usize,
    /// The schema it had.
    schema: Schema,
}

/// Where the kills of a backend landed.
#[derive(Debug, Default)]
struct Landed {
    /// The run had not committed a step yet.
    before_first_step: usize,
    /// Part of the way.
    mid_run: usize,
    /// The run had finished when the signal came.
    after_the_end: usize,
}

/// `MIGRATE_FAULT_TRIALS` kill trials against `db` (`default` when unset);
/// `reference` gives the expected schema at each revision.
async fn kill_trials(db: TestDb, reference: TestDb, default: usize) {
    let kind = db.kind;
    let started = Instant::now();
    let trials = env_number("MIGRATE_FAULT_TRIALS", || default as u64) as usize;
    let seed = env_number("MIGRATE_FAULT_SEED", || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_nanos() as u64
    });
    println!("{kind:?}: {trials} kill trials, MIGRATE_FAULT_SEED={seed}");
    let mut rng = SplitMix64(seed);

    // Full runs each way on the reference: the kill delays are drawn within
    // their lengths (the faster of two, the first being cold), and the
    // schemas at head and base come with them.
    let mut full_upgrade = Duration::MAX;
    let mut full_downgrade = Duration::MAX;
    let mut at_head = None;
    for _ in 0..2 {
        let t = Instant::now();
        run_ok(&reference, &["upgrade", "head"], "measuring a full upgrade");
        full_upgrade = full_upgrade.min(t.elapsed());
        at_head = Some(snapshot(&reference).await);
        let t = Instant::now();
        run_ok(
            &reference,
            &["downgrade", "base"],
            "measuring a full downgrade",
        );
        full_downgrade = full_downgrade.min(t.elapsed());
    }
    let at_head = at_head.expect("the reference went up");
    let at_base = snapshot(&reference).await;
    println!(
        "{kind:?}: a full upgrade takes {full_upgrade:.2?}, a full downgrade {full_downgrade:.2?}"
    );

    let trials_started = Instant::now();
    let mut pending = Vec::new();
    let mut landed = Landed::default();
    // Time spent checking rather than running fault-migrate.
    let mut checking = Duration::ZERO;
    for trial in 0..trials {
        let upgrade = trial % 2 == 0;
        let (verb, target, full, start, end) = if upgrade {
            ("upgrade", "head", full_upgrade, 0, CHAIN)
        } else {
            ("downgrade", "base", full_downgrade, CHAIN, 0)
        };
        let delay = rng.delay(full);
        let context = format!(
            "{kind:?} trial {trial} (seed {seed}): `{verb} {target}` killed after {delay:.2?}"
        );

        let mut child = command(&db, &[verb, target])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start fault-migrate");
        tokio::time::sleep(delay).await;
        if child.try_wait().expect("poll fault-migrate").is_none() {
            // SIGKILL on Unix.
            child.kill().expect("kill -9 fault-migrate");
        }
        // The pipe keeps what the process wrote before it died: the steps
        // it reported done.
        let output = child.wait_with_output().expect("reap fault-migrate");
        let finished = output.status.success();
        assert!(
            finished || output.status.signal() == Some(SIGKILL),
            "{context}: the run failed on its own ({:?}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let reported = steps(&String::from_utf8_lossy(&output.stdout), verb).len();
        let checks = Instant::now();
        wait_for_orphans(&db).await;

        // The heads table names one revision at most, and every step the
        // run reported is there; at most one more committed unreported.
        let at = position(&db, &context).await;
        let done = start.abs_diff(at);
        assert!(
            done == reported || done == reported + 1,
            "{context}: the run reported {reported} step(s) done, the heads table says {} \
             ({done} step(s))",
            at_label(at)
        );
        if finished {
            assert_eq!(at, end, "{context}: the run finished but did not get there");
            landed.after_the_end += 1;
        } else if done == 0 {
            landed.before_first_step += 1;
        } else {
            landed.mid_run += 1;
        }
        check_audit(&db, at, &context).await;
        let schema = snapshot(&db).await;
        match at {
            0 => assert_same_schema(&at_base, &schema, &context),
            CHAIN => assert_same_schema(&at_head, &schema, &context),
            _ => pending.push(Pending { trial, at, schema }),
        }

        // Running the command again finishes the job.
        checking += checks.elapsed();
        let context = format!("{context}, then run again");
        run_ok(&db, &[verb, target], &context);
        let checks = Instant::now();
        assert_eq!(position(&db, &context).await, end, "{context}");
        check_audit(&db, end, &context).await;
        let expected = if upgrade { &at_head } else { &at_base };
        assert_same_schema(expected, &snapshot(&db).await, &context);
        checking += checks.elapsed();
    }
    let trials_took = trials_started.elapsed();

    // The reference climbs once, stopping at each revision a kill left the
    // database at.
    pending.sort_by_key(|p| p.at);
    let mut reference_at = 0;
    let mut expected = at_base;
    for p in &pending {
        if p.at != reference_at {
            let target = revision(p.at);
            run_ok(&reference, &["upgrade", &target], "moving the reference");
            reference_at = p.at;
            expected = snapshot(&reference).await;
        }
        let context = format!(
            "{kind:?} trial {} (seed {seed}): after the kill, at {}",
            p.trial,
            revision(p.at)
        );
        assert_same_schema(&expected, &p.schema, &context);
    }
    let mut revisions: Vec<usize> = pending.iter().map(|p| p.at).collect();
    revisions.dedup();
    println!(
        "{kind:?}: {trials} trials in {trials_took:.1?} ({checking:.1?} of it checking), \
         {:.1?} with measuring and the reference; killed {} before the first step committed, \
         {} mid-run, {} after the run had finished; {} distinct revisions checked against the \
         reference",
        started.elapsed(),
        landed.before_first_step,
        landed.mid_run,
        landed.after_the_end,
        revisions.len()
    );
}

#[tokio::test]
async fn kill_trials_on_sqlite() {
    kill_trials(TestDb::sqlite(), TestDb::sqlite(), DEFAULT_TRIALS).await;
}

#[tokio::test]
async fn kill_trials_on_postgres() {
    if let (Some(db), Some(reference)) = (TestDb::postgres().await, TestDb::postgres().await) {
        kill_trials(db, reference, DEFAULT_TRIALS).await;
    }
}

/// Through PgBouncer in transaction pooling, with the default (session)
/// lock: a killed client's transaction, and the lock it held, go with the
/// server connection the pooler then closes.
#[tokio::test]
async fn kill_trials_through_pgbouncer() {
    if let (Some(db), Some(reference)) = (
        TestDb::postgres_via_pgbouncer().await,
        TestDb::postgres().await,
    ) {
        kill_trials(db, reference, DEFAULT_TRIALS / 2).await;
    }
}

/// A run killed inside a SQLite transaction leaves its rollback journal
/// behind ("hot"), for the next connection to roll back. `current` opens the
/// file read-only, and must still say where the database is.
#[tokio::test]
async fn current_after_a_kill_on_sqlite() {
    /// How a rollback journal starts, until its transaction ends and SQLite
    /// deletes the file or zeroes this header.
    const MAGIC: [u8; 8] = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];
    let db = TestDb::sqlite();
    let journal = format!("{}-journal", db.url.trim_start_matches("sqlite:"));
    let hot = || std::fs::read(&journal).is_ok_and(|bytes| bytes.starts_with(&MAGIC));
    // The kill lands as soon as the journal is hot: inside a step's
    // transaction, however long the process takes to get there (a loaded
    // machine made a fixed delay miss every time). A step may commit
    // between the look and the kill: then again. (Only a non-empty
    // database has a journal: start from the head and go down.)
    run_ok(&db, &["upgrade", "head"], "up to the head");
    for _ in 0..20_u32 {
        let mut child = command(&db, &["downgrade", "base"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start fault-migrate");
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !hot()
            && std::time::Instant::now() < deadline
            && child.try_wait().expect("poll fault-migrate").is_none()
        {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        child.kill().expect("kill -9 fault-migrate");
        child.wait().expect("reap fault-migrate");
        if hot() {
            break;
        }
        run_ok(&db, &["upgrade", "head"], "back to the head");
    }
    assert!(hot(), "no kill left a hot journal in 20 attempts");

    let out = command(&db, &["current"])
        .output()
        .expect("run fault-migrate current");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "`current` after a kill -9 left a hot journal: {:?}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    // Read-write, so this connection rolls the journal back first.
    let at = at_label(position(&db, "after the kill").await);
    assert_eq!(
        stdout.split_whitespace().next(),
        Some(at.as_str()),
        "`current` says {stdout}"
    );
}

/// `index-migrate ARGS --database-url URL`.
fn index_command(url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_index-migrate"));
    command
        .args(args)
        .arg("--database-url")
        .arg(url)
        .env_remove("DATABASE_URL")
        .env_remove("MIGRATE_LOG");
    command
}

/// Three replicas start together while the pending migration builds an
/// index `CONCURRENTLY` on a million rows. The waiters must not hold a
/// snapshot while they wait (a blocked `pg_advisory_lock` does, and the
/// index build then waits for them until they give up): all exit 0, the
/// index is built once and valid, and the whole run takes less than three
/// times what one runner alone takes.
#[tokio::test]
async fn replicas_waiting_for_the_lock_do_not_hold_up_a_concurrent_index() {
    let (Some(alone), Some(together)) = (TestDb::postgres().await, TestDb::postgres().await) else {
        return;
    };
    replicas_and_a_concurrent_index(&alone.url, &together.url, &together).await;
}

/// The same through PgBouncer in transaction pooling, with the default
/// lock: the lock's transaction holds no snapshot either.
#[tokio::test]
async fn replicas_through_pgbouncer_do_not_hold_up_a_concurrent_index() {
    let (Some(alone), Some(together)) = (
        TestDb::postgres_via_pgbouncer().await,
        TestDb::postgres_via_pgbouncer().await,
    ) else {
        return;
    };
    replicas_and_a_concurrent_index(&alone.url, &together.url, &together).await;
}

async fn replicas_and_a_concurrent_index(alone: &str, together: &str, check: &TestDb) {
    for url in [alone, together] {
        let out = index_command(url, &["upgrade", "i001"]).output().unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    // One runner alone, timed before and after the replicas (the longer
    // of the two counts, so that load from other tests does not decide).
    let alone_once = || {
        let started = Instant::now();
        let out = index_command(alone, &["upgrade"]).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let took = started.elapsed();
        let out = index_command(alone, &["downgrade", "i001"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        took
    };
    let before = alone_once();

    let started = Instant::now();
    let replicas: Vec<Child> = (0..3)
        .map(|_| {
            index_command(together, &["upgrade", "--lock-timeout", "60"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = replicas
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let three = started.elapsed();
    let one = before.max(alone_once());
    let mut built = 0;
    for out in &outputs {
        assert!(
            out.status.success(),
            "a replica failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        built += steps(&String::from_utf8_lossy(&out.stdout), "upgrade").len();
    }
    assert_eq!(built, 1, "the index migration ran once");
    let valid = check
        .strings(
            "SELECT i.indisvalid::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             WHERE c.relname = 'ix_events_kind'",
        )
        .await;
    assert_eq!(valid, ["true"]);
    println!("one runner: {one:?}; three replicas at once: {three:?}");
    assert!(
        three < one * 3,
        "three replicas took {three:?}, one runner alone {one:?}: the waiters held up the index"
    );
}
