//! Times the stairway test over this crate's migrations, for
//! `scripts/bench-stairway.sh`:
//!
//! ```sh
//! cargo run --release -p migrations --example stairway -- [RUNS] [SERVER_URL]
//! ```
//!
//! Prints one line per run, `run <i>: <seconds> s (<revisions> revisions)`,
//! then `median: <seconds> s`. Without a URL it runs on in-memory SQLite.

use std::time::Instant;

use migrate_core::testing::Stairway;
use migrations as _;

fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args
        .next()
        .map(|r| r.parse().expect("RUNS is a number"))
        .unwrap_or(5);
    let url = args.next();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("start the runtime");
    let mut times = Vec::with_capacity(runs);
    for i in 1..=runs {
        let mut stairway = Stairway::new();
        if let Some(url) = &url {
            stairway = stairway.database_url(url.clone());
        }
        let start = Instant::now();
        let report = match runtime.block_on(stairway.run()) {
            Ok(report) => report,
            Err(error) => {
                eprintln!("error: {error}");
                std::process::exit(1);
            }
        };
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "run {i}: {seconds:.3} s ({} revisions)",
            report.round_tripped.len()
        );
        times.push(seconds);
    }
    times.sort_by(f64::total_cmp);
    println!("median: {:.3} s", times[times.len() / 2]);
}
