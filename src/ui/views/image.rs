//! Image (heatmap) view: values coloured through a colormap into a texture
//! once per value/colormap/scale, placed on NeXus axes, with a colorbar and
//! a hover readout of pixel index, axis value and data value.

use std::sync::Arc;

use egui_plot::{Plot, PlotImage, PlotPoint};

use super::{ImageSettings, View, ViewCx};
use crate::data::nexus::DefaultPlot;
use crate::data::{Attribute, DatasetInfo, Selection, Value};
use crate::plot::{Colormap, Scale};
use crate::state::ValueKey;

/// A 2-D dataset as an image on its NeXus axes.
#[derive(Default)]
pub struct ImageView {
    pane: ImagePane,
    grid: super::grid::Grid,
}

impl View for ImageView {
    fn title(&self) -> &'static str {
        "Image"
    }

    fn supports(
        &self,
        info: &DatasetInfo,
        _attrs: &[Attribute],
        _plot: Option<&DefaultPlot>,
    ) -> bool {
        crate::plot::prepare::is_image(info)
    }

    fn toolbar_ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewCx<'_>) {
        super::complex_part_ui(ui, cx.look, cx.info);
        look_toolbar_ui(ui, cx.look);
    }

    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewCx<'_>) {
        let shown = crate::plot::prepare::last_two_axes(cx.info);
        if super::grid::Grid::active(cx) {
            self.grid
                .ui(ui, cx, &mut self.pane, Selection::all(), shown);
        } else {
            self.pane.alone();
            self.pane.ui(ui, cx, Selection::all(), shown, None);
        }
    }

    fn reset(&mut self) {
        self.pane.reset();
    }

    fn values_changed(&mut self) {
        self.pane.values_changed();
        self.grid.values_changed();
    }
}

/// Colormap, scale and aspect, shared by every image view.
pub fn look_toolbar_ui(ui: &mut egui::Ui, look: &mut ImageSettings) {
    egui::ComboBox::from_id_salt("colormap")
        .selected_text(look.colormap.name())
        .show_ui(ui, |ui| {
            for c in Colormap::ALL {
                ui.selectable_value(&mut look.colormap, c, c.name());
            }
        });
    egui::ComboBox::from_id_salt("scale")
        .selected_text(look.scale.name())
        .show_ui(ui, |ui| {
            for s in Scale::ALL {
                ui.selectable_value(&mut look.scale, s, s.name());
            }
        });
    ui.checkbox(&mut look.aspect_lock, "Lock aspect");
}

/// Ids of the images handed to the GPU cache, unique in the process.
static NEXT_IMAGE_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The image last coloured, with what it was coloured with.
struct TexCache {
    key: ValueKey,
    /// The mask applied (its path), and how many pixels it masks.
    mask: Option<(String, usize)>,
    colormap: Colormap,
    scale: Scale,
    image: ImageData,
    /// The values at full resolution as shown (oriented, mask applied):
    /// what the regions of interest measure.
    full: Arc<Value>,
    /// The colour range, how it was chosen and what it leaves out.
    info: crate::plot::ColorRange,
    /// CPU-coloured texture (when the GPU path is off).
    texture: Option<egui::TextureHandle>,
    /// The values as uploaded to the GPU, with the id the GPU cache knows them by.
    gpu: Option<(u64, Arc<crate::data::Value>)>,
    /// The range the CPU texture was coloured over.
    coloured: (f64, f64),
}

/// One image drawn from a selection of the target: coloured (on the GPU or
/// into a texture), placed on its axes, with its colour bar, the note of
/// what its colours span, Export PNG and the hover readout.
#[derive(Default)]
pub struct ImagePane {
    tex: Option<TexCache>,
    readout: Option<String>,
    /// The dataset masking the image (a detector's `pixel_mask`), when
    /// the user chose one; kept from file to file.
    mask: Option<String>,
    /// Regions of interest drawn on the image, kept while the same object
    /// is shown (a scan series browsed with Page Down keeps them).
    rois: super::roi::RoiTools,
    /// The image's values as numbers, for the regions.
    numbers: Option<(Arc<Value>, Arc<Vec<f64>>)>,
    /// In a grid of images: only the picture, its colour bar and readout
    /// (no mask, regions or exports).
    pub compact: bool,
    /// The zoom and pan shared with the other plots of this group.
    pub link: Option<egui::Id>,
    /// The colour range to use instead of the image's own (a grid's
    /// common range, or a difference's symmetric one).
    pub range_override: Option<(f64, f64)>,
    /// The scale to use instead of the one chosen (a difference is
    /// linear: it has values below zero).
    pub scale_override: Option<Scale>,
    /// The colormap to use instead of the one chosen (a difference is
    /// drawn on the diverging map, zero in grey).
    pub colormap_override: Option<Colormap>,
    /// Tells apart the plots of images of the same path (a grid's cells).
    pub salt: usize,
    /// What the image is called in the window's report (a grid's cells).
    pub name: Option<String>,
    /// Every how many rows and columns of the dataset were read, for an
    /// overview of a huge image; `None` when read whole.
    overview: Option<(usize, usize)>,
}

