"""Rows of the registry's CSV files edited from the desk: projects, legal-aid places and the
townships' permanent officers.

The desk changes one row of the same file a person would edit (``data/projects.csv`` ...), in
place: the other rows, the header, the byte-order mark and the line endings stay as they were, so
a hand edit, a diff or a ``git log`` of the data directory reads the same either way. Before
anything is written the changed file is checked by the registry's own loader on a copy of the data
directory (``validate``): the messages are exactly ``wagesafe check``'s, placed beside the field
they concern.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from wagesafe.registry import RegistryError, load_registry
from wagesafe.registry.loader import LEGAL_AID_COLUMNS, PROJECT_COLUMNS, TOWNSHIP_COLUMNS

from .files import write_atomic

LABELS = {
    "code": "编号", "id": "编号", "name_zh": "名称", "name_en": "英文名称", "address_zh": "地址", "township": "所在镇街",
    "lat": "纬度（WGS-84）", "lon": "经度（WGS-84）", "builder": "建设单位", "general_contractor": "施工总承包单位",
    "gc_project_department": "总包项目部", "gc_project_manager": "项目经理", "labour_manager": "劳资专管员",
    "labour_manager_phone": "劳资专管员电话", "industry_authority": "行业主管部门", "wage_payment_day": "每月发薪日",
    "wage_account_bank": "农民工工资专用账户开户行", "start_date": "开工日期", "end_date": "计划竣工日期",
    "status": "状态", "kind": "类别",
    "phone": "电话", "hours_zh": "办公时间", "services_zh": "服务内容", "datum": "坐标系（WGS-84）",
    "officer_name": "农民工服务专员 姓名", "officer_mobile": "专员 手机", "officer_email": "专员 邮箱",
    "officer_away": "专员是否在岗", "deputy_name": "B 角 姓名", "deputy_mobile": "B 角 手机",
    "deputy_email": "B 角 邮箱", "kind_zh": "类别（镇 / 街道 / 乡）", "subcontracted": "是否分包（yes / no）",
    "duty_phone": "值班电话",
}
# The check's reasons stay as it says them (the same words as `wagesafe check`), with Chinese first.
REASONS_ZH = (("required field is missing", "必填"), ("is not a whole number", "不是整数"),
              ("is not a phone number", "不是有效的电话号码"), ("is not a mainland mobile number", "不是有效的手机号"),
              ("is not an email address", "不是有效的邮箱"), ("lies outside China", "坐标不在中国境内"),
              ("is not a date", "日期格式应为 2026-12-01"), ("unknown township", "没有这个镇街"),
              ("unknown department", "没有这个部门"), ("has no officer", "这个镇街没有农民工服务专员"),
              ("is not one of", "不是可选的值"), ("is before the start date", "早于开工日期"),
              ("is not between", "超出范围"), ("is not yes or no", "应为 yes 或 no"),
              ("is not a safe", "编号只用小写英文字母、数字和连字符"), ("is not WGS-84", "坐标系应为 WGS-84"))


@dataclass(frozen=True)
class RowKind:
    """One editable CSV file: its key column, and which columns the desk edits."""

    name: str
    file: str
    key: str
    label_zh: str
    columns: tuple[str, ...]
    editable: tuple[str, ...] | None = None     # None: every column of the file's header
    may_add: bool = True
    hidden: tuple[str, ...] = field(default_factory=tuple)

    def item(self, key: str) -> str:
        return f"{self.name}:{key}"


KINDS = {
    "projects": RowKind("projects", "projects.csv", "code", "工地项目", PROJECT_COLUMNS),
    "legal_aid": RowKind("legal_aid", "legal_aid.csv", "id", "法律援助地点", LEGAL_AID_COLUMNS),
    "townships": RowKind("townships", "townships.csv", "code", "镇街专员", TOWNSHIP_COLUMNS,
                         editable=("officer_name", "officer_mobile", "officer_email", "officer_away",
                                   "deputy_name", "deputy_mobile", "deputy_email"), may_add=False),
}


@dataclass
class Table:
    """A CSV file as read: its header, each row's values and physical lines, and how it is written."""

    header: list[str]
    rows: list[tuple[int, int, dict]]   # (first line, last line, values), 1-based, inclusive
    lines: list[str]
    newline: str
    bom: bool

    def find(self, key_column: str, key: str) -> tuple[int, int, dict] | None:
        return next((r for r in self.rows if (r[2].get(key_column) or "").strip() == key), None)


