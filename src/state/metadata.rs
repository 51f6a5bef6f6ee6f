//! The Metadata tab's state: schemas, drafts in the store, the open draft
//! with its form and live validation, extraction from an open file.

use serde_json::Value as J;

use super::{AppState, Cx, Level, Peers, TabKind, UiEffect};
use crate::metadata::schema::{self, Checker, Field, FieldError, SchemaInfo};
use crate::metadata::{Draft, Origin, drafts, extract};
use crate::runtime::{TaskHandle, take_finished};

/// Why a file gave no draft.
#[derive(Debug, thiserror::Error)]
pub enum DraftFileError {
    #[error("{}: {source}", path.display())]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Xml(#[from] crate::metadata::datacite_xml::DataCiteXmlError),
}

/// Drafts, templates, NeXus checks and publishing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataCommand {
    /// Start a draft for a schema, prefilled from an open file if given.
    NewDraft {
        schema: String,
        from_doc: Option<u64>,
    },
    OpenDraft(i64),
    /// Set (or clear, with `None`) a field of the open draft; saved at once.
    EditDraft {
        pointer: String,
        value: Option<J>,
    },
    /// Remove item `index` of the array at `pointer` in the open draft.
    RemoveDraftItem {
        pointer: String,
        index: usize,
    },
    UndoDraft,
    RedoDraft,
    DeleteDraft(i64),
    /// Start a DataCite draft from a catalogue record (by its key), each
    /// value marked as coming from that catalogue.
    DraftFromRecord(String),
    /// Start a DataCite draft from a DataCite XML file (kernel 4), each
    /// value marked as coming from that file.
    DraftFromDataCiteXml(std::path::PathBuf),
    /// Check an open file against a NeXus application definition or base class.
    CheckNexus {
        doc: u64,
        definition: String,
    },
    /// How many years an embargo without an end date lasts.
    SetEmbargoYears(u32),
    /// Publish the open draft to a catalogue source (SciCat, InvenioRDM)
    /// with the account bound to that source.
    PublishDraft {
        source: String,
        /// Files to upload with the record (InvenioRDM).
        files: Vec<std::path::PathBuf>,
    },
    /// Keep the values typed into the open draft as a named template.
    SaveTemplate(String),
    /// Fill the open draft from a template of its schema.
    ApplyTemplate(String),
    /// Set one field in many drafts (bulk edit); `None` clears it.
    BulkSet {
        ids: Vec<i64>,
        pointer: String,
        value: Option<J>,
    },
    /// Start a draft with these values, each marked with where it came
    /// from (a workflow run describing what it derived).
    CreateDraft {
        schema: String,
        title: String,
        values: Vec<(String, J, Origin)>,
    },
}

/// The draft being edited.
pub struct OpenDraft {
    pub doc: drafts::DraftDoc,
    pub schema: SchemaInfo,
    pub form: Vec<Field>,
    checker: Option<Checker>,
    /// Validation errors of the current document, by field.
    pub errors: Vec<FieldError>,
}

impl OpenDraft {
    fn new(doc: drafts::DraftDoc, schema: SchemaInfo) -> Self {
        let checker = Checker::new(&schema.schema).ok();
        let form = schema::form(&schema.schema);
        let mut d = Self {
            doc,
            schema,
            form,
            checker,
            errors: Vec::new(),
        };
        d.recheck();
        d
    }

    fn recheck(&mut self) {
        self.errors = self
            .checker
            .as_ref()
            .map(|c| c.check(&self.doc.draft.to_json()))
            .unwrap_or_default();
    }

    /// Errors at `pointer` itself.
    pub fn errors_at(&self, pointer: &str) -> impl Iterator<Item = &FieldError> {
        self.errors.iter().filter(move |e| e.pointer == pointer)
    }
}

type Extraction = (String, Vec<(String, J, Origin)>);

