//! Visualizations: each takes prepared values and draws; none reads files.

pub mod image;
pub mod line;
pub mod table;
