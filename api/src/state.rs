//! What every handler shares: the pool, the token issuer and the request policies.

use crate::{auth::tokens::TokenIssuer, error::ApiError, idempotency};
use actix_web::web;
use samspill_domain::login_throttle::ThrottlePolicy;
use samspill_persistence::{DbPool, PgConnection, RepoError};

/// Shared application state.
#[derive(Clone)]
pub struct AppState {
    /// PostgreSQL connections.
    pub pool: DbPool,
    /// Signs and checks access tokens.
    pub tokens: TokenIssuer,
    /// How password attempts per login name are slowed down.
    pub login_throttle: ThrottlePolicy,
    /// How long answers to requests with an `Idempotency-Key` are kept.
    pub idempotency_ttl: chrono::TimeDelta,
    /// The key of [`crate::auth::tokens::keyed_digest`]s kept in the database (login names,
    /// request fingerprints), derived from the token secret, so every instance has the same.
    pub digest_key: Vec<u8>,
    /// The clock rules read the date from.
    pub clock: crate::clock::Clock,
    /// Whether webhook endpoints may be on loopback and private addresses.
    pub webhooks_allow_private: bool,
    /// The largest CSV file an import accepts.
    pub import_max_bytes: usize,
}

impl AppState {
    /// Runs `work` with a pooled connection on the blocking thread pool. An unreachable
    /// database is a 503; repository errors map through `ApiError::from`. Under an
    /// `Idempotency-Key`, `work` runs in a savepoint of the request's one transaction instead
    /// (calls of one request take turns), so `work` must not set a transaction's isolation
    /// level (`build_transaction`): nested transactions are savepoints.
    pub async fn db<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut PgConnection) -> Result<T, ApiError> + Send + 'static,
    {
        if let Some(transaction) = idempotency::current_transaction() {
            return idempotency::run_lent(transaction, &self.pool, work).await;
        }
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get().map_err(RepoError::from)?;
            work(&mut conn)
        })
        .await?
    }
}
