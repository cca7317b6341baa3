//! Webhooks following the Standard Webhooks specification: endpoint URLs checked so the service
//! cannot be made to call internal networks, secrets and signatures, and the worker that hands
//! outbox events to endpoints and sends them with retries.

pub mod guard;
pub mod sender;
pub mod signing;
