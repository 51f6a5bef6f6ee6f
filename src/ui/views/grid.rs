//! Images compared side by side: the image the view shows and up to three
//! more (from any open file, added with **Compare with the image shown**
//! in the Files panel), in a grid whose zoom and pan, slice and colour
//! range are linked (each link on or off), with the difference A − B of
//! the first two when their shapes agree. Which images are compared lives
//! in the documents slice ([`crate::state::documents::CompareCommand`]).

use std::sync::Arc;

use super::ViewCx;
use super::dims::Slicing;
use super::image::ImagePane;
use crate::command::DocumentsCommand;
use crate::data::{Data, DatasetInfo, Selection, Value};
use crate::plot::prepare;
use crate::state::documents::CompareCommand;
use crate::state::{Requested, Target, ValueKey};

/// Which parts of the images move together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Links {
    pub zoom: bool,
    pub colours: bool,
    pub slice: bool,
}

impl Default for Links {
    fn default() -> Self {
        Self {
            zoom: true,
            colours: true,
            slice: true,
        }
    }
}

/// One image compared: what it is, how it is drawn, its own slice (used
/// while the slice is not linked).
struct Cell {
    target: Target,
    pane: ImagePane,
    slicing: Slicing,
}

/// The difference of the first two images, once computed.
struct Difference {
    a: Arc<Value>,
    b: Arc<Value>,
    /// The difference and its symmetric colour range, or why there is none.
    result: Result<(Arc<Value>, (f64, f64)), String>,
    /// Counts the differences computed, so a new one is coloured anew.
    generation: u64,
}

/// The grid of an image view.
#[derive(Default)]
pub struct Grid {
    cells: Vec<Cell>,
    diff_pane: ImagePane,
    difference: Option<Difference>,
    /// Show A − B.
    pub show_difference: bool,
    pub links: Links,
    /// The colour range all images shared last frame.
    common: Option<(f64, f64)>,
}

/// The plots of a grid whose zoom and pan are linked.
fn link_group() -> egui::Id {
    egui::Id::new("image-grid-link")
}

impl Grid {
    /// Whether other images are compared with the one shown (the view
    /// then draws the grid).
    pub fn active(cx: &ViewCx<'_>) -> bool {
        cx.state.documents.compared.iter().any(|t| t != cx.target)
    }

    /// The values were read again: so is every image of the grid.
    pub fn values_changed(&mut self) {
        for c in &mut self.cells {
            c.pane.values_changed();
        }
        self.diff_pane.values_changed();
        self.difference = None;
    }

