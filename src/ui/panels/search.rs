//! Catalogue search: one box, facets that filter instantly, results, and the
//! dataset page with authors, PID, citation, parameters and files.

use crate::catalogue::{Access, Dataset, SourceConfig, citation};
use crate::command::Command;
use crate::command::{DocumentsCommand, MetadataCommand, SearchCommand, ShellCommand};
use crate::state::{AppState, Requested};
use crate::units::human_bytes;

#[derive(Default)]
pub struct SearchUi {
    text: String,
    /// Put the keyboard in the search box on the next frame (Ctrl+F).
    pub focus: bool,
    /// The sources being edited, while the Sources window is open.
    editing: Option<Vec<SourceConfig>>,
    new_name: String,
    new_url: String,
    builder: Builder,
    /// The cart window is open.
    cart_open: bool,
}

/// The folder dialog of the cart's DataCite XML export.
const CART_XML_DIALOG: &str = "cart_datacite_xml";

/// The cart window: the datasets collected, and what to do with them all.
fn cart_window(ctx: &egui::Context, state: &AppState, s: &mut SearchUi, out: &mut Vec<Command>) {
    use crate::catalogue::cart::CitationFormat;
    let cart = &state.search.cart;
    let mut open = s.cart_open;
    crate::ui::window(ctx, "Cart", 560.0)
        .open(&mut open)
        .collapsible(false)
        .show(ctx, |ui| {
            if cart.is_empty() {
                ui.weak("The cart is empty. On a dataset's page, “Add to cart” collects it here.");
                return;
            }
            egui::ScrollArea::vertical()
                .id_salt("cart")
                .max_height(320.0)
                .show(ui, |ui| {
                    for d in &cart.items {
                        ui.horizontal(|ui| {
                            if ui.small_button("×").on_hover_text("Take it out").clicked() {
                                out.push(SearchCommand::RemoveFromCart(d.key()).into());
                            }
                            ui.label(&d.title);
                            ui.weak(d.sources.join(", "));
                            let n = d.files.iter().filter(|f| f.url.is_some()).count();
                            ui.weak(if n == 0 {
                                "files not listed yet".to_owned()
                            } else {
                                format!("{n} file(s)")
                            });
                        });
                    }
                });
            ui.separator();
            ui.horizontal_wrapped(|ui| {
                if crate::ui::report::named(
                    ui.button("Download all")
                        .on_hover_text("Queue every file; the Downloads tab shows the progress"),
                    "button:Download all",
                )
                .clicked()
                {
                    out.push(SearchCommand::DownloadCart.into());
                }
                if ui.button("Copy PIDs").clicked() {
                    out.push(SearchCommand::CopyCartPids.into());
                }
                for f in CitationFormat::ALL {
                    if ui.button(format!("Copy {}", f.label())).clicked() {
                        out.push(SearchCommand::CopyCartCitations(f).into());
                    }
                }
                if crate::ui::report::named(
                    ui.button("Export DataCite XML…").on_hover_text(
                        "Write each dataset as DataCite kernel-4.5 XML into a folder, one file per DOI",
                    ),
                    "button:Export DataCite XML",
                )
                .clicked()
                {
                    crate::ui::file_dialog::request(
                        ui.ctx(),
                        CART_XML_DIALOG,
                        crate::ui::file_dialog::Request::new(
                            "Choose a folder for the DataCite XML",
                            crate::ui::file_dialog::Mode::Folder,
                        ),
                    );
                }
                if let Some(crate::ui::file_dialog::Answer::Picked(dir)) =
                    crate::ui::file_dialog::take_answer(ui.ctx(), CART_XML_DIALOG)
                {
                    out.push(SearchCommand::ExportCartXml(dir).into());
                }
                if ui.button("Empty the cart").clicked() {
                    out.push(SearchCommand::ClearCart.into());
                }
            });
            copied_note(ui);
        });
    s.cart_open = open;
}

/// The filter builder under the search box: it edits the query's syntax.
struct Builder {
    open: bool,
    kind: crate::catalogue::query::FilterKind,
    /// The parameter's name, or the value of another kind of filter.
    value: String,
    min: String,
    max: String,
    unit: String,
    error: Option<String>,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            open: false,
            kind: crate::catalogue::query::FilterKind::Parameter,
            value: String::new(),
            min: String::new(),
            max: String::new(),
            unit: String::new(),
            error: None,
        }
    }
}

