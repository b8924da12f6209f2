//! `migrate init DIR --from-database URL`: a crate for a database that
//! exists already. Its schema is read, written as models and one baseline
//! migration (`migrate_core::schema::adopt`), and the database is stamped
//! at the baseline, so that `upgrade` runs only what comes after it.

use migrate_core::driver::{Access, ConnectOptions, Driver, Retry, redact_url};
use migrate_core::graph::Target;
use migrate_core::schema::{self, Adopted};
use migrate_core::{Error, Migrator, Registration};

use crate::failure::Failure;
use crate::verbs::close;

/// A database read for adoption.
pub(crate) struct Adoption {
    url: String,
    /// The URL as messages show it, without credentials.
    pub(crate) shown: String,
    pub(crate) adopted: Adopted,
    /// How many tables, enums and views were read.
    pub(crate) counts: (usize, usize, usize),
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Message(format!("init: start the async runtime: {e}")))
}

/// One attempt: `init` is run by a person, who is told at once.
async fn connect(url: &str) -> Result<Box<dyn Driver>, Failure> {
    Ok(ConnectOptions::new(Access::ReadWrite)
        .retry(Retry::none())
        .lasting_only()
        .connect(url)
        .await
        .map_err(Error::from)?)
}

/// A migrator that knows only the baseline `id`: enough to stamp it.
fn baseline_migrator(id: &str) -> Result<Migrator, Failure> {
    let registration: &'static Registration = Box::leak(Box::new(Registration {
        id: Box::leak(id.to_owned().into_boxed_str()),
        revises: &[],
        branch_labels: &[],
        depends_on: &[],
        message: "baseline",
        module: "baseline",
        file: "",
        line: 0,
        upgrade: |_| {},
        downgrade: None,
    }));
    Ok(Migrator::new(vec![registration])?)
}

/// Reads the database at `url` and adopts its schema. Refuses a database
/// another migrations crate manages already (it has migrate's heads), and
/// one with no tables.
pub(crate) fn read(url: &str) -> Result<Adoption, Failure> {
    let shown = redact_url(url);
    runtime()?.block_on(async {
        let mut db = connect(url).await?;
        let read = async {
            // A throwaway id: `current` only says whether some crate's
            // revisions are recorded.
            let managed = match baseline_migrator("000000000000")?
                .current(db.as_mut())
                .await
            {
                Ok(heads) => !heads.is_empty(),
                Err(_) => true,
            };
            if managed {
                return Err(Failure::Message(format!(
                    "init: {shown} has migrate's version tables with revisions recorded: a migrations crate manages it already, so nothing was written. Use that crate (its `check` compares it with the database), or adopt a copy without the tables"
                )));
            }
            let snapshot = schema::snapshot(db.as_mut())
                .await
                .map_err(|e| Failure::Message(format!("init: {shown}: {e}: {}", e.source)))?;
            if snapshot.tables.is_empty() {
                return Err(Failure::Message(format!(
                    "init: {shown} has no tables to adopt; nothing was written. Run `migrate init DIR` without --from-database for a new database"
                )));
            }
            let counts = (
                snapshot.tables.len(),
                snapshot.enums.len(),
                snapshot.views.len(),
            );
            let adopted = schema::adopt(&snapshot).map_err(|e| {
                Failure::Message(format!(
                    "init: the schema of {shown} cannot be written as models: {e}; nothing was written"
                ))
            })?;
            Ok(Adoption {
                url: url.to_owned(),
                shown: shown.clone(),
                adopted,
                counts,
            })
        }
        .await;
        close(db).await;
        read
    })
}

impl Adoption {
    /// Records that the database is at the baseline `id`, running nothing.
    pub(crate) fn stamp(&self, id: &str) -> Result<(), Failure> {
        let migrator = baseline_migrator(id)?;
        runtime()?.block_on(async {
            let mut db = connect(&self.url).await?;
            let stamped = migrator.stamp(db.as_mut(), &[Target::Head], false).await;
            close(db).await;
            stamped.map(|_| ()).map_err(Failure::from)
        })
    }

    /// The lines `Cargo.toml` needs beyond migrate's for the models' field
    /// types, and migrate-core's features they need.
    pub(crate) fn dependencies(&self) -> (String, Vec<&'static str>) {
        let needs = self.adopted.needs;
        let mut lines = String::new();
        let mut features = Vec::new();
        if needs.chrono {
            lines.push_str("chrono = { version = \"0.4\", default-features = false, features = [\"clock\", \"std\"] }\n");
        }
        if needs.serde_json {
            lines.push_str("serde_json = \"1\"\n");
        }
        if needs.uuid {
            lines.push_str("uuid = \"1\"\n");
            features.push("uuid");
        }
        if needs.decimal {
            lines.push_str("rust_decimal = \"1\"\n");
            features.push("decimal");
        }
        (lines, features)
    }
}
