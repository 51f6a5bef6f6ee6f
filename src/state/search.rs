//! The search slice: one search across every enabled catalogue source,
//! streamed as each answers, merged by DOI, filtered by facets; the dataset
//! page with its file list; the sources themselves.

use std::collections::HashMap;
use std::sync::Arc;

use crate::catalogue::offline::RecordIndex as _;

use super::{Cx, Level, Requested, TabKind, UiEffect, settings};
use crate::catalogue::SourceConfig;
use crate::runtime::{TaskError, TaskSet};

/// Why a source could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("uses the account {0}, which is not signed in: sign in under Accounts")]
    NotSignedIn(String),
    #[error(transparent)]
    Source(#[from] crate::catalogue::CatalogueError),
}

/// What the Search tab and the dataset pages ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchCommand {
    /// Search the catalogues (a new search cancels the previous one).
    Run(String),
    /// Ask every catalogue again for the query shown (after a network came back).
    Again,
    /// Ask every source that has more for its next page; the records join
    /// those shown, duplicates merged.
    LoadMore,
    /// Search for datasets holding a value like one found in a file (a
    /// scalar with its units): the parameter of that name within a few
    /// percent, in every catalogue.
    FindSimilar {
        name: String,
        /// The number as written (`1.5406`), which reads back the same.
        value: String,
        unit: String,
    },
    /// Turn a facet filter on or off.
    ToggleFacet { facet: String, value: String },
    /// Turn every facet filter off.
    ClearFacets,
    /// Show a dataset's page (by [`crate::catalogue::Dataset::key`]).
    ShowDataset(String),
    /// Download a file of the dataset shown into the downloads folder
    /// (resumable, verified); the file remembers the record it came from.
    Download {
        url: String,
        name: String,
        checksum: Option<String>,
    },
    /// Copy the PID of the dataset shown.
    CopyPid,
    /// Put the dataset shown into the cart (kept across restarts).
    AddToCart,
    /// Take a dataset out of the cart, by its key.
    RemoveFromCart(String),
    /// Empty the cart.
    ClearCart,
    /// Queue every file of the cart's datasets in Downloads.
    DownloadCart,
    /// Copy the PIDs of the cart's datasets, one a line.
    CopyCartPids,
    /// Copy the citations of the cart's datasets.
    CopyCartCitations(crate::catalogue::cart::CitationFormat),
    /// Open a record of the lineage of the dataset shown: a record held
    /// (results or cart) at once, a workflow run's results in the viewer,
    /// else the record looked up by its PID in the catalogues.
    OpenLinked(crate::catalogue::Link),
    /// Write the cart's datasets as DataCite kernel-4.5 XML into a folder,
    /// one file per DOI; those lacking what DataCite requires are named.
    ExportCartXml(std::path::PathBuf),
    /// Replace the catalogue sources (settings).
    SetSources(Vec<SourceConfig>),
    /// Let a catalogue source's requests carry an account's tokens (or none).
    BindAccount {
        source: String,
        account: Option<String>,
    },
}

/// One order across sources, whichever answered first: a record whose DOI
/// or PID is the text searched for first, then by the best place any source
/// gave it (each source's own ranking, its pages after its first), then by
/// key. Stable as pages arrive: a later page's records come after the
/// places before them.
fn rank(results: &mut [crate::catalogue::Dataset], places: &HashMap<String, usize>, text: &str) {
    let wanted = crate::catalogue::datacite::bare_doi(text.trim())
        .unwrap_or_else(|| text.trim().to_owned())
        .to_ascii_lowercase();
    results.sort_by_cached_key(|d| {
        let key = d.key();
        let exact = !wanted.is_empty() && key == wanted;
        (!exact, places.get(&key).copied().unwrap_or(usize::MAX), key)
    });
}

/// What was asked of the catalogues and the runs folder about a dataset's
/// lineage: the links found (records pointing back at it, runs that used
/// it), while more may come, and why a source could not say.
#[derive(Debug, Clone, Default)]
pub struct LineageAsk {
    /// The dataset's key.
    pub key: String,
    pub links: Vec<crate::catalogue::Link>,
    pub pending: bool,
    pub error: Option<String>,
}

/// How long a federated source's provider is remembered after its records
/// were last seen (30 days).
const PROVIDER_MEMORY_SECS: i64 = 30 * 24 * 3600;
/// How stale a provider's stored last sighting may grow before it is
/// written again (a day).
const PROVIDER_SAVE_SECS: i64 = 24 * 3600;

/// One source's part of a search.
#[derive(Debug, Clone)]
pub struct SourceRun {
    pub id: String,
    pub name: String,
    /// Number of results when done, or why it failed.
    pub status: Requested<usize>,
    /// How many match in all, when the source says (more than it sent).
    pub total: Option<u64>,
    pub started: std::time::Instant,
    /// Not asked at all: an online source in offline mode. Shown as
    /// skipped, not as a failure.
    pub skipped: bool,
    /// Facet counts over every match, when the source counts them itself.
    pub facets: Option<crate::catalogue::FacetCounts>,
    /// The last answer was that the source could not be reached at all.
    pub unreachable: bool,
    /// Where the source's next page starts, when it has more.
    pub next: Option<usize>,
    /// Where the page on its way starts (0: the first).
    pub asked: usize,
    /// The last "Load more" of this source failed (scrolling does not ask
    /// again; the button does).
    pub more_failed: bool,
    /// Providers of a federated source that answered before and are missing
    /// from an answer slow enough for the service to have dropped them: the
    /// results may lack their records.
    pub partial: Vec<String>,
    /// The query's filters this source's service cannot be asked for (in
    /// the query syntax): its pages are filtered here.
    pub filtered_here: Vec<String>,
}

