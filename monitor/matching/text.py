"""Word-level helpers shared by every matching stage: a light stemmer and the function-word list."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import Stemmer


def wordset(text: str) -> frozenset[str]:
    """A constant word table from whitespace-separated words (keeps long lists readable)."""
    return frozenset(text.split())


# Function words: never keyphrases, never evidence that an item is about a claim.
STOPWORDS = wordset("""
a an the of to in on for and or but nor so yet is are was were be been being am by with at from as that this
these those it its it's he she they them their theirs his her hers him we us our you your i me my mine who
whom whose which what when where why how than then there here has have had having do does did done doing will
would shall should can could may might must not no never also just only very more most much many some any all
each every both either neither other such own same too into onto over under about after before while during
since until up down out off again further once if because though although unless whether s t d ll re ve m o y
said says say told tells claim claims claimed report reports reported according new
""")

# Irregular forms the suffix rules cannot reach; both sides of a comparison go through `stem`.
_IRREGULAR = {
    "said": "say", "says": "say", "told": "tell", "tells": "tell", "died": "die", "dies": "die", "dying": "die",
    "dead": "die", "death": "die", "killed": "kill", "children": "child", "men": "man", "women": "woman",
    "people": "person", "bought": "buy", "sold": "sell", "caught": "catch", "shot": "shoot", "built": "build",
    "found": "find", "made": "make", "taken": "take", "took": "take", "gave": "give", "given": "give",
    "won": "win", "lost": "lose", "left": "leave", "sent": "send", "ran": "run", "began": "begin", "begun": "begin",
    "wrote": "write", "written": "write", "stole": "steal", "stolen": "steal", "flew": "fly", "flown": "fly",
    "beheading": "behead", "beheaded": "behead", "supplies": "supply", "supplied": "supply", "supplying": "supply",
    "supplier": "supply", "suppliers": "supply", "weapons": "weapon", "arms": "arm", "drones": "drone",
}


def irregular_forms() -> frozenset[str]:
    """The words `stem` first maps to another word ("told": "tell")."""
    return frozenset(_IRREGULAR)


_SUFFIXES = ("ational", "ization", "ments", "ment", "ingly", "iness", "ness", "ings", "ing", "edly", "ies",
             "ied", "ers", "er", "ed", "es", "s")
# One Han character, as a character class: Chinese words are read character by character.
HAN = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_WORD = re.compile(rf"{HAN}|[^\W{HAN[1:-1]}]+(?:['.-][^\W{HAN[1:-1]}]+)*", re.UNICODE)
# Snowball stemmers for the scripts whose words inflect beyond English rules: Cyrillic (the Russian stemmer,
# which also takes most Ukrainian endings) and Arabic. Other words take the English rules below.
_CYRILLIC_STEMMER = Stemmer.Stemmer("russian")
_ARABIC_STEMMER = Stemmer.Stemmer("arabic")
_CYRILLIC_ENDINGS = frozenset("аеиоуыэюяіїєйь")
_ELIDED = frozenset("dlnjmtc")


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude, deterministic stem of a folded word ("supplying" -> "suppli", "Shapps'" -> "shap").

    Memoised: a pure function of its argument, so the cache changes nothing but speed.
    """
    word = word.strip("'.-")
    if not word.isascii() and word[:1].isalpha() and "\u0400" <= word[0] <= "\u06ff":
        return _script_stem(word)
    if len(word) > 4 and word[1] == "'" and word[0] in _ELIDED:
        word = word[2:]  # French elision: "d'armes", "l'armee"
    if word.endswith("'s"):
        word = word[:-2]
    irregular = _IRREGULAR.get(word)
    if irregular is not None:
        word = irregular
    if len(word) <= 4 or not word.isalpha():
        return word
    for suffix in _SUFFIXES if word.endswith(_SUFFIXES) else ():
        if suffix == "s" and word.endswith(("ss", "us", "is")):
            continue
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                word += "i"
            break
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 4 and word.endswith("y"):
        word = word[:-1] + "i"
    return word


class _Stems(dict[str, str]):
    """Each word's `stem`, computed on first lookup; bounded like `stem`'s own cache."""

    def __missing__(self, word: str) -> str:
        if len(self) >= 1 << 16:
            self.clear()
        found = self[word] = stem(word)
        return found


_STEMS = _Stems()


def stems(words: Iterable[str]) -> tuple[str, ...]:
    """The stem of each word: `stem` mapped over the words, with a dict lookup for the words already seen
    (faster than the `lru_cache` wrapper on the thousands of tokens of an item)."""
    return tuple(map(_STEMS.__getitem__, words))


def _script_stem(word: str) -> str:
    """The stem of a Cyrillic or Arabic word (other scripts: the word).

    Cyrillic: the Russian Snowball stem, then its final vowels, "й" and "ь" while three letters stay, which
    also takes the Ukrainian endings ("Росії", "Росія": "рос"; "Китай", "Китая": "кит"), and a final "-ов",
    "-ев", "-ів" of a longer stem ("Буданов", "Буданова": "будан"). Arabic: a leading
    conjunction and preposition ("و", "ف", "ب", "ل", "ك"; "لل" is left to Snowball) while four letters stay,
    then the Arabic Snowball stem ("لروسيا", "وروسيا": "روسي").
    """
    if word[0] <= "\u04ff":
        found = str(_CYRILLIC_STEMMER.stemWord(word))
        while len(found) > 3 and found[-1] in _CYRILLIC_ENDINGS:
            found = found[:-1]
        if len(found) > 5 and found.endswith(("ов", "ев", "ів", "їв")):
            found = found[:-2]  # surnames and genitive plurals: "Буданов", "Буданова"; "дронів"
        return found
    if not "\u0600" <= word[0] <= "\u06ff":
        return word
    for prefixes in ("وف", "بلك"):
        if word[0] in prefixes and len(word) > 4 and not word.startswith("لل"):
            word = word[1:]
    return str(_ARABIC_STEMMER.stemWord(word))


def words(folded: str) -> list[str]:
    """The words of a folded string, in order."""
    return _WORD.findall(folded)


def content_stems(folded: str) -> list[str]:
    """Stems of the content words of a folded string (function words dropped), in order, repeats kept."""
    stems = (stem(w) for w in _WORD.findall(folded) if w not in STOPWORDS and len(w) > 1)
    return [s for s in stems if s not in STOPWORDS and len(s) > 1]
