"""The matching benchmark's generated news world and workloads: actors, claims, items and evaluate pairs.

Everything is a pure function of the seeds, so `bench.match` can hand the very same input to another
revision's matcher (`--baseline`), as plain JSON and CSV that need nothing but `monitor.matching.model`.

- `make_world`: 300 countries, each with 3 officials (4 aliases each, affiliated to the country) and 40,000
  phrases; claims "<subject> <verb> <keyphrase> <preposition> <object>" with 3-4 keyphrases each.
- `make_items`: a headline and a 1,500-character body of news-like sentences; one item in ten retells a claim.
- `make_body_items`: a headline and a 3,000-6,000-character article in paragraphs, with quotations
  attributed to officials named by title, and the countries of one claim mentioned in unrelated paragraphs.
- `make_pairs`: FNC-1-like (claim, body) pairs: about 50 bodies of 2,000-4,000 characters per claim
  statement, about a quarter of them about that claim.
"""

from __future__ import annotations

import csv
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from monitor.matching.model import Actor, Claim

COMMON = tuple(
    """government officials said on tuesday the ministry spokesman reported new talks would continue after
the meeting in the capital where leaders discussed trade energy security and the economy while analysts
expected further sanctions markets fell sharply investors worried about inflation the central bank kept
rates unchanged the army moved troops near the border according to local media the agency confirmed that
negotiations resumed late on friday a senior diplomat told reporters that the delegation arrived in the
region for consultations on regional stability humanitarian access and reconstruction funding""".split()  # noqa: SIM905
)
VERBS = ("is supplying", "is selling", "is shipping", "has delivered", "is financing", "is building",
         "is training", "is hosting", "is smuggling", "is developing")
PREPOSITIONS = ("to", "for", "with", "in", "near")
CUES = ("denied that", "confirmed that", "said it may be that", "declined to comment on reports that",
        "rejected claims that", "said there is evidence that", "questioned whether")


@dataclass(frozen=True)
class World:
    """The generated actors, phrase pool and claims."""

    actors: dict[str, Actor]
    phrases: list[str]
    claims: list[Claim]


def _word(rng: random.Random) -> str:
    syllables = ("ka", "lo", "mi", "ra", "ten", "vor", "sha", "din", "bel", "gor", "u", "an", "er", "is", "pol")
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))


def make_world(n_claims: int, seed: int = 1) -> World:
    """Actors, a keyphrase pool and `n_claims` claims."""
    rng = random.Random(seed)
    actors: dict[str, Actor] = {}
    for c in range(300):
        country = _word(rng).capitalize()
        cid = f"country-{c}"
        actors[cid] = Actor(cid, country, "country", (country, f"{country}n government", f"{_word(rng).capitalize()}"
                                                      f" City", f"the {country}n capital"))
        for o in range(3):
            first, last = _word(rng).capitalize(), _word(rng).capitalize()
            oid = f"{cid}-official-{o}"
            title = rng.choice(("Foreign Minister", "Defence Minister", "President", "Spokesman"))
            actors[oid] = Actor(oid, f"{first} {last}", "person",
                                (f"{first} {last}", last, f"{country}n {title}", f"{title} {last}"), cid)
    tails = ("aid", "drones", "missiles", "fuel", "grain", "chips", "loans", "troops")
    phrases = sorted({f"{_word(rng)} {rng.choice(tails)}" for _ in range(40000)})
    countries = [a for a in actors if a.startswith("country-") and "official" not in a]
    claims = []
    for i in range(n_claims):
        subject, obj = rng.sample(countries, 2)
        keyphrases = tuple(rng.sample(phrases, rng.randint(3, 4)))
        statement = (f"{actors[subject].name} {rng.choice(VERBS)} {keyphrases[0]} {rng.choice(PREPOSITIONS)} "
                     f"{actors[obj].name}")
        claims.append(Claim(f"claim-{i}", statement, (subject,), (obj,), keyphrases))
    return World(actors, phrases, claims)


HYPHENATED = ("long-range", "state-run", "cease-fire", "follow-up", "high-level", "cross-border", "so-called",
              "year-on-year", "pro-government", "two-day")
PLACES = ("Institute", "Bank", "University", "Airport", "Group", "Council", "Street", "Party")


def _style(rng: random.Random) -> dict[str, str]:
    """An outlet's punctuation: most use typographic quotes, apostrophes and dashes; some plain ASCII."""
    if rng.random() < 0.6:
        return {"open": "\u201c", "close": "\u201d", "apostrophe": "\u2019", "dash": " \u2014 "}
    return {"open": '"', "close": '"', "apostrophe": "'", "dash": " - "}


