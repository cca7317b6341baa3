//! Argon2id password hashing. Hashing is slow and memory-hungry on purpose (19 MiB a hash):
//! call these through `web::block`. At most one hash per core runs at a time, so a burst of
//! logins queues instead of growing the process by 19 MiB per request; a request that waits
//! too long for its turn is told to come back (503 with `Retry-After`).

use crate::error::ApiError;
use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};
use std::{
    sync::{Condvar, Mutex},
    time::Duration,
};

/// Why a hash was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashError {
    /// Every hashing slot stayed busy for longer than a request should wait.
    Busy,
    /// The hasher failed.
    Failed(String),
}

impl From<HashError> for ApiError {
    fn from(error: HashError) -> Self {
        match error {
            HashError::Busy => ApiError::Unavailable("password hashing is at capacity".into()),
            HashError::Failed(cause) => ApiError::Internal(cause),
        }
    }
}

/// How long a request waits for a hashing slot.
const SLOT_WAIT: Duration = Duration::from_secs(10);

/// Counts the hashes running, bounded by the number of cores.
struct Slots {
    running: Mutex<usize>,
    freed: Condvar,
    limit: usize,
}

fn slots() -> &'static Slots {
    static SLOTS: std::sync::OnceLock<Slots> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| Slots {
        running: Mutex::new(0),
        freed: Condvar::new(),
        limit: std::thread::available_parallelism().map_or(2, usize::from),
    })
}

/// Runs `work` when a hashing slot is free, waiting at most [`SLOT_WAIT`].
fn bounded<T>(work: impl FnOnce() -> T) -> Result<T, HashError> {
    let slots = slots();
    {
        let running = slots.running.lock().map_err(|_| HashError::Busy)?;
        let (mut running, waited) = slots
            .freed
            .wait_timeout_while(running, SLOT_WAIT, |running| *running >= slots.limit)
            .map_err(|_| HashError::Busy)?;
        if waited.timed_out() && *running >= slots.limit {
            return Err(HashError::Busy);
        }
        *running += 1;
    }
    let result = work();
    if let Ok(mut running) = slots.running.lock() {
        *running = running.saturating_sub(1);
    }
    slots.freed.notify_one();
    Ok(result)
}

/// A PHC-format Argon2id hash of `password`, with a fresh salt.
pub fn hash(password: &str) -> Result<String, HashError> {
    bounded(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| HashError::Failed(e.to_string()))
    })?
}

/// Whether `password` matches the stored hash. A malformed hash never matches.
pub fn verify(password: &str, stored: &str) -> Result<bool, HashError> {
    bounded(|| {
        PasswordHash::new(stored).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
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
        assert_eq!(verify("riktig hest batteri", &stored), Ok(true));
        assert_eq!(verify("feil hest batteri", &stored), Ok(false));
        assert_eq!(verify("riktig hest batteri", "not a hash"), Ok(false));
    }

    #[test]
    fn no_more_hashes_run_at_once_than_there_are_slots() {
        let peak = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let now = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (peak, now) = (peak.clone(), now.clone());
                std::thread::spawn(move || {
                    bounded(|| {
                        let running = now.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                        peak.fetch_max(running, std::sync::atomic::Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(20));
                        now.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    })
                })
            })
            .collect();
        for thread in threads {
            assert!(thread.join().is_ok_and(|r| r.is_ok()));
        }
        let observed = peak.load(std::sync::atomic::Ordering::SeqCst);
        assert!((1..=slots().limit).contains(&observed), "{observed}");
    }

    #[test]
    fn generated_passwords_meet_the_policy() {
        let password = generate();
        assert!(samspill_domain::user::check_password_policy(&password).is_ok());
        assert_ne!(password, generate());
    }
}
