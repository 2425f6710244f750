//! Passwords (argon2), session and CSRF tokens, and times for the audit trail.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < super::accounts::MIN_PASSWORD_CHARS {
        let n = password.chars().count();
        return Err(Error::Account(crate::t!(
            "account.short-password",
            min = super::accounts::MIN_PASSWORD_CHARS,
            n = n
        )));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Account(format!("hashing the password: {e}")))
}

/// True when `password` matches the stored PHC hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// 32 random bytes from the operating system, hex-encoded: a session or CSRF token.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system provides random bytes");
    hex(&b)
}

/// SHA-256 of a token, hex-encoded: what the database keeps instead of the token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// HMAC-SHA-256 of `message` under `key`, hex-encoded.
pub fn sign(key: &[u8], message: &str) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// Unix seconds as a person in Vietnam reads them: "dd/mm/yyyy HH:MM" (UTC+7, which
/// Asia/Ho_Chi_Minh keeps all year).
pub fn vietnam_time(secs: i64) -> String {
    let iso = iso_time((secs + 7 * 3600).max(0) as u64);
    // "YYYY-MM-DDTHH:MM:SSZ"
    format!("{}/{}/{} {}", &iso[8..10], &iso[5..7], &iso[0..4], &iso[11..16])
}

/// A time the database keeps ("YYYY-MM-DDTHH:MM:SSZ", UTC) as a person in Vietnam reads
/// it ("dd/mm/yyyy HH:MM", UTC+7); anything else is shown as it is.
pub fn vietnam_time_of(iso: &str) -> String {
    let b = iso.as_bytes();
    let num = |r: std::ops::Range<usize>| iso.get(r).and_then(|x| x.parse::<i64>().ok());
    let shaped = b.len() == 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[19] == b'Z';
    match (shaped, num(0..4), num(5..7), num(8..10), num(11..13), num(14..16), num(17..19)) {
        (true, Some(y), Some(m), Some(d), Some(h), Some(mi), Some(s)) => {
            // Days from the civil date (H. Hinnant's algorithm), then seconds.
            let (y2, m2) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
            let era = y2.div_euclid(400);
            let yoe = y2 - era * 400;
            let doy = (153 * m2 + 2) / 5 + d - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            let days = era * 146_097 + doe - 719_468;
            vietnam_time(days * 86_400 + h * 3600 + mi * 60 + s)
        }
        _ => local_date_time(iso).unwrap_or_else(|| iso.to_string()),
    }
}

/// A date or date and time as files give them without a zone ("2024-05-08",
/// "2024-05-08 09:01:30", "2024-05-08T09:01"), in Vietnamese form: "08/05/2024",
/// "08/05/2024 09:01". None for any other shape (shown as written).
fn local_date_time(s: &str) -> Option<String> {
    let s = s.trim();
    let b = s.as_bytes();
    let num =
        |r: std::ops::Range<usize>| s.get(r).filter(|x| x.bytes().all(|c| c.is_ascii_digit())).map(str::to_string);
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let date = format!("{d}/{m}/{y}");
    match b.len() {
        10 => Some(date),
        16 | 19 if matches!(b[10], b' ' | b'T') && b[13] == b':' && (b.len() == 16 || b[16] == b':') => {
            Some(format!("{date} {}:{}", num(11..13)?, num(14..16)?))
        }
        _ => None,
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// "YYYY-MM-DDTHH:MM:SSZ" for Unix seconds (UTC).
pub fn iso_time(secs: u64) -> String {
    let rem = secs % 86_400;
    let (y, m, d) = super::forward::civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_from_files_read_the_vietnamese_way() {
        assert_eq!(super::vietnam_time_of("2024-05-08"), "08/05/2024");
        assert_eq!(super::vietnam_time_of("2024-05-08 09:01:30"), "08/05/2024 09:01");
        assert_eq!(super::vietnam_time_of("2024-05-08T09:01"), "08/05/2024 09:01");
        // A UTC instant is shown in Vietnam's time, seven hours ahead.
        assert_eq!(super::vietnam_time_of("2026-12-07T01:29:38Z"), "07/12/2026 08:29");
        for as_typed in ["13/04/2024 09:01", "tháng 4", "2024-5-8", "2024-05-08 9h"] {
            assert_eq!(super::vietnam_time_of(as_typed), as_typed);
        }
    }

    use super::*;

    #[test]
    fn passwords_verify_and_times_format() {
        let h = hash_password("mật khẩu dài").unwrap();
        assert!(verify_password("mật khẩu dài", &h));
        assert!(!verify_password("mat khau dai", &h));
        assert!(hash_password("ngắn").is_err());
        assert_eq!(vietnam_time(1_732_537_200), "25/11/2024 19:20");
        assert_eq!(vietnam_time_of("2024-11-25T12:20:00Z"), "25/11/2024 19:20");
        assert_eq!(vietnam_time_of("2024-12-31T18:30:00Z"), "01/01/2025 01:30");
        assert_eq!(vietnam_time_of("13/04/2024"), "13/04/2024");
        assert_eq!(sign(b"k", "a"), sign(b"k", "a"));
        assert_ne!(sign(b"k", "a"), sign(b"l", "a"));
        assert_eq!(iso_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_time(1_732_537_200), "2024-11-25T12:20:00Z");
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("abc", "ab"));
        assert_ne!(random_token(), random_token());
    }
}
