//! Argon2id password hashing, always on the blocking thread pool: a hash takes tens of
//! milliseconds of CPU on purpose, which would stall every other request on the async runtime.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

use crate::db::blocking;
use crate::error::{AppError, AppResult};

/// Hashes a password with Argon2id and a random salt (PHC string format).
pub async fn hash(password: String) -> AppResult<String> {
    blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(anyhow::anyhow!("hashing failed: {e}")))
    })
    .await
}

/// Whether the password matches the stored hash. A malformed stored hash never matches.
pub async fn verify(password: String, stored: String) -> AppResult<bool> {
    blocking(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else {
            tracing::error!("a stored password hash is not a valid PHC string");
            return Ok(false);
        };
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
}

/// Random password for accounts created on the command line without one.
pub fn generate() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}