impl ImagePane {
    /// "Mask: no mask | <integer datasets of the frame's shape>" when the image
    /// is a frame of the dataset (its last two axes); the mask chosen, once
    /// read, in the image's orientation.
    fn mask_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut ViewCx<'_>,
        shown: (usize, usize),
    ) -> Option<(String, Arc<Value>)> {
        let (rows, cols) = crate::plot::prepare::last_two_axes(cx.info);
        if !(shown == (rows, cols) || shown == (cols, rows)) || cx.info.shape.len() < 2 {
            return None;
        }
        let frame = (cx.info.shape[rows], cx.info.shape[cols]);
        let doc = cx.target.doc;
        let all = cx.file_objects();
        let candidates: Vec<String> = all.as_deref().map_or_else(Vec::new, |all| {
            crate::plot::prepare::mask_candidates(all, frame)
                .into_iter()
                .filter(|p| *p != cx.target.path)
                .map(str::to_owned)
                .collect()
        });
        if candidates.is_empty() {
            return None;
        }
        ui.horizontal(|ui| {
            ui.label("Mask:");
            let combo = egui::ComboBox::from_id_salt("image-mask")
                .selected_text(self.mask.as_deref().unwrap_or("no mask"))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.mask, None, "no mask");
                    for c in &candidates {
                        ui.selectable_value(&mut self.mask, Some(c.clone()), c);
                    }
                });
            crate::ui::report::widget(ui.ctx(), "combo:Mask", combo.response.rect);
        });
        let path = self.mask.clone().filter(|p| candidates.contains(p))?;
        let key = ValueKey {
            doc,
            path: path.clone(),
            selection: Selection::all(),
            part: None,
        };
        let mut m = cx.fetch(&key).ready().cloned()?;
        if shown.0 > shown.1
            && let Some(t) = m.transposed_2d()
        {
            m = Arc::new(t);
        }
        Some((path, m))
    }

    /// Forget the readout and the regions (another dataset was selected).
    pub fn reset(&mut self) {
        self.readout = None;
        self.rois = super::roi::RoiTools::default();
        self.numbers = None;
    }

    /// Drop the coloured image and what was measured on it (the values
    /// were read again).
    pub fn values_changed(&mut self) {
        self.tex = None;
        self.numbers = None;
        self.rois.values_changed();
    }

    /// Draw `selection` of the target with axes `shown` (rows, columns) of
    /// the dataset; `stack` when it is a frame of a stack (its regions are
    /// then also followed through the frames).
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut ViewCx<'_>,
        selection: Selection,
        shown: (usize, usize),
        stack: Option<super::roi::StackCx>,
    ) {
        *cx.shown_slice = Some((selection.clone(), shown.0 > shown.1));
        // A huge image: an overview, every few rows and columns.
        let (selection, step) = crate::plot::prepare::overview(&cx.info.shape, &selection, shown);
        self.overview = (step != (1, 1)).then_some(step);
        let key = cx.key(selection);
        let Some(mut val) = cx.ready(ui, &key) else {
            return;
        };
        // Rows from a later axis than columns: the read gives them the other way round.
        if shown.0 > shown.1
            && let Some(t) = val.transposed_2d()
        {
            val = Arc::new(t);
        }
        self.show(ui, cx, key, val, shown, stack);
    }

    /// Drawn alone (not in a grid): every control, its own colours.
    pub fn alone(&mut self) {
        self.compact = false;
        self.link = None;
        self.range_override = None;
        self.scale_override = None;
        self.colormap_override = None;
        self.salt = 0;
        self.name = None;
    }

    /// The image's own colour range, once coloured.
    pub fn own_range(&self) -> Option<(f64, f64)> {
        self.tex.as_ref().map(|t| t.info.range)
    }

    /// The values shown (full resolution, oriented as shown, mask applied).
    pub fn shown_values(&self) -> Option<Arc<Value>> {
        self.tex.as_ref().map(|t| t.full.clone())
    }

    /// Draw `val`, the values of `key` as shown (rows × columns).
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut ViewCx<'_>,
        key: ValueKey,
        val: Arc<Value>,
        shown: (usize, usize),
        stack: Option<super::roi::StackCx>,
    ) {
        // Complex values: the stored numbers too, for the readout.
        let raw_key = key.part.is_some().then(|| ValueKey {
            part: None,
            ..key.clone()
        });
        let mask = if self.compact {
            None
        } else {
            self.mask_ui(ui, cx, shown)
        };
        let mut look = *cx.look;
        if let Some(scale) = self.scale_override {
            look.scale = scale;
        }
        if let Some(colormap) = self.colormap_override {
            look.colormap = colormap;
        }
        // On the GPU a colormap or scale change is a uniform write; on the
        // CPU it re-colours the texture.
        let fresh = !matches!(&self.tex, Some(t) if t.key == key
            && t.mask.as_ref().map(|m| &m.0) == mask.as_ref().map(|m| &m.0)
            && (look.gpu || (t.colormap == look.colormap && t.scale == look.scale
                && t.info.percentiles != look.full_range)));
        if fresh {
            let (h, w) = match val.shape.as_slice() {
                [.., h, w] => (*h, *w),
                _ => (1, val.len()),
            };
            // Masked pixels become not-a-number (drawn as such, counted apart).
            let (val, masked) = match mask.as_ref().and_then(|(p, m)| {
                crate::plot::prepare::apply_mask(&val, m).map(|(v, n)| (p, v, n))
            }) {
                Some((p, v, n)) => (Arc::new(v), Some((p.clone(), n))),
                None => (val.clone(), None),
            };
            let mut img = ImageData::from_value(val.clone(), h, w);
            if let Some(step) = self.overview {
                // Placed and read out in the dataset's own pixels.
                let n = |a: usize| {
                    cx.info
                        .shape
                        .get(a)
                        .and_then(|v| usize::try_from(*v).ok())
                        .unwrap_or(1)
                };
                img.read_step = step;
                img.full_height = n(shown.0);
                img.full_width = n(shown.1);
            }
            let info = phase_range(
                crate::plot::color_range(&img.pixels, look.scale, look.full_range),
                key.part,
            );
            let colours = Look {
                colormap: look.colormap,
                scale: look.scale,
                range: info.range,
            };
            let (texture, gpu_values) = if look.gpu {
                let id = NEXT_IMAGE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                (None, Some((id, img.pixels.clone())))
            } else {
                let t = ui.ctx().load_texture(
                    "viewer-image",
                    to_color_image(&img, colours),
                    egui::TextureOptions::NEAREST,
                );
                (Some(t), None)
            };
            self.tex = Some(TexCache {
                key,
                mask: masked,
                colormap: look.colormap,
                scale: look.scale,
                image: img,
                full: val,
                info,
                texture,
                gpu: gpu_values,
                coloured: info.range,
            });
        }
        if let Some(t) = &mut self.tex {
            // On the GPU a new scale or range is a new range only.
            if t.scale != look.scale || t.info.percentiles == look.full_range {
                t.info = phase_range(
                    crate::plot::color_range(&t.image.pixels, look.scale, look.full_range),
                    t.key.part,
                );
            }
            t.colormap = look.colormap;
            t.scale = look.scale;
        }
        // Axes may arrive after the image: place it on them every frame.
        let x_axis = cx.axis_values(shown.1);
        let y_axis = cx.axis_values(shown.0);
        let Some(t) = &mut self.tex else {
            return;
        };
        let (pw, ph) = (t.image.full_width as f64, t.image.full_height as f64);
        t.image.x_range = (0.0, pw);
        t.image.y_range = (0.0, ph);
        t.image.x_label = "x (pixel)".into();
        t.image.y_label = "y (pixel)".into();
        if let Some((x, l)) = x_axis
            && let (Some(&a), Some(&b)) = (x.first(), x.last())
        {
            t.image.x_range = (a, b);
            t.image.x_label = l;
        }
        if let Some((y, l)) = y_axis
            && let (Some(&a), Some(&b)) = (y.first(), y.last())
        {
            t.image.y_range = (a, b);
            t.image.y_label = l;
        }
        if t.image.read_step != (1, 1) {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "Overview of {} × {} pixels: one row in {} and one column in {} read, so it opens without reading it all. Slice it smaller to see each pixel.",
                    t.image.full_height,
                    t.image.full_width,
                    t.image.read_step.0,
                    t.image.read_step.1
                ),
            );
        } else if t.image.stride > 1 {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "Shown at 1/{} resolution: the image is larger than a GPU texture.",
                    t.image.stride
                ),
            );
        }
        // A grid's common range (or a difference's symmetric one) instead
        // of the image's own.
        let mut info = t.info;
        if let Some(r) = self.range_override {
            info.range = r;
        }
        let colours = Look {
            colormap: t.colormap,
            scale: t.scale,
            range: info.range,
        };
        if t.texture.is_some() && t.coloured != info.range {
            t.texture = Some(ui.ctx().load_texture(
                "viewer-image",
                to_color_image(&t.image, colours),
                egui::TextureOptions::NEAREST,
            ));
            t.coloured = info.range;
        }
        let masked = t.mask.clone();
        if !self.compact {
            ui.horizontal_wrapped(|ui| {
                colour_range_note(ui, &info, masked.as_ref(), t.scale, &mut cx.look.full_range);
            });
        }
        if !self.compact {
            ui.horizontal_wrapped(|ui| {
                if ui.button("Export PNG…").clicked() {
                    let img = to_color_image(&t.image, colours);
                    let (w, h) = (img.size[0], img.size[1]);
                    let rgba: Vec<u8> = img
                        .pixels
                        .iter()
                        .flat_map(egui::Color32::to_srgba_unmultiplied)
                        .collect();
                    cx.export_png(ui.ctx(), w, h, rgba);
                }
                if ui
                    .button("Export SVG…")
                    .on_hover_text("The picture on its axes with its colour bar, as SVG")
                    .clicked()
                {
                    let img = to_color_image(&t.image, colours);
                    let rgba: Vec<u8> = img
                        .pixels
                        .iter()
                        .flat_map(egui::Color32::to_srgba_unmultiplied)
                        .collect();
                    let bar: Vec<[u8; 3]> = (0..64)
                        .map(|i| colours.colormap.rgb(f64::from(i) / 63.0))
                        .collect();
                    let (w, h) = (img.size[0], img.size[1]);
                    let (flip_x, flip_y) = t.image.flips();
                    // Left to right and bottom to top, as drawn.
                    let (x0, x1) = t.image.x_range;
                    let (y0, y1) = t.image.y_range;
                    let x_range = if flip_x { (x1, x0) } else { (x0, x1) };
                    let y_range = if flip_y { (y1, y0) } else { (y0, y1) };
                    // Row 0 is drawn at the bottom on an increasing axis.
                    let rgba = if flip_y {
                        rgba
                    } else {
                        rgba.chunks(w * 4).rev().flatten().copied().collect()
                    };
                    let rgba = if flip_x {
                        rgba.chunks(w * 4)
                            .flat_map(|row| {
                                row.chunks(4).rev().flatten().copied().collect::<Vec<u8>>()
                            })
                            .collect()
                    } else {
                        rgba
                    };
                    let (xl, yl) = (t.image.x_label.clone(), t.image.y_label.clone());
                    let bar_range = colours.range;
                    let name = cx.export_name("svg");
                    cx.exports
                        .start(ui.ctx(), "Exporting SVG", name, "svg", move |p| {
                            let svg = crate::plot::export::ImageSvg {
                                width: w,
                                height: h,
                                rgba: &rgba,
                                x_range,
                                y_range,
                                x_label: &xl,
                                y_label: &yl,
                                bar: &bar,
                                bar_range,
                            }
                            .to_svg()?;
                            crate::plot::export::write_text(p, &svg)
                        });
                }
                ui.separator();
                if t.image.read_step == (1, 1) {
                    self.rois.toolbar_ui(ui);
                } else {
                    ui.weak("Regions of interest need every pixel: slice the image to draw them.");
                }
            });
        }
        let readout_h = 20.0;
        // Room for the regions' table and plots under the image, kept
        // while a tool is on so the image does not move under a drag.
        let panel_h = if self.compact || (self.rois.rois.is_empty() && !self.rois.active()) {
            0.0
        } else {
            (ui.available_height() * 0.4).clamp(120.0, 320.0)
        };
        let geometry = super::roi::Geometry::of(&t.image);
        let compact = self.compact;
        let rois = &mut self.rois;
        let id = egui::Id::new(("image", &cx.target.path, self.salt));
        let link = self.link;
        let name = self.name.clone().unwrap_or_else(|| cx.target.path.clone());
        let aspect_lock = cx.look.aspect_lock;
        let mut readout = self.readout.take();
        let mut hover = None;
        ui.horizontal_top(|ui| {
            let w = ui.available_width() - 96.0;
            let h = ui.available_height() - readout_h - panel_h;
            ui.allocate_ui(egui::vec2(w.max(100.0), h.max(100.0)), |ui| {
                let pixels = match (&t.texture, &t.gpu) {
                    (Some(tex), _) => Pixels::Texture(tex),
                    (None, Some((id, values))) => Pixels::Gpu(crate::ui::gpu_image::Draw {
                        id: *id,
                        width: t.image.width,
                        height: t.image.height,
                        values: values.clone(),
                        colormap: t.colormap,
                        scale: t.scale,
                        range: info.range,
                        flip: t.image.flips(),
                        // Placed by the image view, on this frame's transform.
                        placed: egui::Rect::NOTHING,
                    }),
                    (None, None) => return,
                };
                hover = image_ui(
                    ui,
                    id,
                    "image",
                    &t.image,
                    pixels,
                    Placement { aspect_lock, link },
                    (!compact).then_some((rois, geometry)),
                );
                // Each image of the window, for tests: its plot's range
                // (just reported) and its colours.
                let name = name.clone();
                crate::ui::report::update(ui.ctx(), |r| {
                    let entry = crate::ui::report::ImageReport {
                        name,
                        x_range: r.x_range,
                        y_range: r.y_range,
                        colour_range: [info.range.0, info.range.1],
                        scale: colours.scale.name().to_owned(),
                        colormap: colours.colormap.name().to_owned(),
                        frame: r.frame,
                    };
                    r.images.push(entry);
                });
                readout = hover.map(|h| value_readout(&t.image, h));
                super::report_plotted(ui);
            });
            colorbar_ui(ui, colours, &info);
        });
        if let (Some(h), Some(raw_key), Some(text)) = (hover, raw_key, readout.as_mut()) {
            let stride = t.image.stride;
            if let Some(z) = cx
                .fetch(&raw_key)
                .ready()
                .and_then(|raw| complex_at(raw, h.row * stride, h.col * stride, shown.0 > shown.1))
            {
                text.push_str("   ");
                text.push_str(&crate::data::complex_readout(z));
            }
        }
        ui.weak(
            readout
                .clone()
                .unwrap_or_else(|| "Hover the image to read values.".into()),
        );
        self.readout = readout;
        let full = t.full.clone();
        // The first rectangle, in the slice's own order of axes.
        if let [.., height, width] = full.shape.as_slice()
            && !self.compact
            && let Some((r0, r1, c0, c1)) = self.rois.first_rect(*height, *width)
        {
            let u = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
            *cx.shown_roi = Some(if shown.0 > shown.1 {
                [u(c0), u(c1), u(r0), u(r1)]
            } else {
                [u(r0), u(r1), u(c0), u(c1)]
            });
        }
        // Converted to numbers only while there are regions to measure (and
        // every pixel was read).
        if !self.rois.in_use() || self.overview.is_some() || self.compact {
            self.numbers = None;
            crate::ui::report::update(ui.ctx(), |r| r.rois.clear());
        } else if let (Some(numbers), [.., height, width]) = (
            super::roi::numbers(&full, &mut self.numbers),
            full.shape.as_slice(),
        ) {
            let px = super::roi::Pixels {
                values: &numbers,
                height: *height,
                width: *width,
                mask: mask.as_ref(),
            };
            self.rois.panel_ui(ui, cx, &px, stack.as_ref());
        } else {
            crate::ui::report::update(ui.ctx(), |r| r.rois.clear());
        }
    }
}

