"""Rule-based reading of one critical-minerals announcement (title + body) into structured facts.

Pure Python, no Dagster and no I/O. `extract(title, body)` returns:

* `parties`: ISO 3166-1 alpha-3 codes (``EUU`` for the European Union) of the countries that take
  part in what is announced. Countries are recognised from names and short names (also in all-caps
  headlines), demonyms, capitals used for governments, government agencies and state-owned
  companies, and acting groupings (the Quad, the G7, the G20). Parties come from the title and the
  lead sentence. A unilateral action (export control, national list) keeps only its issuer. Private
  companies never stand for their home country, however they are described ("a Chinese
  battery-materials producer"). A text that is not about minerals at all (tourism, defence) has
  no parties and no instrument.
* `mentioned_countries`: every other country the text names: venues, rivals, markets, the home
  countries of private companies, places of projects.
* `groups`: acting groupings (Quad, G7, G20, MSP); the MSP is only a flag (its membership changes).
* `minerals`: canonical names (MINERALS), plus ``critical minerals`` when the text speaks of
  critical/strategic minerals or raw materials in general (not of "raw materials" alone). Mineral
  words inside names of companies, organisations, programmes and places do not count, nor do
  those of sentences about a company's other business.
* `stages`: the value-chain stages (STAGES) the announced action covers; end uses, the source of
  what is bought, what buyers do with it and "explore" in the sense of "consider" are not stages.
  Nor are the stages of context sentences (facilities a place already hosts, past events, who owns
  existing operations, market talk, a company describing itself), and stages that the text says
  are not covered, not discussed or left to a later agreement are removed from the whole text.
* `instrument`: one of INSTRUMENTS, and `is_cooperation`. An instrument that is only sought,
  negotiated, negated or named as a goal ("to mobilise investment") is not the instrument; talks
  that were held are a meeting, planned ones are not. Cooperation needs two states or a grouping;
  one state dealing with a company is not cooperation. Market reports (prices moved) and event
  notices announce nothing: no instrument, no parties, no stages.
* `published_date`: ISO date from a metadata line, the dateline or the first full date in the text.
* `evidence`: for each non-empty field, the sentence that supports it.

Boilerplate around the article (related-news blocks, tag lines, share/subscribe lines, copyright
footers, navigation rows) is dropped before anything is read, so it cannot leak into the result.
Every vocabulary is a module-level table; the compiled patterns are built once, on first use.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import pycountry


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ============================================================================================
# Vocabularies: countries
# ============================================================================================

# Names and short names beyond the ISO names that pycountry supplies. Case-sensitive, so the
# pronoun "us" is never the United States.
COUNTRY_NAMES: dict[str, str] = {
    "United States": "USA", "United States of America": "USA", "U.S.": "USA", "U.S.A.": "USA", "US": "USA",
    "USA": "USA", "America": "USA",
    "European Union": "EUU", "EU": "EUU", "E.U.": "EUU",
    "United Kingdom": "GBR", "UK": "GBR", "U.K.": "GBR", "Britain": "GBR", "Great Britain": "GBR",
    "South Korea": "KOR", "Korea": "KOR", "Republic of Korea": "KOR", "ROK": "KOR",
    "North Korea": "PRK", "DPRK": "PRK",
    "Russia": "RUS", "PRC": "CHN", "People's Republic of China": "CHN", "Mainland China": "CHN",
    "Vietnam": "VNM", "Viet Nam": "VNM", "Turkey": "TUR", "Türkiye": "TUR", "Turkiye": "TUR",
    "Czech Republic": "CZE", "Czechia": "CZE",
    "DRC": "COD", "DR Congo": "COD", "D.R. Congo": "COD", "Democratic Republic of the Congo": "COD",
    "Democratic Republic of Congo": "COD", "Congo": "COD", "Congo-Kinshasa": "COD",
    "Republic of the Congo": "COG", "Congo-Brazzaville": "COG",
    "Ivory Coast": "CIV", "Cote d'Ivoire": "CIV", "Laos": "LAO", "Taiwan": "TWN", "Iran": "IRN",
    "Syria": "SYR", "Bolivia": "BOL", "Venezuela": "VEN", "Tanzania": "TZA", "Moldova": "MDA",
    "Burma": "MMR", "UAE": "ARE", "U.A.E.": "ARE", "Emirates": "ARE", "KSA": "SAU", "Saudi Arabia": "SAU",
    "The Netherlands": "NLD", "Holland": "NLD", "Philippines": "PHL", "Kyrgyzstan": "KGZ",
    "Eswatini": "SWZ", "Swaziland": "SWZ", "Cape Verde": "CPV", "East Timor": "TLS",
    "Sino": "CHN", "Indo": "IND",  # prefix forms: "Sino-US talks", "Indo-US partnership"
}
# Adjectives and nouns of nationality. "European" alone is not mapped (a continent, not the EU).
DEMONYMS: dict[str, str] = {
    "American": "USA", "Americans": "USA", "Indian": "IND", "Indians": "IND", "Japanese": "JPN",
    "Australian": "AUS", "Australians": "AUS", "Chinese": "CHN", "Ukrainian": "UKR", "Canadian": "CAN",
    "British": "GBR", "South Korean": "KOR", "Korean": "KOR", "North Korean": "PRK", "Russian": "RUS",
    "German": "DEU", "French": "FRA", "Italian": "ITA", "Spanish": "ESP", "Portuguese": "PRT", "Dutch": "NLD",
    "Belgian": "BEL", "Polish": "POL", "Czech": "CZE", "Austrian": "AUT", "Swiss": "CHE", "Irish": "IRL",
    "Estonian": "EST", "Latvian": "LVA", "Lithuanian": "LTU", "Finnish": "FIN", "Swedish": "SWE",
    "Norwegian": "NOR", "Danish": "DNK", "Greek": "GRC", "Serbian": "SRB", "Romanian": "ROU",
    "Hungarian": "HUN", "Bulgarian": "BGR", "Croatian": "HRV", "Slovak": "SVK", "Slovenian": "SVN",
    "Turkish": "TUR", "Israeli": "ISR", "Saudi": "SAU", "Emirati": "ARE", "Qatari": "QAT", "Omani": "OMN",
    "Egyptian": "EGY", "Moroccan": "MAR", "Algerian": "DZA", "Tunisian": "TUN", "Nigerian": "NGA",
    "Ghanaian": "GHA", "Kenyan": "KEN", "Tanzanian": "TZA", "Ugandan": "UGA", "Rwandan": "RWA",
    "Ethiopian": "ETH", "Congolese": "COD", "Zambian": "ZMB", "Zimbabwean": "ZWE", "Malawian": "MWI",
    "Mozambican": "MOZ", "Namibian": "NAM", "Botswanan": "BWA", "South African": "ZAF", "Angolan": "AGO",
    "Malagasy": "MDG", "Guinean": "GIN", "Malian": "MLI", "Nigerien": "NER", "Gabonese": "GAB",
    "Argentine": "ARG", "Argentinian": "ARG", "Chilean": "CHL", "Bolivian": "BOL", "Peruvian": "PER",
    "Brazilian": "BRA", "Mexican": "MEX", "Colombian": "COL", "Ecuadorian": "ECU", "Venezuelan": "VEN",
    "Kazakh": "KAZ", "Kazakhstani": "KAZ", "Uzbek": "UZB", "Mongolian": "MNG", "Kyrgyz": "KGZ",
    "Indonesian": "IDN", "Malaysian": "MYS", "Philippine": "PHL", "Filipino": "PHL", "Vietnamese": "VNM",
    "Thai": "THA", "Singaporean": "SGP", "Taiwanese": "TWN", "Pakistani": "PAK", "Bangladeshi": "BGD",
    "Sri Lankan": "LKA", "Iranian": "IRN", "Iraqi": "IRQ", "Jordanian": "JOR", "Emiratis": "ARE",
    "New Zealand": "NZL", "Greenlandic": "GRL", "Icelandic": "ISL", "Burmese": "MMR", "Cambodian": "KHM",
    "Lao": "LAO", "Papua New Guinean": "PNG", "Cuban": "CUB",
}
# Capitals and other seats of government, which news text uses for the government itself.
CAPITALS: dict[str, str] = {
    "Washington": "USA", "Washington, D.C.": "USA", "Washington D.C.": "USA", "White House": "USA",
    "New Delhi": "IND", "Delhi": "IND", "Beijing": "CHN", "Zhongnanhai": "CHN", "Canberra": "AUS",
    "Tokyo": "JPN", "Seoul": "KOR", "Ottawa": "CAN", "Brussels": "EUU", "London": "GBR", "Whitehall": "GBR",
    "Downing Street": "GBR", "Paris": "FRA", "Elysee": "FRA", "Élysée": "FRA", "Berlin": "DEU", "Rome": "ITA",
    "Madrid": "ESP", "Lisbon": "PRT", "Moscow": "RUS", "Kremlin": "RUS", "Kyiv": "UKR", "Kiev": "UKR",
    "Kinshasa": "COD", "Lusaka": "ZMB", "Luanda": "AGO", "Santiago": "CHL", "Lima": "PER",
    "Buenos Aires": "ARG", "Casa Rosada": "ARG", "Brasília": "BRA", "Brasilia": "BRA", "Mexico City": "MEX",
    "Jakarta": "IDN", "Manila": "PHL", "Hanoi": "VNM", "Riyadh": "SAU", "Abu Dhabi": "ARE", "Doha": "QAT",
    "Astana": "KAZ", "Tashkent": "UZB", "Ulaanbaatar": "MNG", "Ulan Bator": "MNG", "Pretoria": "ZAF",
    "Nairobi": "KEN", "Kigali": "RWA", "Windhoek": "NAM", "Harare": "ZWE", "Dodoma": "TZA", "Maputo": "MOZ",
    "Lilongwe": "MWI", "Abuja": "NGA", "Accra": "GHA", "Rabat": "MAR", "Cairo": "EGY", "Stockholm": "SWE",
    "Helsinki": "FIN", "Oslo": "NOR", "Copenhagen": "DNK", "Warsaw": "POL", "Prague": "CZE", "Tallinn": "EST",
    "Vienna": "AUT", "Bern": "CHE", "The Hague": "NLD", "Amsterdam": "NLD", "Islamabad": "PAK", "Dhaka": "BGD",
    "Taipei": "TWN", "Pyongyang": "PRK", "Tehran": "IRN", "Ankara": "TUR", "Kuala Lumpur": "MYS",
    "Putrajaya": "MYS", "Bangkok": "THA", "Nuuk": "GRL", "Belgrade": "SRB", "Bucharest": "ROU",
    "Budapest": "HUN", "Athens": "GRC", "Dublin": "IRL", "La Paz": "BOL", "Bogota": "COL", "Bogotá": "COL",
    "Quito": "ECU", "Caracas": "VEN", "Conakry": "GIN", "Bamako": "MLI", "Niamey": "NER", "Antananarivo": "MDG",
    "Gaborone": "BWA", "Muscat": "OMN", "Baku": "AZE", "Tbilisi": "GEO", "Yerevan": "ARM", "Naypyidaw": "MMR",
    "Phnom Penh": "KHM", "Vientiane": "LAO", "Port Moresby": "PNG", "Reykjavik": "ISL", "Libreville": "GAB",
}
# Other cities and sub-national regions: only ever places (venues, project sites, markets).
PLACES: dict[str, str] = {
    "Johannesburg": "ZAF", "Cape Town": "ZAF", "Durban": "ZAF", "Sydney": "AUS", "Melbourne": "AUS",
    "Perth": "AUS", "Brisbane": "AUS", "Adelaide": "AUS", "Darwin": "AUS", "Kwinana": "AUS",
    "Western Australia": "AUS", "South Australia": "AUS", "Queensland": "AUS", "New South Wales": "AUS",
    "Northern Territory": "AUS", "Toronto": "CAN", "Vancouver": "CAN", "Montreal": "CAN", "Calgary": "CAN",
    "Kananaskis": "CAN", "Ontario": "CAN", "Quebec": "CAN", "Québec": "CAN", "Alberta": "CAN",
    "British Columbia": "CAN", "Saskatchewan": "CAN", "Osaka": "JPN", "Hiroshima": "JPN", "Nagoya": "JPN",
    "Mumbai": "IND", "Kolkata": "IND", "Chennai": "IND", "Bengaluru": "IND", "Bangalore": "IND",
    "Hyderabad": "IND", "Odisha": "IND", "Rajasthan": "IND", "Gujarat": "IND", "Jharkhand": "IND",
    "Shanghai": "CHN", "Shenzhen": "CHN", "Guangzhou": "CHN", "Hangzhou": "CHN", "Inner Mongolia": "CHN",
    "Jiangxi": "CHN", "Sichuan": "CHN", "Baotou": "CHN", "Busan": "KOR", "Incheon": "KOR",
    "New York": "USA", "Houston": "USA", "Chicago": "USA", "San Francisco": "USA", "Los Angeles": "USA",
    "Denver": "USA", "Las Vegas": "USA", "Nevada": "USA", "Texas": "USA", "California": "USA", "Alaska": "USA",
    "Wyoming": "USA", "North Carolina": "USA", "Louisiana": "USA", "Tennessee": "USA", "Kansas": "USA",
    "Arizona": "USA", "Geneva": "CHE", "Davos": "CHE", "Zurich": "CHE", "Frankfurt": "DEU", "Munich": "DEU",
    "Hamburg": "DEU", "Bavaria": "DEU", "Milan": "ITA", "Barcelona": "ESP", "Dubai": "ARE", "Jeddah": "SAU",
    "Almaty": "KAZ", "São Paulo": "BRA", "Sao Paulo": "BRA", "Rio de Janeiro": "BRA", "Istanbul": "TUR",
    "St Petersburg": "RUS", "St. Petersburg": "RUS", "Vladivostok": "RUS", "Lubumbashi": "COD",
    "Kolwezi": "COD", "Katanga": "COD", "Sharm el-Sheikh": "EGY", "Ho Chi Minh City": "VNM",
    "Catamarca": "ARG", "Jujuy": "ARG", "Salta": "ARG", "Atacama": "CHL", "Sulawesi": "IDN",
    "Morowali": "IDN", "Lobito": "AGO", "Gothenburg": "SWE", "Kiruna": "SWE", "Rotterdam": "NLD",
}
# Government bodies, state finance agencies and state-owned or state-backed companies: each
# stands for its country. Names that contain a country name need no entry.
AGENCIES: dict[str, str] = {
    # United States
    "Pentagon": "USA", "Department of Defense": "USA", "Defense Department": "USA", "DoD": "USA",
    "Department of War": "USA", "War Department": "USA", "State Department": "USA",
    "Department of State": "USA", "Department of Energy": "USA", "Energy Department": "USA", "DOE": "USA",
    "Department of the Interior": "USA", "Interior Department": "USA", "Commerce Department": "USA",
    "Treasury Department": "USA", "Department of the Treasury": "USA", "USGS": "USA", "USTR": "USA",
    "Development Finance Corporation": "USA", "DFC": "USA", "EXIM": "USA", "Ex-Im Bank": "USA",
    "Export-Import Bank of the United States": "USA", "Bureau of Industry and Security": "USA",
    "Defense Logistics Agency": "USA", "Office of Strategic Capital": "USA", "Trump administration": "USA",
    "Trump Administration": "USA", "Biden administration": "USA", "Biden Administration": "USA",
    "Biden-Harris Administration": "USA",
    # Japan
    "JOGMEC": "JPN", "JBIC": "JPN", "NEXI": "JPN", "METI": "JPN", "Ministry of Economy, Trade and Industry": "JPN",
    # India
    "KABIL": "IND", "Khanij Bidesh": "IND", "NMDC": "IND", "IREL": "IND", "NALCO": "IND",
    "Hindustan Copper": "IND", "NITI Aayog": "IND", "Union Cabinet": "IND", "Union Minister": "IND",
    "Ministry of External Affairs": "IND", "Modi government": "IND", "Modi Government": "IND",
    # Korea
    "KOMIR": "KOR", "KORES": "KOR", "KEXIM": "KOR", "K-SURE": "KOR", "MOTIE": "KOR", "KIGAM": "KOR",
    "Ministry of Trade, Industry and Energy": "KOR",
    # Australia
    "Geoscience Australia": "AUS", "CSIRO": "AUS", "NAIF": "AUS", "Northern Australia Infrastructure Facility": "AUS",
    "CEFC": "AUS", "Clean Energy Finance Corporation": "AUS", "Albanese Government": "AUS",
    "Albanese government": "AUS",
    # names that contain a country name: matched whole, so the agency is never read as a place
    "Export Finance Australia": "AUS", "Export Development Canada": "CAN", "Canada Infrastructure Bank": "CAN",
    "Canada Growth Fund": "CAN", "Natural Resources Canada": "CAN", "UK Export Finance": "GBR",
    "Japan Organization for Metals and Energy Security": "JPN", "Japan Bank for International Cooperation": "JPN",
    "Korea Mine Rehabilitation and Mineral Resources Corporation": "KOR", "Korea Trade Insurance Corporation": "KOR",
    "Korea Institute of Geoscience and Mineral Resources": "KOR", "Export-Import Bank of Korea": "KOR",
    "Export-Import Bank of India": "IND", "Geological Survey of India": "IND", "Coal India": "IND",
    "Aluminum Corporation of China": "CHN", "China Minmetals": "CHN", "Qatar Investment Authority": "QAT",
    # Canada, United Kingdom, European Union, European states
    "NRCan": "CAN", "UKEF": "GBR", "FCDO": "GBR", "Department for Business and Trade": "GBR",
    "European Commission": "EUU", "Commission President": "EUU", "European Investment Bank": "EUU", "EIB": "EUU",
    "European Council": "EUU", "European Parliament": "EUU", "Council of the EU": "EUU", "Team Europe": "EUU",
    "KfW": "DEU", "Bpifrance": "FRA", "BRGM": "FRA", "LKAB": "SWE", "KGHM": "POL",
    # European development finance and export credit agencies, and geological surveys
    "Proparco": "FRA", "AFD": "FRA", "Agence Française de Développement": "FRA", "DEG": "DEU",
    "EIFO": "DNK", "IFU": "DNK", "Norfund": "NOR", "Swedfund": "SWE", "Finnfund": "FIN", "FMO": "NLD",
    "Invest International": "NLD", "BII": "GBR", "CDC Group": "GBR", "SACE": "ITA", "SIMEST": "ITA",
    "Cassa Depositi e Prestiti": "ITA", "COFIDES": "ESP", "CESCE": "ESP", "OeKB": "AUT", "GTK": "FIN",
    "SGU": "SWE", "BGS": "GBR", "Finnish Minerals Group": "FIN",
    # China, Russia
    "MOFCOM": "CHN", "General Administration of Customs": "CHN", "Chinalco": "CHN", "Rosatom": "RUS",
    "Sinosure": "CHN", "China Development Bank": "CHN", "CNNC": "CHN", "Nornickel": "RUS",
    # Middle East
    "Ma'aden": "SAU", "Maaden": "SAU", "Ma’aden": "SAU", "Manara Minerals": "SAU", "Public Investment Fund": "SAU",
    "PIF": "SAU", "Mubadala": "ARE", "ADQ": "ARE",
    # Latin America
    "Codelco": "CHL", "ENAMI": "CHL", "CORFO": "CHL", "YLB": "BOL", "Yacimientos de Litio Bolivianos": "BOL",
    "YPF": "ARG", "CAMYEN": "ARG", "JEMSE": "ARG", "BNDES": "BRA", "COMIBOL": "BOL", "SEGEMAR": "ARG",
    "Sernageomin": "CHL", "SERNAGEOMIN": "CHL", "Ecopetrol": "COL",
    # Africa
    "Gécamines": "COD", "Gecamines": "COD", "ARECOMS": "COD", "Entreprise Générale du Cobalt": "COD",
    "ZCCM-IH": "ZMB", "ZCCM": "ZMB", "Epangelo": "NAM", "OCP Group": "MAR", "DBSA": "ZAF",
    "Development Bank of Southern Africa": "ZAF", "Industrial Development Corporation": "ZAF",
    "Public Investment Corporation": "ZAF", "EMRA": "EGY", "Endiama": "AGO", "ZMDC": "ZWE", "SOMILO": "MLI",
    "SOGUIPAMI": "GIN", "SODEMI": "CIV", "Sonatrach": "DZA", "Manaf": "DZA",
    # Asia
    "Kazatomprom": "KAZ", "Tau-Ken Samruk": "KAZ", "MIND ID": "IDN", "Antam": "IDN", "Inalum": "IDN",
    "Danantara": "IDN", "Erdenes Mongol": "MNG", "Vinacomin": "VNM", "Khazanah": "MYS",
}
# pycountry names that are usually something else in English news text.
AMBIGUOUS_COUNTRY_NAMES = frozenset({"Georgia", "Jersey", "Chad", "Jordan", "Guernsey", "Man", "Niue"})
# Masked before country matching: regions, seas, currencies and names that contain a country name.
NON_COUNTRY_PHRASES = (
    r"\b(?:Latin|South|North|Central|Native) Americ\w*",
    r"\bIndian Ocean\b",
    r"\bIndo-Pacific\b",
    r"\b(?:South|East) China Sea\b",
    r"\bNew Mexico\b",
    r"\bWashington (?:State|Post|Consensus)\b",
    r"\bGeorge Washington\b",
    r"\bU\.?S\.? ?\$",
    r"\bU\.?S\.? dollars?\b",
    r"\bLondon Metal Exchange\b",
    r"\bParis (?:Agreement|Accord|Club)\b",
    r"\bAnglo American\b",
    r"\bAmerican (?:Samoa|depositary)\b",
    r"\bKorea Zinc\b",
    r"\bJapan Times\b",
)

# Groupings. Members are listed for those that act as one (the Quad; the G7's seven states; the
# G20's nineteen states and the EU);
# the MSP is reported as a group only, since its membership changes over time.
GROUP_MEMBERS: dict[str, tuple[str, ...]] = {
    "Quad": ("AUS", "IND", "JPN", "USA"),
    "G7": ("CAN", "DEU", "FRA", "GBR", "ITA", "JPN", "USA"),
    "G20": (
        "ARG", "AUS", "BRA", "CAN", "CHN", "DEU", "EUU", "FRA", "GBR", "IDN", "IND", "ITA", "JPN", "KOR", "MEX",
        "RUS", "SAU", "TUR", "USA", "ZAF",
    ),
    "MSP": (),
}
GROUP_PATTERNS: dict[str, str] = {
    "Quad": r"\bQuad\b|\bQUAD\b|\bQuadrilateral Security Dialogue\b",
    "G7": r"\bG-?7\b|\bGroup of (?:Seven|7)\b",
    "G20": r"\bG-?20\b|\bGroup of (?:Twenty|20)\b",
    "MSP": r"\bMSP\b|\bMinerals Security Partnership\b",
}
# A group named right after these words is a venue ("on the sidelines of the G7 summit").
GROUP_VENUE_BEFORE = re.compile(
    r"(?:\bat|\bsidelines of|\bmargins of|\bahead of|\bduring|\bbefore|\bafter|\bfollowing|\brun-up to"
    r"|\beve of|\bhost(?:s|ed|ing)?|\bchair(?:s|ed|ing)?)\s+(?:the\s+|this year's\s+|last week's\s+"
    r"|next week's\s+)?(?:\d+\w*\s+|inaugural\s+|annual\s+|latest\s+|upcoming\s+)?$",
    re.I,
)

# ============================================================================================
# Vocabularies: roles of a country mention
# ============================================================================================

GROUP_VENUE_AFTER = re.compile(r"^\s*(?:summit\s+)?(?:sidelines|margins|side-lines)\b", re.I)

# Words right before a country that make it a venue, a project site, a rival, a market or a target.
CONTEXT_BEFORE = re.compile(
    r"(?:\b(?:in|at|near|inside|outside(?: of)?|across|throughout|beyond|against|versus|vs\.?|than|from"
    r"|aimed at|targets?|targeting|targeted at|amid|as|after|following|since|unlike|like|including"
    r"|(?:such|as well) as|other than|except|excluding|ex-|non-"
    r"|(?:dependen(?:ce|cy|t)|relian(?:ce|t)|rel(?:y|ies|ying)|depend(?:s|ing)?|exposure) on"
    r"|(?:away|decoupl\w*|diversif\w*(?: supply)?(?: away)?) from"
    r"|(?:dominated|controlled|dominance|control|grip|leverage) (?:of|by)"
    r"|(?:rivals?|competitors?|competition|rivalry|tensions?|disputes?|trade war|compete|competing) with"
    r"|(?:response|reply|retaliation|answer|reaction) to|(?:counter|countering|to counter|challenge to)"
    r"|(?:accus|criticis|criticiz|condemn|blam|slamm?|warn|sanction|punish|retaliat)\w*(?: against)?"
    r"|(?:exports?|shipments?|sales?|sell(?:s|ing)?|sold|ship(?:s|ped|ping)?|supply|supplies|supplying"
    r"|deliver(?:y|ies|ed|ing)?|bound|destined) (?:to|for)"
    r"|(?:imports?|supplies|supply|purchases?|buying|bought|sourced|sourcing|come?s?|coming|originating)"
    r" (?:from|in)"
    r"|(?:in the )?presence of|witnessed by|(?:visit|trip|travel|mission|delegation)s? to|bound for"
    r"|headquartered in|based in|listed in|deposits? in|projects? in|mines? in|operations? in|plants? in"
    r"|refinery in|assets? in|investors? in"
    r"|buyers? in|customers? in|markets? in|makers? in|manufacturers? in|companies in|firms in))"
    r"\s+(?:the\s+)?(?:(?:state|province|region|city|capital|port|island|north|south|east|west"
    r"|northern|southern|eastern|western|central|mainland) (?:of\s+)?)?$",
    re.I,
)
# Words right after a country that make it context (dominance, markets) rather than a party.
CONTEXT_AFTER = re.compile(
    r"^(?:['’]s?\s+(?:(?:near-|virtual\s+|effective\s+)?(?:dominance|dominant|grip|monopoly|stranglehold|control"
    r"|leverage|hold|share|market|demand|economy|rise|supremacy|lead|overcapacity|weaponi[sz]\w*)\b)"
    r"|\s*[-–](?:dominated|controlled|owned|based|listed|headquartered|registered|made|sourced|origin)\b"
    r"|\s+(?:dominates?|dominated|controls?|controlled|refines|processes|produces|supplies|accounts)\b"
    r"|,\s+which\s+(?:dominates|controls|refines|processes|produces|supplies|accounts|holds|has)\b"
    r"|\s+(?:demand|market|markets|consumers?|buyers?|imports?|exports?|goods|products|ores?|concentrates?|steel"
    r"|supplies)\b"
    r"|\s+(?:(?:lithium|cobalt|nickel|manganese|graphite|rare[- ]earths?|gallium|germanium|antimony|tungsten|copper"
    r"|uranium|platinum|tin|tantalum|niobium|vanadium|titanium|bauxite|zinc|phosphate|potash|silver|gold|coal|iron ore"
    r"|mining|brine|heavy|critical minerals?)\s+){0,2}(?:projects?|mines?|deposits?|operations|plants?|refinery|smelter"
    r"|sites?|assets|fields?|brines?|salt flats?|expansion)\b(?!\s+(?:agreement|deal|framework|partnership)))",
    re.I,
)
# After the last country of a list: the countries are sides of a rivalry, not parties.
RELATION_AFTER = re.compile(
    r"^\s*(?:trade war|trade tensions|tensions|rivalry|dispute|standoff|stand-off|competition|confrontation|tariff war"
    r"|decoupling|chip war|tech war)\b",
    re.I,
)
# A country after a place and a comma is the place's country ("a plant in Palawan, the Philippines"),
# unless a list goes on after it ("In Canberra, Australia and India signed ...").
APPOSITION_BEFORE = re.compile(r"\b(?:in|at|near|outside)\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?,\s+(?:the\s+)?$")
LIST_GOES_ON = re.compile(r"^\s*(?:,\s*)?(?:and|&|or)\s")
# Possessive followed by a unilateral measure: the country is its issuer when nobody else acts.
WEAK_AFTER = re.compile(
    r"^['’]s?\s+(?:(?:new|latest|recent|planned|sweeping|expanded|tighter|proposed|\w+-\w+)\s+)?"
    r"(?:(?:\w+\s+){0,3})?(?:export|exports|curbs?|bans?|restrictions?|controls?|measures?|rules?|list|quotas?"
    r"|licen[cs]\w*|levy|tax|tariffs?)\b",
    re.I,
)
# A demonym (or a possessive) before one of these nouns names the home country of a company.
COMPANY_NOUNS = (
    r"miners?|mining (?:company|group|giant|firm|major)|producers?|company|firm|group|makers?|manufacturers?"
    r"|carmakers?|automakers?|chipmakers?|steelmakers?|steel mills?|shipbuilders?|trader"
    r"|trading (?:house|company|firm)|smelters?|refiners?|processors?"
    r"|start-?ups?|investors?|fund|conglomerate|suppliers?|buyers?|customers?|developer|owner|operator|utility"
    r"|lender|bank|subsidiary|unit|giant|major|explorer|junior|partner company|venture fund|private equity"
    r"|recyclers?|shareholders?|stakeholders?|owners|parent(?: company)?|holding company|consortium|backers?"
    r"|(?:battery|magnet|cathode|anode|steel|chip|solar|car|auto|electronics)\s+(?:makers?|manufacturers?"
    r"|producers?|companies|firms|giant|maker)"
)
# Words of trade that may describe a company between its nationality and the company noun ("a
# Chinese battery-materials producer", "a US rare-earths firm", "a Swiss commodity trader").
COMPANY_DESCRIPTION = (
    r"[\w]+-(?:materials|earths?|metals?|ion|vehicles?|tech|energy|chemicals?)|battery|batteries|materials|metals?"
    r"|mining|minerals|steel|stainless|commodit(?:y|ies)|chemicals?|energy|resources|EV|electric|vehicles?|auto"
    r"|car|solar|trading|tech|technology|engineering|construction|investment|private|equity|venture|rare|earths?"
    r"|cathode|anode|magnet|chip|electronics|industrial|specialty|processing|refining|smelting|recycling|cells?"
    r"|nuclear|oil|gas|power|parts|components|automotive|semiconductor|storage|hydrogen|renewables?|wind|lithium|cobalt|nickel|copper|graphite|manganese|zinc|tin|uranium|tungsten|antimony"
    r"|gallium|germanium|aluminium|aluminum|titanium|vanadium|silicon|polysilicon|platinum|palladium|iron|ore"
    r"|exploration|mine|project"
)
COMPANY_AFTER = re.compile(
    rf"^['’]?s?\s+(?:(?:largest|biggest|top|leading|main|major|second-largest|listed|private|privately\s+held"
    rf"|family-owned|own|largest\s+private|\w+-based|\w+-listed)\s+)*"
    rf"(?:(?:and|or|,)\s+[A-Z][\w'’-]+\s+)?"  # "Danish and Australian shareholders"
    rf"(?:(?:{COMPANY_DESCRIPTION})(?:\s+and)?\s+){{0,4}}(?:{COMPANY_NOUNS})\b",
    re.I,
)
# A demonym right before a commodity names its origin ("duties on Chinese magnesium").
ORIGIN_AFTER = re.compile(
    r"^\s+(?:[a-z-]+\s+)?(?:lithium|cobalt|nickel|manganese|graphite|rare[- ]earths?|gallium|germanium|antimony"
    r"|tungsten|copper|uranium|platinum|palladium|tin|tantalum|niobium|vanadium|titanium|alumin(?:i)?um|bauxite"
    r"|alumina|silicon|polysilicon|zinc|magnesium|fluorspar|phosphates?|potash|helium|silver|spodumene|coltan"
    r"|minerals|metals|raw materials)\b(?!\s+(?:agreement|deal|framework|partnership|mou|cooperation|policy|strategy"
    r"|mission|ministry|minister))",
    re.I,
)
STATE_APPOSITION = re.compile(r"^,?\s+(?:a\s+|the\s+|which\s+is\s+)?(?:state|government)[- ]", re.I)
STATE_OWNED = re.compile(
    r"\b(?:state|government|publicly)[- ](?:owned|backed|run|controlled)\b|\bstate\b|\bsovereign\b", re.I
)
# Capitalised words after a possessive that make it a government actor ("India's Ministry of Mines").
GOVERNMENT_WORDS = _words(
    "Ministry Minister Ministers Department Government Gov President Prime Premier Chancellor Secretary "
    "Ambassador Embassy Agency Office Commission Commissioner Council Parliament Congress Senate Cabinet Treasury "
    "Bureau Administration State Foreign Trade Commerce Energy Industry Mines Mining Defence Defense National "
    "Federal Central Union Royal Republic Vice Deputy Finance External Economy Economic Resources Natural Critical "
    "Strategic Export Geological Development Sovereign Public Environment Climate Science Customs Mission "
    "Strategy Act King Queen Crown Prince Emir Sultan Navy Army Military Supreme Senior Top Chief Head Special "
    "New Official Officials Leader Leaders Delegation Envoy Legislature Regulator Regulation Authority"
)
# Words between two mentions that make them one coordinated list ("China and Russia").
LIST_JOINER = re.compile(r"^(?:\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+|&\s+|/)|\s*[-–]\s*)(?:the\s+)?$")

# Start of body: a dateline ("WASHINGTON, Feb. 3, 2026 —", "Kigali, 19 February 2024 -").
MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
DATE_PATTERNS = (
    r"\b(?P<y1>(?:19|20)\d\d)-(?P<m1>[01]\d)-(?P<d1>[0-3]\d)\b",
    rf"\b(?P<mon2>{MONTH})\.?\s+(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d\d)\b",
    rf"\b(?P<d3>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon3>{MONTH})\.?,?\s+(?P<y3>(?:19|20)\d\d)\b",
)
PARTIAL_DATE = rf"(?:{MONTH}\.?\s+[0-3]?\d(?:st|nd|rd|th)?|[0-3]?\d\s+{MONTH}\.?)(?:,?\s+(?:19|20)\d\d)?"
DATELINE = re.compile(
    rf"^(?P<place>[A-Z][A-Za-z.'’-]*(?:[ -][A-Z][A-Za-z.'’-]*){{0,3}}(?:,\s*D\.C\.)?)"
    rf"(?:,\s*(?P<region>[A-Z][A-Za-z.]*(?: [A-Z][A-Za-z.]*)?))?"
    rf"(?:(?P<dated>,?\s+{PARTIAL_DATE})|(?=\s*(?:\(|[—–]|-\s|:)))"
    rf"\s*(?:\([^)]{{1,40}}\))?\s*(?:[—–]+|-{{1,2}}\s|:\s|$)\s*"
)
METADATA_LINE = re.compile(
    r"^(?:posted on|published(?: on| at)?|updated(?: on| at)?|last updated|date|released on|issued on|source|by"
    r"|dateline|filed)\s*[:\-]\s*|^by\s+[A-Z]",
    re.I,
)

# ============================================================================================
# Vocabularies: boilerplate around the article
# ============================================================================================

# A line that opens a block of other headlines; the headline-like lines after it are dropped.
SIDEBAR_HEADER = re.compile(
    r"^(?:related(?:\s+(?:news|stories|articles|content|coverage|reading|posts|links|topics))?"
    r"|more\s+(?:news|stories|from\b.*|on\s+this(?:\s+topic)?|in\b.*)|latest(?:\s+(?:news|stories|headlines))?"
    r"|most\s+(?:read|popular|viewed|shared)|trending(?:\s+now)?|recommended(?:\s+for\s+you)?"
    r"|you\s+(?:may|might)\s+also\s+(?:like|be\s+interested\s+in)|read\s+(?:more|next|also)|also\s+read"
    r"|see\s+also|top\s+stories|editor['’]?s\s+picks?|popular(?:\s+now)?|in\s+other\s+news|what\s+to\s+read\s+next"
    r"|other\s+news|headlines)\s*:?$",
    re.I,
)
# Single lines dropped wherever they appear: inline "Also read:" teasers, tags, share and follow
# prompts, copyright, wire credits, photo credits.
BOILERPLATE_LINE = re.compile(
    r"^(?:(?:also\s+read|read\s+(?:more|also|next)|see\s+also|related|recommended|watch|listen)\s*[:|–—-]"
    r"|(?:tags?|topics?|filed\s+under|categories|category|keywords)\s*:"
    r"|©|\(c\)\s|copyright\b|all\s+rights\s+reserved"
    r"|(?:share|follow|subscribe|sign\s+up|download|print|email|comment|click)\b.{0,80}$"
    r"|(?:skip\s+to|back\s+to\s+top|advertisement|sponsored)\b"
    r"|\(?(?:reporting|writing|editing|additional\s+reporting)\s+by\b"
    r"|(?:photo|image|file\s+photo|caption|picture)\s*(?::|\(|credit)"
    r"|(?:privacy|terms|cookie|accessibility|contact\s+us|about\s+us)\b.{0,60}$)",
    re.I,
)
NAVIGATION_LINE = re.compile(r"^(?:[^|›»>]{1,40}\s*[|›»>]\s*){2,}[^|›»>]{0,40}$")
ALL_RIGHTS = re.compile(r"all rights reserved", re.I)

# ============================================================================================
# Vocabularies: minerals
# ============================================================================================

MINERALS = (
    "critical minerals", "lithium", "cobalt", "nickel", "manganese", "graphite", "rare earths", "gallium",
    "germanium", "antimony", "tungsten", "copper", "uranium", "platinum group metals", "tin", "tantalum",
    "niobium", "vanadium", "titanium", "aluminum", "silicon", "zinc", "tellurium", "indium", "bismuth",
    "magnesium", "beryllium", "chromium", "fluorspar", "barite", "phosphate", "potash", "helium", "zirconium",
    "hafnium", "rhenium", "silver",
)
# Canonical mineral -> words and phrases that name it (matched case-insensitively on word
# boundaries; element names and ores map to their canonical mineral).
MINERAL_TERMS: dict[str, tuple[str, ...]] = {
    "lithium": ("lithium", "spodumene"),
    "cobalt": ("cobalt",),
    "nickel": ("nickel",),
    "manganese": ("manganese",),
    "graphite": ("graphite",),
    "rare earths": (
        "rare earth", "rare earths", "rare-earth", "rare-earths", "ree", "rees", "ndpr", "neodymium", "praseodymium",
        "dysprosium", "terbium", "samarium", "gadolinium", "lutetium", "yttrium", "scandium", "lanthanum", "cerium",
        "europium", "holmium", "erbium", "ndfeb", "smco",
    ),
    "gallium": ("gallium",),
    "germanium": ("germanium",),
    "antimony": ("antimony",),
    "tungsten": ("tungsten",),
    "copper": ("copper",),
    "uranium": ("uranium", "yellowcake"),
    "platinum group metals": (
        "platinum group metals", "platinum-group metals", "platinum group elements", "platinum-group elements",
        "pgm", "pgms", "platinum", "palladium", "rhodium", "iridium", "ruthenium",
    ),
    "tin": ("tin", "cassiterite"),
    "tantalum": ("tantalum", "coltan"),
    "niobium": ("niobium",),
    "vanadium": ("vanadium",),
    "titanium": ("titanium", "ilmenite", "rutile"),
    "aluminum": ("aluminum", "aluminium", "bauxite", "alumina"),
    "silicon": ("silicon", "polysilicon"),
    "zinc": ("zinc",),
    "tellurium": ("tellurium",),
    "indium": ("indium",),
    "bismuth": ("bismuth",),
    "magnesium": ("magnesium",),
    "beryllium": ("beryllium",),
    "chromium": ("chromium", "chromite"),
    "fluorspar": ("fluorspar", "fluorite"),
    "barite": ("barite", "baryte", "barytes"),
    "phosphate": ("phosphate", "phosphates", "phosphate rock"),
    "potash": ("potash",),
    "helium": ("helium",),
    "zirconium": ("zirconium", "zircon"),
    "hafnium": ("hafnium",),
    "rhenium": ("rhenium",),
    "silver": ("silver",),
}
# Canonical mineral -> regular expressions for wording that is not a fixed term. "critical
# minerals" stands for talk of critical/strategic minerals (or raw materials) in general; "raw
# materials" without critical or strategic is not enough.
MINERAL_PHRASES: dict[str, tuple[str, ...]] = {
    "critical minerals": (
        r"\b(?:critical|strategic)(?:\s*(?:and|or|&|,)\s*(?:critical|strategic|emerging|essential))?"
        r" (?:minerals?|raw materials?|metals?|materials?|mineral resources)\b",
        r"\b(?:battery|energy[- ]transition|transition|clean[- ]energy|green) (?:minerals|metals|raw materials)\b",
        r"(?-i:\bminerals? resources\b)",
        r"\bminerals? (?:deal|deals|agreement|pact|accord|treaty|mou|memorandum|partnership|cooperation|supply chains?"
        r"|security"
        r"|sector|wealth|rights|value chains?|diplomacy|investment|projects|dialogue|alliance|framework)\b",
        r"\bMinerals Security Partnership\b",
    ),
}
# Phrases in which a mineral word names a product, a technology or something else entirely.
NON_MINERAL_PHRASES = (
    r"\blithium[- ]ion\b",
    r"\bsilicon (?:valley|photonics|chips?|wafers?|carbide|anode start-?up)\b",
    r"\b(?:win|wins|won|winning|took|takes|claimed|bagged) (?:the )?silver\b",
    r"\bsilver (?:medal\w*|lining|jubilee|screen|anniversary|spoon|bullet|surfer)\b",
    r"\bplatinum (?:jubilee|card|record|status|partner|sponsor)\b",
    r"\bcobalt (?:blue|strike)\b",
    r"\bcopper(?:-bottomed| bowl| beech)\b",
    r"\btin (?:cans?|foil|pan alley|hat)\b",
    r"\bnickel-metal hydride\b",
    r"\b(?:gold|silver|bronze) (?:and|or) (?:gold|silver|bronze)\b",
    # place names ("Copper Canyon", "Silver Lake")
    r"(?-i:\b(?:Copper|Silver|Cobalt|Nickel|Tin|Lithium|Zinc|Platinum|Uranium|Iron|Gold)\s+(?:Valley|Canyon|Coast"
    r"|River|Lake|Bay|Beach|Islands?|Mountains?|Hills|Springs|City|Creek|Peak|Harbou?r|Range|Street|Road)\b)",
)
# Names of organisations and programmes ("Critical Minerals Office", "Cobalt Institute"): the mineral
# words inside them say nothing about what is announced.
ORGANISATION_NAME = re.compile(
    r"(?:\b[A-Z][\w&'’-]*\s+){1,5}(?:Office|Institute|Centre|Center|Association|Council|Agency|Facility|Fund"
    r"|Programme|Program|Bureau|Unit|Hub|Taskforce|Task Force|Society|Directorate|Division|Observatory|Academy"
    r"|Laboratory)\b"
)
# Capitalised mineral words that can be part of a company name ("Piedmont Lithium", "Korea Zinc").
COMPANY_MINERAL_WORDS = (
    "Lithium", "Cobalt", "Nickel", "Copper", "Graphite", "Rare Earths", "Rare Earth", "Uranium", "Vanadium", "Zinc",
    "Tin", "Silver", "Platinum", "Palladium", "Manganese", "Tungsten", "Antimony", "Gallium", "Germanium",
    "Titanium", "Aluminium", "Aluminum", "Potash", "Phosphate", "Helium", "Magnesium", "Niobium", "Tantalum",
    "Chromium", "Bauxite", "Alumina", "Zircon", "Silicon", "Fluorspar", "Indium", "Bismuth",
)
# Capitalised mineral words followed by these are company names ("Lithium Americas", "Cobalt Blue Ltd").
COMPANY_SUFFIXES = (
    r"Corp(?:oration)?|Inc|Ltd|Limited|Holdings|plc|PLC|LLC|Pty|AG|SA|S\.A\.|ASA|NL|Co|Company|Americas|One"
    r"|Group|Industries|International"
)
# In running text these also end a company name after a capitalised mineral word ("Ivanhoe Mines").
COMPANY_SUFFIXES_IN_TEXT = r"Resources|Mining|Mines|Metals|Minerals|Energy|Materials|Technologies|Chemicals"
# Capitalised words that may precede a capitalised mineral word in a name of a policy or of a
# framework rather than of a company ("the Critical Minerals and Rare Earths Framework").
NAME_FUNCTION_WORDS = _words(
    "Critical Strategic Key Global National Sustainable Battery The A An And Of For On In To With Securing Supply "
    "Clean Green Responsible Processing Mining Refining Recycling Minerals Materials Metals Heavy Light High Purity "
    "Rare Earth Earths Advanced Secure Resilient Partnership Framework Agreement"
)

# ============================================================================================
# Vocabularies: value-chain stages
# ============================================================================================

STAGES = ("exploration", "mining", "processing", "recycling", "manufacturing")
# Stage -> words and phrases (case-insensitive, word boundaries) ...
STAGE_TERMS: dict[str, tuple[str, ...]] = {
    "exploration": (
        "explore", "explores", "explored", "exploring", "exploration", "exploratory", "prospecting", "prospection",
        "geological mapping", "geological survey", "geological surveys", "geological exploration", "drilling campaign",
        "drilling campaigns",
    ),
    "mining": (
        "mining", "mine", "mines", "mined", "extraction", "extractive", "exploitation", "in-situ recovery",
        "in situ recovery", "in-situ leach", "in-situ leaching",
    ),
    # (a company named by its trade, "a refiner" or "recyclers", says who acts or buys, not which
    # stage is covered, so agent nouns are not terms)
    "processing": (
        "processing", "processed", "refine", "refines", "refined", "refining", "refinery",
        "refineries", "smelt", "smelts", "smelted", "smelting", "smelter", "smelters",
        "smelteries", "separation", "separates", "separated", "separating", "beneficiation",
        "reprocess", "reprocesses", "reprocessed", "reprocessing",
        "solvent extraction", "solvent-extraction", "concentrator", "concentrators", "purification plant",
        "concentrating plant", "concentrating plants", "concentration plant", "purified", "purification", "purify",
        "purification plants", "flotation plant", "flotation plants", "flotation circuit", "high-pressure acid leach",
        "downstreaming", "value addition",
    ),
    "recycling": (
        "recycle", "recycles", "recycled", "recycling", "e-waste", "ewaste",
        "electronic waste", "recovery", "recover", "recovers", "recovered", "recovering", "end-of-life",
        "urban mining",
    ),
    "manufacturing": (
        "manufacture", "manufactures", "manufactured", "manufacturing", "derivative product", "derivative products",
        "magnet", "magnets", "magnet-making", "battery cells", "battery components", "gigafactory", "gigafactories",
        "cathode active material", "cathode active materials", "anode material", "anode materials",
        "anode active material", "anode active materials", "precursor material", "precursor materials",
        "cathode material", "cathode materials",
    ),
}
# ... and regular expressions for wording that is not a fixed term.
# Each comes with trigger words (lower case): it is only tried on a sentence that contains one of them.
STAGE_PHRASES: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "exploration": (
        (("survey",), r"\bsurvey(?:s|ed|ing)?\s+(?:[\w-]+\s+){0,3}?(?:deposits|resources|reserves)\b"),
        # geophysics, drilling and resource estimates are exploration work
        (
            ("survey", "drilling", "resource estimate", "mapping"),
            r"\b(?:(?:airborne|geophysical|geochemical|aeromagnetic|magnetic|radiometric|gravity)\s+(?:[\w-]+\s+){0,2}?"
            r"surveys?|(?:exploratory|follow-up|infill|step-out|diamond|core)\s+drilling|drilling\s+(?:programmes?"
            r"|programs?|targets?|data|results)|resource estimates?|(?:field|regional)\s+mapping"
            r"|(?:mineral|geological|geophysical|geochemical)\s+survey\s+data)\b",
        ),
        (
            ("geological", "mapping"),
            r"\bgeological (?:knowledge|data)\b|\b(?:joint|detailed|systematic)\s+(?:geological\s+)?mapping\b",
        ),
        (("stud",), r"\bstud(?:y|ies|ying)\s+(?:of\s+)?(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:basins?|deposits?|occurrences)\b"),
        (
            ("drilling",),
            r"\b(?:fund|funds|funding|finance|finances|financing|pay for|pays for)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?"
            r"drilling\b",
        ),
        (
            ("mapp",),
            r"\bmapp(?:ing|ed)\s+(?:of\s+)?(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:territory|deposits?|geology"
            r"|mineral (?:resources|potential|occurrences)|resources|reserves)\b",
        ),
        (
            ("assess",),
            r"\bassess(?:ment|ments|ing|es)?\s+(?:of\s+)?(?:the\s+)?(?:[\w-]+\s+){0,4}?(?:resources|deposits|reserves)\b",
        ),
        (
            ("drilling",),
            r"\bdrilling\s+(?:at|on|in)\s+(?:[\w-]+\s+){0,3}?(?:sites?|targets?|prospects?|licen[cs]es?|tenements?"
            r"|projects?|deposits?|holes?)\b",
        ),
    ),
    "mining": (
        # developing a deposit or a brine wellfield is mine development
        (
            ("deposit", "orebod"),
            r"\b(?:develop(?:s|ed|ing)?|exploit(?:s|ed|ing)?)\s+(?:(?:a|an|the|its|their)\s+)?(?:[\w-]+\s+){0,3}?"
            r"(?:deposits?|orebod(?:y|ies))\b",
        ),
        (("wellfield", "well-field"), r"\b(?:brine\s+)?well-?fields?\b"),
    ),
    "processing": (
        (("process",), r"\b(?:to|and|will|would|can|could|also) process\b"),
        (("separate",), r"\b(?:to|will|would|can|could) separate\b"),
        (("hydrometallurg",), r"\bhydrometallurg\w*"),
        (
            ("treat",),
            r"(?<![\w-])(?<!heat )treat(?:ment|ing|s)?\s+(?:of\s+)?(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:concentrates?|ores?)\b",
        ),
        # concentrating ore, and turning a mineral into a chemical or a metal
        (("concentrat",), r"\bconcentrat(?:e|es|ed|ing)\s+(?:[\w-]+\s+){0,2}?ores?\b"),
        (
            ("into",),
            r"\b(?:turn|turns|turning|convert|converts|converting)\s+(?:[\w-]+\s+){0,4}?into\s+(?:[\w-]+\s+){0,3}?"
            r"(?:carbonate|hydroxide|sulphate|sulfate|oxides?|concentrates?|chemicals)\b",
        ),
        # a plant that makes a mineral chemical ("lithium sulphate plant") processes the mineral
        (
            ("sulphate", "sulfate", "hydroxide", "carbonate", "oxide", "chloride"),
            r"\b(?:sulphate|sulfate|hydroxide|carbonate|oxide|chloride)\s+(?:plants?|refiner(?:y|ies)|facilit(?:y|ies)"
            r"|production|capacity)\b",
        ),
        (
            ("carbonate", "hydroxide", "sulphate", "sulfate", "chloride", "chemicals"),
            r"\b(?<!such )(?:as|produce|produces|producing|production of)\s+(?:[\w-]+\s+){0,3}?(?:carbonate|hydroxide"
            r"|sulphate|sulfate|chloride|tetrachloride|chemicals)\b(?!\s+equivalent)",
        ),
        (
            ("value",),
            r"\b(?:higher|high|added)[- ]value (?:[\w-]+\s+)?products\b|\bvalue-added (?:[\w-]+\s+)?products\b",
        ),
    ),
    # metals taken out of scrap or black mass are recycled
    "recycling": ((("scrap", "black mass"), r"\bfrom\s+(?:[\w-]+\s+){0,2}?(?:scrap|black mass)\b"),),
    "manufacturing": (
        (("components",), r"\b(?:magnet|EV|electronic|semiconductor|defen[cs]e) components\b"),
        (
            ("cell", "cathode", "anode", "precursor", "cam", "magnet", "component"),
            r"\b(?:production|manufactur\w*|making|assembly) of (?:[\w-]+\s+){0,3}?(?:cells?|cathodes?|anodes?"
            r"|precursors?|pCAM|CAM|magnets?|components?)\b",
        ),
        (
            ("cell", "component", "cathode", "anode", "precursor", "cam", "batter"),
            r"\b(?:cells?|components?|cathodes?|anodes?|precursors?|pCAM|CAM|batteries|battery) (?:production"
            r"|manufacturing|plants?|factor(?:y|ies)|gigafactor(?:y|ies)|assembly)\b",
        ),
    ),
}
# Masked before stage matching: institutions, other kinds of processing, and end uses ("for EV
# manufacturing" says what the minerals are for, not which stage is covered).
END_USE_SECTORS = (
    r"EVs?|electric[- ]vehicles?|electric[- ]cars?|vehicles?|automotive|auto|cars?|semiconductors?|chips?"
    r"|defen[cs]e|aerospace|electronics|clean[- ]energy|renewable[- ]energy|solar(?: panels?)?|wind turbines?"
    r"|consumer goods|smartphones?|weapons?|munitions|industrial"
)
NON_STAGE_PHRASES = (
    r"\b(?:ministry|minister|ministers|department|bureau|secretary|chamber|council|director|directorate) (?:of|for)"
    r" (?:mines|mining)\b",
    r"\b(?:mines|mining) (?:minister|ministers|ministry|ministries|department|secretary|regulators?|authority|law|code"
    r"|partnerships?|investments?|investors?|diplomacy|ties"
    r"|officials?|delegations?|authorities|administration|chiefs?|experts?|executives?|engineers?|areas?|regions?"
    r"|districts?|belts?|hubs?|heartland|towns?|communit(?:y|ies)|jobs|workers|unions?|royalt(?:y|ies)|partners)\b",
    # a company's other business in a relative clause ("Bluebonnet, which makes magnets in Texas,")
    r",\s*which (?:already |also )?(?:makes|produces|operates|runs|owns|manufactures|mines|refines|supplies)\b[^,.;]*",
    r"\b(?:company|firm|group|producer|miner|operator) (?:that|which) (?:already |also )?(?:runs|operates|owns"
    r"|makes|produces)\b[^,.;]*",
    # where the feed was mined ("bauxite mined in the Boké region") is its origin
    r"\b(?:mined|extracted|dug)\s+(?:in|at|from)\b",
    r"\b(?:minister|ministers|ministry|ministries|department|bureau) (?:of|for) (?:[\w-]+ (?:and|&) (?:of )?)?"
    r"(?:mines|mining)\b",
    r"\b(?:closed|former|abandoned|old|legacy|disused|derelict)\s+(?:[\w-]+\s+){0,2}?mines?(?: sites?)?\b",
    r"\bmining (?:[\w-]+ )?(?:skills|training|education|schools?|conferences?|week|show|congress|expo|summit|forum"
    r"|events?|fairs?|indaba|cadastre)\b",
    # how mining is governed or made safe is policy, not the mining itself
    r"\bmin(?:e|ing) (?:safety|policy|policies|governance|legislation|licensing|expertise|know-how|inspection"
    r"|inspectorate|best practices?)\b",
    r"\b(?:roads?|rail(?:way)?s?|lines?|power lines?|access|transmission lines?)\s+(?:to|for|serving)\s+"
    r"(?:[\w-]+\s+){0,4}?(?:mines?|smelters?|refiner(?:y|ies))\b",
    r"\b(?:reach|reaches|reaching)\s+(?:[\w-]+\s+){0,4}?(?:mines?|smelters?|refiner(?:y|ies))\b",
    r"\b(?:data|images|imagery|samples|applications?|claims?)\s+(?:[\w-]+\s+)?processed\b",
    # makers named as buyers or users ("which Japanese magnet makers need")
    r"\b(?:magnet|battery|cell|cathode|anode|chip|car|EV|solar|panel) (?:makers|manufacturers|producers|companies"
    r"|firms|customers|buyers)\b",
    # what is only to be negotiated or would need approval later is not covered now
    r"\b(?:(?:to|will) negotiate (?:a |an )?(?:separate|further|future|later|second|another)|would (?:need|require)"
    r"|subject to|plans? to start)\b[^.;]*",
    # what is recycled ("recovers neodymium from end-of-life magnets") is not made
    r"\bfrom (?:[\w-]+ ){0,2}?(?:end-of-life|scrap|scrapped|waste|spent|used|old|discarded|obsolete) (?:[\w-]+ )?"
    r"(?:magnets|batteries|cells|electronics|products|motors|components)\b",
    r"\bmagnets\b(?=\s+from\s+(?:[\w-]+\s+){0,3}?(?:end-of-life|scrap|scrapped|waste|spent|used|old|discarded"
    r"|obsolete)\b)",
    r"\b(?:magnets?|battery|batteries|cells?)(?=[- ]recycl)",
    r"(?-i:\b(?:Geological|Geoscience) (?:Survey|Institute)\b)",
    r"\b(?:data|information|visa|application|applications|payment|order|claims|signal|food|word|image|language"
    r"|licen[cs]e|licen[cs]ing|permit|permitting|request|document|loan|case|text)[- ](?:mining|processing)\b",
    r"\bprocessing times?\b",
    r"\bexport processing zones?\b",
    r"\bprocessing of (?:the )?(?:[\w-]+\s+){0,2}?(?:applications?|licen[cs]es?|permits?|claims?|requests?|payments?"
    r"|documents?|visas?|data|cases?|complaints?|orders?)\b",
    r"\bprocessed\s+(?:[\w-]+\s+){0,6}?(?:data|datasets?|imagery|images|records|applications?)\b",
    r"\b(?:friend|friends|colleague|colleagues|client|clients|favou?rite|cousin|neighbou?r|pal) of mine\b",
    r"\brefine[sd]?\s+(?:(?:(?:its|their|our|the|these|those|this|that)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:list|lists|policy|policies|strategy|approach|framework|rules?|criteria|methodology|methods?|text|proposals?"
    r"|plans?|draft|guidelines?|definitions?|targets?|models?|estimates?|assessments?|design|scope|terms)))\b",
    r"\bwater (?:recycling|recovery|recovered|reuse)\b",
    r"\brecycl\w+ (?:of )?(?:the |its |their )?(?:process |waste ?|mine )?water\b",
    r"\b(?:mining|refining|processing|smelting|metals?|battery|minerals?) (?:and (?:mining|refining|processing"
    r"|smelting|metals?|battery|minerals?) )?(?:sectors?|industr(?:y|ies))\b",
    r"\b(?:rules|regulations|laws?|permits?|permitting|licen[cs]es?|licen[cs]ing) (?:for|on|governing) (?:[\w-]+ )?"
    r"(?:mining|exploration|processing)\b",
    r"\b(?:recover|recovers|recovered|recovering|recovery of) (?:its |the |their )?(?:costs?|water|heat|energy"
    r"|losses|investments?|funds|debts?)\b",
    # rights and titles to explore or mine are administration, not the stage itself
    r"\b(?:exploration|mining|prospecting)(?: and (?:exploration|mining|prospecting))? (?:titles?|licen[cs]es?|rights"
    r"|permits?|concessions?|claims?|cadastres?|approvals?|permitting"
    r"|leases?|royalt(?:y|ies)|taxes|tax|codes?|laws?|regulations?|acts?|bills?)\b",
    # a road or railway that carries the output of mines is transport
    r"\b(?:links?|linking|connects?|connecting|serv(?:e|es|ing))\s+(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:mines|smelters"
    r"|refineries|mining (?:areas?|regions?|districts?|belts?|hubs?))\b",
    r"\b(?:economic|disaster|post-war|pandemic|market|price|demand|stock|post-pandemic) recovery\b",
    r"\brecovery (?:fund|plan|package)\b",
    r"\b(?:land|anti-personnel|sea) mines?\b",
    r"\bdata recovery\b",
    r"\b(?:re-?mined|re-?mining)\b",
    r"\bmine (?:waste|tailings|water|closure|rehabilitation|remediation|dumps?|sites? rehabilitation|approvals?"
    r"|permits?|permitting)\b",
    r"\b(?:head|heads|director|directors|chief|vice[- ]president|manager|minister|secretary) (?:of|for) (?:mining"
    r"|exploration|processing|refining)\b",
    r"\b(?:generated|produced|left over|arising|collected) (?:in|from|during|by) (?:the )?(?:manufactur\w+"
    r"|production|making)\b",
    r"\b(?:for|destined for|intended for) use in (?:[\w-]+\s+){0,3}?(?:manufacturing|production)\b",
    r"\b(?:smelters?|refiner(?:y|ies|s)|processors|mills?)\s+(?:in|of|from)\s+(?:[A-Z][\w'’-]*\s+){1,3}"
    r"(?:bought|buy|buys|buying|purchased|imported|import|imports|sought|seek|seeks|need|needs|took|take|takes)\b",
    rf"\b(?:{END_USE_SECTORS})(?:[- ]related)? (?:manufacturing|production|makers|manufacturers|industr(?:y|ies))\b",
    r"\bmanufacturing (?:sector|base|jobs|industry|hub|powerhouse)\b",
    r"\bfor (?:\w+[- ]){0,3}(?:makers|manufacturers)\b",
    r"\b(?:used|needed|essential|vital|critical|key|required) (?:in|for) (?:the )?"
    r"(?:[\w-]+,?\s+(?:(?:and|or)\s+)?){0,5}?(?:manufacturing|production)\b",
    r"\bsmelt(?:er|ing) emissions\b",
    r"\brefinanc\w*",
    r"\bprocess (?:of|for|to)\b",
    r"\bmining (?:company|companies|firm|firms|group|giant|major|house|conglomerate|corporation|majors|executives"
    r"|holdings?|stocks|shares|equipment|services|contractors?)\b",
    r"\b(?:feed|feeds|feeding|supply|supplies|supplying|serve|serves|destined for|go into|goes into|used in)"
    r"\s+(?:the\s+)?(?:[\w'’-]+\s+){0,3}?(?:manufacturing|production|plants?|factor(?:y|ies)|concentrators?"
    r"|smelters?|refiner(?:y|ies))\b",
)
# Recovery of a by-product inside a refinery or smelter ("recovers indium from the leach liquor of a
# zinc plant", "recovered as a by-product"): refining, not recycling.
BY_PRODUCT_RECOVERY = (
    r"\brecover(?:s|ed|ing|y)?\b(?=(?:\s+[\w-]+){0,5}?\s+(?:as\s+(?:a\s+)?by-?products?|from\s+(?:the\s+|its\s+"
    r"|their\s+|an?\s+)?(?:[\w-]+\s+){0,2}?(?:liquors?|(?:refining|smelting|leaching)\s+circuits?)\b))"
    r"|\brecover(?:s|ed|ing|y)?\b(?=(?:\s+[\w-]+){0,5}?\s+from\s+(?:the\s+)?residues?\s+(?:of|from|at)\s+(?:an?\s+"
    r"|the\s+|its\s+)?(?:[\w-]+\s+){0,2}?(?:refiner(?:y|ies)|smelters?|plants?)\b)"
    r"|\bby-?products? recovery\b"
    r"|\brecovery(?=\s+(?:at|in)\s+(?:(?:a|an|the|its)\s+)?(?:[\w-]+\s+){0,2}?(?:refiner(?:y|ies)|smelters?)\b)"
)
# What is recycled: when a text names none of these, a "recovery" that it also calls a by-product
# recovery is not recycling anywhere in it (a headline's "indium recovery venture").
RECYCLING_SOURCE = re.compile(
    r"\brecycl\w*|\bscrap\w*|\be-?waste\b|\belectronic waste\b|\bwaste\b|\bend-of-life\b|\bblack mass\b|\bspent\b"
    r"|\bdiscarded\b|\burban mining\b|\btailings\b|\bslag\b"
    r"|\bresidues?\b(?!\s+(?:of|from|at)\s+(?:an?\s+|the\s+|its\s+)?(?:[\w-]+\s+){0,2}?(?:refiner(?:y|ies)|smelters?"
    r"|plants?)\b)"
    r"|\bused (?:batteries|cells|magnets|electronics)\b",
    re.I,
)
# More masks of the same kind, each tried only on a sentence that contains one of its trigger
# words (lower case).
NON_STAGE_TRIGGERED: tuple[tuple[tuple[str, ...], str], ...] = (
    (  # "explore" as a verb of intent ("explore co-financing", "explore ways to"), not of geology
        ("explor",),
        r"\bexplor(?:e|es|ed|ing)(?=\s+(?:[\w-]+\s+){0,6}?(?:co-?)?(?:ways?|options?|opportunit\w+|possibilit\w+"
        r"|potential|operat\w+|cooperat\w+|collaborat\w+|partnerships?|invest\w*|ventures?|deals?|agreements?"
        r"|synerg\w+|areas|avenues|means|prospects|financ\w+|funding|how|whether|links|ties|frameworks?|mous?"
        r"|memorand\w+|roadmaps?|trade|markets?|research|stud(?:y|ies)|dialogues?|exchanges?|innovation)\b)"
        r"|\bexploration of (?:ways|options|opportunit\w+|possibilit\w+|cooperation|synerg\w+)\b|\bspace exploration\b",
    ),
    (  # the source of supplies in a purchase ("cobalt from its Congo mines") is not a stage it covers
        ("from",),
        r"\b(?:suppl(?:y|ies|ying|ied)|deliver\w*|ship(?:s|ped|ping)?|sell(?:s|ing)?|sold|buy(?:s|ing)?|bought"
        r"|purchas\w*|offtakes?|sourc\w+|import\w*)\b[^.;]{0,80}?\bfrom\s+(?:[\w'’.-]+\s+){0,4}?(?:mines?"
        r"|refiner(?:y|ies)|smelters?|operations?|plants?|projects?)\b",
    ),
    (  # where the feed comes from ("ore will come from nearby mines", "concentrate supplied by Zambian mines")
        ("from", "by", "with"),
        r"\b(?-i:come|comes|coming|came|sourced|supplied|delivered|bought|purchased|contracts?|feed|ore|concentrate"
        r"|concentrates|material|materials|scrap|output)\s+(?:[\w()'’-]+\s+){0,5}?(?:from|by|with)\s+"
        r"(?:(?!to\b)[\w'’.-]+\s+){0,4}?(?:mines?|miners|smelters?|refiner(?:y|ies|s)?|concentrators?"
        r"|(?:battery |cell |magnet )?factories)\b"
        r"|\bfrom\s+(?:(?!to\b)[\w'’.-]+\s+){0,3}?(?:mines|smelters|refineries)\s+(?:in|of|operated|owned|run"
        r"|already|nearby|across)\b",
    ),
    (  # and where the output goes ("sold to a smelter in Finland", "supplied to Japanese magnet manufacturers")
        ("to", "for"),
        r"\b(?-i:sold|sell|sells|selling|shipped|ship|ships|shipping|supplied|supply|supplies|delivered|deliver"
        r"|exported|export|exports|intended|destined|bound|go|goes|offtake|offered|offer|sent)\b[^.;]{0,60}?\b(?:to|for)\s+"
        r"(?:[\w'’-]+\s+){0,4}?(?:smelters?|refiner(?:y|ies|s)|processors|(?:separation|processing|anode|cathode"
        r"|anode material|cathode material|precursor|battery|cell|magnet)\s+(?:plants?|makers|manufacturers"
        r"|producers|factories|customers)|manufacturers|makers|producers)\b",
    ),
    (  # nor is what a company only hopes to do later
        ("hope", "hoping"),
        r"\b(?:hopes?|hoped|hoping) to\b[^.;,]*",
    ),
    (  # officials in charge of mining
        ("for mining", "for mines"),
        r"\b(?:ministers?|officials?|ministries|secretar(?:y|ies)|responsible|in charge) for (?:mining|mines)\b",
    ),
    (  # end uses: "advanced manufacturing" is a sector
        ("advanced manufacturing",),
        r"\badvanced manufacturing\b",
    ),
    (  # where something is, next to a mine or a smelter, is a location
        ("close to", "near", "next to", "adjacent", "beside", "alongside", "along strike", "conflict"),
        r"\b(?:close to|near(?: to)?|next to|adjacent to|beside|alongside|along strike from|conflicts? (?:around|near"
        r"|over|at))\s+(?:[\w'’-]+\s+){0,6}?(?:mines?|mine sites?|smelters?|refiner(?:y|ies))\b",
    ),
    (  # mining outside the law is the reason for enforcement, not a stage anyone covers
        ("illegal", "unregulated", "illicit", "unlicensed", "informal", "wildcat", "clandestine"),
        r"\b(?:illegal|unregulated|illicit|unlicensed|informal|wildcat|clandestine)\s+(?:[\w-]+\s+)?(?:mining|mines"
        r"|miners)\b",
    ),
    (  # regulating or supervising mines is governance
        ("regulat", "oversight", "supervis", "governance", "inspection"),
        r"\b(?:regulat(?:e|es|ing|ion)|oversight|supervis(?:e|es|ing|ion)|governance|inspections?) of (?:the\s+)?"
        r"(?:[\w-]+\s+){0,3}?(?:mines|mining)\b",
    ),
    (  # what has not been explored or mined yet is a fact about a deposit
        ("not",),
        r"\b(?:has|have|had) not (?:yet )?been (?:[\w-]+ )?(?:explored|mined|developed|exploited|processed)\b",
    ),
    (  # what may only be considered later
        ("consider",),
        r"\b(?:would|could|may|might) (?:also )?consider\b[^.;]*",
    ),
    (  # waste products are what a recycler takes in, not magnets or cells being made
        ("used", "discarded", "spent", "scrap", "end-of-life", "waste", "old", "obsolete", "retired"),
        r"\b(?:used|discarded|spent|scrap(?:ped)?|end-of-life|waste|old|obsolete|retired)\s+(?:(?!and\b|or\b)[\w-]+\s+)?"
        r"(?:magnets|batteries|battery cells|cells|electronics)\b",
    ),
    (  # refining or separating metals out of scrap is recycling (see the recycling phrases)
        ("from",),
        r"\b(?:separat\w+|refin\w+|process\w*|purif\w+|smelt\w*)(?=\s+(?:[\w,-]+\s+){0,5}?from\s+(?:[\w-]+\s+){0,2}?"
        r"(?:scrap|e-waste|electronic waste|black mass|spent|used|discarded|end-of-life|recycled)\b)",
    ),
    (  # what a buyer uses the mineral in ("uses rare earth magnets in motors") is an end use
        ("use",),
        r"\buses?\s+(?:[\w-]+\s+){0,3}?magnets\b",
    ),
    (  # scrap and spent batteries that "are processed" are recycled
        ("scrap", "spent", "black mass", "waste"),
        r"\b(?:scrap|spent|black mass|waste)\b(?:(?!end-of-life|recycl)[^.;]){0,60}?\b(?:are|is|get|gets|be)\s+"
        r"(?:[\w-]+\s+)?processed\b",
    ),
    (  # the stage a project has reached describes the target, not what is done
        ("-stage",),
        r"\b(?:exploration|development|production|mining|processing)-stage\b",
    ),
    (  # checking others' projects is due diligence, not the stage
        ("due diligence",),
        r"\bdue diligence (?:on|for|of)\s+(?:[\w-]+\s+){0,4}?(?:mining|processing|refining|exploration|recycling)"
        r"(?:\s+and\s+(?:mining|processing|refining|exploration|recycling))?\b",
    ),
    (  # lithium recovered from brine is extracted and refined, not recycled
        ("brine",),
        r"\brecover\w*(?=\s+(?:[\w-]+\s+){0,3}?from\s+(?:it|them|(?:the\s+|its\s+)?(?:[\w-]+\s+){0,2}?brines?)\b)",
    ),
    (  # "the mined ore" names the material, not the stage
        ("mined",),
        r"\b(?:its|their|the|of|more|newly|freshly)\s+mined\b",
    ),
    (  # a chemical extraction unit in a plant is not mining
        ("extraction",),
        r"\bextraction\s+(?:units?|circuits?|columns?|equipment|steps?|reagents?)\b",
    ),
    (  # bodies in space are not deposits
        ("asteroid", "planet", "moon", "comet", "space"),
        r"\bexplor\w+\s+(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){0,2}?(?:asteroids?|planets?|moons?|comets?|outer space)\b"
        r"|\b(?:space|asteroid|lunar|deep-space)[- ]mining\b",
    ),
    (  # standards, audits and certification of operations are not the operations
        ("assess", "audit", "certif", "inspect", "standard", "rules for"),
        r"\b(?:assess\w*|audit\w*|certif\w*|inspect\w*|standards?\s+for|rules\s+for)\s+(?:how\s+)?(?:[\w-]+\s+){0,3}?"
        r"(?:mining|refining|processing|smelting|recycling)(?:\s+(?:and|or)\s+(?:mining|refining|processing|smelting"
        r"|recycling))?\s+(?:operations|sites|facilities|practices)\b",
    ),
    (  # tracking goods from the mine to the port or the buyer is traceability
        ("from the mine", "from mine", "from each mine", "from a mine"),
        r"\bfrom (?:the |each |a )?mines?(?: sites?| gates?)? to (?:the |a )?(?:export|port|border|markets?|buyers?"
        r"|customers?|consumers?|end[- ]users?)\b",
    ),
    (  # recovery in other senses: the yield of a plant, a market that recovers
        ("recover",),
        r"\brecovery rates?\b|\b(?:output|production|prices?|demand|markets?|supply|supplies|economy|exports?|shares?"
        r"|sales|volumes?)\s+(?:[\w-]+\s+)?(?:recovers|recovered|recovering)\b",
    ),
    (  # refining what a recycling plant recovered stays recycling
        ("recovered", "recycled", "reclaimed"),
        r"\b(?:refine|refines|refining|purify|purifies|purifying|process|processes|smelt|smelts)(?=\s+(?:the\s+|its\s+"
        r"|their\s+)?(?:recovered|recycled|reclaimed)\b)",
    ),
    (  # nor what buyers do with it ("exported to a buyer in Korea that will smelt it")
        ("buyer", "customer", "client", "offtaker", "end user", "end-user"),
        r"\b(?:sold|sell|sells|selling|supplied|supply|supplies|shipped|delivered|exported)\s+(?:[\w'’-]+\s+){0,3}?"
        r"(?:to|for)\s+(?:[\w'’-]+\s+){0,3}?(?:buyers?|customers?|clients|offtakers?|end[- ]users?)\b[^.;]*",
    ),
    (  # an offtake that helps the seller finance its mine or plant does not cover them
        ("financ",),
        r"\b(?<!loan )(?<!credit )(?<!financing )(?<!funding )(?<!grant )(?:offtake|agreement|contract|deal)\s+"
        r"(?:(?:would|will|could|should|may|might)\s+)?(?:help|support|underpin|enable|allow)\w*\s+"
        r"(?:(?:it|its|the company|the developer|the miner|the seller)\s+)?(?:efforts?\s+)?(?:to\s+)?"
        r"(?:(?:secure|raise|obtain|attract|arrange|close)\s+)?"
        r"(?:its\s+|an?\s+|the\s+)?(?:application\s+for\s+)?(?:project\s+|debt\s+|equity\s+)?financ\w*\b[^.;]*",
    ),
    (  # a by-product recovered inside a refinery is refining, not recycling
        ("by-product", "byproduct", "liquor", "circuit", "recovery at", "recovery in", "residue"),
        BY_PRODUCT_RECOVERY,
    ),
    (  # nor is the state of what is bought ("buy refined cobalt")
        ("refined", "processed", "separated", "smelted"),
        r"\b(?:buy(?:s|ing)?|bought|purchas\w*|suppl(?:y|ies|ying|ied)|sell(?:s|ing)?|sold|deliver\w*|import\w*"
        r"|offtakes? (?:of|for))\s+(?:[\w'’-]+\s+){0,8}?(?:refined|processed|separated|smelted)\b",
    ),
    (  # minerals used in magnets (an end use), not the making of magnets
        ("magnets",),
        r"\b(?:in|into)\s+(?:permanent\s+|high-performance\s+|EV\s+|electric[- ]motor\s+)?magnets\b"
        r"(?!\s+(?:production|manufacturing|plants?|factor))",
    ),
)
# A later sentence that describes the market rather than the announced action: its stages (and,
# unless nothing else names one, its minerals) are not read.
BACKGROUND = re.compile(
    # a company's description of itself ("Mirabel Cells GmbH makes battery cells at its plant")
    r"^(?:About [^:]{1,60}:\s*(?:[A-Z][\w&.'’-]*\s+){1,5}|(?:[A-Z][\w&.'’-]*\s+){1,5}(?:GmbH|Ltd|Inc|SA|AG|plc"
    r"|Limited|Corp|LLC|NV|AB|Oy|ASA|SpA|S\.A\.)\.?\s+)(?:makes|produces|operates|manufactures|mines|refines|supplies"
    r"|owns|runs|develops|is an? (?:[\w-]+\s+){0,4}?(?:company|producer|miner|manufacturer|developer|group|firm"
    r"|maker))\b|"
    r"\b(?:accounts? for|account for|dominat\w+|monopoly|near-monopoly|grip on|stranglehold"
    r"|(?:world|global)['’]?s? (?:largest|biggest|top|leading|main|second-largest)"
    r"|(?:largest|biggest|top|leading) (?:producer|refiner|supplier|processor|miner|exporter|importer)s?"
    r"|(?:about|around|roughly|over|more than|nearly|almost|some) (?:\d+(?:\.\d+)?\s*(?:%|percent|per cent)"
    r"|half|two-thirds|three[- ]quarters|a third|a quarter)(?: of)? (?:the )?(?:world|global)"
    r"|(?:\d+(?:\.\d+)?\s*(?:%|percent|per cent)|half|two-thirds|three[- ]quarters) of (?:the )?"
    r"(?:world|global)|supply disruptions?|prices? (?:rose|fell|jumped|slumped|climbed|dropped)"
    r"|most of (?:the|its|their)|(?:heavy |over-?|excessive )?(?:dependence|reliance) on|expressed concerns?"
    r"|traders said|analysts said"
    # a company's other business, not the announced action
    r"|also (?:makes|produces|develops|sells|supplies|mines|refines|manufactures|owns|operates|runs)"
    r"|already (?:runs|operates|owns|produces|mines|has)|other (?:businesses|products|operations|activities"
    r"|interests)|best known for|known for its|products? (?:include|range))\b",
    re.I,
)
# More wording of context, for stages only (the minerals such a sentence names still count): a
# facility that a place already hosts, past events, who owns existing operations, general facts
# about how a mineral is produced, market talk, and a company saying what it does.
STAGE_CONTEXT = re.compile(
    r"(?i:\b(?:already |also )?(?:hosts|is home to|are home to)\b"
    r"|\b(?:years|decades|months|centuries) ago\b|\bin recent (?:years|decades|months)\b|\bin the past\b"
    r"|\b(?:long |rich )?(?:history|tradition) of\b|\b(?:has|have) become\b"
    r"|\b(?:is|are|were) (?:owned|operated|run) by\b"
    r"|\b(?:mines|smelters|refineries|plants|operations) (?:owned|operated|run) by\b"
    r"|\b(?:is|are) (?:mostly|mainly|largely|chiefly|usually|typically|generally|often|normally) (?:produced|mined"
    r"|refined|recovered|extracted|processed|obtained|made)\b"
    r"|\b(?:traders|analysts|dealers|brokers) (?:also )?(?:said|say|says|pointed|point|expect|expected|noted|note"
    r"|warned)\b)"
    r"|^(?!(?:The|This|That|It|Its|Their|These|Those|A|An)\b)(?:[A-Z][\w&.'’-]*\s+){1,3}(?:operates|runs|owns"
    r"|produces|mines|refines|makes|manufactures|extracts)\b"
)
# A title announcing a purchase or supply contract, and nothing built, financed or explored with it.
SUPPLY_DEAL = re.compile(
    r"^(?!.*\b(?:loans?|stakes?|invest\w*|financ\w*|fund\w*|backs?|joint venture|JV|build\w*|construct\w*"
    r"|expan\w*|upgrad\w*|projects? agreement|exploration|develop\w*)\b)"
    r".*\b(?:off-?takes?|(?:supply|purchase|sales?|import|offtake) (?:deals?|agreements?|contracts?|memorand\w*"
    r"|mous?|pacts?)|stockpile purchases?|purchases? for (?:the |its |a )?(?:national |strategic )?stockpiles?)\b",
    re.I,
)
# Words that show a text is about minerals even when no mineral is named; a text with neither is
# off-topic: its countries are only mentioned and it announces no instrument.
TOPIC_WORDS = re.compile(
    r"\b(?:minerals?|mining|mines?|miners?|metals?|ores?|raw materials|geolog\w*|smelt\w*|refiner(?:y|ies))\b", re.I
)
# A market report (its title or lead says that prices moved) and an event notice (registration,
# tickets) announce nothing either: whoever they name, they have no parties and no instrument.
MARKET_REPORT = re.compile(
    r"\b(?:prices?|spot price|futures)\b(?:\s+(?:of|for|on)\s+[\w\s-]{1,40}?)?\s+(?:\w+\s+){0,2}?(?:rose|risen|rises?"
    r"|climb\w*|jump\w*|slip\w*|eas(?:ed|es|ing)|fell|fall(?:s|ing)?|drop\w*|slump\w*|surg\w*|hold(?:s|ing)?|held"
    r"|steadi\w+|gain\w*|soar\w*|tumbl\w*|hit|hits|plung\w*|sank|sink\w*|rall\w+|retreat\w*|edg(?:ed|es|ing))\b",
    re.I,
)
EVENT_NOTICE = re.compile(
    r"\b(?:register now|registration (?:is )?(?:now )?(?:open|opens|closes)|early[- ]bird|book (?:your|a) (?:place|seat"
    r"|ticket)|tickets? (?:are )?(?:now )?(?:available|on sale))\b|(?:^|[.!?]\s+)join us (?:online|in|at|for|on)\b"
    r"|^(?:webinar|workshop|seminar|conference|panel discussion|save the date)\s*[:|—–-]",
    re.I,
)
# Opinion pieces, analysis and explainers (by their title or their category line) announce nothing.
COMMENTARY = re.compile(
    r"^(?:opinion|analysis|commentary|comment|column|editorial|explainer|viewpoint|perspective|op-ed)\s*[:|—–]"
    r"|^posted in (?:commentary|opinion|analysis|explainers?|columns?)\s*$",
    re.I,
)
# A national list names minerals; it covers no stage (a strategy or programme covers those it names).
NATIONAL_LIST = re.compile(r"\blists?\b(?!.*\b(?:strateg\w*|programmes?|programs?|plans?|roadmaps?)\b)", re.I)
# Proceeds that go to general purposes fund no stage.
GENERAL_PURPOSES = re.compile(r"\b(?:general corporate purposes|working capital)\b", re.I)

# ============================================================================================
# Vocabularies: instruments
# ============================================================================================

INSTRUMENTS = (
    "meeting",
    "joint_statement",
    "mou",
    "framework",
    "agreement",
    "partnership",
    "investment",
    "policy_list",
    "export_control",
    "none",
)
# Strong cues (nouns naming an instrument), in priority order: when one sentence names several,
# the first wins (a framework signed at a meeting is a framework; a partnership launched in a
# joint statement is a partnership; an agreement that sets up a fund is an agreement). Fixed
# words and phrases (case-insensitive, word boundaries) ...
INSTRUMENT_TERMS: dict[str, tuple[str, ...]] = {
    "export_control": (
        "export control", "export controls", "export restriction", "export restrictions", "export ban", "export bans",
        "export curb", "export curbs", "export licence", "export licences", "export license", "export licenses",
        "export licensing", "export permit", "export permits", "export quota", "export quotas", "export suspension",
        "export halt", "export prohibition", "export prohibitions", "export embargo", "export embargoes",
        "export control list", "dual-use items", "dual-use export", "dual-use exports", "export authorisation",
        "export authorisations", "export authorization", "export authorizations",
    ),
    "policy_list": ("criticality assessment", "raw materials act", "minerals act", "critical raw materials act"),
    "mou": (
        "memorandum of understanding", "memoranda of understanding", "memorandum of cooperation",
        "memoranda of cooperation", "memorandum of co-operation", "memorandum of intent", "mou", "mous", "moc", "mocs",
        "letter of intent", "letters of intent", "memorandum", "memoranda",
    ),
    # a "framework agreement" sets the terms for later deals: a framework, not the deal itself
    "framework": ("action plan", "action plans", "roadmap", "roadmaps", "framework agreement", "framework agreements"),
    "agreement": (
        "deal", "deals", "pact", "pacts", "accord", "accords", "treaty", "treaties", "contract", "contracts",
        "offtake", "offtakes", "earn-in", "earn-ins", "earn-in agreement",
    ),
    "partnership": (
        "partnership", "partnerships", "initiative", "initiatives", "alliance", "alliances", "coalition",
        "coalitions", "network", "networks", "club", "clubs", "consortium",
    ),
    "investment": (
        "investment", "investments", "stake", "stakes", "loan", "loans", "financing", "funding", "grant", "grants",
        "equity", "letter of interest", "letters of interest", "guarantee", "guarantees", "credit line",
        "credit lines", "debt facility", "debt facilities", "prepayment", "prepayments", "loan agreement", "loan agreements",
        "financing agreement", "financing agreements", "credit agreement", "funding agreement", "grant agreement",
    ),
    "joint_statement": (
        "joint statement", "joint statements", "joint declaration", "joint declarations", "joint communique",
        "joint communiqué", "joint press statement", "joint press release", "joint fact sheet", "joint readout",
        "joint vision", "leaders statement", "leaders' statement", "leaders’ statement", "leaders declaration",
        "leaders' declaration", "communique", "communiqué", "ministerial statement", "ministerial statements",
        "ministers' statement", "ministers’ statement", "ministers statement", "ministerial declaration",
        "chair's statement", "chair’s statement", "chair's summary", "chair’s summary",
    ),
    "meeting": (
        "meetings", "ministerial", "summit", "summits", "dialogue", "phone call", "phone calls", "telephone call",
        "telephone calls", "talks", "consultations", "bilateral meeting", "bilateral talks", "roundtable",
    ),
}
# ... and regular expressions for the cues that are not fixed words.
INSTRUMENT_PATTERNS: dict[str, tuple[str, ...]] = {
    "export_control": (
        r"\b(?:restrict|ban|halt|stop|suspend|curb|prohibit|block|limit|freez|tighten)\w*\s+(?:the\s+|all\s+|its\s+"
        r"|further\s+|some\s+)?(?:[\w-]+\s+){0,3}?(?:exports?|shipments?|sales? abroad)\b",
        r"\b(?:exports?|shipments?) (?:of [\w\s,-]{1,60}? )?(?:will )?(?:be |are |were )?"
        r"(?:banned|suspended|halted|restricted|curbed|prohibited|controlled)\b",
        r"\b(?:control|licensing) (?:measures|regime) on\b",
        # a licence required for each shipment abroad ("licences for all manganese ore shipments")
        r"\blicen[cs]\w*\s+(?:for|on)\s+(?:(?:each|every|all|any)\s+)?(?:[\w-]+\s+){0,4}?(?:exports?|shipments?)\b",
    ),
    "policy_list": (
        r"\blist of (?:\d+ )?(?:critical|strategic)\b",
        r"\b(?:critical|strategic)\s+(?:minerals?|raw materials?|materials?)\s+list\b",
        r"\bregulation \(eu\)",
        r"\b(?:critical|strategic)\s+minerals?\s+(?:strategy|mission|policy|roadmap for)\b",
        r"\bnational (?:\w+ ){0,2}minerals? (?:strategy|mission|policy|list)\b",
        r"\bnational strategy (?:for|on) (?:[\w-]+\s+){0,4}?(?:minerals?|raw materials|metals)\b",
        r"\b(?:state|national) programme (?:for|on) (?:[\w-]+\s+){0,2}?(?:geological|exploration|minerals?|mining)\b",
        r"\b(?:designat|identif|add|classif)\w* (?:\d+ |[\w-]+ ){0,4}?as (?:a )?(?:critical|strategic)\b",
        r"\bdesignat\w+ (?:\d+ )?(?:new )?(?:minerals|materials|metals|elements)\b",
        r"\bas (?:specified |designated |national )?(?:critical|strategic) (?:minerals|materials|raw materials)\b",
        r"\b(?:critical|strategic) (?:minerals?|materials?) (?:designation|inventory)\b",
        r"\b(?:designat\w*|nam(?:es|ed|ing)|list(?:s|ed|ing)?|identif\w+)\s+(?:\d+|two|three|four|five|six|seven|eight"
        r"|nine|ten|eleven|twelve|\w+teen|twenty[\w-]*|thirty[\w-]*|forty[\w-]*|fifty[\w-]*)\s+(?:new\s+)?"
        r"(?:critical|strategic)\s+(?:minerals|materials|raw materials|metals)\b",
    ),
    "framework": (r"\bframeworks?\b",),
    "agreement": (r"\b(?<!loan )(?<!financing )(?<!credit )(?<!funding )(?<!grant )agreements?\b",),
    "investment": (
        r"\b(?<!to )(?<!will )(?<!would )(?<!co-)funds?\b(?!\s+(?:the|a|an|joint|research|projects?|studies|its|their)\b)",
        r"\b(?:rais|secur|provid|commit|pledg|allocat|award)\w*\s+(?:up to\s+)?(?:(?:US|A|C|AU|CA)?\$|€|£|¥|₹|Rs\.?"
        r"|USD|EUR|INR)\s?\d",
    ),
    "joint_statement": (r"\b(?:issued|released|adopted|published)\s+(?:a|an|the|their)\s+(?:[\w'’-]+\s+){0,2}?statement\b",),
    "meeting": (
        # negotiations that were held (planned ones are masked below)
        r"\b(?:held|opened|began|started|launched|concluded|resumed|wrapped up|completed)\s+(?:a\s+|the\s+|their\s+)?"
        r"(?:[\w-]+\s+){0,3}?negotiations\b",
        r"\b(?:a|an|the|their|its|his|her|first|second|third|next|annual|bilateral|trilateral|ministerial|inaugural"
        r"|\d+\w*|leaders['’]?|ministers['’]?|virtual|high-level|working|cabinet|joint|summit|day-long)\s+"
        r"(?:[\w'’-]+\s+){0,3}?meeting\b",
        r"(?-i:\bMeeting\b)(?! in\b| with\b| on\b)",
    ),
}
INSTRUMENT_ORDER = tuple(INSTRUMENT_TERMS)
# Weak cues (verbs): read only where no sentence of the title and lead names an instrument.
WEAK_INSTRUMENT_PATTERNS: dict[str, tuple[str, ...]] = {
    "agreement": (r"\bagree(?:s|d|ing)?\b", r"\bsign(?:s|ed|ing)?\b"),
    "partnership": (r"\bjoin(?:s|ed|ing)?\s+(?:the\s+)?(?-i:[A-Z])", r"\bpartner(?:s|ed|ing)? with\b",
                    r"\bteam(?:s|ed)? up\b"),
    "investment": (r"\binvest(?:s|ed|ing)?\b", r"\bfinanc(?:e|es|ed)\b", r"\bfund(?:s|ed)\b", r"\blends?\b",
                   r"\bbacks?\b", r"\bco-fund\w*"),
    "meeting": (
        r"\bmeet(?:s|ing)?\b",
        r"\bmet\b",
        r"\bdiscuss(?:es|ed|ing|ion|ions)?\b",
        r"\bvisit(?:s|ed|ing)?\b",
        r"\bhost(?:s|ed|ing)?\b",
        r"\bconven(?:e|es|ed)\b",
        r"\bconfer(?:s|red)?\b",
    ),
}
# Instrument nouns that the masks below may blank out.
_SOUGHT_WORDS = (
    r"agreements?|deals?|pacts?|accords?|treat(?:y|ies)|frameworks?|mous?|memorand(?:um|a)(?: of understanding)?"
    r"|partnerships?"
)
_SOUGHT = rf"(?:{_SOUGHT_WORDS})"
_SOUGHT_OR_MONEY = rf"(?:{_SOUGHT_WORDS}|investments?|financing|funding)"
# Masks applied to a sentence, in this order, before its instrument cues are read. Each comes with
# trigger words: it is only tried on a sentence that contains one of them (lower case).
# First, words in which an instrument noun only qualifies something else ("investment envoy",
# "trade deal talks", "joint venture") ...
NON_INSTRUMENT_PHRASES: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("investment ",),
        r"\binvestment (?:envoy|minister|ministry|promotion|agency|climate|screening|review|rules|laws?|code"
        r"|bank(?:er|ing)?s?|firms?|company|companies|advisers?|advisors?|officials?|chief|arm|vehicle|banker|grade"
        r"|decision|environment)\b",
    ),
    (
        ("talks", "negotiations"),
        r"\b(?:trade|investment|security|defen[cs]e|peace|ceasefire|free trade) (?:agreement|deal|pact)s?"
        r" (?:talks|negotiations)\b",
    ),
    (("joint venture",), r"\bjoint ventures?\b"),
    # investment as a goal ("pledged to mobilise private investment"), not as the instrument
    (
        ("mobili", "attract", "promot", "encourag", "spur", "unlock", "facilitat", "catalys", "catalyz", "stimulat",
         "crowd", "call", "boost", "increas", "step", "scal", "accelerat"),
        r"\b(?:mobili[sz]\w*|attract\w*|promot\w*|encourag\w*|spur\w*|unlock\w*|facilitat\w*|cataly[sz]\w*"
        r"|stimulat\w*|crowd\w*\s+in|call\w*\s+for|boost\w*|increas\w*|step\w*\s+up|scal\w*\s+up|accelerat\w*)\s+"
        r"(?:(?!(?:its|their|his|her|the|a|an)\b)[\w-]+\s+){0,2}?(?:investments?|financing|funding|capital)\b",
    ),
    # other states' export controls that the parties object to or talk about
    (
        ("export",),
        r"\b(?:concern\w*|worr\w+|criticis\w+|criticiz\w+|condemn\w*|protest\w*|oppos\w+|complain\w*|hit by"
        r"|affected by|statement\s+(?:by\s+[^.;]{0,50}?\s+)?(?:on|about|regarding|concerning))\b[^.;]{0,60}?"
        r"\bexport (?:controls?|restrictions?|curbs?|bans?|quotas?|licen[cs]\w*|limits?)\b",
    ),
)
# ... then instruments that are only being sought: "agreed to negotiate an agreement", "talks on a
# deal", "expected to sign a framework", "discussed investment", and negated ones ("no text has
# been agreed"). The instrument words are blanked (only the group `obj` where there is one);
# talks and meetings that were held remain.
PROSPECTIVE_INSTRUMENTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("agree",),
        r"\bagree(?:s|d|ing)?(?=\s+to\s+(?:(?:start|begin|launch|open|resume|continue|hold|accelerate|intensify"
        r"|conclude)\s+)?(?:negotiat\w*|talks|discussions)\b)",
    ),
    (
        ("negotiat", "talks", "discussion", "consultations"),
        r"\b(?:negotiat\w+|talks|discussions?|consultations)\s+(?P<obj>(?:on|for|toward(?:s)?|over|about|to\s+\w+)"
        rf"\s+(?:a|an|the|their|its)?\s*(?:[\w-]+\s+){{0,6}}?{_SOUGHT})\b",
    ),
    (  # talks that are only planned ("will begin negotiations", "to open lithium talks")
        ("talks", "negotiations", "discussions", "consultations"),
        r"\b(?:to|will|would|shall)\s+(?:start|begin|open|launch|hold|resume|enter(?:\s+into)?)\s+(?:[\w-]+\s+){0,3}?"
        r"(?:talks|negotiations|discussions|consultations)\b",
    ),
    (  # what is to be negotiated, to the end of the clause
        ("negotiate",),
        r"\b(?:to|will|would|could|may|might)\s+(?:start\s+|begin\s+|open\s+)?negotiate\b[^.;]*",
    ),
    (
        ("no ", "not "),
        r"\bno\s+(?:[\w-]+\s+){0,2}?(?:agreement|deal|text|accord|pact|contract|decision|date|deadline)\s+"
        r"(?:has|had|was|have|is)\b[^.;]*"
        r"|\b(?:has|have|had|was|were|is|are)\s+not\s+(?:yet\s+)?(?:been\s+)?(?:signed|agreed|concluded|finali[sz]ed"
        r"|reached)\b|\bnot yet (?:signed|agreed|concluded)\b",
    ),
    (
        ("negotiat", "finali", "pursu", "explor", "toward", "seek", "weigh", "eye", "mull", "consider", "stud", "look"),
        r"\b(?:negotiat\w*|finali[sz](?:e|es|ing)|pursu\w*|explor\w*|work(?:s|ing)? toward(?:s)?|seek\w*|weigh\w*"
        r"|eye(?:s|ing)?|mull\w*|consider\w*|stud(?:y|ies|ying)|look(?:s|ing)? (?:at|into))\s+(?P<obj>(?:a|an|the|their"
        rf"|its|possible|further|closer|deeper|new)?\s*(?:[\w-]+\s+){{0,6}}?(?:co-)?{_SOUGHT_OR_MONEY})\b",
    ),
    (
        ("negotiate", "finali", "conclude", "pursue", "explore", "toward", "seek", "sign", "reach", "strike",
         "clinch", "agree on", "draft", "consider", "study", "discuss", "develop"),
        r"\b(?:to|will|would|could|may|might|hope to|plan to|aim to)\s+(?:start\s+|begin\s+|open\s+)?(?:negotiate"
        r"|finali[sz]e|conclude|pursue|explore|work toward(?:s)?|seek|sign|reach|strike|clinch|agree on|draft"
        rf"|consider|study|discuss|develop)\s+(?:a|an|the|their|its|possible|further)?\s*(?:[\w-]+\s+){{0,6}}?"
        rf"(?:co-)?{_SOUGHT_OR_MONEY}\b",
    ),
    (
        ("toward", "ahead of", "run-up"),
        r"\b(?:toward(?:s)?|ahead of|in the run-up to)\s+(?:a|an|the|their|its)?\s*(?:[\w-]+\s+){0,6}?"
        r"(?:agreements?|deals?|pacts?|accords?|treat(?:y|ies)|mous?)\b",
    ),
    (
        ("to sign", "to conclude", "to finali", "to agree"),
        r"\b(?:expected|set|due|poised|slated|scheduled|likely|ready|planning|preparing|hoping|aiming|seeking)"
        r"\s+to\s+(?:sign|conclude|finali[sz]e|agree)\b[^.;]*",
    ),
    (
        ("draft", "proposed", "possible", "potential", "future", "prospective", "planned"),
        r"(?-i:\b(?:draft|proposed|possible|potential|future|prospective|planned))\s+(?:[\w-]+\s+){0,3}?"
        r"(?:agreements?|deals?|pacts?|treat(?:y|ies)|frameworks?|investments?|financing|funding)\b",
    ),
    (("no agreement", "no deal"), r"\bno (?:agreement|deal) (?:has|had|was)\b[^.;]*"),
    (  # money that is still to be decided on ("a decision on financing is due in the spring")
        ("decision on",),
        r"\bdecision on (?P<obj>(?:[\w-]+\s+){0,2}?(?:funding|financing|investments?|loans?))\b(?=\s+(?:is|was|remains"
        r"|has yet)\b)",
    ),
    (
        ("discuss",),
        r"(?:(?<=\bdiscuss )|(?<=\bdiscussed )|(?<=\bdiscussing ))(?:[\w-]+,?\s+){0,8}?(?:investments?"
        r"|agreements?|deals?|frameworks?|partnerships?|mous?|financing|funding|initiatives?)\b",
    ),
)
COOPERATIVE_INSTRUMENTS = frozenset(
    {"meeting", "joint_statement", "mou", "framework", "agreement", "partnership", "investment"}
)
UNILATERAL_INSTRUMENTS = frozenset({"policy_list", "export_control"})
# Wording that shows states working together when only one party is named ...
STATE_COOPERATION_CUES = (
    r"\b(?:bi|multi|pluri)lateral\b",
    r"\bdelegations\b",
    r"\bcounterparts?\b",
    r"\bpartner (?:countries|nations|governments|economies|states)\b",
    r"\b(?:like-minded|allied) (?:countries|nations|partners|governments)\b",
    r"\b(?:two|both) (?:countries|governments|sides|nations)\b",
    r"\bmember (?:states|countries)\b",
)
# ... and wording of working together that may also be with a company ("a cooperation agreement
# with a Korean battery maker"): enough only when two or more states are parties.
COOPERATION_CUES = (
    *STATE_COOPERATION_CUES,
    r"(?-i:\bco-?operat\w*)",
    r"(?-i:\bCo-?operat\w*\b)(?! (?:Agency|Bank|Organi[sz]ation|Council|Fund)\b)(?<!International Cooperation)"
    r"(?<!International Co-operation)(?<!Economic Co-operation)(?<!Economic Cooperation)",
    r"\bcollaborat\w*",
    r"\bnegotiat\w*",
)
# Words that show a group (or a single state with partners) works with others.
NON_COOPERATION = re.compile(r"\bpublic-private\b|\bjoint venture\b", re.I)

# ============================================================================================
# Compiled tables
# ============================================================================================


def _compile(patterns: Iterable[str], flags: int = re.I) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), flags)


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex alternation of `words` factored by common prefixes (much faster than a flat list)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = True

    def build(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char != ""]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


def _named_alternation(table: dict[str, tuple[str, ...]]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex with a named group per entry, plus the map group name -> entry."""
    names = {f"g{index}": key for index, key in enumerate(table)}
    pattern = "|".join(
        f"(?P<{group}>{'|'.join(f'(?:{p})' for p in table[key])})" for group, key in names.items()
    )
    return re.compile(pattern, re.I), names


