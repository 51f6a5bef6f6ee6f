//! The guided tour: the workshop's first assignment as steps (find a
//! dataset, read who made it and where, its PID, its files; open an image
//! and read its pixel size), on the bundled catalogue's real records and the
//! demo files, so it works offline. Each step is ticked when the app's own
//! state shows it done, never by a timer: each step names what in the state
//! witnesses it (the search made, the page shown, the PID copied, the object
//! selected), and ticks when a witness appears that was not there when the
//! tour started, so reopening the tour asks for each step anew. Offered once
//! on a first start, skippable, and reopened from Help or the palette.

use super::settings::Setting;
use super::{AppState, Cx, TabKind, UiEffect};

/// One step: what to do, where (the tab and the control the window
/// highlights, by its name in the window's report), and what in the state
/// shows it done.
pub struct Step {
    pub title: &'static str,
    /// What to do, in a sentence or two.
    pub task: &'static str,
    pub tab: TabKind,
    /// The control to use, as [`crate::ui`] names it in its report
    /// (`field:search`, `button:Copy PID`, …).
    pub target: &'static str,
    /// What in the state shows the step done, if it is: the step ticks when
    /// this is something it was not when the tour started.
    pub witness: fn(&AppState) -> Option<String>,
}

/// The object selected in Files, as a witness.
fn selection(t: &super::Target) -> String {
    format!("{}:{}", t.doc, t.path)
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
        witness: |s| {
            (s.search
                .query
                .as_deref()
                .is_some_and(|q| !q.trim().is_empty())
                && !s.search.results.is_empty())
            .then(|| s.search.generation().to_string())
        },
    },
    Step {
        title: "Open a dataset's page",
        task: "Click a result, for example \"Dataset for Direct Evidence for Solid-Like \
               Hydrogen…\", to see its page.",
        tab: TabKind::Search,
        target: "search:results",
        witness: |s| s.search.shown_dataset().map(crate::catalogue::Dataset::key),
    },
    Step {
        title: "Read its facility, authors and ORCID iDs",
        task: "The page names the publisher or facility and each author; an ORCID iD \
               beside a name identifies the person. Open a record that has one and lists \
               its files, as the hydrogen dataset does.",
        tab: TabKind::Search,
        target: "search:page",
        witness: |s| {
            s.search
                .shown_dataset()
                .filter(|d| {
                    d.facility.is_some()
                        && d.creators.iter().any(|c| c.orcid.is_some())
                        && !d.files.is_empty()
                })
                .map(crate::catalogue::Dataset::key)
        },
    },
    Step {
        title: "Copy its PID, and count its files",
        task: "The page lists the files with their sizes and the total. Press Copy PID: \
               the persistent identifier is what you cite.",
        tab: TabKind::Search,
        target: "button:Copy PID",
        witness: |s| {
            let (pid, n) = s.search.copied_pid.as_ref()?;
            s.search
                .shown_dataset()
                .filter(|d| d.pid.as_ref() == Some(pid) && !d.files.is_empty())
                .map(|_| n.to_string())
        },
    },
    Step {
        title: "Open an image",
        task: "Search Aurora ring, open the record \"Ring pattern of a calibrant powder\" \
               and press Open beside its file: the viewer shows /entry/image/intensity.",
        tab: TabKind::Search,
        target: "field:search",
        witness: |s| {
            let target = s.documents.selected.as_ref()?;
            let plot = s.documents.plot_for(target)?;
            (plot.shape.len() >= 2).then(|| selection(target))
        },
    },
    Step {
        title: "Read its pixel size",
        task: "Click the image's x axis in Files (/entry/image/x): the step between two \
               values, in its units, is the pixel size. The record's page says the same.",
        tab: TabKind::Files,
        target: "files:tree",
        witness: |s| {
            let t = s.documents.selected.as_ref()?;
            image_plots(s, t.doc)
                .iter()
                .any(|p| {
                    p.axes
                        .iter()
                        .any(|a| a.path == t.path && a.units.is_some() && a.len > 1)
                })
                .then(|| selection(t))
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
    /// Each step's witness when the tour started (`None` until the state is
    /// first looked at after a start).
    baseline: Option<Vec<Option<String>>>,
}

impl TourState {
    pub fn apply(&mut self, command: TourCommand, cx: &mut Cx<'_>) -> Vec<UiEffect> {
        match command {
            TourCommand::Offer if cx.load(&TOUR_SEEN) == Some(true) => Vec::new(),
            TourCommand::Start | TourCommand::Offer => {
                self.open = true;
                self.ticked = vec![false; STEPS.len()];
                self.baseline = None;
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

    /// Tick the steps whose witness (one per step) is new since the tour
    /// started, in order: a step is ticked only once those before it are.
    /// The first look after a start only takes the baseline.
    pub(super) fn observe(&mut self, witnesses: Vec<Option<String>>) {
        if !self.open {
            return;
        }
        let Some(baseline) = &self.baseline else {
            self.baseline = Some(witnesses);
            return;
        };
        self.ticked.resize(STEPS.len(), false);
        for i in 0..STEPS.len() {
            if !self.ticked[i] {
                let now = witnesses.get(i).cloned().flatten();
                let before = baseline.get(i).cloned().flatten();
                if now.is_none() || now == before {
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

    fn witnesses(which: &[(usize, &str)]) -> Vec<Option<String>> {
        (0..STEPS.len())
            .map(|i| {
                which
                    .iter()
                    .find(|(j, _)| *j == i)
                    .map(|(_, w)| (*w).to_owned())
            })
            .collect()
    }

    #[test]
    fn steps_tick_in_order_and_stay_ticked() {
        let mut t = TourState {
            open: true,
            ticked: vec![false; STEPS.len()],
            baseline: None,
        };
        t.observe(witnesses(&[]));
        // The third is done, but not the first: nothing ticks.
        t.observe(witnesses(&[(2, "a")]));
        assert_eq!(t.current(), Some(0));
        t.observe(witnesses(&[(0, "search 1"), (2, "a")]));
        assert_eq!(t.current(), Some(1));
        // Done once is done: the first stays ticked when its witness goes;
        // the third was not ticked while the second was open, and is not done now.
        t.observe(witnesses(&[(1, "page")]));
        assert_eq!(t.current(), Some(2));
        let all: Vec<Option<String>> = vec![Some("x".into()); STEPS.len()];
        t.observe(all.clone());
        assert!(t.finished());
        assert_eq!(t.current(), None);
        // A closed tour ticks nothing.
        let mut closed = TourState::default();
        closed.observe(all.clone());
        closed.observe(all);
        assert!(!closed.finished());
    }

    /// What was done before the tour opened does not tick it: the search
    /// already made must be made again (a new witness).
    #[test]
    fn what_was_done_before_the_start_does_not_count() {
        let mut t = TourState {
            open: true,
            ticked: vec![false; STEPS.len()],
            baseline: None,
        };
        let before = witnesses(&[(0, "search 3"), (1, "page")]);
        t.observe(before.clone());
        t.observe(before);
        assert_eq!(t.current(), Some(0), "nothing new yet");
        t.observe(witnesses(&[(0, "search 4"), (1, "page")]));
        assert_eq!(
            t.current(),
            Some(1),
            "a new search ticks; the same page does not"
        );
        t.observe(witnesses(&[(0, "search 4"), (1, "another page")]));
        assert_eq!(t.current(), Some(2));
    }

    #[test]
    fn every_step_names_a_control_and_says_what_to_do() {
        for s in STEPS {
            assert!(s.target.contains(':'), "{}", s.title);
            assert!(s.task.len() > 20, "{}", s.title);
        }
    }
}
