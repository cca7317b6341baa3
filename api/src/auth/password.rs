//! Argon2id password hashing. Hashing is slow and memory-hungry on purpose (19 MiB a hash),
//! so it runs on its own small pool, one thread per core, and nowhere else: a burst of logins
//! queues there instead of spreading over the blocking thread pool, where every thread would
//! keep its own 19 MiB allocator arena (64 concurrent logins grew the process to 2.9 GiB). A
//! request that cannot be served within [`WAIT`] is told to come back (503 with
//! `Retry-After`).

use crate::error::ApiError;
use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};
use std::{
    sync::{Mutex, OnceLock, mpsc},
    time::{Duration, Instant},
};

/// Why a hash was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashError {
    /// The hashing pool could not take or finish the work in time.
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

/// The longest a request waits for its hash.
const WAIT: Duration = Duration::from_secs(10);
/// How many hashes may wait in the queue.
const QUEUE: usize = 512;

type Job = Box<dyn FnOnce() + Send>;

fn queue() -> &'static mpsc::SyncSender<Job> {
    static QUEUE_SENDER: OnceLock<mpsc::SyncSender<Job>> = OnceLock::new();
    QUEUE_SENDER.get_or_init(|| {
        let (sender, receiver) = mpsc::sync_channel::<Job>(QUEUE);
        let receiver = std::sync::Arc::new(Mutex::new(receiver));
        let threads = std::thread::available_parallelism().map_or(2, usize::from);
        for i in 0..threads {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-hash-{i}"))
                .spawn(move || {
                    loop {
                        let job = match receiver.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password-hashing thread");
            }
        }
        sender
    })
}

/// Runs `work` on the hashing pool and waits for it, at most [`WAIT`].
async fn on_pool<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, HashError> {
    let (done, result) = tokio::sync::oneshot::channel();
    let deadline = Instant::now() + WAIT;
    let job: Job = Box::new(move || {
        // Nobody waits for a hash whose request has already been answered.
        if Instant::now() < deadline {
            let _ = done.send(work());
        }
    });
    queue().try_send(job).map_err(|_| HashError::Busy)?;
    match tokio::time::timeout(WAIT, result).await {
        Ok(Ok(value)) => Ok(value),
        _ => Err(HashError::Busy),
    }
}

fn hash_now(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| HashError::Failed(e.to_string()))
}

fn verify_now(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A PHC-format Argon2id hash of `password`, with a fresh salt, made on the hashing pool.
pub async fn hash(password: String) -> Result<String, HashError> {
    on_pool(move || hash_now(&password)).await?
}

/// Whether `password` matches the stored hash, checked on the hashing pool. A malformed hash
/// never matches.
pub async fn verify(password: String, stored: String) -> Result<bool, HashError> {
    on_pool(move || verify_now(&password, &stored)).await
}

/// A hash made on the calling thread, for the command line (no server is running).
pub fn hash_blocking(password: &str) -> Result<String, HashError> {
    hash_now(password)
}

/// A hash of a password nobody knows, verified when a login names an unknown account so that
/// the answer takes as long as for a known one.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_now(&crate::random::token()).unwrap_or_default())
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

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let stored = hash("riktig hest batteri".into()).await.unwrap_or_default();
        assert!(stored.starts_with("$argon2id$"));
        let check = |password: &str, stored: &str| verify(password.into(), stored.into());
        assert_eq!(check("riktig hest batteri", &stored).await, Ok(true));
        assert_eq!(check("feil hest batteri", &stored).await, Ok(false));
        assert_eq!(check("riktig hest batteri", "not a hash").await, Ok(false));
    }

    #[tokio::test]
    async fn hashes_run_only_on_the_hashing_pool() {
        let names = futures_util::future::join_all(
            (0..6).map(|_| on_pool(|| std::thread::current().name().map(str::to_owned))),
        )
        .await;
        assert!(names.iter().all(|name| matches!(
            name,
            Ok(Some(name)) if name.starts_with("password-hash-")
        )));
    }

    #[test]
    fn generated_passwords_meet_the_policy() {
        let password = generate();
        assert!(samspill_domain::user::check_password_policy(&password).is_ok());
        assert_ne!(password, generate());
    }
}
