"""Stance and attribution cues of the other languages, mapped onto the English cue words the models know.

The stance model's features are English cue words and their families (`cues.py`), the speaker patterns read
English reporting verbs (`attribution.py`), and the fitted weights (weights.json) are about those names. So a
cue in another language is not a feature of its own: it is read as the English word it stands for. In a
Russian item "заявил" reads as "said", "не" as "not", "опроверг" as "denied"; in a Chinese one "表示" as
"said", "从未" as "never", "据" as "according to". A word of an item in one of these languages is matched
by its stem (`text.stem`), so one entry covers its inflected forms; a phrase of several words reads as the
English word on its first word. An entry mapped to "-" only shields a longer word from a shorter cue inside
it ("无人机", a drone, holds "无", no).

Phrase cues that need more than one word ("нет доказательств", "拒绝置评", "aucune preuve") are regular
expressions on the folded sentence, per family of `cues.PHRASES` (`PHRASES`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

from monitor.matching.folding import fold as fold_phrase
from monitor.matching.language import Language
from monitor.matching.text import stem, words

# One line per English cue word: "english: form, form, form". Forms are written as the press writes them.
_CUES: Mapping[Language, str] = {
    Language.RU: """
said: заявил, заявила, заявили, заявляет, сказал, сказала, сказали, сообщил, сообщила, сообщили, сообщает,
      отметил, отметила, подчеркнул, подчеркнула, добавил, добавила, говорится, пояснил, пояснила
according_to: по словам, по данным, как сообщает, согласно
told: рассказал, рассказала, сообщил журналистам
denied: опроверг, опровергла, опровергли, отрицает, отрицают, отверг, отвергла, отвергли, опровержение
denies: опровергает, отвергает
groundless: безосновательными, безосновательные, необоснованными, голословными, беспочвенными
false: ложь, ложными, фейк, фейком, выдумка, выдумкой, домыслы, клевета, абсурд, абсурдными
reportedly: якобы, предположительно, по неподтвержденным данным
allegedly: вероятно, возможно, по-видимому
accused: обвинил, обвинила, обвинили, обвиняет, обвинения, обвиняют, обвиняемый
warned: предупредил, предупредила, предупредили, предупреждает
may: может, могут, мог бы
believes: считает, считают, полагает, полагают
whether: ли
confirmed: подтвердил, подтвердила, подтвердили, подтверждает, признал, признала
evidence: доказательства, доказательство, свидетельствуют
not: не, нет
never: никогда, ни разу
no: никаких, ни одного
""",
    Language.UK: """
said: заявив, заявила, заявили, заявляє, сказав, сказала, сказали, повідомив, повідомила, повідомили,
      повідомляє, зазначив, зазначила, наголосив, наголосила, додав, додала
according_to: за словами, за даними, як повідомляє, згідно з
denied: спростував, спростувала, спростували, заперечує, заперечують, відкинув, відкинула, відкинули
groundless: безпідставними, безпідставні, необґрунтованими
false: брехня, фейк, вигадка, вигадкою, неправдою
reportedly: нібито, імовірно, ймовірно
accused: звинуватив, звинуватила, звинувачує, звинувачують, звинувачення
warned: попередив, попередила, попередили, попереджає
may: може, можуть
believes: вважає, вважають
whether: чи
confirmed: підтвердив, підтвердила, підтвердили, визнав, визнала
evidence: докази, доказів, свідчать
not: не, ні
never: ніколи
no: жодних, жодної
""",
    Language.ZH: """
said: 表示, 称, 说, 指出, 强调, 说道, 介绍, 回应, 答问时说
according_to: 据, 根据
stated: 声明, 宣布
claimed: 声称, 宣称
denied: 否认, 驳斥, 拒绝承认, 反驳
groundless: 毫无根据, 无端, 子虚乌有, 捏造, 纯属
false: 不实, 虚假, 谎言, 造谣, 抹黑
reportedly: 据悉, 据称, 传闻
accused: 指责, 指控, 污蔑, 被指, 被控
warned: 警告
may: 可能, 或将
confirmed: 证实, 确认, 承认
evidence: 证据
not: 不, 没有, 没, 未, 并未, 并没有
never: 从未, 从来没有, 从不, 绝不, 始终没有
-: 无人机, 不断, 不仅, 未来, 不久, 不过, 不要
""",
    Language.FR: """