/// The filter builder: a kind, its fields and "Add", which puts the filter
/// into the query and searches.
fn filter_builder(ui: &mut egui::Ui, s: &mut SearchUi, out: &mut Vec<Command>) {
    use crate::catalogue::query::{BUILDER_UNITS, FilterKind, Query, build_filter};
    let b = &mut s.builder;
    let mut add = false;
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            egui::ComboBox::from_id_salt("builder-kind")
                .selected_text(b.kind.label())
                .show_ui(ui, |ui| {
                    for k in FilterKind::ALL {
                        ui.selectable_value(&mut b.kind, k, k.label());
                    }
                });
            let field =
                |ui: &mut egui::Ui, text: &mut String, hint: &str, width: f32, name: &str| {
                    let r = ui.add(
                        egui::TextEdit::singleline(text)
                            .hint_text(hint)
                            .desired_width(width),
                    );
                    crate::ui::report::widget(ui.ctx(), name, r.rect);
                    r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))
                };
            let enter = match b.kind {
                FilterKind::Parameter => {
                    let a = field(
                        ui,
                        &mut b.value,
                        "name, e.g. wavelength",
                        150.0,
                        "field:filter name",
                    );
                    ui.label("from");
                    let c = field(ui, &mut b.min, "min", 60.0, "field:filter from");
                    ui.label("to");
                    let d = field(ui, &mut b.max, "max", 60.0, "field:filter to");
                    let unit_box = egui::ComboBox::from_id_salt("builder-unit")
                        .selected_text(if b.unit.is_empty() {
                            "no unit"
                        } else {
                            b.unit.as_str()
                        })
                        .show_ui(ui, |ui| {
                            for u in BUILDER_UNITS {
                                let label = if u.is_empty() { "no unit" } else { u };
                                let r = ui.selectable_value(&mut b.unit, (*u).to_owned(), label);
                                crate::ui::report::widget(
                                    ui.ctx(),
                                    &format!("unit:{label}"),
                                    r.rect,
                                );
                            }
                        });
                    crate::ui::report::widget(
                        ui.ctx(),
                        "combo:filter unit",
                        unit_box.response.rect,
                    );
                    a || c || d
                }
                FilterKind::After | FilterKind::Before => field(
                    ui,
                    &mut b.value,
                    "YYYY, YYYY-MM or YYYY-MM-DD",
                    200.0,
                    "field:filter value",
                ),
                FilterKind::Access => {
                    for v in ["open", "embargoed", "restricted"] {
                        ui.radio_value(&mut b.value, v.to_owned(), v);
                    }
                    false
                }
                _ => field(ui, &mut b.value, "contains…", 200.0, "field:filter value"),
            };
            let button = crate::ui::report::named(
                ui.button("Add filter")
                    .on_hover_text("Put this filter into the query and search"),
                "button:Add filter",
            );
            add = enter || button.clicked();
        });
        if let Some(e) = &b.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
    });
    if !add {
        return;
    }
    let built = build_filter(b.kind, &b.value, &b.min, &b.max, &b.unit)
        .and_then(|f| Query::adding(&s.text, f));
    match built {
        Ok(text) => {
            b.error = None;
            b.value.clear();
            b.min.clear();
            b.max.clear();
            s.text.clone_from(&text);
            out.push(SearchCommand::Run(text).into());
        }
        Err(e) => b.error = Some(e.to_string()),
    }
}

