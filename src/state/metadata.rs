//! The Metadata tab's state: schemas, drafts in the store, the open draft
//! with its form and live validation, extraction from an open file.

use serde_json::Value as J;

use super::{AppState, Level};
use crate::metadata::schema::{self, Checker, Field, FieldError, SchemaInfo};
use crate::metadata::{Draft, Origin, drafts, extract};
use crate::runtime::{TaskHandle, take_finished};

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
        Result<Vec<crate::metadata::nxdl::Issue>, String>,
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

impl AppState {
    /// Folder where users put their own JSON Schema files.
    pub fn schema_dir(&self) -> std::path::PathBuf {
        self.dirs.config.join("schemas")
    }

    /// Read the schemas and the list of drafts.
    pub fn load_metadata(&mut self) {
        let (schemas, problems) = schema::all(Some(&self.schema_dir()));
        self.metadata.schemas = schemas;
        self.metadata.schema_problems = problems.iter().map(ToString::to_string).collect();
        self.refresh_drafts();
    }

    fn refresh_drafts(&mut self) {
        if let Some(store) = &self.store {
            self.metadata.templates = crate::metadata::templates::list(store);
            self.metadata.drafts = drafts::list(store)
                .unwrap_or_default()
                .into_iter()
                .map(|d| (d.id, d.title, d.draft.schema))
                .collect();
        }
    }

    fn schema_named(&self, name: &str) -> Option<SchemaInfo> {
        self.metadata
            .schemas
            .iter()
            .find(|s| s.name == name)
            .cloned()
    }

    /// Start a draft for `schema`; with `from_doc`, prefilled from that open
    /// file on a background task.
    pub fn new_draft(&mut self, schema: &str, from_doc: Option<u64>) {
        if self.schema_named(schema).is_none() {
            self.notify(
                Level::Error,
                "Unknown schema",
                format!("There is no schema “{schema}”."),
            );
            return;
        }
        let source = from_doc.and_then(|id| {
            let d = self.document(id)?;
            Some((d.label.clone(), d.source.clone()?))
        });
        match source {
            Some((label, src)) => {
                let name = schema.to_owned();
                let handle = self.tasks.spawn_blocking(
                    &format!("Reading metadata from {label}"),
                    move |_| -> Result<Extraction, String> {
                        let found = extract::from_nexus(src.as_ref());
                        let title = found
                            .get("title")
                            .map_or_else(|| label.clone(), |f| f.value.clone());
                        Ok((title, extract::for_schema(&name, &found)))
                    },
                );
                self.metadata.extracting = Some((schema.to_owned(), handle));
            }
            None => {
                let title = format!("Draft {} ({})", self.metadata.drafts.len() + 1, now_title());
                self.create_draft(schema, &title, &[]);
            }
        }
    }

