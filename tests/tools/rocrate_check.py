"""Independent check of a Panorama run crate with the PyPI `rocrate` library.

    python rocrate_check.py DIR

Loads DIR as an RO-Crate and checks what the Workflow Run Crate profile asks
for: the main entity is a ComputationalWorkflow that exists in the crate, a
CreateAction names it as instrument with start and end times, and the result
files are in the crate with their sha256. Prints OK or the problems; exit 1
on problems.
"""
import hashlib
import os
import sys

from rocrate.rocrate import ROCrate


def main(path):
    crate = ROCrate(path)
    problems = []
    main = crate.mainEntity
    if main is None or "ComputationalWorkflow" not in main.type:
        problems.append(f"main entity is not a ComputationalWorkflow: {main and main.type}")
    actions = [e for e in crate.get_entities() if e.type == "CreateAction"]
    if len(actions) != 1:
        problems.append(f"expected one CreateAction, found {len(actions)}")
    else:
        a = actions[0]
        if a.get("instrument") is None or a["instrument"].id != main.id:
            problems.append("the CreateAction does not name the workflow as instrument")
        for k in ("startTime", "endTime"):
            if not a.get(k):
                problems.append(f"the CreateAction has no {k}")
        results = a.get("result") or []
        if not isinstance(results, list):
            results = [results]
        if not results:
            problems.append("the CreateAction has no result")
        for r in results + [main]:
            f = os.path.join(path, r.id)
            if not os.path.exists(f):
                problems.append(f"{r.id} is not in the crate")
                continue
            digest = hashlib.sha256(open(f, "rb").read()).hexdigest()
            if r.get("sha256") != digest:
                problems.append(f"{r.id}: sha256 {r.get('sha256')} != {digest}")
    for p in problems:
        print(p)
    print("OK" if not problems else "PROBLEMS")
    sys.exit(1 if problems else 0)


main(sys.argv[1])
