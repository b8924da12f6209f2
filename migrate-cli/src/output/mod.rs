//! Everything the command line prints goes through a [`Printer`]: results
//! on its `out` writer (stdout), notes and errors on its `err` writer
//! (stderr), for people or as JSON. A verb's result is a [`Report`]: it
//! derives `Serialize`, so its JSON is serde's, and writes its human form
//! itself. The writers are injectable, so output is tested without a
//! process.

pub(crate) mod progress;
pub(crate) mod revision;

use std::fmt::Write as _;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use migrate_core::Migrator;
use migrate_core::RevisionIdx;
use migrate_core::driver::Direction;
use migrate_core::migrator::StepReport;
use serde::Serialize;

use crate::args::Format;

/// A verb's result, printable for people and as JSON.
pub(crate) trait Report: Serialize {
    /// The human form, each line ended by a newline.
    fn human(&self, out: &mut String);
}

type Writer = Mutex<Box<dyn Write + Send>>;

/// Prints results in the chosen format.
pub(crate) struct Printer {
    format: Format,
    out: Writer,
    err: Writer,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl Printer {
    /// To stdout and stderr.
    pub(crate) fn new(format: Format) -> Self {
        Self::with_writers(
            format,
            Box::new(std::io::stdout()),
            Box::new(std::io::stderr()),
        )
    }

    /// To these writers.
    pub(crate) fn with_writers(
        format: Format,
        out: Box<dyn Write + Send>,
        err: Box<dyn Write + Send>,
    ) -> Self {
        Self {
            format,
            out: Mutex::new(out),
            err: Mutex::new(err),
        }
    }

    pub(crate) fn format(&self) -> Format {
        self.format
    }

    pub(crate) fn is_json(&self) -> bool {
        self.format == Format::Json
    }

    /// A verb's result: one JSON document, or its human form.
    pub(crate) fn report(&self, report: &impl Report) {
        if self.is_json() {
            // Through a `Value`, whose keys are sorted: the documents keep
            // one key order whatever the structs' field order.
            let value = serde_json::to_value(report).unwrap_or_default();
            let text = serde_json::to_string_pretty(&value).unwrap_or_default();
            self.write_out(&format!("{text}\n"));
        } else {
            let mut text = String::new();
            report.human(&mut text);
            self.write_out(&text);
        }
    }

    /// Text as it is, on stdout: a script, a picture.
    pub(crate) fn text(&self, text: &str) {
        self.write_out(text);
    }

    /// A note for the person at the terminal, on stderr.
    pub(crate) fn note(&self, note: &str) {
        self.write_err(&format!("note: {note}\n"));
    }

    /// A warning, on stderr.
    pub(crate) fn warning(&self, warning: &str) {
        self.write_err(&format!("warning: {warning}\n"));
    }

    /// A line on stderr as it is (signal notes, progress lines).
    pub(crate) fn err_line(&self, line: &str) {
        self.write_err(&format!("{line}\n"));
    }

    /// An error on stderr: `error: ...`, or with JSON one document,
    /// `{"error": {"message": "...", "exit_code": N}}`.
    pub(crate) fn error(&self, message: &str, code: u8) {
        if self.is_json() {
            let document = serde_json::json!({
                "error": { "message": message.trim_end(), "exit_code": code }
            });
            self.write_err(&format!("{document}\n"));
        } else {
            self.write_err(&format!("error: {message}\n"));
        }
    }

    /// One line per applied step, as it lands.
    pub(crate) fn step(&self, report: &StepReport) {
        let arrow = match report.direction {
            Direction::Upgrade => "upgrade  ",
            Direction::Downgrade => "downgrade",
        };
        self.write_out(&format!(
            "{arrow} {}  {}  ({} statement{}, {})\n",
            report.revision,
            report.message,
            report.statements,
            plural(report.statements),
            human_duration(report.duration)
        ));
    }

    /// The closing line of `upgrade` / `downgrade`.
    pub(crate) fn summary(
        &self,
        migrator: &Migrator,
        direction: Direction,
        reports: &[StepReport],
        current: Option<&[RevisionIdx]>,
        elapsed: Duration,
    ) {
        let at = match current {
            Some([]) => "base".to_owned(),
            Some(heads) => heads
                .iter()
                .map(|i| migrator.graph().revision(*i).id.clone())
                .collect::<Vec<_>>()
                .join(", "),
            None => "unknown".to_owned(),
        };
        let line = if reports.is_empty() {
            format!("nothing to {direction}: the database is at {at}\n")
        } else {
            let verb = match direction {
                Direction::Upgrade => "applied",
                Direction::Downgrade => "reverted",
            };
            format!(
                "{verb} {} migration{} in {}; the database is at {at}\n",
                reports.len(),
                plural(reports.len()),
                human_duration(elapsed)
            )
        };
        self.write_out(&line);
    }

    fn write_out(&self, text: &str) {
        write_all(&self.out, text);
    }

    fn write_err(&self, text: &str) {
        write_all(&self.err, text);
    }
}

/// Writes and flushes; a closed pipe (`| head`) is not an error worth a
/// panic.
fn write_all(writer: &Writer, text: &str) {
    let mut writer = writer.lock().unwrap_or_else(|e| e.into_inner());
    let _ = writer.write_all(text.as_bytes());
    let _ = writer.flush();
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub(crate) fn human_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 10_000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Appends a line to a human form.
pub(crate) fn line(out: &mut String, text: impl std::fmt::Display) {
    let _ = writeln!(out, "{text}");
}

#[cfg(test)]
pub(crate) mod testing {
    use std::sync::{Arc, Mutex};

    use super::Printer;
    use crate::args::Format;

    /// A writer whose bytes the test reads back.
    #[derive(Clone, Default)]
    pub(crate) struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        pub(crate) fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    /// A printer and what it wrote to stdout and stderr.
    pub(crate) fn printer(format: Format) -> (Printer, Captured, Captured) {
        let (out, err) = (Captured::default(), Captured::default());
        let printer = Printer::with_writers(format, Box::new(out.clone()), Box::new(err.clone()));
        (printer, out, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Example {
        zebra: u8,
        apple: &'static str,
    }

    impl Report for Example {
        fn human(&self, out: &mut String) {
            line(out, format_args!("{} and {}", self.apple, self.zebra));
        }
    }

    #[test]
    fn a_report_prints_for_people_or_as_one_sorted_json_document() {
        let example = Example {
            zebra: 1,
            apple: "a",
        };
        let (printer, out, err) = testing::printer(Format::Human);
        printer.report(&example);
        assert_eq!(out.text(), "a and 1\n");
        let (printer, out, _) = testing::printer(Format::Json);
        printer.report(&example);
        assert_eq!(out.text(), "{\n  \"apple\": \"a\",\n  \"zebra\": 1\n}\n");
        assert_eq!(err.text(), "");
    }

    #[test]
    fn errors_go_to_stderr_as_text_or_json() {
        let (printer, out, err) = testing::printer(Format::Human);
        printer.error("it broke\n", 1);
        assert_eq!(err.text(), "error: it broke\n\n");
        let (printer, _, json) = testing::printer(Format::Json);
        printer.error("it broke\n", 2);
        assert_eq!(
            json.text(),
            "{\"error\":{\"exit_code\":2,\"message\":\"it broke\"}}\n"
        );
        assert_eq!(out.text(), "");
    }
}
