//! Access tokens (short-lived JWTs) and opaque secrets (refresh tokens, client secrets).

use crate::config::Config;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;
use uuid::Uuid;

/// The `role` claim of a service account's token.
pub const SERVICE_ROLE: &str = "service";

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// The user or service account id.
    pub sub: Uuid,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Token id.
    pub jti: Uuid,
    /// `admin`, `coordinator`, `contact_person`, `volunteer` or `service`.
    pub role: String,
    /// The caller's municipality; absent for admins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipality: Option<Uuid>,
    /// Space-separated scopes of a service account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Signs and checks access tokens (HS256 with the configured secret).
#[derive(Clone)]
pub struct TokenIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    /// How long an access token lives.
    pub access_ttl: Duration,
    /// How long a refresh token lives.
    pub refresh_ttl: Duration,
}

impl TokenIssuer {
    /// An issuer for the configured secret, issuer, audience and lifetimes.
    pub fn new(config: &Config) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        Self {
            encoding: EncodingKey::from_secret(&config.jwt_secret),
            decoding: DecodingKey::from_secret(&config.jwt_secret),
            validation,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            access_ttl: config.access_token_ttl,
            refresh_ttl: config.refresh_token_ttl,
        }
    }

    /// A signed access token for `sub` with `role`, `municipality` and `scope`.
    pub fn issue(
        &self,
        sub: Uuid,
        role: &str,
        municipality: Option<Uuid>,
        scope: Option<String>,
    ) -> Result<String, String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub,
            exp: now + i64::try_from(self.access_ttl.as_secs()).unwrap_or(900),
            iat: now,
            jti: Uuid::now_v7(),
            role: role.to_owned(),
            municipality,
            scope,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| e.to_string())
    }

    /// The claims of a valid, unexpired token of ours.
    pub fn verify(&self, token: &str) -> Result<Claims, String> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| e.to_string())
    }
}

/// SHA-256 of a high-entropy secret, the only form in which refresh tokens and client secrets
/// are stored (a slow hash adds nothing for 256-bit random values).
pub fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// HMAC-SHA256 of `parts` under `key`, each part length-prefixed so that no two lists of parts
/// give the same input. For values that must be compared but not read back from the database
/// (login names as typed, request fingerprints): without the key, guessing what was hashed
/// cannot be tried at SHA-256 speed.
pub fn keyed_digest(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        // HMAC takes keys of any length; this branch cannot be reached.
        return Sha256::digest(key).to_vec();
    };
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer(secret: &str) -> TokenIssuer {
        let mut config = Config::from_lookup(|_| None).unwrap_or_else(|e| panic!("{e}"));
        config.jwt_secret = secret.as_bytes().to_vec();
        TokenIssuer::new(&config)
    }

    #[test]
    fn a_token_verifies_with_its_claims() {
        let issuer = issuer("0123456789abcdef0123456789abcdef");
        let sub = Uuid::now_v7();
        let token = issuer
            .issue(sub, "coordinator", None, None)
            .unwrap_or_default();
        let claims = issuer.verify(&token);
        assert_eq!(
            claims.map(|c| (c.sub, c.role)),
            Ok((sub, "coordinator".to_owned()))
        );
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let token = issuer("0123456789abcdef0123456789abcdef")
            .issue(Uuid::now_v7(), "admin", None, None)
            .unwrap_or_default();
        assert!(
            issuer("fedcba9876543210fedcba9876543210")
                .verify(&token)
                .is_err()
        );
        assert!(
            issuer("0123456789abcdef0123456789abcdef")
                .verify("not.a.token")
                .is_err()
        );
    }

    #[test]
    fn random_tokens_are_unique_and_hash_to_32_bytes() {
        let (a, b) = (crate::random::token(), crate::random::token());
        assert_ne!(a, b);
        assert_eq!(secret_hash(&a).len(), 32);
    }
}
