"""Clause by clause: each clause of a sentence has its own speaker and stance, and the claim's topic never speaks.

A table of single sentences and short paragraphs about the shipped claims, matched with the shipped rules.
Each case names the claim, the (speaker, stance) pairs that must be found for it, and what must not be:

- expected: for each (actor, stance) some match of the claim has that stance and that actor as its speaker or
  as its speaker's affiliation ("unattributed" is the outlet speaking, nobody quoted);
- forbidden: an actor id means no match of the claim is spoken by or on behalf of that actor, whatever its
  stance; an (actor, stance) pair forbids only that stance, and "*" stands for any speaker;
- an expected corroboration also forbids the same actor's denial, and an expected denial its corroboration.

Cases marked "needs demonym support" name their speaker only through a demonym ("Chinese officials") or an
institution written around a demonym ("the Russian defence ministry").
"""

from __future__ import annotations

import pytest

from monitor.matching.matcher import Matcher
from monitor.matching.model import UNATTRIBUTED, Match
from monitor.rulebook.loader import RuleBook, load_rulebook
from tests.clause_cases import (
    ANY,
    CHEMICAL,
    CHINA,
    IRAN,
    KIM,
    NOBODY_TAKES_SIDES,
    POLAR,
    PRIGOZHIN,
    PROBE_CASES,
    Case,
    case,
)
from tests.helpers import EXAMPLE_RULES

