"""Domain errors: code raises named subclasses only, each documented, so callers tell them apart."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import stage8
from stage8 import errors

PACKAGE = Path(stage8.__file__).parent


def _raised_names(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name):
                found.append((node.lineno, target.id))
            elif isinstance(target, ast.Attribute):
                found.append((node.lineno, target.attr))
    return found


def test_no_code_raises_the_base_class():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offenders += [
            f"{path.relative_to(PACKAGE.parent)}:{line}"
            for line, name in _raised_names(tree)
            if name == "Stage8Error"
        ]
    assert offenders == [], "raise a named subclass from stage8.errors instead: " + ", ".join(
        offenders
    )


def test_the_scan_sees_a_raise_of_the_base_class():
    tree = ast.parse("def f():\n    raise Stage8Error('x')\n\nraise errors.Stage8Error\n")
    assert [name for _, name in _raised_names(tree)] == ["Stage8Error", "Stage8Error"]


def test_every_domain_error_is_documented_and_exits_with_one():
    classes = [
        c
        for _, c in inspect.getmembers(errors, inspect.isclass)
        if issubclass(c, errors.Stage8Error) and c is not errors.Stage8Error
    ]
    assert {"InvalidInput", "NotFound", "DecisionConflict", "StorageError"} <= {
        c.__name__ for c in classes
    }
    for cls in classes:
        assert cls.__doc__ and cls.__doc__ != errors.Stage8Error.__doc__, cls.__name__
        assert cls.exit_code == 1, cls.__name__
