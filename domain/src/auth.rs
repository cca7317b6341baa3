//! Who is asking, and which municipality's data they may see.

use crate::{ids::MunicipalityId, string_enum::string_enum};

string_enum! {
    /// What a service account of a municipal system may read. Service accounts never write.
    pub enum ServiceScope {
        /// The volunteer status feed.
        StatusRead => "status:read",
        /// Clearance questions about volunteers and groups.
        ClearanceRead => "clearance:read",
    }
}

/// Which municipalities' rows a caller may see. Every tenant-owned query takes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantScope {
    /// Every municipality (administrators).
    All,
    /// One municipality.
    Municipality(MunicipalityId),
}

impl TenantScope {
    /// Whether a row of `municipality` is visible in this scope.
    pub fn allows(self, municipality: MunicipalityId) -> bool {
        match self {
            TenantScope::All => true,
            TenantScope::Municipality(own) => own == municipality,
        }
    }

    /// The one municipality this scope is limited to, if any.
    pub fn municipality(self) -> Option<MunicipalityId> {
        match self {
            TenantScope::All => None,
            TenantScope::Municipality(own) => Some(own),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_municipality_scope_sees_only_its_own_rows() {
        let (a, b) = (MunicipalityId::generate(), MunicipalityId::generate());
        assert!(TenantScope::Municipality(a).allows(a));
        assert!(!TenantScope::Municipality(a).allows(b));
        assert!(TenantScope::All.allows(b));
    }

    #[test]
    fn scopes_parse_from_their_oauth_names() {
        assert_eq!(
            "status:read".parse::<ServiceScope>(),
            Ok(ServiceScope::StatusRead)
        );
        assert!("status:write".parse::<ServiceScope>().is_err());
    }
}

/// A service account (machine client of a municipal system) as stored, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccount {
    /// Its id.
    pub id: crate::ids::ServiceAccountId,
    /// The one municipality whose data it reads.
    pub municipality_id: MunicipalityId,
    /// What the integration is (e.g. "Gerica status sync").
    pub name: String,
    /// The OAuth2 client id it authenticates with.
    pub client_id: String,
    /// What it may read.
    pub scopes: Vec<ServiceScope>,
    /// Whether it may obtain tokens.
    pub active: bool,
    /// Last time it obtained a token.
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A service-account name: at most 200 characters.
pub type ServiceAccountName = crate::text::Name<200>;
