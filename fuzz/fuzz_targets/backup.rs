//! A settings backup as an uploader sends it to `POST /system/restore`: whatever the bytes, the file
//! is refused with a reason (or opened, if it is a real backup) and nothing panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use onair::store::export::{open, RestoreError};

fuzz_target!(|data: &[u8]| {
    match open(data, "fuzzing passphrase") {
        Ok((_, db)) => assert!(db.len() >= 512),
        Err(RestoreError::NotABackup | RestoreError::WrongPassphrase | RestoreError::Damaged(_) | RestoreError::WeakPassphrase) => {}
        Err(e) => panic!("{e}"),
    }
});