/// What the colours span and leave out, in words, with one click to the
/// whole range (or back to the percentiles).
fn colour_range_note(
    ui: &mut egui::Ui,
    info: &crate::plot::ColorRange,
    masked: Option<&(String, usize)>,
    scale: Scale,
    full_range: &mut bool,
) {
    let mut parts = Vec::new();
    if info.percentiles {
        parts.push(format!(
            "Colours span the 0.5–99.5 % percentiles, {} to {}",
            short(info.range.0),
            short(info.range.1)
        ));
        if info.clips() {
            parts.push(format!(
                "clipped: the values run from {} to {}",
                short(info.min),
                short(info.max)
            ));
        }
    } else {
        parts.push(format!(
            "Colours span the whole range, {} to {}",
            short(info.range.0),
            short(info.range.1)
        ));
    }
    if info.not_on_scale > 0 {
        let what = if scale == Scale::Log { "≤ 0" } else { "< 0" };
        parts.push(format!(
            "{} values {what} are not shown on the {} scale",
            info.not_on_scale,
            scale.name()
        ));
    }
    let by_mask = masked.map_or(0, |m| m.1);
    if info.invalid > by_mask {
        parts.push(format!(
            "{} values are not numbers (NaN or infinite), shown in magenta",
            info.invalid - by_mask
        ));
    }
    if let Some((path, n)) = masked {
        parts.push(format!("{n} pixels masked by {path}, shown in magenta"));
    }
    if info.gaps > 0 {
        parts.push(format!(
            "{} pixels at the type's largest value (detector gaps) are left out",
            info.gaps
        ));
    }
    ui.weak(parts.join("; "));
    let (label, hint) = if info.percentiles {
        ("Full range", "Colour the whole range of the values")
    } else {
        (
            "Percentiles",
            "Colour the 0.5–99.5 % percentiles (outliers clipped)",
        )
    };
    if ui.small_button(label).on_hover_text(hint).clicked() {
        *full_range = !*full_range;
    }
}

