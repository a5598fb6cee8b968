"""A case's money, defined once: claimed, recovered (paid to the worker), left owed, promised.

Every surface that shows an amount reads it here: the worker's status page, the desk's case page
and timeline, the CSV, the daily report, the dashboard, the ranking and the arbitration
application. Before, each read its own columns and they disagreed: the dashboard counted only
cases whose status was still ``resolved`` (a reopened case's 8,000 yuan became 0 while the
ranking still counted it), and the application claimed the whole 12,000 after 8,000 was paid.

The figures:

- ``claimed``: what the worker said is owed (the complaint's ``amount_yuan``);
- ``recovered``: money this county's officers recorded as paid to the worker (full or partial
  payment, the emergency fund's advance: ``outcomes.OutcomeKind.recovered``), kept across a reopen
  (``complaints.amount_recovered_yuan``: the one column the statistics add up, ``recovered_here``);
  plus what another county recorded after a transfer (``recovered_there``);
- ``left``: still owed: the officer's figure of the latest partial payment, else ``claimed`` minus
  what was paid; a payment the worker answered "not paid" to is not taken off;
- ``promised`` / ``promised_by``: a mediation agreement's amount and date, until paid;
- ``history``: every outcome with its figures (table ``case_outcomes`` and the other county's
  ``county_transfer_resolved`` events), oldest first, so a reopened case still shows what came before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import outcomes, story


@dataclass(frozen=True)
class Figures:
    """One outcome as recorded: its kind and the money it states."""

    at: str
    kind: str
    recovered: int = 0
    left: int = 0
    promised: int = 0
    due_date: str = ""
    text: str = ""
    where: str = ""          # "" for this county; another county's name for its outcome
    disputed: bool = False   # the worker answered "not paid" to it


@dataclass(frozen=True)
class Money:
    claimed: int
    recovered_here: int
    recovered_there: int = 0
    left: int = 0
    promised: int = 0
    promised_by: str = ""
    history: tuple[Figures, ...] = field(default_factory=tuple)
    current: Figures | None = None   # the outcome the case has now (None while open)

    @property
    def recovered(self) -> int:
        """All money recorded as paid to the worker, here and in another county."""
        return self.recovered_here + self.recovered_there

    @property
    def disputed(self) -> int:
        """Money recorded as paid here that the worker answered they did not get."""
        return sum(f.recovered for f in self.history if f.disputed and not f.where)

    @property
    def earlier(self) -> tuple[Figures, ...]:
        """Outcomes before the current one (all of them while the case is open again)."""
        return tuple(f for f in self.history if f is not self.current)


def recovered_here(case: Mapping) -> int:
    """What the statistics count for a case (dashboard, ranking, daily report): the money this
    county recorded as paid to the worker, whatever the case's status now (a reopen keeps it)."""
    return int(case.get("amount_recovered_yuan") or 0)


def _load(db, ids: list[int]) -> tuple[dict, dict, dict]:
    """Outcome rows, the other county's outcomes and the worker's answers of ``ids``, by case id
    (three queries whatever the number of cases; all rows when there are many)."""
    where, params = "", []
    if len(ids) <= 500:
        where, params = f" WHERE complaint_id IN ({', '.join('?' * len(ids))})", list(ids)
    wanted = set(ids)
    outs: dict[int, list] = {}
    for r in db.query(f"SELECT * FROM case_outcomes{where} ORDER BY at, id", params):
        outs.setdefault(r["complaint_id"], []).append(r)
    remote: dict[int, list] = {}
    ev_where = (where + " AND" if where else " WHERE") + " kind = 'county_transfer_resolved'"
    for r in db.query(f"SELECT complaint_id, at, kind, detail FROM case_events{ev_where} ORDER BY at, seq", params):
        remote.setdefault(r["complaint_id"], []).append(r)
    said: dict[int, list] = {}
    for r in db.query(f"SELECT complaint_id, at, paid FROM worker_answers{where} ORDER BY at, id", params):
        said.setdefault(r["complaint_id"], []).append(r)
    return ({k: v for k, v in outs.items() if k in wanted}, {k: v for k, v in remote.items() if k in wanted},
            {k: v for k, v in said.items() if k in wanted})