def _sentence(world: World, rng: random.Random, names: list[str], style: dict[str, str]) -> str:
    """One news-like sentence: common words with, at news-like rates, an actor, a phrase from the pool, a
    name that is no actor (unbounded vocabulary), a hyphenated word, a possessive, or a quotation."""
    words = rng.sample(COMMON, 14)
    if rng.random() < 0.6:
        name = rng.choice(names)
        if rng.random() < 0.15:
            name += style["apostrophe"] + "s"
        words.insert(rng.randint(0, 6), name)
    if rng.random() < 0.15:
        words.insert(rng.randint(0, 12), rng.choice(world.phrases))
    if rng.random() < 0.3:
        words.insert(rng.randint(0, 12), f"{_word(rng).capitalize()} {rng.choice(PLACES)}")
    if rng.random() < 0.2:
        words.insert(rng.randint(0, 12), rng.choice(HYPHENATED))
    text = " ".join(words)
    text = text[0].upper() + text[1:]  # names keep their capitals
    if rng.random() < 0.2:
        speaker = rng.choice(names)
        return f"{style['open']}{text},{style['close']} {speaker} said."
    if rng.random() < 0.1:
        text = text.replace(" ", style["dash"], 1)
    return text + "."


def make_items(world: World, n: int, seed: int = 2, length: int = 1500) -> list[tuple[str, str]]:
    """News-like (headline, body) items, bodies of about `length` characters; one in ten retells a tracked
    claim (half of those in the headline too), the rest name actors and pool phrases without doing so."""
    rng = random.Random(seed)
    names = [alias for actor in world.actors.values() for alias in actor.aliases]
    items = []
    for i in range(n):
        style = _style(rng)
        sentences: list[str] = []
        title = " ".join(_sentence(world, rng, names, style).rstrip(".").split()[:12])
        if i % 10 == 0:
            claim = rng.choice(world.claims)
            speaker = rng.choice(names)
            sentences.append(f"{speaker} {rng.choice(CUES)} {claim.statement}, using {claim.keyphrases[-1]}.")
            if rng.random() < 0.5:
                title = f"{speaker}: {claim.statement}"
        while sum(len(s) + 1 for s in sentences) < length:
            sentences.append(_sentence(world, rng, names, style))
        items.append((title, " ".join(sentences)[:length]))
    return items


Kind = Literal["plain", "scatter", "retell"]
DENIALS = ("There is no truth in these reports", "We have seen no evidence of that",
           "These allegations are baseless and we reject them", "We have not seen that to date")
NEUTRAL_QUOTES = ("We will continue to work with our partners on this", "The talks were constructive and frank",
                  "Our priority remains the safety of civilians", "We expect progress in the coming weeks",
                  "This is a matter for the ministry to decide", "Nobody wants the situation to escalate")


def _officials(world: World) -> list[Actor]:
    return [actor for actor in world.actors.values() if actor.kind == "person"]


def _attribution(world: World, rng: random.Random, official: Actor) -> str:
    """Who said a quotation, as the press names officials: mostly by title, sometimes by name or role."""
    full_name, _, country_title, title_name = official.aliases
    country = world.actors[official.affiliation or ""]
    title = country_title.split(" ", 1)[1]
    return rng.choice((
        f"said the {country_title}", f"{title_name} said", f"{full_name}, the {country.name}n {title.lower()}, "
        f"told reporters", f"said {title_name}, speaking in {country.aliases[2]}", f"the {title.lower()} added",
        f"a spokesman for the {country.name}n government said", "said a senior official who asked not to be named",
    ))


def _quotation(world: World, rng: random.Random, style: dict[str, str], official: Actor, quote: str) -> str:
    """A quotation paragraph: the quote, its attribution, and sometimes a second quoted sentence."""
    text = f"{style['open']}{quote},{style['close']} {_attribution(world, rng, official)}."
    if rng.random() < 0.5:
        text += f" {style['open']}{rng.choice(NEUTRAL_QUOTES)}.{style['close']}"
    return text