def _term_table(table: dict[str, tuple[str, ...]]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One case-insensitive prefix-trie regex over every term, plus the map term -> entry."""
    lookup = {term.lower(): key for key, terms in table.items() for term in terms}
    return re.compile(rf"\b(?:{_trie_pattern(lookup)})\b", re.I), lookup


@dataclass(frozen=True)
class _Alias:
    code: str
    kind: str  # name | demonym | capital | place | agency


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, Any]:
    """Compiled tables, built on first use (no work at import time)."""
    aliases: dict[str, _Alias] = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value and "," not in value and value not in AMBIGUOUS_COUNTRY_NAMES:
                aliases[value] = _Alias(country.alpha_3, "name")
    for table, kind in ((COUNTRY_NAMES, "name"), (DEMONYMS, "demonym"), (CAPITALS, "capital"),
                        (PLACES, "place"), (AGENCIES, "agency")):
        for alias, code in table.items():
            aliases[alias] = _Alias(code, kind)
    upper: dict[str, _Alias] = {}
    for alias, value in aliases.items():
        upper.setdefault(alias.upper(), value)
    boundary_after = r"(?![\w$]|['’]\w\w)"
    return {
        "aliases": aliases,
        "upper_aliases": upper,
        "countries": re.compile(rf"(?<![\w$])(?:{_trie_pattern(aliases)}){boundary_after}"),
        "countries_upper": re.compile(rf"(?<![\w$])(?:{_trie_pattern(upper)}){boundary_after}"),
        "non_country": _compile(NON_COUNTRY_PHRASES, 0),
        "groups": {name: re.compile(pattern) for name, pattern in GROUP_PATTERNS.items()},
        "groups_any": re.compile("|".join(f"(?:{p})" for p in GROUP_PATTERNS.values())),
        "mineral_terms": _term_table(MINERAL_TERMS),
        "mineral_phrases": _named_alternation(MINERAL_PHRASES),
        "non_mineral": _compile(NON_MINERAL_PHRASES),
        "company_mineral": re.compile(
            rf"\b(?P<lead>(?:[A-Z][\w&'’.-]*\s+){{1,3}})?(?P<mineral>{'|'.join(COMPANY_MINERAL_WORDS)})"
            rf"(?P<suffix>(?:\s+(?:{COMPANY_SUFFIXES}|{COMPANY_SUFFIXES_IN_TEXT})\b\.?)*)"
        ),
        "stage_terms": _term_table(STAGE_TERMS),
        "stage_phrases": tuple((stage, triggers, re.compile(pattern, re.I))
                               for stage, entries in STAGE_PHRASES.items() for triggers, pattern in entries),
        "non_stage": _compile(NON_STAGE_PHRASES),
        "non_stage_triggered": [(triggers, re.compile(pattern, re.I)) for triggers, pattern in NON_STAGE_TRIGGERED],
        "by_product": re.compile(BY_PRODUCT_RECOVERY, re.I),
        "company_stage": re.compile(
            r"\b[A-Z][\w&'’.-]+\s+(?:Mining|Mines?|Refining|Smelting|Recycling|Recovery|Exploration|Explorations)\b"
        ),
        "buyer_stage": re.compile(
            rf"\b(?:{_trie_pattern(DEMONYMS)})\s+(?:[a-z]+\s+)?(?:smelters|smelter|refiners|refiner|processors|miners"
            r"|mining(?!\s+(?:projects?|operations?|sites?|licen[cs]es?|concessions?|areas?)))\b"
        ),
        "instrument_terms": _term_table(INSTRUMENT_TERMS),
        "instrument_phrases": _named_alternation(INSTRUMENT_PATTERNS),
        "weak_instruments": _named_alternation(WEAK_INSTRUMENT_PATTERNS),
        "prospective": [
            (triggers, re.compile(pattern, re.I))
            for triggers, pattern in (*NON_INSTRUMENT_PHRASES, *PROSPECTIVE_INSTRUMENTS)
        ],
        "cooperation": _compile(COOPERATION_CUES),
        "state_cooperation": _compile(STATE_COOPERATION_CUES),
        "dates": [re.compile(pattern, re.I) for pattern in DATE_PATTERNS],
    }


# ============================================================================================
# Text helpers
# ============================================================================================


def normalize_text(text: str) -> str:
    """NFKC, collapse runs of spaces inside lines, drop blank lines at the edges."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


ABBREVIATIONS = frozenset(
    {"Mr.", "Mrs.", "Ms.", "Dr.", "St.", "No.", "Inc.", "Ltd.", "Co.", "Corp.", "Jr.", "Sr.", "Gov.",
     "Sen.", "Rep.", "Gen.", "Lt.", "Col.", "vs.", "e.g.", "i.e.", "incl.", "approx.", "Jan.", "Feb.",
     "Mar.", "Apr.", "Aug.", "Sep.", "Sept.", "Oct.", "Nov.", "Dec.", "Pty.", "Bros.", "Prof.", "Amb.",
     "Hon.", "Adm.", "Maj.", "Capt.", "Gov't.", "est.", "D.C."}
)  # fmt: skip
SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9])")
INITIALS = re.compile(r"(?:[A-Z]\.)+")


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`; lines are hard breaks; abbreviations and initials (U.S., S.) don't split."""
    sentences: list[str] = []
    for line in text.split("\n"):
        line = " ".join(line.split())
        start = 0
        for match in SENTENCE_END.finditer(line):
            word = line[start : match.start() + 1].rsplit(" ", 1)[-1].lstrip('("“')
            if word in ABBREVIATIONS or INITIALS.fullmatch(word):
                continue
            sentences.append(line[start : match.start() + 1])
            start = match.end()
        if line[start:].strip():
            sentences.append(line[start:].strip())
    return sentences


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda match: " " * len(match.group()), text)


def _mask_object(text: str, pattern: re.Pattern[str]) -> str:
    """Like `_mask`, but only from the group `obj` on when the pattern has one ("talks| on a deal")."""
    if "obj" not in pattern.groupindex:
        return _mask(text, pattern)

    def blank(match: re.Match[str]) -> str:
        start = match.start("obj") if match.group("obj") is not None else match.start()
        return match.group()[: start - match.start()] + " " * (match.end() - start)

    return pattern.sub(blank, text)


def _is_headline_like(line: str) -> bool:
    """A line of a related-news list: short, or without the full stop that ends a paragraph."""
    stripped = line.rstrip()
    return len(stripped.split()) <= 16 or not stripped.endswith((".", "!", "?", '."', ".”"))


def strip_boilerplate(body: str) -> str:
    """The article text without related-news blocks, tag lines, share prompts and footers."""
    kept: list[str] = []
    in_sidebar = False
    for line in body.split("\n"):
        text = line.strip()
        if not text:
            kept.append("")
            continue
        if SIDEBAR_HEADER.match(text):
            in_sidebar = True
            continue
        if in_sidebar:
            if _is_headline_like(text):
                continue
            in_sidebar = False
        if BOILERPLATE_LINE.match(text) or ALL_RIGHTS.search(text) or NAVIGATION_LINE.match(text):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


LOWER_RUN = re.compile(r"[a-z]{3}")
UPPER_LETTER = re.compile(r"[A-Z]")


def _is_upper_case(text: str) -> bool:
    """An all-caps headline: no run of three lower-case letters, at least twelve capitals."""
    return not LOWER_RUN.search(text) and len(UPPER_LETTER.findall(text)) >= 12


def _is_title_case(text: str) -> bool:
    words = [word for word in re.findall(r"[A-Za-z][\w'’-]*", text) if len(word) > 3]
    return len(words) >= 3 and sum(word[0].isupper() for word in words) / len(words) >= 0.6


# ============================================================================================
# Dates
# ============================================================================================


def _date_from_match(match: re.Match[str]) -> date | None:
    parts = match.groupdict()
    try:
        if parts.get("y1"):
            return date(int(parts["y1"]), int(parts["m1"]), int(parts["d1"]))
        key = "2" if parts.get("mon2") else "3"
        month = MONTHS[parts[f"mon{key}"][:3].lower()]
        return date(int(parts[f"y{key}"]), month, int(parts[f"d{key}"]))
    except (KeyError, ValueError):
        return None


def find_date(text: str) -> date | None:
    """The first full calendar date in `text` (2026-02-03, February 3, 2026, 3 Feb 2026, 03 FEB 2026)."""
    best: tuple[int, date] | None = None
    for pattern in _vocabulary()["dates"]:
        for match in pattern.finditer(text):
            found = _date_from_match(match)
            if found is not None:
                if best is None or match.start() < best[0]:
                    best = (match.start(), found)
                break
    return best[1] if best else None


def _coerce_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return find_date(str(value))


# ============================================================================================
# Countries
# ============================================================================================

ACTOR, WEAK, CONTEXT = "actor", "weak", "context"


@dataclass
class _Mention:
    code: str
    start: int
    end: int
    kind: str
    role: str
    before_context: bool = False
    after_context: bool = False  # dominance / market / company wording that a list of demonyms shares
    relation: bool = False  # "U.S.-China trade war": every country of the list is a side, not a party


def _possessive_company(masked: str, end: int, agency_starts: set[int], title_case: bool) -> bool:
    """`X's Foo` where Foo is a capitalised name that is neither a government word nor an agency."""
    match = re.match(r"['’]s?\s+([A-Z][\w&.-]*)", masked[end:])
    if not match or title_case:
        return False
    if end + match.start(1) in agency_starts:
        return False
    return match.group(1).rstrip(".") not in GOVERNMENT_WORDS


