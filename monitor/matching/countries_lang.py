"""How the press in other languages names the countries of `countries.py`: the country's own name in that
language, its demonyms and its capital (Russian, Ukrainian, Chinese, French, German, Spanish, Arabic).

Each line: English name | names | demonyms | capitals and seats. A name or a capital names the actor as an
alias does ("Китай", "中方", "Pékin", "克里姆林宫"); a demonym only says what an item is about ("китайский",
"chinesische", "chino"). Russian and Ukrainian forms are matched by their stems, so one case form covers the
others ("Китай", "Китая", "Китаю").
"""

from __future__ import annotations

from collections.abc import Mapping

_TABLE = """
China | Китай, китайская сторона, 中方, Chine, Pekín, الصين | китайский, китайские, китайський, китайські, chinois,
  chinoise, chinoises, chinesisch, chinesische, chinesischen, chinesischer, chino, chinos, chinas, صيني, الصيني,
  الصينية | Пекин, Пекін, Pékin, Peking, بكين
Russia | Россия, Росія, российская сторона, 俄罗斯, 俄方, Russie, Russland, Rusia, روسيا | российский, российские,
  русский, российская, російський, російські, russe, russes, russisch, russische, russischen, ruso, rusa, rusos,
  روسي, الروسي, الروسية | Москва, 莫斯科, Moscou, Moskau, Moscú, موسكو, Кремль, 克里姆林宫, Kreml, الكرملين
Ukraine | Украина, Україна, украинская сторона, 乌克兰, 乌方, Ucrania, أوكرانيا | украинский, украинские,
  український, українські, ukrainien, ukrainienne, ukrainiens, ukrainisch, ukrainische, ukrainischen, ucraniano,
  ucraniana, ucranianos, الأوكراني, الأوكرانية | Киев, Київ, 基辅, Kiew, كييف, Банковая, Банкова
United States | США, Соединенные Штаты, Сполучені Штати, 美国, 美方, États-Unis, Vereinigte Staaten, Estados Unidos,
  EEUU, الولايات المتحدة | американский, американские, американський, américain, américaine, américains,
  amerikanisch, amerikanische, amerikanischen, estadounidense, estadounidenses, الأمريكي, الأمريكية | Вашингтон,
  华盛顿, 白宫, Белый дом, Білий дім, Maison Blanche, Weißes Haus, Casa Blanca, البيت الأبيض, واشنطن
United Kingdom | Великобритания, Британия, Велика Британія, 英国, 英方, Royaume-Uni, Großbritannien, Reino Unido,
  بريطانيا | британский, британские, британський, britannique, britanniques, britisch, britische, britischen,
  británico, británica, البريطاني, البريطانية | Лондон, 伦敦, Londres, لندن
Iran | Иран, Іран, 伊朗, 伊方, Irán, إيران | иранский, иранские, іранський, iranien, iranienne, iraniens, iranisch,
  iranische, iranischen, iraní, iraníes, الإيراني, الإيرانية | Тегеран, 德黑兰, Téhéran, Teheran, Teherán, طهران
North Korea | КНДР, Северная Корея, Північна Корея, 朝鲜, 朝方, Corée du Nord, Nordkorea, Corea del Norte,
  كوريا الشمالية | северокорейский, северокорейские, північнокорейський, nord-coréen, nord-coréenne,
  nordkoreanisch, nordkoreanische, norcoreano, norcoreana | Пхеньян, Пхеньян, 平壤, Pyongyang, Pionyang, بيونغ يانغ
"""


def _items(field: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in field.split(",") if item.strip())


def _parse(table: str) -> dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    found: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}
    lines: list[str] = []
    for line in table.strip().splitlines():
        if line.startswith(" ") and lines:
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    for line in lines:
        english, names, demonyms, capitals = line.split("|")
        found[english.strip()] = (_items(names), _items(demonyms), _items(capitals))
    return found


# English name -> (names, demonyms, capitals and seats) in the other languages.
ABROAD: Mapping[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = _parse(_TABLE)