/// A source still answering after this long is shown as slow.
pub const SLOW_AFTER: std::time::Duration = std::time::Duration::from_secs(3);

impl SourceRun {
    pub fn is_slow(&self) -> bool {
        matches!(self.status, Requested::Pending { .. }) && self.started.elapsed() > SLOW_AFTER
    }
}

/// The catalogue search as the Search tab shows it.
#[derive(Default)]
pub struct SearchState {
    /// The query of the results shown (or being fetched); `None` before the first search.
    pub query: Option<String>,
    /// Each source's progress, in the order of the settings.
    pub runs: Vec<SourceRun>,
    /// Results of every source that answered, duplicates merged.
    pub results: Vec<crate::catalogue::Dataset>,
    /// Active facet filters, applied instantly to the results.
    pub facets: Vec<(String, String)>,
    /// Key of the dataset whose page is shown.
    pub shown: Option<String>,
    /// The file list being asked of a catalogue (dataset key), or why it failed.
    pub files: Option<(String, Requested<usize>)>,
    /// The filters of the query shown (parsed from its syntax), applied to
    /// every source's answer.
    pub filters: Vec<crate::catalogue::query::Filter>,
    /// Why the query typed does not read, if it does not.
    pub query_error: Option<String>,
    /// The PID copied last (from a dataset page), and how many copies were
    /// made in all.
    pub copied_pid: Option<(String, u64)>,
    /// The query as the sources are asked it (free text and filters; the
    /// facets are the offline index's own), for its next pages.
    asked: crate::catalogue::SearchQuery,
    /// Records asked of each source per page (0: each source's own size).
    pub page_size: usize,
    /// Datasets collected from any catalogue, kept in the settings.
    pub cart: crate::catalogue::cart::Cart,
    /// Which sources sent each result (by key), so a source that filters
    /// and counts by itself can be asked again without losing the others'.
    origins: HashMap<String, std::collections::BTreeSet<String>>,
    /// Each result's best place in a source's answer (over its pages): the
    /// one order across sources ([`rank`]).
    places: HashMap<String, usize>,
    generation: u64,
    /// The catalogue sources searched (remembered, and kept in the sources
    /// file the user may edit).
    pub sources: Vec<SourceConfig>,
    /// Answers on their way, by search generation and source id.
    /// Each source's answer, its error kept typed (an unreachable source
    /// is told apart from one that refused).
    searches: TaskSet<
        (u64, String),
        Result<crate::catalogue::SearchPage, crate::catalogue::CatalogueError>,
    >,
    /// File lists on their way, by dataset key.
    listing: TaskSet<String, Vec<crate::catalogue::DataFile>>,
    /// The lineage asked for the dataset shown (beyond its own links).
    pub lineage: Option<LineageAsk>,
    linking: TaskSet<String, (Vec<crate::catalogue::Link>, Option<String>)>,
    /// The key of the record last opened from a lineage graph.
    opened: Option<String>,
    /// A lineage node being looked up by its PID, or why it was not found.
    pub opening: Option<(String, Requested<()>)>,
    resolving: TaskSet<String, Option<crate::catalogue::Dataset>>,
    /// The providers each federated source has named ([`settings::PROVIDERS`]).
    providers: std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>>,
    /// The cart's DataCite XML being written (its summary when done).
    exporting: TaskSet<std::path::PathBuf, String>,
    /// Facet counts of the results held ([`Self::facet_counts`]).
    counts: Vec<(&'static str, Vec<(String, usize)>)>,
}

impl SearchState {
    /// The results that pass the facet filters.
    pub fn visible(&self) -> Vec<&crate::catalogue::Dataset> {
        crate::catalogue::apply_facets(&self.results, &self.facets)
    }

    /// Facet counts of the whole search (counted when results arrive or go,
    /// not each time they are shown).
    pub fn facet_counts(&self) -> Vec<(&'static str, Vec<(String, usize)>)> {
        self.counts.clone()
    }

    /// Count the facets again: a source that counts every match itself (the
    /// offline index) gives its counts, and the results of the other sources
    /// are counted here, each result once.
    fn recount(&mut self) {
        self.counts = self.count_facets();
    }

    fn count_facets(&self) -> Vec<(&'static str, Vec<(String, usize)>)> {
        let counting: Vec<&SourceRun> = self.runs.iter().filter(|r| r.facets.is_some()).collect();
        let counted_elsewhere = |d: &crate::catalogue::Dataset| {
            self.origins
                .get(&d.key())
                .is_some_and(|o| counting.iter().any(|r| o.contains(&r.id)))
        };
        let rest = self.results.iter().filter(|d| !counted_elsewhere(d));
        let mut counts = crate::catalogue::facet_counts(rest);
        for run in &counting {
            for (facet, values) in run.facets.iter().flatten() {
                let Some((_, mine)) = counts.iter_mut().find(|(f, _)| *f == facet.as_str()) else {
                    continue;
                };
                for (value, n) in values {
                    match mine.iter_mut().find(|(v, _)| v == value) {
                        Some((_, m)) => *m += n,
                        None => mine.push((value.clone(), *n)),
                    }
                }
                mine.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            }
        }
        counts
    }

