//! Standard Webhooks signatures: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under
//! the endpoint's secret (`whsec_` and the base64 key).

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of every secret.
pub const PREFIX: &str = "whsec_";

/// A new random secret: 32 bytes, shown as `whsec_` and base64.
pub fn new_secret() -> String {
    format!("{PREFIX}{}", STANDARD.encode(crate::random::bytes(32)))
}

/// The `webhook-signature` header's value: one `v1,<signature>` per secret, space-separated, so
/// that during a rotation a receiver holding either secret can verify.
pub fn signature_header(secrets: &[String], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .filter_map(|secret| sign(secret, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `v1,<base64 HMAC-SHA256 of id.timestamp.body>`; `None` if the secret is not one this module made.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix(PREFIX)?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example from the Standard Webhooks specification's reference implementations.
    #[test]
    fn signs_as_the_specification_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn a_rotation_signs_with_both_and_new_secrets_differ() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX) && a.len() > 40);
        let header = signature_header(&[a, b], "msg_1", 1, "{}");
        assert_eq!(
            header.split(' ').filter(|s| s.starts_with("v1,")).count(),
            2
        );
        assert_eq!(sign("not a secret", "msg_1", 1, "{}"), None);
    }
}