def _country_mentions(sentence: str, *, dateline_end: int = 0, is_title: bool = False) -> list[_Mention]:
    """Country mentions of one sentence with their role (actor, weak or context)."""
    vocab = _vocabulary()
    masked = _mask(sentence, vocab["non_country"])
    upper = _is_upper_case(sentence)
    title_case = upper or (is_title and _is_title_case(sentence))
    pattern, table = (
        (vocab["countries_upper"], vocab["upper_aliases"]) if upper else (vocab["countries"], vocab["aliases"])
    )
    found = [(match.start(), match.end(), table[match.group()]) for match in pattern.finditer(masked)]
    if dateline_end and not upper:  # "WASHINGTON, Feb. 3 —" is written in capitals
        starts = {item[0] for item in found}
        head = vocab["countries_upper"].finditer(masked[:dateline_end])
        found = sorted(found + [(m.start(), m.end(), vocab["upper_aliases"][m.group()]) for m in head
                                if m.start() not in starts])
    if not found:
        return []
    agency_starts = {start for start, _, alias in found if alias.kind == "agency"}
    mentions: list[_Mention] = []
    for start, end, alias in found:
        before = masked[max(0, start - 90) : start]
        after = masked[end : end + 80]
        before_context = bool(CONTEXT_BEFORE.search(before)) or bool(
            APPOSITION_BEFORE.search(before) and not LIST_GOES_ON.match(after)
        )
        after_context = bool(CONTEXT_AFTER.match(after))
        # the home country of a company ("Australian miner Lynas", "South Korea's LG") or the
        # origin of a commodity ("Chinese magnesium"), unless the company is state-owned
        company_match = COMPANY_AFTER.match(after) if alias.kind in ("demonym", "name", "capital") else None
        if company_match is None and alias.kind == "demonym":
            company_match = ORIGIN_AFTER.match(after)
        company = company_match is not None
        if company_match and (  # "a Chinese miner, state-owned ...": the state word must describe this company
            STATE_OWNED.search(company_match.group()) or STATE_APPOSITION.match(after[company_match.end():])
        ):
            company = False
        if alias.kind in ("name", "capital") and _possessive_company(masked, end, agency_starts, title_case):
            company = True
        relation = bool(RELATION_AFTER.match(after))
        if alias.kind == "place" or start < dateline_end or before_context or after_context or company or relation:
            role = CONTEXT
        elif WEAK_AFTER.match(after):
            role = WEAK
        else:
            role = ACTOR
        mentions.append(
            _Mention(alias.code, start, end, alias.kind, role, before_context, after_context or company, relation)
        )

    # A coordinated list ("China and Russia", "Indian and Japanese miners") shares the context
    # wording before its first member and after its last one.
    chain: list[_Mention] = []
    for index, mention in enumerate(mentions):
        joined = index > 0 and LIST_JOINER.match(masked[mentions[index - 1].end : mention.start])
        if not joined:
            _share_roles(chain)
            chain = []
        chain.append(mention)
    _share_roles(chain)
    return mentions