/// Largest texture side; larger images are shown downsampled with a notice.
pub const MAX_SIDE: usize = 8192;

/// An image ready to draw.
pub struct ImageData {
    /// The pixels, row-major (already downsampled when `stride` > 1); the
    /// value read from the file itself when no downsampling was needed.
    pub pixels: std::sync::Arc<crate::data::Value>,
    pub width: usize,
    pub height: usize,
    /// Axis extents (first, last) in data units, or pixel indices.
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub x_label: String,
    pub y_label: String,
    /// Every how many pixels one was kept, when downsampled.
    pub stride: usize,
    /// Every how many rows and columns of the dataset were read (an
    /// overview); (1, 1) when read whole.
    pub read_step: (usize, usize),
    /// The size of the image before any downsampling.
    pub full_height: usize,
    pub full_width: usize,
}

impl ImageData {
    /// The image of a value (its last two axes are `height` × `width`),
    /// shared without a copy unless it must be downsampled.
    pub fn from_value(
        value: std::sync::Arc<crate::data::Value>,
        height: usize,
        width: usize,
    ) -> Self {
        let stride = height.max(width).div_ceil(MAX_SIDE).max(1);
        let (h, w) = (height.div_ceil(stride), width.div_ceil(stride));
        let pixels = if stride == 1 {
            value
        } else {
            let all = value.to_f64().unwrap_or_default();
            let mut v = Vec::with_capacity(h * w);
            for r in (0..height).step_by(stride) {
                for c in (0..width).step_by(stride) {
                    v.push(all.get(r * width + c).copied().unwrap_or(f64::NAN));
                }
            }
            std::sync::Arc::new(crate::data::Value {
                shape: vec![h, w],
                data: crate::data::Data::F64(v),
            })
        };
        Self {
            pixels,
            width: w,
            height: h,
            x_range: (0.0, width as f64),
            y_range: (0.0, height as f64),
            x_label: "x (pixel)".into(),
            y_label: "y (pixel)".into(),
            stride,
            read_step: (1, 1),
            full_height: height,
            full_width: width,
        }
    }

