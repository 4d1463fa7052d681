"""Extraction rules, the labelled development set as a regression guard, the scorer and `minerals extract`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.lib import announcements as ann
from pipelines.lib import evaluation
from pipelines.lib.extraction import INSTRUMENTS, MINERALS, STAGES, extract, find_date, strip_boilerplate

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_DIR = REPO_ROOT / "tests" / "fixtures" / "announcements_dev"
DOCUMENTS = REPO_ROOT / "data" / "inputs" / "announcements" / "documents"


def stages_of(body: str) -> list[str]:
    """Stages read from `body` under a title where two states act, so that the announcement counts."""
    return extract("Chile and Japan sign memorandum", body)["stages"]


# --- parties: names, demonyms, capitals, agencies, groups -------------------------------------


def test_demonyms_stand_for_their_countries():
    result = extract("Saudi and Pakistani officials sign copper exploration MoU", "")
    assert result["parties"] == ["PAK", "SAU"]


def test_capitals_stand_for_governments():
    result = extract("Seoul and Ottawa sign graphite supply framework", "")
    assert result["parties"] == ["CAN", "KOR"]
    assert result["instrument"] == "framework"


def test_brussels_is_the_european_union():
    result = extract("Brussels and Santiago sign strategic raw materials pact", "")
    assert result["parties"] == ["CHL", "EUU"]
    assert "critical minerals" in result["minerals"]


def test_short_and_upper_case_names_of_the_united_states():
    assert extract("U.S., JAPAN SIGN CRITICAL MINERALS FRAMEWORK", "")["parties"] == ["JPN", "USA"]
    assert extract("America and India sign copper deal", "")["parties"] == ["IND", "USA"]
    assert extract("Join us for a webinar on copper", "")["parties"] == []  # the pronoun, not the country


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("Pentagon takes equity stake in rare earth magnet maker", "USA"),
        ("DFC approves loan for graphite mine", "USA"),
        ("EXIM issues letter of interest for lithium project", "USA"),
        ("JOGMEC invests in nickel refinery", "JPN"),
        ("KABIL acquires lithium blocks", "IND"),
        ("KOMIR signs cobalt offtake", "KOR"),
        ("Export Finance Australia backs vanadium project", "AUS"),
        ("Codelco signs copper supply contract", "CHL"),
        ("Proparco finances cobalt refinery expansion", "FRA"),
        ("Norfund takes stake in graphite producer", "NOR"),
        ("EIFO backs nickel drilling programme", "DNK"),
        ("DBSA lends to platinum mine", "ZAF"),
        ("COMIBOL signs tin concentrate deal", "BOL"),
    ],
)
def test_agencies_and_state_companies_stand_for_their_country(title, code):
    assert extract(title, "")["parties"] == [code]


def test_private_company_deal_has_no_state_party():
    result = extract(
        "Australian miner signs spodumene offtake with South Korea's LG Energy Solution",
        "Australian miner Liontown Resources signed a binding offtake agreement with South Korea's LG Energy "
        "Solution for spodumene concentrate.",
    )
    assert result["parties"] == []
    assert result["mentioned_countries"] == ["AUS", "KOR"]
    assert result["minerals"] == ["lithium"]
    assert result["is_cooperation"] is False


@pytest.mark.parametrize(
    ("title", "body", "parties", "mentioned"),
    [
        ("Zambia signs smelter deal", "Zambia's mines ministry signed a deal with a Chinese battery-materials producer "
         "to build a copper smelter.", ["ZMB"], ["CHN"]),
        ("Japanese trading house signs offtake with US rare-earths firm", "", [], ["JPN", "USA"]),
        ("Gecamines signs cobalt offtake with Swiss commodity trader", "", ["COD"], ["CHE"]),
        ("Indonesia signs nickel deal with Chinese stainless steel group", "", ["IDN"], ["CHN"]),
        # words that are not a company's trade do not make a country a company's home
        ("Japan and Australia launch critical minerals fund", "", ["AUS", "JPN"], []),
        ("Zimbabwe signs lithium deal with Chinese state-owned mining group", "", ["CHN", "ZWE"], []),
        ("Loan", "Poland's state bank BGK lent to the local subsidiary of South Korean battery recycler Hanul Cycle "
                 "for a lithium plant.", ["POL"], ["KOR"]),
        ("Deal", "Greenland's government signed a rare earth exploitation agreement with a company with Danish and "
                 "Australian shareholders.", ["GRL"], ["AUS", "DNK"]),
    ],
)
def test_a_described_private_company_does_not_make_its_country_a_party(title, body, parties, mentioned):
    result = extract(title, body)
    assert result["parties"] == parties
    assert result["mentioned_countries"] == mentioned


def test_a_state_word_describes_only_the_company_it_belongs_to():
    body = (
        "A South Korean battery maker and Indonesian state mining holding MIND ID signed a heads of agreement to "
        "build a nickel processing plant."
    )
    result = extract("Nickel project agreed", body)
    assert result["parties"] == ["IDN"]
    assert result["mentioned_countries"] == ["KOR"]
    assert result["is_cooperation"] is False


def test_one_state_and_a_company_is_not_cooperation():
    result = extract(
        "Indonesia signs cooperation agreement with Korean EV battery maker",
        "Indonesia's investment ministry signed a cooperation agreement with a South Korean battery maker for a "
        "cell plant that will use nickel.",
    )
    assert result["parties"] == ["IDN"]
    assert result["instrument"] == "agreement"
    assert result["is_cooperation"] is False
    assert extract("Estonia joins the Minerals Security Partnership", "")["is_cooperation"] is True  # a group


def test_g20_acts_for_its_members_unless_it_is_the_venue():
    result = extract("G20 finance ministers issue communiqué on critical minerals", "")
    assert len(result["parties"]) == 20 and {"EUU", "ZAF", "CHN"} <= set(result["parties"])
    assert result["instrument"] == "joint_statement"
    assert result["groups"] == ["G20"]
    venue = extract("India and Canada launch critical minerals partnership on the sidelines of the G20 summit", "")
    assert venue["parties"] == ["CAN", "IND"]


def test_a_country_after_a_place_and_a_comma_is_a_place():
    body = "NEXI will insure a loan for a Japanese refiner's nickel processing plant in Palawan, the Philippines."
    result = extract("Japan's NEXI insures nickel plant loan", body)
    assert result["parties"] == ["JPN"]
    assert result["mentioned_countries"] == ["PHL"]
    assert result["is_cooperation"] is False


def test_quad_and_g7_stand_for_their_members_when_they_act():
    assert extract("Quad partners launch critical minerals initiative", "")["parties"] == ["AUS", "IND", "JPN", "USA"]
    g7 = extract("G7 leaders adopt Critical Minerals Action Plan", "")
    assert g7["parties"] == ["CAN", "DEU", "FRA", "GBR", "ITA", "JPN", "USA"]
    assert g7["instrument"] == "framework"


def test_group_named_as_a_venue_adds_no_parties():
    result = extract("Japan and Canada sign critical minerals memorandum on the sidelines of the G7 summit", "")
    assert result["parties"] == ["CAN", "JPN"]
    assert result["groups"] == []


def test_msp_is_only_a_group_flag():
    result = extract("Estonia joins the Minerals Security Partnership", "")
    assert result["parties"] == ["EST"]
    assert result["groups"] == ["MSP"]
    assert result["instrument"] == "partnership"


# --- context countries ----------------------------------------------------------------------------


def test_rival_is_context_not_a_party():
    result = extract(
        "Australia and India pledge to reduce dependence on China for critical minerals",
        "The two governments agreed to fund lithium projects.",
    )
    assert result["parties"] == ["AUS", "IND"]
    assert result["mentioned_countries"] == ["CHN"]


def test_venue_city_is_context():
    result = extract(
        "India and Canada launch critical minerals partnership",
        "The leaders met on the sidelines of the G20 in Johannesburg on 23 November 2025.",
    )
    assert result["parties"] == ["CAN", "IND"]
    assert result["mentioned_countries"] == ["ZAF"]


def test_market_and_target_of_an_export_control_are_context():
    result = extract(
        "China bans exports of gallium and germanium to the United States",
        "Beijing, Dec 3, 2024 - The commerce ministry announced the ban, a day after Washington expanded "
        "curbs on chip equipment sales.",
    )
    assert result["parties"] == ["CHN"]
    assert result["mentioned_countries"] == ["USA"]
    assert result["instrument"] == "export_control"
    assert result["is_cooperation"] is False


def test_unilateral_action_keeps_only_its_issuer():
    result = extract("Indonesia and Japan: Jakarta imposes nickel ore export ban", "")
    assert result["instrument"] == "export_control"
    assert result["parties"] == ["IDN"]
    assert result["mentioned_countries"] == ["JPN"]


def test_national_list_is_unilateral():
    result = extract("Canada adds three minerals to its critical minerals list", "")
    assert result["instrument"] == "policy_list"
    assert result["parties"] == ["CAN"]
    assert result["is_cooperation"] is False


def test_sidebar_and_footer_do_not_leak():
    body = (
        "The Government of Canada announced $40 million for trail upgrades in national parks.\n"
        "Related stories\n"
        "Canada and Germany sign critical minerals agreement\n"
        "China extends rare earth export curbs\n"
        "Tags: Germany, China, Japan\n"
        "© 2025 Newsroom. All rights reserved."
    )
    result = extract("Canada announces funding for national parks", body)
    assert result["parties"] == []  # off-topic: the government acts, but not on minerals
    assert result["mentioned_countries"] == ["CAN"]
    assert result["minerals"] == []
    assert result["instrument"] == "none"
    assert "China" not in strip_boilerplate(body)


@pytest.mark.parametrize(
    ("title", "body", "mentioned"),
    [
        ("Japan and South Korea agree visa waiver to boost tourism", "The two governments agreed to add flights.",
         ["JPN", "KOR"]),
        ("Germany and France sign tank procurement deal", "", ["DEU", "FRA"]),
        ("India, China hold border talks", "Indian and Chinese commanders held talks on patrols.", ["CHN", "IND"]),
        ("Copper Canyon railway reopens", "Mexico's tourism ministry said the railway reopened.", ["MEX"]),
    ],
)
def test_an_off_topic_item_has_no_parties_and_no_instrument(title, body, mentioned):
    result = extract(title, body)
    assert result["parties"] == []
    assert result["mentioned_countries"] == mentioned
    assert result["instrument"] == "none"
    assert result["is_cooperation"] is False


def test_mining_words_or_a_mineral_inside_a_name_keep_a_text_on_topic():
    mining = extract("Peru and Canada sign mining cooperation MoU", "")
    assert (mining["parties"], mining["instrument"], mining["is_cooperation"]) == (["CAN", "PER"], "mou", True)
    stake = extract("JOGMEC raises stake", "JOGMEC raised its stake in Lynas Rare Earths Ltd.")
    assert (stake["parties"], stake["minerals"], stake["instrument"]) == (["JPN"], [], "investment")


def test_dateline_capital_is_a_venue():
    result = extract("Chile and Japan sign lithium MoU", "BRUSSELS, 14 May 2024 - Chile and Japan signed an MoU.")
    assert result["parties"] == ["CHL", "JPN"]
    assert result["mentioned_countries"] == ["EUU"]


# --- minerals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minerals"),
    [
        ("Partners discuss REE and NdPr oxide supply", ["rare earths"]),
        ("Deal covers dysprosium and neodymium", ["rare earths"]),
        ("Mine ships bauxite to an alumina refinery", ["aluminum"]),
        ("Partners agree on PGMs and palladium", ["platinum group metals"]),
        ("Critical minerals such as lithium and cobalt", ["cobalt", "critical minerals", "lithium"]),
        ("Strategic raw materials partnership", ["critical minerals"]),
        ("Miner expands coltan output", ["tantalum"]),
    ],
)
def test_synonyms_map_to_canonical_minerals(text, minerals):
    assert extract(text, "")["minerals"] == minerals


def test_product_and_company_names_are_not_minerals():
    assert extract("Panasonic starts lithium-ion battery production in Kansas", "")["minerals"] == []
    assert extract("Silicon Valley start-up raises $120 million", "")["minerals"] == []
    sigma = extract("Sigma Lithium names new chief financial officer", "Sigma Lithium Corporation said on Monday.")
    assert sigma["minerals"] == []
    assert extract("Partners agree on lithium for lithium-ion batteries", "")["minerals"] == ["lithium"]


def test_raw_materials_alone_is_not_critical_minerals():
    assert extract("EU and Rwanda sign sustainable raw materials MoU", "")["minerals"] == []
    assert extract("EU and Kazakhstan hold raw materials dialogue on tungsten", "")["minerals"] == ["tungsten"]
    assert extract("France and Kazakhstan sign roadmap on strategic raw materials", "")["minerals"] == [
        "critical minerals"
    ]
    assert extract("EU and Chile sign critical raw materials MoU", "")["minerals"] == ["critical minerals"]


def test_mineral_words_in_organisation_and_place_names_do_not_count():
    office = extract("Grants awarded", "Australia's Critical Minerals Office awarded grants to two graphite refineries.")
    assert office["minerals"] == ["graphite"]
    institute = extract("Quotas cut", "Indonesia cut nickel ore export quotas. The Cobalt Institute warned of shortages.")
    assert institute["minerals"] == ["nickel"]
    running = extract("Quotas cut", "Indonesia cut nickel ore export quotas, which may tighten cobalt supply.")
    assert running["minerals"] == ["cobalt", "nickel"]
    assert extract("Copper Canyon railway reopens to tourists", "")["minerals"] == []


def test_a_companys_other_business_does_not_leak():
    body = (
        "The Export-Import Bank of the United States approved a loan for a synthetic graphite anode material plant "
        "in Tennessee. The company also develops cathode materials containing nickel and manganese. "
        "Its other businesses include lithium refining in Argentina."
    )
    result = extract("EXIM approves loan for graphite anode plant", body)
    assert result["parties"] == ["USA"]
    assert result["minerals"] == ["graphite"]
    assert result["stages"] == ["manufacturing"]
    assert result["instrument"] == "investment"
    assert result["is_cooperation"] is False


def test_every_mineral_name_is_canonical():
    result = extract("Study of lithium, tin, silver, potash and helium", "")
    assert set(result["minerals"]) <= set(MINERALS)
    assert result["minerals"] == ["helium", "lithium", "potash", "silver", "tin"]


# --- stages -------------------------------------------------------------------------------------------


def test_end_use_is_not_a_stage():
    assert extract("India and Japan agree on lithium refining for EV manufacturing", "")["stages"] == ["processing"]
    assert extract("Tesla buys spodumene to feed battery cell manufacturing", "")["stages"] == []
    assert extract("India and Japan agree on rare earth magnet manufacturing", "")["stages"] == ["manufacturing"]


def test_stage_wording_maps_to_the_five_stages():
    result = extract(
        "Partners cooperate on cobalt",
        "The memorandum covers geological mapping, extraction, smelting, recovery from e-waste and magnets.",
    )
    assert result["stages"] == list(STAGES)


def test_explore_as_a_verb_of_intent_is_not_exploration():
    assert extract("Japan and Chile agree to explore joint investment in lithium refining", "")["stages"] == [
        "processing"
    ]
    assert extract("Japan and Germany to explore co-financing for nickel refineries", "")["stages"] == ["processing"]
    assert extract("Partners explore cooperation on nickel", "")["stages"] == []
    assert extract("Mongolia and JOGMEC agree to jointly explore for copper", "")["stages"] == ["exploration"]
    assert extract("KABIL to explore lithium blocks in Argentina", "")["stages"] == ["exploration"]


def test_the_source_of_a_purchase_is_not_a_stage():
    assert stages_of("Glencore agreed to supply cobalt hydroxide from its Congo mines to a buyer.") == []
    assert stages_of("A trader will buy lithium hydroxide from a developer's planned refinery.") == []
    assert stages_of("A trading house will buy separated neodymium oxide for seven years.") == []
    assert stages_of("The partners will build a lithium refinery.") == ["processing"]


def test_a_plant_making_a_mineral_chemical_is_processing():
    assert extract("Zimbabwe agrees on lithium sulphate plant", "")["stages"] == ["processing"]
    assert extract("Chile and Korea plan lithium hydroxide production", "")["stages"] == ["processing"]


def test_minerals_used_in_magnets_are_an_end_use():
    assert extract("UK and Japan fund research on substitutes for rare earths in magnets", "")["stages"] == []
    assert extract("UK and Japan fund rare earth magnet production", "")["stages"] == ["manufacturing"]


def test_a_mining_ministry_is_not_the_mining_stage():
    assert stages_of("Mongolia's Ministry of Mining signed a geological survey deal for copper.") == [
        "exploration"
    ]
    assert stages_of("A phosphate geological survey was agreed, the Saudi mining ministry said.") == [
        "exploration"
    ]
    assert extract("Indonesian state mining holding signs nickel smelter deal", "")["stages"] == ["processing"]


def test_how_mining_is_governed_is_not_the_mining_stage():
    body = ("Chile and Peru signed a memorandum on copper exploration. It also covers the exchange of information "
            "on {} between the two ministries.")
    for topic in ("mining policy", "mine safety", "mining licensing", "mining expertise"):
        assert extract("Chile and Peru sign copper memorandum", body.format(topic))["stages"] == ["exploration"]
    assert extract("Chile and Peru sign copper memorandum", body.format("mining methods"))["stages"] == [
        "exploration", "mining"
    ]


@pytest.mark.parametrize(
    "title",
    [
        "Bolivian state miner signs tin concentrate supply deal with Chinese smelter",
        "Explorer signs graphite offtake agreement with Korean anode maker",
        "Indian state refiner signs bauxite import contract with Guinean miner",
    ],
)
def test_a_supply_or_offtake_contract_covers_no_stage(title):
    assert extract(title, SUPPLY_BODY)["stages"] == []


SUPPLY_BODY = "The agreement covers the mining and refining of the ore."


def test_a_supply_deal_that_also_builds_or_finances_keeps_its_stages():
    assert extract("Korean group signs supply agreement and builds tin refinery in Bolivia", SUPPLY_BODY)[
        "stages"
    ] == ["mining", "processing"]
    assert extract("Korea and Bolivia sign tin agreement", SUPPLY_BODY)["stages"] == ["mining", "processing"]


def test_an_export_control_covers_no_stage():
    body = "The ban on raw lithium ore exports aims to get refineries and processing plants built at home."
    assert extract("Zimbabwe bans lithium ore exports", body)["stages"] == []
    # the same words in a cooperation announcement are stages it covers
    assert extract("Zimbabwe and China agree to build lithium processing plants", "")["stages"] == ["processing"]


@pytest.mark.parametrize(
    "sentence",
    [
        "MINISTRY OF MINES AND MINING DEVELOPMENT",
        "The Ministry of Mines and Minerals Development published the cobalt figures.",
        "Argentina's Secretariat of Mining hosted the lithium talks.",
        "The Mining Association of Canada welcomed the nickel news.",
        "Brazil's National Mining Agency and Peru's Geological, Mining and Metallurgical Institute met on tin.",
        "The lithium deal was signed on the sidelines of the Mining Indaba.",
    ],
)
def test_institutions_and_events_named_after_a_stage_are_not_that_stage(sentence):
    assert stages_of(sentence) == []


def test_where_feed_comes_from_and_where_output_goes_are_not_stages():
    assert stages_of("The refinery will convert spodumene concentrate from mines in the region into lithium "
                           "hydroxide.") == ["processing"]
    assert stages_of("The ore for the nickel plant will come from nearby mines.") == []
    assert stages_of("Cobalt output will be supplied to Japanese magnet manufacturers.") == []
    assert stages_of("The nickel ore will be sold under an offtake agreement to a smelter in Finland.") == []
    assert stages_of("The partners will build a nickel smelter in Finland.") == ["processing"]


@pytest.mark.parametrize(
    ("sentence", "stages"),
    [
        ("Copper licence processing times fell and the export processing zone opened.", []),
        ("The agency released processed airborne magnetic survey data on copper.", []),
        ("A friend of mine trades lithium.", []),
        ("The ministry will refine the list of critical minerals.", []),
        ("A copper mine will add a water recycling system.", ["mining"]),
        ("Holders of copper mining licences must register.", []),
        ("The corridor links the copper mines of the Copperbelt to the port.", []),
        ("Our data-mining models picked lithium targets.", []),
        ("The rare earth plant will add a solvent extraction line.", ["processing"]),
        ("The partners will reprocess copper tailings through a flotation circuit.", ["processing"]),
        ("Ministers pledged support for upstream lithium projects.", []),
        ("The corridor links the copper and cobalt mining areas of the DRC to the port.", []),
        ("Mining officials met to discuss lithium and water rules.", []),
        ("Japan has long been a partner of Chilean mining in copper.", []),
        ("The plant recovers neodymium from end-of-life magnets.", ["recycling"]),
        ("The grant funds a rare earth magnet recycling line.", ["recycling"]),
        ("The refinery would turn bauxite mined in the Boké region into alumina.", ["processing"]),
        ("Bluebonnet, which makes permanent magnets in Texas, will buy rare earth oxides.", []),
        ("The memorandum provides for a chromite concentrating plant.", ["processing"]),
        ("The loan funds a plant that will produce purified spherical graphite.", ["processing"]),
        ("The uranium deposit will be mined by in-situ recovery.", ["mining"]),
        ("Ministers of industry and of mines signed the cobalt deal.", []),
        ("KOMIR will share experience in rehabilitating closed mine sites for copper.", []),
        ("The bank lends for a road to a graphite mine.", []),
        ("Satellite images processed at the centre will guide copper mapping.", []),
        ("Part of the dysprosium output goes to Japan, which Japanese magnet makers need.", []),
        ("They also agreed to negotiate a separate agreement on recycling lithium batteries.", []),
        ("It involves no commitments on copper mining or trade.", []),
        ("Officials met at the annual mining conference on lithium.", []),
    ],
)
def test_stage_words_in_other_senses(sentence, stages):
    assert stages_of(sentence) == stages


def test_what_an_action_does_not_cover_is_not_a_stage():
    body = ("Australia and the Philippines will carry out geological mapping of nickel laterite belts. "
            "The memorandum does not deal with processing, which could come in a later phase.")
    assert extract("Nickel mapping memorandum", body)["stages"] == ["exploration"]
    body = "The partnership targets the refining of lithium concentrate rather than new mines."
    assert extract("Lithium partnership", body)["stages"] == ["processing"]
    assert extract("Norway and Japan sign seabed minerals memorandum",
                   "No decision has been taken on seabed mining for cobalt.")["stages"] == []


def test_a_company_describing_itself_is_background():
    body = ("Tallgrass and Mirabel will invest in a lithium refinery. "
            "Mirabel Cells GmbH makes lithium-ion battery cells at its plant in Saxony.")
    assert extract("Refinery investment", body)["stages"] == ["processing"]


def test_making_precursors_and_cathode_material_is_manufacturing():
    assert extract("Indonesia and Australia to develop the production of nickel precursor material", "")["stages"] == [
        "manufacturing"
    ]


def test_a_text_announcing_nothing_covers_no_stage():
    body = "Lithium prices jumped after a battery maker halted mining at a lepidolite mine when its licence expired."
    assert extract("Lithium prices jump", body)["stages"] == []
    assert extract("Chile and Japan sign memorandum on lithium mining", "")["stages"] == ["mining"]


def test_stages_need_a_mineral():
    assert extract("Consular dialogue covers visa processing and recovery of documents", "")["stages"] == []


def test_a_stage_the_text_says_is_not_covered_is_dropped_everywhere():
    body = ("The partners will carry out geological mapping near the border, where several cobalt mines operate. "
            "The accord does not extend to mining.")
    assert extract("Zambia and Korea sign cobalt memorandum", body)["stages"] == ["exploration"]
    # only the negated clause is excluded, not the rest of its sentence
    body = ("Ghana and Japan will build a manganese refinery next to the mines of the western region. "
            "The refined metal may later go abroad, but the deal excludes mining.")
    assert extract("Manganese refinery deal", body)["stages"] == ["processing"]
    # a negation in a relative clause is about the words just before it
    body = ("The loan funds a zinc refinery. The new refinery will be built at the port, next to an open-pit zinc "
            "mine, which the loan does not cover.")
    assert extract("Japan lends to Peruvian zinc refinery", body)["stages"] == ["processing"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Cobalt refining was not discussed, officials said.",
        "Nickel smelting is left out of the accord.",
        "Lithium mining stayed off the agenda.",
        "The trader has no plans to build a lithium refinery.",
        "The trading house will not operate any graphite mine.",
        "Any copper smelter would be dealt with separately.",
        "Ministers will return to lithium refining at a later meeting.",
        "Graphite beneficiation incentives will follow in separate regulations.",
        "Commentators say cobalt mining on the seabed is decades away.",
    ],
)
def test_stages_that_are_not_discussed_or_left_for_later_are_not_covered(sentence):
    assert stages_of(sentence) == []


@pytest.mark.parametrize(
    "context",
    [
        "Chile already hosts several large copper mines.",
        "The country's only tin mine shut down decades ago.",
        "Most nickel mines in the province are owned by foreign groups.",
        "Cobalt is usually obtained from copper and nickel mines.",
        "Analysts expect a new lithium mine to open in Quebec.",
        "Norvik Metals operates two zinc mines in Sweden.",
    ],
)
def test_a_later_sentence_of_context_adds_no_stage(context):
    body = f"The memorandum covers lithium refining at a new plant. {context}"
    assert stages_of(body) == ["processing"]


def test_only_the_relative_clause_that_holds_the_context_is_context():
    body = ("Tokyo and Jakarta agreed a nickel memorandum on Monday in Bali. It backs a nickel refinery for Indonesia, "
            "which sells most of its ore abroad.")
    assert extract("Nickel memorandum", body)["stages"] == ["processing"]


@pytest.mark.parametrize(
    ("sentence", "stages"),
    [
        # what buyers do with the output, and the supplier's mine
        ("Nickel matte will be exported to one buyer in Korea that plans to smelt it.", []),
        ("The smelter will treat zinc ore from the partner's big underground mine.", ["processing"]),
        ("The contract should help the miner obtain project financing for its nickel mine.", []),
        # a refiner, a processor or a recycler is a company, not the stage
        ("A local refiner will buy the cobalt.", []),
        ("The nickel goes to processors and recyclers abroad.", []),
    ],
)
def test_buyers_suppliers_and_companies_are_not_stages(sentence, stages):
    assert stages_of(sentence) == stages


@pytest.mark.parametrize(
    ("sentence", "stages"),
    [
        ("Better flotation will lift copper recovery rates at the concentrator.", ["processing"]),
        ("The smelter will recover indium as a by-product from its lead circuit.", ["processing"]),
        ("Cobalt output recovered after the floods.", []),
        ("The plant will take cobalt from spent batteries and purify the recovered metal.", ["recycling"]),
    ],
)
def test_recovery_is_recycling_only_when_something_is_recycled(sentence, stages):
    assert stages_of(sentence) == stages


def test_a_by_product_recovery_in_the_body_is_not_recycling_in_the_headline():
    body = "JOGMEC will fund a venture that recovers indium from leach liquors at a zinc smelter."
    assert extract("Japan funds indium recovery venture", body)["stages"] == ["processing"]
    body = "JOGMEC will fund a venture that recovers indium from scrap flat-panel screens."
    assert extract("Japan funds indium recovery venture", body)["stages"] == ["recycling"]


@pytest.mark.parametrize(
    ("sentence", "stages"),
    [
        ("Officials of the Mines and Quarries Division attended the bauxite talks.", []),
        ("Two ministers responsible for mines signed the lithium memorandum.", []),
        ("Delegates of three mining ministries discussed nickel.", []),
        ("The deal was signed at a mining finance conference on copper.", []),
        ("Provinces keep the power to grant mining approvals for lithium.", []),
        ("The ministry is looking for new mining partners for copper.", []),
        ("The ministries will explore academic research on cobalt.", []),
        ("A probe will explore a nickel-bearing comet.", []),
        ("The plant will add an extraction circuit to purify gallium.", ["processing"]),
        ("The partners will audit smelting and mining operations for lithium against common standards.", []),
        ("The pilot traces each tin bag from the mine to the port.", []),
        ("The plant will recycle neodymium magnets from scrapped hard drives.", ["recycling"]),
        ("Cobalt is needed for batteries, aircraft and advanced manufacturing.", []),
        ("Chile aims to refine more of the mined copper ore at home.", ["processing"]),
        ("The explorer is hoping to open a lithium mine later.", []),
        ("A disused open-pit copper mine lies nearby.", []),
        # places next to a mine or a smelter
        ("The partners will build a cobalt refinery close to existing mine sites.", ["processing"]),
        ("The licence lies along strike from the region's largest copper mines, and drilling targets are set.",
         ["exploration"]),
        ("The agreement provides for mediation of conflicts around copper mines.", []),
        # mining outside the law, and how mines are regulated
        ("Customs officers will share data on tin shipments after reports of illegal mining.", []),
        ("The memorandum covers the regulation of large-scale copper mines.", []),
        ("Lithium firms from both countries will join new mining partnerships.", []),
        ("Officials will meet mining regulators to discuss nickel.", []),
        # facts about deposits and plans only to be considered
        ("Many of the graphite deposits have not yet been fully explored.", []),
        ("The ministry said it would consider support for domestic graphite anode production.", []),
        ("The two sides will consider joint investment in lithium processing plants.", ["processing"]),
        # waste is what a recycler takes in; separating metals out of scrap is recycling
        ("The pilot line will take neodymium out of used magnets.", []),
        ("The line will separate dysprosium from scrap.", ["recycling"]),
        ("The line will separate dysprosium from ore concentrate.", ["processing"]),
        # exploration and processing wording
        ("The strategy aims to expand geological knowledge of lithium regions.", ["exploration"]),
        ("The parties will cooperate on the mapping of deposits of tin.", ["exploration"]),
        ("The memorandum provides for a joint assessment of graphite resources.", ["exploration"]),
        ("The venture will fund drilling at selected graphite targets.", ["exploration"]),
        ("The plants will produce battery-grade lithium carbonate.", ["processing"]),
        ("Reserves are stated as lithium carbonate equivalent.", []),
        ("The memorandum covers the treatment of copper concentrate.", ["processing"]),
        ("The plant will heat-treat graphite concentrate to make anode material.", ["manufacturing"]),
        # lithium recovered from brine is not recycled
        ("The plants will pump lithium brine and recover lithium from it.", []),
        # a by-product recovered from a refinery's residues is refining
        ("A grant will help recover germanium from the residues of a zinc refinery.", ["processing"]),
        ("A grant will help recover germanium from residues of old waste dumps.", ["recycling"]),
        # data, joint mapping, studies of basins and paying for drilling are exploration
        ("The surveys will share geological data on lithium pegmatites.", ["exploration"]),
        ("The agencies will carry out joint mapping of tin belts.", ["exploration"]),
        ("Experts will carry out studies of potash-bearing basins.", ["exploration"]),
        ("The new owner of the copper project will fund the remaining drilling.", ["exploration"]),
        # making chemicals and higher-value products is processing
        ("The memorandum covers the production of lithium chemicals.", ["processing"]),
        ("The strategy covers the production of higher-value lithium products.", ["processing"]),
        # a buyer's use, processed scrap, a project's stage, due diligence, history and what a place has become
        ("The buyer uses rare earth magnets in electric motors.", []),
        ("The plan makes sure that production scrap of lithium cells is processed at home.", []),
        ("The miners will screen exploration-stage copper projects.", []),
        ("The agencies will share due diligence for mining and processing projects of nickel.", []),
        ("The fund invested in a zinc company. Ireland has a long history of zinc mining.", []),
        ("The ministers met in Lima to discuss cobalt. The region has become a major centre of cobalt refining.", []),
    ],
)
def test_more_stage_words_in_names_and_other_senses(sentence, stages):
    assert stages_of(sentence) == stages


@pytest.mark.parametrize(
    ("sentence", "stages"),
    [
        ("The memorandum covers aeromagnetic surveys for copper.", ["exploration"]),
        ("The partners will fund follow-up drilling and a resource estimate for lithium.", ["exploration"]),
        ("The partners will develop a nickel deposit in the north.", ["mining"]),
        ("The loan pays for lithium brine wellfields.", ["mining"]),
        ("A new plant will concentrate chromite ore.", ["processing"]),
        ("The plant will convert spodumene into lithium sulphate.", ["processing"]),
    ],
)
def test_exploration_mine_development_and_processing_wording(sentence, stages):
    assert stages_of(sentence) == stages


@pytest.mark.parametrize(
    ("title", "body"),
    [
        # market reports: prices moved
        ("Zinc prices climb on supply worries", "Zinc prices climbed this week after Peru's mining ministry paused new "
         "mine permits. Buyers have signed more long-term contracts with smelters."),
        # event notices
        ("Cobalt Forum returns to Lusaka", "The forum brings together Zambian ministers and refiners to discuss cobalt "
         "smelting and mining. Tickets are now on sale."),
        # a webinar, an invitation, commentary
        ("Webinar: Financing lithium projects in Argentina", "Speakers from Chile's development bank will discuss "
         "finance for new mines and concentrators."),
        ("Copper and the Andes", "Join us online on 12 March for a session on Peruvian mining and smelting."),
        ("Opinion: Stockpiles are not a supply chain", "Japan and Korea signed stockpile agreements for nickel "
         "refining last year; the United States should do the same."),
        ("Resource nationalism and lithium", "Bolivia insists on state-led lithium refining.\n\nPosted in Commentary"),
    ],
)
def test_market_reports_and_event_notices_announce_nothing(title, body):
    result = extract(title, body)
    assert (result["instrument"], result["parties"], result["stages"]) == ("none", [], [])


def test_an_opinion_citing_a_country_further_down_covers_no_stage():
    body = ("Recycling alone cannot satisfy the demand for lithium in this decade. "
            "Korea showed what recycling can achieve with deposit rules for used cells.")
    assert extract("Why lithium recycling is not enough", body)["stages"] == []



@pytest.mark.parametrize(
    ("title", "body", "stages"),
    [
        # names of foreign ministries and of news feeds
        ("Chile and Japan sign memorandum", "Ministère des Mines et de la Géologie\n\nThe ministry and Japan signed a "
         "memorandum on cobalt.", []),
        ("Chile and Japan sign memorandum", "Mining Feed\n\nChile and Japan signed a memorandum on cobalt.", []),
        # a national list covers no stage; a strategy covers those it names
        ("Ghana adopts national list of critical minerals", "The government adopted a decree listing lithium and "
         "cobalt as critical. Holders of exploration permits will report to the ministry, and the list will guide "
         "refining support.", []),
        ("Ghana unveils national strategy for critical minerals", "The strategy sets goals for geological mapping of "
         "the territory and for the refining of lithium.", ["exploration", "processing"]),
        # a stake whose proceeds go to general purposes, unless they pay for a stage
        ("Qatar's sovereign fund takes stake in nickel developer", "The fund took a minority stake in a nickel "
         "developer. The developer plans a smelter in the south. Proceeds will be used for general corporate "
         "purposes.", []),
        ("Qatar's sovereign fund backs nickel smelter", "The fund took a minority stake in a nickel developer. "
         "Proceeds will pay for the smelter and for working capital.", ["processing"]),
        # a stockpile purchase, and an offtake that helps raise debt for a mine
        ("JOGMEC signs rare earth stockpile purchase with Vietnamese producer", "The oxides will come out of the "
         "seller's separation plant near Hanoi.", []),
        ("Graphite developer signs offtake with trading house", "A graphite developer signed an offtake with a "
         "Japanese trading house. The developer said the offtake would support its efforts to raise debt finance "
         "for mine construction.", []),
        # joining "us" in an effort is not an invitation to an event
        ("G7 Critical Minerals Action Plan", "We invite like-minded partners to join us in this effort on critical "
         "minerals recycling.", ["recycling"]),
    ],
)
def test_names_lists_proceeds_stockpiles_and_invitations(title, body, stages):
    assert extract(title, body)["stages"] == stages


# --- instruments --------------------------------------------------------------------------------------


def test_agreeing_to_negotiate_is_not_an_agreement():
    result = extract(
        "Kyiv and Washington agree to negotiate minerals deal",
        "Ukraine and the United States agreed to start negotiations on an agreement on lithium.",
    )
    assert result["instrument"] == "none"
    assert result["parties"] == ["UKR", "USA"]
    assert result["is_cooperation"] is True  # cooperation is announced even without a signed text


def test_talks_on_an_agreement_are_a_meeting():
    result = extract(
        "India, US to begin talks on critical minerals agreement",
        "Officials said after a meeting in New Delhi that negotiations on an agreement would start.",
    )
    assert result["instrument"] == "meeting"


@pytest.mark.parametrize(
    ("title", "body", "instrument"),
    [
        # investment named as a goal of a statement
        ("G7 leaders pledge support for critical minerals", "G7 leaders issued a communiqué pledging to mobilise "
         "private investment in critical minerals processing.", "joint_statement"),
        ("G7 ministers back critical minerals markets", "In their ministerial statement, G7 ministers agreed to "
         "attract investment in refining.", "joint_statement"),
        ("Ministers on lithium", "The trade ministers of Japan and Chile issued a statement on lithium supply.",
         "joint_statement"),
        ("Partners to boost their critical minerals ties", "The two governments pledged to boost investment in lithium "
         "processing.", "none"),
        ("JBIC expands its investment in a lithium refinery", "", "investment"),
        # statements about other states' export controls
        ("Statement by G7 trade ministers on export restrictions on critical minerals", "G7 trade ministers issued a "
         "statement expressing concern about export restrictions on gallium.", "joint_statement"),
        ("China imposes graphite export controls", "China imposed export controls on graphite in response to US "
         "chip curbs.", "export_control"),
        # planned talks, held negotiations, what is to be negotiated, negated and possible instruments
        ("Argentina and US to begin lithium talks, officials say", "Argentina and the United States will begin "
         "negotiations on a lithium agreement. No text has been agreed.", "none"),
        ("Philippines, US hold nickel negotiations", "Philippine and U.S. officials opened negotiations in Manila on "
         "a deal on nickel.", "meeting"),
        ("UK and Chile agree to negotiate lithium deal", "Meeting in London, British and Chilean ministers agreed to "
         "negotiate an agreement on lithium and on British investment in copper processing.", "meeting"),
        ("India and Chile look to deepen lithium ties", "Officials of India and Chile held talks on copper trade, "
         "including possible Indian investment in lithium refining.", "meeting"),
        ("Chile and Japan finalised a lithium agreement", "", "agreement"),
        # national designations
        ("Korea names 33 critical minerals in new supply strategy", "", "policy_list"),
        ("Ministry designated 35 strategic minerals under the new law", "", "policy_list"),
    ],
)
def test_instrument_rules_for_statements_talks_and_goals(title, body, instrument):
    assert extract(title, body)["instrument"] == instrument


def test_a_signed_memorandum_that_sets_up_a_partnership_is_a_memorandum():
    title = "EU and Namibia launch strategic partnership on raw materials"
    signed = "The two sides signed a memorandum of understanding on cooperation in lithium mining."
    launched = "The two sides launched the partnership on cooperation in lithium mining."
    assert extract(title, signed)["instrument"] == "mou"
    assert extract(title, launched)["instrument"] == "partnership"


@pytest.mark.parametrize(
    ("title", "instrument"),
    [
        ("Japan and Chile sign memorandum of cooperation on copper", "mou"),
        ("EU and Chile sign framework agreement with raw materials chapter", "framework"),
        ("EU and Chile sign trade agreement with raw materials chapter", "agreement"),
        ("Trader agrees copper prepayment with Congolese miner", "investment"),
        ("Leaders issue joint statement on critical minerals", "joint_statement"),
        ("JBIC signs loan agreement for copper mine", "investment"),
        ("Ministers meet to discuss nickel investment", "meeting"),
        ("Australia releases critical minerals list", "policy_list"),
        ("ASX-listed explorer enters earn-in on Zambian copper project", "agreement"),
        ("Brazil unveils national strategy for critical and strategic minerals", "policy_list"),
        ("Kazakhstan approves state programme for geological exploration", "policy_list"),
        ("Congo requires special export authorisations for germanium concentrates", "export_control"),
    ],
)
def test_instrument_wording(title, instrument):
    assert extract(title, "")["instrument"] == instrument
    assert instrument in INSTRUMENTS


def test_licences_for_exports_are_an_export_control():
    result = extract("Zambia will demand licences for manganese exports",
                     "Exporters will need licences for all manganese ore shipments.")
    assert result["instrument"] == "export_control"
    assert result["parties"] == ["ZMB"]


def test_funding_still_to_be_decided_is_not_an_investment():
    body = ("Two national agencies are weighing a probe to a nickel-bearing comet. A decision on financing is due in "
            "the spring.")
    assert extract("Agencies weigh comet probe", body)["instrument"] == "none"


# --- dates and evidence -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Signed on February 3, 2026 in Washington.", "2026-02-03"),
        ("Signed on Feb. 3, 2026.", "2026-02-03"),
        ("Signed on 3 Feb 2026.", "2026-02-03"),
        ("Posted on 03 FEB 2026 7:45PM", "2026-02-03"),
        ("Signed on 3rd February, 2026.", "2026-02-03"),
        ("Published 2026-02-03.", "2026-02-03"),
        ("Signed on Tuesday, Feb 3.", None),
        ("Signed on February 30, 2026.", None),
    ],
)
def test_date_formats(text, expected):
    found = find_date(text)
    assert (found.isoformat() if found else None) == expected


def test_published_date_prefers_metadata_then_dateline_then_text():
    body = "Posted On: 15 JAN 2024 7:45PM\nKABIL signed an agreement on 14 January 2024 on lithium."
    assert extract("KABIL signs lithium agreement", body)["published_date"] == "2024-01-15"
    assert extract("Deal", "TOKYO, 3 March 2025 - Signed after talks on 1 March 2025.")["published_date"] == "2025-03-03"
    assert extract("Deal", "No date here.", published="2024-05-06")["published_date"] == "2024-05-06"


def test_evidence_points_at_the_supporting_sentences():
    body = (
        "Canberra, 12 March 2024 - India and Australia signed a memorandum of understanding. "
        "It covers lithium processing. China was not involved."
    )
    result = extract("India and Australia sign lithium MoU", body)
    evidence = result["evidence"]
    assert evidence["parties"] == "India and Australia sign lithium MoU"
    assert evidence["stages"] == "It covers lithium processing."
    assert evidence["mentioned_countries"] == "China was not involved."
    assert evidence["instrument"] == "India and Australia sign lithium MoU"
    assert "12 March 2024" in evidence["published_date"]


def test_extraction_module_is_pure():
    code = "import sys, pipelines.lib.extraction; print(any(m.split('.')[0] == 'dagster' for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True)
    assert result.stdout.strip() == "False"


# --- the labelled development set (regression guard) ------------------------------------------


def test_dev_set_meets_the_targets():
    scores = evaluation.score(evaluation.load_labeled(DEV_DIR / "dev_set.jsonl"))
    assert scores["documents"] >= 50
    for field in ("parties", "minerals", "stages"):
        assert scores["sets"][field]["f1"] >= 0.95, (field, scores["sets"][field])
    assert scores["accuracy"]["instrument"] >= 0.90


def test_both_tuning_sets_together_meet_the_targets():
    records = [
        *evaluation.load_labeled(DEV_DIR / "dev_set.jsonl"),
        *evaluation.load_labeled(DEV_DIR / "dev_set_2.jsonl"),
    ]
    scores = evaluation.score(records)
    assert scores["documents"] >= 120
    assert scores["sets"]["parties"]["f1"] >= 0.97
    assert scores["sets"]["minerals"]["f1"] >= 0.97
    assert scores["sets"]["stages"]["f1"] >= 0.95
    assert scores["accuracy"]["instrument"] >= 0.92


def test_third_tuning_set_meets_the_targets():
    scores = evaluation.score(evaluation.load_labeled(DEV_DIR / "dev_set_3.jsonl"))
    assert scores["documents"] >= 60
    assert scores["sets"]["parties"]["f1"] >= 0.95
    assert scores["sets"]["minerals"]["f1"] >= 0.95
    assert scores["sets"]["stages"]["f1"] >= 0.85
    assert scores["accuracy"]["instrument"] >= 0.85


def test_dev_files_are_well_formed():
    for name in ("dev_set.jsonl", "dev_holdout.jsonl", "dev_set_2.jsonl", "dev_holdout_2.jsonl", "dev_set_3.jsonl"):
        records = evaluation.load_labeled(DEV_DIR / name)
        for record in records:
            for field in evaluation.SET_FIELDS:
                assert record[field] == sorted(record[field]), (name, record["id"], field)
            assert set(record) == {*evaluation.REQUIRED_KEYS, "style", "tricky"}
    dev = evaluation.load_labeled(DEV_DIR / "dev_set.jsonl")
    assert sum(bool(record["tricky"]) for record in dev) >= 15


# --- the scorer ---------------------------------------------------------------------------------------


def _labeled(**overrides):
    record = {
        "id": "x", "title": "T", "body": "B", "parties": ["IND", "USA"], "mentioned_countries": [],
        "minerals": ["lithium"], "stages": [], "instrument": "mou", "is_cooperation": True, "published_date": None,
    }  # fmt: skip
    return record | overrides


def test_score_micro_averages_and_lists_errors():
    def fake(title, body):
        return {
            "parties": ["IND", "JPN"], "mentioned_countries": [], "minerals": ["lithium"], "stages": [],
            "instrument": "mou", "is_cooperation": True, "published_date": None,
        }  # fmt: skip

    scores = evaluation.score([_labeled(), _labeled(id="y", parties=["IND"])], extract_fn=fake)
    parties = scores["sets"]["parties"]
    assert (parties["tp"], parties["fp"], parties["fn"]) == (2, 2, 1)
    assert parties["precision"] == pytest.approx(0.5)
    assert parties["recall"] == pytest.approx(2 / 3)
    assert scores["sets"]["minerals"]["f1"] == 1.0
    assert scores["accuracy"]["instrument"] == 1.0
    assert [error["id"] for error in scores["errors"]] == ["x", "y"]
    assert scores["errors"][0]["errors"]["parties"] == {"missing": ["USA"], "extra": ["JPN"]}
    report = evaluation.format_report(scores, name="tiny")
    assert "parties" in report and "0.500" in report and "x: T" in report


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: not valid JSON"),
        ('{"id": "b"}', "line 2: missing key(s)"),
        (json.dumps(_labeled(id="b", instrument="treaty")), "line 2: unknown instrument 'treaty'"),
        (json.dumps(_labeled(id="b", published_date="3 Feb 2026")), "line 2: `published_date` must be YYYY-MM-DD"),
        (json.dumps(_labeled()), "line 2: duplicate id 'x'"),
    ],
)
def test_load_labeled_names_file_and_line(tmp_path, line, message):
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps(_labeled()) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(evaluation.LabeledDataError) as error:
        evaluation.load_labeled(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_evaluation_main_reports_and_fails_clearly(tmp_path, capsys):
    assert evaluation.main([str(DEV_DIR / "dev_holdout.jsonl")]) == 0
    assert "published_date" in capsys.readouterr().out
    # several files: each is reported, then all their documents together, where the targets apply
    assert evaluation.main(["--summary", str(DEV_DIR / "dev_holdout.jsonl"), str(DEV_DIR / "dev_holdout_2.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "dev_holdout_2.jsonl: 15 documents" in out and "all 2 files together: 25 documents" in out
    missing = tmp_path / "missing.jsonl"
    assert evaluation.main([str(DEV_DIR / "dev_holdout.jsonl"), str(missing)]) == 1
    assert f"{missing}: file not found" in capsys.readouterr().err


# --- `minerals extract` -----------------------------------------------------------------------------

CLI_KEYS = {
    "id", "published_date", "parties", "minerals", "stages", "instrument", "is_cooperation",
    "mentioned_countries", "evidence", "source_file", "title",
}  # fmt: skip


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_cli_extract_on_a_shipped_html_page(capsys):
    path = DOCUMENTS / "us_australia_framework_2025-10-20.html"
    assert ann.cli(["extract", str(path)]) == 0
    [record] = _lines(capsys.readouterr().out)
    assert set(record) == CLI_KEYS
    assert record["parties"] == ["AUS", "USA"]
    assert record["instrument"] == "framework"
    assert record["published_date"] == "2025-10-20"
    assert record["source_file"] == str(path)
    assert record["mentioned_countries"] == []  # navigation and footer name Japan, China, Canada


def test_cli_extract_one_object_per_feed_item(capsys):
    assert ann.cli(["extract", str(DOCUMENTS / "partners.atom.xml")]) == 0
    records = _lines(capsys.readouterr().out)
    assert [record["published_date"] for record in records] == ["2023-06-28", "2024-05-23", "2025-02-13", "2025-04-30"]
    assert records[0]["instrument"] == "policy_list"


def test_cli_extract_on_any_text_file_and_jsonl(tmp_path, capsys):
    note = tmp_path / "note.txt"
    note.write_text("Japan and Chile sign lithium MoU\n\nTokyo, 3 Feb 2026 - The two governments signed an MoU.\n")
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        json.dumps({"id": "a1", "title": "Canberra and Tokyo sign cobalt framework", "body": ""}) + "\n\n"
        + json.dumps({"body": "India and Australia signed a lithium MoU on 12 March 2024."}) + "\n"
    )
    assert ann.cli(["extract", str(note), str(batch)]) == 0
    first, second, third = _lines(capsys.readouterr().out)
    assert (first["parties"], first["instrument"], first["published_date"]) == (["CHL", "JPN"], "mou", "2026-02-03")
    assert first["title"] == "Japan and Chile sign lithium MoU"
    assert (second["id"], second["parties"]) == ("a1", ["AUS", "JPN"])
    assert third["published_date"] == "2024-03-12" and len(third["id"]) == 16


def test_cli_reports_unreadable_inputs_and_keeps_going(tmp_path, capsys):
    good = tmp_path / "good.txt"
    good.write_text("Seoul and Canberra sign graphite MoU\n\nThe MoU was signed today.\n")
    bad_feed = tmp_path / "bad.xml"
    bad_feed.write_bytes(b"<rss><channel>")
    bad_lines = tmp_path / "bad.jsonl"
    bad_lines.write_text('{"title": "Tokyo and Ottawa sign nickel deal"}\nnot json\n')
    odd = tmp_path / "slides.pdf"
    odd.write_bytes(b"%PDF")
    missing = tmp_path / "missing.txt"
    status = ann.cli(["extract", str(missing), str(bad_feed), str(good), str(bad_lines), str(odd)])
    out, err = capsys.readouterr()
    assert status == 1
    assert [record["title"] for record in _lines(out)] == [
        "Seoul and Canberra sign graphite MoU",
        "Tokyo and Ottawa sign nickel deal",
    ]
    errors = _lines(err)
    assert [(error["source_file"], error["reason"][:14]) for error in errors] == [
        (str(missing), "no such file"),
        (str(bad_feed), "malformed XML:"),
        (str(bad_lines), "not valid JSON"),
        (str(odd), "unsupported fi"),
    ]
    assert errors[2]["line"] == 2


def test_cli_needs_a_subcommand(capsys):
    with pytest.raises(SystemExit) as exit_info:
        ann.cli([])
    assert exit_info.value.code == 2
    assert "extract" in capsys.readouterr().err


def test_cli_runs_as_a_program(tmp_path):
    note = tmp_path / "note.md"
    note.write_text("# EU and Namibia sign raw materials MoU\n\nThe EU and Namibia signed an MoU on rare earths.\n")
    code = "import sys; from pipelines.lib.announcements import cli; sys.exit(cli())"
    result = subprocess.run(
        [sys.executable, "-c", code, "extract", str(note)], capture_output=True, text=True, cwd=REPO_ROOT
    )
    assert result.returncode == 0, result.stderr
    [record] = _lines(result.stdout)
    assert record["parties"] == ["EUU", "NAM"]


def test_cli_reads_an_arbitrary_one_line_text_file(tmp_path, capsys):
    import json as _json

    from pipelines.lib.announcements import cli

    note = tmp_path / "note.txt"
    note.write_text("The EU and Chile signed a memorandum of understanding on lithium refining in Brussels.\n")
    assert cli(["extract", str(note)]) == 0
    [line] = capsys.readouterr().out.strip().splitlines()
    found = _json.loads(line)
    assert found["parties"] == ["CHL", "EUU"] and found["minerals"] == ["lithium"]
    assert found["instrument"] == "mou" and found["stages"] == ["processing"] and found["is_cooperation"] is True
