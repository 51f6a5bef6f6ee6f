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
                parameters: parameters(i),
                sources: vec!["bench".into()],
                ..Default::default()
            }
        })
        .collect()
}

/// The parameters of synthetic record `i`, in the units facilities write:
/// a photon wavelength in Å or nm (or its energy in keV), a sample
/// temperature in K or °C, a pressure in mbar or Pa; some records lack one.
fn parameters(i: usize) -> Vec<super::Parameter> {
    let mut r = Lcg(i as u64 ^ 0x9e37_79b9_7f4a_7c15);
    #[allow(clippy::cast_precision_loss)]
    let mut uniform = |lo: f64, hi: f64| lo + (hi - lo) * r.next(1_000_000) as f64 / 1e6;
    let p = |name: &str, value: f64, unit: &str| super::Parameter {
        name: name.into(),
        value: serde_json::json!(value),
        unit: unit.into(),
    };
    let wavelength = uniform(0.3, 3.0);
    let temperature = uniform(2.0, 400.0);
    let pressure = uniform(1e-3, 1e3);
    let pick = uniform(0.0, 6.0);
    let photon = match pick {
        x if x < 2.0 => p("wavelength", wavelength, "Å"),
        x if x < 4.0 => p("wavelength", wavelength / 10.0, "nm"),
        x if x < 5.0 => p(
            "photon_energy",
            crate::units::HC_EV_ANGSTROM / wavelength / 1e3,
            "keV",
        ),
        _ => return Vec::new(),
    };
    let mut out = vec![photon];
    out.push(if pick.fract() < 0.5 {
        p("sample_temperature", temperature, "K")
    } else {
        p("sample_temperature", temperature - 273.15, "°C")
    });
    if pick.fract() < 0.3 {
        out.push(p("pressure", pressure, "mbar"));
    } else if pick.fract() < 0.6 {
        out.push(p("pressure", pressure * 100.0, "Pa"));
    }
    out
}
