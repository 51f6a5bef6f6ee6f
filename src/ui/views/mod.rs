//! Visualizations. Each view is one file with one type behind [`View`]:
//! it says which datasets it can show and draws them from prepared values
//! (`plot::prepare` says what to read; the state's caches read it). None
//! reads files. [`registry`] lists them, the natural view first; the viewer
//! panel offers every view that supports the selected dataset.
//!
//! To add a view: a file here with a type implementing [`View`], and one
//! line in [`registry`].

pub mod axes;
pub mod dims;
pub mod grid;
pub mod image;
pub mod line;
pub mod overlays;
pub mod rgb;
pub mod roi;
pub mod scatter;
pub mod stack;
pub mod table;
pub mod value;

use std::sync::Arc;

use crate::command::{Command, ShellCommand};
use crate::data::nexus::DefaultPlot;
use crate::data::{Attribute, ComplexPart, DatasetInfo, Entity, Selection, Value};
use crate::plot::{Colormap, Scale};
use crate::state::{AppState, Requested, Target, ValueKey};
use crate::ui::file_dialog;

/// One way of showing a dataset.
pub trait View {
    /// The name on its button in the viewer.
    fn title(&self) -> &'static str;
    /// Whether it can show this dataset, given its attributes (with its
    /// NeXus default plot, when the dataset is a plot's signal).
    fn supports(&self, info: &DatasetInfo, attrs: &[Attribute], plot: Option<&DefaultPlot>)
    -> bool;
    /// Controls of its own in the row of view buttons (colours, scales).
    fn toolbar_ui(&mut self, _ui: &mut egui::Ui, _cx: &mut ViewCx<'_>) {}
    /// Draw the selected dataset.
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewCx<'_>);
    /// Another dataset was selected: start again (slices, readouts).
    fn reset(&mut self) {}
    /// The values were read again (the CF switch): drop what was built
    /// from the old ones.
    fn values_changed(&mut self) {}
}

/// Every view, the most natural first: a dataset opens in the first view
/// that supports it.
pub fn registry() -> Vec<Box<dyn View>> {
    vec![
        Box::new(value::ValueView),
        Box::new(rgb::RgbView::default()),
        Box::new(scatter::ScatterView),
        Box::new(image::ImageView::default()),
        Box::new(stack::StackView::default()),
        Box::new(line::LineView::default()),
        Box::new(table::TableView),
    ]
}

/// What a view works with this frame.
pub struct ViewCx<'a> {
    pub state: &'a AppState,
    pub target: &'a Target,
    pub entity: &'a Entity,
    pub info: &'a DatasetInfo,
    pub plot: Option<&'a DefaultPlot>,
    pub out: &'a mut Vec<Command>,
    /// The colour settings every image view shares.
    pub look: &'a mut ImageSettings,
    /// The part of the dataset shown (and whether transposed), for
    /// **Export data… → The slice shown**; a view sets it when it draws.
    pub shown_slice: &'a mut Option<(Selection, bool)>,
    /// The first rectangular region of interest drawn on the slice shown,
    /// in the slice's own rows and columns (ends excluded): what **Use in
    /// a workflow** cuts.
    pub shown_roi: &'a mut Option<[u64; 4]>,
    pub exports: &'a mut Exports,
    /// The axes shown and the slice on the others, shared by the views
    /// of the dataset (kept when moving between views).
    pub slicing: &'a mut dims::Slicing,
}

