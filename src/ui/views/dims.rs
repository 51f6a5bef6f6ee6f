//! The dimension mapper (h5web's): which axes of a dataset a view shows,
//! and a slider on every other one. Every view of a dataset shares one
//! [`Slicing`], so the slice chosen stays when moving between views.

use super::ViewCx;
use crate::plot::prepare;

/// The slice the views of one dataset share.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slicing {
    /// The position on every axis (only those not shown are used).
    pub index: Vec<usize>,
    /// The axis a line runs along (the last until picked).
    pub line_axis: Option<usize>,
    /// The axes an image shows as rows and columns (the last two until
    /// picked).
    pub image_axes: Option<(usize, usize)>,
}

impl Slicing {
    /// Another dataset: back to its last axes at position 0.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// The axis of a line, kept inside the dataset's rank.
    pub fn line_axis(&self, nd: usize) -> usize {
        self.line_axis
            .filter(|a| *a < nd)
            .unwrap_or(nd.saturating_sub(1))
    }

    /// The axes of an image, kept inside the dataset's rank.
    pub fn image_axes(&self, nd: usize) -> (usize, usize) {
        self.image_axes
            .filter(|(r, c)| *r < nd && *c < nd && r != c)
            .unwrap_or((nd.saturating_sub(2), nd.saturating_sub(1)))
    }
}

/// A combo box picking one of the dataset's axes; `Some` with the axis
/// picked when it changed.
fn axis_combo(ui: &mut egui::Ui, cx: &ViewCx<'_>, label: &str, current: usize) -> Option<usize> {
    let (info, plot) = (cx.info, cx.plot);
    let mut pick = current;
    ui.label(label);
    // One set per image (a grid shows several).
    let combo = egui::ComboBox::from_id_salt(("dims", label, cx.target.doc, &cx.target.path))
        .selected_text(prepare::axis_name(plot, info, current))
        .show_ui(ui, |ui| {
            for a in 0..info.shape.len() {
                let name = prepare::axis_name(plot, info, a);
                let item = ui.selectable_value(&mut pick, a, &name);
                crate::ui::report::widget(ui.ctx(), &format!("axis:{label}:{name}"), item.rect);
            }
        });
    crate::ui::report::widget(ui.ctx(), &format!("combo:{label}"), combo.response.rect);
    (pick != current).then_some(pick)
}

/// A slider on every axis not in `shown`, named as the axis.
fn sliders_ui(ui: &mut egui::Ui, cx: &mut ViewCx<'_>, shown: &[usize]) {
    let (info, plot) = (cx.info, cx.plot);
    let nd = info.shape.len();
    let index = &mut cx.slicing.index;
    index.resize(nd, 0);
    for a in (0..nd).filter(|a| !shown.contains(a)) {
        let n = usize::try_from(info.shape[a]).unwrap_or(1);
        index[a] = index[a].min(n.saturating_sub(1));
        let name = prepare::axis_name(plot, info, a);
        let slider = ui.add(egui::Slider::new(&mut index[a], 0..=n.saturating_sub(1)).text(&name));
        crate::ui::report::widget(ui.ctx(), &format!("slider:{name}"), slider.rect);
    }
}

/// The axis a line runs along ("X axis", for datasets of two axes or
/// more) and the sliders of the others; the axis shown.
pub fn line_ui(ui: &mut egui::Ui, cx: &mut ViewCx<'_>) -> usize {
    let nd = cx.info.shape.len();
    let mut axis = cx.slicing.line_axis(nd);
    if nd >= 2 {
        ui.horizontal(|ui| {
            if let Some(pick) = axis_combo(ui, cx, "X axis", axis) {
                axis = pick;
            }
        });
    }
    cx.slicing.line_axis = Some(axis);
    sliders_ui(ui, cx, &[axis]);
    axis
}

/// The axes an image shows ("Rows", "Columns"; picking the other shown
/// axis swaps the two) and the sliders of the others; the axes shown.
pub fn image_ui(ui: &mut egui::Ui, cx: &mut ViewCx<'_>) -> (usize, usize) {
    let nd = cx.info.shape.len();
    let mut shown = cx.slicing.image_axes(nd);
    if nd >= 3 {
        ui.horizontal(|ui| {
            if let Some(pick) = axis_combo(ui, cx, "Rows", shown.0) {
                shown = if pick == shown.1 {
                    (shown.1, shown.0)
                } else {
                    (pick, shown.1)
                };
            }
            if let Some(pick) = axis_combo(ui, cx, "Columns", shown.1) {
                shown = if pick == shown.0 {
                    (shown.1, shown.0)
                } else {
                    (shown.0, pick)
                };
            }
        });
    }
    cx.slicing.image_axes = Some(shown);
    sliders_ui(ui, cx, &[shown.0, shown.1]);
    shown
}

#[cfg(test)]
mod tests {
    use super::Slicing;

    #[test]
    fn axes_chosen_for_another_rank_fall_back_to_the_last() {
        let s = Slicing {
            index: vec![],
            line_axis: Some(3),
            image_axes: Some((0, 3)),
        };
        assert_eq!(s.line_axis(2), 1);
        assert_eq!(s.image_axes(3), (1, 2));
        assert_eq!(s.line_axis(5), 3);
        assert_eq!(s.image_axes(4), (0, 3));
        assert_eq!(Slicing::default().line_axis(1), 0);
    }
}