said: a déclaré, a dit, a affirmé, déclare, affirme, a indiqué, a ajouté, a souligné, déclaré, selon lui
according_to: selon, d'après
denied: a démenti, a nié, dément, nie, a rejeté, rejette, démenti, démentent
groundless: infondées, infondé, sans fondement, dénuées de fondement
false: faux, fausses, mensonge, mensonges, absurdes, absurde, fabriquées
reportedly: aurait, auraient, présumé, présumée, présumées
allegedly: prétendument
accused: accuse, a accusé, accusations, accusée, accusé
warned: met en garde, a mis en garde, a averti, avertit
may: pourrait, pourraient
confirmed: a confirmé, confirme, a reconnu
evidence: preuve, preuves
not: ne, pas, n'a, n'ont
never: jamais
no: aucune, aucun
""",
    Language.DE: """
said: sagte, sagt, erklärte, erklärt, betonte, teilte mit, hieß es
according_to: laut, zufolge, nach angaben
denied: bestritt, bestreitet, dementierte, dementiert, wies zurück, weist zurück, zurückgewiesen
groundless: haltlos, haltlose, unbegründet, unbegründete
false: falsch, falsche, lüge, lügen, erfunden
reportedly: angeblich, mutmaßlich, soll, sollen
accused: warf vor, beschuldigte, vorwürfe, vorgeworfen, beschuldigt
warned: warnte, warnt, gewarnt
called: nannte, bezeichnete
may: könnte, könnten
confirmed: bestätigte, bestätigt, räumte ein
evidence: beweise, belege, beweis
not: nicht, kein
never: nie, niemals
no: keine, keinerlei
""",
    Language.ES: """
said: afirmó, dijo, declaró, aseguró, señaló, indicó, añadió, sostuvo, manifestó
according_to: según, de acuerdo con
denied: negó, niega, desmintió, desmiente, rechazó, rechaza
groundless: infundadas, infundado, sin fundamento, carentes de fundamento
false: falso, falsas, falsos, mentira, mentiras, bulo, absurdas
reportedly: presuntamente, supuestamente, al parecer
accused: acusó, acusa, acusaciones, acusada, acusado
warned: advirtió, advierte, alertó
may: podría, podrían
confirmed: confirmó, confirma, reconoció
evidence: pruebas, prueba, evidencia
not: no
never: nunca, jamás
no: ningún, ninguna, ninguno
""",
    Language.AR: """