    /// The dataset whose page is shown, while the filters let it through
    /// (a record opened from a lineage graph is shown whatever they say).
    pub fn shown_dataset(&self) -> Option<&crate::catalogue::Dataset> {
        let key = self.shown.as_ref()?;
        if self.opened.as_ref() == Some(key) {
            return self.results.iter().find(|d| &d.key() == key);
        }
        self.visible().into_iter().find(|d| &d.key() == key)
    }

    /// How many online sources were tried and could not be reached, when
    /// that is every online source of a finished search: no network. The
    /// Search tab then says so in one quiet line instead of an error each.
    pub fn offline_summary(&self) -> Option<usize> {
        if self.running() {
            return None;
        }
        let online: Vec<&SourceRun> = self
            .runs
            .iter()
            .filter(|r| !r.skipped)
            .filter(|r| {
                self.sources
                    .iter()
                    .find(|s| s.id == r.id)
                    .is_some_and(|s| !s.kind.is_local())
            })
            .collect();
        (!online.is_empty() && online.iter().all(|r| r.unreachable)).then_some(online.len())
    }

    /// Whether some source has more to send and none is still answering
    /// ("Load more").
    pub fn has_more(&self) -> bool {
        !self.running() && self.runs.iter().any(|r| r.next.is_some())
    }

    /// Whether scrolling to the end may ask for more by itself: there is
    /// more, and no source's last "Load more" failed.
    pub fn may_load_more(&self) -> bool {
        self.has_more() && !self.runs.iter().any(|r| r.more_failed)
    }

    /// True while a "Load more" page is on its way.
    pub fn loading_more(&self) -> bool {
        self.runs
            .iter()
            .any(|r| r.asked > 0 && r.status.is_pending())
    }

    /// How many more records the sources say they hold beyond those sent,
    /// where they say.
    pub fn more_known(&self) -> u64 {
        self.runs
            .iter()
            .filter(|r| r.next.is_some())
            .filter_map(|r| {
                let sent = *r.status.latest()? as u64;
                r.total.map(|t| t.saturating_sub(sent))
            })
            .sum()
    }

    /// True while any source has not answered.
    pub fn running(&self) -> bool {
        self.runs
            .iter()
            .any(|r| matches!(r.status, Requested::Pending { .. }))
    }
}

impl SearchState {
    /// The sources: the defaults with the offline index (when there is a
    /// store), or those remembered, or the sources file when there is one.
    pub fn open(cx: &mut Cx<'_>, store_file: &std::path::Path) -> Self {
        let mut sources = crate::catalogue::default_sources();
        if let Some(store) = cx.store() {
            sources.insert(
                1,
                SourceConfig {
                    id: "offline".into(),
                    name: "Offline index".into(),
                    kind: crate::catalogue::offline::KIND.kind(),
                    url: store_file.display().to_string(),
                    enabled: true,
                    account: None,
                    h5grove: None,
                },
            );
            if let Some(saved) = settings::SOURCES.load(store) {
                sources = saved;
            }
            // The sources file, when there is one, is what the user edited last.
            match crate::catalogue::read_sources_file(&cx.dirs.config) {
                Ok(Some(from_file)) => sources = from_file,
                Ok(None) => {}
                Err(e) => cx.notify(
                    Level::Warning,
                    "The sources file was not read",
                    format!("{e}. Panorama uses the sources it knew before; fix the file or save the sources again from Search › Sources."),
                ),
            }
        }
        let cart = cx.load(&settings::CART).unwrap_or_default();
        let providers = cx.load(&settings::PROVIDERS).unwrap_or_default();
        Self {
            cart,
            sources,
            providers,
            ..Self::default()
        }
    }