def _share_roles(chain: list[_Mention]) -> None:
    if len(chain) < 2:
        return
    first, last = chain[0], chain[-1]
    if first.before_context or last.relation or (last.after_context and last.kind == "demonym"):
        for mention in chain:
            if mention.kind != "agency":
                mention.role = CONTEXT


def _acting_groups(sentence: str) -> list[str]:
    """Groups named in `sentence` that act (not named as a venue such as "at the G7 summit")."""
    vocab = _vocabulary()
    if not vocab["groups_any"].search(sentence):
        return []
    acting = []
    for name, pattern in vocab["groups"].items():
        for match in pattern.finditer(sentence):
            venue = GROUP_VENUE_BEFORE.search(sentence[max(0, match.start() - 60) : match.start()]) or (
                GROUP_VENUE_AFTER.match(sentence[match.end() : match.end() + 30])
            )
            if not venue:
                acting.append(name)
                break
    return acting


def match_countries(text: str) -> list[str]:
    """Sorted ISO3 codes of every country named in `text`, with members of acting groups (Quad, G7)."""
    codes = {mention.code for mention in _country_mentions(text)}
    for group in _acting_groups(text):
        codes.update(GROUP_MEMBERS[group])
    return sorted(codes)


# ============================================================================================
# Minerals, stages, instruments
# ============================================================================================


