//! The guided tour: the workshop's first assignment as steps (find a
//! dataset, read who made it and where, its PID, its files; open an image
//! and read its pixel size), on the bundled catalogue's real records and the
//! demo files, so it works offline. Each step is ticked when the app's own
//! state shows it done, never by a timer. Offered once on a first start,
//! skippable, and reopened from the palette (Help: Guided tour).

use super::settings::Setting;
use super::{AppState, Cx, TabKind, UiEffect};

/// One step: what to do, where (the tab and the control the window
/// highlights, by its name in the window's report), and when it is done.
pub struct Step {
    pub title: &'static str,
    /// What to do, in a sentence or two.
    pub task: &'static str,
    pub tab: TabKind,
    /// The control to use, as [`crate::ui`] names it in its report
    /// (`field:search`, `button:Copy PID`, …).
    pub target: &'static str,
    pub done: fn(&AppState) -> bool,
}

/// The dataset page shown, if any.
fn shown(s: &AppState) -> Option<&crate::catalogue::Dataset> {
    s.search.shown_dataset()
}

/// The plot of the object selected in the Files panel, with the selection.
fn selected_plot(s: &AppState) -> Option<(&super::Target, &crate::data::nexus::DefaultPlot)> {
    let target = s.documents.selected.as_ref()?;
    Some((target, s.documents.plot_for(target)?))
}

/// Every plot of an image (two dimensions or more) known for a document.
fn image_plots(s: &AppState, doc: u64) -> Vec<&crate::data::nexus::DefaultPlot> {
    let Some(d) = s.document(doc) else {
        return Vec::new();
    };
    let default = d.default_plot.as_ref().and_then(|p| p.as_ref().ok());
    default
        .into_iter()
        .chain(d.plots.values().filter_map(|p| p.ready()?.as_ref()))
        .filter(|p| p.shape.len() >= 2)
        .collect()
}

pub const STEPS: &[Step] = &[
    Step {
        title: "Search for a dataset",
        task: "Type hydrogen in the search box and press Enter. The bundled catalogue \
               of real records answers, also offline.",
        tab: TabKind::Search,
        target: "field:search",
        done: |s| {
            s.search
                .query
                .as_deref()
                .is_some_and(|q| !q.trim().is_empty())
                && !s.search.results.is_empty()
        },
    },
    Step {
        title: "Open a dataset's page",
        task: "Click a result, for example \"Dataset for Direct Evidence for Solid-Like \
               Hydrogen…\", to see its page.",
        tab: TabKind::Search,
        target: "search:results",
        done: |s| shown(s).is_some(),
    },
    Step {
        title: "Read its facility, authors and ORCID iDs",
        task: "The page names the publisher or facility and each author; an ORCID iD \
               beside a name identifies the person. Open a record that has one.",
        tab: TabKind::Search,
        target: "search:page",
        done: |s| {
            shown(s).is_some_and(|d| {
                d.facility.is_some() && d.creators.iter().any(|c| c.orcid.is_some())
            })
        },
    },
    Step {
        title: "Copy its PID, and count its files",
        task: "The page lists the files with their sizes and the total. Press Copy PID: \
               the persistent identifier is what you cite.",
        tab: TabKind::Search,
        target: "button:Copy PID",
        done: |s| {
            s.search.copied_pid.as_ref().is_some_and(|pid| {
                shown(s).is_some_and(|d| d.pid.as_ref() == Some(pid) && !d.files.is_empty())
            })
        },
    },
    Step {
        title: "Open an image",
        task: "Search Aurora ring, open the record \"Ring pattern of a calibrant powder\" \
               and press Open beside its file: the viewer shows /entry/image/intensity.",
        tab: TabKind::Search,
        target: "field:search",
        done: |s| selected_plot(s).is_some_and(|(_, p)| p.shape.len() >= 2),
    },
    Step {
        title: "Read its pixel size",
        task: "Click the image's x axis in Files (/entry/image/x): the step between two \
               values, in its units, is the pixel size. The record's page says the same.",
        tab: TabKind::Files,
        target: "files:tree",
        done: |s| {
            s.documents.selected.as_ref().is_some_and(|t| {
                image_plots(s, t.doc).iter().any(|p| {
                    p.axes
                        .iter()
                        .any(|a| a.path == t.path && a.units.is_some() && a.len > 1)
                })
            })
        },
    },
];

