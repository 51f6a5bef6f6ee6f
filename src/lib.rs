//! Panorama: find, view, describe and process research data from photon,
//! neutron and accelerator facilities.
//!
//! The library is split into domain modules that never depend on the GUI
//! toolkit, and [`ui`], the only module that draws anything. Every action the
//! GUI offers is a [`command::Command`] applied to an [`state::AppState`], so
//! the CLI and the tests can run the same actions without a window.

pub mod auth;
pub mod bench;
pub mod catalogue;
pub mod cli;
pub mod command;
pub mod data;
pub mod desktop;
pub mod doctor;
pub mod inspect;
pub mod instance;
pub mod logging;
pub mod metadata;
pub mod net;
pub mod paths;
pub mod plot;
pub mod runtime;
pub mod state;
pub mod store;
pub mod transfer;
pub mod ui;
pub mod units;
pub mod workflow;

/// The application's version, as printed by `panorama --version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Reverse-DNS application id, used for the desktop file, AppStream metadata,
/// the keyring service name and the window's app id.
pub const APP_ID: &str = "org.panoramascience.Panorama";
