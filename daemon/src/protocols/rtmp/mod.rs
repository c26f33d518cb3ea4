//! RTMP on the wire, for both directions: the chunk demuxer (publishers into the ingest, replies
//! from destinations into the outputs) and the AMF guard that every non-media message passes
//! before `rml_rtmp`'s recursive AMF0 decoder sees it.
pub mod amf_guard;
pub mod chunks;
