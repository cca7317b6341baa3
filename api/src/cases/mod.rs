//! Use cases: the flows that several routes (and, later, background jobs and imports) share.
//! Plain functions over a connection and typed inputs, returning domain types or `ApiError`;
//! the rules they apply are the domain's, the SQL the repositories'.

pub mod calendars;
pub mod clearance;
pub mod consents;
pub mod events;
pub mod exports;
pub mod follow_ups;
pub mod imports;
pub mod lifecycle;
pub mod needs;
pub mod notifications;
pub mod personal_data;
pub mod placements;
pub mod recipients;
pub mod retention;
pub mod surveys;
pub mod time_entries;
pub mod vetting;
pub mod visits;
pub mod volunteers;
