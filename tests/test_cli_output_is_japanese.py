"""Every line the CLI prints for a person is Japanese.

Operators read the CLI's lines as they read the web pages: every word Japanese, a code only beside its
Japanese name. So in each CLI module every `console.print(…)`, `err.print(…)`, `typer.echo(…)` and
`print(…)` whose first argument is written as a string or f-string must hold Japanese once its rich markup
(`[red]`) and its format fields are set aside, unless what is left has no English word at all (a bare
path, a separator, a number). Lines built elsewhere (a variable, `json.dumps(…)`) are not literals and
are not judged here: machine-readable output stays as it is.
"""

import ast
import re
from functools import cache

from tests.test_messages_are_japanese import JAPANESE, ROOT, written_text

PACKAGES = ("secretariat", "mailroom", "callcenter", "exchange", "online")
EXTRA = ("secretariat/demo.py",)  # the demo prints its summary for a person too
PRINTERS = {"print", "echo"}  # console.print, err.print, typer.echo, print


MARKUP = re.compile(r"\[/?[a-z][a-z ]*\]")  # rich markup: [red], [/red], [bold], [/]
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


@cache
def cli_sources() -> dict[str, ast.Module]:
    paths = [path for package in PACKAGES for path in sorted((ROOT / package).rglob("cli.py"))]
    paths += [ROOT / extra for extra in EXTRA]
    return {path.relative_to(ROOT).as_posix(): ast.parse(path.read_text(encoding="utf-8")) for path in paths}


def _is_printer(call: ast.Call) -> bool:
    function = call.func
    if isinstance(function, ast.Name):
        return function.id == "print"
    return isinstance(function, ast.Attribute) and function.attr in PRINTERS


def printed_lines(trees: dict[str, ast.Module]):
    """(path, line, text) of every printed line written as a literal: its text without format fields."""
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_printer(node) and node.args:
                text = _literal(node.args[0])
                if text is not None:
                    yield path, node.lineno, text


def _literal(node: ast.expr) -> str | None:
    """The literal text of a string, an f-string, or a conditional or `+` of them (`"a" if x else "b"`)."""
    if isinstance(node, ast.IfExp):
        parts = [_literal(node.body), _literal(node.orelse)]
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        parts = [_literal(node.left), _literal(node.right)]
    else:
        return written_text(node)
    parts = [part for part in parts if part is not None]
    return "\n".join(parts) if parts else None


def is_english(text: str) -> bool:
    """English words in a line with no Japanese at all (each branch of a conditional is a line)."""
    return any(not JAPANESE.search(line) and ENGLISH_WORD.search(MARKUP.sub("", line))
               for line in text.split("\n") if line.strip())


def untranslated(trees: dict[str, ast.Module]) -> list[str]:
    return [f"{path}:{line}: {text!r}" for path, line, text in printed_lines(trees)
            if is_english(text)]


def test_every_line_the_cli_prints_for_a_person_is_japanese():
    found = untranslated(cli_sources())
    assert not found, "English CLI output (write it in Japanese):\n" + "\n".join(found)


def test_the_walk_reads_every_cli_module():
    assert {"mailroom/printing/cli.py", "exchange/giftcodes/cli.py", "online/cli.py", "callcenter/cli.py",
            "secretariat/demo.py", "secretariat/cli.py", "mailroom/checkin/cli.py"} <= set(cli_sources())


def test_the_walk_flags_an_english_line_and_passes_a_japanese_one():
    tree = ast.parse('def f(n, path):\n'
                     '    console.print(f"print run {n}: done")\n'
                     '    err.print(f"[red]エラー:[/red] 印刷ラン {n} は終わっていません")\n'
                     '    typer.echo(str(path))\n'
                     '    print(f"{n}\\t{path}")\n'
                     '    console.print(f"バッチ {n}" if n else "nothing to pay")\n'
                     '    err.print("[red]error:[/red] {n}")\n')
    assert untranslated({"exchange/x.py": tree}) == [
        "exchange/x.py:2: 'print run : done'",
        "exchange/x.py:6: 'バッチ \\nnothing to pay'",
        "exchange/x.py:7: '[red]error:[/red] {n}'",
    ]


# The demo's summary table (段階/件数/内容) and demo-summary.json are read by a person too: each stage is a
# (name, count, note) tuple appended to `result.stages` or returned by a tally's `stages()`/`payment_stage()`.
# Its name and note must be Japanese with no English word left in them; an acronym (CSV, SFTP, QR) may stay.
DEMO_MODULES = ("secretariat/demo.py", "secretariat/demo_replay.py", "secretariat/demo_online.py",
                "secretariat/demo_giftcodes.py")
STAGE_MAKERS = {"stages", "payment_stage"}
LOWERCASE_WORD = re.compile(r"[A-Za-z]*[a-z]{3,}")  # "over", "Paid"; not "CSV" or "CP932"


def demo_sources() -> dict[str, ast.Module]:
    return {path: ast.parse((ROOT / path).read_text(encoding="utf-8")) for path in DEMO_MODULES}


def _stage_tuples(tree: ast.Module):
    """Every (name, count, note) tuple: appended to `….stages`, or returned by a tally's stage maker."""
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append"
                and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "stages" and node.args):
            yield node.args[0]
        if isinstance(node, ast.FunctionDef) and node.name in STAGE_MAKERS:
            for returned in (n.value for n in ast.walk(node) if isinstance(n, ast.Return) and n.value):
                yield from (returned.elts if isinstance(returned, ast.List) else [returned])


def stage_texts(trees: dict[str, ast.Module]):
    """(path, line, text) of every stage's name and note written as a literal, format fields set aside."""
    for path, tree in trees.items():
        for stage in _stage_tuples(tree):
            if isinstance(stage, ast.Tuple) and len(stage.elts) == 3:
                for part in (stage.elts[0], stage.elts[2]):
                    text = written_text(part)
                    if text is not None:
                        yield path, part.lineno, text


def english_stage_texts(trees: dict[str, ast.Module]) -> list[str]:
    return [f"{path}:{line}: {text!r}" for path, line, text in sorted(stage_texts(trees))
            if not JAPANESE.search(text) or LOWERCASE_WORD.search(text)]


def test_every_stage_of_the_demo_summary_is_named_and_described_in_japanese():
    found = english_stage_texts(demo_sources())
    assert not found, "English demo stage (write it in Japanese):\n" + "\n".join(found)


def test_the_stage_walk_finds_the_stages_of_every_demo_module():
    names = {path: {text for _path, _line, text in stage_texts({path: tree})}
             for path, tree in demo_sources().items()}
    assert {"印刷", "振込結果"} <= names["secretariat/demo.py"] and "受付" in names["secretariat/demo_replay.py"]
    assert "毎週の振込" in names["secretariat/demo_replay.py"] and "オンライン申請" in names["secretariat/demo_online.py"]
    assert "デジタルギフト" in names["secretariat/demo_giftcodes.py"]


def test_the_stage_walk_flags_an_english_name_or_a_note_with_english_words_in_it():
    tree = ast.parse('def run(result, n):\n'
                     '    result.stages.append(("print (印刷)", n, f"{n} ページ"))\n'
                     '    result.stages.append(("発送", n, f"{n} 件を CSV で記録"))\n'
                     'class Tally:\n'
                     '    def stages(self):\n'
                     '        return [("受付", 1, "checked in at the station"), ("辞退", 2, "電話で受けた辞退")]\n')
    assert english_stage_texts({"secretariat/demo_x.py": tree}) == [
        "secretariat/demo_x.py:2: 'print (印刷)'",
        "secretariat/demo_x.py:6: 'checked in at the station'",
    ]
