"""The mixed-language workload of `bench.match`: items in English, Russian, Ukrainian, Chinese, French, German,
Spanish and Arabic over the same generated news world (bench/workload.py).

One item in four is English (from `make_items`); the others are a headline and a body of about `length`
characters of news-like sentences from each language's common words, with the world's actors and pool
phrases named in them. One foreign item in ten retells a tracked claim with an attribution and a stance cue
in its language ("..., заявил X", "X表示，...", "selon X"). Pure functions of the seeds, like the rest.
"""

from __future__ import annotations

import random

from bench.workload import World, make_items

WORDS = {
    "ru": "правительство официальные лица заявили во вторник министерство сообщило переговоры продолжатся после "
          "встречи в столице где лидеры обсудили торговлю энергетику безопасность и экономику рынки упали",
    "uk": "уряд офіційні особи заявили у вівторок міністерство повідомило переговори тривають після зустрічі "
          "у столиці де лідери обговорили торгівлю енергетику безпеку та економіку ринки впали",
    "zh": "政府 官员 周二 表示 外交部 会谈 将 继续 在 首都 举行 会议 领导人 讨论 贸易 能源 安全 经济 市场 下跌 "
          "投资者 担心 通胀 央行 维持 利率 不变",
    "fr": "le gouvernement a indiqué mardi que les négociations vont continuer après la réunion dans la capitale "
          "où les dirigeants ont discuté du commerce de l'énergie et de la sécurité les marchés ont chuté",
    "de": "die Regierung teilte am Dienstag mit dass die Gespräche nach dem Treffen in der Hauptstadt weitergehen "
          "wo die Staatschefs über Handel Energie und Sicherheit sprachen die Märkte fielen deutlich",
    "es": "el gobierno informó el martes que las conversaciones continuarán tras la reunión en la capital donde "
          "los líderes discutieron comercio energía y seguridad los mercados cayeron con fuerza",
    "ar": "قالت الحكومة يوم الثلاثاء إن المحادثات ستستمر بعد الاجتماع في العاصمة حيث ناقش القادة التجارة "
          "والطاقة والأمن وتراجعت الأسواق بشكل حاد",
}
RETELL = {
    "ru": "{statement}, заявил {speaker}.", "uk": "{statement}, заявив {speaker}.",
    "zh": "{speaker}表示，{statement}。",
    "fr": "{statement}, a déclaré {speaker}.", "de": "{statement}, sagte {speaker}.",
    "es": "{statement}, afirmó {speaker}.", "ar": "قال {speaker} إن {statement}.",
}
LANGUAGES = tuple(WORDS)


def _sentence(language: str, rng: random.Random, names: list[str], phrases: list[str]) -> str:
    words = rng.sample(WORDS[language].split(), 10)
    if rng.random() < 0.6:
        words.insert(rng.randint(0, 9), rng.choice(names))
    if rng.random() < 0.3:
        words.insert(rng.randint(0, 10), rng.choice(phrases))
    if language == "zh":
        return "".join(words) + "。"
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def make_mixed_items(world: World, n: int, seed: int = 8, length: int = 1500) -> list[tuple[str, str]]:
    """(headline, body) items in eight languages: every fourth English, the others in turn."""
    rng = random.Random(seed)
    names = [alias for actor in world.actors.values() for alias in actor.aliases]
    english = iter(make_items(world, -(-n // 4), seed=seed, length=length))
    items = []
    for i in range(n):
        if i % 4 == 0:
            items.append(next(english))
            continue
        language = LANGUAGES[i % len(LANGUAGES)]
        sentences: list[str] = []
        if i % 10 == 1:
            claim = rng.choice(world.claims)
            sentences.append(RETELL[language].format(statement=claim.statement, speaker=rng.choice(names)))
        while sum(len(s) + 1 for s in sentences) < length:
            sentences.append(_sentence(language, rng, names, world.phrases))
        title = _sentence(language, rng, names, world.phrases).rstrip(".。")
        items.append((title, ("" if language == "zh" else " ").join(sentences)[:length]))
    return items
