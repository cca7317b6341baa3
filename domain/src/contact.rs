//! Contact persons (kontaktpersoner): every volunteer and group has one.

use crate::{
    ids::{ContactPersonId, MunicipalityId, StaffUserId},
    string_enum::string_enum,
};

string_enum! {
    /// Who a contact person is.
    pub enum ContactPersonKind {
        /// A municipal employee assigned to volunteers; may be linked to their staff account.
        Staff => "staff",
        /// The person who answers for a group.
        GroupRepresentative => "group_representative",
    }
}

/// A contact person's name: at most 200 characters.
pub type ContactPersonName = crate::text::Name<200>;

/// A contact person as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPerson {
    /// Its id.
    pub id: ContactPersonId,
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// Staff or group representative.
    pub kind: ContactPersonKind,
    /// Full name.
    pub name: String,
    /// Email, normalised.
    pub email: Option<String>,
    /// Phone, E.164.
    pub phone: Option<String>,
    /// The staff account of a staff contact person, if linked.
    pub staff_user_id: Option<StaffUserId>,
    /// Whether new volunteers may be assigned to them.
    pub active: bool,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Why a staff account cannot be linked to a contact person.
pub fn link_problem(
    kind: ContactPersonKind,
    account_role: crate::user::Role,
) -> Option<&'static str> {
    use crate::user::Role;
    if kind != ContactPersonKind::Staff {
        return Some("only staff contact persons are linked to an account");
    }
    match account_role {
        Role::ContactPerson | Role::Coordinator => None,
        Role::Admin | Role::Volunteer => {
            Some("the account must be a contact person's or a coordinator's")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user::Role;

    #[test]
    fn only_staff_contact_persons_link_to_staff_accounts() {
        assert_eq!(
            link_problem(ContactPersonKind::Staff, Role::ContactPerson),
            None
        );
        assert_eq!(
            link_problem(ContactPersonKind::Staff, Role::Coordinator),
            None
        );
        assert!(link_problem(ContactPersonKind::Staff, Role::Volunteer).is_some());
        assert!(
            link_problem(ContactPersonKind::GroupRepresentative, Role::ContactPerson).is_some()
        );
    }
}
