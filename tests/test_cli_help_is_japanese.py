"""Every help the `secretariat` command shows is Japanese.

Operators read `secretariat … --help` as they read the web pages and the CLI's own lines
(`tests/test_cli_output_is_japanese.py`): every word Japanese, a code only beside its Japanese name. typer
shows a command's docstring as its help, a group's `typer.Typer(help=…)`, and each option's or argument's
`help=`, so the walk goes over the real command tree, not the source: every group the root builds only when
the command line names it (`secretariat.cli.DOMAINS`) is built here through the same `get_command` a command
line would call, and a group added later is walked without a change to this file.

A help may keep a code a person types or reads on paper: an option name (`--json`), a value to type or a
command line written in backquotes (`` `gift_code` ``, `` `secretariat worker` ``), and the few format and
product names below. Any other word of three or more Latin letters is English left untranslated.

click's own words around the helps (`Usage:`, `Options:`, `--help`'s "Show this message and exit.") are
the framework's, not ours, and are not judged here.
"""

import re
from functools import cache

from typer.main import get_command

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")

# Codes and names that stay as they are beside Japanese: file formats, encodings, protocols, products.
ALLOWED = {"CSV", "PDF", "JSON", "YAML", "SFTP", "OpenSSH", "URL", "CP932", "UTF-8", "Zengin", "PostgreSQL",
           "SQLite", "SMS", "QR", "ID", "PNG", "JPEG", "TIFF", "XLSX", "API", "CPU", "WAPE", "YYYY-MM-DD"}
CODE = re.compile(r"`[^`]*`")  # a value or command line to type, as written
OPTION = re.compile(r"(?<![\w-])--?[a-z][a-z0-9-]*")  # --json, --patience-s, -n
TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)*")  # UTF-8, CP932, gift_code
WORD = re.compile(r"[A-Za-z]{3,}")


def english_words(text: str) -> list[str]:
    """The words of three or more Latin letters in `text` that are neither a code nor an allowed name."""
    plain = OPTION.sub(" ", CODE.sub(" ", text))
    return [token for token in TOKEN.findall(plain) if WORD.search(token) and token not in ALLOWED]


def walk(command, path: tuple[str, ...], parent=None):
    """(path, command, its context) of `command` and of every command under it, groups built on demand
    included (typer's groups are commands with `list_commands`/`get_command`, in typer's own copy of click)."""
    context = command.context_class(command, info_name=path[-1], parent=parent)
    yield path, command, context
    if hasattr(command, "list_commands"):
        for name in command.list_commands(context):
            yield from walk(command.get_command(context, name), (*path, name), context)


@cache
def command_tree() -> dict:
    from secretariat.cli import app

    return {" ".join(path): (command, context) for path, command, context in walk(get_command(app), ("secretariat",))}


def parameters(tree: dict):
    """(where, parameter) of every option and argument as `--help` lists them (typer's completion options on
    the root included; click's own `--help` not)."""
    for where, (command, context) in tree.items():
        for param in command.get_params(context):
            if param is not command.get_help_option(context):
                yield f"{where} {param.opts[0] if param.opts else param.name}", param


def helps(tree: dict) -> list[tuple[str, str]]:
    """(where, text) of every help that is set: each command's and group's, and each option's and argument's."""
    found = [(where, command.help) for where, (command, _) in tree.items() if command.help]
    return found + [(where, param.help) for where, param in parameters(tree) if getattr(param, "help", None)]


def without_japanese(found: list[tuple[str, str]]) -> list[str]:
    return [f"{where}: {text!r}" for where, text in found if not JAPANESE.search(text)]


def with_english(found: list[tuple[str, str]]) -> list[str]:
    return [f"{where}: {words} in {text!r}" for where, text in found if (words := english_words(text))]


def test_the_walk_reaches_every_domain_group_its_sub_groups_and_their_options():
    tree = command_tree()
    assert {"secretariat init", "secretariat users assign", "secretariat print run", "secretariat forms sample",
            "secretariat mailroom check", "secretariat mailroom keying status",
            "secretariat exchange decisions approve",
            "secretariat exchange bank-profile set", "secretariat giftcodes reissue", "secretariat callcenter erlang",
            "secretariat online push-dates"} <= set(tree)
    assert "secretariat exchange payments prepare --user" in dict(helps(tree))


def test_every_command_and_group_says_what_it_does():
    silent = [where for where, (command, _) in command_tree().items() if not command.help]
    assert not silent, "commands with no help (give each a Japanese docstring):\n" + "\n".join(silent)


def test_every_option_and_argument_says_what_it_is():
    silent = [where for where, param in parameters(command_tree()) if not getattr(param, "help", None)]
    assert not silent, "options and arguments with no help (give each a Japanese help=):\n" + "\n".join(silent)


def test_every_help_is_written_in_japanese():
    found = without_japanese(helps(command_tree()))
    assert not found, f"{len(found)} helps with no Japanese (translate them):\n" + "\n".join(found)


def test_no_help_keeps_an_english_word_beside_its_japanese():
    found = with_english(helps(command_tree()))
    assert not found, f"{len(found)} helps with English words left (translate them):\n" + "\n".join(found)


def test_the_checks_flag_english_and_pass_japanese_with_its_codes():
    examples = [("a", "Print every household not yet printed."),
                ("b", "支給のお知らせ: set the push programme's dates"),
                ("c", "振込データを作成する（承認待ちになる）"),
                ("d", "`transfer`（振込）・`gift_code`（デジタルギフト）"),
                ("e", "承認済みの振込データを CSV と Zengin 総合振込ファイル（CP932）で書き出す。--json で JSON を出力"),
                ("f", "基準日（YYYY-MM-DD、省略時は今日）。`secretariat worker` が処理する")]
    assert without_japanese(examples) == ["a: 'Print every household not yet printed.'"]
    assert [line.split(":")[0] for line in with_english(examples)] == ["a", "b"]
    assert english_words("支給のお知らせ: set the push programme's dates") == ["set", "the", "push", "programme",
                                                                             "dates"]
