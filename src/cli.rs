//! The command line. `panorama` alone starts the GUI; subcommands run
//! headless and share the library functions the GUI uses.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::paths::AppDirs;

#[derive(Debug, Parser)]
#[command(
    name = "panorama",
    version,
    about = "Find, view, describe and process research data from photon, neutron and accelerator facilities"
)]
pub struct Cli {
    /// A local HDF5/NeXus file or an http(s) URL to open in the window.
    pub target: Option<String>,

    /// More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides it.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Option<Sub>,
}

#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Check what this machine offers Panorama: HDF5 and its filters, GPU, keyring, folders.
    Doctor {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `panorama doctor`: print the report; exit 1 when something required is missing.
pub fn doctor(dirs: &AppDirs, json: bool) -> ExitCode {
    let report = crate::doctor::run(dirs, crate::ui::gpu::probe());
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("panorama: could not write the report as JSON: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        print!("{}", report.render());
    }
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_and_subcommands_parse() {
        let c = Cli::try_parse_from(["panorama", "scan.nxs"]).expect("parse");
        assert_eq!(c.target.as_deref(), Some("scan.nxs"));
        assert!(c.command.is_none());
        let c = Cli::try_parse_from(["panorama", "-vv", "doctor", "--json"]).expect("parse");
        assert_eq!(c.verbose, 2);
        assert!(matches!(c.command, Some(Sub::Doctor { json: true })));
        assert!(Cli::try_parse_from(["panorama", "doctor", "--bogus"]).is_err());
    }
}
