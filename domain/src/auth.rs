//! Who is asking, and which municipality's data they may see.

use crate::{
    ids::{MunicipalityId, StaffUserId},
    string_enum::string_enum,
    user::Role,
};

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

/// Who among a municipality's volunteers (and what hangs off them: their dogs, their vetting)
/// an account may see, within its tenant scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Administrators and municipal systems: every volunteer in the tenant scope.
    Everyone,
    /// A coordinator: every volunteer of the municipality, unless the account is limited to care
    /// districts; then those whose home unit lies in one of its districts or below, and the
    /// placements, visits, follow-ups and hours of those units. Which units an account's
    /// districts cover is stored, so the rule is applied where the rows are read.
    Coordinator(StaffUserId),
    /// A contact person: the volunteers whose contact person is linked to this account.
    AssignedTo(StaffUserId),
    /// A volunteer: their own record, linked to this account.
    Own(StaffUserId),
}

impl Audience {
    /// Whose volunteer records a staff account with `role` reads among its municipality's:
    /// administrators every one, coordinators every one of their districts (all when they have
    /// none), contact persons those assigned to them. Volunteer accounts read none this way
    /// (only their own record, [`Audience::own`]).
    pub fn of_staff(role: Role, account: StaffUserId) -> Option<Self> {
        match role {
            Role::Admin => Some(Self::Everyone),
            Role::Coordinator => Some(Self::Coordinator(account)),
            Role::ContactPerson => Some(Self::AssignedTo(account)),
            Role::Volunteer => None,
        }
    }

    /// Whether this audience manages what it sees (administrators, coordinators and the
    /// systems reading for a municipality), rather than following up what is theirs.
    pub fn manages(self) -> bool {
        matches!(self, Self::Everyone | Self::Coordinator(_))
    }

    /// A volunteer account's own record; other roles have none.
    pub fn own(role: Role, account: StaffUserId) -> Option<Self> {
        (role == Role::Volunteer).then_some(Self::Own(account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managers_see_everyone_contact_persons_their_own_volunteers_and_volunteers_nobody_else() {
        let account = StaffUserId::generate();
        assert_eq!(
            Audience::of_staff(Role::Admin, account),
            Some(Audience::Everyone)
        );
        assert_eq!(
            Audience::of_staff(Role::Coordinator, account),
            Some(Audience::Coordinator(account))
        );
        assert!(Audience::Coordinator(account).manages() && Audience::Everyone.manages());
        assert!(!Audience::AssignedTo(account).manages() && !Audience::Own(account).manages());
        assert_eq!(
            Audience::of_staff(Role::ContactPerson, account),
            Some(Audience::AssignedTo(account))
        );
        assert_eq!(Audience::of_staff(Role::Volunteer, account), None);
        assert_eq!(
            Audience::own(Role::Volunteer, account),
            Some(Audience::Own(account))
        );
        assert_eq!(Audience::own(Role::Coordinator, account), None);
    }

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