    pub fn apply(&mut self, command: SearchCommand, cx: &mut Cx<'_>) -> Vec<UiEffect> {
        match command {
            SearchCommand::Run(text) => {
                self.start_search(text, cx);
                return vec![UiEffect::ShowTab(TabKind::Search)];
            }
            SearchCommand::Again => {
                // Nothing to ask again before a first search.
                if let Some(text) = self.query.clone() {
                    self.start_search(text, cx);
                    return vec![UiEffect::ShowTab(TabKind::Search)];
                }
            }
            SearchCommand::LoadMore => self.load_more(cx),
            SearchCommand::FindSimilar { name, value, unit } => {
                use crate::catalogue::query::{SIMILAR_TOLERANCE, similar};
                if let Some(f) = value
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(|v| similar(&name, v, &unit, SIMILAR_TOLERANCE))
                {
                    self.start_search(f.to_syntax(), cx);
                    return vec![UiEffect::ShowTab(TabKind::Search)];
                }
            }
            SearchCommand::ClearFacets => {
                self.facets.clear();
                self.refilter_sources(cx);
            }
            SearchCommand::ToggleFacet { facet, value } => {
                let f = (facet, value);
                if let Some(i) = self.facets.iter().position(|x| *x == f) {
                    self.facets.remove(i);
                } else {
                    self.facets.push(f);
                }
                self.refilter_sources(cx);
            }
            SearchCommand::ShowDataset(key) => {
                self.opened = None;
                self.show(&key, cx);
                return vec![UiEffect::ShowTab(TabKind::Search)];
            }
            SearchCommand::OpenLinked(link) => return self.open_linked(link, cx),
            SearchCommand::Download {
                url,
                name,
                checksum,
            } => {
                // The dataset whose page asked for it, remembered once it is downloaded.
                let origin = self.shown_dataset().map(|d| d.file_origin(&url));
                cx.send(super::DownloadsCommand::Add {
                    url,
                    name,
                    checksum,
                    origin,
                });
            }
            SearchCommand::CopyPid => {
                if let Some(pid) = self.shown_dataset().and_then(|d| d.pid.clone()) {
                    let n = self.copied_pid.as_ref().map_or(0, |(_, n)| *n) + 1;
                    self.copied_pid = Some((pid.clone(), n));
                    return vec![UiEffect::Copy {
                        what: "PID".into(),
                        text: pid,
                    }];
                }
            }
            SearchCommand::AddToCart => {
                if let Some(d) = self.shown_dataset().cloned()
                    && self.cart.add(d)
                {
                    cx.save(&settings::CART, &self.cart);
                }
            }
            SearchCommand::RemoveFromCart(key) => {
                if self.cart.remove(&key) {
                    cx.save(&settings::CART, &self.cart);
                }
            }
            SearchCommand::ClearCart => {
                self.cart = crate::catalogue::cart::Cart::default();
                cx.save(&settings::CART, &self.cart);
            }
            SearchCommand::DownloadCart => self.download_cart(cx),
            SearchCommand::CopyCartPids if !self.cart.is_empty() => {
                return vec![UiEffect::Copy {
                    what: format!("{} PIDs", self.cart.len()),
                    text: self.cart.pids(),
                }];
            }
            SearchCommand::CopyCartCitations(format) if !self.cart.is_empty() => {
                return vec![UiEffect::Copy {
                    what: format!("{} {}", self.cart.len(), format.label()),
                    text: self.cart.citations(format),
                }];
            }
            SearchCommand::CopyCartPids | SearchCommand::CopyCartCitations(_) => {}
            SearchCommand::ExportCartXml(dir) => {
                let items = self.cart.items.clone();
                let to = dir.clone();
                let handle = cx.tasks.spawn_blocking("Writing DataCite XML", move |_| {
                    let xml = crate::metadata::datacite::cart_xml(&items);
                    xml.write(&to)
                        .map(|_| xml.summary(&to))
                        .map_err(|e| format!("{}: {e}", to.display()))
                });
                self.exporting.push(dir, handle);
            }
            SearchCommand::SetSources(sources) => self.set_sources(sources, cx),
            SearchCommand::BindAccount { source, account } => {
                let mut sources = self.sources.clone();
                if let Some(s) = sources.iter_mut().find(|s| s.id == source) {
                    s.account = account;
                }
                self.set_sources(sources, cx);
            }
        }
        Vec::new()
    }

    /// Collect the answers and file lists that arrived.
    pub fn poll(&mut self, cx: &mut Cx<'_>) {
        for ((generation, source), result) in self.searches.drain_ready() {
            // An older search: its results are dropped.
            if generation == self.generation {
                self.finish_search(cx, &source, result);
            }
        }
        for (key, result) in self.listing.drain_ready() {
            let status = match result {
                Ok(files) => {
                    let n = files.len();
                    if let Some(d) = self.results.iter_mut().find(|d| d.key() == key) {
                        d.files = files;
                        let h5grove = d.sources.iter().find_map(|id| {
                            self.sources
                                .iter()
                                .find(|s| &s.id == id)
                                .and_then(|s| s.h5grove.clone())
                        });
                        if let Some(base) = h5grove {
                            crate::catalogue::link_h5grove(&base, d);
                        }
                        // The same dataset in the cart gets its files too.
                        let listed = d.files.clone();
                        if let Some(c) = self.cart.items.iter_mut().find(|c| c.key() == key)
                            && c.files.is_empty()
                        {
                            c.files = listed;
                            cx.save(&settings::CART, &self.cart);
                        }
                    }
                    Requested::Ready(n)
                }
                Err(e) => Requested::failed(e.to_string()),
            };
            self.files = Some((key, status));
        }
        for (key, result) in self.linking.drain_ready() {
            if let Some(ask) = self.lineage.as_mut().filter(|a| a.key == key) {
                ask.pending = false;
                match result {
                    Ok((links, error)) => {
                        ask.links = links;
                        ask.error = error;
                    }
                    Err(e) => ask.error = Some(e.to_string()),
                }
            }
        }
        for (_, result) in self.exporting.drain_ready() {
            match result {
                Ok(summary) => cx.notify(Level::Info, "Cart exported as DataCite XML", summary),
                Err(e) => cx.notify(
                    Level::Error,
                    "The DataCite XML was not written",
                    format!("{e}. Choose a folder you can write to, with room to spare."),
                ),
            }
        }
        for (target, result) in self.resolving.drain_ready() {
            if self.opening.as_ref().is_none_or(|(t, _)| *t != target) {
                continue;
            }
            match result {
                Ok(Some(d)) => self.open_record(d, cx),
                Ok(None) => {
                    let why = format!(
                        "{target} is not in any catalogue searched: add the catalogue that holds it under Sources"
                    );
                    cx.notify(Level::Warning, "Record not found", why.clone());
                    self.opening = Some((target, Requested::failed(why)));
                }
                Err(e) => self.opening = Some((target, Requested::failed(e.to_string()))),
            }
        }
    }

