//! Visualizations: each takes prepared values and draws; none reads files.

pub mod axes;
pub mod image;
pub mod line;
pub mod table;
