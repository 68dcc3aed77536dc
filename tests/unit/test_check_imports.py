"""scripts/check_imports.py: imports inside functions need a reason comment; app.py imports no
SQL. The layer contracts themselves are checked by `lint-imports` in CI (pyproject.toml)."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_imports", ROOT / "scripts/check_imports.py")
check_imports = importlib.util.module_from_spec(_spec)
sys.modules["check_imports"] = check_imports  # scripts/ is not a package; dataclasses need this
_spec.loader.exec_module(check_imports)


def lines_of(source: str) -> list[int]:
    return [f.line for f in check_imports.unexplained_imports(textwrap.dedent(source))]


def test_finds_unexplained_imports_in_functions_methods_and_nested_functions():
    source = """
        import os
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from pathlib import Path

        def plain():
            import json
            return json

        class Store:
            import re  # a class body is not a function: not reported

            def method(self):
                from collections import (
                    OrderedDict,
                )
                return OrderedDict

        async def outer():
            def inner():
                import zlib
            return inner
        """
    assert lines_of(source) == [9, 16, 23]


def test_a_reason_on_the_line_above_or_the_same_lines_explains_the_import():
    source = """
        def a():
            # heavy: pandas takes a second and only this verb needs it
            import pandas
            import pyarrow

            import zlib

        def b():
            from x import (  # breaks the cycle x -> here -> x
                y,
            )
            from z import (
                w,  # optional dependency
            )

        def c():
            value = 1  # not a comment line above the import
            import json
        """
    assert lines_of(source) == [7, 19]


def test_names_the_import_and_its_function():
    source = "def load():\n    from .base import Store, Key\n"
    (finding,) = check_imports.unexplained_imports(source, "stage8/x.py")
    assert str(finding) == (
        "stage8/x.py:2: from .base import Store, Key inside load() has no reason comment"
    )


def test_app_py_may_not_import_sqlalchemy(tmp_path):
    (tmp_path / "app.py").write_text("import streamlit as st\nfrom sqlalchemy import text\n")
    inner, entry = check_imports.scan(tmp_path)
    assert inner == [] and [f.line for f in entry] == [2]
    assert check_imports.main([str(tmp_path), "--report-only"]) == 1  # always fails


def test_report_only_lists_inner_imports_without_failing(tmp_path, capsys):
    (tmp_path / "stage8").mkdir()
    (tmp_path / "stage8" / "m.py").write_text("def f():\n    import json\n")
    (tmp_path / "app.py").write_text("import streamlit as st\n")
    assert check_imports.main([str(tmp_path)]) == 1
    assert check_imports.main([str(tmp_path), "--report-only"]) == 0
    out = capsys.readouterr().out
    assert "stage8/m.py:2: import json inside f() has no reason comment" in out


def test_the_real_app_py_imports_no_sql():
    assert check_imports.scan(ROOT)[1] == []