/// The Sources window: enable, remove and add catalogue sources.
fn sources_window(
    ctx: &egui::Context,
    s: &mut SearchUi,
    accounts: &[String],
    out: &mut Vec<Command>,
) {
    let Some(list) = s.editing.as_mut() else {
        return;
    };
    let mut open = true;
    let mut done = false;
    crate::ui::window(ctx, "Catalogue sources", 520.0)
        .open(&mut open)
        .collapsible(false)
        .show(ctx, |ui| {
            let mut remove = None;
            egui::Grid::new("sources")
                .num_columns(5)
                .striped(true)
                .show(ui, |ui| {
                    for (i, src) in list.iter_mut().enumerate() {
                        ui.checkbox(&mut src.enabled, &src.name);
                        ui.weak(src.kind.label());
                        match src.kind.spec().and_then(|k| k.place) {
                            Some(place) => ui.weak(place),
                            None => ui.monospace(&src.url),
                        };
                        if src.kind.is_local() {
                            ui.label("");
                            ui.label("");
                        } else {
                            // Which signed-in account's tokens the requests carry.
                            egui::ComboBox::from_id_salt(("account", &src.id))
                                .selected_text(src.account.as_deref().unwrap_or("anonymous"))
                                .show_ui(ui, |ui| {
                                    ui.selectable_value(&mut src.account, None, "anonymous");
                                    for a in accounts {
                                        ui.selectable_value(&mut src.account, Some(a.clone()), a);
                                    }
                                });
                            if ui.small_button("Remove").clicked() {
                                remove = Some(i);
                            }
                        }
                        ui.end_row();
                    }
                });
            if let Some(i) = remove {
                list.remove(i);
            }
            ui.separator();
            ui.strong("Add a PaNOSC search API");
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut s.new_name)
                        .hint_text("Name")
                        .desired_width(120.0),
                );
                ui.add(
                    egui::TextEdit::singleline(&mut s.new_url)
                        .hint_text("https://…/api")
                        .desired_width(260.0),
                );
                let valid =
                    crate::net::is_web_url(s.new_url.trim()) && !s.new_name.trim().is_empty();
                if ui.add_enabled(valid, egui::Button::new("Add")).clicked() {
                    let id = format!("panosc-{}", list.len());
                    list.push(SourceConfig {
                        id,
                        name: s.new_name.trim().to_owned(),
                        kind: crate::catalogue::panosc::KIND.kind(),
                        url: s.new_url.trim().to_owned(),
                        enabled: true,
                        account: None,
                        h5grove: None,
                    });
                    s.new_name.clear();
                    s.new_url.clear();
                }
            });
            if !s.new_url.trim().is_empty() && !crate::net::is_web_url(s.new_url.trim()) {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    "Only http and https addresses can be added.",
                );
            }
            ui.separator();
            if ui.button("Save").clicked() {
                out.push(SearchCommand::SetSources(list.clone()).into());
                done = true;
            }
        });
    if !open || done {
        s.editing = None;
    }
}

fn access_badge(ui: &mut egui::Ui, a: &Access) {
    match a {
        Access::Open => {
            ui.weak("open");
        }
        Access::Embargoed { until } => {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("embargoed until {until}"),
            );
        }
        Access::Restricted => {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "restricted: sign in to see this",
            );
        }
    }
}

fn result_row(ui: &mut egui::Ui, d: &Dataset, shown: bool, out: &mut Vec<Command>) {
    let frame = egui::Frame::group(ui.style()).fill(if shown {
        ui.visuals().selection.bg_fill.gamma_multiply(0.35)
    } else {
        ui.visuals().panel_fill
    });
    let card = frame.show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(egui::RichText::new(&d.title).strong());
        let names: Vec<&str> = d.creators.iter().take(3).map(|c| c.name.as_str()).collect();
        let more = if d.creators.len() > 3 { " et al." } else { "" };
        ui.label(format!("{}{more}", names.join("; ")));
        ui.horizontal_wrapped(|ui| {
            let place: Vec<&str> = [&d.facility, &d.instrument, &d.technique]
                .iter()
                .filter_map(|o| o.as_deref())
                .collect();
            ui.weak(place.join(" · "));
            if let Some(y) = d.year() {
                ui.weak(y.to_string());
            }
            access_badge(ui, &d.access);
            for s in &d.sources {
                ui.small(format!("[{s}]"));
            }
        });
    });
    // The whole card opens the dataset page.
    let r = ui
        .interact(
            card.response.rect,
            ui.id().with(("card", d.key())),
            egui::Sense::click(),
        )
        .on_hover_text("Show the dataset page")
        .on_hover_cursor(egui::CursorIcon::PointingHand);
    crate::ui::report::widget(ui.ctx(), &format!("card:{}", d.title), r.rect);
    if r.clicked() {
        out.push(SearchCommand::ShowDataset(d.key()).into());
    }
}