    /// Which axes decrease along the data (x, y): a decreasing axis puts
    /// the first column on the right, or the first row at the top.
    pub fn flips(&self) -> (bool, bool) {
        (
            self.x_range.1 < self.x_range.0,
            self.y_range.1 < self.y_range.0,
        )
    }

    /// The (row, column) of the shown pixels under the plot point (x, y),
    /// if it is on the image; decreasing axes are counted from their end.
    pub fn pixel_at(&self, x: f64, y: f64) -> Option<(usize, usize)> {
        let (x0, x1) = self.x_range;
        let (y0, y1) = self.y_range;
        let fx = (x - x0.min(x1)) / (x1 - x0).abs();
        let fy = (y - y0.min(y1)) / (y1 - y0).abs();
        if !(0.0..1.0).contains(&fx) || !(0.0..1.0).contains(&fy) {
            return None;
        }
        let (flip_x, flip_y) = self.flips();
        let fx = if flip_x { 1.0 - fx } else { fx };
        let fy = if flip_y { 1.0 - fy } else { fy };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let (col, row) = (
            ((fx * self.width as f64) as usize).min(self.width.saturating_sub(1)),
            ((fy * self.height as f64) as usize).min(self.height.saturating_sub(1)),
        );
        Some((row, col))
    }

    /// The pixel at row-major index `i`, as a number.
    pub fn at(&self, i: usize) -> f64 {
        self.pixels.element_f64(i).unwrap_or(f64::NAN)
    }
}

