"""The residents' pages in their language (多言語・やさしい日本語): one catalogue per language, by key.

`messages/ja.yaml` is the reference: every other language (`ja-easy` やさしい日本語, and the call center's
interpreter languages en, zh, ko, pt, vi) has exactly its keys and, in each sentence, its placeholders
(`{date}`); a test holds them so. In the text, `{漢字|かんじ}` is ruby (furigana), shown as `<ruby>` on the
page and as the plain kanji anywhere else.

The flows say what went wrong as a `Said` (a key and its values); `ResidentError` carries them with the
Japanese text as its message, so staff, logs and the CLI read what they read before. The routes
translate at the edge: `render_page` gives the templates `t`, in the language the resident chose
(`?lang=` from the menu, remembered in a cookie for the session), else the first of ours the browser's
`Accept-Language` names, else Japanese.

Texts the form template owns (its confirmations, attachments, deficiency sentences) show in Japanese
as the template words them; in another language the catalogue's sentence for the field or code, and the
template's own words where the catalogue has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from secretariat.core.errors import Conflict, DomainError, InvalidInput
from secretariat.core.yamlfile import load_yaml

if TYPE_CHECKING:  # the web's parts are imported where a page is drawn: workers use only the sentences
    from fastapi import Request

FOLDER = Path(__file__).parent / "messages"
JA = "ja"
# The resident languages, in the menu's order: the call center's interpreter languages and やさしい日本語.
LANGUAGES = ("ja", "ja-easy", "en", "zh", "ko", "pt", "vi")
HTML_LANG = {"ja": "ja", "ja-easy": "ja", "en": "en", "zh": "zh-Hans", "ko": "ko", "pt": "pt", "vi": "vi"}
COOKIE = "secretariat_resident_lang"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_RUBY = re.compile(r"\{([^{}|]+)\|([^{}|]+)\}")


@cache
def catalogue(language: str) -> dict[str, str]:
    """One language's sentences by dotted key (`factor.heading`)."""
    data = load_yaml((FOLDER / f"{language}.yaml").read_text(encoding="utf-8"))
    return dict(_flatten(data))


def _flatten(data: dict, prefix: str = ""):
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", str(value)


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


@dataclass(frozen=True)
class Said:
    """A sentence by key, with its values; `fallback` (Japanese) where a language may lack the key."""

    key: str
    params: dict = field(default_factory=dict)
    fallback: str = ""


class ResidentError(DomainError):
    """A problem to show the resident, as sentences by key; its message is their Japanese text."""

    def __init__(self, *said: Said):
        super().__init__(plain(JA, *said))
        self.said = list(said)


class ResidentInvalid(ResidentError, InvalidInput):
    status_code = 422


class ResidentConflict(ResidentError, Conflict):
    status_code = 409


# What to fix is written on the paper form for paper ("同封してください", "□に✓を"); the Japanese
# catalogue words those codes for a screen, and the template's sentence shows for a code it lacks.
SCREEN_WORDED = "deficiency."


def _lookup(language: str, said: Said) -> str | None:
    """The sentence's text in `language`; None where only the fallback (literal Japanese) can say it."""
    if said.fallback and language == JA and not said.key.startswith(SCREEN_WORDED):
        return None  # Japanese shows the form template's own words
    found = catalogue(language).get(said.key)
    if found is None and not said.fallback:
        found = catalogue(JA).get(said.key, said.key)
    return found


def _value(language: str, value, html: bool):
    if isinstance(value, date):
        value = Said("format.date", {"year": value.year, "month": value.month, "day": value.day})
    if isinstance(value, Said):
        return _say(language, (value,), html)
    return value if isinstance(value, Markup) or not html else escape(value)


def _say(language: str, said: tuple[Said, ...], html: bool) -> str:
    parts = []
    for one in said:
        text = _lookup(language, one)
        if text is None:
            parts.append(str(escape(one.fallback)) if html else one.fallback)
            continue
        if html:
            text = _RUBY.sub(lambda m: f"<ruby>{m[1]}<rt>{m[2]}</rt></ruby>", str(escape(text)))
        else:
            text = _RUBY.sub(lambda m: m[1], text)
        parts.append(_PLACEHOLDER.sub(lambda m: str(_value(language, one.params.get(m[1], ""), html)), text))
    joined = _joiner(language).join(parts)
    return Markup(joined) if html else joined


