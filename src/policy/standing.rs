//! Where a certificate stands in its lifecycle (revoked, retired at a time, its environment).
//! One rule, used by the TLS verifier at each handshake, by the sweep that closes open
//! connections, and by the policy at call time, so the three can never disagree.

use crate::pki::Environment;

/// A certificate's lifecycle facts beyond the on/off `active` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    pub revoked: bool,
    /// Unix seconds from which the certificate no longer works (a rotated predecessor).
    pub retire_at: Option<i64>,
    /// `None`: registered without a CA of the store (trusted only through `server.client_ca`).
    pub environment: Option<Environment>,
}

/// Why a certificate that chains to a trusted CA is nevertheless not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Withdrawal {
    #[error("the certificate is revoked")]
    Revoked,
    #[error("the certificate was retired (rotated out)")]
    Retired,
    #[error("the certificate belongs to another environment")]
    OtherEnvironment,
}

impl Standing {
    /// Whether the certificate is withdrawn at `now` (Unix seconds) for a gateway of
    /// `gateway` (`None`: no environment check, e.g. a snapshot built outside a gateway).
    pub fn withdrawal(&self, gateway: Option<Environment>, now: i64) -> Option<Withdrawal> {
        if self.revoked {
            return Some(Withdrawal::Revoked);
        }
        if self.retire_at.is_some_and(|t| now >= t) {
            return Some(Withdrawal::Retired);
        }
        match (gateway, self.environment) {
            (Some(g), Some(c)) if g != c => Some(Withdrawal::OtherEnvironment),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revoked_retired_and_foreign_environment_are_withdrawn() {
        let plain = Standing::default();
        assert_eq!(plain.withdrawal(Some(Environment::Production), 10), None);
        let revoked = Standing {
            revoked: true,
            ..plain
        };
        assert_eq!(revoked.withdrawal(None, 0), Some(Withdrawal::Revoked));
        let rotated = Standing {
            retire_at: Some(100),
            ..plain
        };
        assert_eq!(rotated.withdrawal(None, 99), None);
        assert_eq!(rotated.withdrawal(None, 100), Some(Withdrawal::Retired));
        let test = Standing {
            environment: Some(Environment::Test),
            ..plain
        };
        assert_eq!(test.withdrawal(Some(Environment::Test), 0), None);
        assert_eq!(
            test.withdrawal(Some(Environment::Production), 0),
            Some(Withdrawal::OtherEnvironment)
        );
    }
}
