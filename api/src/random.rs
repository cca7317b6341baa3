//! Randomness from the operating system, for secrets: generated keys, tokens, client secrets.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;

/// `n` random bytes from the operating system.
pub fn bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// An opaque, URL-safe random secret with 256 bits of entropy.
pub fn token() -> String {
    URL_SAFE_NO_PAD.encode(bytes(32))
}
