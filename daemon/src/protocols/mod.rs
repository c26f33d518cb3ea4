//! Wire formats shared by more than one part of the box (ingest and outputs).
pub mod rtmp;
