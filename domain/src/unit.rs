//! Units of a municipality: nursing homes, home-care districts, day centres.

use crate::{ids::UnitId, string_enum::string_enum};

string_enum! {
    /// What kind of place a unit is.
    pub enum UnitKind {
        /// Sykehjem / plejecenter.
        NursingHome => "nursing_home",
        /// Hjemmetjeneste / hjemmepleje.
        HomeCare => "home_care",
        /// Dagsenter / daghjem.
        DayCenter => "day_center",
        /// Omsorgsdistrikt: a district that groups other units.
        CareDistrict => "care_district",
        /// Anything else.
        Other => "other",
    }
}

/// A unit name: at most 200 characters.
pub type UnitName = crate::text::Name<200>;

/// Whether `unit` may get `parent` as its parent, given the chain of `parent`'s own ancestors
/// (nearest first). A unit cannot be its own ancestor.
pub fn parent_allowed(unit: UnitId, parent: UnitId, ancestors_of_parent: &[UnitId]) -> bool {
    parent != unit && !ancestors_of_parent.contains(&unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_cannot_be_its_own_parent_or_ancestor() {
        let (a, b, c) = (UnitId::generate(), UnitId::generate(), UnitId::generate());
        assert!(parent_allowed(a, b, &[]));
        assert!(!parent_allowed(a, a, &[]));
        // b's parent is c, c's parent is a: making b a's parent closes a loop.
        assert!(!parent_allowed(a, b, &[c, a]));
    }
}

/// A unit as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Its id.
    pub id: UnitId,
    /// The municipality it belongs to.
    pub municipality_id: crate::ids::MunicipalityId,
    /// Its name, unique within the municipality (ignoring case).
    pub name: String,
    /// What kind of place it is.
    pub kind: UnitKind,
    /// The unit it belongs under, if any (a district above a nursing home).
    pub parent_id: Option<UnitId>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}