#[derive(Default)]
pub struct MetadataState {
    pub schemas: Vec<SchemaInfo>,
    /// Schema files that could not be used, in words.
    pub schema_problems: Vec<String>,
    /// Every draft: id, title, schema name.
    pub drafts: Vec<(i64, String, String)>,
    pub open: Option<OpenDraft>,
    /// Saved templates (all schemas).
    pub templates: Vec<crate::metadata::templates::Template>,
    extracting: Option<(String, TaskHandle<Extraction>)>,
    /// The last NeXus check: file, definition, and the problems (or why it could not run).
    pub nexus_check: Option<(
        String,
        String,
        Result<Vec<crate::metadata::nxdl::Issue>, crate::runtime::TaskError>,
    )>,
    checking: Option<(
        String,
        String,
        TaskHandle<Vec<crate::metadata::nxdl::Issue>>,
    )>,
    /// A draft on its way to a catalogue.
    publishing: Option<Publishing>,
}

/// A publish in flight: the draft, the source, and the draft as it is sent.
struct Publishing {
    draft: i64,
    source: String,
    name: String,
    sent: Draft,
    handle: TaskHandle<crate::metadata::publish::Published>,
}

impl MetadataState {
    pub fn is_extracting(&self) -> bool {
        self.extracting.is_some()
    }

    pub fn is_publishing(&self) -> bool {
        self.publishing.is_some()
    }

    pub fn is_checking(&self) -> bool {
        self.checking.is_some()
    }
}

fn now_title() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M").to_string()
}

impl MetadataState {
    pub fn apply(
        &mut self,
        command: MetadataCommand,
        cx: &mut Cx<'_>,
        peers: &Peers<'_>,
    ) -> Vec<UiEffect> {
        let show = vec![UiEffect::ShowTab(TabKind::Metadata)];
        match command {
            MetadataCommand::NewDraft { schema, from_doc } => {
                self.new_draft(&schema, from_doc, cx, peers);
                return show;
            }
            MetadataCommand::OpenDraft(id) => {
                self.open_draft(id, cx);
                return show;
            }
            MetadataCommand::EditDraft { pointer, value } => self.edit_draft(&pointer, value, cx),
            MetadataCommand::RemoveDraftItem { pointer, index } => {
                self.remove_draft_item(&pointer, index, cx);
            }
            MetadataCommand::UndoDraft => self.undo_draft(false, cx),
            MetadataCommand::RedoDraft => self.undo_draft(true, cx),
            MetadataCommand::DeleteDraft(id) => self.delete_draft(id, cx),
            MetadataCommand::DraftFromRecord(key) => {
                self.draft_from_record(&key, cx, peers);
                return show;
            }
            MetadataCommand::DraftFromDataCiteXml(path) => {
                self.draft_from_datacite_xml(&path, cx);
                return show;
            }
            MetadataCommand::CheckNexus { doc, definition } => {
                self.check_nexus(doc, &definition, cx, peers);
                return show;
            }
            MetadataCommand::SetEmbargoYears(years) => {
                cx.save(&super::settings::EMBARGO_YEARS, &years);
            }
            MetadataCommand::PublishDraft { source, files } => {
                self.publish_draft(&source, files, cx, peers);
            }
            MetadataCommand::SaveTemplate(name) => self.save_template(&name, cx),
            MetadataCommand::ApplyTemplate(name) => self.apply_template(&name, cx),
            MetadataCommand::BulkSet {
                ids,
                pointer,
                value,
            } => self.bulk_set(&ids, &pointer, value.as_ref(), cx),
            MetadataCommand::CreateDraft {
                schema,
                title,
                values,
            } => self.create_draft(&schema, &title, &values, cx),
        }
        Vec::new()
    }

    /// Read the schemas and the list of drafts.
    pub fn load(&mut self, cx: &mut Cx<'_>) {
        let (schemas, problems) = schema::all(Some(&schema_dir(cx.dirs)));
        self.schemas = schemas;
        self.schema_problems = problems.iter().map(ToString::to_string).collect();
        self.refresh_drafts(cx);
    }

    fn refresh_drafts(&mut self, cx: &Cx<'_>) {
        if let Some(store) = cx.store() {
            self.templates = crate::metadata::templates::list(store);
            self.drafts = drafts::list(store)
                .unwrap_or_default()
                .into_iter()
                .map(|d| (d.id, d.title, d.draft.schema))
                .collect();
        }
    }

