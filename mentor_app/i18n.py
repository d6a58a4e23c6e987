"""Words in the reader's language: the one way the app translates what it shows or prints.

The catalogues are GNU gettext files in resources/locale/<language>/LC_MESSAGES (the .po is the
translators' text; the .mo beside it is what the app reads, made by `make translations`). A sheet is
printed in the mentee's language whatever the app's own; so words are asked of a language
(`words_in("cy")`), never of a hidden global.

Source strings use named placeholders, `{name}`, never positions, so a translation may reorder them;
`make translations` refuses a catalogue whose placeholders differ from the source's.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Callable
from dataclasses import dataclass

from .resources import resource_path

DOMAIN = "mentor_app"
ENGLISH = "en"
WELSH = "cy"
# The languages the app can print and show, each named in itself (what a reader looks for in a list).
LANGUAGES = {ENGLISH: "English", WELSH: "Cymraeg"}


def N_(text: str) -> str:  # noqa: N802 - the name gettext's tools look for
    """Marks a string for translation where it is defined (a vocabulary's label); translated where shown."""
    return text


def NC_(context: str, text: str) -> str:  # noqa: N802 - the name gettext's tools are told to look for
    """Marks a string that needs a context ("May" the month); translated where shown with `Words.p`."""
    return text


@dataclass(frozen=True)
class Words:
    """One language's translations: `w("Phone")`, `w.n("{n} service", "{n} services", n)`,
    `w.p("month", "Dec")` where one English word needs two translations."""

    language: str
    _catalogue: gettext.NullTranslations

    def __call__(self, text: str, **values: object) -> str:
        found = self._catalogue.gettext(text)
        return found.format(**values) if values else found

    def n(self, one: str, many: str, count: int, **values: object) -> str:
        return self._catalogue.ngettext(one, many, count).format(n=count, **values)

    def p(self, context: str, text: str) -> str:
        return self._catalogue.pgettext(context, text)


@functools.cache
def words_in(language: str) -> Words:
    """The words of `language` (English for one the app has no catalogue for)."""
    if language == ENGLISH or language not in LANGUAGES:
        return Words(ENGLISH, gettext.NullTranslations())
    try:
        folder = resource_path("locale")
    except FileNotFoundError:
        return Words(ENGLISH, gettext.NullTranslations())
    return Words(language, gettext.translation(DOMAIN, localedir=str(folder), languages=[language], fallback=True))


def translated(language: str) -> Callable[[str], str]:
    """A plain function translating into `language`, for code that only needs whole strings."""
    return words_in(language).__call__