def _history(case: Mapping, outcome_rows: list, remote_events: list, answers: list) -> list[Figures]:
    rows = [Figures(r["at"], r["kind"], r["recovered_yuan"], r["left_yuan"], r["promised_yuan"], r["due_date"],
                    r["text"]) for r in outcome_rows]
    if case.get("outcome") and not any(f.kind == case["outcome"] and f.at == (case.get("resolved_at") or f.at)
                                       for f in rows[-1:]):
        # a case resolved without a history row (written before the table, or straight into the row)
        rows.append(Figures(case.get("resolved_at") or case.get("created_at") or "", case["outcome"],
                            recovered_here(case), int(case.get("outcome_left_yuan") or 0),
                            int(case.get("outcome_promised_yuan") or 0), case.get("outcome_due_date") or "",
                            case.get("outcome_text") or ""))
    for e in remote_events:
        data = story.detail_data(e)
        if str(data.get("outcome") or data.get("kind") or "") in outcomes.NOT_OURS:
            continue  # "not ours" there carries no money: the case came back here (county_transfer_returned)
        rows.append(Figures(e["at"], str(data.get("outcome") or data.get("kind") or ""),
                            _int(data.get("recovered_yuan", data.get("paid_yuan"))), _int(data.get("left_yuan")),
                            _int(data.get("promised_yuan")), str(data.get("due_date") or data.get("promised_date") or ""),
                            str(data.get("text") or ""), where=str(data.get("county_name") or data.get("county") or "")
                            or "外县"))
    rows.sort(key=lambda f: f.at)
    marked = []
    for i, f in enumerate(rows):
        until = rows[i + 1].at if i + 1 < len(rows) else "9999"
        first = [a["paid"] for a in answers if f.at <= a["at"] < until][:1]
        marked.append(Figures(**{**f.__dict__, "disputed": first == ["no"] and f.recovered > 0}))
    return marked


def _int(value) -> int:
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


def of_case(db, case: Mapping) -> Money:
    """The money of ``case`` (a complaint row; a dict with only ``id`` is read from the database)."""
    if "amount_yuan" not in case or "outcome" not in case:
        case = next(db.query("SELECT * FROM complaints WHERE id = ?", [case["id"]]))
    return of_cases(db, [case])[case["id"]]


def of_cases(db, cases: list[Mapping]) -> dict[int, Money]:
    """The money of many complaint rows at once (the CSV export), by case id."""
    outs, remote, said = _load(db, [c["id"] for c in cases])
    return {c["id"]: _money(c, _history(c, outs.get(c["id"], []), remote.get(c["id"], []), said.get(c["id"], [])))
            for c in cases}


def _money(case: Mapping, history: list[Figures]) -> Money:
    claimed = int(case.get("amount_yuan") or 0)
    here = recovered_here(case)
    there = sum(f.recovered for f in history if f.where)
    closed_here = case.get("status") in ("resolved", "closed_unfounded") and case.get("outcome")
    current = None
    if history and (closed_here or (history[-1].where and case.get("status") == "transferred_out")):
        current = history[-1]
    disputed = sum(f.recovered for f in history if f.disputed and not f.where)
    paid_for_worker = max(here - disputed, 0) + there
    last_left = next((f for f in reversed(history) if f.kind == "partly_paid" or f.left), None)
    last_paid = history[-1] if history else None
    if current is not None and current.kind == "paid_in_full" and not current.disputed:
        left = 0
    elif last_left is not None and last_left is last_paid and not last_left.disputed:
        left = last_left.left
    else:
        left = max(claimed - paid_for_worker, 0)
    promised = current.promised if current is not None else 0  # a reopen means the promise was not kept
    return Money(claimed=claimed, recovered_here=here, recovered_there=there, left=left, promised=promised,
                 promised_by=current.due_date if promised else "", history=tuple(history), current=current)


def yuan(amount: int, lang: str = "zh") -> str:
    """An amount as people read it: ``12,000 元`` / ``12,000 yuan``."""
    return f"{amount:,} {'yuan' if lang == 'en' else '元'}"


def figure_lines(f: Figures, lang: str = "zh", officer: bool = False) -> list[str]:
    """One outcome's money and the officer's words to the worker, line by line (status page; the desk
    with ``officer``)."""
    en = lang == "en"
    lines = []
    if f.recovered:
        key = "Advanced" if en and f.kind == "advance_fund" else "Paid"
        lines.append(f"{key}: {yuan(f.recovered, lang)}" if en else
                     f"{'先行垫付' if f.kind == 'advance_fund' else '已支付'}：{yuan(f.recovered)}")
        if f.disputed:
            lines.append(("The worker answered: not received" if officer else "You answered that you did not get it")
                         if en else ("投诉人回复没有拿到" if officer else "您回复没有拿到这笔钱"))
    if f.left:
        lines.append(f"Still owed: {yuan(f.left, lang)}" if en else f"尚欠：{yuan(f.left)}")
    if f.promised:
        lines.append(f"Agreed: {yuan(f.promised, lang)}, to be paid by {f.due_date}" if en else
                     f"协议金额：{yuan(f.promised)}，约定 {f.due_date} 前支付")
    if f.text:
        if f.kind == "not_this_county":
            lines.append(f"Passed to: {f.text}" if en else f"已转至：{f.text}")
        else:
            lines.append(("Note to the worker: " if officer else "Explanation: ") + f.text if en else
                         ("给投诉人的说明：" if officer else "说明：") + f.text)
    return lines


def outcome_label(f: Figures, lang: str = "zh", places: story.Places | None = None) -> str:
    """An outcome's name, with the other county's name in the reader's language when it was theirs."""
    label = outcomes.label(f.kind, lang) or ("Resolved" if lang == "en" else "已办结")
    if f.where:
        named = places.named(f.where) if places is not None else None
        where = named.name(lang) if named else f.where
        return f"{where}: {label}" if lang == "en" else f"{where}：{label}"
    return label