    /// Show `results` as the answer to `query`, counted for the facets, as
    /// if a search had brought them (benchmarks of the Search tab).
    pub fn show_results(&mut self, query: &str, results: Vec<crate::catalogue::Dataset>) {
        self.query = Some(query.to_owned());
        self.results = results;
        self.recount();
    }

    /// How many searches were started (the newest one's number).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// True while an answer or a file list is on its way.
    pub fn busy(&self) -> bool {
        !self.searches.is_empty()
            || !self.listing.is_empty()
            || !self.linking.is_empty()
            || !self.resolving.is_empty()
            || !self.exporting.is_empty()
    }

    /// Show a dataset's page, and ask for its files and lineage.
    fn show(&mut self, key: &str, cx: &mut Cx<'_>) {
        self.shown = Some(key.to_owned());
        self.opening = None;
        self.load_files(key, cx);
        self.load_lineage(key, cx);
    }

    /// The lineage of `d`: its own links, those of the records held (results
    /// and cart) that point at it, and what its catalogues and the runs on
    /// this computer said.
    pub fn lineage_of(&self, d: &crate::catalogue::Dataset) -> Vec<crate::catalogue::Link> {
        let key = d.key();
        let found = self
            .lineage
            .as_ref()
            .filter(|l| l.key == key)
            .map_or(&[][..], |l| l.links.as_slice());
        crate::catalogue::lineage::lineage(
            d,
            self.results.iter().chain(self.cart.items.iter()),
            found,
        )
    }

    /// Ask the dataset's catalogues for records pointing back at it, and
    /// look for workflow runs that used it, in the background.
    fn load_lineage(&mut self, key: &str, cx: &Cx<'_>) {
        let Some(d) = self.results.iter().find(|d| d.key() == key).cloned() else {
            return;
        };
        let clients: Vec<_> = d
            .sources
            .iter()
            .filter_map(|id| self.sources.iter().find(|s| &s.id == id))
            .filter(|cfg| !crate::catalogue::offline_blocks(cfg))
            .filter_map(|cfg| Self::source_client(cfg, cx).ok())
            .collect();
        let runs = cx.dirs.data.join("runs");
        // Only the page shown is asked about.
        self.linking.cancel_where(|_| true);
        self.lineage = Some(LineageAsk {
            key: key.to_owned(),
            pending: true,
            ..LineageAsk::default()
        });
        let handle = cx.tasks.spawn("Looking up lineage", move |_| async move {
            let d2 = d.clone();
            let mut links = tokio::task::spawn_blocking(move || {
                crate::catalogue::lineage::runs_using(&runs, &d2)
            })
            .await
            .unwrap_or_default();
            let mut error = None;
            for c in clients {
                match c.linked(&d).await {
                    Ok(more) => crate::catalogue::lineage::add_links(&mut links, more),
                    Err(e) => error = Some(format!("{}: {e}", c.name())),
                }
            }
            Ok::<_, std::convert::Infallible>((links, error))
        });
        self.linking.push(key.to_owned(), handle);
    }

    /// Show the page of a record opened from a lineage graph: it joins the
    /// results (once) and is shown whatever the facets say.
    fn open_record(&mut self, d: crate::catalogue::Dataset, cx: &mut Cx<'_>) {
        let key = d.key();
        crate::catalogue::merge(&mut self.results, vec![d]);
        self.recount();
        self.opened = Some(key.clone());
        self.show(&key, cx);
    }

    /// Open a lineage node ([`SearchCommand::OpenLinked`]).
    fn open_linked(&mut self, link: crate::catalogue::Link, cx: &mut Cx<'_>) -> Vec<UiEffect> {
        use crate::catalogue::lineage::names;
        if let Some(dir) = &link.run {
            cx.send(super::DocumentsCommand::OpenPath(
                dir.join(crate::workflow::batch::RESULTS_H5),
            ));
            return Vec::new();
        }
        let held = self
            .results
            .iter()
            .chain(self.cart.items.iter())
            .find(|d| names(&link.target, d))
            .cloned();
        if let Some(d) = held {
            self.open_record(d, cx);
            return vec![UiEffect::ShowTab(TabKind::Search)];
        }
        // Asked of the shown record's catalogues first, then of the others.
        let shown: Vec<String> = self
            .shown_dataset()
            .map(|d| d.sources.clone())
            .unwrap_or_default();
        let mut cfgs: Vec<&SourceConfig> = self
            .sources
            .iter()
            .filter(|s| s.enabled && !crate::catalogue::offline_blocks(s))
            .collect();
        cfgs.sort_by_key(|s| !shown.contains(&s.id));
        let clients: Vec<_> = cfgs
            .into_iter()
            .filter_map(|cfg| Self::source_client(cfg, cx).ok())
            .collect();
        let target = link.target.clone();
        self.opening = Some((target.clone(), Requested::pending()));
        let pid = target.clone();
        let handle = cx
            .tasks
            .spawn(&format!("Looking up {target}"), move |_| async move {
                let mut asked = tokio::task::JoinSet::new();
                for (i, c) in clients.into_iter().enumerate() {
                    let pid = pid.clone();
                    asked.spawn(async move { (i, c.record(&pid).await) });
                }
                // Each source's answer in its place; the first source in
                // order that holds the record wins, without waiting for
                // those after it.
                let mut answers: Vec<Option<Option<crate::catalogue::Dataset>>> =
                    vec![None; asked.len()];
                while let Some(answer) = asked.join_next().await {
                    let Ok((i, got)) = answer else { continue };
                    if let Some(slot) = answers.get_mut(i) {
                        *slot = Some(got.ok().flatten());
                    }
                    for a in &answers {
                        match a {
                            None => break,
                            Some(Some(d)) => {
                                return Ok::<_, std::convert::Infallible>(Some(d.clone()));
                            }
                            Some(None) => {}
                        }
                    }
                }
                Ok(None)
            });
        self.resolving.push(target, handle);
        Vec::new()
    }

