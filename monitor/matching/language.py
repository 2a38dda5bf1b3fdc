"""The language of an item: what the feed or the item declares, else the script, else a detector.

English items take the cheap path: a text in Latin script whose words include none of the other supported
languages' common function words (or only one, in a text longer than a headline without their accented
letters) is English without asking the detector. Cyrillic, Han and Arabic script decide by themselves
(Ukrainian and Russian are told apart by Ukrainian-only letters, else by the detector); only Latin-script
text that looks French, German or Spanish, and Cyrillic without telling letters, goes to py3langid (its model
ships inside the package; it is loaded on first use and nothing is downloaded). Only the first 600
characters are read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from monitor.matching.text import wordset


class Language(StrEnum):
    """The languages whose cues the matcher knows (ISO 639-1)."""

    EN = "en"
    RU = "ru"
    UK = "uk"
    ZH = "zh"
    FR = "fr"
    DE = "de"
    ES = "es"
    AR = "ar"


SUPPORTED = frozenset(Language)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
_OTHER_SCRIPT = re.compile(r"[\u0400-\u04ff\u0600-\u06ff\u0750-\u077f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_UKRAINIAN = re.compile(r"[іїєґІЇЄҐ]")
_RUSSIAN = re.compile(r"[ыэъёЫЭЪЁ]")
# Common function words of the Latin-script languages besides English (folded: no accents). An item with
# none of them is English; one with them goes to the detector.
_LATIN_FOREIGN = wordset("""
le les des et est une selon pas du au aux qui avec pour sur dans ont sont cette ces leur la toute tous lui
der und nicht ist sagte laut mit von dem den ein eine auf sich nach wird wurde keine sei habe das vor gab
dass zu fur aus bei oder auch gegen im zum zur vom sind hat haben
el los las y segun del una por con para su sus dijo afirmo fue ha esta unos este lo al sobre como pero
que se sin muy ya
""")
# Letters French, German and Spanish write and English does not: text with one goes to the detector too.
_ACCENTED = re.compile("[àâçéèêëîïôùûüÿœäöüßñáíóú¿¡ÀÂÇÉÈÊÎÔÙÛÄÖÜÑÁÍÓÚ]")


# The detector reads the item's first characters only: enough to tell a language, and its cost stays flat.
_SAMPLE = 600
# A headline: one function word of another language is telling enough to ask the detector.
_SHORT = 200


class _Identifier(Protocol):
    def classify(self, text: str) -> tuple[str, float]: ...


@functools.cache
def _identifier() -> _Identifier:
    """py3langid restricted to the supported languages (loaded once per process, on first use)."""
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages(sorted(SUPPORTED))
    return identifier  # type: ignore[no-any-return]


def declared(value: str | None) -> Language | None:
    """A declared language tag ("ru", "zh-CN", "en_GB", "fr-fr") as a supported language, if it is one."""
    if not value:
        return None
    code = value.strip().lower().replace("_", "-").split("-", maxsplit=1)[0]
    return Language(code) if code in SUPPORTED else None


def detect(text: str, words: Sequence[str] = (), declared_as: str | None = None, folded: str = "") -> Language:
    """The item's language: `declared_as` when it names a supported language, else from the text.

    `words` are the item's folded words and `folded` its folded text when the caller has them: English text
    in typographic punctuation folds to ASCII, so no other script is looked for in it.
    """
    given = declared(declared_as)
    if given is not None:
        return given
    sample = text[:_SAMPLE]  # the headline and the lead tell the language; reading them only costs less
    if (folded or sample)[:_SAMPLE].isascii() or not _OTHER_SCRIPT.search(sample):
        return _latin(sample, words)
    counts = {script: len(pattern.findall(sample)) for script, pattern in
              (("han", _HAN), ("cyrillic", _CYRILLIC), ("arabic", _ARABIC), ("latin", _LATIN))}
    script = max(counts, key=lambda s: counts[s])
    if counts[script] == 0 or script == "latin":
        return _latin(sample, words)
    return {"han": Language.ZH, "arabic": Language.AR}.get(script) or _cyrillic(sample)


def _cyrillic(text: str) -> Language:
    ukrainian, russian = bool(_UKRAINIAN.search(text)), bool(_RUSSIAN.search(text))
    if ukrainian != russian:
        return Language.UK if ukrainian else Language.RU
    found = _identifier().classify(text[:_SAMPLE])[0]
    return Language.UK if found == "uk" else Language.RU


def _latin(text: str, words: Sequence[str]) -> Language:
    """English, unless the function words of another language (two; or one in a headline, or in text with the
    language's accents) say otherwise and the detector agrees."""
    tokens = words or text.lower().split()
    if _LATIN_FOREIGN.isdisjoint(tokens):
        return Language.EN
    few = sum(1 for token in tokens if token in _LATIN_FOREIGN) < 2 and len(text) >= _SHORT
    if few and (text.isascii() or not _ACCENTED.search(text)):
        return Language.EN
    found = _identifier().classify(text[:_SAMPLE])[0]
    return Language(found) if found in (Language.FR, Language.DE, Language.ES) else Language.EN
