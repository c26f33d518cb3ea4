//! The box secret (`secret.key`, mode 0600) and authenticated encryption of stream keys and tokens
//! with XChaCha20-Poly1305. Ciphertext layout: 24-byte nonce ‖ ciphertext+tag.
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use super::StoreError;

pub struct SecretBox {
    key: [u8; 32],
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

impl SecretBox {
    pub fn load_or_create(path: &Path) -> Result<Self, StoreError> {
        match std::fs::read(path) {
            Ok(b) if b.len() == 32 => {
                let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
                }
                let mut key = [0u8; 32];
                key.copy_from_slice(&b);
                Ok(SecretBox { key })
            }
            Ok(b) => Err(StoreError::Secret(format!("{} has {} bytes, expected 32", path.display(), b.len()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match create_key(path)? {
                Some(key) => Ok(SecretBox { key }),
                // Someone else made it first: theirs is the one.
                None => Self::load_or_create(path),
            },
            Err(e) => Err(e.into()),
        }
    }

    pub fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new((&self.key).into());
        let mut nonce = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = cipher.encrypt(XNonce::from_slice(&nonce), plain).expect("XChaCha20 encryption cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        if sealed.len() < 24 + 16 {
            return Err(StoreError::Secret("ciphertext too short".into()));
        }
        let cipher = XChaCha20Poly1305::new((&self.key).into());
        cipher
            .decrypt(XNonce::from_slice(&sealed[..24]), &sealed[24..])
            .map_err(|_| StoreError::Secret("cannot decrypt (wrong secret.key?)".into()))
    }

    /// HMAC-SHA256 with the box secret: lets the box look up bearer secrets (sessions, API tokens)
    /// and sign invite tokens without storing them.
    pub fn keyed_hash(&self, data: &str) -> String {
        use hmac::Mac;
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(data.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
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
        let sealed = s.seal(b"live_abc123");
        assert!(!sealed.windows(11).any(|w| w == b"live_abc123"));
        assert_eq!(s.open(&sealed).unwrap(), b"live_abc123");
        let s2 = SecretBox::load_or_create(&p).unwrap();
        assert_eq!(s2.open(&sealed).unwrap(), b"live_abc123");
        let mut bad = sealed.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(s.open(&bad).is_err());
        assert!(s.open(&[1, 2, 3]).is_err());
        assert_eq!(s.keyed_hash("x"), s2.keyed_hash("x"));
        assert_ne!(s.keyed_hash("x"), s.keyed_hash("y"));
    }

    #[test]
    fn racing_creators_agree_on_one_key_and_leave_nothing_aside() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("secret.key");
            let hashes: Vec<String> = std::thread::scope(|sc| {
                let hs: Vec<_> = (0..8).map(|_| sc.spawn(|| SecretBox::load_or_create(&p).unwrap().keyed_hash("x"))).collect();
                hs.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert!(hashes.iter().all(|h| h == &hashes[0]));
            assert_eq!(std::fs::read(&p).unwrap().len(), 32);
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "temporary files left behind");
        }
    }
}
