//! The environment a CA, a certificate and a gateway belong to. A certificate of one
//! environment is never accepted by a gateway of the other: the seeds issue a consumer a test
//! certificate first and a production one later, from different CAs.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

/// `test` or `production`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Test,
    Production,
}

impl Environment {
    /// The label stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Test => "test",
            Environment::Production => "production",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The label is not `test` or `production`.
#[derive(Debug, thiserror::Error)]
#[error("'{0}' is not an environment: use test or production")]
pub struct UnknownEnvironment(pub String);

impl FromStr for Environment {
    type Err = UnknownEnvironment;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "test" => Ok(Environment::Test),
            "production" => Ok(Environment::Production),
            other => Err(UnknownEnvironment(other.to_string())),
        }
    }
}