    /// The links, A − B and the list of images compared, above the grid.
    fn toolbar_ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewCx<'_>) {
        ui.horizontal_wrapped(|ui| {
            ui.label("Link:");
            for (on, name, hint) in [
                (
                    &mut self.links.zoom,
                    "Zoom and pan",
                    "Zoom and pan every image together",
                ),
                (
                    &mut self.links.colours,
                    "Colours",
                    "Colour every image over one range",
                ),
                (
                    &mut self.links.slice,
                    "Slice",
                    "Show the same frame of every stack",
                ),
            ] {
                let r = ui.checkbox(on, name).on_hover_text(hint);
                crate::ui::report::widget(ui.ctx(), &format!("checkbox:{name}"), r.rect);
            }
            ui.separator();
            let r = ui
                .checkbox(&mut self.show_difference, "A − B")
                .on_hover_text("The difference of the first two images, pixel by pixel");
            crate::ui::report::widget(ui.ctx(), "checkbox:A − B", r.rect);
            ui.separator();
            // Lettered as the cells are: the image shown is A.
            let others = cx
                .state
                .documents
                .compared
                .iter()
                .enumerate()
                .filter(|(_, t)| *t != cx.target);
            for (k, (i, t)) in others.enumerate() {
                ui.weak(format!("{}: {}", letter(k + 1), cx.name_of(t)));
                if ui
                    .small_button("Remove")
                    .on_hover_text("Stop comparing this image")
                    .clicked()
                {
                    cx.out
                        .push(DocumentsCommand::Compare(CompareCommand::Remove(i)).into());
                }
            }
            if ui
                .small_button("Close the grid")
                .on_hover_text("Show only the image selected")
                .clicked()
            {
                cx.out
                    .push(DocumentsCommand::Compare(CompareCommand::Clear).into());
            }
        });
    }

    /// Draw the image the view shows (`main`, its `selection` with axes
    /// `shown`) and the images compared with it.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut ViewCx<'_>,
        main: &mut ImagePane,
        selection: Selection,
        shown: (usize, usize),
    ) {
        self.sync(cx);
        self.toolbar_ui(ui, cx);
        let n = 1 + self.cells.len() + usize::from(self.show_difference);
        let cols = if n > 1 { 2 } else { 1 };
        let rows = n.div_ceil(cols);
        #[allow(clippy::cast_precision_loss)]
        let cell = egui::vec2(
            (ui.available_width() / cols as f32 - 8.0).max(160.0),
            (ui.available_height() / rows as f32 - 8.0).max(160.0),
        );
        let link = self.links.zoom.then(link_group);
        let colours = if self.links.colours {
            self.common
        } else {
            None
        };
        let state = cx.state;
        let mut ranges = Vec::new();
        let mut k = 0;
        let mut place = |ui: &mut egui::Ui, title: &str, draw: &mut dyn FnMut(&mut egui::Ui)| {
            if k % cols == 0 && k > 0 {
                ui.end_row();
            }
            k += 1;
            ui.allocate_ui(cell, |ui| {
                ui.set_min_size(cell);
                ui.vertical(|ui| {
                    ui.strong(title);
                    draw(ui);
                });
            });
        };
        egui::Grid::new("image-grid")
            .spacing(egui::vec2(8.0, 8.0))
            .show(ui, |ui| {
                main.compact = true;
                main.link = link;
                main.range_override = colours;
                main.salt = 0;
                main.name = Some(format!("A: {}", cx.name_of(cx.target)));
                let title = format!("A: {}", cx.name_of(cx.target));
                place(ui, &title, &mut |ui| {
                    main.ui(ui, cx, selection.clone(), shown, None);
                });
                ranges.extend(main.own_range());
                for (i, c) in self.cells.iter_mut().enumerate() {
                    let title = format!("{}: {}", letter(i + 1), cx.name_of(&c.target));
                    c.pane.compact = true;
                    c.pane.link = link;
                    c.pane.range_override = colours;
                    c.pane.salt = i + 1;
                    c.pane.name = Some(title.clone());
                    let linked = self.links.slice;
                    place(ui, &title, &mut |ui| {
                        compared_ui(ui, cx, state, c, linked);
                    });
                    ranges.extend(c.pane.own_range());
                }
                if self.show_difference {
                    let b = self.cells.first().and_then(|c| c.pane.shown_values());
                    let d = difference(&mut self.difference, main.shown_values(), b);
                    let pane = &mut self.diff_pane;
                    let has_b = !self.cells.is_empty();
                    place(ui, "A − B", &mut |ui| match &d {
                        Some(Ok((value, range, generation))) => {
                            pane.compact = true;
                            pane.link = link;
                            pane.range_override = Some(*range);
                            // Below zero as much as above: a linear scale.
                            pane.scale_override = Some(crate::plot::Scale::Linear);
                            // Zero grey, below blue, above red.
                            pane.colormap_override = Some(crate::plot::Colormap::Diverging);
                            pane.salt = 4;
                            pane.name = Some("A − B".into());
                            let key = ValueKey {
                                doc: u64::MAX,
                                path: format!("A − B #{generation}"),
                                selection: Selection::all(),
                                part: None,
                            };
                            pane.show(ui, cx, key, value.clone(), shown, None);
                        }
                        Some(Err(why)) => {
                            ui.weak(why);
                        }
                        None if has_b => {
                            ui.spinner();
                        }
                        None => {
                            ui.weak("A − B needs a second image.");
                        }
                    });
                }
            });
        // One range for all, next frame: from the lowest to the highest.
        self.common = ranges
            .into_iter()
            .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
    }

    /// A cell for each image compared, in the order added; the image shown
    /// itself is not compared with itself.
    fn sync(&mut self, cx: &ViewCx<'_>) {
        let wanted: Vec<Target> = cx
            .state
            .documents
            .compared
            .iter()
            .filter(|t| *t != cx.target)
            .cloned()
            .collect();
        let mut old = std::mem::take(&mut self.cells);
        for t in wanted {
            let cell = match old.iter().position(|c| c.target == t) {
                Some(i) => old.swap_remove(i),
                None => Cell {
                    target: t,
                    pane: ImagePane::default(),
                    slicing: Slicing::default(),
                },
            };
            self.cells.push(cell);
        }
    }
}

/// "A", "B", … for the images of the grid.
fn letter(i: usize) -> char {
    char::from(b'A' + u8::try_from(i.min(25)).unwrap_or(0))
}