def _mention(rng: random.Random, phrase: str) -> str:
    """A news sentence that names `phrase` in passing."""
    words = list(rng.sample(COMMON, 12))
    words.insert(rng.randint(0, 10), phrase)
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _article(world: World, rng: random.Random, names: list[str], focus: Claim, *, kind: Kind,
             lengths: tuple[int, int]) -> tuple[str, str]:
    """A headline and an article of `lengths[0]` to `lengths[1]` characters in paragraphs. The countries of
    `focus` are named in passing in unrelated paragraphs; "scatter" adds one of its keyphrases in yet another
    paragraph, "retell" a paragraph in which an official reports the claim with a stance cue and, in the next
    paragraph or further on, a quoted denial by an official of its subject."""
    style = _style(rng)
    officials = _officials(world)
    length = rng.randint(lengths[0], lengths[1] - 1100)
    paragraphs: list[str] = []
    while sum(len(p) + 2 for p in paragraphs) < length:
        if rng.random() < 0.3:
            quote = " ".join(rng.sample(COMMON, rng.randint(6, 12))).capitalize()
            paragraphs.append(_quotation(world, rng, style, rng.choice(officials), quote))
        else:
            paragraphs.append(" ".join(_sentence(world, rng, names, style) for _ in range(rng.randint(2, 4))))
    scattered = [world.actors[a] for a in (*focus.subjects, *focus.objects)]
    for country in scattered:
        spot = rng.randrange(len(paragraphs))
        paragraphs[spot] += " " + _mention(rng, rng.choice(country.aliases))
    if kind == "scatter":
        spot = rng.randrange(len(paragraphs))
        paragraphs[spot] = _mention(rng, rng.choice(focus.keyphrases)) + " " + paragraphs[spot]
    title = " ".join(_sentence(world, rng, names, style).rstrip(".").split()[:12])
    if kind == "retell":
        official = rng.choice(officials)
        speaker = rng.choice(official.aliases[2:])
        spot = rng.randint(1, len(paragraphs))
        paragraphs.insert(spot, f"The {speaker} {rng.choice(CUES)} {focus.statement}, using "
                                f"{focus.keyphrases[-1]}. {_sentence(world, rng, names, style)}")
        denier = rng.choice([o for o in officials if o.affiliation in focus.subjects] or officials)
        later = spot + 1 if rng.random() < 0.5 else rng.randint(spot + 1, len(paragraphs))
        paragraphs.insert(later, _quotation(world, rng, style, denier, rng.choice(DENIALS)))
        if rng.random() < 0.5:
            title = f"{speaker}: {focus.statement}"
    return title, "\n\n".join(paragraphs)


def make_body_items(world: World, n: int, seed: int = 6, lengths: tuple[int, int] = (3000, 6000)
                    ) -> list[tuple[str, str]]:
    """Long-article items: one in ten retells a claim, three in ten scatter a claim's countries and one of
    its keyphrases over unrelated paragraphs, the rest only scatter its countries."""
    rng = random.Random(seed)
    names = [alias for actor in world.actors.values() for alias in actor.aliases]
    items = []
    for i in range(n):
        kind: Kind = "retell" if i % 10 == 0 else "scatter" if i % 10 <= 3 else "plain"
        items.append(_article(world, rng, names, rng.choice(world.claims), kind=kind, lengths=lengths))
    return items


def make_pairs(world: World, n_pairs: int, per_claim: int = 50, seed: int = 7,
               lengths: tuple[int, int] = (2000, 4000)) -> list[tuple[str, str, str, str]]:
    """(id, claim, title, text) rows shaped like FNC-1: a claim statement as the headline, a body and no
    title of its own; `per_claim` bodies per statement, about 27% of them retelling it, the rest about
    other claims (retold, scattered or only named in passing)."""
    rng = random.Random(seed)
    names = [alias for actor in world.actors.values() for alias in actor.aliases]
    statements = rng.sample(world.claims, math.ceil(n_pairs / per_claim))
    rows: list[tuple[str, str, str, str]] = []
    for i in range(n_pairs):
        claim = statements[i // per_claim]
        if rng.random() < 0.27:
            _, body = _article(world, rng, names, claim, kind="retell", lengths=lengths)
        else:
            kind: Kind = rng.choice(("plain", "scatter", "retell"))
            _, body = _article(world, rng, names, rng.choice(world.claims), kind=kind, lengths=lengths)
        rows.append((str(i), claim.statement, "", body))
    return rows


def write_pairs(path: Path, rows: Sequence[tuple[str, str, str, str]]) -> None:
    """A `claimwatch evaluate` input file: id,claim,title,text."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "claim", "title", "text"])
        writer.writerows(rows)


def write_workload(path: Path, world: World, items: Sequence[tuple[str, str]],
                   body_items: Sequence[tuple[str, str]], mixed_items: Sequence[tuple[str, str]] = ()) -> None:
    """The world's actors and claims and the item lists as plain JSON (only fields every revision has)."""
    data: dict[str, Any] = {
        "actors": [{"id": a.id, "name": a.name, "kind": a.kind, "aliases": list(a.aliases),
                    "affiliation": a.affiliation} for a in world.actors.values()],
        "claims": [{"id": c.id, "statement": c.statement, "subjects": list(c.subjects),
                    "objects": list(c.objects), "keyphrases": list(c.keyphrases)} for c in world.claims],
        "items": [list(item) for item in items],
        "body_items": [list(item) for item in body_items],
        "mixed_items": [list(item) for item in mixed_items],
    }
    path.write_text(json.dumps(data), encoding="utf-8")