def sentence(language: str, *said: Said) -> Markup:
    """The sentences as HTML: the catalogue's text escaped, ruby drawn, values escaped and put in."""
    return _say(language, said, html=True)


def plain(language: str, *said: Said) -> str:
    """The sentences as text (ruby as its kanji): for an error's message, an SMS, a log."""
    return _say(language, said, html=False)


def _joiner(language: str) -> str:
    return "" if language.startswith(JA) or language == "zh" else " "


# --- choosing the language -----------------------------------------------------------------------

def from_accept_language(header: str) -> str | None:
    """The first of our languages the browser asks for, by its weights (`en-US,en;q=0.9,ja;q=0.8`)."""
    asked = []
    for position, item in enumerate(header.split(",")):
        tag, _, weight = item.strip().partition(";q=")
        try:
            quality = float(weight) if weight else 1.0
        except ValueError:
            quality = 0.0
        if quality > 0:  # q=0 says "not this one"
            asked.append((-quality, position, tag.strip().lower().split("-")[0]))
    return next((primary for _, _, primary in sorted(asked) if primary in LANGUAGES), None)


def chosen_language(request: Request) -> str:
    for candidate in (request.query_params.get("lang"), request.cookies.get(COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return from_accept_language(request.headers.get("accept-language", "")) or JA


def remember_language(request: Request, response):
    """Keep a language picked from the menu for the rest of the resident's visit (a session cookie)."""
    from secretariat.core.web.security import set_cookie

    picked = request.query_params.get("lang")
    if picked in LANGUAGES and request.cookies.get(COOKIE) != picked:
        set_cookie(request, response, COOKIE, picked)
    return response


class Translator:
    """The templates' `t`: `t("apply.heading")`, `t("push.keep", date=page.decline_by)`, and the words
    the form template owns (`t.deficiency(d)`, `t.confirmation(c)`, `t.attachment(a)`)."""

    def __init__(self, language: str):
        self.language = language

    def __call__(self, key: str, **params) -> Markup:
        return sentence(self.language, Said(key, params))

    def plain(self, key: str, **params) -> str:
        """For an attribute or the title: no markup, ruby as its kanji."""
        return plain(self.language, Said(key, params))

    @property
    def html_lang(self) -> str:
        return HTML_LANG[self.language]

    def lang_of(self, language: str) -> str:
        return HTML_LANG[language]

    def name(self, language: str) -> str:
        return catalogue(language)["language.name"]

    def yen(self, amount: int | None) -> Markup:
        return sentence(self.language, Said("format.yen", {"amount": f"{amount or 0:,}"}))

    def say(self, message) -> Markup:
        """A route's message: an error (its sentences), a `Said`, or text as it is."""
        if isinstance(message, ResidentError):
            return sentence(self.language, *message.said)
        if isinstance(message, DomainError):
            return escape(message.message)
        if isinstance(message, Said):
            return sentence(self.language, message)
        return escape(message or "")

    def _owned(self, key: str, japanese: str) -> Markup:
        return sentence(self.language, Said(key, fallback=japanese))

    def deficiency(self, record) -> Markup:
        return self._owned(f"deficiency.{record.code}", f"{record.message}{record.fix}")

    def confirmation(self, confirmation) -> Markup:
        return self._owned(f"confirmation.{confirmation.name}", confirmation.sentence)

    def attachment(self, attachment) -> Markup:
        return self._owned(f"attachment.{attachment.name}", attachment.label)


def render_page(request: Request, name: str, status_code: int = 200, **context):
    """A resident page in the resident's language, with the menu of languages and `t` for the template."""
    from secretariat.core.web.templating import render

    language = chosen_language(request)
    response = render(request, name, status_code, t=Translator(language), lang=language, languages=LANGUAGES,
                      **context)
    return remember_language(request, response)