    fn schema_named(&self, name: &str) -> Option<SchemaInfo> {
        self.schemas.iter().find(|s| s.name == name).cloned()
    }

    /// Start a draft for `schema`; with `from_doc`, prefilled from that open
    /// file on a background task.
    fn new_draft(
        &mut self,
        schema: &str,
        from_doc: Option<u64>,
        cx: &mut Cx<'_>,
        peers: &Peers<'_>,
    ) {
        if self.schema_named(schema).is_none() {
            cx.notify(
                Level::Error,
                "Unknown schema",
                format!("There is no schema “{schema}”."),
            );
            return;
        }
        let source = from_doc.and_then(|id| {
            let d = peers.documents.document(id)?;
            Some((d.label.clone(), d.source.clone()?))
        });
        match source {
            Some((label, src)) => {
                let name = schema.to_owned();
                let handle = cx.tasks.spawn_blocking(
                    &format!("Reading metadata from {label}"),
                    move |_| -> Result<Extraction, std::convert::Infallible> {
                        let found = extract::from_nexus(src.as_ref());
                        let title = found
                            .get("title")
                            .map_or_else(|| label.clone(), |f| f.value.clone());
                        Ok((title, extract::for_schema(&name, &found)))
                    },
                );
                self.extracting = Some((schema.to_owned(), handle));
            }
            None => {
                let title = format!("Draft {} ({})", self.drafts.len() + 1, now_title());
                self.create_draft(schema, &title, &[], cx);
            }
        }
    }

    /// Start a DataCite draft from a catalogue record shown in Search.
    fn draft_from_record(&mut self, key: &str, cx: &mut Cx<'_>, peers: &Peers<'_>) {
        let Some(d) = peers
            .search
            .results
            .iter()
            .find(|d| d.key() == key)
            .cloned()
        else {
            return;
        };
        let origin = Origin::Catalogue {
            source: d.sources.first().cloned().unwrap_or_default(),
            record: d.pid.clone().unwrap_or_else(|| d.id.clone()),
        };
        let doc = crate::metadata::datacite::from_dataset(&d);
        let values: Vec<(String, J, Origin)> = Draft::from_json("datacite", &doc, &origin)
            .fields
            .into_iter()
            .map(|(p, f)| (p, f.value, f.origin))
            .collect();
        self.create_draft("datacite", &d.title, &values, cx);
    }

    /// Start a DataCite draft from a DataCite XML file (the format DataCite,
    /// OAI-PMH `oai_datacite` and repositories exchange).
    fn draft_from_datacite_xml(&mut self, path: &std::path::Path, cx: &mut Cx<'_>) {
        let read = std::fs::read_to_string(path)
            .map_err(|source| DraftFileError::Read {
                path: path.to_path_buf(),
                source,
            })
            .and_then(|text| Ok(crate::metadata::datacite_xml::from_xml(&text)?));
        let (doc, _version) = match read {
            Ok(x) => x,
            Err(e) => {
                cx.notify(Level::Error, "No draft from that file", e.to_string());
                return;
            }
        };
        let origin = Origin::File {
            file: path.display().to_string(),
            location: "DataCite XML".into(),
        };
        let values: Vec<(String, J, Origin)> = Draft::from_json("datacite", &doc, &origin)
            .fields
            .into_iter()
            .map(|(p, f)| (p, f.value, f.origin))
            .collect();
        let title = doc
            .pointer("/titles/0/title")
            .and_then(J::as_str)
            .map_or_else(now_title, str::to_owned);
        self.create_draft("datacite", &title, &values, cx);
    }

