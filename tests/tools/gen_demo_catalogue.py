"""Write assets/demo/catalogue.json: the four synthetic records in Panorama's
dataset model that link the demo NeXus files shipped in assets/demo (the
bundled catalogue's other records are real answers of real catalogues, in
assets/demo/records). Deterministic (fixed seed).

    target/venv/bin/python tests/tools/gen_demo_catalogue.py assets/demo
"""
import json
import os
import random
import sys

import h5py
import numpy as np

out_dir = sys.argv[1]
rng = random.Random(20261128)

FACILITIES = {
    "ESRF": [("ID11", "X-ray diffraction"), ("ID13", "microfocus diffraction"), ("BM29", "small-angle X-ray scattering")],
    "ILL": [("D22", "small-angle neutron scattering"), ("D17", "neutron reflectometry"), ("IN5", "time-of-flight spectroscopy")],
    "PSI": [("SINQ AMOR", "neutron reflectometry"), ("SLS cSAXS", "small-angle X-ray scattering"), ("SLS TOMCAT", "X-ray tomography")],
    "DESY": [("P10", "X-ray photon correlation spectroscopy"), ("P21.2", "X-ray diffraction"), ("P05", "X-ray tomography")],
    "HZDR": [("ELBE nELBE", "neutron time-of-flight"), ("ROBL", "X-ray absorption spectroscopy"), ("HLD pulsed magnet", "high-field magnetometry")],
    "ISIS": [("OFFSPEC", "neutron reflectometry"), ("LOQ", "small-angle neutron scattering"), ("MARI", "inelastic neutron scattering")],
    "MAX IV": [("BioMAX", "macromolecular crystallography"), ("NanoMAX", "X-ray fluorescence"), ("Balder", "X-ray absorption spectroscopy")],
    "Elettra": [("TwinMic", "X-ray fluorescence"), ("SYRMEP", "X-ray tomography"), ("XRD1", "X-ray diffraction")],
}
PROJECTS = ["Aurora", "Basalt", "Cirrus", "Delta", "Ember", "Fjord", "Glacier", "Halo", "Iris", "Juniper",
            "Kestrel", "Lumen", "Meridian", "Nimbus", "Opal", "Prism", "Quartz", "Rivulet", "Sierra", "Tundra"]
SAMPLES = ["LiFePO4 cathode", "silicon wafer with 25 nm SiO2", "lysozyme crystal", "perovskite thin film",
           "polystyrene latex", "bone biopsy", "steel weld", "graphene oxide membrane", "micellar solution",
           "basalt core", "zeolite powder", "magnetite nanoparticles", "protein in D2O buffer", "Nb3Sn wire"]
FIRST = ["Anna", "Ben", "Chiara", "David", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Katja", "Luis",
         "Maja", "Nils", "Olga", "Pavel", "Rosa", "Sami", "Tara", "Ugo", "Vera", "Wen", "Yusuf", "Zoe"]
LAST = ["Andersson", "Bauer", "Conti", "Dubois", "Eriksen", "Fischer", "García", "Horvat", "Ivanova", "Jensen",
        "Kowalski", "Larsen", "Moreau", "Novak", "Olsen", "Petrov", "Rossi", "Schmidt", "Tanaka", "Urban",
        "Virtanen", "Weber", "Yilmaz", "Zimmermann"]
LICENSES = ["CC-BY-4.0", "CC-BY-4.0", "CC0-1.0", "CC-BY-SA-4.0"]
AFFIL = {"ESRF": "ESRF, Grenoble", "ILL": "Institut Laue-Langevin, Grenoble", "PSI": "Paul Scherrer Institut, Villigen",
         "DESY": "DESY, Hamburg", "HZDR": "Helmholtz-Zentrum Dresden-Rossendorf", "ISIS": "ISIS Neutron and Muon Source",
         "MAX IV": "MAX IV Laboratory, Lund", "Elettra": "Elettra Sincrotrone Trieste"}


