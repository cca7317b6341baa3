//! Rate limiting of the token endpoint and public endpoints: per client address, answered with
//! 429 problem+json and `Retry-After`.

use crate::config::Config;
use crate::error::{PROBLEM_JSON, problem};
use actix_governor::{
    GovernorConfig, GovernorConfigBuilder, KeyExtractor, SimpleKeyExtractionError,
    governor::{
        NotUntil,
        clock::{Clock, DefaultClock, QuantaInstant},
        middleware::NoOpMiddleware,
    },
};
use actix_web::{
    HttpResponse, HttpResponseBuilder,
    dev::ServiceRequest,
    http::{StatusCode, header},
};
use std::net::IpAddr;

/// Keys the limit on the peer address (IPv6 by /56 prefix). Behind a reverse proxy every client
/// shares the proxy's address; run the limit at the proxy then.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress;

impl KeyExtractor for ClientAddress {
    type Key = IpAddr;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    fn extract(&self, req: &ServiceRequest) -> Result<IpAddr, Self::KeyExtractionError> {
        let ip = req
            .peer_addr()
            .map(|socket| socket.ip())
            .ok_or_else(|| SimpleKeyExtractionError::new("the client address is unknown"))?;
        Ok(match ip {
            IpAddr::V6(v6) => {
                let mut octets = v6.octets();
                octets[7..].fill(0);
                IpAddr::V6(octets.into())
            }
            v4 => v4,
        })
    }

    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        mut response: HttpResponseBuilder,
    ) -> HttpResponse {
        let wait = negative
            .wait_time_from(DefaultClock::default().now())
            .as_secs()
            .max(1);
        let body = problem(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            format!("Too many requests from this address. Try again in {wait} s."),
        );
        response
            .insert_header((header::RETRY_AFTER, wait.to_string()))
            .content_type(PROBLEM_JSON)
            .json(body)
    }
}

/// The limiter of the token endpoint and public endpoints; build once, share between workers.
pub type RateLimit = GovernorConfig<ClientAddress, NoOpMiddleware<QuantaInstant>>;

/// Builds the limiter from the configured rate and burst.
pub fn rate_limit(config: &Config) -> Result<RateLimit, String> {
    // Nanoseconds between replenished requests, from the per-minute rate.
    let interval = 60_000_000_000 / u64::from(config.rate_limit_per_minute.max(1));
    GovernorConfigBuilder::default()
        .nanoseconds_per_request(interval.max(1))
        .burst_size(config.rate_limit_burst)
        .key_extractor(ClientAddress)
        .finish()
        .ok_or_else(|| "the rate limit must be positive".to_owned())
}
