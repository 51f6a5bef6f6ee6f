//! The guided tour's window: the steps of [`crate::state::tour`], each
//! ticked when the state says it is done, and a highlight around the control
//! the current step uses (found by its name in the window's report).

use crate::command::Command;
use crate::state::AppState;
use crate::state::tour::{STEPS, TourCommand};

/// Draw the tour (when open) and the highlight of its current step.
pub fn show(ctx: &egui::Context, state: &AppState, out: &mut Vec<Command>) {
    let tour = &state.tour;
    if !tour.open {
        return;
    }
    let current = tour.current();
    // Bottom left to start with, over the end of the Files list; it can be
    // dragged away or collapsed.
    let screen = ctx.content_rect();
    egui::Window::new("Guided tour")
        .pivot(egui::Align2::LEFT_BOTTOM)
        .default_pos(egui::pos2(screen.left() + 16.0, screen.bottom() - 40.0))
        .constrain(true)
        .collapsible(true)
        .resizable(false)
        .default_width(330.0)
        .show(ctx, |ui| {
            ui.set_max_width(330.0);
            ui.label(
                "Your first open dataset, step by step: each step is ticked when you have done it.",
            );
            ui.add_space(6.0);
            for (i, step) in STEPS.iter().enumerate() {
                let done = tour.ticked.get(i).copied().unwrap_or(false);
                if done {
                    ui.label(format!("✔ {}", step.title));
                } else if Some(i) == current {
                    ui.strong(format!("▶ {}", step.title));
                    ui.indent(("tour task", i), |ui| ui.label(step.task));
                } else {
                    ui.weak(format!("○ {}", step.title));
                }
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if tour.finished() {
                    ui.label("All done: you answered the workshop's questions.");
                    if super::report::named(ui.button("Finish tour"), "button:Finish tour")
                        .clicked()
                    {
                        out.push(TourCommand::Close.into());
                    }
                } else {
                    if super::report::named(ui.button("Show me"), "button:Show me").clicked() {
                        out.push(TourCommand::ShowStep.into());
                    }
                    if super::report::named(ui.button("Skip tour"), "button:Skip tour").clicked() {
                        out.push(TourCommand::Close.into());
                    }
                }
            });
            ui.weak("Reopen it from the command palette (Ctrl+K): Guided tour.");
        });
    // The control to use, outlined above everything else.
    let Some(step) = current.and_then(|i| STEPS.get(i)) else {
        return;
    };
    let Some([l, t, r, b]) = super::report::get(ctx).widgets.get(step.target).copied() else {
        return;
    };
    let rect = egui::Rect::from_min_max(egui::pos2(l, t), egui::pos2(r, b)).expand(3.0);
    super::report::widget(ctx, "tour:outline", rect);
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::new("tour highlight"),
    ));
    let colour = ctx.global_style().visuals.selection.bg_fill;
    painter.rect_stroke(
        rect,
        4.0,
        egui::Stroke::new(2.5, colour),
        egui::StrokeKind::Outside,
    );
}