    fn create_draft(
        &mut self,
        schema: &str,
        title: &str,
        values: &[(String, J, Origin)],
        cx: &mut Cx<'_>,
    ) {
        let mut draft = Draft::new(schema);
        // A required field with only one possible value is filled at once.
        if let Some(info) = self.schema_named(schema) {
            for f in schema::form(&info.schema) {
                if let (true, crate::metadata::schema::Kind::Enum(vals)) = (f.required, &f.kind)
                    && let [only] = vals.as_slice()
                {
                    draft.prefill(
                        &format!("/{}", f.key),
                        only.clone(),
                        Origin::Template {
                            name: crate::metadata::templates::SCHEMA_DEFAULT.into(),
                        },
                    );
                }
            }
        }
        for (p, v, o) in values {
            draft.prefill(p, v.clone(), o.clone());
        }
        let Some(store) = cx.store() else {
            cx.notify(
                Level::Error,
                "Drafts cannot be kept",
                "The settings store could not be opened, so drafts would be lost.",
            );
            return;
        };
        match drafts::create(store, title, &draft) {
            Ok(id) => {
                self.refresh_drafts(cx);
                self.open_draft(id, cx);
            }
            Err(e) => cx.notify(Level::Error, "The draft was not created", e.to_string()),
        }
    }

    fn open_draft(&mut self, id: i64, cx: &mut Cx<'_>) {
        let Some(store) = cx.store() else {
            return;
        };
        match drafts::open(store, id) {
            Ok(doc) => match self.schema_named(&doc.draft.schema) {
                Some(s) => self.open = Some(OpenDraft::new(doc, s)),
                None => cx.notify(
                    Level::Error,
                    "The draft's schema is missing",
                    format!(
                        "“{}” uses the schema “{}”, which is not installed. Put it back into {}.",
                        doc.title,
                        doc.draft.schema,
                        schema_dir(cx.dirs).display()
                    ),
                ),
            },
            Err(e) => cx.notify(Level::Error, "The draft could not be opened", e.to_string()),
        }
    }

    fn with_open_draft(
        &mut self,
        cx: &mut Cx<'_>,
        change: impl FnOnce(
            &mut crate::store::Store,
            i64,
        ) -> Result<drafts::DraftDoc, crate::metadata::MetadataError>,
    ) {
        let (Some(store), Some(open)) = (cx.store_mut(), self.open.as_mut()) else {
            return;
        };
        match change(store, open.doc.id) {
            Ok(doc) => {
                open.doc = doc;
                open.recheck();
            }
            Err(e) => cx.notify(Level::Error, "The change was not saved", e.to_string()),
        }
    }

    fn edit_draft(&mut self, pointer: &str, value: Option<J>, cx: &mut Cx<'_>) {
        self.with_open_draft(cx, |s, id| drafts::set(s, id, pointer, value));
    }

    fn remove_draft_item(&mut self, pointer: &str, index: usize, cx: &mut Cx<'_>) {
        self.with_open_draft(cx, |s, id| {
            let mut d = drafts::open(s, id)?.draft;
            d.remove_item(pointer, index);
            drafts::replace(s, id, &d)
        });
    }

    fn undo_draft(&mut self, redo: bool, cx: &mut Cx<'_>) {
        self.with_open_draft(cx, |s, id| {
            if redo {
                drafts::redo(s, id)
            } else {
                drafts::undo(s, id)
            }
        });
    }

    fn delete_draft(&mut self, id: i64, cx: &mut Cx<'_>) {
        if let Some(store) = cx.store()
            && let Err(e) = store.delete_draft(id)
        {
            cx.notify(Level::Error, "The draft was not deleted", e.to_string());
            return;
        }
        if self.open.as_ref().is_some_and(|o| o.doc.id == id) {
            self.open = None;
        }
        self.refresh_drafts(cx);
    }

    /// Keep what was typed into the open draft as a template.
    fn save_template(&mut self, name: &str, cx: &mut Cx<'_>) {
        let (Some(store), Some(open)) = (cx.store(), &self.open) else {
            return;
        };
        let t = crate::metadata::templates::Template::from_draft(name, &open.doc.draft);
        let n = t.values.len();
        match crate::metadata::templates::save(store, &t) {
            Ok(()) => {
                self.refresh_drafts(cx);
                cx.notify(
                    Level::Info,
                    format!("Template “{}” saved", t.name),
                    format!("{n} typed value(s) will fill new drafts."),
                );
            }
            Err(e) => cx.notify(Level::Error, "The template was not saved", e.to_string()),
        }
    }

