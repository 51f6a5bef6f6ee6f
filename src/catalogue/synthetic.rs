//! Synthetic catalogue records, the same on every machine: the offline
//! index's benchmark and tests search them.

/// A deterministic stream of pseudo-random numbers (no dependency, same
/// records on every machine).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).unwrap_or(0) % n.max(1)
    }
}

pub const FACILITIES: [&str; 8] = [
    "ESRF", "PSI", "HZDR", "DESY", "ESS", "ILL", "ISIS", "Diamond",
];
pub const TECHNIQUES: [&str; 8] = [
    "powder diffraction",
    "small-angle scattering",
    "X-ray fluorescence",
    "reflectometry",
    "tomography",
    "spectroscopy",
    "crystallography",
    "inelastic scattering",
];
pub const SAMPLES: [&str; 12] = [
    "lysozyme",
    "basalt",
    "graphene",
    "perovskite",
    "silicon",
    "zeolite",
    "cellulose",
    "magnetite",
    "insulin",
    "quartz",
    "polymer film",
    "lithium anode",
];
pub const PROJECTS: [&str; 10] = [
    "Aurora", "Borealis", "Cascade", "Delta", "Ember", "Fjord", "Glacier", "Horizon", "Iris",
    "Juniper",
];
pub const PEOPLE: [&str; 10] = [
    "Schmidt, Maja",
    "Dubois, Sami",
    "Rossi, Elena",
    "Novak, Petr",
    "Larsen, Ingrid",
    "Okafor, Chidi",
    "Tanaka, Yui",
    "García, Lucía",
    "Müller, Jonas",
    "Kowalski, Anna",
];

/// `n` synthetic catalogue records for the offline-index benchmark.
pub fn synthetic_records(n: usize) -> Vec<super::Dataset> {
    let mut r = Lcg(42);
    (0..n)
        .map(|i| {
            let technique = TECHNIQUES[r.next(TECHNIQUES.len())];
            let sample = SAMPLES[r.next(SAMPLES.len())];
            let project = PROJECTS[r.next(PROJECTS.len())];
            let facility = FACILITIES[r.next(FACILITIES.len())];
            super::Dataset {
                id: format!("bench-{i}"),
                title: format!("{technique} of {sample}, {project} beamtime, run {i}"),
                creators: (0..=r.next(3))
                    .map(|_| super::Creator {
                        name: PEOPLE[r.next(PEOPLE.len())].into(),
                        orcid: None,
                        affiliations: vec![facility.into()],
                    })
                    .collect(),
                pid: Some(format!("10.5555/bench.{i}")),
                description: Some(format!(
                    "Measurements of {sample} by {technique} at {facility}, project {project}."
                )),
                facility: Some(facility.into()),
                technique: Some(technique.into()),
                project: Some(project.into()),
                sample: Some(sample.into()),
                created: Some(format!(
                    "20{:02}-0{}-1{}",
                    10 + r.next(15),
                    1 + r.next(9),
                    r.next(9)
                )),
                keywords: vec![sample.into(), technique.into()],
                sources: vec!["bench".into()],
                ..Default::default()
            }
        })
        .collect()
}