/// How the image is coloured.
#[derive(Clone, Copy, PartialEq)]
pub struct Look {
    pub colormap: Colormap,
    pub scale: Scale,
    pub range: (f64, f64),
}

/// Colour the values into an egui image.
pub fn to_color_image(img: &ImageData, look: Look) -> egui::ColorImage {
    let px = crate::plot::colorize_value(&img.pixels, look.colormap, look.scale, look.range);
    let rgba: Vec<u8> = px.into_iter().flatten().collect();
    egui::ColorImage::from_rgba_unmultiplied([img.width, img.height], &rgba)
}

pub fn colorbar_ui(ui: &mut egui::Ui, look: Look, info: &crate::plot::ColorRange) {
    let (rect, resp) = ui.allocate_exact_size(
        egui::vec2(18.0, ui.available_height().min(320.0)),
        egui::Sense::hover(),
    );
    // Screen readers (and tests) read the range the colours span.
    let range = format!(
        "colour range {} to {}",
        short(look.range.0),
        short(look.range.1)
    );
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Label, true, &range));
    let steps = 64;
    for i in 0..steps {
        let t = i as f32 / steps as f32;
        let rgb = look.colormap.rgb(f64::from(1.0 - t));
        let y0 = rect.top() + t * rect.height();
        let cell = egui::Rect::from_min_max(
            egui::pos2(rect.left(), y0),
            egui::pos2(rect.right(), y0 + rect.height() / steps as f32 + 0.5),
        );
        ui.painter()
            .rect_filled(cell, 0.0, crate::ui::theme::data_rgb(rgb));
    }
    let font = egui::FontId::proportional(11.0);
    let color = ui.visuals().text_color();
    // Ticks where the scale puts them: decades on a log bar, square-root
    // spacing on a sqrt bar; the ends say when values beyond them are clipped.
    let (lo, hi) = (
        look.scale.apply(look.range.0).unwrap_or(0.0),
        look.scale.apply(look.range.1).unwrap_or(1.0),
    );
    let y_of = |v: f64| -> Option<f32> {
        let s = look.scale.apply(v)?;
        #[allow(clippy::cast_possible_truncation)]
        let f = ((s - lo) / (hi - lo)) as f32;
        (f.is_finite() && (0.06..=0.94).contains(&f)).then(|| rect.bottom() - f * rect.height())
    };
    for v in bar_ticks(look.scale, look.range) {
        if let Some(y) = y_of(v) {
            ui.painter().line_segment(
                [
                    egui::pos2(rect.right() - 4.0, y),
                    egui::pos2(rect.right(), y),
                ],
                egui::Stroke::new(1.0, egui::Color32::from_black_alpha(160)),
            );
            ui.painter().text(
                egui::pos2(rect.right() + 4.0, y),
                egui::Align2::LEFT_CENTER,
                short(v),
                font.clone(),
                ui.visuals().weak_text_color(),
            );
        }
    }
    let above = if info.max > look.range.1 { "≥ " } else { "" };
    let below = if info.min < look.range.0 { "≤ " } else { "" };
    ui.painter().text(
        rect.right_top() + egui::vec2(4.0, 0.0),
        egui::Align2::LEFT_TOP,
        format!("{above}{}", short(look.range.1)),
        font.clone(),
        color,
    );
    ui.painter().text(
        rect.right_bottom() + egui::vec2(4.0, 0.0),
        egui::Align2::LEFT_BOTTOM,
        format!("{below}{}", short(look.range.0)),
        font,
        color,
    );
}

