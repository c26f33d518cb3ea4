//! Custom structs for use in various requests that accept a generic parameter. These structs are
//! not part of the obs-websocket API and try to extend functionality where the API stops.
//!
//! These types are not thoroughly tested currently and may break on OBS Studio updates.

pub mod source_settings;
pub mod transitions;