def _mask_company_minerals(sentence: str, title_case: bool) -> str:
    """Blank out mineral words that are part of a company name ("Piedmont Lithium", "Lithium Americas")."""
    vocab = _vocabulary()

    def replace(match: re.Match[str]) -> str:
        lead = (match.group("lead") or "").split()
        suffix = match.group("suffix") or ""
        strong_suffix = re.search(rf"\b(?:{COMPANY_SUFFIXES})\b", suffix)
        text_suffix = suffix.strip() and not title_case
        named_lead = (
            not title_case
            and lead
            and lead[-1].rstrip(".") not in NAME_FUNCTION_WORDS
            and not lead[-1].endswith((".", ":"))
        )
        if strong_suffix or text_suffix or named_lead:
            start = match.start("mineral")
            return match.group()[: start - match.start()] + " " * (match.end() - start)
        return match.group()

    return vocab["company_mineral"].sub(replace, sentence)


Hit = tuple[int, int, str]


def _hits(sentence: str, terms: tuple[re.Pattern[str], dict[str, str]],
          phrases: tuple[re.Pattern[str], dict[str, str]]) -> list[Hit]:
    """(start, end, entry) of every term and phrase of a table found in `sentence`."""
    pattern, lookup = terms
    found = [(match.start(), match.end(), lookup[match.group().lower()]) for match in pattern.finditer(sentence)]
    pattern, names = phrases
    found.extend((match.start(), match.end(), names[match.lastgroup]) for match in pattern.finditer(sentence)
                 if match.lastgroup)
    return found