/// Put `text` on the clipboard; the dataset page says so for a moment.
pub(crate) fn copied(ctx: &egui::Context, what: &str, text: String) {
    ctx.copy_text(text);
    let now = ctx.input(|i| i.time);
    ctx.data_mut(|d| d.insert_temp(egui::Id::new("search copied"), (what.to_owned(), now)));
}

fn copied_note(ui: &mut egui::Ui) {
    let now = ui.ctx().input(|i| i.time);
    if let Some((what, at)) = ui
        .ctx()
        .data(|d| d.get_temp::<(String, f64)>(egui::Id::new("search copied")))
        && now - at < 2.5
    {
        ui.weak(format!("✓ {what} copied"));
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(500));
    }
}

fn dataset_page(
    ui: &mut egui::Ui,
    d: &Dataset,
    search: &crate::state::SearchState,
    files: Option<&crate::state::Requested<usize>>,
    out: &mut Vec<Command>,
) {
    let in_cart = search.cart.contains(&d.key());
    egui::ScrollArea::vertical()
        .id_salt("dataset_page")
        .show(ui, |ui| {
            ui.heading(&d.title);
            ui.add_space(4.0);
            for c in &d.creators {
                ui.horizontal(|ui| {
                    ui.label(&c.name);
                    if let Some(o) = &c.orcid {
                        ui.hyperlink_to(format!("ORCID {o}"), format!("https://orcid.org/{o}"));
                    }
                    if !c.affiliations.is_empty() {
                        ui.weak(c.affiliations.join("; "));
                    }
                });
            }
            ui.separator();
            egui::Grid::new("dataset_facts")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    let mut row = |k: &str, v: Option<String>| {
                        if let Some(v) = v {
                            ui.label(egui::RichText::new(k).weak());
                            ui.label(v);
                            ui.end_row();
                        }
                    };
                    row("PID", d.pid.clone());
                    row("License", d.license.clone());
                    row("Created", d.created.clone());
                    row("Facility", d.facility.clone());
                    row("Instrument", d.instrument.clone());
                    row("Technique", d.technique.clone());
                    row("Project", d.project.clone());
                    row("Sample", d.sample.clone());
                    row("Version", d.version.clone());
                    row(
                        "Related",
                        (!d.related.is_empty()).then(|| d.related.join(", ")),
                    );
                });
            ui.horizontal(|ui| {
                access_badge(ui, &d.access);
                if in_cart {
                    if ui
                        .button("✓ In the cart")
                        .on_hover_text("Take it out of the cart")
                        .clicked()
                    {
                        out.push(SearchCommand::RemoveFromCart(d.key()).into());
                    }
                } else if crate::ui::report::named(
                    ui.button("Add to cart")
                        .on_hover_text("Collect it with others to download or cite together"),
                    "button:Add to cart",
                )
                .clicked()
                {
                    out.push(SearchCommand::AddToCart.into());
                }
                if d.pid.is_some()
                    && crate::ui::report::named(ui.button("Copy PID"), "button:Copy PID").clicked()
                {
                    out.push(SearchCommand::CopyPid.into());
                }
                if ui.button("Copy citation").clicked() {
                    copied(ui.ctx(), "Citation", citation(d));
                }
                if ui
                    .button("BibTeX")
                    .on_hover_text("Copy as BibTeX")
                    .clicked()
                {
                    copied(ui.ctx(), "BibTeX", crate::catalogue::bibtex(d));
                }
                if ui.button("RIS").on_hover_text("Copy as RIS").clicked() {
                    copied(ui.ctx(), "RIS", crate::catalogue::ris(d));
                }
                copied_note(ui);
                if ui
                    .button("Describe…")
                    .on_hover_text("Start a metadata draft from this record")
                    .clicked()
                {
                    out.push(MetadataCommand::DraftFromRecord(d.key()).into());
                }
            });
            if let Some(desc) = &d.description {
                ui.add_space(6.0);
                ui.label(desc);
            }
            if !d.parameters.is_empty() {
                ui.add_space(6.0);
                ui.strong("Scientific metadata");
                egui::Grid::new("dataset_params")
                    .num_columns(2)
                    .striped(true)
                    .show(ui, |ui| {
                        for p in &d.parameters {
                            ui.label(&p.name);
                            ui.label(p.value_text());
                            ui.end_row();
                        }
                    });
            }
            crate::ui::lineage::ui(
                ui,
                d,
                &search.lineage_of(d),
                search.lineage.as_ref().filter(|a| a.key == d.key()),
                search.opening.as_ref(),
                out,
            );
            ui.add_space(6.0);
            ui.strong(format!(
                "Files ({}, {} in total)",
                d.files.len(),
                human_bytes(d.total_size())
            ));
            match files {
                Some(crate::state::Requested::Pending { .. }) => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.weak("Asking the catalogue for the file list…");
                    });
                }
                Some(crate::state::Requested::Failed { error: e, .. }) => {
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        format!("The file list could not be read: {e}"),
                    );
                }
                _ => {}
            }
            egui::Grid::new("dataset_files")
                .num_columns(3)
                .striped(true)
                .show(ui, |ui| {
                    for f in &d.files {
                        ui.label(&f.name);
                        ui.weak(f.size.map(human_bytes).unwrap_or_default());
                        ui.horizontal(|ui| {
                            let mut offered = false;
                            if let Some(local) = &f.local {
                                offered = true;
                                if ui
                                    .button("Open")
                                    .on_hover_text(format!("Open {} in the viewer", f.name))
                                    .clicked()
                                {
                                    out.push(DocumentsCommand::OpenPath(local.into()).into());
                                }
                            } else if let Some(remote) =
                                f.remote.as_ref().filter(|u| crate::net::is_web_url(u))
                            {
                                offered = true;
                                if ui
                                    .button("Open")
                                    .on_hover_text(format!(
                                        "Open {} in the viewer from the facility's server, without downloading it",
                                        f.name
                                    ))
                                    .clicked()
                                {
                                    out.push(DocumentsCommand::OpenUrl(remote.clone()).into());
                                }
                            }
                            if let Some(url) = f.url.as_ref().filter(|u| crate::net::is_web_url(u)) {
                                offered = true;
                                if crate::ui::report::named(
                                    ui.button("Download"),
                                    &format!("button:Download {}", f.name),
                                )
                                .on_hover_text(format!(
                                        "Download {} (resumable, checksum verified)",
                                        f.name
                                    ))
                                    .clicked()
                                {
                                    out.push(SearchCommand::Download {
                                        url: url.clone(),
                                        name: f.name.clone(),
                                        checksum: f.checksum.clone(),
                                    }.into());
                                }
                            }
                            if !offered {
                                ui.weak("not available here");
                            }
                        });
                        ui.end_row();
                    }
                });
            let downloadable: Vec<&crate::catalogue::DataFile> = d
                .files
                .iter()
                .filter(|f| f.url.as_ref().is_some_and(|u| crate::net::is_web_url(u)))
                .collect();
            if downloadable.len() > 1
                && ui
                    .button(format!("Download all {} files", downloadable.len()))
                    .on_hover_text("Queue every file; the Downloads tab shows the progress")
                    .clicked()
            {
                for f in downloadable {
                    out.push(SearchCommand::Download {
                        url: f.url.clone().unwrap_or_default(),
                        name: f.name.clone(),
                        checksum: f.checksum.clone(),
                    }.into());
                }
            }
        });
}

