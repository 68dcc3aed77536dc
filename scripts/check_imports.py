"""Import rules that `lint-imports` cannot check (run by .ci/run after it):

1. An import inside a function (or method) in stage8/, app_pages/ or app.py needs a one-line
   reason: a comment on the import's own line(s) or on the line just above it (or above the run
   of consecutive imports it belongs to). Imports belong at
   the top of the module; the exceptions (a heavy library only one command needs, a real cycle)
   say why where they are.
2. app.py is a script, not a package, so the layer contracts in pyproject.toml do not see it:
   it may not import sqlalchemy (no SQL in the pages or their entry point).

    python scripts/check_imports.py [--report-only] [ROOT]

Prints one line per finding (`path:line: ...`) and exits 1 when there is any; with
`--report-only` the imports inside functions are listed but do not fail the run (rule 2 always
does).
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SCANNED = ("stage8/**/*.py", "app_pages/*.py", "app.py")
ENTRY_FORBIDDEN = ("sqlalchemy",)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _comment_lines(source: str) -> dict[int, bool]:
    """Line number -> whether the line is a comment and nothing else, for lines with a comment."""
    lines: dict[int, bool] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            row, col = tok.start
            lines[row] = not tok.line[:col].strip()
    return lines


def _imports_in_functions(tree: ast.AST) -> Iterator[tuple[ast.stmt, str]]:
    """Every import statement inside a function body, with the innermost function's name."""

    def visit(node: ast.AST, function: str | None) -> Iterator[tuple[ast.stmt, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from visit(child, child.name)
            elif isinstance(child, ast.Import | ast.ImportFrom) and function is not None:
                yield child, function
            else:
                yield from visit(child, function)

    yield from visit(tree, None)


def _names(node: ast.Import | ast.ImportFrom) -> str:
    if isinstance(node, ast.Import):
        return "import " + ", ".join(a.name for a in node.names)
    module = "." * node.level + (node.module or "")
    return f"from {module} import " + ", ".join(a.name for a in node.names)


def unexplained_imports(source: str, path: str = "<source>") -> list[Finding]:
    """Imports inside functions without a reason comment on their lines or the line above; a
    comment above a run of consecutive imports explains the whole run."""
    comments = _comment_lines(source)
    explained_until = -1  # last line of the latest explained import
    found = []
    for node, function in _imports_in_functions(ast.parse(source, filename=path)):
        end = node.end_lineno or node.lineno
        on_the_lines = any(n in comments for n in range(node.lineno, end + 1))
        above = comments.get(node.lineno - 1, False)  # a comment-only line just above
        if on_the_lines or above or explained_until == node.lineno - 1:
            explained_until = end
        else:
            message = f"{_names(node)} inside {function}() has no reason comment"
            found.append(Finding(path, node.lineno, message))
    return found


def entry_point_imports(source: str, path: str = "app.py") -> list[Finding]:
    """Imports of ENTRY_FORBIDDEN packages anywhere in the entry script."""
    found = []
    for node in ast.walk(ast.parse(source, filename=path)):
        modules = []
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        for module in modules:
            if module.split(".")[0] in ENTRY_FORBIDDEN:
                message = f"{path} imports {module}: pages call services, never SQL"
                found.append(Finding(path, node.lineno, message))
    return found


def scan(root: Path) -> tuple[list[Finding], list[Finding]]:
    """(imports inside functions without a reason, entry-point violations) under `root`."""
    inner: list[Finding] = []
    for pattern in SCANNED:
        for file in sorted(root.glob(pattern)):
            rel = file.relative_to(root).as_posix()
            inner += unexplained_imports(file.read_text(encoding="utf-8"), rel)
    app = root / "app.py"
    entry = entry_point_imports(app.read_text(encoding="utf-8")) if app.exists() else []
    return inner, entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", nargs="?", default=Path(__file__).resolve().parents[1], type=Path)
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="list imports inside functions without failing (the app.py rule still fails)",
    )
    args = parser.parse_args(argv)
    inner, entry = scan(args.root)
    for finding in [*inner, *entry]:
        print(finding)
    print(
        f"check_imports: {len(inner)} import(s) inside functions without a reason comment, "
        f"{len(entry)} forbidden import(s) in app.py"
        + (" (imports inside functions reported only)" if args.report_only and inner else "")
    )
    failed = bool(entry) or (bool(inner) and not args.report_only)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