    /// Start a DataCite draft from a catalogue record shown in Search.
    pub fn draft_from_record(&mut self, key: &str) {
        let Some(d) = self.search.results.iter().find(|d| d.key() == key).cloned() else {
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
        self.create_draft("datacite", &d.title, &values);
    }

    /// Start a DataCite draft from a DataCite XML file (the format DataCite,
    /// OAI-PMH `oai_datacite` and repositories exchange).
    pub fn draft_from_datacite_xml(&mut self, path: &std::path::Path) {
        let read = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: {e}", path.display()))
            .and_then(|text| {
                crate::metadata::datacite_xml::from_xml(&text).map_err(|e| e.to_string())
            });
        let (doc, _version) = match read {
            Ok(x) => x,
            Err(e) => {
                self.notify(Level::Error, "No draft from that file", e);
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
        self.create_draft("datacite", &title, &values);
    }

    pub(super) fn create_draft(
        &mut self,
        schema: &str,
        title: &str,
        values: &[(String, J, Origin)],
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
        let Some(store) = &self.store else {
            self.notify(
                Level::Error,
                "Drafts cannot be kept",
                "The settings store could not be opened, so drafts would be lost.",
            );
            return;
        };
        match drafts::create(store, title, &draft) {
            Ok(id) => {
                self.refresh_drafts();
                self.open_draft(id);
            }
            Err(e) => self.notify(Level::Error, "The draft was not created", e.to_string()),
        }
    }

    pub fn open_draft(&mut self, id: i64) {
        let Some(store) = &self.store else {
            return;
        };
        match drafts::open(store, id) {
            Ok(doc) => match self.schema_named(&doc.draft.schema) {
                Some(s) => self.metadata.open = Some(OpenDraft::new(doc, s)),
                None => self.notify(
                    Level::Error,
                    "The draft's schema is missing",
                    format!(
                        "“{}” uses the schema “{}”, which is not installed. Put it back into {}.",
                        doc.title,
                        doc.draft.schema,
                        self.schema_dir().display()
                    ),
                ),
            },
            Err(e) => self.notify(Level::Error, "The draft could not be opened", e.to_string()),
        }
    }

    fn with_open_draft(
        &mut self,
        change: impl FnOnce(
            &mut crate::store::Store,
            i64,
        ) -> Result<drafts::DraftDoc, crate::metadata::MetadataError>,
    ) {
        let (Some(store), Some(open)) = (self.store.as_mut(), self.metadata.open.as_mut()) else {
            return;
        };
        match change(store, open.doc.id) {
            Ok(doc) => {
                open.doc = doc;
                open.recheck();
            }
            Err(e) => self.notify(Level::Error, "The change was not saved", e.to_string()),
        }
    }

    pub fn edit_draft(&mut self, pointer: &str, value: Option<J>) {
        self.with_open_draft(|s, id| drafts::set(s, id, pointer, value));
    }

    pub fn remove_draft_item(&mut self, pointer: &str, index: usize) {
        self.with_open_draft(|s, id| {
            let mut d = drafts::open(s, id)?.draft;
            d.remove_item(pointer, index);
            drafts::replace(s, id, &d)
        });
    }

    pub fn undo_draft(&mut self, redo: bool) {
        self.with_open_draft(|s, id| {
            if redo {
                drafts::redo(s, id)
            } else {
                drafts::undo(s, id)
            }
        });
    }

    pub fn delete_draft(&mut self, id: i64) {
        if let Some(store) = &self.store
            && let Err(e) = store.delete_draft(id)
        {
            self.notify(Level::Error, "The draft was not deleted", e.to_string());
            return;
        }
        if self.metadata.open.as_ref().is_some_and(|o| o.doc.id == id) {
            self.metadata.open = None;
        }
        self.refresh_drafts();
    }

    /// Drafts by id, read from the store (for bulk edit).
    pub fn draft_docs(&self, ids: &[i64]) -> Vec<drafts::DraftDoc> {
        let Some(store) = &self.store else {
            return Vec::new();
        };
        ids.iter()
            .filter_map(|id| drafts::open(store, *id).ok())
            .collect()
    }

    /// Keep what was typed into the open draft as a template.
    pub fn save_template(&mut self, name: &str) {
        let (Some(store), Some(open)) = (&self.store, &self.metadata.open) else {
            return;
        };
        let t = crate::metadata::templates::Template::from_draft(name, &open.doc.draft);
        let n = t.values.len();
        match crate::metadata::templates::save(store, &t) {
            Ok(()) => {
                self.refresh_drafts();
                self.notify(
                    Level::Info,
                    format!("Template “{}” saved", t.name),
                    format!("{n} typed value(s) will fill new drafts."),
                );
            }
            Err(e) => self.notify(Level::Error, "The template was not saved", e.to_string()),
        }
    }

    /// Fill the open draft from a template (typed values are kept).
    pub fn apply_template(&mut self, name: &str) {
        let Some(open) = &self.metadata.open else {
            return;
        };
        let schema = open.doc.draft.schema.clone();
        let Some(t) = self
            .metadata
            .templates
            .iter()
            .find(|t| t.name == name && t.schema == schema)
            .cloned()
        else {
            return;
        };
        self.with_open_draft(|s, id| drafts::prefill(s, id, &t.values()).map(|(d, _)| d));
    }

    /// Set one field in many drafts.
    pub fn bulk_set(&mut self, ids: &[i64], pointer: &str, value: Option<&J>) {
        let Some(store) = self.store.as_mut() else {
            return;
        };
        match crate::metadata::bulk::apply(store, ids, pointer, value) {
            Ok(n) => {
                if let Some(id) = self.metadata.open.as_ref().map(|o| o.doc.id) {
                    self.open_draft(id);
                }
                self.refresh_drafts();
                self.notify(
                    Level::Info,
                    format!("{pointer} set in {n} draft(s)"),
                    "Each draft can undo the change on its own.",
                );
            }
            Err(e) => self.notify(Level::Error, "Bulk edit stopped", e.to_string()),
        }
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
        self.sources
            .iter()
            .filter(|s| crate::metadata::publish::schema_for(&s.kind) == Some(schema))
            .cloned()
            .collect()
    }

    /// Check an open file against a NeXus definition (NXDL) in the background.
    pub fn check_nexus(&mut self, doc: u64, definition: &str) {
        let Some((label, src)) = self
            .document(doc)
            .and_then(|d| Some((d.label.clone(), d.source.clone()?)))
        else {
            return;
        };
        let dirs = crate::metadata::nxdl::search_dirs(&self.dirs.data);
        let name = definition.trim().to_owned();
        let n2 = name.clone();
        let handle = self.tasks.spawn_blocking(
            &format!("Checking {label} against {name}"),
            move |_| -> Result<Vec<crate::metadata::nxdl::Issue>, String> {
                let def = crate::metadata::nxdl::load(&n2, &dirs).map_err(|e| e.to_string())?;
                Ok(crate::metadata::nxdl::check(src.as_ref(), &def))
            },
        );
        self.metadata.checking = Some((label, name, handle));
    }

    /// Years an embargo lasts when a draft names no end (setting, default 3).
    pub fn embargo_years(&self) -> u32 {
        self.load(&super::settings::EMBARGO_YEARS).unwrap_or(3)
    }

    /// Publish the open draft to a source with the account bound to it.
    pub fn publish_draft(&mut self, source: &str, files: Vec<std::path::PathBuf>) {
        let Some(open) = &self.metadata.open else {
            return;
        };
        let Some(cfg) = self.sources.iter().find(|s| s.id == source).cloned() else {
            return;
        };
        if crate::metadata::publish::schema_for(&cfg.kind) != Some(open.schema.name.as_str()) {
            self.notify(
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
        let Some(auth) = cfg.account.as_deref().and_then(|a| self.accounts.tokens(a)) else {
            self.notify(
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
                    self.embargo_years(),
                )),
            );
        }
        let id = open.doc.id;
        let sent = open.doc.draft.clone();
        let name = cfg.name.clone();
        let source = cfg.id.clone();
        // Published here before: that record is updated (or versioned).
        let previous = self
            .store
            .as_ref()
            .and_then(|s| crate::metadata::publish::sent_record(s, id, &source))
            .map(|r| r.remote_id);
        let handle = self
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
        self.metadata.publishing = Some(Publishing {
            draft: id,
            source,
            name,
            sent,
            handle,
        });
    }

    pub(super) fn poll_metadata(&mut self) {
        if let Some((label, def, handle)) = take_finished(&mut self.metadata.checking, |c| &c.2) {
            let r = handle.block();
            self.metadata.nexus_check = Some((label, def, r.map_err(|e| e.to_string())));
        }
        if let Some(p) = take_finished(&mut self.metadata.publishing, |p| &p.handle) {
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
                    if let Some(Err(e)) = self.store.as_ref().map(|s| {
                        crate::metadata::publish::remember_sent(s, draft, &source, &record)
                    }) {
                        self.notify(
                            Level::Warning,
                            "Published, but not remembered",
                            format!("{e}. Publishing again would make a new record."),
                        );
                    }
                    self.notify(
                        Level::Info,
                        format!("Published to {name}"),
                        match done.url {
                            Some(u) => format!("{} ({u})", done.id),
                            None => done.id,
                        },
                    );
                }
                Err(e) => self.notify(
                    Level::Error,
                    format!("Not published to {name}"),
                    e.to_string(),
                ),
            }
        }
        let Some((schema, handle)) = take_finished(&mut self.metadata.extracting, |e| &e.1) else {
            return;
        };
        match handle.block() {
            Ok((title, values)) => self.create_draft(&schema, &title, &values),
            Err(e) => self.notify(Level::Error, "No metadata could be read", e.to_string()),
        }
    }
}