impl ViewCx<'_> {
    /// The value under `key` (see [`Self::key`]), or its loading or error
    /// state drawn in its place.
    pub fn ready(&mut self, ui: &mut egui::Ui, key: &ValueKey) -> Option<Arc<Value>> {
        crate::ui::loaded(ui, Some(&self.fetch(key))).cloned()
    }

    /// Every object of the target's file, once listed; the listing is
    /// asked for ([`crate::command::DocumentsCommand::Index`]) the first time.
    pub fn file_objects(&mut self) -> Option<Arc<Vec<Entity>>> {
        let doc = self.target.doc;
        match &self.state.document(doc)?.index {
            Some(r) => r.ready().cloned(),
            None => {
                self.out
                    .push(crate::command::DocumentsCommand::Index(doc).into());
                None
            }
        }
    }

    /// The value under `key` as the cache has it; one not held is asked
    /// for ([`crate::command::DocumentsCommand::Read`]) and is pending.
    pub fn fetch(&mut self, key: &ValueKey) -> Requested<Arc<Value>> {
        if let Some(v) = self.state.cached_value(key) {
            return v.clone();
        }
        if self
            .state
            .document(key.doc)
            .is_none_or(|d| d.source.is_none())
        {
            return Requested::failed("the file is closed");
        }
        self.out
            .push(crate::command::DocumentsCommand::Read(key.clone()).into());
        Requested::pending()
    }

    /// The cache key of the target under `selection`.
    pub fn key(&self, selection: Selection) -> ValueKey {
        ValueKey {
            doc: self.target.doc,
            path: self.target.path.clone(),
            selection,
            part: self.info.dtype.is_complex().then_some(self.look.complex),
        }
    }

    /// Axis values for signal dimension `dim`, from the NeXus default plot,
    /// once loaded (asked for otherwise).
    pub fn axis_values(&mut self, dim: usize) -> Option<(Arc<Vec<f64>>, String)> {
        let axis = self.plot?.axis(dim)?;
        let key = ValueKey {
            doc: self.target.doc,
            path: axis.path.clone(),
            selection: Selection::all(),
            part: None,
        };
        match self.fetch(&key) {
            Requested::Ready(v) => v.to_f64().map(|x| (Arc::new(x), axis.label())),
            _ => None,
        }
    }

    /// Another dataset of the same file as numbers, once loaded.
    pub fn numbers(&mut self, path: &str, selection: Selection) -> Option<Vec<f64>> {
        let key = ValueKey {
            doc: self.target.doc,
            path: path.to_owned(),
            selection,
            part: None,
        };
        self.fetch(&key).ready().and_then(|v| v.to_f64())
    }

    /// Save a `width` × `height` RGBA picture as PNG, where the user picks
    /// (the views' **Export PNG…**).
    pub fn export_png(&mut self, ctx: &egui::Context, width: usize, height: usize, rgba: Vec<u8>) {
        let name = self.export_name("png");
        self.exports
            .start(ctx, "Exporting PNG", name, "png", move |p| {
                crate::plot::export::write_png(p, width, height, &rgba)
            });
    }

    /// "file › /path": how a view names an object of any open file.
    pub fn name_of(&self, t: &Target) -> String {
        let file = self
            .state
            .document(t.doc)
            .map_or("(closed)", |d| d.label.as_str());
        format!("{file} › {}", t.path)
    }

    /// A file name for an export of the target: its last path part.
    pub fn export_name(&self, ext: &str) -> String {
        format!(
            "{}.{ext}",
            crate::plot::prepare::last_part(&self.target.path)
        )
    }
}

/// Colours of images, the same in every image view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageSettings {
    /// Colour on the GPU (wgpu renderer with the colormap pipeline installed).
    pub gpu: bool,
    pub colormap: Colormap,
    pub scale: Scale,
    pub aspect_lock: bool,
    /// Colours over the whole extent instead of the 0.5–99.5 % percentiles.
    pub full_range: bool,
    /// The part of complex values every view shows.
    pub complex: ComplexPart,
}

impl Default for ImageSettings {
    fn default() -> Self {
        Self {
            gpu: false,
            colormap: Colormap::Viridis,
            scale: Scale::Linear,
            aspect_lock: false,
            full_range: false,
            complex: ComplexPart::Amplitude,
        }
    }
}

/// Which part of complex values the views show (amplitude, phase, real,
/// imaginary); phase comes with the cyclic colormap, and leaves it again.
pub fn complex_part_ui(ui: &mut egui::Ui, look: &mut ImageSettings, info: &DatasetInfo) {
    if !info.dtype.is_complex() {
        return;
    }
    let before = look.complex;
    let combo = egui::ComboBox::from_id_salt("complex-part")
        .selected_text(look.complex.name())
        .show_ui(ui, |ui| {
            for p in ComplexPart::ALL {
                ui.selectable_value(&mut look.complex, p, p.name());
            }
        });
    crate::ui::report::widget(ui.ctx(), "combo:Part", combo.response.rect);
    if look.complex != before {
        if look.complex == ComplexPart::Phase {
            look.colormap = Colormap::Cyclic;
        } else if before == ComplexPart::Phase && look.colormap.is_cyclic() {
            look.colormap = Colormap::default();
        }
    }
}

/// Writes an export to the path chosen.
type Writer = dyn FnOnce(&std::path::Path) -> Result<(), crate::plot::export::ExportError> + Send;

/// Key of the views' save dialog (see `ui::file_dialog`).
const EXPORT_DIALOG: &str = "viewer export";

/// A picture or table a view exports: waiting for its save dialog, then
/// written on a background task.
#[derive(Default)]
pub struct Exports {
    running: Option<crate::runtime::TaskHandle<Option<String>>>,
    /// Waiting for its save dialog: its title and writer.
    pending: Option<(String, Box<Writer>)>,
}

impl Exports {
    /// Ask where to save, then write the file with `write` in the background.
    pub fn start(
        &mut self,
        ctx: &egui::Context,
        title: &str,
        default_name: String,
        ext: &'static str,
        write: impl FnOnce(&std::path::Path) -> Result<(), crate::plot::export::ExportError>
        + Send
        + 'static,
    ) {
        if self.running.is_some() || self.pending.is_some() {
            return;
        }
        self.pending = Some((title.to_owned(), Box::new(write)));
        file_dialog::request(
            ctx,
            EXPORT_DIALOG,
            file_dialog::Request::new(title, file_dialog::Mode::Save(default_name))
                .filter(&ext.to_uppercase(), &[ext]),
        );
    }

