//! The command line. `panorama` alone starts the GUI; subcommands run
//! headless and share the library functions the GUI uses.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::paths::AppDirs;

pub mod auth;
pub mod get;
pub mod metadata;
pub mod workflow;

#[derive(Debug, Parser)]
#[command(
    name = "panorama",
    version,
    about = "Find, view, describe and process research data from photon, neutron and accelerator facilities"
)]
pub struct Cli {
    /// Local HDF5/NeXus/ORSO files or http(s) URLs to open in the window
    /// (handed to the window already open, if there is one).
    #[arg(value_name = "FILE_OR_URL")]
    pub targets: Vec<String>,

    /// Open a window of its own even when one is already open.
    #[arg(long)]
    pub new_window: bool,

    /// More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides it.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Option<Sub>,
}

#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Search every enabled catalogue source at once (as the Search tab does).
    Search {
        /// Words to look for in titles, people, facility, project, sample, parameters.
        query: String,
        /// Only these sources (ids such as demo, panosc, zenodo, rodare; repeatable).
        #[arg(long = "source", value_name = "ID")]
        sources: Vec<String>,
        /// Keep only results with this facet value, e.g. `facility=PSI` (repeatable).
        #[arg(long = "facet", value_name = "KEY=VALUE")]
        facets: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print the records as JSON (the dataset model of docs/CLI.md).
        #[arg(long)]
        json: bool,
    },
    /// Harvest an OAI-PMH repository into the offline index.
    Harvest {
        /// The repository's base URL, e.g. https://zenodo.org/oai2d
        url: String,
        #[arg(long)]
        set: Option<String>,
        /// Only records changed on or after this date (YYYY-MM-DD).
        #[arg(long)]
        from: Option<String>,
        /// The metadata format: oai_dc (every repository), or oai_datacite / datacite
        /// (ORCIDs, affiliations, DOIs and access rights).
        #[arg(long, default_value = "oai_dc")]
        format: String,
        /// Only list the repository's sets (ListSets) and stop.
        #[arg(long)]
        list_sets: bool,
    },
    /// Download a dataset's files (by DOI/PID), a WebDAV folder or one file: resumable, checksum-verified.
    Get {
        /// A DOI or other PID known to an enabled source, or an http(s) URL of a file or WebDAV folder.
        target: String,
        /// The folder to download into (default: the current folder).
        #[arg(short = 'o', long = "out", value_name = "DIR")]
        out: Option<std::path::PathBuf>,
        /// Most files downloading at once.
        #[arg(long, default_value_t = 3)]
        parallel: usize,
        /// Replace files that already exist.
        #[arg(long)]
        overwrite: bool,
    },
    /// Time reading the benchmark files in DIR (made by `make bench`); prints JSON medians.
    Bench {
        dir: std::path::PathBuf,
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Also time a federated search over these PaNOSC servers against the slowest alone (repeatable).
        #[arg(long = "panosc", value_name = "URL")]
        panosc: Vec<String>,
        /// Also time offline searches over an index of this many synthetic records (kept in DIR).
        #[arg(long, default_value_t = 0)]
        fts: usize,
        /// Only browse this file as the viewer does (tree, default plot, frames of
        /// --browse-path one after another) and report peak memory.
        #[arg(long, value_name = "FILE")]
        browse: Option<std::path::PathBuf>,
        #[arg(long, default_value = "/entry/data/data", requires = "browse")]
        browse_path: String,
        #[arg(long, default_value_t = 100, requires = "browse")]
        browse_frames: usize,
    },
    /// Print a file's tree (or one object) with types, shapes, attributes, links and the NeXus default plot.
    Inspect {
        /// A local HDF5/NeXus file, or an h5grove URL (http://host:port/?file=NAME).
        target: String,
        /// Only this object and what is below it.
        #[arg(long, default_value = "/")]
        path: String,
        /// Print stable JSON (see docs/CLI.md) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write a dataset (or a selection of it) to .npy, .csv, .tsv, .tiff, .h5 or .nxs (by the extension of --to).
    Export {
        /// A local HDF5/NeXus file, or an h5grove URL (http://host:port/?file=NAME).
        target: String,
        /// The dataset, e.g. /entry/data/data.
        #[arg(long)]
        path: String,
        /// A NumPy-like selection over the leading axes, e.g. "3, :, 10:20" (default: all of it).
        #[arg(long, default_value = "")]
        select: String,
        /// The file to write; its extension chooses the format.
        #[arg(long)]
        to: std::path::PathBuf,
        /// Read through the HDF5 library's own reader only, never the parallel chunk reader.
        #[arg(long)]
        library_only: bool,
        /// Write the stored values as they are: no CF conventions (by default a
        /// variable with `_Unsigned`, `_FillValue`, `valid_range`, `scale_factor`…
        /// is written as the float64 values they mean, missing ones NaN).
        #[arg(long)]
        raw: bool,
    },
    /// Sign in at an OpenID Connect issuer (browser with PKCE, or --device).
    Login {
        /// The issuer URL, e.g. https://login.helmholtz.de/oauth2
        issuer: String,
        /// Panorama's client id at that issuer (defaults to the last one used there).
        #[arg(long)]
        client_id: Option<String>,
        /// A scope to ask for (repeatable; default: openid offline_access email profile entitlements).
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// Sign in with a code on another device instead of this computer's browser.
        #[arg(long)]
        device: bool,
    },
    /// List the signed-in accounts.
    Accounts {
        #[arg(long)]
        json: bool,
    },
    /// Sign out: revoke the account's tokens and forget them.
    Logout {
        /// Account id, e-mail, or the start of an id (see `panorama accounts`).
        account: String,
    },
    /// Print a fresh access token of an account, for scripts (like oidc-agent).
    Token { account: String },
    /// Check metadata (a JSON file, or what a NeXus file yields) against a schema.
    Validate {
        /// A JSON document or an HDF5/NeXus file.
        input: String,
        /// datacite, scicat, invenio, reflectivity, a schema file, or a name from the schemas folder.
        #[arg(long, default_value = "datacite")]
        schema: String,
        #[arg(long)]
        json: bool,
    },
    /// Publish a metadata draft to a SciCat or InvenioRDM source with its bound account.
    Publish {
        /// The draft's id or title (the Metadata tab lists them).
        draft: String,
        /// The source's id or name (Search, Sources…).
        #[arg(long)]
        to: String,
        /// A file to upload with the record (InvenioRDM; repeatable).
        #[arg(long = "file", value_name = "PATH")]
        files: Vec<std::path::PathBuf>,
    },
    /// Run a workflow file without a window (prints each node's result).
    Run {
        workflow: std::path::PathBuf,
        /// Change a parameter, e.g. `--set 2.value=3.5` (repeatable).
        #[arg(long = "set", value_name = "NODE.PARAM=VALUE")]
        settings: Vec<String>,
        /// Run once per file, giving it to the workflow's first file input node (repeatable).
        #[arg(long = "input", value_name = "FILE")]
        inputs: Vec<String>,
        #[arg(long)]
        json: bool,
        /// Write results.json, the workflow and an RO-Crate describing the run here.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// The licence (SPDX id) the RO-Crate gives the run's results.
        #[arg(long, value_name = "SPDX", default_value = crate::workflow::crate_meta::DEFAULT_LICENSE)]
        license: String,
        /// Run on a Slurm cluster instead: slurm://HOST:PORT of its slurmrestd (token in SLURM_JWT).
        #[arg(long, value_name = "slurm://HOST:PORT")]
        on: Option<String>,
        /// A folder this computer and the cluster both see; the run's files go there.
        #[arg(long, value_name = "DIR", requires = "on")]
        shared_dir: Option<std::path::PathBuf>,
        /// The cluster user the token belongs to (default: SLURM_USER, then USER).
        #[arg(long, requires = "on")]
        slurm_user: Option<String>,
        /// The panorama program on the cluster's nodes.
        #[arg(long, default_value = "panorama", requires = "on")]
        remote_panorama: String,
        /// Sign in to the cluster with this signed-in account (for sites whose
        /// Slurm accepts the identity provider's tokens) instead of SLURM_JWT.
        #[arg(long, value_name = "ACCOUNT", requires = "on")]
        slurm_account: Option<String>,
        /// The audience (resource indicator) of the cluster's tokens at the provider.
        #[arg(
            long,
            value_name = "URI",
            default_value = "slurm",
            requires = "slurm_account"
        )]
        slurm_audience: String,
    },
    /// The cart of the Search tab: list it, print its PIDs or citations,
    /// or write it as DataCite XML (one file per DOI).
    Cart {
        /// Print the PIDs, one a line.
        #[arg(long)]
        pids: bool,
        /// Print the citations in this format.
        #[arg(long, value_enum, value_name = "FORMAT")]
        cite: Option<CiteFormat>,
        /// Write DataCite kernel-4.5 XML files into this folder.
        #[arg(long, value_name = "DIR")]
        datacite_xml: Option<std::path::PathBuf>,
        /// Print the cart's records as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Metadata commands.
    Metadata {
        #[command(subcommand)]
        command: MetadataCmd,
    },
    /// Check what this machine offers Panorama: HDF5 and its filters, GPU, keyring, folders.
    Doctor {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the completions of a shell (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (roff): panorama.1 and one per subcommand.
    Manual {
        /// The folder to write them into.
        #[arg(long, value_name = "DIR")]
        to: std::path::PathBuf,
    },
}

/// `panorama --version`: the version, the commit it was built from
/// (`PANORAMA_GIT_COMMIT` at build time, which `make` sets), and the HDF5
/// library with the filters it decodes.
pub fn long_version() -> String {
    let filters: Vec<&str> = crate::data::hdf5_library::filters()
        .into_iter()
        .filter(|f| f.available)
        .map(|f| f.name)
        .collect();
    format!(
        "{}\ncommit {}\nHDF5 {} (statically linked; filters: {})",
        env!("CARGO_PKG_VERSION"),
        option_env!("PANORAMA_GIT_COMMIT")
            .filter(|c| !c.is_empty())
            .unwrap_or("unknown"),
        crate::data::hdf5_library::version(),
        filters.join(", ")
    )
}

/// The command line's definition, with the long version.
pub fn command() -> clap::Command {
    use clap::CommandFactory as _;
    Cli::command().long_version(long_version())
}

/// Parse the process's arguments (help, version and errors exit, as clap
/// does).
pub fn parse() -> Cli {
    use clap::FromArgMatches as _;
    let matches = command().get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// Print the completions of `shell` for every subcommand and option.
pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut cmd = command();
    clap_complete::generate(shell, &mut cmd, "panorama", &mut std::io::stdout());
    ExitCode::SUCCESS
}

/// Write `panorama.1` and `panorama-<subcommand>.1` for each subcommand
/// into `dir`.
pub fn manual(dir: &std::path::Path) -> ExitCode {
    match write_manual(dir) {
        Ok(n) => {
            println!("{n} manual pages written to {}", dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "panorama: could not write the manual into {}: {e}. Check the folder exists and is writable.",
                dir.display()
            );
            ExitCode::FAILURE
        }
    }
}

fn write_manual(dir: &std::path::Path) -> std::io::Result<usize> {
    let cmd = command();
    let mut pages = vec![("panorama".to_owned(), cmd.clone())];
    for sub in cmd.get_subcommands() {
        let name = format!("panorama-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().name(name)));
    }
    for (name, page) in &pages {
        let mut out = Vec::new();
        clap_mangen::Man::new(page.clone()).render(&mut out)?;
        std::fs::write(dir.join(format!("{name}.1")), out)?;
    }
    Ok(pages.len())
}

/// `panorama export`: exit 1 with a plain message when the dataset cannot be
/// read or the format cannot hold it.
pub fn export(
    target: &str,
    path: &str,
    select: &str,
    to: &std::path::Path,
    (library_only, raw): (bool, bool),
) -> ExitCode {
    let source = || -> Result<Box<dyn crate::data::DataSource>, crate::data::DataError> {
        if library_only && !crate::net::is_web_url(target) {
            let local = crate::data::local_hdf5::LocalHdf5::open(std::path::Path::new(target))?;
            return Ok(Box::new(local.library_only()));
        }
        crate::data::open(target)
    };
    let result = crate::data::Selection::parse(select)
        .and_then(|sel| Ok((source()?, sel)))
        .map_err(crate::data::export::ExportError::from)
        .and_then(|(src, sel)| {
            crate::data::export::export_with(
                src.as_ref(),
                path,
                &sel,
                (false, !raw),
                to,
                &crate::data::NoProgress,
            )
        });
    match result {
        Ok(done) => {
            let dims: Vec<String> = done.shape.iter().map(usize::to_string).collect();
            eprintln!(
                "wrote {} ({}, [{}], {} bytes)",
                done.path.display(),
                done.format,
                dims.join(" × "),
                done.bytes
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("panorama: {e}");
            ExitCode::from(1)
        }
    }
}

/// `panorama inspect`: exit 1 if the file or object cannot be read.
pub fn inspect(target: &str, path: &str, json: bool) -> ExitCode {
    let result = crate::data::open(target)
        .and_then(|src| crate::inspect::inspect(src.as_ref(), path, &crate::data::NoProgress));
    match result {
        Ok(report) if json => match serde_json::to_string_pretty(&report) {
            Ok(s) => {
                println!("{s}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("panorama: could not write JSON: {e}");
                ExitCode::from(2)
            }
        },
        Ok(report) => {
            print!("{}", report.render());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("panorama: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The background runtime every command's work runs on, or `None` after
/// saying on stderr why it could not start.
pub(crate) fn runtime_or_say() -> Option<crate::runtime::Runtime> {
    crate::runtime::Runtime::new()
        .map_err(|e| eprintln!("panorama: {e}"))
        .ok()
}

/// `panorama search`: exit 1 if the catalogue cannot be searched.
pub fn search(
    dirs: &AppDirs,
    query: &str,
    sources: &[String],
    facets: &[String],
    limit: usize,
    json: bool,
) -> ExitCode {
    let mut parsed = Vec::new();
    for f in facets {
        match f.split_once('=') {
            Some((k, v)) if crate::catalogue::FACETS.contains(&k) => {
                parsed.push((k.to_owned(), v.to_owned()));
            }
            _ => {
                eprintln!(
                    "panorama: “{f}” is not a facet filter; use KEY=VALUE with KEY one of {}",
                    crate::catalogue::FACETS.join(", ")
                );
                return ExitCode::from(2);
            }
        }
    }
    // The same federated search as the Search tab: every enabled source at once.
    let Some(runtime) = runtime_or_say() else {
        return ExitCode::FAILURE;
    };
    let mut state = crate::state::AppState::new(dirs.clone(), runtime.tasks().clone());
    if !sources.is_empty() {
        let chosen: Vec<_> = state
            .search
            .sources
            .iter()
            .filter(|s| sources.contains(&s.id))
            .cloned()
            .map(|mut s| {
                s.enabled = true;
                s
            })
            .collect();
        if chosen.is_empty() {
            let ids: Vec<&str> = state.search.sources.iter().map(|s| s.id.as_str()).collect();
            eprintln!(
                "panorama: no such source; the sources are {}",
                ids.join(", ")
            );
            return ExitCode::from(2);
        }
        state.search.sources = chosen;
    }
    state.apply(crate::command::SearchCommand::Run(query.to_owned()));
    while state.search.running() {
        let _ = state.poll();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut failed = 0;
    for run in &state.search.runs {
        match &run.status {
            crate::state::Requested::Ready(n) if !run.partial.is_empty() => eprintln!(
                "[{}] ok · {n} · possibly partial: {} sent nothing this time (the federated service leaves out a facility that does not answer in time)",
                run.name,
                run.partial.join(", ")
            ),
            crate::state::Requested::Ready(n) => match run.total {
                Some(t) => eprintln!("[{}] ok · {n} of {t}", run.name),
                None => eprintln!("[{}] ok · {n}", run.name),
            },
            crate::state::Requested::Failed { error: m, .. } => {
                failed += 1;
                eprintln!("[{}] failed: {m}", run.name);
            }
            crate::state::Requested::Pending { .. } => {}
        }
    }
    if failed == state.search.runs.len() {
        eprintln!("panorama: no source could be searched");
        return ExitCode::FAILURE;
    }
    let hits: Vec<crate::catalogue::Dataset> =
        crate::catalogue::apply_facets(&state.search.results, &parsed)
            .into_iter()
            .take(if limit == 0 { usize::MAX } else { limit })
            .cloned()
            .collect();
    let result: Result<crate::catalogue::SearchPage, crate::catalogue::CatalogueError> =
        Ok(crate::catalogue::SearchPage {
            total: Some(hits.len() as u64),
            facet_counts: None,
            datasets: hits,
            federation: None,
            next: None,
        });
    match result {
        Ok(page) if json => match serde_json::to_string_pretty(&page.datasets) {
            Ok(s) => {
                println!("{s}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("panorama: {e}");
                ExitCode::from(2)
            }
        },
        Ok(page) => {
            println!("{} results", page.total.unwrap_or(0));
            for d in &page.datasets {
                println!("\n{}", d.title);
                let people: Vec<String> = d
                    .creators
                    .iter()
                    .map(|c| match &c.orcid {
                        Some(o) => format!("{} (ORCID {o})", c.name),
                        None => c.name.clone(),
                    })
                    .collect();
                println!("  {}", people.join("; "));
                let place: Vec<&str> = [&d.facility, &d.instrument, &d.project]
                    .iter()
                    .filter_map(|o| o.as_deref())
                    .collect();
                println!(
                    "  {}  PID {}",
                    place.join(" · "),
                    d.pid.as_deref().unwrap_or("-")
                );
                println!(
                    "  {} files, {}",
                    d.files.len(),
                    crate::units::human_bytes(d.total_size())
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("panorama: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `panorama harvest`: progress on stderr, totals on stdout.
pub fn harvest(
    dirs: &AppDirs,
    url: &str,
    set: Option<String>,
    from: Option<String>,
    format: String,
    list_sets: bool,
) -> ExitCode {
    let Some(runtime) = runtime_or_say() else {
        return ExitCode::FAILURE;
    };
    if let Err(e) = dirs.ensure() {
        eprintln!("panorama: {e}");
        return ExitCode::FAILURE;
    }
    if list_sets {
        return match runtime.block_on(crate::catalogue::oaipmh::list_sets(url)) {
            Ok(sets) => {
                for s in sets {
                    println!("{}\t{}", s.spec, s.name);
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("panorama: {e}");
                ExitCode::FAILURE
            }
        };
    }
    // Who answers, and how precise `from` may be.
    match runtime.block_on(crate::catalogue::oaipmh::identify(url)) {
        Ok(id) => eprintln!(
            "{} (OAI-PMH {}, records since {}, dates as {})",
            if id.repository_name.is_empty() {
                url
            } else {
                &id.repository_name
            },
            id.protocol_version,
            id.earliest_datestamp,
            id.granularity
        ),
        Err(e) => {
            eprintln!("panorama: {url} does not answer as an OAI-PMH repository: {e}");
            return ExitCode::FAILURE;
        }
    }
    let req = crate::catalogue::oaipmh::Request {
        base: url.to_owned(),
        set,
        from,
        prefix: format,
    };
    let path = dirs.data.join("panorama.sqlite");
    let cancel = tokio_util::sync::CancellationToken::new();
    let progress = |s: &crate::catalogue::oaipmh::Summary| {
        eprint!(
            "\rharvesting: {} records, {} deleted, page {}   ",
            s.records, s.deleted, s.pages
        );
    };
    let result = runtime.block_on(crate::catalogue::oaipmh::harvest_into(
        &path, &req, &progress, &cancel,
    ));
    eprintln!();
    match result {
        Ok(s) => {
            println!(
                "{} records harvested ({} deleted) in {} pages into the offline index",
                s.records, s.deleted, s.pages
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("panorama: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `panorama bench`: one JSON object `{name: median_seconds}` on stdout.
/// `panorama bench --browse FILE`: peak memory while browsing a large file.
pub fn bench_browse(file: &std::path::Path, path: &str, frames: usize) -> ExitCode {
    match crate::bench::browse_memory(file, path, frames) {
        Ok(m) => {
            eprintln!(
                "browsed {} frames of {} ({:.1} GB): peak resident memory {:.0} MB, value cache at most {:.0} MB, {:.1} s",
                m.frames_shown,
                file.display(),
                m.logical_bytes as f64 / 1e9,
                m.peak_rss_mb,
                m.peak_cache_mb,
                m.seconds
            );
            println!("{}", serde_json::to_string(&m).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("panorama: {e}");
            ExitCode::FAILURE
        }
    }
}

pub fn bench(dir: &std::path::Path, runs: usize, panosc: &[String], fts: usize) -> ExitCode {
    match crate::bench::run(dir, runs.max(1)) {
        Ok(ms) => {
            for m in &ms {
                eprintln!(
                    "{:34} median {:8.4} s  runs {:?}",
                    m.name, m.median_s, m.runs_s
                );
            }
            let mut map: serde_json::Map<String, serde_json::Value> = ms
                .iter()
                .map(|m| (m.name.to_owned(), serde_json::json!(m.median_s)))
                .collect();
            match crate::bench::workflow_chain(1000, runs.max(5)) {
                Ok(per_node) => {
                    eprintln!(
                        "workflow engine: {:.1} µs per node on a 1,000-node chain",
                        per_node * 1e6
                    );
                    map.insert(
                        "workflow_chain_per_node".into(),
                        serde_json::json!(per_node),
                    );
                }
                Err(e) => {
                    eprintln!("panorama: workflow benchmark: {e}");
                    return ExitCode::FAILURE;
                }
            }
            if fts > 0 {
                match crate::bench::offline_search(dir, fts, 500) {
                    Ok(t) => {
                        eprintln!("offline search over {fts} records: {t:?}");
                        map.insert("fts_p50".into(), serde_json::json!(t.p50_s));
                        map.insert("fts_p95".into(), serde_json::json!(t.p95_s));
                    }
                    Err(e) => {
                        eprintln!("panorama: offline search benchmark: {e}");
                        return ExitCode::FAILURE;
                    }
                }
                match crate::bench::offline_range_search(dir, fts, 500) {
                    Ok(t) => {
                        eprintln!("offline range search over {fts} records: {t:?}");
                        map.insert("range_p50".into(), serde_json::json!(t.p50_s));
                        map.insert("range_p95".into(), serde_json::json!(t.p95_s));
                    }
                    Err(e) => {
                        eprintln!("panorama: offline range search benchmark: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            if !panosc.is_empty() {
                match crate::bench::federation(dir, panosc, runs.max(5)) {
                    Ok(t) => {
                        eprintln!("federated search: {t:?}");
                        map.insert(
                            "federation_slowest_alone".into(),
                            serde_json::json!(t.slowest_alone_s),
                        );
                        map.insert("federation_all".into(), serde_json::json!(t.federated_s));
                        map.insert(
                            "federation_overhead".into(),
                            serde_json::json!(t.overhead_s),
                        );
                        map.insert(
                            "more_slowest_alone".into(),
                            serde_json::json!(t.more_slowest_alone_s),
                        );
                        map.insert("more_all".into(), serde_json::json!(t.more_federated_s));
                        map.insert("more_overhead".into(), serde_json::json!(t.more_overhead_s));
                    }
                    Err(e) => {
                        eprintln!("panorama: federated search benchmark: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            println!("{}", serde_json::Value::Object(map));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("panorama: {e}");
            ExitCode::FAILURE
        }
    }
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
        assert_eq!(c.targets, ["scan.nxs"]);
        assert!(c.command.is_none() && !c.new_window);
        // A file manager passes several files at once (the desktop file's %F).
        let c = Cli::try_parse_from(["panorama", "--new-window", "a.h5", "b.nxs", "c.ort"])
            .expect("parse");
        assert_eq!(c.targets, ["a.h5", "b.nxs", "c.ort"]);
        assert!(c.new_window && c.command.is_none());
        let c = Cli::try_parse_from(["panorama", "-vv", "doctor", "--json"]).expect("parse");
        assert_eq!(c.verbose, 2);
        assert!(matches!(c.command, Some(Sub::Doctor { json: true })));
        assert!(Cli::try_parse_from(["panorama", "doctor", "--bogus"]).is_err());
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CiteFormat {
    /// One plain-text citation a line.
    Text,
    Bibtex,
    Ris,
}

/// `panorama cart`: exit 1 when nothing could be written or the cart is
/// empty where something was asked of it; the datasets DataCite XML cannot
/// be written for are named on stderr.
pub fn cart(
    dirs: &AppDirs,
    pids: bool,
    cite: Option<CiteFormat>,
    datacite_xml: Option<&std::path::Path>,
    json: bool,
) -> ExitCode {
    use crate::catalogue::cart::CitationFormat;
    let Some(runtime) = runtime_or_say() else {
        return ExitCode::FAILURE;
    };
    let state = crate::state::AppState::new(dirs.clone(), runtime.tasks().clone());
    let cart = &state.search.cart;
    if cart.is_empty() {
        eprintln!("panorama: the cart is empty; add datasets from their pages in the Search tab");
        return if pids || cite.is_some() || datacite_xml.is_some() {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        };
    }
    if let Some(dir) = datacite_xml {
        let xml = crate::metadata::datacite::cart_xml(&cart.items);
        if let Err(e) = xml.write(dir) {
            eprintln!("panorama: {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
        eprintln!("{}", xml.summary(dir));
        return if xml.files.is_empty() {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        };
    }
    let lines = |text: String| {
        print!("{text}");
        if !text.ends_with('\n') {
            println!();
        }
    };
    if pids {
        lines(cart.pids());
    } else if let Some(f) = cite {
        let format = match f {
            CiteFormat::Text => CitationFormat::Text,
            CiteFormat::Bibtex => CitationFormat::BibTeX,
            CiteFormat::Ris => CitationFormat::Ris,
        };
        lines(cart.citations(format));
    } else if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&cart.items).unwrap_or_default()
        );
    } else {
        for d in &cart.items {
            println!(
                "{}\t{}\t{} files",
                d.pid.as_deref().unwrap_or(&d.key()),
                d.title,
                d.files.len()
            );
        }
    }
    ExitCode::SUCCESS
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// DataCite kernel-4.5 XML.
    Xml,
    /// DataCite 4.5 JSON.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum MetadataCmd {
    /// Write a DataCite record (4.5 JSON, or a DataCite REST API answer) as DataCite XML or JSON.
    Export {
        input: String,
        #[arg(long, value_enum, default_value = "xml")]
        to: ExportFormat,
    },
    /// Print what a NeXus/HDF5 file says about itself (title, times, instrument, people…).
    Extract {
        file: String,
        /// Show it as the fields of this schema (datacite, scicat, invenio, reflectivity).
        #[arg(long)]
        schema: Option<String>,
        /// Fill what the file does not say from this template (with --schema).
        #[arg(long)]
        template: Option<String>,
        #[arg(long)]
        json: bool,
    },
}