/// The query's filters as chips, each removable (the search runs again
/// without it), and where they were applied.
fn filter_chips(ui: &mut egui::Ui, state: &AppState, s: &mut SearchUi, out: &mut Vec<Command>) {
    use crate::catalogue::query::Query;
    let search = &state.search;
    if search.filters.is_empty() {
        return;
    }
    let text = search
        .query
        .as_deref()
        .and_then(|q| Query::parse(q).ok())
        .map(|q| q.text)
        .unwrap_or_default();
    ui.horizontal_wrapped(|ui| {
        ui.weak("Query:");
        for (i, f) in search.filters.iter().enumerate() {
            let label = format!("{} ×", f.to_syntax());
            let chip = crate::ui::report::named(
                ui.small_button(&label).on_hover_text("Remove this filter"),
                &format!("chip:{}", f.to_syntax()),
            );
            if chip.clicked() {
                let mut filters = search.filters.clone();
                filters.remove(i);
                let rest = Query {
                    text: text.clone(),
                    filters,
                }
                .to_syntax();
                s.text.clone_from(&rest);
                out.push(SearchCommand::Run(rest).into());
            }
        }
    });
    // PaNOSC expresses the filters itself; every answer is also checked
    // here, in its own units, which is all the other catalogues get.
    let here: Vec<&str> = search
        .sources
        .iter()
        .filter(|c| c.enabled && !c.kind.is(&crate::catalogue::panosc::KIND))
        .map(|c| c.name.as_str())
        .collect();
    if !here.is_empty() {
        ui.weak(format!(
            "Filtered here: {} (a record that does not give what a filter asks is left out).",
            here.join(", ")
        ));
    }
}