def _surviving(hits: list[Hit], original: str, masked: str) -> set[str]:
    """Entries of the hits whose text the masks left untouched."""
    return {name for start, end, name in hits if masked[start:end] == original[start:end]}


def _minerals(sentence: str, is_title: bool = False) -> set[str]:
    vocab = _vocabulary()
    hits = _hits(sentence, vocab["mineral_terms"], vocab["mineral_phrases"])
    if not hits:
        return set()
    masked = _mask(sentence, vocab["non_mineral"])
    if any(char.isupper() for char in masked):
        headline = _is_upper_case(sentence) or (is_title and _is_title_case(sentence))
        masked = _mask_company_minerals(masked, headline)
        masked = _mask(masked, ORGANISATION_NAME)
    return _surviving(hits, sentence, masked)


# Institutions and events whose names hold a stage word ("Ministry of Mines and Mining Development",
# "Mining Association of Canada", "the Mining Indaba"): the name is not the stage.
INSTITUTION_WORDS = _words(
    "ministry ministries department secretariat secretary agency authority association chamber council institute"
    " commission commissioner corporation bureau office directorate division indaba week conference congress summit"
    " forum expo society federation union board survey service services organization organisation cadastre academy"
    " university school college centre center museum ministère ministere ministerio ministério feed wire newswire"
    " digest bulletin newsletter journal monitor"
)
STAGE_NAME_WORDS = _words(
    "mines mine mining minerals geological geology geoscience metallurgical metallurgy refining smelting processing"
    " recycling exploration prospecting rehabilitation"
)
NAME_RUN = re.compile(
    r"\b[A-Z][\w'’&.-]*(?:(?:,?\s+|\s+(?:of|and|for|the|de|del|des|du|da|das|do|dos|y|&)\s+)[A-Z][\w'’&.-]*)*"
)
UPPER_CASE_INSTITUTION = re.compile(
    r"\b(?:" + "|".join(sorted(INSTITUTION_WORDS)) + r")\s+(?:of|for)\s+(?:[\w-]+\s+(?:and|&)\s+)?[\w-]+"
    r"(?:\s+(?:and|&)\s+[\w-]+)?(?:\s+development)?\b",
    re.I,
)


