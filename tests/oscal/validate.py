"""Validates the OSCAL documents `riskgraph export oscal` writes, with NIST's schemas as
compliance-trestle models them, then checks that the set is self-consistent.

Usage: python validate.py OUT_DIR

Each of assessment-plan.json, assessment-results.json and plan-of-action-and-milestones.json (the
last only when present) is read with trestle's model, which raises on any field, type, pattern or
cardinality that OSCAL 1.1 does not allow. trestle's models leave out two rules of NIST's JSON
schemas, checked here: no array is empty, and every date and time carries a time zone. Then: no
UUID is defined twice in a document, the results import the plan, every UUID a document refers to (risks, observations, actors, components) is one
it defines or imports, and every finding targets a control the plan reviews. Prints one line per
document and exits 1 on the first problem.
"""

import json
import pathlib
import re
import sys

from trestle.oscal.assessment_plan import AssessmentPlan
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.poam import PlanOfActionAndMilestones

MODELS = {
    "assessment-plan.json": AssessmentPlan,
    "assessment-results.json": AssessmentResults,
    "plan-of-action-and-milestones.json": PlanOfActionAndMilestones,
}


def fail(message):
    print(f"invalid: {message}", file=sys.stderr)
    sys.exit(1)


def walk(node):
    """Every (key, value) pair of a JSON tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


DATE_TIMES = ("last-modified", "published", "start", "end", "collected", "expires", "deadline", "date")
TIME_ZONE = re.compile(r"T\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def schema_rules_trestle_leaves_out(document):
    """The first breach of a schema rule trestle's models do not enforce, else None."""
    for key, value in walk(document):
        if isinstance(value, list) and not value:
            return f"`{key}` is an empty array"
        if key in DATE_TIMES and not (isinstance(value, str) and TIME_ZONE.search(value)):
            return f"`{key}` is `{value}`, not a date and time with a time zone"
    return None


def uuids_defined(document):
    return {value for key, value in walk(document) if key == "uuid"}


def uuids_referenced(document):
    keys = ("risk-uuid", "observation-uuid", "actor-uuid", "component-uuid")
    return {(key, value) for key, value in walk(document) if key in keys}


def control_ids(reviewed):
    return {
        selected["control-id"]
        for selection in reviewed["control-selections"]
        for selected in selection.get("include-controls", [])
    }


def main(folder):
    folder = pathlib.Path(folder)
    documents = {}
    for name, model in MODELS.items():
        path = folder / name
        if not path.exists():
            if name == "plan-of-action-and-milestones.json":
                continue
            fail(f"{path} is missing")
        try:
            parsed = model.oscal_read(path)
        except Exception as error:  # trestle raises pydantic's and its own errors
            fail(f"{path}: {error}")
        if parsed is None:
            fail(f"{path}: trestle could not read it")
        document = json.loads(path.read_text(encoding="utf-8"))
        breach = schema_rules_trestle_leaves_out(document)
        if breach:
            fail(f"{path}: {breach}")
        defined = [value for key, value in walk(document) if key == "uuid"]
        if len(defined) != len(set(defined)):
            fail(f"{path}: a UUID is defined twice")
        documents[name] = document
        print(f"valid OSCAL: {path}")

    plan = documents["assessment-plan.json"]["assessment-plan"]
    results = documents["assessment-results.json"]["assessment-results"]
    href = results["import-ap"]["href"]
    if (folder / href).resolve() != (folder / "assessment-plan.json").resolve():
        fail(f"the results import `{href}`, not the plan beside them")
    if plan["import-ssp"]["href"].lstrip("#") not in uuids_defined(plan["back-matter"]):
        fail("the plan imports a system that its back-matter does not describe")

    reviewed = control_ids(plan["reviewed-controls"])
    for result in results["results"]:
        if control_ids(result["reviewed-controls"]) != reviewed:
            fail(f"result {result['uuid']} reviews other controls than the plan")
        for finding in result.get("findings", []):
            if finding["target"]["target-id"] not in reviewed:
                fail(f"finding {finding['uuid']} targets a control the plan does not review")

    # The results may refer to what the plan they import defines; the POA&M stands alone.
    scopes = {
        "assessment-results.json": uuids_defined(results) | uuids_defined(plan),
        "plan-of-action-and-milestones.json": None,
        "assessment-plan.json": uuids_defined(plan),
    }
    for name, document in documents.items():
        defined = scopes[name] if scopes[name] is not None else uuids_defined(document)
        for key, value in sorted(uuids_referenced(document)):
            if value not in defined:
                fail(f"{name}: {key} {value} refers to nothing")
    print("consistent: the plan, the results and the POA&M refer only to what they define")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1])
