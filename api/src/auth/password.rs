//! Argon2id password hashing. Hashing is slow on purpose: call these through `web::block`.

use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};

/// A PHC-format Argon2id hash of `password`, with a fresh salt.
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the stored hash. A malformed hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash of a password nobody knows, verified when a login names an unknown account so that
/// the answer takes as long as for a known one.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash(&crate::auth::tokens::random_token()).unwrap_or_default())
}

/// A readable random password for accounts created without one: 20 characters.
pub fn generate() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let stored = hash("riktig hest batteri").unwrap_or_default();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("riktig hest batteri", &stored));
        assert!(!verify("feil hest batteri", &stored));
        assert!(!verify("riktig hest batteri", "not a hash"));
    }

    #[test]
    fn generated_passwords_meet_the_policy() {
        let password = generate();
        assert!(samspill_domain::user::check_password_policy(&password).is_ok());
        assert_ne!(password, generate());
    }
}