/// Tick values inside a colour bar over `range` on `scale`: 1-2-5 steps in
/// the values (placed by the scale), decades on a log bar.
pub fn bar_ticks(scale: crate::plot::Scale, range: (f64, f64)) -> Vec<f64> {
    let (a, b) = range;
    if !(a.is_finite() && b.is_finite() && b > a) {
        return Vec::new();
    }
    match scale {
        crate::plot::Scale::Log if a > 0.0 => {
            #[allow(clippy::cast_possible_truncation)]
            let (k0, k1) = (a.log10().ceil() as i32, b.log10().floor() as i32);
            let decades: Vec<f64> = (k0..=k1).map(|k| 10f64.powi(k)).collect();
            if decades.len() >= 2 {
                decades
            } else {
                (k0 - 1..=k1)
                    .flat_map(|k| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(k)))
                    .filter(|v| (a..=b).contains(v))
                    .collect()
            }
        }
        _ => super::axes::nice_grid(egui_plot::GridInput {
            bounds: (a, b),
            base_step_size: (b - a) / 6.0,
        })
        .into_iter()
        .map(|m| m.value)
        .collect(),
    }
}

/// A number in at most about 8 characters.
pub fn short(v: f64) -> String {
    crate::units::short(v)
}

/// How the pixels reach the screen.
pub enum Pixels<'a> {
    /// Coloured on the CPU into an egui texture.
    Texture(&'a egui::TextureHandle),
    /// Coloured on the GPU by the colormap shader.
    Gpu(crate::ui::gpu_image::Draw),
}

/// The pixel under the pointer: its row and column among the pixels shown,
/// and the plot coordinates there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hover {
    pub row: usize,
    pub col: usize,
    pub x: f64,
    pub y: f64,
}

/// A phase is coloured over the whole circle, −π to π, so the angles
/// either side of ±π (the same direction) get the same colour.
fn phase_range(
    mut info: crate::plot::ColorRange,
    part: Option<crate::data::ComplexPart>,
) -> crate::plot::ColorRange {
    if part == Some(crate::data::ComplexPart::Phase) {
        info.range = (-std::f64::consts::PI, std::f64::consts::PI);
    }
    info
}

/// The complex number at row `r`, column `c` of an image read as `raw`
/// (its axes the other way round when `transposed`).
fn complex_at(raw: &Value, r: usize, c: usize, transposed: bool) -> Option<(f64, f64)> {
    let w = *raw.shape.last()?;
    let (r, c) = if transposed { (c, r) } else { (r, c) };
    match &raw.data {
        crate::data::Data::Complex(v) => v.get(r * w + c).copied(),
        _ => None,
    }
}

/// The readout of a hovered pixel: where it is, and its value in its own
/// type's shortest exact form (a float32 reads as 24.9, not
/// 24.899999618530273).
pub fn value_readout(img: &ImageData, h: Hover) -> String {
    let v = img.pixels.element_text(h.row * img.width + h.col);
    format!("{}   value = {v}", place_readout(img, h))
}

/// Where a hovered pixel is: its index in the dataset and its axis values.
pub fn place_readout(img: &ImageData, h: Hover) -> String {
    let (r, c) = (
        h.row * img.stride * img.read_step.0,
        h.col * img.stride * img.read_step.1,
    );
    format!("pixel [{r}, {c}]   x = {}   y = {}", short(h.x), short(h.y))
}

/// How an image's plot is framed: square pixels, and the group whose
/// zoom and pan it shares.
#[derive(Debug, Clone, Copy, Default)]
pub struct Placement {
    pub aspect_lock: bool,
    pub link: Option<egui::Id>,
}

