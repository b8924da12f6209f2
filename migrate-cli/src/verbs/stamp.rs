//! `stamp REV...`: writes the heads table, running no migration.

use migrate_core::Error;
use migrate_core::driver::Access;
use migrate_core::graph::Target;
use migrate_core::migrator::Stamped;
use serde::Serialize;

use crate::exit;
use crate::failure::Failure;
use crate::output::{Report, line};

use super::{Context, close};

pub(super) async fn run(
    cx: &Context<'_>,
    revisions: &[String],
    purge: bool,
) -> Result<u8, Failure> {
    let migrator = cx.migrator()?;
    let targets = revisions
        .iter()
        .map(|given| Target::parse(given))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Error::from)?;
    let mut db = cx.connect(Access::ReadWrite).await?;
    let stamped = migrator.stamp(db.as_mut(), &targets, purge).await;
    close(db).await;
    cx.printer.report(&Stamp { stamped: stamped? });
    Ok(exit::OK)
}

#[derive(Serialize)]
struct Stamp {
    stamped: Stamped,
}

impl Report for Stamp {
    fn human(&self, out: &mut String) {
        let list = |ids: &[String]| match ids {
            [] => "base".to_owned(),
            ids => ids.join(", "),
        };
        line(
            out,
            format_args!(
                "stamped: {} -> {} (no migration ran)",
                list(&self.stamped.before),
                list(&self.stamped.after)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::Format;
    use crate::output::testing;

    #[test]
    fn a_stamp_says_what_the_heads_were_and_are() {
        let stamp = Stamp {
            stamped: Stamped {
                before: vec![],
                after: vec!["a002".to_owned(), "b001".to_owned()],
            },
        };
        let (printer, out, _) = testing::printer(Format::Human);
        printer.report(&stamp);
        assert_eq!(
            out.text(),
            "stamped: base -> a002, b001 (no migration ran)\n"
        );
        let (printer, out, _) = testing::printer(Format::Json);
        printer.report(&stamp);
        assert_eq!(
            out.text(),
            "{\n  \"stamped\": {\n    \"after\": [\n      \"a002\",\n      \"b001\"\n    ],\n    \"before\": []\n  }\n}\n"
        );
    }
}
