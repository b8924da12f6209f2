//! Which way a step moves the schema: the graph routes, the migrator runs
//! and the audit table records it.

use std::fmt;

/// Which way a step moves the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Applies a revision.
    Upgrade,
    /// Reverts a revision.
    Downgrade,
}

impl Direction {
    /// `"upgrade"` or `"downgrade"`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
        }
    }
}

impl Direction {
    /// Parses the stored text.
    pub fn parse(text: &str) -> Direction {
        if text == "downgrade" {
            Direction::Downgrade
        } else {
            Direction::Upgrade
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Direction {
    /// The other way.
    pub fn opposite(self) -> Direction {
        match self {
            Direction::Upgrade => Direction::Downgrade,
            Direction::Downgrade => Direction::Upgrade,
        }
    }
}
