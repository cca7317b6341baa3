//! Black-box tests of the HTTP API: each test starts the real server on a random port with its
//! own database cloned from a migrated template.

mod activity_kinds;
mod auth;
mod calendars;
mod certificates;
mod clearance;
mod contact_persons;
mod conventions;
mod districts;
mod dogs;
mod events;
mod follow_ups;
mod group_vetting;
mod groups;
mod idempotency;
mod login_throttle;
mod municipalities;
mod needs;
mod notifications;
mod openapi;
mod operations;
mod personal_data;
mod phones;
mod placements;
mod request_guards;
mod service_accounts;
mod surveys;
mod tenancy;
mod time_entries;
mod units;
mod users;
mod volunteers;
mod webhooks;