/// Draw the image and report it as view `view`; returns the pixel under
/// the pointer, if it is over the image.
pub fn image_ui(
    ui: &mut egui::Ui,
    id: egui::Id,
    view: &str,
    img: &ImageData,
    pixels: Pixels<'_>,
    placement: Placement,
    mut rois: Option<(&mut super::roi::RoiTools, super::roi::Geometry)>,
) -> Option<Hover> {
    let Placement { aspect_lock, link } = placement;
    let (x0, x1) = img.x_range;
    let (y0, y1) = img.y_range;
    let center = PlotPoint::new(f64::midpoint(x0, x1), f64::midpoint(y0, y1));
    #[allow(clippy::cast_possible_truncation)]
    let size = egui::vec2((x1 - x0).abs() as f32, (y1 - y0).abs() as f32);
    let plot = Plot::new(id)
        .y_axis_label(img.y_label.clone())
        .allow_double_click_reset(true)
        .show_grid(false)
        .include_x(x0)
        .include_x(x1)
        .include_y(y0)
        .include_y(y1);
    let mut plot = super::axes::readable(plot, img.x_label.clone(), false);
    if aspect_lock {
        plot = plot.data_aspect(1.0);
    }
    if let Some(group) = link {
        plot = plot.link_axis(group, [true, true]);
    }
    // While a region tool is on, a drag draws instead of panning.
    if rois.as_ref().is_some_and(|(r, _)| r.active()) {
        plot = plot.allow_drag(false).allow_double_click_reset(false);
    }
    let texture = match &pixels {
        Pixels::Texture(t) => Some(t.id()),
        Pixels::Gpu(_) => None,
    };
    let resp =
        plot.show(ui, |plot_ui| {
            super::axes::scroll_zooms(plot_ui);
            // Row 0 where the first value of the y axis is (at the bottom for
            // an increasing axis), column 0 where the first x value is.
            if let Some(tex) = texture {
                let (flip_x, flip_y) = img.flips();
                let (u0, u1) = if flip_x { (1.0, 0.0) } else { (0.0, 1.0) };
                let (v0, v1) = if flip_y { (0.0, 1.0) } else { (1.0, 0.0) };
                plot_ui.image(PlotImage::new("image", tex, center, size).uv(
                    egui::Rect::from_min_max(egui::pos2(u0, v0), egui::pos2(u1, v1)),
                ));
            }
            if let Some((rois, geometry)) = rois.as_mut() {
                rois.plot_ui(plot_ui, *geometry);
            }
            // Only over the plot: outside it, the pointer's coordinates can
            // still fall on the (zoomed) image, off screen.
            if plot_ui.response().hovered() {
                plot_ui.pointer_coordinate()
            } else {
                None
            }
        });
    // Where the whole picture lies on screen with this frame's transform
    // (after this frame's zoom and pan): reported, and where the GPU draws.
    let t = &resp.transform;
    let a = t.position_from_point(&PlotPoint::new(x0.min(x1), y0.min(y1)));
    let b = t.position_from_point(&PlotPoint::new(x0.max(x1), y0.max(y1)));
    let placed = egui::Rect::from_two_pos(a, b);
    crate::ui::report::plot(ui.ctx(), view, t);
    crate::ui::report::update(ui.ctx(), |r| {
        r.image_screen = Some([placed.left(), placed.top(), placed.right(), placed.bottom()]);
        r.image_extent = Some([x0, x1, y0, y1]);
    });
    if let Pixels::Gpu(mut draw) = pixels {
        // Drawn only where it is visible.
        draw.placed = placed;
        let visible = placed.intersect(*t.frame());
        if visible.is_positive() {
            ui.painter().with_clip_rect(*t.frame()).add(
                eframe::egui_wgpu::Callback::new_paint_callback(visible, draw),
            );
        }
    }
    if let Some((rois, geometry)) = &rois {
        rois.paint(ui, t, *geometry);
    }
    let p = resp.inner?;
    let (row, col) = img.pixel_at(p.x, p.y)?;
    Some(Hover {
        row,
        col,
        x: p.x,
        y: p.y,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(x: (f64, f64), y: (f64, f64)) -> ImageData {
        let v = crate::data::Value::new(
            vec![2, 3],
            crate::data::Data::F64(vec![0.0, 1.0, 2.0, 10.0, 11.0, 12.0]),
        )
        .expect("value");
        let mut img = ImageData::from_value(std::sync::Arc::new(v), 2, 3);
        img.x_range = x;
        img.y_range = y;
        img
    }

    #[test]
    fn readout_names_the_pixel_under_the_pointer_on_decreasing_axes() {
        // x: 0 → 3 and y: 0 → 2, increasing: row 0 at the bottom, column 0 left.
        let up = image((0.0, 3.0), (0.0, 2.0));
        assert_eq!(up.flips(), (false, false));
        assert_eq!(up.pixel_at(0.5, 0.5), Some((0, 0)));
        assert_eq!(up.pixel_at(2.5, 1.5), Some((1, 2)));
        // x decreasing 3 → 0: column 0 (x = 3) is on the right.
        let down = image((3.0, 0.0), (0.0, 2.0));
        assert_eq!(down.flips(), (true, false));
        assert_eq!(down.pixel_at(2.5, 0.5), Some((0, 0)));
        assert_eq!(down.at(0), 0.0);
        assert_eq!(down.pixel_at(0.5, 0.5), Some((0, 2)));
        // y decreasing too: row 0 at the top.
        let both = image((3.0, 0.0), (2.0, 0.0));
        assert_eq!(both.pixel_at(2.5, 1.5), Some((0, 0)));
        assert_eq!(both.pixel_at(2.5, 0.5), Some((1, 0)));
        assert_eq!(both.pixel_at(5.0, 0.5), None);
    }
}
