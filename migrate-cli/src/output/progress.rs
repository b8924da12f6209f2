//! Backfill progress on stderr: a bar with rows, rate and ETA on a
//! terminal, otherwise one structured line every few seconds and one at the
//! end, so that CI logs and `kubectl logs` stay readable.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use migrate_core::migrator::{BackfillProgress, OnProgress};

/// How often a line is printed when stderr is not a terminal.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// The callback the migrator calls after every batch.
pub(crate) fn reporter() -> OnProgress {
    if std::io::stderr().is_terminal() {
        let bars: Mutex<HashMap<String, ProgressBar>> = Mutex::new(HashMap::new());
        Arc::new(move |p: &BackfillProgress| {
            let Ok(mut bars) = bars.lock() else { return };
            let key = format!("{} {}", p.revision, p.operation);
            let bar = bars.entry(key.clone()).or_insert_with(|| new_bar(p));
            if let Some(estimate) = p.estimate {
                bar.set_length(estimate.max(p.position));
            }
            bar.set_position(p.position);
            bar.set_message(format!(
                "{} rows updated, batch {}",
                p.rows_updated, p.batch_size
            ));
            if p.done {
                bar.finish_with_message(format!(
                    "{} rows updated in {} batches",
                    p.rows_updated, p.batches
                ));
                bars.remove(&key);
            }
        })
    } else {
        let last: Mutex<Option<Instant>> = Mutex::new(None);
        Arc::new(move |p: &BackfillProgress| {
            let Ok(mut last) = last.lock() else { return };
            let due = last.is_none_or(|at| at.elapsed() >= LINE_EVERY);
            if due || p.done {
                *last = Some(Instant::now());
                // Progress bars and lines are stderr's, beside the printer.
                eprintln!("{}", line(p));
            }
        })
    }
}

fn new_bar(p: &BackfillProgress) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(p.estimate, ProgressDrawTarget::stderr());
    let template = "{prefix} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} rows ({per_sec}, eta {eta}) {msg}";
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    let mut prefix = format!("{} {}", &p.revision, p.operation);
    if let Some(key) = &p.resumed_after {
        prefix.push_str(&format!(" (continuing after {key})"));
    }
    bar.set_prefix(prefix);
    bar
}

/// `backfill revision=... operation="..." rows_updated=... position=...`.
fn line(p: &BackfillProgress) -> String {
    let secs = p.elapsed.as_secs_f64().max(0.001);
    let rate = p.position as f64 / secs;
    let mut line = format!(
        "backfill revision={} operation=\"{}\" rows_updated={} position={} batches={} batch_size={} rows_per_sec={:.0}",
        p.revision, p.operation, p.rows_updated, p.position, p.batches, p.batch_size, rate
    );
    if let Some(estimate) = p.estimate {
        line.push_str(&format!(" estimate={estimate}"));
        if !p.done && rate > 0.0 && estimate > p.position {
            line.push_str(&format!(
                " eta_secs={:.0}",
                (estimate - p.position) as f64 / rate
            ));
        }
    }
    if let Some(key) = &p.last_key {
        line.push_str(&format!(" last_key=\"{key}\""));
    }
    if let Some(key) = &p.resumed_after {
        line.push_str(&format!(" resumed_after=\"{key}\""));
    }
    line.push_str(if p.done { " done=true" } else { " done=false" });
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_has_the_counts_and_an_eta() {
        let p = BackfillProgress {
            revision: "abc".to_owned(),
            operation: "backfill users.locale".to_owned(),
            rows_updated: 500,
            position: 1_000,
            estimate: Some(3_000),
            batches: 2,
            batch_size: 500,
            last_key: Some("(1000)".to_owned()),
            resumed_after: None,
            done: false,
            elapsed: Duration::from_secs(1),
        };
        assert_eq!(
            line(&p),
            "backfill revision=abc operation=\"backfill users.locale\" rows_updated=500 position=1000 batches=2 batch_size=500 rows_per_sec=1000 estimate=3000 eta_secs=2 last_key=\"(1000)\" done=false"
        );
    }
}