/// Whether the tour was offered already (it is offered once, on a first start).
pub const TOUR_SEEN: Setting<bool> = Setting::json("tour.seen");

/// What the tour is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TourCommand {
    /// Open it from the first step (Help: Guided tour).
    Start,
    /// Open it if it was never offered (a first start).
    Offer,
    /// Bring the current step's tab to the front.
    ShowStep,
    /// Close it (skip, or done); it can be reopened.
    Close,
}

/// The tour: open or not, and which steps are done.
#[derive(Debug, Default)]
pub struct TourState {
    pub open: bool,
    /// One per [`STEPS`]; once ticked, a step stays ticked.
    pub ticked: Vec<bool>,
}

impl TourState {
    pub fn apply(&mut self, command: TourCommand, cx: &mut Cx<'_>) -> Vec<UiEffect> {
        match command {
            TourCommand::Offer if cx.load(&TOUR_SEEN) == Some(true) => Vec::new(),
            TourCommand::Start | TourCommand::Offer => {
                self.open = true;
                self.ticked = vec![false; STEPS.len()];
                cx.save(&TOUR_SEEN, &true);
                vec![UiEffect::ShowTab(STEPS[0].tab)]
            }
            TourCommand::ShowStep => self
                .current()
                .map(|i| vec![UiEffect::ShowTab(STEPS[i].tab)])
                .unwrap_or_default(),
            TourCommand::Close => {
                self.open = false;
                Vec::new()
            }
        }
    }

    /// The first step not done yet; `None` when all are (or it is closed).
    pub fn current(&self) -> Option<usize> {
        if !self.open {
            return None;
        }
        (0..STEPS.len()).find(|&i| !self.ticked.get(i).copied().unwrap_or(false))
    }

    /// Every step done.
    pub fn finished(&self) -> bool {
        self.ticked.len() == STEPS.len() && self.ticked.iter().all(|t| *t)
    }

    /// Tick the steps that `done` says are done now (one entry per step,
    /// in order: a step is ticked only once those before it are).
    pub(super) fn observe(&mut self, done: &[bool]) {
        if !self.open {
            return;
        }
        self.ticked.resize(STEPS.len(), false);
        for i in 0..STEPS.len() {
            if !self.ticked[i] {
                if !done.get(i).copied().unwrap_or(false) {
                    return;
                }
                self.ticked[i] = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_tick_in_order_and_stay_ticked() {
        let mut t = TourState {
            open: true,
            ticked: vec![false; STEPS.len()],
        };
        let only = |which: &[usize]| -> Vec<bool> {
            (0..STEPS.len()).map(|i| which.contains(&i)).collect()
        };
        // The third is done, but not the first: nothing ticks.
        t.observe(&only(&[2]));
        assert_eq!(t.current(), Some(0));
        t.observe(&only(&[0, 2]));
        assert_eq!(t.current(), Some(1));
        // Done once is done: the first stays ticked when its condition goes;
        // the third was not ticked while the second was open, and is not done now.
        t.observe(&only(&[1]));
        assert_eq!(t.current(), Some(2));
        let all: Vec<bool> = vec![true; STEPS.len()];
        t.observe(&all);
        assert!(t.finished());
        assert_eq!(t.current(), None);
        // A closed tour ticks nothing.
        let mut closed = TourState::default();
        closed.observe(&all);
        assert!(!closed.finished());
    }

    #[test]
    fn every_step_names_a_control_and_says_what_to_do() {
        for s in STEPS {
            assert!(s.target.contains(':'), "{}", s.title);
            assert!(s.task.len() > 20, "{}", s.title);
        }
    }
}
