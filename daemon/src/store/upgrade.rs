//! Schema 6, the part that needs the box secret: everything sealed the old way (no associated
//! data, `secret.key` itself as the cipher key) is opened and sealed again bound to its place;
//! secrets pasted inside destination URLs move into the sealed stream key and passphrase; the
//! ingest key, in clear until now, is sealed. Runs inside the migration's transaction: all or nothing.
use rusqlite::{params, Transaction};

use super::secret::{Place, SecretBox};
use super::Result;
use crate::fanout::url_secrets::{split, SplitError};

pub(super) fn secrets_v6(tx: &Transaction, s: &SecretBox) -> Result<()> {
    reseal_columns(tx, s)?;
    reseal_settings(tx, s)?;
    move_url_secrets(tx, s)?;
    Ok(())
}

fn tables(tx: &Transaction) -> Result<Vec<String>> {
    let mut st = tx.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")?;
    let v = st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(v)
}

/// Every `*_enc` column of every table, each value bound to its row's primary key.
fn reseal_columns(tx: &Transaction, s: &SecretBox) -> Result<()> {
    for table in tables(tx)? {
        let mut pk = None;
        let mut enc = Vec::new();
        {
            let mut st = tx.prepare(&format!("PRAGMA table_info(\"{table}\")"))?;
            let cols = st.query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(5)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
            for (name, is_pk) in cols {
                if is_pk == 1 {
                    pk = Some(name.clone());
                }
                if name.ends_with("_enc") {
                    enc.push(name);
                }
            }
        }
        let Some(pk) = pk else { continue };
        for col in enc {
            let rows: Vec<(String, Vec<u8>)> = {
                let mut st = tx.prepare(&format!("SELECT CAST(\"{pk}\" AS TEXT), \"{col}\" FROM \"{table}\" WHERE \"{col}\" IS NOT NULL"))?;
                let v = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
                v
            };
            for (row, old) in rows {
                let new = match s.legacy_open(&old) {
                    Ok(plain) => Some(s.seal(&Place::new(&table, &col, &row), &plain)),
                    Err(e) => {
                        // Unreadable already (another secret.key): it could never be used again.
                        tracing::warn!("{table}.{col} of {row}: {e}; it must be entered again");
                        None
                    }
                };
                tx.execute(&format!("UPDATE \"{table}\" SET \"{col}\" = ?1 WHERE CAST(\"{pk}\" AS TEXT) = ?2"), params![new, row])?;
            }
        }
    }
    Ok(())
}

/// Settings sealed as base64 text (OBS's and TURN's passwords, ...): whichever opens the old way
/// was sealed. The ingest key, kept in clear so far, is sealed too.
fn reseal_settings(tx: &Transaction, s: &SecretBox) -> Result<()> {
    use base64::Engine;
    let rows: Vec<(String, String)> = {
        let mut st = tx.prepare("SELECT key, value FROM settings WHERE value != ''")?;
        let v = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
        v
    };
    for (key, value) in rows {
        let at = Place::setting(&key);
        let new = if key == "ingest_key" {
            Some(s.seal_text(&at, &value))
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(&value)
                .ok()
                .and_then(|b| s.legacy_open(&b).ok())
                .and_then(|plain| String::from_utf8(plain).ok())
                .map(|plain| s.seal_text(&at, &plain))
        };
        if let Some(new) = new {
            tx.execute("UPDATE settings SET value = ?2 WHERE key = ?1", params![key, new])?;
        }
    }
    Ok(())
}

