//! Password hashing (argon2id, off the async threads) and the password policy.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::AppError;

/// Passwords too common to allow whatever their length.
const COMMON: &[&str] = &[
    "1234567890",
    "12345678910",
    "0123456789",
    "qwertyuiop",
    "1qaz2wsx3edc",
    "password123",
    "password1234",
    "admin12345",
    "admin123456",
    "administrator",
    "iloveyou123",
    "woaini1314",
    "woaini520",
    "a123456789",
    "abc1234567",
    "aa12345678",
    "1111111111",
    "0000000000",
    "8888888888",
    "qwerty12345",
    "passw0rd123",
    "zxcvbnm123",
    "123qweasdzxc",
    "p@ssw0rd123",
];

/// Length ≥ 10 characters, not the user name, not a common password.
pub fn check_password_policy(username: &str, password: &str) -> Result<(), AppError> {
    if password.chars().count() < 10 {
        return Err(AppError::invalid("password.too_short").on_field("password"));
    }
    let lower = password.to_lowercase();
    if lower.contains(&username.to_lowercase()) && !username.is_empty() {
        return Err(AppError::invalid("password.contains_username").on_field("password"));
    }
    if COMMON.contains(&lower.as_str()) {
        return Err(AppError::invalid("password.too_common").on_field("password"));
    }
    Ok(())
}

/// Hashes on a blocking thread: argon2 takes tens of milliseconds by design.
pub async fn hash_password(password: &str) -> anyhow::Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt =
            SaltString::encode_b64(&rand::random::<[u8; 16]>()).expect("16 bytes make a salt");
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    })
    .await?
}

/// Verifies on a blocking thread. With no stored hash (unknown user) it still spends the same
/// time on a dummy hash, so response times do not reveal which user names exist.
pub async fn verify_password(stored: Option<String>, password: &str) -> anyhow::Result<bool> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| dummy_hash().to_string());
        let parsed =
            PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("bad stored hash: {e}"))?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && known)
    })
    .await?
}

/// argon2id of a random string nobody knows, made once, for failures that take the usual time.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt =
            SaltString::encode_b64(&rand::random::<[u8; 16]>()).expect("16 bytes make a salt");
        let secret: [u8; 16] = rand::random();
        Argon2::default()
            .hash_password(&secret, &salt)
            .map(|h| h.to_string())
            .expect("hashing random bytes succeeds")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_common_and_username_passwords_are_refused() {
        assert_eq!(
            check_password_policy("zhang", "short").unwrap_err().key,
            "password.too_short"
        );
        assert_eq!(
            check_password_policy("zhangsan", "zhangsan2020!")
                .unwrap_err()
                .key,
            "password.contains_username"
        );
        assert_eq!(
            check_password_policy("li", "1234567890").unwrap_err().key,
            "password.too_common"
        );
        assert!(check_password_policy("li", "tongxin-2020-spring").is_ok());
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hash = hash_password("tongxin-2020-spring").await.unwrap();
        assert!(
            verify_password(Some(hash.clone()), "tongxin-2020-spring")
                .await
                .unwrap()
        );
        assert!(
            !verify_password(Some(hash), "tongxin-2020-summer")
                .await
                .unwrap()
        );
        assert!(!verify_password(None, "anything-at-all").await.unwrap());
    }
}
