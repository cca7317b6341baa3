//! Staff user accounts: roles, who may manage whom, emails and password policy.

use crate::{ParseError, string_enum::string_enum};
use serde::Serialize;

string_enum! {
    /// What a staff user account may do.
    pub enum Role {
        /// Runs the installation: every municipality.
        Admin => "admin",
        /// Coordinates volunteers in one municipality.
        Coordinator => "coordinator",
        /// A municipal employee who sees the volunteers and groups assigned to them.
        ContactPerson => "contact_person",
        /// A volunteer reading and updating their own record.
        Volunteer => "volunteer",
    }
}

impl Role {
    /// Whether accounts of this role belong to one municipality. Only admins do not.
    pub const fn belongs_to_municipality(self) -> bool {
        !matches!(self, Role::Admin)
    }

    /// Whether a user of this role may create or change accounts of role `target`.
    /// Admins manage everyone; coordinators manage the non-admin accounts of their own municipality.
    pub const fn may_manage(self, target: Role) -> bool {
        match self {
            Role::Admin => true,
            Role::Coordinator => !matches!(target, Role::Admin),
            Role::ContactPerson | Role::Volunteer => false,
        }
    }

    /// Whether this role manages municipality data (units, staff, service accounts).
    pub const fn is_manager(self) -> bool {
        matches!(self, Role::Admin | Role::Coordinator)
    }
}

/// A normalised email address: trimmed, lower-cased, one `@`, a dotted domain, at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Normalises and checks `raw`.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let email = raw.trim().to_lowercase();
        let invalid = || {
            ParseError::new(
                "invalid_email",
                "must be an email address such as kari@example.no",
            )
        };
        if email.is_empty() {
            return Err(ParseError::new("required", "must not be empty"));
        }
        if email.chars().count() > 254 {
            return Err(ParseError::new(
                "too_long",
                "must be at most 254 characters",
            ));
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .split('.')
                .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.chars().any(|c| {
                c.is_whitespace()
                    || c.is_control()
                    || matches!(
                        c,
                        '@' | '<' | '>' | '(' | ')' | ',' | ';' | ':' | '\\' | '"' | '[' | ']'
                    )
            });
        if !domain_ok || !local_ok {
            return Err(invalid());
        }
        Ok(Self(email))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The shortest password accepted.
pub const PASSWORD_MIN_CHARS: usize = 12;
/// The longest password accepted (hashing cost stays bounded).
pub const PASSWORD_MAX_CHARS: usize = 256;

/// Checks a new password against the policy: long enough, not absurdly long, not blank.
pub fn check_password_policy(password: &str) -> Result<(), ParseError> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(ParseError::new(
            "too_short",
            format!("must be at least {PASSWORD_MIN_CHARS} characters"),
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(ParseError::new(
            "too_long",
            format!("must be at most {PASSWORD_MAX_CHARS} characters"),
        ));
    }
    if password.trim().is_empty() {
        return Err(ParseError::new("too_weak", "must not be only white space"));
    }
    Ok(())
}

/// A person's display name: at most 200 characters.
pub type DisplayName = crate::text::Name<200>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            Email::parse("  Kari.Nordmann@Example.NO ").map(|e| e.as_str().to_owned()),
            Ok("kari.nordmann@example.no".to_owned())
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "kari",
            "kari@",
            "@example.no",
            "kari@example",
            "kari@@example.no",
            "ka ri@example.no",
            "kari@exa_mple.no",
            "kari@.no",
            "kari@example..no",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn only_admins_and_coordinators_manage_accounts() {
        assert!(Role::Admin.may_manage(Role::Admin));
        assert!(Role::Coordinator.may_manage(Role::ContactPerson));
        assert!(Role::Coordinator.may_manage(Role::Coordinator));
        assert!(!Role::Coordinator.may_manage(Role::Admin));
        assert!(!Role::ContactPerson.may_manage(Role::Volunteer));
        assert!(!Role::Volunteer.may_manage(Role::Volunteer));
    }

    #[test]
    fn password_policy_counts_characters_not_bytes() {
        assert!(check_password_policy("kort").is_err());
        assert!(check_password_policy("æøåæøåæøåæøå").is_ok());
        assert!(check_password_policy("            ").is_err());
        assert!(check_password_policy(&"x".repeat(257)).is_err());
    }
}

/// A staff user account as stored (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    /// Its id.
    pub id: crate::ids::StaffUserId,
    /// The municipality it belongs to; `None` for admins.
    pub municipality_id: Option<crate::ids::MunicipalityId>,
    /// Login email, unique.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// What the account may do.
    pub role: Role,
    /// Whether the user must choose a new password (it was generated or reset).
    pub password_change_required: bool,
    /// Whether the account may log in.
    pub active: bool,
    /// Last successful password login.
    pub last_login_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}