CASES = [
    # Contrast: "but", "while", "whereas", "however" and ";" give each clause its own speaker and stance.
    case("contrast-but-beijing-denies-shapps-insists", CHINA,
         "Beijing denies the claims, but the UK defence secretary insists China is sending lethal aid to Russia.",
         [("uk-defence-secretary", "corroborates"), ("china", "denies")], ["russia"]),
    case("contrast-but-shapps-first-ministry-second", CHINA,
         "Grant Shapps said Beijing was shipping drones and ammunition to Russia, but China's foreign ministry "
         "rejected the accusation as groundless.",
         [("uk-defence-secretary", "corroborates"), ("chinese-foreign-ministry", "denies")], ["russia"]),
    case("contrast-but-sullivan-has-not-seen-it", CHINA,
         "Shapps says China is sending lethal aid to Russia, but Jake Sullivan said the White House had not seen "
         "that so far.",
         [("uk-defence-secretary", "corroborates"), ("us-national-security-adviser", "denies")],
         ["russia", ("china", "corroborates")]),
    case("contrast-while-washington-tehran", IRAN,
         "While Washington says Iran has delivered ballistic missiles to Russia, Tehran insists no such transfer "
         "has ever taken place.",
         [("us-government", "corroborates"), ("iran", "denies")], ["russia"]),
    case("contrast-whereas-kremlin-kyiv", CHEMICAL,
         "The Kremlin calls the accusations baseless, whereas Kyiv says Russia's troops have used chloropicrin "
         "against its soldiers near Bakhmut.",
         [("russia", "denies"), ("ukraine", "corroborates")]),
    case("contrast-but-pyongyang-denied-spy-agency-said", KIM,
         "Pyongyang denied the reports, but South Korea's spy agency said Kim Jong Un remained gravely ill "
         "after surgery.",
         [("north-korea", "denies"), ("south-korea", "corroborates")], ["kim-jong-un"]),
    case("contrast-however-pyongyang-dismissed", KIM,
         "South Korea's spy agency believes Kim Jong Un is gravely ill after heart surgery. Pyongyang, however, "
         "dismissed the reports as groundless.",
         [("south-korea", "corroborates"), ("north-korea", "denies")], ["kim-jong-un"]),
    case("contrast-semicolon-state-department-moscow", CHEMICAL,
         "The State Department says Russia has fired chloropicrin at Ukrainian positions; Moscow calls the "
         "charge groundless.",
         [("us-government", "corroborates"), ("russia", "denies")], ["ukraine"]),
    case("contrast-while-peskov-opcw", CHEMICAL,
         "Dmitry Peskov dismissed the reports as fabrications, while the OPCW said samples confirmed that Russia "
         "had used chloropicrin against Ukrainian troops.",
         [("kremlin-spokesman", "denies"), ("opcw", "corroborates")], ["ukraine"]),
    case("contrast-but-blinken-told-reporters", IRAN,
         "Tehran rejects the accusation, but Blinken told reporters that Iran had shipped Fath-360 missiles to "
         "Russia.",
         [("iran", "denies"), ("us-secretary-of-state", "corroborates")], ["russia"]),
    case("contrast-whereas-beijing-britain", CHINA,
         "Beijing says it has sent no weapons to Russia, whereas Britain's defence secretary says Chinese combat "
         "equipment is already reaching the front.",
         [("china", "denies"), ("uk-defence-secretary", "corroborates")], ["russia"]),
    case("contrast-three-clauses-xi-shapps-washington", CHINA,
         "Xi has denied arming Russia, but Shapps insists Beijing is sending lethal aid; Washington says it has "
         "seen no evidence of it.",
         [("china-president", "denies"), ("uk-defence-secretary", "corroborates"), ("us-government", "denies")],
         ["russia"]),
    # A "but" inside one speaker's reported words does not hand the second half to anyone else.
    case("contrast-but-within-one-speaker", CHINA,
         "Shapps said there was no sign yet of complete Chinese weapons systems in Russia, but that drones and "
         "artillery shells from China were reaching Russian units.",
         [("uk-defence-secretary", "corroborates")], ["russia", "china", (UNATTRIBUTED, "denies")]),

    # Reported speech: "according to X", "X told reporters", a quotation then "X said", "said X".
    case("reported-according-to-hur", CHEMICAL,
         "According to Ukraine's military intelligence, Russia has used chloropicrin against Ukrainian troops "
         "hundreds of times since the spring.",
         [("ukraine-military-intelligence", "corroborates")], ["russia", (UNATTRIBUTED, "corroborates")]),
    case("reported-according-to-us-intelligence-officials", IRAN,
         "Iran has sent hundreds of short-range ballistic missiles to Russia, according to U.S. intelligence "
         "officials.",
         [("us-government", "corroborates")], ["iran", "russia", (UNATTRIBUTED, "corroborates")]),
    case("reported-peskov-told-reporters", CHEMICAL,
         "Peskov told reporters that the accusation that Russia used chemical weapons in Ukraine was absurd and "
         "without any basis.",
         [("kremlin-spokesman", "denies")], ["ukraine"]),
    case("reported-quote-then-shapps-said", CHINA,
         '"China is providing drones, ammunition and components to Russia on a growing scale," Shapps said.',
         [("uk-defence-secretary", "corroborates")], ["china", "russia"]),
    case("reported-quote-then-said-kanaani", IRAN,
         '"Tehran has never sent a single missile to Moscow," said Nasser Kanaani, the foreign ministry\'s '
         "spokesman.",
         [("iran-foreign-ministry", "denies")], ["russia"]),
    case("reported-mao-ning-told-briefing", CHINA,
         "Mao Ning told a regular briefing that China has never provided lethal weapons to Russia or to any "
         "other party in the war.",
         [("chinese-foreign-ministry", "denies")], ["russia"]),
    case("reported-us-official-told-cnn", KIM,
         "Kim Jong Un is in grave danger after a cardiovascular procedure, a U.S. official told CNN on Monday.",
         [("us-government", "corroborates")], ["kim-jong-un", "north-korea"]),
    case("reported-blinken-said-and-washington-will-respond", IRAN,
         "Blinken said on Tuesday that Iran had delivered missiles to Russia and that Washington would answer "
         "with new sanctions.",
         [("us-secretary-of-state", "corroborates")], ["iran", "russia"]),
    case("reported-headline-colon", CHEMICAL,
         "", [("ukraine-president", "corroborates")], ["russia"],
         title="Zelensky: Russia is gassing our soldiers with chloropicrin"),

    # Passives: "was denied by X", "was rejected by X", "was confirmed by X".
    case("passive-denied-by-beijing", CHINA,
         "The accusation that China is sending lethal aid to Russia was denied by Beijing on Thursday.",
         [("china", "denies")], ["russia", ("uk-government", "corroborates"), (UNATTRIBUTED, "corroborates")]),
    case("passive-rejected-by-tehran", IRAN,
         "Reports that Iran had shipped ballistic missiles to Russia were rejected by Tehran as psychological "
         "warfare.",
         [("iran", "denies")], ["russia", (UNATTRIBUTED, "corroborates")]),
    case("passive-rejected-by-kremlin", CHEMICAL,
         "Claims that Russia's troops used chloropicrin in Ukraine were rejected by the Kremlin as baseless.",
         [("russia", "denies")], ["ukraine", (UNATTRIBUTED, "corroborates")]),
    case("passive-dismissed-by-unification-ministry", KIM,
         "Rumours that Kim Jong Un was gravely ill after surgery were dismissed by Seoul's unification ministry.",
         [("south-korea-unification-ministry", "denies")], ["kim-jong-un", (UNATTRIBUTED, "corroborates")]),
    case("passive-confirmed-by-opcw", CHEMICAL,
         "The use of chloropicrin by Russia against Ukrainian troops was confirmed by the OPCW in a report on "
         "Monday.",
         [("opcw", "corroborates")], ["russia", "ukraine"]),

    # Nested quotes: the inner speaker speaks; a name inside somebody else's quotation is not the speaker.
    case("nested-inner-speaker-mao-ning", CHINA,
         "The broadcaster quoted the briefing in full: \"Mao Ning told reporters, 'China has never supplied "
         "lethal weapons to Russia.'\"",
         [("chinese-foreign-ministry", "denies")], ["russia"]),
    case("nested-inner-speaker-blue-house", KIM,
         "\"The Blue House told us, 'There are no unusual signs in the North,'\" a diplomat said when asked "
         "whether Kim Jong Un was gravely ill.",
         [("south-korea-presidential-office", "denies")], ["kim-jong-un", (UNATTRIBUTED, "corroborates")]),
    case("nested-blinken-inside-kanaani-quote", IRAN,
         'Kanaani answered on the ministry\'s channel: "Iran has sent no missiles to Russia, and Blinken knows '
         'it."',
         [("iran-foreign-ministry", "denies")], ["us-secretary-of-state", "us-government", "russia"]),
    case("nested-shapps-inside-wang-wenbin-quote", CHINA,
         '"Shapps keeps saying that China is sending weapons to Russia, but he has never produced any '
         'evidence," Wang Wenbin said.',
         [("chinese-foreign-ministry", "denies")], ["uk-defence-secretary", "uk-government", "russia"]),
    case("nested-washington-inside-peskov-quote", CHEMICAL,
         'Peskov said: "Washington claims that Russia used chemical weapons in Ukraine, yet it offers no '
         'proof."',
         [("kremlin-spokesman", "denies")], ["us-government", "ukraine"]),

    # The claim's subject, object or topic is named, never speaking.
    case("topic-kim-health-said-to-be-at-risk", KIM,
         "Kim Jong Un's health was said to be at risk after a heart procedure.",
         [(UNATTRIBUTED, "discusses")], ["kim-jong-un", "north-korea"]),
    case("topic-aid-to-russia-is-not-russia-speaking", CHINA,
         "China's lethal aid to Russia has grown steadily since the spring, with drones and shells crossing the "
         "border every week.",
         [(UNATTRIBUTED, "corroborates")], ["russia", "china"]),
    case("topic-moscow-received-from-tehran", IRAN,
         "Moscow has received more than 200 Fath-360 missiles from Tehran, Blinken said.",
         [("us-secretary-of-state", "corroborates")], ["russia", "iran"]),
    case("topic-ukraine-says-not-russia", CHEMICAL,
         "Ukraine says Russia's forces attacked its soldiers with tear gas dropped from drones.",
         [("ukraine", "corroborates")], ["russia"]),
    case("topic-kim-after-according-to", KIM,
         "According to U.S. intelligence officials, Kim Jong Un has been in a vegetative state since a botched "
         "heart operation.",
         [("us-government", "corroborates")], ["kim-jong-un", "north-korea", (UNATTRIBUTED, "corroborates")]),
    case("topic-satellite-images-iran-russia", IRAN,
         "Satellite images published on Friday show crates of Iranian ballistic missiles being unloaded at a "
         "Russian port on the Caspian, evidence that Iran has delivered missiles to Russia.",
         [(UNATTRIBUTED, "corroborates")], ["iran", "russia"]),

    # Body-style denials, hedges, questions and non-comments.
    case("denial-no-evidence", IRAN,
         "There is no evidence that Iran has sent ballistic missiles to Russia, Iran's foreign ministry said.",
         [("iran-foreign-ministry", "denies")], ["russia", (UNATTRIBUTED, "corroborates")]),
    case("denial-debunked", CHEMICAL,
         "Claims that Russia used chemical weapons against Ukrainian troops have been debunked, Peskov said.",
         [("kremlin-spokesman", "denies")], ["ukraine", (UNATTRIBUTED, "corroborates")]),
    case("denial-a-hoax", KIM,
         "Seoul's unification ministry said reports that Kim Jong Un was gravely ill after surgery were a hoax.",
         [("south-korea-unification-ministry", "denies")], ["kim-jong-un", (UNATTRIBUTED, "corroborates")]),
    case("denial-not-true", CHINA,
         '"It is simply not true that China is sending lethal aid to Russia," Lin Jian said.',
         [("chinese-foreign-ministry", "denies")], ["russia", (UNATTRIBUTED, "corroborates")]),
    case("denial-dismissed-as-groundless-by", IRAN,
         "Reports of missiles from Iran reaching Russia were dismissed as groundless by Araghchi.",
         [("iran-foreign-ministry", "denies")], ["russia", (UNATTRIBUTED, "corroborates")]),
    case("denial-alive-and-well", KIM,
         "Cheong Wa Dae said Kim Jong Un was alive and well, brushing aside rumours about his health, and that "
         "there were no unusual signs in the North.",
         [("south-korea-presidential-office", "denies")], ["kim-jong-un", (UNATTRIBUTED, "corroborates")]),
    case("denial-dna-confirms-prigozhin-died", PRIGOZHIN,
         "The Kremlin said DNA tests confirmed Prigozhin died in the crash, dismissing talk of a body double.",
         [("russia", "denies")], [(UNATTRIBUTED, "corroborates")]),
    case("hedge-may-blinken-warned", IRAN,
         "Iran may be preparing to send ballistic missiles to Russia, Blinken warned.",
         [("us-secretary-of-state", "discusses")], ["russia", *NOBODY_TAKES_SIDES]),
    case("hedge-reportedly", CHEMICAL,
         "Russia has reportedly used tear gas against Ukrainian troops in the east.",
         [(UNATTRIBUTED, "discusses")], ["russia", "ukraine", *NOBODY_TAKES_SIDES]),
    case("hedge-conspiracy-theories-prigozhin", PRIGOZHIN,
         "Conspiracy theories that Prigozhin survived the crash and is alive in Africa keep spreading online.",
         [(UNATTRIBUTED, "discusses")], NOBODY_TAKES_SIDES),
    case("question-kim-headline", KIM,
         "", [(UNATTRIBUTED, "discusses")], ["kim-jong-un", *NOBODY_TAKES_SIDES],
         title="Is Kim Jong Un gravely ill after surgery?"),
    case("question-beijing-headline", CHINA,
         "", [(UNATTRIBUTED, "discusses")], ["china", "russia", *NOBODY_TAKES_SIDES],
         title="Is Beijing quietly sending lethal aid to Russia?"),
    case("declined-to-comment-iran-ministry", IRAN,
         "Iran's foreign ministry declined to comment on reports that Tehran had sent missiles to Russia.",
         [("iran-foreign-ministry", "discusses")], ["russia", *NOBODY_TAKES_SIDES]),
    case("declined-to-comment-embassy", CHINA,
         "A spokesman for the Chinese embassy in London declined to comment when asked whether China was "
         "supplying ammunition to Russia.",
         [("chinese-embassy-uk", "discusses")], ["russia", *NOBODY_TAKES_SIDES]),

    # Demonyms and institutions.
    # needs demonym support: "Chinese officials" speak for China.
    case("demonym-chinese-officials", CHINA,
         "Chinese officials said Beijing has never sent lethal aid to Russia.",
         [("china", "denies")], ["russia", (UNATTRIBUTED, "denies")]),
    # needs demonym support: "the Russian defence ministry" is the Russian Defence Ministry.
    case("demonym-russian-defence-ministry", CHEMICAL,
         "The Russian defence ministry said reports that Russia had used chemical weapons against Ukrainian "
         "troops were fabricated.",
         [("russia-defence-ministry", "denies")], ["ukraine", (UNATTRIBUTED, "denies")]),
    # needs demonym support: "North Korean state media" is North Korea (KCNA).
    case("demonym-north-korean-state-media", KIM,
         "North Korean state media said Kim Jong Un was alive and well and in good health, showing him at a "
         "factory opening.",
         [("north-korea", "denies")], ["kim-jong-un", (UNATTRIBUTED, "denies")]),
    # an institution named by its alias: "the Kremlin" is Russia.
    case("institution-the-kremlin-said", CHEMICAL,
         "The Kremlin said the U.S. accusation that Russia had used chemical weapons in Ukraine was groundless.",
         [("russia", "denies")], ["us-government", "ukraine"]),
    # needs demonym support: "Iranian officials" speak for Iran.
    case("demonym-iranian-officials", IRAN,
         "Iranian officials said Tehran had not sent a single ballistic missile to Russia.",
         [("iran", "denies")], ["russia", (UNATTRIBUTED, "denies")]),
    # needs demonym support: "British officials" speak for the UK; "made in China" does not make China speak.
    case("demonym-british-officials", CHINA,
         "British officials say drones and ammunition made in China are reaching Russia's army.",
         [("uk-government", "corroborates")], ["china", "russia", (UNATTRIBUTED, "corroborates")]),
    # needs demonym support: "Ukrainian commanders" speak for Ukraine.
    case("demonym-ukrainian-commanders", CHEMICAL,
         "Ukrainian commanders say Russia's troops keep dropping chloropicrin grenades on their trenches.",
         [("ukraine", "corroborates")], ["russia", (UNATTRIBUTED, "corroborates")]),
    # needs demonym support: "South Korean intelligence officials" speak for South Korea.
    case("demonym-south-korean-intelligence", KIM,
         "South Korean intelligence officials said Kim Jong Un had undergone heart surgery and was gravely ill.",
         [("south-korea", "corroborates")], ["kim-jong-un", (UNATTRIBUTED, "corroborates")]),
    # needs demonym support: "Russian investigators" speak for Russia.
    case("demonym-russian-investigators-prigozhin", PRIGOZHIN,
         "Russian investigators said genetic tests showed that Prigozhin died in the crash.",
         [("russia", "denies")], [(UNATTRIBUTED, "denies"), (UNATTRIBUTED, "corroborates")]),

    # A pronoun stands for the name opening the sentence before when that one quotes nobody; "he" and "she"
    # for a person or agency, "it" for an institution.
    case("pronoun-he-after-peskov-took-questions", CHEMICAL,
         "Dmitry Peskov took questions from journalists on Friday. He said Russia does not use chemical weapons "
         "against Ukrainian forces.",
         [("kremlin-spokesman", "denies")], [(UNATTRIBUTED, "denies")]),
    case("pronoun-it-after-unification-ministry-briefed", KIM,
         "South Korea's unification ministry briefed parliament on Thursday. It said there were no signs that "
         "Kim Jong Un was gravely ill.",
         [("south-korea-unification-ministry", "denies")], ["kim-jong-un", (UNATTRIBUTED, "denies")]),
    # An inverted attribution closing the sentence speaks, not the claim's subject before the verb.
    case("closing-inversion-says-south-korea", KIM, "", [("south-korea", "denies")], ["kim-jong-un", "north-korea"],
         title="Kim Jong Un is not gravely ill, says South Korea"),
    # A headline's colon: the name after it speaks when it is all that follows; a name before it only when it
    # opens the headline.
    case("headline-suffix-colon-pentagon", IRAN, "", [("us-government", "corroborates")], ["russia", "iran"],
         title="Iran delivered ballistic missiles to Russia: Pentagon"),
    # A quoted speaker who turns means what follows the turn.
    case("quoted-turn-kremlin-denies-but-zelensky", CHINA,
         '"The Kremlin denies it, but China is shipping ammunition to Russia every week," Zelensky said.',
         [("ukraine-president", "corroborates")], ["russia", ("ukraine-president", "denies")]),
    # A speaker quoted inside another's quotation is read from the inner quotation alone.
    case("inner-quotation-shapps-to-the-committee", CHINA,
         '"Shapps told the committee, \'China is now sending lethal aid to Russia,\' and nobody there disputed '
         'it," an aide recalled.',
         [("uk-defence-secretary", "corroborates")], [("uk-defence-secretary", "denies"), "russia"]),
    # "As X put it, '...'": the inner speaker speaks.
    case("nested-as-kanaani-put-it", IRAN,
         '"As Kanaani put it, \'not one Iranian missile has gone to Russia,\' and we take him at his word," the '
         "envoy said.",
         [("iran-foreign-ministry", "denies")], [(UNATTRIBUTED, "denies"), "russia"]),
    # Whoever accuses asserts.
    case("contrast-zelensky-accuses-kremlin-denies", CHEMICAL,
         "Zelensky accuses Russia of gassing Ukrainian soldiers with chloropicrin; the Kremlin denies it.",
         [("ukraine-president", "corroborates"), ("russia", "denies")]),
    # Being accused asserts nothing: neither a headline's participle nor an impersonal form in another language.
    case("participle-china-accused-of", CHINA, "", [("china", "discusses")], [("china", "corroborates")],
         title="China accused of sending drones to Russia"),
    case("impersonal-russian-china-is-accused", CHINA, "", [("china", "discusses")], [("china", "corroborates")],
         title="Китай обвиняют в поставках дронов России"),
    # A possessor before "press"/"deputy" speaks; so does a subject past a parenthesis set off by commas, and
    # the name after "said" opens the reported clause when a verb follows it.
    case("possessive-deputy-spokesman", IRAN,
         "The State Department's deputy spokesman said Iran had shipped ballistic missiles to Russia.",
         [("us-government", "corroborates")], ["iran", "russia"]),
    case("parenthesis-budanov-speaking-in-kyiv", CHEMICAL,
         "Budanov, speaking at a conference in Kyiv, said Russia had used chloropicrin against Ukrainian soldiers.",
         [("ukraine-military-intelligence", "corroborates")], ["russia"]),
    # A pronoun after an opening clause stands for the name opening it.
    case("pronoun-after-while-clause", CHEMICAL,
         "While Peskov offered no details, he said Russia had never used chemical weapons in Ukraine.",
         [("kremlin-spokesman", "denies")], [(UNATTRIBUTED, "denies")]),
    # "Officials in Beijing" speak for Beijing.
    case("officials-in-beijing", CHINA, "Officials in Beijing insisted that China sends no weapons to Russia.",
         [("china", "denies")], [(UNATTRIBUTED, "denies")]),
    # "claims" after a preposition is a noun, so the name before it says nothing.
    case("noun-claims-after-neither-nor", CHINA,
         "Neither London nor Washington commented on claims that China is shipping drones to Russia.",
         [(UNATTRIBUTED, "discusses")], ["uk-government", "us-government", "russia"]),
    # A name after "what" reports what someone said earlier; the main attribution speaks.
    case("subordinate-what-shapps-told-parliament", CHINA,
         '"There is no sign of Chinese lethal aid reaching Russia," Sullivan said, dismissing what Shapps told '
         "parliament.",
         [("us-national-security-adviser", "denies")], ["uk-defence-secretary"]),
    # Denials by words of slander or by the claim's opposite.
    case("kcna-calls-it-slander", KIM, '"Talk of Kim Jong Un being gravely ill after surgery is slander," KCNA said.',
         [("north-korea", "denies")], [("north-korea", "corroborates")]),
    # Names joined as subjects of one verb all speak; "and" before another attributed statement turns.
    case("coordinated-beijing-and-moscow-reject", CHINA,
         "Beijing and Moscow both reject reports that China ships drones to Russia.",
         [("china", "denies"), ("russia", "denies")], [(UNATTRIBUTED, "denies")]),
    case("coordinated-list-us-britain-france", IRAN,
         "The US, Britain and France say Iran has sent ballistic missiles to Russia.",
         [("us-government", "corroborates"), ("uk-government", "corroborates")], ["iran", "russia"]),
    case("and-turns-russia-denies-kyiv-says", CHEMICAL,
         "Russia denies using chemical weapons against Ukraine and Kyiv says it has proof.",
         [("russia", "denies")], [("ukraine", "denies"), ("russia", "corroborates")]),
    # A clause holding only the claim's own cue phrase ("no unusual movements") keeps its speaker's stance.
    case("claim-cue-clause-unification-ministry", KIM,
         "While rumours swirled that Kim Jong Un was gravely ill, the Unification Ministry said it had seen no "
         "unusual movements in the North.",
         [("south-korea-unification-ministry", "denies")], ["kim-jong-un", (UNATTRIBUTED, "denies")]),
    # A country qualifying a noun that is no institution ("a UK tabloid") names no speaker.
    case("qualifier-a-uk-tabloid-reported", KIM,
         "A UK tabloid reported that Kim Jong Un was gravely ill after heart surgery.",
         [(UNATTRIBUTED, "discusses")], ["uk-government", "kim-jong-un"]),
    # A sentence with the claim's own cue phrase just before the one that states the claim inherits it.
    case("claim-cue-before-the-claim", KIM,
         "The Unification Ministry said it had seen no unusual movements in the North. A Japanese weekly had "
         "claimed that Kim Jong Un was gravely ill after surgery.",
         [("south-korea-unification-ministry", "denies")], ["kim-jong-un"]),
    case("pyongyang-good-health", KIM, "Pyongyang said Kim Jong Un was in good health after reports of surgery.",
         [("north-korea", "denies")], [("north-korea", "corroborates"), "kim-jong-un"]),
    *PROBE_CASES,
]


