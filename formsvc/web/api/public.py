"""A case as the public Open311 ``GET requests`` shows it: never a name, a mobile or a story.

Only what the specification needs to follow a request and what cannot identify the worker:
the id, open/closed, the worker-facing status words (``formsvc.case.story``), the service,
the township or department that handles it (never a person), and the dates with the county's
offset. Everything else (name, mobile, description, the other party's name, address, evidence)
stays behind the desk's sign-in. The columns are chosen here, in SQL, so a field added to
``complaints`` later cannot leak through by default.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from wagesafe.localtime import iso_local

from formsvc.case import open311_services, story
from formsvc.case.cases import CLOSED_STATUSES, label_for

COLUMNS = ("c.id, c.status, c.project_code, c.created_at, c.resolved_at, c.assignee_kind, c.assignee_code,"
           " (SELECT MAX(e.at) FROM events e WHERE e.complaint_id = c.id) AS last_event_at")


def _service(row) -> tuple[str, str]:
    code = open311_services.WAGE_PROJECT if row["project_code"] else open311_services.WAGE_OTHER
    name = next(s.name for s in open311_services.BUILT_IN if s.code == code)
    return code, name


def represent(row, registry, config) -> dict:
    """One ``request`` of ``GET requests`` (``row``: the ``COLUMNS`` above, as a mapping)."""
    code, name = _service(row)
    updated = max(filter(None, [row["created_at"], row["last_event_at"], row["resolved_at"]]))
    closed = row["status"] in CLOSED_STATUSES
    expected = "" if closed else iso_local(
        (datetime.fromisoformat(row["created_at"]) + timedelta(days=config.resolve_days)), config.timezone)
    return {
        "service_request_id": str(row["id"]),
        "status": "closed" if closed else "open",
        "status_notes": story.worker_status({"status": row["status"]}, "zh"),
        "service_name": name,
        "service_code": code,
        "agency_responsible": label_for(registry, row["assignee_kind"], row["assignee_code"]),
        "service_notice": "",
        "requested_datetime": iso_local(row["created_at"], config.timezone),
        "updated_datetime": iso_local(updated, config.timezone),
        "expected_datetime": expected,
    }
