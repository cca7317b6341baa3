//! Samspill's JSON REST API: routes, DTOs, auth, problem+json errors and the OpenAPI document.

pub mod access;
pub mod app;
pub mod auth;
pub mod body;
pub mod bootstrap;
pub mod cases;
pub mod clock;
pub mod config;
pub mod csv;
pub mod demo;
pub mod dto;
pub mod error;
pub mod etag;
pub mod extract;
pub mod idempotency;
pub mod input;
pub mod jobs;
pub mod metrics;
pub mod notify;
pub mod openapi;
pub mod pagination;
pub mod problem;
pub mod random;
pub mod rate_limit;
pub mod routes;
pub mod routing;
pub mod scheduler;
pub mod state;
pub mod streaming;
pub mod telemetry;
pub mod webhooks;

pub use app::Application;
pub use config::Config;
