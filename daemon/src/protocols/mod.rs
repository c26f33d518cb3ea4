//! Wire formats shared by more than one part of the box (ingest and outputs): pure parsers with no
//! I/O and no state of the box (they are what the fuzz targets drive).
pub mod rtmp;