def orcid():
    digits = [rng.randint(0, 9) for _ in range(15)]
    digits[0] = 0
    total = 0
    for d in digits:
        total = (total + d) * 2
    check = (12 - total % 11) % 11
    c = "X" if check == 10 else str(check)
    s = "".join(map(str, digits)) + c
    return f"{s[0:4]}-{s[4:8]}-{s[8:12]}-{s[12:16]}"


def person(fac):
    return {"name": f"{rng.choice(LAST)}, {rng.choice(FIRST)}", "orcid": orcid(), "affiliations": [AFFIL[fac]]}


def record(i, fac, inst, tech, project, year, files, params, title=None, sample=None):
    sample = sample or rng.choice(SAMPLES)
    desc = None
    return {
        "id": f"demo-{i:04d}",
        "title": title or f"{tech.capitalize()} of {sample} at {inst}",
        "creators": [person(fac) for _ in range(rng.randint(1, 4))],
        "pid": f"10.5555/panorama-demo.{i:04d}",
        "description": desc or f"Measurements of {sample} by {tech} on {inst} ({fac}), project {project}. Synthetic record of the Panorama demo catalogue.",
        "license": rng.choice(LICENSES),
        "access": {"kind": "open"} if rng.random() > 0.12 else {"kind": "embargoed", "until": f"{year + 3}-06-30"},
        "facility": fac,
        "instrument": inst,
        "technique": tech,
        "project": project,
        "sample": sample,
        "created": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "keywords": [tech, fac, sample.split()[0]],
        "parameters": params,
        "files": files,
        "sources": ["demo"],
    }


def size_of(name):
    return os.path.getsize(os.path.join(out_dir, name))


# Parameters read from the demo files themselves, so nothing is made up twice.
with h5py.File(os.path.join(out_dir, "demo_image2d.nxs")) as f:
    x = f["entry/image/x"][()]
    pixel = float(np.round(abs(x[1] - x[0]), 6))

records = [
    record(1, "HZDR", "ROBL", "X-ray fluorescence imaging", "Aurora", 2024,
           [{"name": "demo_image2d.nxs", "size": size_of("demo_image2d.nxs"), "local": "demo_image2d.nxs"}],
           [{"name": "pixel size", "value": pixel, "unit": "mm"}, {"name": "photon energy", "value": 17.5, "unit": "keV"}],
           title="Ring pattern of a calibrant powder, Aurora beamtime", sample="LaB6 calibrant powder"),
    record(2, "ESRF", "ID13", "X-ray fluorescence", "Aurora", 2024,
           [{"name": "demo_spectrum1d.nxs", "size": size_of("demo_spectrum1d.nxs"), "local": "demo_spectrum1d.nxs"}],
           [{"name": "live time", "value": 120.0, "unit": "s"}, {"name": "photon energy", "value": 21.0, "unit": "keV"}],
           title="Fluorescence spectrum of a geological thin section, Aurora beamtime", sample="basalt thin section"),
    record(3, "DESY", "P10", "X-ray photon correlation spectroscopy", "Cirrus", 2025,
           [{"name": "demo_stack3d.nxs", "size": size_of("demo_stack3d.nxs"), "local": "demo_stack3d.nxs"}],
           [{"name": "frame time", "value": 0.5, "unit": "s"}, {"name": "frames", "value": 24, "unit": ""}],
           title="Moving speckle in a colloidal gel, Cirrus project", sample="silica colloidal gel"),
    record(4, "PSI", "SINQ AMOR", "neutron reflectometry", "Fjord", 2025,
           [{"name": "demo_reflectivity_orso.nxs", "size": size_of("demo_reflectivity_orso.nxs"), "local": "demo_reflectivity_orso.nxs"}],
           [{"name": "Qz min", "value": 0.005, "unit": "1/angstrom"}, {"name": "Qz max", "value": 0.25, "unit": "1/angstrom"}],
           title="Reflectivity of a 250 Å film on silicon, Fjord project", sample="250 Å nickel film on silicon"),
]
with open(os.path.join(out_dir, "catalogue.json"), "w") as fh:
    json.dump({"source": "demo", "license": "CC0-1.0", "records": records}, fh, indent=1, ensure_ascii=False)
print(len(records), "records")
