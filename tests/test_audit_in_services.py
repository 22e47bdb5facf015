"""Side effects live in services: no view, API or command writes an AuditRecord itself.

A view that shows personal data calls the service that reads it and records the read; an
export service writes its own audit records. This test reads the entry points with `ast`
(every views.py, api.py, commands.py, cli.py, and any views/ or api/ package under src/).
"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
ENTRY_POINT_FILES = {"views.py", "api.py", "commands.py", "cli.py"}
ENTRY_POINT_PACKAGES = {"views", "api"}

# Views allowed to write audit records themselves: none (the list only shrinks).
AWAITING_THE_SPLIT: set[tuple[str, str]] = set()


AUDIT_RECORD_WRITERS = {
    f"AuditRecord.objects.{method}"
    for method in ("create", "bulk_create", "get_or_create", "update_or_create")
}


def entry_points() -> list[Path]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        in_package = any(part in ENTRY_POINT_PACKAGES for part in path.relative_to(SRC).parts[:-1])
        if path.name in ENTRY_POINT_FILES or in_package:
            found.append(path)
    return found


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return ""


def audit_writes(tree: ast.Module) -> list[tuple[str, int, str]]:
    """(enclosing function, line, what) for every direct audit write or import of the writer."""
    found = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Call):
            called = _name(node.func)
            if (
                called.split(".")[-1] == "audit_record_create"
                or called == "AuditRecord"
                or called in AUDIT_RECORD_WRITERS
            ):
                found.append((function, node.lineno, called))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def test_the_entry_points_are_found():
    names = {str(path.relative_to(SRC)) for path in entry_points()}
    assert "victimcare/cases/views.py" in names
    assert "victimcare/care/api.py" in names
    assert "victimcare/surveys/commands.py" in names
    assert "victimcare/cli.py" in names


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("audit_record_create(user=u, victim=v, page=p)", ["audit_record_create"]),
        (
            "services.audit_record_create(user=u, victim=v, page=p)",
            ["services.audit_record_create"],
        ),
        ("AuditRecord.objects.create(user=u)", ["AuditRecord.objects.create"]),
        ("AuditRecord.objects.bulk_create(rows)", ["AuditRecord.objects.bulk_create"]),
        ("AuditRecord(user=u).save()", ["AuditRecord"]),
        ("case_victims_disclose(user=u, case=c, page=p)", []),
        ("AuditRecord.objects.get_or_create(user=u)", ["AuditRecord.objects.get_or_create"]),
        ("AuditRecord.objects.filter(user=u)", []),
    ],
)
def test_direct_audit_writes_are_recognised(source, expected):
    assert [what for _, _, what in audit_writes(ast.parse(source))] == expected


@pytest.mark.parametrize("path", entry_points(), ids=lambda path: str(path.relative_to(SRC)))
def test_no_entry_point_writes_an_audit_record_itself(path):
    relative = str(path.relative_to(SRC))
    writes = [
        (function, line, what)
        for function, line, what in audit_writes(ast.parse(path.read_text(), str(path)))
        if (relative, function) not in AWAITING_THE_SPLIT
    ]
    assert writes == [], (
        f"{relative} writes audit records itself ({writes}): call the service that reads "
        "the personal data and records the read instead"
    )


def test_the_awaiting_list_names_real_offenders():
    # Once a view stops writing audit records itself, take it off AWAITING_THE_SPLIT.
    by_file: dict[str, set[str]] = {}
    for path in entry_points():
        for function, _, _ in audit_writes(ast.parse(path.read_text())):
            by_file.setdefault(str(path.relative_to(SRC)), set()).add(function)
    for relative, function in AWAITING_THE_SPLIT:
        assert function in by_file.get(relative, set()), (relative, function)
