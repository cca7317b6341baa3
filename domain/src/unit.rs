//! Units of a municipality: nursing homes, home care, day and activity centres, housing with
//! care, care districts.

use crate::{ids::UnitId, string_enum::string_enum};

string_enum! {
    /// What kind of place a unit is.
    pub enum UnitKind {
        /// A nursing home with care around the clock (NO sykehjem, DK plejecenter or plejehjem).
        NursingHome => "nursing_home",
        /// Care and help given in people's own homes (NO hjemmetjeneste, DK hjemmepleje).
        HomeCare => "home_care",
        /// A day centre that people attend during the day and go home from (NO dagsenter,
        /// DK daghjem or dagcenter).
        DayCenter => "day_center",
        /// A care district that groups other units (NO omsorgsdistrikt, DK distrikt or område).
        CareDistrict => "care_district",
        /// Housing with staff for people with disabilities (NO bofellesskap, DK bosted or
        /// botilbud).
        DisabilityHousing => "disability_housing",
        /// Homes adapted for older people, with care available when needed (NO omsorgsbolig,
        /// DK ældrebolig or plejebolig).
        ShelteredHousing => "sheltered_housing",
        /// An activity centre open to older people of the area (NO aktivitetssenter, DK
        /// aktivitetscenter).
        ActivityCenter => "activity_center",
        /// Any other kind of place.
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
    fn every_kind_reads_back_and_says_what_it_is() {
        assert_eq!(UnitKind::ALL.len(), 8);
        for kind in UnitKind::ALL {
            assert_eq!(kind.as_str().parse::<UnitKind>(), Ok(*kind));
            assert!(kind.description().trim().ends_with('.'), "{kind}");
        }
        assert_eq!(
            "disability_housing".parse::<UnitKind>(),
            Ok(UnitKind::DisabilityHousing)
        );
        assert!(
            UnitKind::ShelteredHousing
                .description()
                .contains("omsorgsbolig")
        );
        assert!(
            UnitKind::ActivityCenter
                .description()
                .contains("aktivitetscenter")
        );
        assert!("activity_centre".parse::<UnitKind>().is_err());
    }

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