/// `rtmp://host/app/KEY`, `?streamid=`, `?passphrase=`, `user:pass@`: out of the URL, sealed.
fn move_url_secrets(tx: &Transaction, s: &SecretBox) -> Result<()> {
    let rows: Vec<(i64, String, Option<Vec<u8>>)> = {
        let mut st = tx.prepare("SELECT id, url, stream_key_enc FROM destinations")?;
        let v = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
        v
    };
    for (id, url, enc) in rows {
        let key_at = Place::new("destinations", "stream_key_enc", id);
        let stored = enc.and_then(|e| s.open_string(&key_at, &e).ok()).unwrap_or_default();
        let parts = match split(&url, &stored) {
            Ok(p) => p,
            // The URL's `streamid` was the one sent (it won over the stream key): it stays so.
            Err(SplitError::TwoKeys(_)) => match split(&url, "") {
                Ok(p) => p,
                Err(_) => continue,
            },
            Err(SplitError::Target(_)) => continue,
        };
        if parts.moved.is_empty() {
            continue;
        }
        tx.execute("UPDATE destinations SET url = ?2 WHERE id = ?1", params![id, parts.url])?;
        if let Some(k) = parts.key.filter(|k| !k.is_empty()) {
            tx.execute(
                "UPDATE destinations SET stream_key_enc = ?2, stream_key_hint = ?3 WHERE id = ?1",
                params![id, s.seal(&key_at, k.as_bytes()), super::destinations::hint(&k)],
            )?;
        }
        if let Some(p) = parts.passphrase.filter(|p| !p.is_empty()) {
            let at = Place::new("destinations", "passphrase_enc", id);
            tx.execute("UPDATE destinations SET passphrase_enc = ?2 WHERE id = ?1", params![id, s.seal(&at, p.as_bytes())])?;
        }
        tracing::info!(destination = id, moved = ?parts.moved, "secrets moved out of the destination's URL into its sealed stream key");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::Store;

    fn fixture() -> (tempfile::TempDir, serde_json::Value) {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/schema5");
        let dir = tempfile::tempdir().unwrap();
        for f in ["onair.db", "secret.key"] {
            std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
        }
        let made = serde_json::from_str(&std::fs::read_to_string(src.join("made.json")).unwrap()).unwrap();
        (dir, made)
    }

    fn contains(hay: &[u8], needle: &str) -> bool {
        hay.windows(needle.len()).any(|w| w == needle.as_bytes())
    }

    /// A database made by the schema-5 onaird: everything still works, nothing is left sealed
    /// the old way, and no secret is left in clear in the file.
    #[test]
    fn schema_5_database_is_migrated() {
        let (dir, made) = fixture();
        let s = Store::open(dir.path()).unwrap();
        let v: i64 = s.db().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(v as usize, super::super::MIGRATIONS.len());
        assert_eq!(s.ingest_key().unwrap(), made["ingest_key"].as_str().unwrap());
        let d = s.list_destinations().unwrap();
        let by = |n: &str| d.iter().find(|x| x.name == n).unwrap().clone();
        assert_eq!(s.stream_key(by("plain").id).unwrap(), "sk_fixture_plain_0001");
        let p = by("key in path");
        assert_eq!((p.url.as_str(), p.stream_key_set), ("rtmp://127.0.0.1:1/app", true));
        assert_eq!(s.stream_key(p.id).unwrap(), "sk_fixture_in_path_0002");
        let srt = by("srt");
        assert_eq!((srt.url.as_str(), srt.passphrase_set), ("srt://127.0.0.1:9?latency=200", true));
        assert_eq!(s.stream_key(srt.id).unwrap(), "sk_fixture_srt_0003");
        assert_eq!(s.destination_passphrase(srt.id).unwrap(), "fixture-srt-pass-0004");
        let u = by("userinfo");
        assert_eq!(u.url, "rtmp://127.0.0.1:1/app");
        assert_eq!(s.stream_key(u.id).unwrap(), "sk_fixture_userinfo_0005");
        assert!(d.iter().all(|x| !x.needs_key));
        assert_eq!(s.sealed_setting("obs_password").unwrap().as_deref(), Some("obs-fixture-password-0006"));
        assert_eq!(s.platform_account("twitch").unwrap().client_secret.as_deref(), Some("twitch-fixture-secret-0007"));
        assert_eq!(s.sealed_setting("ice_turn_password").unwrap().as_deref(), Some("turn-fixture-password-0008"));
        assert!(s.api_token_valid(made["api_token"].as_str().unwrap()).unwrap());
        let inv = s.check_invite(made["invite_token"].as_str().unwrap(), false).unwrap();
        // The fixture's invite may have expired by now; a forged signature would say Forged.
        assert!(inv.is_ok() || inv == Err(super::super::invites::InviteRefusal::Expired), "{inv:?}");
        let sessions: i64 = s.db().query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0)).unwrap();
        assert_eq!(sessions, 0, "sessions ended");

        // Nothing opens the old way any more.
        let blobs: Vec<Vec<u8>> = {
            let db = s.db();
            let mut st = db
                .prepare(
                    "SELECT stream_key_enc FROM destinations WHERE stream_key_enc IS NOT NULL UNION ALL
                     SELECT passphrase_enc FROM destinations WHERE passphrase_enc IS NOT NULL UNION ALL
                     SELECT client_secret_enc FROM platform_accounts WHERE client_secret_enc IS NOT NULL",
                )
                .unwrap();
            let v = st.query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<Vec<_>>>().unwrap();
            v
        };
        assert_eq!(blobs.len(), 6, "four stream keys, a passphrase, an app secret");
        for b in &blobs {
            assert!(s.secrets.legacy_open(b).is_err() && b[0] == 2);
        }
        for k in ["obs_password", "ice_turn_password", "ingest_key"] {
            let v = s.setting(k).unwrap().unwrap();
            use base64::Engine;
            let b = base64::engine::general_purpose::STANDARD.decode(&v).unwrap();
            assert!(s.secrets.legacy_open(&b).is_err(), "{k}");
        }
        drop(s);
        let raw = std::fs::read(dir.path().join("onair.db")).unwrap();
        let wal = std::fs::read(dir.path().join("onair.db-wal")).unwrap_or_default();
        for clear in
            ["sk_fixture_in_path_0002", "sk_fixture_srt_0003", "fixture-srt-pass-0004", "sk_fixture_userinfo_0005", made["ingest_key"].as_str().unwrap()]
        {
            assert!(!contains(&raw, clear) && !contains(&wal, clear), "{clear} left in clear");
        }
        // Opening again changes nothing.
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.stream_key(srt.id).unwrap(), "sk_fixture_srt_0003");
    }
}