    /// Fill the open draft from a template (typed values are kept).
    fn apply_template(&mut self, name: &str, cx: &mut Cx<'_>) {
        let Some(open) = &self.open else {
            return;
        };
        let schema = open.doc.draft.schema.clone();
        let Some(t) = self
            .templates
            .iter()
            .find(|t| t.name == name && t.schema == schema)
            .cloned()
        else {
            return;
        };
        self.with_open_draft(cx, |s, id| {
            drafts::prefill(s, id, &t.values()).map(|(d, _)| d)
        });
    }

    /// Set one field in many drafts.
    fn bulk_set(&mut self, ids: &[i64], pointer: &str, value: Option<&J>, cx: &mut Cx<'_>) {
        let Some(store) = cx.store_mut() else {
            return;
        };
        match crate::metadata::bulk::apply(store, ids, pointer, value) {
            Ok(n) => {
                if let Some(id) = self.open.as_ref().map(|o| o.doc.id) {
                    self.open_draft(id, cx);
                }
                self.refresh_drafts(cx);
                cx.notify(
                    Level::Info,
                    format!("{pointer} set in {n} draft(s)"),
                    "Each draft can undo the change on its own.",
                );
            }
            Err(e) => cx.notify(Level::Error, "Bulk edit stopped", e.to_string()),
        }
    }

    /// Check an open file against a NeXus definition (NXDL) in the background.
    fn check_nexus(&mut self, doc: u64, definition: &str, cx: &Cx<'_>, peers: &Peers<'_>) {
        let Some((label, src)) = peers
            .documents
            .document(doc)
            .and_then(|d| Some((d.label.clone(), d.source.clone()?)))
        else {
            return;
        };
        let dirs = crate::metadata::nxdl::search_dirs(&cx.dirs.data);
        let name = definition.trim().to_owned();
        let n2 = name.clone();
        let handle = cx.tasks.spawn_blocking(
            &format!("Checking {label} against {name}"),
            move |_| -> Result<Vec<crate::metadata::nxdl::Issue>, crate::metadata::MetadataError> {
                let def = crate::metadata::nxdl::load(&n2, &dirs)?;
                Ok(crate::metadata::nxdl::check(src.as_ref(), &def))
            },
        );
        self.checking = Some((label, name, handle));
    }

    /// Publish the open draft to a source with the account bound to it.
    fn publish_draft(
        &mut self,
        source: &str,
        files: Vec<std::path::PathBuf>,
        cx: &mut Cx<'_>,
        peers: &Peers<'_>,
    ) {
        let Some(open) = &self.open else {
            return;
        };
        let Some(cfg) = peers
            .search
            .sources
            .iter()
            .find(|s| s.id == source)
            .cloned()
        else {
            return;
        };
        if crate::metadata::publish::schema_for(&cfg.kind) != Some(open.schema.name.as_str()) {
            cx.notify(
                Level::Error,
                format!("{} takes other metadata", cfg.name),
                format!(
                    "This draft is written in “{}”; start a draft of the schema {} needs.",
                    open.schema.title,
                    crate::metadata::publish::schema_for(&cfg.kind).unwrap_or("?")
                ),
            );
            return;
        }
        let Some(auth) = cfg.account.as_deref().and_then(|a| cx.tokens.account(a)) else {
            cx.notify(
                Level::Error,
                format!("Sign in to publish to {}", cfg.name),
                "Bind a signed-in account to this source (Search, Sources…), then publish again.",
            );
            return;
        };
        let mut doc = open.doc.draft.to_json();
        // An embargo without an end opens after the default number of years.
        if doc.pointer("/access/embargo/active") == Some(&J::Bool(true))
            && doc.pointer("/access/embargo/until").is_none()
            && let Some(embargo) = doc
                .pointer_mut("/access/embargo")
                .and_then(J::as_object_mut)
        {
            embargo.insert(
                "until".into(),
                J::String(crate::metadata::publish::embargo_until(
                    chrono::Local::now().date_naive(),
                    embargo_years(cx),
                )),
            );
        }
        let id = open.doc.id;
        let sent = open.doc.draft.clone();
        let name = cfg.name.clone();
        let source = cfg.id.clone();
        // Published here before: that record is updated (or versioned).
        let previous = cx
            .store()
            .and_then(|s| crate::metadata::publish::sent_record(s, id, &source))
            .map(|r| r.remote_id);
        let handle = cx
            .tasks
            .spawn(&format!("Publishing to {name}"), move |_| async move {
                let paths: Vec<&std::path::Path> =
                    files.iter().map(std::path::PathBuf::as_path).collect();
                crate::metadata::publish::publish(
                    &cfg,
                    auth.as_ref(),
                    &doc,
                    &paths,
                    previous.as_deref(),
                )
                .await
            });
        self.publishing = Some(Publishing {
            draft: id,
            source,
            name,
            sent,
            handle,
        });
    }

