"""The fast paths of normalisation and candidate retrieval agree with their plain definitions."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.matching import folding, normalize
from monitor.matching.normalize import Token
from monitor.matching.text import stem

# Plain definitions the fast paths must agree with.
SENTENCE_END = re.compile(r"""[.!?\u3002]+["')\]]*(?=\s+["'(\[]?[A-Z0-9\u0400-\u9fff])|[.!?\u3002]+["')\]]*\s*$"""
                          r"""|[.!?\u3002]*[!?\u3002](?=["'(\[]?[\u3400-\u9fff])|\n\s*\n""")
CAPITALISED = re.compile(r"(?<![\w'.-])[A-Z][\w'-]{4,}")
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORD = re.compile(rf"[{HAN}]|[^\W{HAN}]+(?:['.-][^\W{HAN}]+)*")

# Text made of the characters the fast paths treat specially: punctuation, quotes, dashes, spaces, accents,
# ligatures and characters whose folded form is longer or shorter than themselves.
TEXT = st.text(alphabet=st.sampled_from(list(
    "aBcDeZ09 _.!?\"'()[]-\n\t`" "\u2018\u2019\u201c\u201d\u2014\u2013\u00a0\u200b\u00e9\u00c9\u00df\ufb01\u0130\u0301"
    "\u0416\u0419\u0451\u4e2d\u6587\u3002\uff23")), max_size=80)


def fold_by_character(text: str) -> tuple[str, tuple[int, ...] | None]:
    """Folding one character at a time, as the definition reads."""
    parts: list[str] = []
    origin: list[int] = []
    for position, char in enumerate(text):
        folded = char.lower() if char.isascii() else folding._fold_char(char)
        parts.append(folded)
        origin.extend([position] * len(folded))
    result = "".join(parts)
    if len(result) == len(text) and all(i == o for i, o in enumerate(origin)):
        return result, None
    return result, tuple(origin)


@settings(max_examples=300)
@given(TEXT)
def test_fold_matches_folding_by_character(text: str) -> None:
    """Folding by ASCII stretches gives the same text and offsets as folding each character."""
    assert folding.fold_with_origin(text) == fold_by_character(text)


@settings(max_examples=300)
@given(TEXT)
def test_plain_matches_translate(text: str) -> None:
    """Straightening quotes and dashes with the regex engine equals str.translate."""
    assert folding.plain(text) == text.translate(folding._PLAIN)


@settings(max_examples=300)
@given(TEXT)
def test_sentence_ends_match_the_alternation(text: str) -> None:
    """The skip-ahead sentence-end pattern finds exactly what the plain alternation finds."""
    expected = [(m.start(), m.end()) for m in SENTENCE_END.finditer(text)]
    assert [(m.start(), m.end()) for m in normalize._SENTENCE_END.finditer(text)] == expected


@settings(max_examples=300)
@given(TEXT)
def test_capitalised_names_match_the_lookbehind(text: str) -> None:
    """The skip-ahead capitalised-name pattern finds exactly what the lookbehind-first pattern finds."""
    expected = [(m.start(), m.end()) for m in CAPITALISED.finditer(text)]
    assert [(m.start(), m.end()) for m in normalize._CAPITALISED.finditer(text)] == expected


@settings(max_examples=300)
@given(TEXT)
def test_tokens_match_findall(text: str) -> None:
    """Tokens from the capturing split carry the offsets and words a findall gives, stemmed."""
    folded = normalize.fold(text)
    tokens = normalize._tokenize(folded)
    found = list(WORD.finditer(folded))
    assert list(tokens.texts) == [m.group() for m in found]
    assert list(zip(tokens.starts, tokens.ends, strict=True)) == [m.span() for m in found]
    assert list(tokens.stems) == [stem(m.group()) for m in found]


def test_token_slices_are_tokens() -> None:
    """A slice of the token list is the tuple of Token values at those indexes, built once."""
    doc = normalize.normalize("China\u2019s embassy", "It declined to comment on the claims. Shapps said so.")
    for sentence in doc.sentences:
        tokens = doc.sentence_tokens(sentence)
        assert tokens == tuple(doc.tokens[i] for i in range(sentence.first_token, sentence.last_token))
        assert all(type(t) is Token for t in tokens)
        assert doc.sentence_tokens(sentence) is tokens


def test_sentence_tokens_cover_the_text() -> None:
    """Each sentence owns exactly the tokens that start inside it, in order and without gaps."""
    body = "The U.S. said no. \u201cWe have not seen that,\u201d he said.\n\nEnd"
    doc = normalize.normalize("Beijing: no comment", body)
    assert doc.sentences[0].first_token == 0
    assert doc.sentences[-1].last_token == len(doc.tokens)
    for before, after in zip(doc.sentences, doc.sentences[1:], strict=False):
        assert before.last_token == after.first_token
    for sentence in doc.sentences:
        starts = doc.tokens.starts[sentence.first_token:sentence.last_token]
        assert all(sentence.start <= s < sentence.end for s in starts)


@pytest.mark.parametrize(("text", "clauses"), [
    ("Beijing denies it, but London insists it is true.", ["beijing denies it", "london insists it is true."]),
    ("While Washington says yes, Tehran says no.", ["while washington says yes", "tehran says no."]),
    ("Kyiv says so; Moscow disagrees.", ["kyiv says so", "moscow disagrees."]),
    ("The agency is monitoring reports but has not verified them.",
     ["the agency is monitoring reports but has not verified them."]),
    ("Shapps spoke while visiting Kyiv.", ["shapps spoke while visiting kyiv."]),
    ("Shapps spoke, but Beijing disagreed.", ["shapps spoke", "beijing disagreed."]),
    ('"Yes, but not yet," Sullivan said.', ['"yes, but not yet," sullivan said.']),
])
def test_clauses_split_where_a_sentence_turns(text: str, clauses: list[str]) -> None:
    """A sentence splits at a turn to another subject, never inside a quotation or before a bare verb."""
    doc = normalize.normalize("", text)
    (sentence,) = doc.sentences
    assert [doc.folded[c.start:c.end].strip() for c in doc.clauses(sentence)] == clauses