said: قال, قالت, صرح, أكد, أكدت, أعلن, أعلنت, أضاف, أوضح, ذكر
according_to: وفقا, وفق, بحسب, حسب, نقلا عن
denied: نفى, نفت, ينفي, تنفي, رفض, رفضت, دحض
groundless: لا أساس لها, عارية عن الصحة, باطلة
false: كاذبة, كذب, ملفقة, افتراء
reportedly: يزعم, مزعوم, مزعومة, يعتقد
accused: اتهم, اتهمت, اتهامات
warned: حذر, حذرت
allegations: مزاعم, ادعاءات
may: قد, ربما
confirmed: أكد صحة, اعترف, اعترفت
evidence: دليل, أدلة
not: لا, لم, ليس, لن
never: أبدا, قط
""",
}

# Multi-word phrase cues per family of `cues.PHRASES`, as regular expressions on the folded sentence.
PHRASES: Mapping[Language, Mapping[str, tuple[str, ...]]] = {
    Language.RU: {
        "absence": (r"нет\s+(?:никаких\s+)?(?:доказательств|данных|свидетельств)",
                    r"не\s+соответству\w+\s+действительности",
                    r"не\s+имеет\s+(?:ничего\s+)?общего\s+с\s+действительностью"),
        "no-comment": (r"отказал\w*\s+(?:от\s+)?коммент", r"не\s+ответил\w*\s+на\s+запрос",
                       r"воздержал\w*\s+от\s+коммент"),
        "hedge-phrase": (r"не\s+удалось\s+(?:независимо\s+)?проверить",),
    },
    Language.UK: {
        "absence": (r"немає\s+(?:жодних\s+)?(?:доказів|даних)",),
        "no-comment": (r"відмовил\w*\s+(?:від\s+)?коментар", r"не\s+відповіл\w*\s+на\s+запит"),
        "hedge-phrase": (r"не\s+вдалося\s+(?:незалежно\s+)?перевірити",),
    },
    Language.ZH: {
        "absence": (r"没有(?:任何)?证据", r"并无(?:任何)?证据", r"毫无根据", r"不符合事实", r"纯属捏造"),
        "no-comment": (r"拒绝(?:置评|评论|回应)", r"不予置评", r"未(?:予|作)?回应", r"未回复"),
        "hedge-phrase": (r"无法(?:独立)?(?:核实|证实)", r"尚不清楚"),
    },
    Language.FR: {
        "absence": (r"\baucune\s+preuve\b", r"\bpas\s+de\s+preuves?\b", r"\bsans\s+fondement\b"),
        "no-comment": (r"\b(?:a\s+)?refuse\s+de\s+commenter\b",
                       r"\bn'a\s+pas\s+(?:encore\s+)?(?:souhaite\s+)?(?:commente|repondu)\b"),
        "hedge-phrase": (r"\bn'a\s+pas\s+pu\s+(?:etre\s+)?verifi",),
    },
    Language.DE: {
        "absence": (r"\bkeine(?:rlei)?\s+beweise\b", r"\bkeine\s+belege\b", r"\bentbehrt\s+jeder\s+grundlage\b",
                    # "weist die Vorwürfe zurück": the separable verb with its object between
                    r"\bw(?:eist|eisen|ies|iesen)\s+(?:[\w-]+\s+){1,8}zuruck\b"),
        "no-comment": (r"\bwollte\s+sich\s+(?:zunachst\s+)?nicht\s+(?:dazu\s+)?au(?:ss|ß)ern\b",
                       r"\bkeine[nr]?\s+kommentar\b",
                       r"\blie(?:ss|ß)\s+(?:eine\s+)?anfrage\s+unbeantwortet\b"),
        "hedge-phrase": (r"\bnicht\s+unabhangig\s+(?:uberpruf|bestatig)",),
    },
    Language.ES: {
        "absence": (r"\bninguna\s+prueba\b", r"\bno\s+hay\s+pruebas\b", r"\bsin\s+pruebas\b"),
        "no-comment": (r"\b(?:declino|rehuso|se\s+nego\s+a)\s+(?:hacer\s+)?comentar", r"\bno\s+respondio\b"),
        "hedge-phrase": (r"\bno\s+pudo\s+(?:ser\s+)?verificar",),
    },
    Language.AR: {
        "absence": (r"لا\s+(?:يوجد\s+)?(?:اي\s+)?دليل", r"لا\s+اساس\s+لها"),
        "no-comment": (r"رفض\S*\s+(?:\S+\s+){0,5}التعليق", r"لم\s+يرد"),
        "hedge-phrase": (r"لم\s+يتسن\S*\s+التحقق",),
    },
}


def _entries(table: str) -> dict[tuple[str, ...], str]:
    """(stems of a form) -> its English cue word, from a table in `_CUES`."""
    found: dict[tuple[str, ...], str] = {}
    for line in re.split(r"\n(?=\S)", table.strip()):
        english, _, forms = line.partition(":")
        for form in forms.split(","):
            key = tuple(stem(w) for w in words(fold_phrase(form.strip())))
            if key:
                found.setdefault(key, english.strip())
    return found


@functools.cache
def entries(language: Language) -> Mapping[tuple[str, ...], str]:
    """The cue forms of a language, each as its stems, with the English word it reads as."""
    return _entries(_CUES.get(language, ""))


def cue_words() -> frozenset[str]:
    """Every English word a cue of another language reads as."""
    return frozenset(word for language in Language for word in entries(language).values() if word != "-")


@functools.cache
def phrase_patterns(language: Language) -> Mapping[str, re.Pattern[str]]:
    """The phrase cues of a language, one regular expression per family."""
    return {family: re.compile("|".join(f"(?:{p})" for p in patterns))
            for family, patterns in PHRASES.get(language, {}).items()}


def english_words(language: Language, texts: Sequence[str], stems: Sequence[str]) -> tuple[str, ...]:
    """The item's words with each cue replaced by the English word it reads as (longest form first); every
    other word as it is. English items are returned unchanged."""
    table = entries(language)
    if not table:
        return tuple(texts)
    firsts = _first_stems(language)
    out = list(texts)
    skip_to = 0
    # Only the words a cue form starts with are looked at; the others are passed over by the set test.
    for index in [i for i, s in enumerate(stems) if s in firsts]:
        if index < skip_to:
            continue
        for size in range(min(firsts[stems[index]], len(stems) - index), 0, -1):
            english = table.get(tuple(stems[index:index + size]))
            if english is not None:
                if english != "-":
                    out[index] = english
                skip_to = index + size
                break
    return tuple(out)


@functools.cache
def _first_stems(language: Language) -> Mapping[str, int]:
    """The first stem of each cue form of a language, with the most words a form starting with it has."""
    firsts: dict[str, int] = {}
    for key in entries(language):
        firsts[key[0]] = max(firsts.get(key[0], 0), len(key))
    return firsts
