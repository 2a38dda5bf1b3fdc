"""Countries as the international press refers to them: names, demonyms, capitals and seats of government.

An actor that is a country or its government is named by more than its aliases: "Chinese drones", "North
Koreans", "Moscow said", "the Élysée". This table holds those references for the countries that come up in
international news; `derive.actor_references` gives them to the actors that name a country.

Each line: names | demonyms | capitals | seats of government, items separated by commas. Names are how an
actor is recognised as the country (its `name` or an alias equals one of them); the first is the usual English
name. Demonyms are adjectival forms and the plural nouns the press uses ("Russians", "Saudis"); plurals that
are ordinary words ("Poles", "Danes", "Finns") are left out, and so is "Korean", which names neither Korea.
Capitals whose name mostly stands for something else in the news (Brussels for the EU, The Hague for its
courts) or whose status is contested (Jerusalem) are left out too; analysts add them as aliases.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from monitor.matching.countries_lang import ABROAD
from monitor.matching.normalize import fold


@dataclass(frozen=True)
class Country:
    """One country's references, as written (not folded)."""

    names: tuple[str, ...]
    demonyms: tuple[str, ...]
    capitals: tuple[str, ...]
    seats: tuple[str, ...] = ()
    abroad: tuple[str, ...] = ()  # its names and capitals in other languages (`countries_lang.py`)
    abroad_demonyms: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The usual English name."""
        return self.names[0]


_TABLE = """
Afghanistan, Islamic Republic of Afghanistan | Afghan, Afghans | Kabul |
Albania, Republic of Albania | Albanian, Albanians | Tirana |
Algeria, People's Democratic Republic of Algeria | Algerian, Algerians | Algiers |
Argentina, Argentine Republic | Argentine, Argentines, Argentinian, Argentinians | Buenos Aires | Casa Rosada
Armenia, Republic of Armenia | Armenian, Armenians | Yerevan |
Australia, Commonwealth of Australia | Australian, Australians | Canberra |
Austria, Republic of Austria | Austrian, Austrians | Vienna |
Azerbaijan, Republic of Azerbaijan | Azerbaijani, Azerbaijanis, Azeri, Azeris | Baku |
Bahrain, Kingdom of Bahrain | Bahraini, Bahrainis | Manama |
Bangladesh, People's Republic of Bangladesh | Bangladeshi, Bangladeshis | Dhaka |
Belarus, Republic of Belarus, Belorussia | Belarusian, Belarusians | Minsk |
Belgium, Kingdom of Belgium | Belgian, Belgians | |
Bolivia, Plurinational State of Bolivia | Bolivian, Bolivians | La Paz, Sucre |
Bosnia and Herzegovina, Bosnia-Herzegovina, Bosnia | Bosnian, Bosnians | Sarajevo |
Brazil, Federative Republic of Brazil, Brasil | Brazilian, Brazilians | Brasilia | Planalto
Bulgaria, Republic of Bulgaria | Bulgarian, Bulgarians | Sofia |
Burkina Faso | Burkinabe | Ouagadougou |
Cambodia, Kingdom of Cambodia | Cambodian, Cambodians | Phnom Penh |
Canada | Canadian, Canadians | Ottawa |
Chad, Republic of Chad | Chadian, Chadians | N'Djamena |
Chile, Republic of Chile | Chilean, Chileans | Santiago |
China, People's Republic of China, PRC, Mainland China | Chinese | Beijing | Zhongnanhai
Colombia, Republic of Colombia | Colombian, Colombians | Bogota |
Croatia, Republic of Croatia | Croatian, Croatians, Croat, Croats | Zagreb |
Cuba, Republic of Cuba | Cuban, Cubans | Havana |
Cyprus, Republic of Cyprus | Cypriot, Cypriots | Nicosia |
Czech Republic, Czechia | Czech, Czechs | Prague |
Democratic Republic of the Congo, DR Congo, DRC, Congo-Kinshasa | Congolese | Kinshasa |
Denmark, Kingdom of Denmark | Danish | Copenhagen |
Ecuador, Republic of Ecuador | Ecuadorian, Ecuadorians | Quito |
Egypt, Arab Republic of Egypt | Egyptian, Egyptians | Cairo |
Eritrea, State of Eritrea | Eritrean, Eritreans | Asmara |
Estonia, Republic of Estonia | Estonian, Estonians | Tallinn |
Ethiopia, Federal Democratic Republic of Ethiopia | Ethiopian, Ethiopians | Addis Ababa |
Finland, Republic of Finland | Finnish | Helsinki |
France, French Republic | French | Paris | the Elysee, Elysee Palace
Georgia, Sakartvelo | Georgian, Georgians | Tbilisi |
Germany, Federal Republic of Germany | German, Germans | Berlin |
Ghana, Republic of Ghana | Ghanaian, Ghanaians | Accra |
Greece, Hellenic Republic | Greek, Greeks | Athens |
Haiti, Republic of Haiti | Haitian, Haitians | Port-au-Prince |
Hungary | Hungarian, Hungarians | Budapest |
Iceland | Icelandic, Icelanders | Reykjavik |
India, Republic of India, Bharat | Indian, Indians | New Delhi |
Indonesia, Republic of Indonesia | Indonesian, Indonesians | Jakarta |
Iran, Islamic Republic of Iran | Iranian, Iranians | Tehran, Teheran |
Iraq, Republic of Iraq | Iraqi, Iraqis | Baghdad |
Ireland, Republic of Ireland, Eire | Irish | Dublin |
Israel, State of Israel | Israeli, Israelis | |
Italy, Italian Republic | Italian, Italians | Rome | Palazzo Chigi
Japan | Japanese | Tokyo |
Jordan, Hashemite Kingdom of Jordan | Jordanian, Jordanians | Amman |
Kazakhstan, Republic of Kazakhstan | Kazakh, Kazakhs, Kazakhstani, Kazakhstanis | Astana |
Kenya, Republic of Kenya | Kenyan, Kenyans | Nairobi |
Kosovo, Republic of Kosovo | Kosovar, Kosovars, Kosovan, Kosovans | Pristina |
Kuwait, State of Kuwait | Kuwaiti, Kuwaitis | Kuwait City |
Kyrgyzstan, Kyrgyz Republic | Kyrgyz | Bishkek |
Latvia, Republic of Latvia | Latvian, Latvians | Riga |
Lebanon, Lebanese Republic | Lebanese | Beirut |
Libya, State of Libya | Libyan, Libyans | Tripoli |
Lithuania, Republic of Lithuania | Lithuanian, Lithuanians | Vilnius |
Malaysia | Malaysian, Malaysians | Kuala Lumpur |
Mali, Republic of Mali | Malian, Malians | Bamako |
Mexico, United Mexican States | Mexican, Mexicans | Mexico City |
Moldova, Republic of Moldova | Moldovan, Moldovans | Chisinau |
Mongolia | Mongolian, Mongolians | Ulaanbaatar, Ulan Bator |
Montenegro | Montenegrin, Montenegrins | Podgorica |
Morocco, Kingdom of Morocco | Moroccan, Moroccans | Rabat |
Mozambique, Republic of Mozambique | Mozambican, Mozambicans | Maputo |
Myanmar, Burma, Republic of the Union of Myanmar | Burmese | Naypyidaw, Naypyitaw |
Nepal | Nepali, Nepalis, Nepalese | Kathmandu |
Netherlands, the Netherlands, Holland, Kingdom of the Netherlands | Dutch | Amsterdam |
New Zealand, Aotearoa | New Zealander, New Zealanders | Wellington |
Nicaragua, Republic of Nicaragua | Nicaraguan, Nicaraguans | Managua |
Niger, Republic of the Niger | Nigerien, Nigeriens | Niamey |
Nigeria, Federal Republic of Nigeria | Nigerian, Nigerians | Abuja |
North Korea, DPRK, Democratic People's Republic of Korea | North Korean, North Koreans | Pyongyang |
North Macedonia, Republic of North Macedonia | Macedonian, Macedonians | Skopje |
Norway, Kingdom of Norway | Norwegian, Norwegians | Oslo |
Oman, Sultanate of Oman | Omani, Omanis | Muscat |
Pakistan, Islamic Republic of Pakistan | Pakistani, Pakistanis | Islamabad |
Palestine, State of Palestine, Palestinian territories | Palestinian, Palestinians | | Ramallah
Peru, Republic of Peru | Peruvian, Peruvians | Lima |
Philippines, the Philippines, Republic of the Philippines | Filipino, Filipinos, Philippine | Manila | Malacanang
Poland, Republic of Poland | Polish | Warsaw |
Portugal, Portuguese Republic | Portuguese | Lisbon |
Qatar, State of Qatar | Qatari, Qataris | Doha |
Romania | Romanian, Romanians | Bucharest |
Russia, Russian Federation | Russian, Russians | Moscow | the Kremlin
Rwanda, Republic of Rwanda | Rwandan, Rwandans | Kigali |
Saudi Arabia, Kingdom of Saudi Arabia, KSA | Saudi, Saudis, Saudi Arabian, Saudi Arabians | Riyadh |
Senegal, Republic of Senegal | Senegalese | Dakar |
Serbia, Republic of Serbia | Serbian, Serbians, Serb, Serbs | Belgrade |
Singapore, Republic of Singapore | Singaporean, Singaporeans | |
Slovakia, Slovak Republic | Slovak, Slovaks, Slovakian | Bratislava |
Slovenia, Republic of Slovenia | Slovenian, Slovenians, Slovene, Slovenes | Ljubljana |
Somalia, Federal Republic of Somalia | Somali, Somalis | Mogadishu |
South Africa, Republic of South Africa | South African, South Africans | Pretoria |
South Korea, Republic of Korea, ROK | South Korean, South Koreans | Seoul | the Blue House
South Sudan, Republic of South Sudan | South Sudanese | Juba |
Spain, Kingdom of Spain | Spanish, Spaniard, Spaniards | Madrid | Moncloa
Sri Lanka | Sri Lankan, Sri Lankans | Colombo |
Sudan, Republic of the Sudan, the Sudan | Sudanese | Khartoum |
Sweden, Kingdom of Sweden | Swedish | Stockholm |
Switzerland, Swiss Confederation | Swiss | Bern, Berne |
Syria, Syrian Arab Republic | Syrian, Syrians | Damascus |
Taiwan, Republic of China | Taiwanese | Taipei |
Tajikistan, Republic of Tajikistan | Tajik, Tajiks | Dushanbe |
Thailand, Kingdom of Thailand | Thai, Thais | Bangkok |
Tunisia, Republic of Tunisia | Tunisian, Tunisians | Tunis |
Turkey, Turkiye, Republic of Turkey | Turkish, Turk, Turks | Ankara |
Turkmenistan | Turkmen | Ashgabat |
Uganda, Republic of Uganda | Ugandan, Ugandans | Kampala |
Ukraine | Ukrainian, Ukrainians | Kyiv | Bankova
United Arab Emirates, UAE, the Emirates | Emirati, Emiratis | Abu Dhabi |
United Kingdom, UK, U.K., Britain, Great Britain | British, Britons | London | Downing Street, Number 10, Whitehall
United States, United States of America, US, U.S., USA, America | American, Americans | Washington | the White House
Uzbekistan, Republic of Uzbekistan | Uzbek, Uzbeks | Tashkent |
Venezuela, Bolivarian Republic of Venezuela | Venezuelan, Venezuelans | Caracas | Miraflores Palace
Vietnam, Viet Nam, Socialist Republic of Vietnam | Vietnamese | Hanoi |
Yemen, Republic of Yemen | Yemeni, Yemenis | Sanaa, Sana'a |
Zimbabwe, Republic of Zimbabwe | Zimbabwean, Zimbabweans | Harare |
"""


def _items(field: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in field.split(",") if item.strip())


def _parse(table: str) -> tuple[Country, ...]:
    countries = []
    for line in table.strip().splitlines():
        names, demonyms, capitals, seats = line.split("|")
        abroad_names, abroad_demonyms, abroad_seats = ABROAD.get(_items(names)[0], ((), (), ()))
        countries.append(Country(_items(names), _items(demonyms), _items(capitals), _items(seats),
                                 abroad_names + abroad_seats, abroad_demonyms))
    return tuple(countries)


COUNTRIES: tuple[Country, ...] = _parse(_TABLE)


@functools.cache
def _by_name() -> Mapping[str, Country]:
    return {" ".join(fold(name).split()): country for country in COUNTRIES for name in country.names}


def country_named(name: str) -> Country | None:
    """The country this name (an actor's name or alias, any case) names, if it is one of the table's."""
    return _by_name().get(" ".join(fold(name).split()))