/// Draw a compared image with a view context of its own (its file, its
/// NeXus axes), on the shared slice or its own (with its sliders).
fn compared_ui(
    ui: &mut egui::Ui,
    cx: &mut ViewCx<'_>,
    state: &crate::state::AppState,
    c: &mut Cell,
    linked: bool,
) {
    let entity = match state.entity(c.target.doc, &c.target.path) {
        Some(Requested::Ready(e)) => e,
        Some(Requested::Failed { error, .. }) => {
            ui.colored_label(ui.visuals().error_fg_color, error);
            return;
        }
        _ => {
            ui.spinner();
            return;
        }
    };
    let Some(info) = entity
        .dataset()
        .filter(|i| prepare::is_image(i) || prepare::is_stack(i))
    else {
        ui.weak("Not an image: only datasets of two axes or more are compared.");
        return;
    };
    let plot = state.plot_for(&c.target);
    let cx_rank = cx.info.shape.len();
    let (mut shown_slice, mut shown_roi) = (None, None);
    let slicing = if linked {
        &mut *cx.slicing
    } else {
        &mut c.slicing
    };
    let mut sub = ViewCx {
        state,
        target: &c.target,
        entity,
        info,
        plot,
        out: &mut *cx.out,
        look: &mut *cx.look,
        shown_slice: &mut shown_slice,
        shown_roi: &mut shown_roi,
        exports: &mut *cx.exports,
        slicing,
    };
    // Its own sliders while the slice is not linked, or when the image
    // shown has no slice to link to.
    if info.shape.len() >= 3 && (!linked || cx_rank < 3) {
        super::dims::image_ui(ui, &mut sub);
    }
    let (selection, shown) = selection_for(info, sub.slicing);
    c.pane.ui(ui, &mut sub, selection, shown, None);
}

/// The frame of `info` at the slice's position (clamped to its shape),
/// with the axes shown.
fn selection_for(info: &DatasetInfo, slicing: &Slicing) -> (Selection, (usize, usize)) {
    let nd = info.shape.len();
    let shown = slicing.image_axes(nd);
    let index: Vec<usize> = (0..nd)
        .map(|a| {
            let n = usize::try_from(info.shape[a]).unwrap_or(1);
            slicing
                .index
                .get(a)
                .copied()
                .unwrap_or(0)
                .min(n.saturating_sub(1))
        })
        .collect();
    (prepare::stack_selection(nd, shown, &index), shown)
}

/// A − B, computed again only when either image changed.
#[allow(clippy::type_complexity)]
fn difference(
    cache: &mut Option<Difference>,
    a: Option<Arc<Value>>,
    b: Option<Arc<Value>>,
) -> Option<Result<(Arc<Value>, (f64, f64), u64), String>> {
    let (a, b) = (a?, b?);
    let fresh = cache
        .as_ref()
        .is_some_and(|d| Arc::ptr_eq(&d.a, &a) && Arc::ptr_eq(&d.b, &b));
    if !fresh {
        let generation = cache.as_ref().map_or(0, |d| d.generation + 1);
        *cache = Some(Difference {
            result: subtract(&a, &b),
            a,
            b,
            generation,
        });
    }
    let d = cache.as_ref()?;
    Some(d.result.clone().map(|(v, r)| (v, r, d.generation)))
}

/// `a − b` pixel by pixel, with a colour range symmetric about zero (the
/// larger of the 0.5 and 99.5 % percentiles' sizes); images of other
/// shapes have no difference.
pub fn subtract(a: &Value, b: &Value) -> Result<(Arc<Value>, (f64, f64)), String> {
    if a.shape != b.shape {
        let dims = |v: &Value| {
            v.shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(" × ")
        };
        return Err(format!(
            "A − B needs images of one shape: A is {}, B is {}.",
            dims(a),
            dims(b)
        ));
    }
    let (Some(x), Some(y)) = (a.to_f64(), b.to_f64()) else {
        return Err("A − B needs numbers.".into());
    };
    let d: Vec<f64> = x.iter().zip(&y).map(|(p, q)| p - q).collect();
    let value = Value::new(a.shape.clone(), Data::F64(d)).map_err(|e| e.to_string())?;
    let r = crate::plot::color_range(&value, crate::plot::Scale::Linear, false).range;
    let m = r.0.abs().max(r.1.abs());
    let m = if m > 0.0 && m.is_finite() { m } else { 1.0 };
    Ok((Arc::new(value), (-m, m)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_difference_is_pixel_by_pixel_on_a_range_symmetric_about_zero() {
        let a = Value::new(vec![2, 2], Data::F64(vec![1.0, 5.0, 3.0, 0.0])).expect("a");
        let b = Value::new(vec![2, 2], Data::I32(vec![2, 1, 3, 4])).expect("b");
        let (d, (lo, hi)) = subtract(&a, &b).expect("difference");
        assert_eq!(d.to_f64(), Some(vec![-1.0, 4.0, 0.0, -4.0]));
        assert!(lo < 0.0 && (lo + hi).abs() < 1e-12);
        let c = Value::new(vec![4], Data::F64(vec![0.0; 4])).expect("c");
        assert!(subtract(&a, &c).expect_err("shapes").contains("2 × 2"));
    }
}
