//! Colour images stored as data (HDF5 true-colour images, NeXus
//! `rgb-image`/`rgba-image`), drawn in their own colours rather than as a
//! stack of three planes, with a readout of each pixel's channels.

use std::sync::Arc;

use super::image::{Hover, ImageData, Pixels, image_ui, place_readout};
use super::{View, ViewCx};
use crate::data::nexus::DefaultPlot;
use crate::data::{Attribute, DatasetInfo, Selection};
use crate::plot::rgb::{self, RgbLayout};
use crate::state::ValueKey;

/// The texture of the image shown, and what it was made from.
struct Shown {
    key: ValueKey,
    layout: RgbLayout,
    texture: egui::TextureHandle,
    pixels: Arc<Vec<[u8; 4]>>,
}

#[derive(Default)]
pub struct RgbView {
    shown: Option<Shown>,
    readout: Option<String>,
}

impl View for RgbView {
    fn title(&self) -> &'static str {
        "RGB"
    }

    fn supports(
        &self,
        info: &DatasetInfo,
        attrs: &[Attribute],
        _plot: Option<&DefaultPlot>,
    ) -> bool {
        rgb::layout(info, attrs).is_some()
    }

    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewCx<'_>) {
        let Some(layout) = rgb::layout(cx.info, &cx.entity.attributes) else {
            return;
        };
        let key = cx.key(Selection::all());
        let Some(value) = cx.ready(ui, &key) else {
            return;
        };
        if self
            .shown
            .as_ref()
            .is_none_or(|s| s.key != key || s.layout != layout)
        {
            let Some(px) = rgb::pixels(&value, layout) else {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    "The values do not fit the colour image's shape.",
                );
                return;
            };
            let flat: Vec<u8> = px.iter().flatten().copied().collect();
            let image =
                egui::ColorImage::from_rgba_unmultiplied([layout.width, layout.height], &flat);
            let texture = ui.ctx().load_texture(
                format!("rgb {} {}", cx.target.doc, cx.target.path),
                image,
                egui::TextureOptions::NEAREST,
            );
            self.shown = Some(Shown {
                key,
                layout,
                texture,
                pixels: Arc::new(px),
            });
        }
        let Some(s) = &self.shown else {
            return;
        };
        *cx.shown_slice = Some((Selection::all(), false));
        if ui.button("Export PNG…").clicked() {
            let (w, h) = (layout.width, layout.height);
            let rgba: Vec<u8> = s.pixels.iter().flatten().copied().collect();
            cx.export_png(ui.ctx(), w, h, rgba);
        }
        // Pixel geometry for the plot: one unit per pixel, row 0 at the top
        // (a picture's first row is its top line).
        let geometry = ImageData {
            pixels: value,
            width: layout.width,
            height: layout.height,
            x_range: (0.0, layout.width as f64),
            y_range: (layout.height as f64, 0.0),
            x_label: "x (pixel)".into(),
            y_label: "y (pixel)".into(),
            stride: 1,
            read_step: (1, 1),
            full_height: layout.height,
            full_width: layout.width,
        };
        let id = egui::Id::new(("rgb", &cx.target.path));
        let readout_h = 20.0;
        let size = egui::vec2(
            ui.available_width().max(100.0),
            (ui.available_height() - readout_h).max(100.0),
        );
        let mut hover: Option<Hover> = None;
        ui.allocate_ui(size, |ui| {
            hover = image_ui(
                ui,
                id,
                "rgb",
                &geometry,
                Pixels::Texture(&s.texture),
                super::image::Placement {
                    aspect_lock: true,
                    link: None,
                },
                None,
            );
            super::report_plotted(ui);
        });
        if let Some(h) = hover {
            let [r, g, b, a] = s.pixels[h.row * layout.width + h.col];
            let alpha = if layout.channels == 4 {
                format!("   A = {a}")
            } else {
                String::new()
            };
            self.readout = Some(format!(
                "{}   R = {r}   G = {g}   B = {b}{alpha}",
                place_readout(&geometry, h)
            ));
        }
        ui.weak(
            self.readout
                .clone()
                .unwrap_or_else(|| "Hover the image to read its colours.".into()),
        );
    }

    fn reset(&mut self) {
        self.shown = None;
        self.readout = None;
    }

    fn values_changed(&mut self) {
        self.shown = None;
    }
}