# A sentence saying what the action does not cover: none of its stage words count, and the stages
# named in the negated clause are not covered anywhere in the text ("the accord excludes mine
# development" also rules out the mines of a background sentence).
NEGATED_COVERAGE = re.compile(
    r"\b(?:does|do|did|will|would|shall|could|is|are|was|were)(?: not|n['’]t) (?!only\b)(?:\w+ ){0,2}?(?:cover"
    r"|covers|include|includes|involve|involves|deal with|concern|authori[sz]e|extend to|apply to|address|fund|finance"
    r"|part of|covered|included|involved|affected|planned|addressed|discussed|discuss|on the agenda|own|operate|build"
    r"|mine|refine|process|separate|smelt|recycle|manufacture)\b|\bno decision (?:has been|was|had been) (?:taken"
    r"|made)\b|\bexclud(?:es|ed|ing)\b|\b(?:leaves?|left) out\b|\bnot (?:yet )?(?:covered|included|part of)\b"
    r"|\binvolves? no\b|\bno (?:new )?commitments?\b|\b(?:has|have|had) no plans? to\b|\boff the agenda\b",
    re.I,
)
# A stage left to a separate or later agreement, regulation or meeting is not covered now either.
DEFERRED_COVERAGE = re.compile(
    r"\b(?:will|would|to) be (?:\w+ ){0,2}?separately\b|\b(?:is|are) being (?:\w+ ){0,2}?separately\b"
    r"|\b(?:require|requires|need|needs|await|awaits) (?:a )?separate\b|\bin separate (?:agreements?|regulations?)\b"
    r"|\bleft to (?:a |the )?(?:separate|later|future)\b|\b(?:at|in|for) a later (?:stage|phase|meeting|date|round)\b"
    r"|\btaken up (?:at|in) a later\b|\bfuture (?:agreements?|regulations?)\b|\bfar (?:off )?in the future\b"
    r"|\b(?:years|decades) away\b",
    re.I,
)
# Clauses of a sentence; a negation covers its own clause only ("the refined salt may later go to
# cathode plants, but cathode making is outside the deal").
CLAUSE_BREAK = re.compile(r";|,?\s+(?:but|although|though|while|whereas)\b|\s[—–]\s")
# A negation inside a relative clause ("... beside the owner's open-pit mine, which the loan does not
# cover") is about the words just before the clause.
RELATIVE_CLAUSE = re.compile(r",\s+(?:which|who|whose)\b")
RELATIVE_HEAD_WORDS = 8
# "X rather than Y": the stages after the cue are not covered.
CONTRAST_AFTER = re.compile(r"\b(?:rather than|instead of|as opposed to|but not|and not)\b[^.;]*", re.I)