pub fn ui(ui: &mut egui::Ui, state: &AppState, s: &mut SearchUi, out: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        let edit = ui.add(
            egui::TextEdit::singleline(&mut s.text)
                .hint_text("Search datasets: title, people, facility, project, sample…")
                .desired_width(ui.available_width() - 320.0),
        );
        crate::ui::report::widget(ui.ctx(), "field:search", edit.rect);
        if std::mem::take(&mut s.focus) {
            edit.request_focus();
        }
        let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.button("Search").clicked() || enter {
            out.push(SearchCommand::Run(s.text.trim().to_owned()).into());
        }
        if ui.button("Sources…").clicked() {
            s.editing = Some(state.search.sources.clone());
        }
        let toggle = crate::ui::report::named(
            ui.selectable_label(s.builder.open, "Filters…")
                .on_hover_text(
                    "Build a filter: a parameter with a range and a unit, technique, facility, \
                 dates, access",
                ),
            "button:Filters",
        );
        if toggle.clicked() {
            s.builder.open = !s.builder.open;
        }
        let n = state.search.cart.len();
        let cart = crate::ui::report::named(
            ui.selectable_label(s.cart_open, format!("Cart ({n})"))
                .on_hover_text("The datasets you collected, to download or cite together"),
            "button:Cart",
        );
        if cart.clicked() {
            s.cart_open = !s.cart_open;
        }
    });
    cart_window(ui.ctx(), state, s, out);
    if s.builder.open {
        filter_builder(ui, s, out);
    }
    let accounts: Vec<String> = state.accounts.list.iter().map(|a| a.id.clone()).collect();
    sources_window(ui.ctx(), s, &accounts, out);
    let search = &state.search;
    if search.query.is_none() {
        super::empty_state(
            ui,
            "Search open data",
            "Type a few words and press Enter. Every configured catalogue is searched at once; \n\
             the bundled catalogue of real open records works offline.",
            Some(("Show everything", SearchCommand::Run(String::new()).into())),
            out,
        );
        return;
    }
    if let Some(why) = &search.query_error {
        ui.colored_label(ui.visuals().error_fg_color, why);
        ui.weak(
            "Filters read as name:value — wavelength:1..2 Å, temperature:<10 K, \
             technique:\"x-ray diffraction\", facility:ESRF, after:2020, access:open.",
        );
        return;
    }
    filter_chips(ui, state, s, out);
    let all = &search.results[..];
    let visible = search.visible();
    // No network: every online source unreachable, said once, quietly.
    let offline = search.offline_summary();
    // One chip per source: ok with its count, loading, slow, or failed with the reason.
    ui.horizontal_wrapped(|ui| {
        for run in &search.runs {
            match &run.status {
                Requested::Ready(n) if !run.partial.is_empty() => {
                    let r = ui.colored_label(
                        ui.visuals().warn_fg_color,
                        egui::RichText::new(format!("[{}] {n} · possibly partial", run.name))
                            .small(),
                    );
                    crate::ui::report::named(r, &format!("chip:partial:{}", run.id)).on_hover_text(
                        format!(
                            "Sent nothing this time, though it did before: {}.\n\
                             It may have timed out: the federated service leaves out a \
                             facility that does not answer in time, without saying so (or it \
                             holds nothing that matches). Search again to retry.",
                            run.partial.join(", ")
                        ),
                    );
                }
                Requested::Ready(n) => {
                    let here = if run.filtered_here.is_empty() {
                        ""
                    } else {
                        " · filtered here"
                    };
                    let r = match run.total {
                        Some(t) => ui.small(format!("[{}] ok · {n} of {t}{here}", run.name)),
                        None => ui.small(format!("[{}] ok · {n}{here}", run.name)),
                    };
                    if !run.filtered_here.is_empty() {
                        r.on_hover_text(format!(
                            "{} cannot be asked for {}: each page it sends is filtered here, \
                             so a page may show fewer of its records. Load more asks for the next.",
                            run.name,
                            run.filtered_here.join(", ")
                        ));
                    }
                }
                Requested::Pending { .. } if run.is_slow() => {
                    ui.colored_label(ui.visuals().warn_fg_color, format!("[{}] slow…", run.name));
                }
                // Asked again with new filters: the last count stays.
                Requested::Pending { previous: Some(n) } => {
                    ui.spinner();
                    ui.small(format!("[{}] {n}, updating", run.name));
                }
                Requested::Pending { previous: None } => {
                    ui.spinner();
                    ui.small(format!("[{}] searching", run.name));
                }
                Requested::Failed { error: msg, .. } if run.skipped || offline.is_some() => {
                    ui.small(format!("[{}] skipped", run.name))
                        .on_hover_text(msg);
                }
                Requested::Failed { error: msg, .. } => {
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        format!("[{}] failed", run.name),
                    )
                    .on_hover_text(msg);
                }
            }
        }
        ui.weak(format!("{} results", all.len()));
        if visible.len() != all.len() {
            ui.weak(format!("{} after filters", visible.len()));
        }
    });
    // The filters in force, each with its ×, whether or not the results
    // still list their value: there is always a way out of "0 after filters".
    if !search.facets.is_empty() {
        ui.horizontal_wrapped(|ui| {
            ui.weak("Filters:");
            for (facet, value) in &search.facets {
                if ui
                    .button(format!("{facet}: {value} ×"))
                    .on_hover_text("Remove this filter")
                    .clicked()
                {
                    out.push(
                        SearchCommand::ToggleFacet {
                            facet: facet.clone(),
                            value: value.clone(),
                        }
                        .into(),
                    );
                }
            }
            if ui.small_button("Clear all").clicked() {
                out.push(SearchCommand::ClearFacets.into());
            }
        });
    }
    // Sources left out in offline mode: one line for all of them.
    let skipped = search.runs.iter().filter(|r| r.skipped).count();
    if skipped > 0 {
        ui.weak(format!(
            "Offline mode (PANORAMA_OFFLINE=1): {skipped} online source(s) not asked; \
             the bundled catalogue and the offline index were searched."
        ));
    }
    if let Some(n) = offline {
        ui.horizontal_wrapped(|ui| {
            ui.weak(format!(
                "Offline: searched the bundled catalogue and the offline index; \
                 {n} online catalogue{} skipped",
                if n == 1 { "" } else { "s" }
            ));
            if ui
                .small_button("Retry")
                .on_hover_text("Search every catalogue again")
                .clicked()
                && let Some(q) = &search.query
            {
                out.push(SearchCommand::Run(q.clone()).into());
            }
        });
        egui::CollapsingHeader::new("What each catalogue said")
            .id_salt("offline-details")
            .show(ui, |ui| {
                for run in &search.runs {
                    if let Requested::Failed { error: msg, .. } = &run.status
                        && run.unreachable
                    {
                        ui.weak(msg);
                    }
                }
            });
    }
    for run in search
        .runs
        .iter()
        .filter(|r| !(r.skipped || (offline.is_some() && r.unreachable)))
    {
        if let Requested::Failed { error: msg, .. } = &run.status {
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(ui.visuals().error_fg_color, msg);
                if msg.to_lowercase().contains("sign in")
                    && ui.button("Sign in to see this…").clicked()
                {
                    out.push(ShellCommand::ShowTab(crate::command::TabKind::Accounts).into());
                }
            });
        }
    }
    if search.running() {
        // Chips turn "slow" by the clock, not by an event.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(500));
    }
    egui::Panel::left("facets")
        .min_size(180.0)
        .resizable(true)
        .default_size(190.0)
        .show(ui, |ui| {
            // The panel's own width, whatever the facet values say (they
            // wrap), so the columns do not shift from frame to frame.
            egui::ScrollArea::vertical()
                .id_salt("facets")
                .auto_shrink([false; 2])
                .show(ui, |ui| {
                    let mut counts = search.facet_counts();
                    // A filter in force stays listed (at 0) when no result has its value.
                    for (facet, value) in &search.facets {
                        if let Some((_, values)) =
                            counts.iter_mut().find(|(f, _)| *f == facet.as_str())
                            && !values.iter().any(|(v, _)| v == value)
                        {
                            values.insert(0, (value.clone(), 0));
                        }
                    }
                    for (facet, values) in counts {
                        if values.is_empty() {
                            continue;
                        }
                        egui::CollapsingHeader::new(facet)
                            .default_open(facet != "license")
                            .show(ui, |ui| {
                                for (value, n) in values.iter().take(12) {
                                    let on =
                                        search.facets.iter().any(|(f, v)| f == facet && v == value);
                                    let mut checked = on;
                                    if ui
                                        .checkbox(&mut checked, format!("{value} ({n})"))
                                        .changed()
                                    {
                                        out.push(
                                            SearchCommand::ToggleFacet {
                                                facet: facet.to_owned(),
                                                value: value.clone(),
                                            }
                                            .into(),
                                        );
                                    }
                                }
                            });
                    }
                });
        });
    if let Some(d) = search.shown_dataset() {
        egui::Panel::right("dataset")
            .min_size(320.0)
            .resizable(true)
            .default_size(420.0)
            .show(ui, |ui| {
                let files = search
                    .files
                    .as_ref()
                    .filter(|(k, _)| *k == d.key())
                    .map(|(_, l)| l);
                dataset_page(ui, d, search, files, out);
                crate::ui::report::widget(ui.ctx(), "search:page", ui.min_rect());
            });
    }
    egui::CentralPanel::default().show(ui, |ui| {
        if visible.is_empty() {
            ui.weak("Nothing matches. Try fewer words or clear a filter.");
        }
        let shown = search.shown.as_deref();
        crate::ui::report::widget(ui.ctx(), "search:results", ui.max_rect());
        // One more row at the end while a source has more: "Load more",
        // also asked for by scrolling down to it.
        let more = search.has_more();
        let loading = search.loading_more();
        let rows = visible.len() + usize::from(more || loading);
        let mut end_seen = false;
        let list = egui::ScrollArea::vertical().id_salt("results").show_rows(
            ui,
            78.0,
            rows,
            |ui, range| {
                for i in range {
                    match visible.get(i) {
                        Some(d) => result_row(ui, d, Some(d.key().as_str()) == shown, out),
                        None => {
                            end_seen = true;
                            load_more_row(ui, search, loading, out);
                        }
                    }
                }
            },
        );
        // Scrolled down to the end (not a short list that shows it at once),
        // once per page that made the list longer, and not after a failure.
        let grown = ui
            .ctx()
            .data(|d| d.get_temp::<usize>(egui::Id::new("results at last load")))
            != Some(visible.len());
        if end_seen && grown && search.may_load_more() && list.state.offset.y > 0.0 {
            ui.ctx()
                .data_mut(|d| d.insert_temp(egui::Id::new("results at last load"), visible.len()));
            out.push(SearchCommand::LoadMore.into());
        }
    });
}

/// The end of the results while sources have more: a button, and what
/// the sources say they hold beyond what they sent.
fn load_more_row(
    ui: &mut egui::Ui,
    search: &crate::state::SearchState,
    loading: bool,
    out: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        if loading {
            ui.spinner();
            ui.weak("Loading the next page…");
            return;
        }
        let b = crate::ui::report::named(
            ui.button("Load more")
                .on_hover_text("Ask every catalogue that has more for its next page"),
            "button:Load more",
        );
        if b.clicked() {
            out.push(SearchCommand::LoadMore.into());
        }
        let known = search.more_known();
        if known > 0 {
            ui.weak(format!("{known} more at the catalogues that count them"));
        }
    });
}
