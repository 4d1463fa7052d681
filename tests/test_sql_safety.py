"""No SQL in pipelines/ is built from data values: an AST scan of every f-string, `.format` and `%`
that looks like SQL, and of every argument given to `execute` / `sql` / `query`.

What may be put into SQL text: constants (literals and UPPER_CASE module names), identifiers passed
through `quote_identifier` / `qualified_name` (lib/warehouse.py, which accept plain names only), numbers
made with int()/float()/len(), and local fragments built only from those (followed through
assignments, loops, comprehensions, `str.join` and the return values of functions of the same module).
A function parameter, an attribute or any other call is a data value: it must go in as a parameter.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipelines.lib.settings import REPO_ROOT
from pipelines.lib.warehouse import qualified_name, quote_identifier

SINKS = {"execute", "executemany", "sql", "query", "from_query"}
SAFE_CALLS = {"quote_identifier", "qualified_name", "int", "float", "len", "bool"}
PASS_THROUGH_CALLS = {"sorted", "list", "tuple", "reversed", "enumerate"}
PASS_THROUGH_METHODS = {"items", "keys", "values", "upper", "lower", "strip"}
CONSTANT_NAME = re.compile(r"^_?[A-Z][A-Z0-9_]*$")
SQL_TEXT = re.compile(
    r"^\s*(select|insert|update|delete|create|drop|alter|copy|attach|detach|pragma|explain|describe|summarize)\s"
    r"|^\s*with\s+\w+\s+as\s*\(|^\s*set\s+(variable\s+)?\w+\s*="
    r"|\bselect\b[\s\S]+\bfrom\b|\binsert\s+into\b|\bdelete\s+from\b|\bread_(csv|parquet|json)\w*\s*\(",
    re.IGNORECASE,
)


@dataclass
class Module:
    path: Path
    tree: ast.Module
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)

    @classmethod
    def parse(cls, path: Path, source: str | None = None) -> Module:
        tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"), filename=str(path))
        module = cls(path, tree)
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                module.parents[child] = node
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                module.functions.setdefault(node.name, node)
        return module

    def scope(self, node: ast.AST) -> ast.AST:
        """The innermost function holding `node`, else the module."""
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                return node
        return self.tree


def _names(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


class Checker:
    def __init__(self, module: Module) -> None:
        self.module = module
        self.seen: set[tuple[int, str]] = set()

    def bindings(self, name: str, scope: ast.AST) -> list[ast.AST] | None:
        """The values `name` is bound to in `scope` (None when it is a parameter of the scope)."""
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            arguments = scope.args
            parameters = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                          *([arguments.vararg] if arguments.vararg else []), *([arguments.kwarg] if arguments.kwarg else [])]
            if name in {a.arg for a in parameters}:
                return None
        values: list[ast.AST] = []
        for node in ast.walk(scope):
            if node is not scope and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue  # (ast.walk still descends; nested scopes bind their own names, rarely the same)
            assigned = isinstance(node, ast.Assign) and any(name in _names(t) for t in node.targets)
            annotated = isinstance(node, ast.AnnAssign | ast.AugAssign) and name in _names(node.target)
            if (assigned or annotated) and node.value is not None:
                values.append(node.value)
            elif isinstance(node, ast.For | ast.comprehension) and name in _names(node.target):
                values.append(node.iter)
            elif isinstance(node, ast.NamedExpr) and node.target.id == name:
                values.append(node.value)
        return values

    def safe(self, node: ast.AST | None, scope: ast.AST) -> bool:
        if node is None or isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.JoinedStr):
            return all(self.safe(v.value, scope) for v in node.values if isinstance(v, ast.FormattedValue))
        if isinstance(node, ast.FormattedValue):
            return self.safe(node.value, scope)
        if isinstance(node, ast.Name):
            if CONSTANT_NAME.match(node.id):
                return True
            key = (id(scope), node.id)
            if key in self.seen:  # a name bound from itself (a loop, +=): judged by its other bindings
                return True
            self.seen.add(key)
            try:
                for where in (scope, self.module.tree):
                    values = self.bindings(node.id, where)
                    if values is None:
                        return False
                    if values:
                        return all(self.safe(v, where) for v in values)
                return False  # a builtin or an import: not a fragment of SQL
            finally:
                self.seen.discard(key)
        if isinstance(node, ast.BinOp):
            return self.safe(node.left, scope) and self.safe(node.right, scope)
        if isinstance(node, ast.IfExp):
            return self.safe(node.body, scope) and self.safe(node.orelse, scope)
        if isinstance(node, ast.Subscript):
            return self.safe(node.value, scope)
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return all(self.safe(e, scope) for e in node.elts)
        if isinstance(node, ast.Dict):
            return all(self.safe(v, scope) for v in node.values)
        if isinstance(node, ast.GeneratorExp | ast.ListComp | ast.SetComp):
            return self.safe(node.elt, scope) and all(self.safe(g.iter, scope) for g in node.generators)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in SAFE_CALLS:
                return True
            if isinstance(func, ast.Attribute) and func.attr in SAFE_CALLS:
                return True
            if isinstance(func, ast.Name) and func.id in PASS_THROUGH_CALLS:
                return all(self.safe(a, scope) for a in node.args)
            if isinstance(func, ast.Attribute) and func.attr == "join":
                return self.safe(func.value, scope) and all(self.safe(a, scope) for a in node.args)
            if isinstance(func, ast.Attribute) and func.attr in PASS_THROUGH_METHODS:
                return self.safe(func.value, scope)
            if isinstance(func, ast.Name) and func.id in self.module.functions:
                function = self.module.functions[func.id]
                key = (id(function), "<return>")
                if key in self.seen:
                    return True
                self.seen.add(key)
                try:
                    returns = [n.value for n in ast.walk(function) if isinstance(n, ast.Return)]
                    return all(self.safe(r, function) for r in returns)
                finally:
                    self.seen.discard(key)
            return False
        return False

    def problems(self) -> list[str]:
        found = []
        for node in ast.walk(self.module.tree):
            scope = self.module.scope(node)
            where = f"{self.module.path.relative_to(REPO_ROOT) if self.module.path.is_absolute() else self.module.path}:" \
                    f"{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.JoinedStr):
                text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
                if SQL_TEXT.search(text) and not self.safe(node, scope):
                    found.append(f"{where}: f-string SQL with a data value: {ast.unparse(node)[:120]}")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr == "format" and isinstance(node.func.value, ast.Constant) \
                        and isinstance(node.func.value.value, str) and SQL_TEXT.search(node.func.value.value) \
                        and not all(self.safe(a, scope) for a in [*node.args, *(k.value for k in node.keywords)]):
                    found.append(f"{where}: str.format SQL with a data value: {ast.unparse(node)[:120]}")
                if node.func.attr in SINKS and node.args and not self.safe(node.args[0], scope):
                    found.append(f"{where}: {node.func.attr}() given SQL text built from a data value: "
                                 f"{ast.unparse(node.args[0])[:120]}")
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) \
                    and isinstance(node.left.value, str) and SQL_TEXT.search(node.left.value) \
                    and not self.safe(node.right, scope):
                found.append(f"{where}: %-formatted SQL with a data value: {ast.unparse(node)[:120]}")
        return found


def _problems(source: str) -> list[str]:
    return Checker(Module.parse(Path("snippet.py"), source)).problems()


def test_no_sql_in_pipelines_is_built_from_data_values():
    files = sorted((REPO_ROOT / "pipelines").rglob("*.py"))
    assert len(files) > 20
    problems = [problem for path in files for problem in Checker(Module.parse(path)).problems()]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("source", [
    "def f(con, value):\n    con.execute(f\"select * from t where name = '{value}'\")",
    "def f(con, path):\n    con.execute(f\"copy t to '{path}' (format parquet)\")",
    "def f(con, table):\n    con.execute(f'select count(*) from {table}')",
    "def f(con, value):\n    sql = 'select * from t where x = ' + value\n    con.execute(sql)",
    "def f(con, value):\n    con.execute('select * from t where x = {}'.format(value))",
    "def f(con, value):\n    con.execute('select * from t where x = %s' % value)",
    "def f(con, row):\n    con.execute(f\"insert into t values ('{row.name}')\")",
    "def q(v):\n    return f\"select * from t where x = '{v}'\"\ndef f(con, v):\n    con.sql(q(v))",
    "def f(con, schema, table):\n    schema, table = table.split('.')\n    con.execute(f'select 1 from {schema}.{table}')",
])
def test_the_scan_finds_sql_built_from_data_values(source):
    assert _problems(source), source


@pytest.mark.parametrize("source", [
    "def f(con, value):\n    con.execute('select * from t where name = ?', [value])",
    "def f(con, schema, table):\n    con.execute(f'select count(*) from {qualified_name(schema, table)}')",
    "def f(con, name, path):\n    con.execute(f'copy {quote_identifier(name)} to ? (format parquet)', [str(path)])",
    "COLUMNS = ['a', 'b']\ndef f(con):\n    cols = ', '.join(f'{c} as {c}' for c in COLUMNS)\n"
    "    con.sql(f'select {cols} from t')",
    "LIMIT = 5\ndef f(con, n):\n    con.execute(f'select * from t limit {int(n) + LIMIT}')",
    "SQL = 'select 1'\ndef f(con):\n    con.execute(SQL)",
    "QUERIES = {'a': 'select 1'}\ndef f(con):\n    for name, sql in QUERIES.items():\n        con.execute(sql)",
    "def q():\n    part = 'x'\n    return f'select {part} from t'\ndef f(con):\n    con.sql(q())",
    "def f(log, value):\n    log.info(f'{value} rows selected, then sent on')",
])
def test_the_scan_accepts_parameters_quoted_identifiers_and_constant_fragments(source):
    assert _problems(source) == [], source


def test_identifiers_are_quoted_and_only_plain_names_accepted():
    assert quote_identifier("supplier_shares") == '"supplier_shares"'
    assert qualified_name("marts", "supplier_shares") == '"marts"."supplier_shares"'
    for bad in ['a"b', "a b", "t; drop table x", "", "1abc", "a.b", "é", None]:
        with pytest.raises(ValueError):
            quote_identifier(bad)
