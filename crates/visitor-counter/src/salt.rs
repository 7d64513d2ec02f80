//! The salt of the day: a random key per UTC day that visitor hashes are
//! made with, after Plausible Analytics' design. Once a day's salt is
//! gone, that day's hashes cannot be linked to another day's, nor an IP
//! recovered from them, by anyone, the owner included. Where salts are
//! kept, and for how long, is the store's (`crate::store`'s salts).

use std::sync::Arc;

/// A key visitor hashes are made with (HMAC-SHA256). Its `Debug` never
/// shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Salt(Arc<[u8]>);

impl Salt {
    /// The length of a fresh salt.
    pub const LEN: usize = 32;

    /// A fresh random salt: 32 bytes from the OS generator (two UUID v4s,
    /// 244 random bits).
    pub fn random() -> Self {
        let mut bytes = Vec::with_capacity(Self::LEN);
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        Self(bytes.into())
    }

    /// A salt from stored bytes; `None` if they are too short to be one.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        (bytes.len() >= 16).then(|| Self(bytes.into()))
    }

    /// The key bytes. Only the hashing code should call this.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Salt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Salt(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_salts_are_32_bytes_differ_and_never_show_in_debug_output() {
        let (a, b) = (Salt::random(), Salt::random());
        assert_eq!(a.expose().len(), Salt::LEN);
        assert_ne!(a, b);
        assert_eq!(format!("{a:?}"), "Salt(<redacted>)");
        assert!(Salt::from_bytes(&[1; 15]).is_none());
        assert_eq!(
            Salt::from_bytes(&[1; 16]).map(|s| s.expose().len()),
            Some(16)
        );
    }
}