    /// Ask the dataset's catalogue for its file list when the search answer
    /// had none (SciCat keeps files in origdatablocks).
    fn load_files(&mut self, key: &str, cx: &Cx<'_>) {
        let Some(d) = self.results.iter().find(|d| d.key() == key).cloned() else {
            return;
        };
        let Some(cfg) = d
            .sources
            .iter()
            .find_map(|id| self.sources.iter().find(|s| &s.id == id))
            .cloned()
        else {
            return;
        };
        if !d.files.is_empty() {
            if let Some(base) = &cfg.h5grove
                && let Some(shown) = self.results.iter_mut().find(|x| x.key() == key)
            {
                crate::catalogue::link_h5grove(base, shown);
            }
            return;
        }
        let cat = match Self::source_client(&cfg, cx) {
            Ok(c) => c,
            Err(e) => {
                self.files = Some((key.to_owned(), Requested::failed(e.to_string())));
                return;
            }
        };
        self.files = Some((key.to_owned(), Requested::pending()));
        let handle = cx.tasks.spawn(
            &format!("Listing files at {}", cfg.name),
            move |_| async move { cat.files(&d).await },
        );
        self.listing.push(key.to_owned(), handle);
    }

    /// The client for a source, with the tokens of its bound account.
    fn source_client(
        cfg: &crate::catalogue::SourceConfig,
        cx: &Cx<'_>,
    ) -> Result<Arc<dyn crate::catalogue::Catalogue>, SearchError> {
        let auth = match cfg.account.as_deref() {
            Some(id) => Some(
                cx.tokens
                    .account(id)
                    .ok_or_else(|| SearchError::NotSignedIn(id.to_owned()))?,
            ),
            None => None,
        };
        Ok(crate::catalogue::connect_with(cfg, auth)?)
    }

    /// Keep records seen in a search in the offline index (on a background
    /// task, with a connection of its own).
    fn remember_records(records: Vec<crate::catalogue::Dataset>, cx: &Cx<'_>) {
        let path = cx.dirs.data.join(super::STORE_FILE);
        // Fire and forget: a failure only means the records are not kept offline.
        drop(
            cx.tasks
                .spawn_blocking("Keeping records offline", move |_| {
                    let mut store = crate::store::Store::open(&path)?;
                    store.index_datasets(&records)
                }),
        );
    }

    /// Replace the catalogue sources and remember them.
    fn set_sources(&mut self, sources: Vec<crate::catalogue::SourceConfig>, cx: &mut Cx<'_>) {
        self.sources = sources;
        let sources = self.sources.clone();
        cx.save(&settings::SOURCES, &sources);
        if let Err(e) = crate::catalogue::write_sources_file(&cx.dirs.config, &self.sources) {
            cx.notify(Level::Warning, "The sources file was not written", e);
        }
    }

    /// Search every enabled source at once; results arrive as each answers.
    /// A search still running is cancelled.
    fn start_search(&mut self, text: String, cx: &Cx<'_>) {
        self.searches.cancel_where(|_| true);
        self.generation += 1;
        let generation = self.generation;
        self.query = Some(text.clone());
        self.results.clear();
        self.origins.clear();
        self.places.clear();
        self.runs.clear();
        self.shown = None;
        // Lineage asked for a page of the old results is not this search's.
        self.linking.cancel_where(|_| true);
        self.resolving.cancel_where(|_| true);
        self.lineage = None;
        self.opening = None;
        self.opened = None;
        // Free text and filters (`wavelength:1..2 Å facility:ESRF`); a query
        // that does not read says why and asks nothing.
        let parsed = match crate::catalogue::query::Query::parse(&text) {
            Ok(q) => q,
            Err(e) => {
                self.query_error = Some(e.to_string());
                self.filters.clear();
                self.recount();
                return;
            }
        };
        self.query_error = None;
        self.filters.clone_from(&parsed.filters);
        self.asked = crate::catalogue::SearchQuery {
            text: parsed.text,
            filters: parsed.filters,
            limit: self.page_size,
            ..Default::default()
        };
        for cfg in self.sources.clone().into_iter().filter(|s| s.enabled) {
            let mut run = SourceRun {
                id: cfg.id.clone(),
                name: cfg.name.clone(),
                status: Requested::pending(),
                total: None,
                started: std::time::Instant::now(),
                skipped: false,
                facets: None,
                unreachable: false,
                next: None,
                asked: 0,
                more_failed: false,
                partial: Vec::new(),
                filtered_here: cfg.kind.spec().map_or_else(Vec::new, |k| {
                    self.filters
                        .iter()
                        .filter(|f| !(k.expresses)(f))
                        .map(crate::catalogue::query::Filter::to_syntax)
                        .collect()
                }),
            };
            if crate::catalogue::offline_blocks(&cfg) {
                run.status = Requested::failed("skipped: offline mode (PANORAMA_OFFLINE=1)");
                run.skipped = true;
                self.runs.push(run);
                continue;
            }
            match Self::source_client(&cfg, cx) {
                Ok(cat) => {
                    let q = self.query_for(&cfg, 0);
                    self.spawn_search(cx, cat, &cfg, q, generation);
                }
                Err(e) => run.status = Requested::failed(e.to_string()),
            }
            self.runs.push(run);
        }
        self.recount();
    }

