//! Who runs a migration: the label a migrator leaves on the lock (the
//! PostgreSQL lock connection's `application_name`) and on the backfills it
//! walks, so that another migrator, or a human, can tell who holds them and
//! whether that process still lives.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};

/// A migrator process: `migrate pid 4242 on web-1 since 2026-11-23T10:00:01Z`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// Its process id.
    pub pid: u32,
    /// The host it runs on.
    pub host: String,
    /// When it started running, to the second.
    pub since: DateTime<Utc>,
}

const TIME: &str = "%Y-%m-%dT%H:%M:%SZ";

impl Owner {
    /// This process, from now.
    pub fn this_process() -> Owner {
        let now = Utc::now();
        Owner {
            pid: std::process::id(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            since: DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now),
        }
    }

    /// Whether the process is alive, when that can be told: it runs on this
    /// host, and `/proc` says whether its pid exists.
    pub fn alive(&self) -> Option<bool> {
        if self.host != gethostname::gethostname().to_string_lossy() {
            return None;
        }
        let proc = std::path::Path::new("/proc");
        if !proc.is_dir() {
            return None;
        }
        Some(self.pid == std::process::id() || proc.join(self.pid.to_string()).exists())
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "migrate pid {} on {} since {}",
            self.pid,
            self.host,
            self.since.format(TIME)
        )
    }
}

/// A label that is not an [`Owner`]'s (another tool's, or edited by hand).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a migrate owner label (`migrate pid <pid> on <host> since <time>`)")]
pub struct NotAnOwner(String);

impl FromStr for Owner {
    type Err = NotAnOwner;

    fn from_str(label: &str) -> Result<Owner, NotAnOwner> {
        let wrong = || NotAnOwner(label.to_owned());
        let rest = label.strip_prefix("migrate pid ").ok_or_else(wrong)?;
        let (pid, rest) = rest.split_once(" on ").ok_or_else(wrong)?;
        let (host, since) = rest.rsplit_once(" since ").ok_or_else(wrong)?;
        Ok(Owner {
            pid: pid.parse().map_err(|_| wrong())?,
            host: host.to_owned(),
            since: NaiveDateTime::parse_from_str(since, TIME)
                .map_err(|_| wrong())?
                .and_utc(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_reads_back_as_the_owner_that_wrote_it() {
        let me = Owner::this_process();
        assert_eq!(me.to_string().parse::<Owner>(), Ok(me.clone()));
        assert!(
            "migrate pid x on h since 2026-01-01T00:00:00Z"
                .parse::<Owner>()
                .is_err()
        );
        assert!("psql".parse::<Owner>().is_err());
    }

    #[test]
    fn an_owner_on_this_host_is_alive_while_its_process_is() {
        let me = Owner::this_process();
        assert_eq!(me.alive(), Some(true));
        let gone = Owner {
            pid: 999_999_999,
            ..me.clone()
        };
        assert_eq!(gone.alive(), Some(false));
        let elsewhere = Owner {
            host: "some-other-host".to_owned(),
            ..me
        };
        assert_eq!(elsewhere.alive(), None);
    }
}
