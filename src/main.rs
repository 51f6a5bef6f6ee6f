//! `panorama`: parse the command line, then start the GUI or a headless command.

use std::process::ExitCode;

use panorama::cli::Sub;
use panorama::paths::AppDirs;

fn main() -> ExitCode {
    let cli = panorama::cli::parse();
    let dirs = match AppDirs::from_env() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::from(2);
        }
    };
    let log_dir = dirs.ensure().ok().map(|()| dirs.logs());
    let _log = panorama::logging::init(cli.verbose, log_dir.as_deref());
    match cli.command {
        Some(Sub::Doctor { json }) => panorama::cli::doctor(&dirs, json),
        Some(Sub::Completions { shell }) => panorama::cli::completions(shell),
        Some(Sub::Manual { to }) => panorama::cli::manual(&to),
        Some(Sub::Search {
            query,
            sources,
            facets,
            limit,
            json,
        }) => panorama::cli::search(&dirs, &query, &sources, &facets, limit, json),
        Some(Sub::Cart {
            pids,
            cite,
            datacite_xml,
            json,
        }) => panorama::cli::cart(&dirs, pids, cite, datacite_xml.as_deref(), json),
        Some(Sub::Harvest {
            url,
            set,
            from,
            format,
            list_sets,
        }) => panorama::cli::harvest(&dirs, &url, set, from, format, list_sets),
        Some(Sub::Get {
            target,
            out,
            parallel,
            overwrite,
        }) => panorama::cli::get::get(&dirs, &target, out.as_deref(), parallel, overwrite),
        Some(Sub::Bench {
            browse: Some(file),
            browse_path,
            browse_frames,
            ..
        }) => panorama::cli::bench_browse(&file, &browse_path, browse_frames),
        Some(Sub::Bench {
            dir,
            runs,
            panosc,
            fts,
            ..
        }) => panorama::cli::bench(&dir, runs, &panosc, fts),
        Some(Sub::Validate {
            input,
            schema,
            json,
        }) => panorama::cli::metadata::validate(&dirs, &input, &schema, json),
        Some(Sub::Metadata {
            command:
                panorama::cli::MetadataCmd::Extract {
                    file,
                    schema,
                    template,
                    json,
                },
        }) => panorama::cli::metadata::extract(
            &dirs,
            &file,
            schema.as_deref(),
            template.as_deref(),
            json,
        ),
        Some(Sub::Metadata {
            command: panorama::cli::MetadataCmd::Export { input, to },
        }) => panorama::cli::metadata::export(&input, to),
        Some(Sub::Publish { draft, to, files }) => {
            panorama::cli::metadata::publish(&dirs, &draft, &to, &files)
        }
        Some(Sub::Run {
            inputs,
            on: Some(_),
            ..
        }) if !inputs.is_empty() => {
            eprintln!("panorama: --input runs here; on a cluster, submit one run per file");
            std::process::ExitCode::from(2)
        }
        Some(Sub::Run {
            workflow,
            settings,
            json,
            out,
            on: Some(address),
            shared_dir,
            slurm_user,
            remote_panorama,
            slurm_account,
            slurm_audience,
            ..
        }) => panorama::cli::workflow::run_on_slurm(
            &dirs,
            &workflow,
            &settings,
            json,
            out.as_deref(),
            &panorama::cli::workflow::SlurmArgs {
                address,
                shared_dir,
                user: slurm_user,
                panorama: remote_panorama,
                account: slurm_account,
                audience: slurm_audience,
            },
        ),
        Some(Sub::Run {
            workflow,
            settings,
            inputs,
            json,
            out,
            license,
            ..
        }) => panorama::cli::workflow::run_workflow(
            &dirs,
            &workflow,
            &settings,
            &inputs,
            json,
            (out.as_deref(), &license),
        ),
        Some(Sub::Login {
            issuer,
            client_id,
            scopes,
            device,
        }) => panorama::cli::auth::login(&dirs, &issuer, client_id, scopes, device),
        Some(Sub::Accounts { json }) => panorama::cli::auth::accounts(&dirs, json),
        Some(Sub::Logout { account }) => panorama::cli::auth::logout(&dirs, &account),
        Some(Sub::Token { account }) => panorama::cli::auth::token(&dirs, &account),
        Some(Sub::Inspect { target, path, json }) => panorama::cli::inspect(&target, &path, json),
        Some(Sub::Export {
            target,
            path,
            select,
            to,
            library_only,
            raw,
        }) => panorama::cli::export(&target, &path, &select, &to, (library_only, raw)),
        None => open_window(dirs, cli.targets, cli.new_window),
    }
}

/// Start the window, or hand the files to the one already open.
fn open_window(dirs: AppDirs, targets: Vec<String>, new_window: bool) -> ExitCode {
    let inbox = if new_window {
        None
    } else {
        match panorama::instance::claim(&dirs, &targets) {
            Ok(panorama::instance::Claim::HandedOff { count }) => {
                if count > 0 {
                    eprintln!("panorama: opened {count} in the window already open");
                } else {
                    eprintln!("panorama: raised the window already open");
                }
                return ExitCode::SUCCESS;
            }
            Ok(panorama::instance::Claim::Primary(inbox)) => Some(inbox),
            Err(e) => {
                // Still open a window; later launches just open their own.
                tracing::warn!("{e}");
                None
            }
        }
    };
    panorama::ui::run_gui(dirs, targets, inbox)
}
