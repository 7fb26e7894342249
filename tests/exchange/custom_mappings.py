"""A municipality's own mapping as tests write one: the default YAML with some headings renamed,
the way an admin copies default.yaml and edits it."""

from exchange.targets.mapping import MAPPINGS_DIR

DEFAULT_YAML = (MAPPINGS_DIR / "default.yaml").read_text(encoding="utf-8")
# headings a resident-register export (芽室町's resident table) uses where the default has others
RENAMED = {"氏名カナ": "氏名_フリガナ", "続柄": "続柄コード1", "郵便番号": "住所_郵便番号"}


def renamed_yaml(renamed: dict[str, str] = RENAMED, title: str = "住民記録システムの出力") -> str:
    text = DEFAULT_YAML.replace("title: 標準レイアウト（1行1人）", f"title: {title}")
    for old, new in renamed.items():
        text = text.replace(f"{{header: {old}, ", f"{{header: {new}, ")
    return text


def renamed_rows(rows: list[list[str]], renamed: dict[str, str] = RENAMED) -> list[list[str]]:
    """The rows with their headings renamed as `renamed_yaml` expects them."""
    return [[renamed.get(heading, heading) for heading in rows[0]]] + [list(row) for row in rows[1:]]
