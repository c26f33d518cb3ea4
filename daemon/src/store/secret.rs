//! The box secret (`secret.key`, mode 0600) and what is derived from it. `secret.key` itself keys
//! nothing: every use gets its own 32-byte subkey, HKDF-SHA256 with the use's label as `info`
//! ([`subkey`]), so the cipher and each keyed hash (sessions, API tokens, invites, ...) never share
//! a key.
//!
//! Sealing is XChaCha20-Poly1305 with the value's place (table, column, row) as associated data:
//! a sealed blob copied to another row or column does not open. Layout: version byte `2` ‖ 24-byte
//! nonce ‖ ciphertext+tag. Version 1 (before schema 6) was nonce ‖ ciphertext under `secret.key`
//! itself, without associated data; only the migration reads it.
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use super::StoreError;

/// The label of the cipher's subkey.
const SEAL_LABEL: &str = "onair.seal.v2";
const VERSION: u8 = 2;

/// Derives a 32-byte key for one purpose from the box secret: HKDF-SHA256 (RFC 5869) without salt
/// (the secret is already uniformly random), `info` = `label`. Distinct labels give independent
/// keys; use a new label for each new use (e.g. `"onair.guest-view"`), never the same one for a
/// cipher and a MAC.
pub fn subkey(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(None, master).expand(label.as_bytes(), &mut out).expect("32 bytes is a valid HKDF-SHA256 output length");
    out
}

/// Where a sealed value lives; bound into the ciphertext as associated data. `row` is the value
/// of the table's primary key as text (a destination's id, a platform's name, a setting's key):
/// the migration that re-seals old values finds it the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub table: String,
    pub column: String,
    pub row: String,
}

impl Place {
    pub fn new(table: &str, column: &str, row: impl ToString) -> Self {
        Place { table: table.to_string(), column: column.to_string(), row: row.to_string() }
    }

    /// A value in the `settings` table, keyed by its setting name.
    pub fn setting(key: &str) -> Self {
        Place::new("settings", "value", key)
    }

    fn aad(&self) -> Vec<u8> {
        // Length-prefixed parts: no choice of names can make two places encode alike.
        let mut v = Vec::with_capacity(32 + self.row.len());
        for part in [self.table.as_str(), self.column.as_str(), self.row.as_str()] {
            v.extend_from_slice(&(part.len() as u32).to_be_bytes());
            v.extend_from_slice(part.as_bytes());
        }
        v
    }
}

pub struct SecretBox {
    master: [u8; 32],
    cipher: XChaCha20Poly1305,
}

