//! Request and response shapes that more than one route file uses. A shape used by one route
//! file stays next to its handlers.

pub mod group;
pub mod vetting;
pub mod volunteer;