def read_table(path: Path) -> Table:
    with open(path, encoding="utf-8", newline="") as fh:  # newline="": keep \r\n as the file has it
        raw = fh.read()
    bom = raw.startswith("\ufeff")
    text = raw[1:] if bom else raw
    newline = "\r\n" if "\r\n" in text[:4096] else "\n"
    lines = text.splitlines(keepends=True)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    rows, start = [], reader.line_num + 1
    for values in reader:
        end = reader.line_num
        if any(v.strip() for v in values):
            rows.append((start, end, dict(zip(header, values + [""] * (len(header) - len(values))))))
        start = end + 1
    return Table(header=header, rows=rows, lines=lines, newline=newline, bom=bom)


def _line(header: list[str], values: dict, newline: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerow([values.get(c, "") for c in header])
    return out.getvalue()


def with_row(table: Table, kind: RowKind, key: str | None, values: dict | None) -> tuple[str, int]:
    """The file's new text with the row ``key`` replaced by ``values`` (``key`` None: appended;
    ``values`` None: removed), and the new row's line number (0 when removed)."""
    lines = list(table.lines)
    found = table.find(kind.key, key) if key is not None else None
    if values is not None:
        new_line = _line(table.header, values, table.newline)
    if found is None:
        if values is None:
            raise KeyError(key)
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += table.newline
        lines.append(new_line)
        at = len(lines)
    else:
        first, last, _ = found
        lines[first - 1:last] = [new_line] if values is not None else []
        at = first if values is not None else 0
    return ("\ufeff" if table.bom else "") + "".join(lines), at


def editable_columns(kind: RowKind, table: Table, new: bool) -> list[str]:
    cols = list(kind.editable) if kind.editable else list(table.header)
    if not new and kind.key in cols:
        cols.remove(kind.key)  # a project's code is its QR: never changed
    return [c for c in cols if c in table.header]


def validate(data_dir: Path, kind: RowKind, new_text: str, line: int) -> tuple[dict[str, list[str]], list[str]]:
    """``wagesafe check`` on a copy of ``data_dir`` with ``kind``'s file replaced by ``new_text``.

    :returns: (problems by field of the edited row, problems elsewhere), each message as the check
              says it (a common reason also in Chinese).
    """
    with tempfile.TemporaryDirectory(prefix="wagesafe-check-") as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data_dir, copy, ignore=shutil.ignore_patterns(".git", "*.md"))
        (copy / kind.file).write_text(new_text, encoding="utf-8")
        try:
            load_registry(copy)
        except RegistryError as err:
            found = err.problems
        else:
            return {}, []
    by_field: dict[str, list[str]] = {}
    elsewhere = []
    for p in found:
        reason = p.reason
        zh = next((zh for en, zh in REASONS_ZH if en in reason), "")
        if zh:
            reason = f"{zh}（{reason}）"
        if p.file == f"data/{kind.file}" and p.line == line and line:
            for name in p.field.split("/"):
                by_field.setdefault(name, []).append(reason)
        else:
            elsewhere.append(str(p))
    return by_field, elsewhere


def read_item(data_dir: Path, kind: RowKind, key: str) -> dict | None:
    found = read_table(data_dir / kind.file).find(kind.key, key)
    return dict(found[2]) if found else None


def write_item(data_dir: Path, kind: RowKind, key: str, value: dict | None) -> list[Path]:
    """Write the row (create, change or remove) into its file."""
    path = data_dir / kind.file
    table = read_table(path)
    exists = table.find(kind.key, key) is not None
    if value is None and not exists:
        return [path]
    text, _ = with_row(table, kind, key if exists else None, value)
    write_atomic(path, text)
    return [path]
