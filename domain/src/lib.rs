//! Samspill's business model: typed ids, value types that parse, and the rules that decide
//! who may do what. Nothing here knows about HTTP or SQL.

pub mod activity;
pub mod audit;
pub mod auth;
pub mod certificate;
pub mod clearance;
pub mod consent;
pub mod contact;
pub mod dates;
pub mod dog;
pub mod erasure;
pub mod error;
pub mod event;
pub mod follow_up;
pub mod group;
pub mod group_clearance;
pub mod ids;
pub mod login_throttle;
pub mod municipality;
pub mod need;
pub mod notification;
pub mod phone;
pub mod placement;
pub mod recipient;
pub mod retention;
pub mod schedule;
mod string_enum;
pub mod survey;
pub mod text;
pub mod time_entry;
pub mod unit;
pub mod user;
pub mod vetting;
pub mod visit;
pub mod volunteer;
pub mod volunteer_draft;
pub mod volunteer_import;
pub mod webhook;
pub mod work;

pub use error::ParseError;