    pub fn poll(&mut self, cx: &mut Cx<'_>) {
        if let Some((label, def, handle)) = take_finished(&mut self.checking, |c| &c.2) {
            let r = handle.block();
            self.nexus_check = Some((label, def, r));
        }
        if let Some(p) = take_finished(&mut self.publishing, |p| &p.handle) {
            let Publishing {
                draft,
                source,
                name,
                sent,
                handle,
            } = p;
            match handle.block() {
                Ok(done) => {
                    // What was sent (not the draft as it is now, which may
                    // have changed while the publish ran).
                    let record = crate::metadata::publish::SentRecord {
                        remote_id: done.id.clone(),
                        url: done.url.clone(),
                        draft: sent,
                    };
                    if let Some(Err(e)) = cx.store().map(|s| {
                        crate::metadata::publish::remember_sent(s, draft, &source, &record)
                    }) {
                        cx.notify(
                            Level::Warning,
                            "Published, but not remembered",
                            format!("{e}. Publishing again would make a new record."),
                        );
                    }
                    cx.notify(
                        Level::Info,
                        format!("Published to {name}"),
                        match done.url {
                            Some(u) => format!("{} ({u})", done.id),
                            None => done.id,
                        },
                    );
                }
                Err(e) => cx.notify(
                    Level::Error,
                    format!("Not published to {name}"),
                    e.to_string(),
                ),
            }
        }
        let Some((schema, handle)) = take_finished(&mut self.extracting, |e| &e.1) else {
            return;
        };
        match handle.block() {
            Ok((title, values)) => self.create_draft(&schema, &title, &values, cx),
            Err(e) => cx.notify(Level::Error, "No metadata could be read", e.to_string()),
        }
    }
}

/// Folder where users put their own JSON Schema files.
pub fn schema_dir(dirs: &crate::paths::AppDirs) -> std::path::PathBuf {
    dirs.config.join("schemas")
}

/// Years an embargo lasts when a draft names no end (setting, default 3).
fn embargo_years(cx: &Cx<'_>) -> u32 {
    cx.load(&super::settings::EMBARGO_YEARS).unwrap_or(3)
}

/// What the Metadata tab reads across slices and from the store.
impl AppState {
    /// Drafts by id, read from the store (for bulk edit).
    pub fn draft_docs(&self, ids: &[i64]) -> Vec<drafts::DraftDoc> {
        let Some(store) = &self.store else {
            return Vec::new();
        };
        ids.iter()
            .filter_map(|id| drafts::open(store, *id).ok())
            .collect()
    }

    /// What a draft was last sent to a source as (its record there).
    pub fn sent_to(
        &self,
        draft: i64,
        source: &str,
    ) -> Option<crate::metadata::publish::SentRecord> {
        crate::metadata::publish::sent_record(self.store.as_ref()?, draft, source)
    }

    /// Catalogue sources a draft of `schema` can be published to.
    pub fn publish_targets(&self, schema: &str) -> Vec<crate::catalogue::SourceConfig> {
        self.search
            .sources
            .iter()
            .filter(|s| crate::metadata::publish::schema_for(&s.kind) == Some(schema))
            .cloned()
            .collect()
    }

    /// Years an embargo lasts when a draft names no end (setting, default 3).
    pub fn embargo_years(&self) -> u32 {
        self.load(&super::settings::EMBARGO_YEARS).unwrap_or(3)
    }
}