    /// Search one source in the background; its answer counts for search
    /// `generation` only.
    fn spawn_search(
        &mut self,
        cx: &Cx<'_>,
        cat: std::sync::Arc<dyn crate::catalogue::Catalogue>,
        cfg: &crate::catalogue::SourceConfig,
        q: crate::catalogue::SearchQuery,
        generation: u64,
    ) {
        let handle = cx
            .tasks
            .spawn(&format!("Searching {}", cfg.name), move |_| async move {
                Ok::<_, std::convert::Infallible>(cat.search(&q).await)
            });
        self.searches.push((generation, cfg.id.clone()), handle);
    }

    /// The query asked of source `cfg` for its page starting at `skip`:
    /// the search's own, and the facet filters for the offline index,
    /// which filters every match by itself.
    fn query_for(&self, cfg: &SourceConfig, skip: usize) -> crate::catalogue::SearchQuery {
        let mut q = self.asked.clone();
        q.skip = skip;
        if cfg.kind.is(&crate::catalogue::offline::KIND) {
            q.facets.clone_from(&self.facets);
        }
        q
    }

    /// Queue every known file of the cart's datasets, each remembering its
    /// dataset; say which datasets have no file list yet.
    fn download_cart(&self, cx: &mut Cx<'_>) {
        let (files, unlisted) = self.cart.files();
        let queued = files.len();
        for f in files {
            cx.send(super::DownloadsCommand::Add {
                url: f.url,
                name: f.name,
                checksum: f.checksum,
                origin: Some(f.origin),
            });
        }
        if !unlisted.is_empty() {
            let titles: Vec<&str> = unlisted.iter().map(|d| d.title.as_str()).collect();
            cx.notify(
                Level::Warning,
                "Some datasets in the cart have no file list yet",
                format!(
                    "{} file(s) were queued. No files are known for: {}. Open their pages \
                     (the catalogue lists their files there), then download again.",
                    queued,
                    titles.join("; ")
                ),
            );
        }
    }

    /// Ask every source that has more for its next page, where its last
    /// page ended; what comes joins the results.
    fn load_more(&mut self, cx: &Cx<'_>) {
        if self.running() {
            return;
        }
        let generation = self.generation;
        let wanting: Vec<(String, usize)> = self
            .runs
            .iter()
            .filter_map(|r| Some((r.id.clone(), r.next?)))
            .collect();
        for (id, skip) in wanting {
            let Some(cfg) = self
                .sources
                .iter()
                .find(|s| s.id == id && s.enabled)
                .cloned()
            else {
                // Removed or turned off since the search: nothing more from it.
                if let Some(run) = self.runs.iter_mut().find(|r| r.id == id) {
                    run.next = None;
                }
                continue;
            };
            let cat = match Self::source_client(&cfg, cx) {
                Ok(c) => c,
                Err(e) => {
                    if let Some(run) = self.runs.iter_mut().find(|r| r.id == id) {
                        run.status.finish::<String>(Err(e.to_string()));
                    }
                    continue;
                }
            };
            let q = self.query_for(&cfg, skip);
            if let Some(run) = self.runs.iter_mut().find(|r| r.id == id) {
                run.status.refresh();
                run.started = std::time::Instant::now();
                run.asked = skip;
            }
            self.spawn_search(cx, cat, &cfg, q, generation);
        }
    }

    /// Ask the sources that filter every match by themselves (the offline
    /// index) again with the filters now in force; their results so far
    /// give way to the new ones, the other sources' stay.
    fn refilter_sources(&mut self, cx: &Cx<'_>) {
        if self.query.is_none() {
            return;
        }
        let generation = self.generation;
        let counting: Vec<String> = self
            .runs
            .iter()
            .filter(|r| r.facets.is_some())
            .map(|r| r.id.clone())
            .collect();
        for id in counting {
            let Some(cfg) = self.sources.iter().find(|s| s.id == id).cloned() else {
                continue;
            };
            let Ok(cat) = Self::source_client(&cfg, cx) else {
                continue;
            };
            // Results only this source sent go; the others forget it sent them.
            let origins = &mut self.origins;
            self.results.retain(|d| {
                let key = d.key();
                let Some(o) = origins.get_mut(&key) else {
                    return true;
                };
                o.remove(&id);
                if o.is_empty() {
                    origins.remove(&key);
                    false
                } else {
                    true
                }
            });
            self.searches.cancel_where(|(_, source)| *source == id);
            if let Some(run) = self.runs.iter_mut().find(|r| r.id == id) {
                run.status.refresh();
                run.started = std::time::Instant::now();
                run.asked = 0;
            }
            // From the first page again, with the query's filters.
            let q = self.query_for(&cfg, 0);
            self.spawn_search(cx, cat, &cfg, q, generation);
        }
        self.recount();
    }