PARAMS = [pytest.param(c, id=case_id) for case_id, c in CASES]


@pytest.fixture(scope="module")
def book() -> RuleBook:
    """The shipped rules folder."""
    return load_rulebook(EXAMPLE_RULES)


@pytest.fixture(scope="module")
def matcher(book: RuleBook) -> Matcher:
    """A matcher for every claim of the shipped rules, paused ones included."""
    return Matcher(book.ruleset([claim.id for claim in book.claims]))


def _speaks_for(match: Match, actor: str) -> bool:
    if actor in (ANY, match.speaker):
        return True
    return actor != UNATTRIBUTED and match.speaker_affiliation == actor


def _forbidden_pairs(case: Case) -> list[tuple[str, str | None]]:
    """(actor, stance or None for any stance) that no match may have, the implied opposites included."""
    pairs: list[tuple[str, str | None]] = [(f, None) if isinstance(f, str) else f for f in case.forbidden]
    for actor, stance in case.expected:
        if stance in POLAR:
            pairs.append((actor, POLAR[1 - POLAR.index(stance)]))
    return pairs


def _describe(matches: list[Match]) -> list[tuple[str, str | None, str]]:
    return [(m.speaker, m.speaker_affiliation, m.label) for m in matches]


@pytest.mark.parametrize("case", PARAMS)
def test_clause_speakers_and_stances(matcher: Matcher, case: Case) -> None:
    """Every expected (speaker, stance) is found for the claim and no forbidden actor or stance is."""
    matches = [m for m in matcher.match(case.title, case.text) if m.claim_id == case.claim]
    for actor, stance in case.expected:
        assert any(_speaks_for(m, actor) and m.label == stance for m in matches), \
            f"missing ({actor}, {stance}); got {_describe(matches)}"
    for actor, forbidden_stance in _forbidden_pairs(case):
        wrong = [m for m in matches if _speaks_for(m, actor) and forbidden_stance in (None, m.label)]
        assert not wrong, f"forbidden ({actor}, {forbidden_stance or 'any stance'}): {_describe(wrong)}"


def test_cases_name_shipped_claims_and_actors(book: RuleBook) -> None:
    """Every case refers to a claim and actors that exist in the shipped rules, so no case passes vacuously."""
    claims = {claim.id for claim in book.claims}
    actors = {actor.id for actor in book.actors} | {UNATTRIBUTED, ANY}
    assert len({case_id for case_id, _ in CASES}) == len(CASES)
    for _, item in CASES:
        assert item.claim in claims, item
        assert item.expected, item
        named = {a for a, _ in item.expected} | {f if isinstance(f, str) else f[0] for f in item.forbidden}
        assert named <= actors, named - actors
        assert {s for _, s in item.expected} <= {"corroborates", "denies", "discusses"}, item
