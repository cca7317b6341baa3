//! What every handler shares: the pool and the token issuer.

use crate::{auth::tokens::TokenIssuer, error::ApiError};
use actix_web::web;
use samspill_persistence::{DbPool, PgConnection, RepoError};

/// Shared application state.
#[derive(Clone)]
pub struct AppState {
    /// PostgreSQL connections.
    pub pool: DbPool,
    /// Signs and checks access tokens.
    pub tokens: TokenIssuer,
}

impl AppState {
    /// Runs `work` with a pooled connection on the blocking thread pool. An unreachable
    /// database is a 503; repository errors map through `ApiError::from`.
    pub async fn db<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut PgConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get().map_err(RepoError::from)?;
            work(&mut conn)
        })
        .await?
    }
}