    /// One source's page of the current search: its results merged in,
    /// its status, total and facet counts (an error leaves the last counts).
    fn finish_search(
        &mut self,
        cx: &mut Cx<'_>,
        source: &str,
        result: Result<
            Result<crate::catalogue::SearchPage, crate::catalogue::CatalogueError>,
            TaskError,
        >,
    ) {
        let mut total = None;
        let mut facets = None;
        let mut next = None;
        let mut partial = Vec::new();
        let unreachable = matches!(&result, Ok(Err(e)) if e.is_unreachable());
        let result = result
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
        let count = match result {
            Ok(page) => {
                let v = page.datasets;
                let skip = self
                    .runs
                    .iter()
                    .find(|r| r.id == source)
                    .map_or(0, |r| r.asked);
                for (i, d) in v.iter().enumerate() {
                    let key = d.key();
                    let place = self.places.entry(key.clone()).or_insert(usize::MAX);
                    *place = (*place).min(skip + i);
                    self.origins
                        .entry(key)
                        .or_default()
                        .insert(source.to_owned());
                }
                let url = self
                    .sources
                    .iter()
                    .find(|s| s.id == source)
                    .map(|s| s.url.clone());
                if let (Some(f), Some(url)) = (&page.federation, url) {
                    let now = chrono::Utc::now().timestamp();
                    let known = self.providers.entry(url).or_default();
                    // A provider not seen for a month has left the federation.
                    known.retain(|_, seen| now - *seen < PROVIDER_MEMORY_SECS);
                    if skip == 0 && f.waited >= crate::catalogue::panosc::PROVIDER_TIMEOUT {
                        partial = known
                            .keys()
                            .filter(|p| !f.providers.contains(*p))
                            .cloned()
                            .collect();
                    }
                    // A sighting is written when the provider is new or
                    // its last one is a day old, not on every answer.
                    let mut changed = false;
                    for p in &f.providers {
                        let stale = known.get(p).is_none_or(|t| now - t >= PROVIDER_SAVE_SECS);
                        if stale {
                            known.insert(p.clone(), now);
                            changed = true;
                        }
                    }
                    if changed {
                        cx.save(&settings::PROVIDERS, &self.providers);
                    }
                }
                // Every record the source sent, over all its pages, once.
                let n = self.origins.values().filter(|o| o.contains(source)).count();
                total = page.total.filter(|t| *t > n as u64);
                facets = Some(page.facet_counts);
                next = Some(page.next);
                // Records from the network are kept for offline search.
                let local = self
                    .sources
                    .iter()
                    .find(|s| s.id == source)
                    .is_some_and(|s| s.kind.is_local());
                if !local {
                    Self::remember_records(v.clone(), cx);
                }
                // The query's filters, here on every answer: a source that
                // could not express one sends records it does not hold for.
                let mut v = v;
                v.retain(|d| crate::catalogue::query::keeps(&self.filters, d));
                crate::catalogue::merge(&mut self.results, v);
                rank(&mut self.results, &self.places, &self.asked.text);
                Ok(n)
            }
            Err(e) => Err(e),
        };
        if let Some(run) = self.runs.iter_mut().find(|r| r.id == source) {
            // A failed refresh keeps the count it had.
            run.status.finish(count);
            run.unreachable = unreachable;
            if !partial.is_empty() {
                run.partial = partial;
            }
            // A failed page keeps where it starts, to be asked again (by a
            // click: scrolling does not ask after a failure).
            run.more_failed = run.asked > 0 && next.is_none();
            run.asked = 0;
            if let Some(next) = next {
                run.next = next;
                run.total = total;
            }
            if let Some(f) = facets {
                run.facets = f;
            }
        }
        self.recount();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Dataset;

    /// One order whichever source answered first: the DOI searched for
    /// first, then each record's best place in any source's answer, then
    /// its key.
    #[test]
    fn results_rank_the_same_whatever_answers_first() {
        let d = |pid: &str| Dataset {
            title: pid.into(),
            pid: Some(pid.into()),
            ..Dataset::default()
        };
        let places: HashMap<String, usize> =
            [("10.1/b", 0), ("10.1/a", 0), ("10.1/c", 3), ("10.1/x", 7)]
                .into_iter()
                .map(|(k, p)| (k.to_owned(), p))
                .collect();
        let order = |mut v: Vec<Dataset>, text: &str| {
            rank(&mut v, &places, text);
            v.into_iter().map(|d| d.title).collect::<Vec<_>>()
        };
        let one = order(
            vec![d("10.1/c"), d("10.1/b"), d("10.1/x"), d("10.1/a")],
            "ring",
        );
        let other = order(
            vec![d("10.1/a"), d("10.1/x"), d("10.1/c"), d("10.1/b")],
            "ring",
        );
        assert_eq!(one, ["10.1/a", "10.1/b", "10.1/c", "10.1/x"]);
        assert_eq!(one, other);
        assert_eq!(
            order(vec![d("10.1/a"), d("10.1/x")], "https://doi.org/10.1/X")[0],
            "10.1/x"
        );
    }
}