pub fn random_token(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Writes a new key aside (O_EXCL, 0600, a name of its own), makes it durable, then links it into
/// place, which fails if `secret.key` appeared meanwhile: a power cut leaves no key or a whole one,
/// never an empty or half file, and two racing starts never end up with two keys. `None`: another
/// writer won.
fn create_key(path: &Path) -> Result<Option<[u8; 32]>, StoreError> {
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    let tmp = path.with_extension(format!("key.new.{}.{}", std::process::id(), random_token(6)));
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
    let written = f.write_all(&key).and_then(|_| f.sync_all());
    drop(f);
    let linked = written.and_then(|_| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            if let Some(dir) = path.parent() {
                std::fs::File::open(dir)?.sync_all()?;
            }
            Ok(Some(key))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

impl SecretBox {
    pub fn from_key(master: [u8; 32]) -> Self {
        let cipher = XChaCha20Poly1305::new((&subkey(&master, SEAL_LABEL)).into());
        SecretBox { master, cipher }
    }

    /// The key itself, for a settings backup (which encrypts it with the owner's passphrase).
    pub(super) fn master(&self) -> &[u8; 32] {
        &self.master
    }

    pub fn load_or_create(path: &Path) -> Result<Self, StoreError> {
        match std::fs::read(path) {
            Ok(b) if b.len() == 32 => {
                let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
                }
                let mut key = [0u8; 32];
                key.copy_from_slice(&b);
                Ok(SecretBox::from_key(key))
            }
            Ok(b) => Err(StoreError::Secret(format!("{} has {} bytes, expected 32", path.display(), b.len()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match create_key(path)? {
                Some(key) => Ok(SecretBox::from_key(key)),
                // Someone else made it first: theirs is the one.
                None => Self::load_or_create(path),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// This box's key for `label` (see [`subkey`]).
    pub fn derive(&self, label: &str) -> [u8; 32] {
        subkey(&self.master, label)
    }

    /// HMAC-SHA256 of `data` under the subkey for `label`, base64url: lets the box look up bearer
    /// secrets (sessions, API tokens) and sign tokens (invites) without storing them.
    pub fn mac(&self, label: &str, data: &str) -> String {
        use hmac::Mac;
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.derive(label)).expect("HMAC takes any key length");
        mac.update(data.as_bytes());
        b64().encode(mac.finalize().into_bytes())
    }

    /// The digests made before schema 6: HMAC-SHA256 keyed with `secret.key` itself. Only to check
    /// API tokens and invite links issued then (see `store::upgrade`).
    pub(super) fn legacy_mac(&self, data: &str) -> String {
        use hmac::Mac;
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.master).expect("HMAC takes any key length");
        mac.update(data.as_bytes());
        b64().encode(mac.finalize().into_bytes())
    }

    pub fn seal(&self, at: &Place, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        let aad = at.aad();
        let ct = self.cipher.encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad: &aad }).expect("XChaCha20 encryption cannot fail");
        let mut out = Vec::with_capacity(1 + 24 + ct.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn open(&self, at: &Place, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        if sealed.len() < 1 + 24 + 16 || sealed[0] != VERSION {
            return Err(StoreError::Secret(format!("{}.{} of {}: not a sealed value", at.table, at.column, at.row)));
        }
        let aad = at.aad();
        self.cipher.decrypt(XNonce::from_slice(&sealed[1..25]), Payload { msg: &sealed[25..], aad: &aad }).map_err(|_| {
            StoreError::Secret(format!("{}.{} of {} cannot be opened (moved from another row, or another secret.key)", at.table, at.column, at.row))
        })
    }

    pub fn open_string(&self, at: &Place, sealed: &[u8]) -> Result<String, StoreError> {
        String::from_utf8(self.open(at, sealed)?).map_err(|_| StoreError::Secret(format!("{}.{} of {} is not UTF-8", at.table, at.column, at.row)))
    }

    /// For text columns (settings): the sealed value as base64.
    pub fn seal_text(&self, at: &Place, plain: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.seal(at, plain.as_bytes()))
    }

    pub fn open_text(&self, at: &Place, sealed: &str) -> Result<String, StoreError> {
        let b = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .map_err(|_| StoreError::Secret(format!("{}.{} of {} is not base64", at.table, at.column, at.row)))?;
        self.open_string(at, &b)
    }

    /// Opens a value sealed before schema 6 (no associated data, `secret.key` as the cipher key).
    pub(super) fn legacy_open(&self, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        if sealed.len() < 24 + 16 {
            return Err(StoreError::Secret("ciphertext too short".into()));
        }
        XChaCha20Poly1305::new((&self.master).into())
            .decrypt(XNonce::from_slice(&sealed[..24]), &sealed[24..])
            .map_err(|_| StoreError::Secret("cannot decrypt (wrong secret.key?)".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_file_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("secret.key");
        let s = SecretBox::load_or_create(&p).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        let at = Place::new("destinations", "stream_key_enc", 7);
        let sealed = s.seal(&at, b"live_abc123");
        assert!(!sealed.windows(11).any(|w| w == b"live_abc123"));
        assert_eq!(s.open(&at, &sealed).unwrap(), b"live_abc123");
        let s2 = SecretBox::load_or_create(&p).unwrap();
        assert_eq!(s2.open(&at, &sealed).unwrap(), b"live_abc123");
        let mut bad = sealed.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(s.open(&at, &bad).is_err());
        assert!(s.open(&at, &[2, 2, 3]).is_err());
        assert_eq!(s.mac("onair.session", "x"), s2.mac("onair.session", "x"));
        assert_ne!(s.mac("onair.session", "x"), s.mac("onair.session", "y"));
    }

    #[test]
    fn a_sealed_value_opens_only_where_it_was_sealed() {
        let s = SecretBox::from_key([7u8; 32]);
        let at = Place::new("destinations", "stream_key_enc", 1);
        let sealed = s.seal(&at, b"sk_live_SECRET");
        for other in [
            Place::new("destinations", "stream_key_enc", 2),
            Place::new("destinations", "passphrase_enc", 1),
            Place::new("platform_accounts", "stream_key_enc", 1),
            // The length prefixes keep "ab"+"c" apart from "a"+"bc".
            Place::new("destinations", "stream_key_en", "c1"),
        ] {
            assert!(s.open(&other, &sealed).is_err(), "{other:?}");
        }
        assert!(SecretBox::from_key([8u8; 32]).open(&at, &sealed).is_err(), "another box's secret");
        // Text form (settings).
        let t = s.seal_text(&Place::setting("ingest_key"), "live_x");
        assert_eq!(s.open_text(&Place::setting("ingest_key"), &t).unwrap(), "live_x");
        assert!(s.open_text(&Place::setting("obs_password"), &t).is_err());
    }

    #[test]
    fn subkeys_are_separate_and_not_the_secret() {
        let master = [42u8; 32];
        let s = SecretBox::from_key(master);
        let seal = subkey(&master, SEAL_LABEL);
        let a = s.derive("onair.session");
        let b = s.derive("onair.api-token");
        assert!(a != b && a != seal && b != seal && a != master && seal != master);
        assert_eq!(s.derive("onair.session"), a, "deterministic");
        // RFC 5869 test case 3 (no salt, no info) pins the construction.
        let ikm = [0x0bu8; 22];
        let mut okm = [0u8; 42];
        hkdf::Hkdf::<sha2::Sha256>::new(None, &ikm).expand(&[], &mut okm).unwrap();
        assert_eq!(okm[..4], [0x8d, 0xa4, 0xe7, 0x75]);
        // The MAC under a label is not the legacy MAC under the whole secret.
        assert_ne!(s.mac("onair.session", "tok"), s.legacy_mac("tok"));
    }

    #[test]
    fn legacy_values_open_only_through_the_legacy_path() {
        let master = [9u8; 32];
        let s = SecretBox::from_key(master);
        let mut nonce = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        let mut old = nonce.to_vec();
        old.extend(XChaCha20Poly1305::new((&master).into()).encrypt(XNonce::from_slice(&nonce), &b"old-key"[..]).unwrap());
        assert_eq!(s.legacy_open(&old).unwrap(), b"old-key");
        assert!(s.open(&Place::setting("x"), &old).is_err());
    }

    #[test]
    fn racing_creators_agree_on_one_key_and_leave_nothing_aside() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("secret.key");
            let hashes: Vec<String> = std::thread::scope(|sc| {
                let hs: Vec<_> = (0..8).map(|_| sc.spawn(|| SecretBox::load_or_create(&p).unwrap().mac("onair.test", "x"))).collect();
                hs.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert!(hashes.iter().all(|h| h == &hashes[0]));
            assert_eq!(std::fs::read(&p).unwrap().len(), 32);
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "temporary files left behind");
        }
    }
}