    /// The save dialog answered: write there (a cancelled dialog writes
    /// nothing and says nothing); a finished export says where it went.
    pub fn poll(&mut self, ctx: &egui::Context, state: &AppState, out: &mut Vec<Command>) {
        if let Some(answer) = file_dialog::take_answer(ctx, EXPORT_DIALOG)
            && let Some((title, write)) = self.pending.take()
            && let file_dialog::Answer::Picked(path) = answer
        {
            self.running = Some(state.tasks().spawn(&title, move |_| async move {
                write(&path).map(|()| Some(path.display().to_string()))
            }));
        }
        match crate::runtime::TaskHandle::take_ready(&mut self.running) {
            Some(Ok(Some(path))) => out.push(
                ShellCommand::Notify {
                    level: crate::state::Level::Info,
                    title: "Exported".into(),
                    detail: path,
                }
                .into(),
            ),
            Some(Ok(None)) | None => {}
            Some(Err(e)) => out.push(
                ShellCommand::Notify {
                    level: crate::state::Level::Error,
                    title: "Export failed".into(),
                    detail: e.to_string(),
                }
                .into(),
            ),
        }
    }
}

/// With `PANORAMA_REPORT_PLOTTED=1` (the time-to-window benchmark): print
/// `PANORAMA_PLOTTED` on the frame after the first one that drew a plot with
/// its data (so that frame has reached the screen), then close the window.
pub fn report_plotted(ui: &egui::Ui) {
    use std::sync::atomic::{AtomicU8, Ordering};
    // 0: nothing drawn yet, 1: the first plot was drawn, 2: reported.
    static STAGE: AtomicU8 = AtomicU8::new(0);
    if std::env::var_os("PANORAMA_REPORT_PLOTTED").is_none() {
        return;
    }
    let ctx = ui.ctx();
    match STAGE.load(Ordering::SeqCst) {
        0 => {
            STAGE.store(1, Ordering::SeqCst);
            ctx.request_repaint();
        }
        1 if ctx.cumulative_pass_nr() > 0 => {
            STAGE.store(2, Ordering::SeqCst);
            use std::io::Write;
            let mut out = std::io::stdout();
            let _ = writeln!(out, "PANORAMA_PLOTTED");
            let _ = out.flush();
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::registry;
    use crate::data::{DType, DatasetInfo};

    fn info(shape: &[u64], numeric: bool) -> DatasetInfo {
        let dtype = if numeric {
            DType::Float {
                bytes: 4,
                big_endian: false,
            }
        } else {
            DType::Str {
                fixed: None,
                utf8: true,
            }
        };
        DatasetInfo::plain(shape, dtype)
    }

    fn offered(info: &DatasetInfo) -> Vec<&'static str> {
        registry()
            .iter()
            .filter(|v| v.supports(info, &[], None))
            .map(|v| v.title())
            .collect()
    }

    #[test]
    fn ambiguous_data_offers_alternatives() {
        assert_eq!(offered(&info(&[], true)), ["Value"]);
        assert_eq!(offered(&info(&[10], true)), ["Line", "Table"]);
        assert_eq!(offered(&info(&[4, 5], true)), ["Image", "Line", "Table"]);
        assert_eq!(offered(&info(&[3, 4, 5], true)), ["Stack", "Line", "Table"]);
        assert_eq!(offered(&info(&[3], false)), ["Table"]);
        assert_eq!(offered(&info(&[], false)), ["Value"]);
    }

    /// Three numbers a pixel are a colour image only when the dataset says
    /// so; then the RGB view comes first.
    #[test]
    fn a_colour_image_opens_in_the_rgb_view() {
        let says = crate::data::Attribute {
            name: "interpretation".into(),
            dtype: DType::Str {
                fixed: None,
                utf8: true,
            },
            shape: vec![],
            value: Ok(crate::data::Value {
                shape: vec![],
                data: crate::data::Data::Str(vec!["rgb-image".into()]),
            }),
        };
        let rgb = info(&[4, 5, 3], true);
        let views: Vec<&str> = registry()
            .iter()
            .filter(|v| v.supports(&rgb, std::slice::from_ref(&says), None))
            .map(|v| v.title())
            .collect();
        assert_eq!(views, ["RGB", "Stack", "Line", "Table"]);
        assert_eq!(offered(&rgb), ["Stack", "Line", "Table"]);
    }

    #[test]
    fn every_view_has_its_own_name() {
        let mut titles: Vec<&str> = registry().iter().map(|v| v.title()).collect();
        let n = titles.len();
        titles.sort_unstable();
        titles.dedup();
        assert_eq!(titles.len(), n);
    }
}
