"""Put the NeXus definitions (NXDL, LGPL-3.0-or-later, by the NeXus
International Advisory Committee) into a folder for Panorama's NeXus
validation. They are taken from the PyPI `pynxtools` package, which ships them.

    python fetch_nxdl.py target/nxdl
"""
import glob
import os
import subprocess
import sys
import tempfile
import zipfile

VERSION = "0.16.0"


def main(dest):
    os.makedirs(dest, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
             "--no-deps", "-d", tmp, f"pynxtools=={VERSION}"],
            check=True,
        )
        wheel = zipfile.ZipFile(glob.glob(os.path.join(tmp, "pynxtools-*.whl"))[0])
        count = 0
        for name in wheel.namelist():
            parts = name.split("/")
            if (len(parts) == 4 and parts[:2] == ["pynxtools", "definitions"]
                    and parts[2] in ("applications", "base_classes", "contributed_definitions")
                    and parts[3].endswith(".nxdl.xml")):
                os.makedirs(os.path.join(dest, parts[2]), exist_ok=True)
                with open(os.path.join(dest, parts[2], parts[3]), "wb") as f:
                    f.write(wheel.read(name))
                count += 1
            elif name.endswith("LICENSES/LGPL-3.0-or-later.txt"):
                with open(os.path.join(dest, "LICENSE-LGPL-3.0-or-later.txt"), "wb") as f:
                    f.write(wheel.read(name))
        with open(os.path.join(dest, "NOTICE"), "w") as f:
            f.write("NeXus definitions (NXDL), Copyright (C) 2008- NeXus International Advisory Committee,\n"
                    "licensed under the GNU LGPL 3.0 or later (LICENSE-LGPL-3.0-or-later.txt).\n"
                    f"Taken from the PyPI package pynxtools {VERSION}, which ships them.\n")
    print(f"{count} NXDL files in {dest}")


main(sys.argv[1])
