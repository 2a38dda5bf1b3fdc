"""The case table of `test_matching_clauses.py`: the shipped claims' ids, `Case` and its constructor, and the
cases written from the attribution probe sets (tests/fixtures/speakers/probe2.yaml and after), each in words
of its own rather than the probe's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from monitor.matching.model import UNATTRIBUTED

CHINA = "china-lethal-aid-russia"
IRAN = "iran-missiles-russia"
KIM = "kim-jong-un-gravely-ill"
PRIGOZHIN = "prigozhin-alive"
CHEMICAL = "russia-chemical-weapons-ukraine"
ANY = "*"
POLAR = ("corroborates", "denies")
NOBODY_TAKES_SIDES = ((ANY, "corroborates"), (ANY, "denies"))

Forbidden = str | tuple[str, str]


@dataclass(frozen=True)
class Case:
    """One sentence or short paragraph, the claim it is about, and what the matcher must and must not say."""

    claim: str
    text: str
    expected: tuple[tuple[str, str], ...]
    forbidden: tuple[Forbidden, ...] = ()
    title: str = ""


def case(case_id: str, claim: str, text: str, expected: Iterable[tuple[str, str]],
         forbidden: Iterable[Forbidden] = (), *, title: str = "") -> tuple[str, Case]:
    """A readable test id and its Case."""
    return case_id, Case(claim, text, tuple(expected), tuple(forbidden), title)


PROBE_CASES = [
    # A source cited holds the claim when nobody in the sentence says it; a speaker who cites one keeps it.
    case("cited-source-holds-the-claim", CHINA,
         "Chinese drones have been delivered to Russian units, the broadcaster reported, citing US officials.",
         [("us-government", "corroborates")], [(UNATTRIBUTED, "corroborates")]),
    case("speaker-citing-a-source-keeps-the-claim", IRAN,
         "Zelensky said, citing US intelligence, that Iran had shipped ballistic missiles to Russia.",
         [("ukraine-president", "corroborates")], ["us-government"]),
    # "X denied it" points back at the sentence before and inherits its claim.
    case("denied-it-points-back", CHEMICAL,
         "Ukraine's military said Russian troops had dropped chloropicrin on its trenches. The Kremlin denied it "
         "the next morning.",
         [("ukraine", "corroborates"), ("russia", "denies")]),
    # A non-comment by two names is no stance, even with a negator before them.
    case("neither-nor-did-not-comment", CHINA,
         "Neither Beijing nor Moscow replied when asked about Chinese artillery shells reaching Russia.",
         [("russia", "discusses")], [*NOBODY_TAKES_SIDES]),
    case("could-not-confirm-is-no-denial", CHEMICAL,
         "The OPCW said it could not confirm whether Russia had used tear gas against Ukrainian soldiers.",
         [("opcw", "discusses")], [*NOBODY_TAKES_SIDES]),
    case("examining-reports-discusses", CHEMICAL,
         "The chemical weapons watchdog said it was examining reports that Russia used CS gas on Ukrainian troops.",
         [("opcw", "discusses")], [*NOBODY_TAKES_SIDES]),
    # Rebuttal idioms deny, and their subject speaks.
    case("plays-down-headline", KIM, "", [("south-korea", "denies")], ["kim-jong-un"],
         title="Seoul plays down talk that Kim Jong Un is gravely ill"),
    case("hits-back-at-claim", IRAN, "", [("iran", "denies")], [("iran", "corroborates")],
         title="Tehran hits back at claims of missile shipments to Russia"),
    # Across sentences: "he" after a paragraph break, "the ministry" after the ministry opened the sentence
    # before, and a spokesperson "at" an institution speaking for it.
    case("he-in-the-next-paragraph", IRAN,
         "Nasser Kanaani was asked on Tuesday about the charge that Iran had sent ballistic missiles to Russia."
         "\n\nHe said the charge was a fabrication.",
         [("iran-foreign-ministry", "denies")], [(UNATTRIBUTED, "denies")]),
    case("the-ministry-after-its-full-name", CHEMICAL,
         "Russia's defence ministry published a statement on Friday. The ministry said Russian forces had never "
         "used tear gas against Ukrainian troops.",
         [("russia-defence-ministry", "denies")]),
    case("official-at-an-institution", KIM,
         "Kim Jong Un is not gravely ill, an official at South Korea's presidential office told reporters.",
         [("south-korea-presidential-office", "denies")], [(UNATTRIBUTED, "denies")]),
    # A negated infinitive after a warning is an instruction, not a denial.
    case("warned-not-to-is-no-denial", CHINA, "The White House warned Beijing not to ship drones to Russia.",
         [("us-government", "discusses")], [*NOBODY_TAKES_SIDES]),
    case("urged-against", IRAN, "Blinken urged Iran against sending ballistic missiles to Russia.",
         [("us-secretary-of-state", "discusses")], [*NOBODY_TAKES_SIDES]),
    # A denial by ellipsis; "echoed"; "declined to confirm" is no stance; a general staff speaks for its
    # country; an infinitive after a second name is no statement of that name's.
    case("denial-by-ellipsis", CHINA,
         "London says China is sending drones to Russia; Beijing says it is not.",
         [("uk-government", "corroborates"), ("china", "denies")]),
    case("echoed-a-denial", IRAN, "The Kremlin echoed the denial, saying Russia had received no missiles from Iran.",
         [("russia", "denies")]),
    case("declined-to-confirm", IRAN,
         "The Pentagon declined to confirm reports that Iran had shipped ballistic missiles to Russia.",
         [("us-government", "discusses")], [*NOBODY_TAKES_SIDES]),
    case("general-staff-speaks", CHEMICAL,
         "Ukraine's general staff said Russian troops had used tear gas against its soldiers near Kupiansk.",
         [("ukraine", "corroborates")], [(UNATTRIBUTED, "corroborates")]),
    case("infinitive-after-a-second-name", CHEMICAL,
         "The OPCW said Kyiv and Moscow had both asked it to examine claims that Russia used chloropicrin.",
         [("opcw", "discusses")], ["russia", *NOBODY_TAKES_SIDES]),
    # A clause that names only actors beside a contrast takes no side; "not backed by any evidence" denies; a
    # pronoun stands for the institution "a spokeswoman for" names.
    case("clause-of-names-only", IRAN,
         "Iran's foreign ministry denied on Monday that it had sent ballistic missiles to Russia. Kanaani said the "
         "reports were part of a Western campaign, but he did not deny selling drones to Moscow.",
         [("iran-foreign-ministry", "denies")]),
    case("not-backed-by-evidence", CHEMICAL,
         "The State Department said Russia had used chloropicrin against Ukrainian troops. Asked about it, Peskov "
         "said: \"Such statements are not backed by any evidence.\"",
         [("us-government", "corroborates"), ("kremlin-spokesman", "denies")]),
    case("she-for-a-spokeswoman-for", KIM,
         "A spokeswoman for South Korea's unification ministry briefed reporters on Monday.\n\nShe said reports "
         "that Kim Jong Un was gravely ill were not true.",
         [("south-korea-unification-ministry", "denies")], [(UNATTRIBUTED, "denies")]),
    # Headlines: "despite X's denials" is X's, a possessor before a colon does not speak, "'...': X on ..."
    # speaks, and "X has not seen evidence" is X's.
    case("despite-possessive-denials", IRAN, "",
         [("us-secretary-of-state", "corroborates"), ("iran", "denies")],
         title="Blinken says Iran shipped ballistic missiles to Russia despite Tehran's denials"),
    case("possessor-before-a-colon", KIM, "", [(UNATTRIBUTED, "discusses")],
         ["kim-jong-un", *NOBODY_TAKES_SIDES], title="Kim Jong Un's health: the rumours and what we don't know"),
    case("quotation-colon-name-on", IRAN, "", [("iran-foreign-ministry", "denies")],
         title="'Pure fiction': Araghchi on reports of Iranian ballistic missiles in Russia"),
    case("has-not-seen-in-a-headline", CHINA, "", [("us-government", "denies")],
         title="Pentagon has not seen evidence that China sends weapons to Russia"),
    # Retracting and walking back deny, and their subject speaks; a conditional discusses.
    case("retracted-its-claim", CHEMICAL,
         "Ukraine's military intelligence retracted its claim that Russian troops had used chloropicrin, saying the "
         "samples were inconclusive.", [("ukraine-military-intelligence", "denies")], ["russia"]),
    case("walked-back-remarks", CHINA,
         "British officials walked back the remarks on Thursday, saying they had no evidence that China was sending "
         "weapons to Russia.", [("uk-government", "denies")]),
    case("conditional-consequences", IRAN,
         "Blinken said Iran would face sanctions if it were found to have sent ballistic missiles to Russia.",
         [("us-secretary-of-state", "discusses")], [*NOBODY_TAKES_SIDES]),
    case("called-it-a-fabrication", CHINA,
         "China's foreign ministry called the reports that Beijing supplies drones to Russia a complete fabrication.",
         [("chinese-foreign-ministry", "denies")]),
]
