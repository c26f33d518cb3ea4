//! Additional documentation, mostly in regards to `obs-websocket`, or details outside of direct
//! API elements.

pub mod mapping {
    #![doc = include_str!("mapping.md")]
}