def _mask_institutions(sentence: str) -> str:
    """Blank the names of institutions and events that contain a stage word."""
    if _is_upper_case(sentence):
        return _mask(sentence, UPPER_CASE_INSTITUTION)

    def blank(match: re.Match[str]) -> str:
        words = {word.strip("'’.,&-").lower() for word in match.group().split()}
        words |= {word[:-2] for word in words if word.endswith(("'s", "’s"))}
        if words & INSTITUTION_WORDS and words & STAGE_NAME_WORDS:
            return " " * len(match.group())
        return match.group()

    return NAME_RUN.sub(blank, sentence)


def _stage_hits(sentence: str, is_title: bool = False) -> list[Hit]:
    """Stage hits of `sentence` that survive the masks (names, other senses, sources and buyers)."""
    vocab = _vocabulary()
    pattern, lookup = vocab["stage_terms"]
    hits = [(match.start(), match.end(), lookup[match.group().lower()]) for match in pattern.finditer(sentence)]
    lowered = sentence.lower()
    hits += [(match.start(), match.end(), stage) for stage, triggers, phrase in vocab["stage_phrases"]
             if any(trigger in lowered for trigger in triggers) for match in phrase.finditer(sentence)]
    if not hits:
        return []
    masked = _mask(_mask(_mask_institutions(sentence), vocab["non_stage"]), CONTRAST_AFTER)
    for triggers, pattern in vocab["non_stage_triggered"]:
        if any(trigger in lowered for trigger in triggers):
            masked = _mask(masked, pattern)
    if not (_is_upper_case(sentence) or (is_title and _is_title_case(sentence))):
        masked = vocab["company_stage"].sub(
            lambda m: m.group() if m.group().split()[0] in NAME_FUNCTION_WORDS else " " * len(m.group()), masked
        )
    masked = _mask(masked, vocab["buyer_stage"])
    return [hit for hit in hits if masked[hit[0] : hit[1]] == sentence[hit[0] : hit[1]]]


def _not_covered(sentence: str) -> bool:
    """Whether `sentence` says that something is not covered, or left to a later agreement."""
    return bool(NEGATED_COVERAGE.search(sentence) or DEFERRED_COVERAGE.search(sentence))


def _stages(sentence: str, is_title: bool = False) -> set[str]:
    """Stages one sentence says the action covers (none when it says what is not covered)."""
    if _not_covered(sentence):
        return set()
    return {name for _, _, name in _stage_hits(sentence, is_title)}


def _excluded_stages(sentence: str, hits: list[Hit]) -> set[str]:
    """Stages among `hits` that a negated or deferred clause of `sentence` says are not covered."""
    bounds = [0, *(point for match in CLAUSE_BREAK.finditer(sentence) for point in (match.start(), match.end())),
              len(sentence)]
    excluded: set[str] = set()
    for start, end in zip(bounds[::2], bounds[1::2], strict=True):
        clause = sentence[start:end]
        cue = NEGATED_COVERAGE.search(clause) or DEFERRED_COVERAGE.search(clause)
        if cue is None:
            continue
        relative = [match for match in RELATIVE_CLAUSE.finditer(clause) if match.start() < cue.start()]
        if relative:  # the words right before the relative clause
            words = list(re.finditer(r"\S+", clause[: relative[-1].start()]))
            if len(words) > RELATIVE_HEAD_WORDS:
                start += words[-RELATIVE_HEAD_WORDS].start()
        excluded |= {name for hit_start, hit_end, name in hits if start <= hit_start and hit_end <= end}
    return excluded


def _context_start(sentence: str) -> int | None:
    """Where the context of a later sentence starts, for its stages: None when it has none, 0 when
    the whole sentence is context, or the start of the relative clause that holds the context
    ("... backs a nickel refinery for the country, which sells most of its ore abroad")."""
    starts = [match.start() for match in (BACKGROUND.search(sentence), STAGE_CONTEXT.search(sentence)) if match]
    if not starts:
        return None
    relative = [match.start() for match in RELATIVE_CLAUSE.finditer(sentence) if match.start() < min(starts)]
    return relative[-1] if relative else 0


def _covered_stages(segments: list[str], head: list[int], has_title: bool, evidence: dict[str, str]) -> set[str]:
    """Stages the announced action covers, read sentence by sentence.

    A later sentence that is context (background, an existing facility, market talk) adds none; a
    sentence that says what is not covered adds none, and the stages of its negated clause are
    removed from the whole text. Recovery that the text calls a by-product inside a refinery is
    not recycling anywhere in it, unless the text also names something recycled.
    """
    covered: list[tuple[str, set[str]]] = []
    excluded: set[str] = set()
    for index, segment in enumerate(segments):
        hits = _stage_hits(segment, is_title=has_title and index == 0)
        if not hits:
            continue
        if _not_covered(segment):
            excluded |= _excluded_stages(segment, hits)
            continue
        cut = None if index in head else _context_start(segment)
        if cut == 0:
            continue
        covered.append((segment, {name for _, end, name in hits if cut is None or end <= cut}))
    stages = set().union(*(found for _, found in covered)) - excluded
    if "recycling" in stages and not any(RECYCLING_SOURCE.search(segment) for segment in segments):
        by_product = _vocabulary()["by_product"]
        if any(by_product.search(segment) for segment in segments):
            stages.discard("recycling")
    evidence_segment = next((segment for segment, found in covered if found & stages), None)
    if evidence_segment is not None:
        evidence["stages"] = evidence_segment
    return stages


def _on_topic(segments: list[str]) -> bool:
    """Whether a text without a (countable) mineral is still about minerals: mining words, or a
    mineral word inside a name ("JOGMEC raises its stake in Lynas Rare Earths")."""
    vocab = _vocabulary()
    return any(
        TOPIC_WORDS.search(segment) or vocab["mineral_terms"][0].search(_mask(segment, vocab["non_mineral"]))
        for segment in segments
    )


def _instrument_cues(sentence: str) -> tuple[str | None, str | None]:
    """(strong, weak) instrument of one sentence, prospective instruments masked."""
    vocab = _vocabulary()
    weak_pattern, weak_names = vocab["weak_instruments"]
    strong_hits = _hits(sentence, vocab["instrument_terms"], vocab["instrument_phrases"])
    weak_hits = [(m.start(), m.end(), weak_names[m.lastgroup]) for m in weak_pattern.finditer(sentence) if m.lastgroup]
    if not strong_hits and not weak_hits:
        return None, None
    masked, lowered = sentence, sentence.lower()
    for triggers, pattern in vocab["prospective"]:
        if any(trigger in lowered for trigger in triggers):
            masked = _mask_object(masked, pattern)
    strong_found = _surviving(strong_hits, sentence, masked)
    weak_found = _surviving(weak_hits, sentence, masked)
    strong = next((name for name in INSTRUMENT_ORDER if name in strong_found), None)
    weak = next((name for name in WEAK_INSTRUMENT_PATTERNS if name in weak_found), None)
    return strong, weak


# ============================================================================================
# Extraction
# ============================================================================================


def _first(segments: list[str], predicate: Callable[[str], bool]) -> str | None:
    return next((segment for segment in segments if predicate(segment)), None)


@dataclass
class _Text:
    segments: list[str]  # the title (if any), then the body's sentences
    head: list[int]  # indices of the title and the lead sentence
    datelines: list[int]  # per segment, where its dateline ends (0: none)
    date_found: date | None = None  # from a metadata line or the dateline
    date_line: str | None = None


def _prepare(title: str, body: str) -> _Text:
    """Split an announcement into segments, without boilerplate and metadata lines."""
    date_found, date_line = None, None
    lines: list[str] = []
    for line in strip_boilerplate(body).split("\n"):
        stripped = line.strip()
        if METADATA_LINE.match(stripped):
            if date_found is None and (found := find_date(stripped)):
                date_found, date_line = found, stripped
            continue
        lines.append(line)
    segments = ([title] if title else []) + split_sentences("\n".join(lines))
    datelines = [0] * len(segments)
    first_body = 1 if title else 0
    for index in range(first_body, min(len(segments), first_body + 2)):
        match = DATELINE.match(segments[index])
        if match and (match.group("dated") or match.group("place").isupper()):
            datelines[index] = match.end()
            if date_found is None and (found := find_date(match.group())):
                date_found, date_line = found, segments[index]
            break
    lead = first_body  # the first body sentence of six words or more (skips header lines)
    while lead < len(segments) and len(segments[lead].split()) < 6:
        lead += 1
    head = ([0] if title else []) + ([lead] if lead < len(segments) else [])
    return _Text(segments, head, datelines, date_found, date_line)


def extract(title: str, body: str = "", published: date | str | None = None) -> dict[str, Any]:
    """Rule-based reading of one announcement; see the module docstring for the fields.

    `published` is the date the feed or page gives, if any; otherwise the date is read from the
    text (metadata line, dateline, else the first full date).
    """
    title, body = normalize_text(title or ""), normalize_text(body or "")
    text = _prepare(title, body)
    segments, head = text.segments, text.head
    has_title = bool(title)
    evidence: dict[str, str] = {}

    mentions = [
        _country_mentions(segment, dateline_end=text.datelines[i], is_title=has_title and i == 0)
        for i, segment in enumerate(segments)
    ]
    groups_by_segment = [_acting_groups(segment) for segment in segments]

    # --- instrument: title and lead (strong cues, then weak), then the rest -----------------
    cues = [_instrument_cues(segment) for segment in segments]
    rest = [i for i in range(len(segments)) if i not in head]
    instrument, instrument_at = "none", None
    for indices, strength in ((head, 0), (head, 1), (rest, 0), (rest, 1)):
        hit = next((i for i in indices if cues[i][strength]), None)
        if hit is not None:
            instrument, instrument_at = cues[hit][strength] or "none", hit
            break
    if instrument == "partnership":
        # a signed memorandum is the instrument even where it sets up a partnership
        memorandum = next((i for i in head if cues[i][0] == "mou"), None)
        if memorandum is not None:
            instrument, instrument_at = "mou", memorandum
    if instrument_at is not None:
        evidence["instrument"] = segments[instrument_at]

    # --- parties ------------------------------------------------------------------------------
    def actors(index: int, roles: tuple[str, ...] = (ACTOR,)) -> list[_Mention]:
        return [m for m in mentions[index] if m.role in roles]

    party_segments: list[int] = []
    parties: set[str] = set()
    for index in head:
        found = {m.code for m in actors(index)}
        for group in groups_by_segment[index]:
            found.update(GROUP_MEMBERS[group])
        if found:
            party_segments.append(index)
            parties |= found
    if not parties:  # nobody acts in the title or lead: the first sentence where a country acts
        for index in range(len(segments)):
            found = {m.code for m in actors(index)}
            if found:
                party_segments, parties = [index], found
                break
    if not parties:  # only a possessive measure ("China's export curbs take effect")
        for index in head:
            found = {m.code for m in actors(index, (WEAK,))}
            if found:
                party_segments, parties = [index], found
                break
    if instrument in UNILATERAL_INSTRUMENTS and len(parties) > 1:
        issuer = None
        for index in ([instrument_at] if instrument_at in party_segments else []) + party_segments:
            ordered = [m for m in mentions[index] if m.role in (ACTOR, WEAK) and m.code in parties]
            if ordered:
                issuer = ordered[0].code
                break
        if issuer:
            parties = {issuer}
    if parties:
        evidence["parties"] = segments[party_segments[0]] if party_segments else segments[0]

    mentioned: set[str] = set()
    for index, found in enumerate(mentions):
        others = {m.code for m in found} - parties
        if others:
            evidence.setdefault("mentioned_countries", segments[index])
            mentioned |= others

    groups = sorted({group for index in head for group in groups_by_segment[index]})
    if not groups:
        groups = sorted({group for found in groups_by_segment for group in found if group == "MSP"})
    if groups:
        evidence["groups"] = _first(segments, lambda s: bool(_acting_groups(s))) or ""

    # --- minerals and stages --------------------------------------------------------------------
    found_minerals = [_minerals(segment, is_title=has_title and i == 0) for i, segment in enumerate(segments)]
    background = [bool(found) and i not in head and bool(BACKGROUND.search(segments[i]))
                  for i, found in enumerate(found_minerals)]
    minerals: set[str] = set()
    for index, found in enumerate(found_minerals):
        if background[index]:
            continue
        if found and "minerals" not in evidence:
            evidence["minerals"] = segments[index]
        minerals |= found
    if not minerals:
        for index, found in enumerate(found_minerals):
            if found:
                minerals, evidence["minerals"] = found, segments[index]
                break

    on_topic = bool(minerals) or _on_topic(segments)
    reports_only = (
        any(MARKET_REPORT.search(segments[index]) for index in head)
        or any(EVENT_NOTICE.search(segment) for segment in segments)
        or any(COMMENTARY.search(segment) for segment in segments)
    )
    if not on_topic or reports_only:
        # off-topic (tourism, defence, culture), a market report or an event notice: nobody is party
        # to a minerals action, nothing is announced
        if parties:
            mentioned |= parties
            evidence.setdefault("mentioned_countries", evidence.pop("parties"))
            parties = set()
        instrument = "none"
        evidence.pop("instrument", None)

    stages: set[str] = set()
    # an export control restricts trade; the stages it names or aims at are not activities it covers.
    # A text that announces nothing and has no party in its title or lead (market news, an explainer,
    # an opinion that cites a country's example further down) covers none.
    announces = instrument != "none" or (bool(parties) and any(index in head for index in party_segments))
    # a supply or offtake contract trades what others mine and refine: it covers no stage itself
    supply_deal = has_title and instrument in {"agreement", "mou"} and bool(SUPPLY_DEAL.search(segments[0]))
    # a national list names minerals and covers no stage
    national_list = instrument == "policy_list" and instrument_at is not None and bool(
        NATIONAL_LIST.search(segments[instrument_at]))
    # a stake or placement whose proceeds go to general purposes funds no stage
    general_purposes = instrument == "investment" and any(GENERAL_PURPOSES.search(s) for s in segments) and not any(
        _stage_hits(segments[index], is_title=has_title and index == 0) for index in head)
    if (minerals and instrument != "export_control" and announces and not supply_deal and not national_list
            and not general_purposes):
        stages = _covered_stages(segments, head, has_title, evidence)


    # --- cooperation ------------------------------------------------------------------------------
    is_cooperation, cooperation_cue = False, None
    if parties and on_topic and instrument not in UNILATERAL_INSTRUMENTS:
        cooperation_cue = _first(segments, lambda s: bool(_vocabulary()["cooperation"].search(s)))
        state_cue = _first(segments, lambda s: bool(_vocabulary()["state_cooperation"].search(s)))
        several = len(parties) >= 2 or bool(groups) or bool(state_cue and not NON_COOPERATION.search(state_cue))
        is_cooperation = several and (instrument in COOPERATIVE_INSTRUMENTS or cooperation_cue is not None)
    if is_cooperation:
        evidence["is_cooperation"] = evidence.get("instrument") or cooperation_cue or ""

    # --- date -----------------------------------------------------------------------------------
    published_date = _coerce_date(published)
    if published_date is not None:
        evidence["published_date"] = "(date given by the feed or page)"
    elif text.date_found is not None:
        published_date, evidence["published_date"] = text.date_found, text.date_line or ""
    else:
        for segment in segments:
            published_date = find_date(segment)
            if published_date is not None:
                evidence["published_date"] = segment
                break

    return {
        "parties": sorted(parties),
        "mentioned_countries": sorted(mentioned),
        "groups": groups,
        "minerals": sorted(minerals),
        "stages": [stage for stage in STAGES if stage in stages],
        "instrument": instrument,
        "is_cooperation": is_cooperation,
        "published_date": published_date.isoformat() if published_date else None,
        "evidence": evidence,
    }
