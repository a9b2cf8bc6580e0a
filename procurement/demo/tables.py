"""The static tables of the illustrative demo data set (constants only, no code).

Everything here is fictional or illustrative: the member cities are real, but the buyer
units, districts used in titles, suppliers (every name ends in ``(fictional)``), contact
persons (addresses at ``example.org``), project archetypes, KPIs, lessons and the rates
and rules below only make the generated cases look plausible. They describe no real
procurement. :mod:`procurement.demo.generator` draws the cases from these tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from procurement.cases.fields import DEMO_MARK

AS_OF = dt.date(2026, 11, 1)
"""The day the demo data describe: statuses and outcomes are as they stand on this date."""
FIRST_YEAR, LAST_YEAR = 2008, 2026
CASES_PER_CITY = 14
ILLUSTRATIVE = DEMO_MARK

# --------------------------------------------------------------------------------------
# Cities: buyer names, districts, supplier country, historic currencies
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CityProfile:
    code: str
    country: str
    buyer_prefix: str
    districts: tuple[str, ...]
    # (currency, first day the city's present currency applies) for a pre-euro currency
    earlier_currency: tuple[str, dt.date] | None = None


CITIES: tuple[CityProfile, ...] = (
    CityProfile("BER", "DE", "Land Berlin", ("Marzahn", "Spandau", "Tegel", "Adlershof")),
    CityProfile(
        "CPH", "DK", "Københavns Kommune (City of Copenhagen)", ("Nordhavn", "Amager", "Valby")
    ),
    CityProfile("HEL", "FI", "City of Helsinki", ("Kalasatama", "Jätkäsaari", "Vuosaari")),
    CityProfile(
        "MMA", "SE", "Malmö stad (City of Malmö)", ("Hyllie", "Rosengård", "Västra hamnen")
    ),
    CityProfile("OSL", "NO", "Oslo kommune (City of Oslo)", ("Bjørvika", "Groruddalen", "Furuset")),
    CityProfile(
        "RIX",
        "LV",
        "Rīgas valstspilsētas pašvaldība (City of Rīga)",
        ("Ķengarags", "Purvciems", "Torņakalns"),
        ("LVL", dt.date(2014, 1, 1)),
    ),
    CityProfile(
        "STO", "SE", "Stockholms stad (City of Stockholm)", ("Kista", "Hammarby sjöstad", "Farsta")
    ),
    CityProfile(
        "LED",
        "RU",
        "Санкт-Петербург (City of St. Petersburg)",
        ("Kupchino", "Primorsky district", "Vasilyevsky Island"),
    ),
    CityProfile(
        "TLL",
        "EE",
        "Tallinna linn (City of Tallinn)",
        ("Mustamäe", "Lasnamäe", "Ülemiste"),
        ("EEK", dt.date(2011, 1, 1)),
    ),
    CityProfile(
        "VNO",
        "LT",
        "Vilniaus miesto savivaldybė (Vilnius City Municipality)",
        ("Šnipiškės", "Žirmūnai", "Naujamiestis"),
        ("LTL", dt.date(2015, 1, 1)),
    ),
    CityProfile(
        "WAW", "PL", "Miasto stołeczne Warszawa (City of Warsaw)", ("Mokotów", "Wola", "Praga")
    ),
)
CITY_CODES = tuple(c.code for c in CITIES)
# present currencies, used when generating without a database (load_demo reads the cities)
HOME_CURRENCY = {
    "BER": "EUR",
    "CPH": "DKK",
    "HEL": "EUR",
    "MMA": "SEK",
    "OSL": "NOK",
    "RIX": "EUR",
    "STO": "SEK",
    "LED": "RUB",
    "TLL": "EUR",
    "VNO": "EUR",
    "WAW": "PLN",
}

UNITS: dict[str, str] = {
    "transport": "Mobility and Transport Department",
    "energy": "Energy and Climate Unit",
    "water": "Water and Sewerage Services",
    "waste": "Waste Management Unit",
    "buildings": "Property and Facilities Department",
    "health": "Health Services Department",
    "social-care": "Social Care and Elderly Services",
    "education": "Education Department",
    "ict": "Digital Services Office",
    "environment": "Environment Department",
    "public-safety": "Rescue and Public Safety Department",
    "culture": "Culture and Leisure Department",
    "other": "Central Procurement Unit",
}

# EUR -> currency, only to give generated amounts a plausible size in the local currency
# (the data are fictional; reports convert with the ECB rates of the case's date).
PEGS = {"EEK": 15.6466, "LVL": 0.702804, "LTL": 3.4528, "DKK": 7.45, "EUR": 1.0}


# --------------------------------------------------------------------------------------
# Suppliers and people (all fictional)
# --------------------------------------------------------------------------------------

SUPPLIER_STEMS: dict[str, tuple[tuple[str, ...], str]] = {
    "DE": (("Spreewerk", "Havelblick", "Müggelsee", "Grünwald"), "GmbH"),
    "DK": (("Øresund", "Bølge", "Kløver", "Fjordlys"), "A/S"),
    "FI": (("Revontuli", "Järvi", "Kaleva", "Saimaa"), "Oy"),
    "SE": (("Nordlys", "Skärgård", "Vindö", "Ekbacken"), "AB"),
    "NO": (("Fjellvind", "Bjørkely", "Havørn", "Nordkapp"), "AS"),
    "LV": (("Daugavas", "Ziemeļu", "Gaujas", "Rīgas Līča"), "SIA"),
    "EE": (("Põhjala", "Läänemere", "Kalju", "Toompea"), "OÜ"),
    "LT": (("Šiaurės", "Neries", "Gintaro", "Vilnelės"), "UAB"),
    "PL": (("Kraków", "Wisła", "Mazowsze", "Bursztyn"), "Sp. z o.o."),
    "RU": (("Nevsky / Невский", "Okhta / Охта", "Ladoga / Ладога", "Severny / Северный"), "LLC"),
}
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "DE": ("DK", "PL", "SE"),
    "DK": ("SE", "DE", "NO"),
    "FI": ("SE", "EE", "DE"),
    "SE": ("DK", "FI", "NO"),
    "NO": ("SE", "DK", "FI"),
    "LV": ("EE", "LT", "FI"),
    "EE": ("FI", "LV", "SE"),
    "LT": ("LV", "PL", "EE"),
    "PL": ("DE", "LT", "DK"),
    "RU": ("FI", "DE", "EE"),
}
TRADES: dict[str, str] = {
    "transport": "Mobility",
    "energy": "Energy",
    "water": "Water Technologies",
    "waste": "Circular Solutions",
    "buildings": "Construction",
    "health": "Health Tech",
    "social-care": "Care Services",
    "education": "Learning",
    "ict": "Digital",
    "environment": "Environmental Services",
    "public-safety": "Safety Systems",
    "culture": "Venues",
    "other": "Solutions",
}

# (display name, e-mail local part) by country
PEOPLE: dict[str, tuple[tuple[str, str], ...]] = {
    "DE": (("Katrin Vogel", "katrin.vogel"), ("Jörg Hansen", "joerg.hansen")),
    "DK": (("Mette Søndergaard", "mette.sondergaard"), ("Rasmus Holm", "rasmus.holm")),
    "FI": (("Aino Lehtinen", "aino.lehtinen"), ("Mikko Määttä", "mikko.maatta")),
    "SE": (("Karin Ek", "karin.ek"), ("Johan Lindqvist", "johan.lindqvist")),
    "NO": (("Ingrid Bakke", "ingrid.bakke"), ("Ola Sæther", "ola.saether")),
    "LV": (("Līga Kalniņa", "liga.kalnina"), ("Jānis Ozols", "janis.ozols")),
    "EE": (("Kadri Tamm", "kadri.tamm"), ("Tõnis Kask", "tonis.kask")),
    "LT": (("Rūta Petrauskienė", "ruta.petrauskiene"), ("Tomas Kazlauskas", "tomas.kazlauskas")),
    "PL": (("Małgorzata Nowak", "malgorzata.nowak"), ("Piotr Wiśniewski", "piotr.wisniewski")),
    "RU": (("Ирина Соколова (Irina Sokolova)", "irina.sokolova"), ("Dmitry Orlov", "dmitry.orlov")),
}

# --------------------------------------------------------------------------------------
# Project archetypes: what a case is about
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Archetype:
    sector: str
    category: str
    cpv: str
    title: str  # may contain {district}
    challenge: str
    kpis: tuple[str, ...]
    ppp_models: tuple[str, ...] = ()  # PPP models that fit; empty: not delivered as a PPP
    procedures: tuple[str, ...] = ()  # procedures this archetype calls for in particular


PCP = ("pre-commercial",)
IP = ("innovation-partnership", "competitive-dialogue")
DESIGN = ("design-contest",)

ARCHETYPES: tuple[Archetype, ...] = (
    # transport
    Archetype(
        "transport",
        "goods",
        "34144900-7",
        "Electric buses with outcome-based maintenance",
        "Replace diesel buses on the inner-city lines with battery-electric buses; the "
        "supplier is paid per available bus-kilometre.",
        ("co2-reduction", "availability", "user-satisfaction-score"),
    ),
    Archetype(
        "transport",
        "works",
        "45234121-0",
        "Light-rail line to {district}",
        "A new light-rail line connecting a growing district with the metro network.",
        ("ridership-increase", "co2-reduction", "availability"),
        ("dbfom", "dbfo", "alliance", "bot"),
    ),
    Archetype(
        "transport",
        "goods",
        "34923000-3",
        "Adaptive traffic-signal control on the ring road",
        "Signals that adapt to traffic and give priority to buses and cyclists.",
        ("waiting-time-reduction", "co2-reduction"),
        (),
        IP,
    ),
    Archetype(
        "transport",
        "services",
        "60112000-6",
        "On-demand minibus service for {district}",
        "Demand-responsive minibuses replacing an under-used fixed bus line.",
        ("ridership-increase", "user-satisfaction-score"),
        ("concession", "management-contract"),
    ),
    Archetype(
        "transport",
        "works",
        "45221111-3",
        "Road bridge renewal with long-term maintenance",
        "Replace a worn-out road bridge and keep it available for traffic for decades.",
        ("availability", "life-cycle-cost-saving"),
        ("dbfom", "dbfo", "db-fm"),
    ),
    Archetype(
        "transport",
        "works",
        "45233000-9",
        "Ring-road section upgrade with bus lanes",
        "Widen a congested ring-road section and add dedicated bus lanes.",
        ("waiting-time-reduction", "availability"),
        ("dbfo", "dbfom", "rot"),
    ),
    Archetype(
        "transport",
        "works",
        "45223300-9",
        "Park-and-ride facility with charging points at {district}",
        "A park-and-ride garage next to a rail station, with charging for electric cars.",
        ("ridership-increase", "co2-reduction"),
        ("concession", "boot", "bot"),
    ),
    Archetype(
        "transport",
        "goods",
        "31158000-8",
        "Public charging network for electric vehicles",
        "Kerbside and hub chargers across the city, open to every driver.",
        ("co2-reduction", "availability"),
        ("concession", "boo"),
    ),
    Archetype(
        "transport",
        "goods",
        "34430000-0",
        "City bike-share system with electric bikes",
        "A station-based bike-share system with a share of electric bikes.",
        ("ridership-increase", "user-satisfaction-score"),
        ("concession",),
    ),
    Archetype(
        "transport",
        "goods",
        "48813000-0",
        "Real-time passenger information at stops",
        "Displays and open data feeds with real-time departures for all public transport.",
        ("user-satisfaction-score", "digital-uptake"),
    ),
    Archetype(
        "transport",
        "goods",
        "34512100-0",
        "Zero-emission harbour ferry",
        "A battery-electric ferry for the inner-harbour line, charged at the quays.",
        ("co2-reduction", "availability"),
        (),
        IP,
    ),
    # energy
    Archetype(
        "energy",
        "works",
        "45232140-5",
        "Low-temperature district heating for {district}",
        "A fourth-generation district-heating network for a new district, fed by waste heat.",
        ("energy-saved", "co2-reduction", "renewable-share"),
        ("institutional-jv", "concession", "dbfom"),
    ),
    Archetype(
        "energy",
        "services",
        "71314200-4",
        "Energy performance contract for 40 public buildings",
        "An energy service company renovates building services and guarantees the savings.",
        ("energy-saved", "co2-reduction", "life-cycle-cost-saving"),
        ("db-fm", "other"),
    ),
    Archetype(
        "energy",
        "goods",
        "09331200-0",
        "Solar panels on school and day-care roofs",
        "Photovoltaic panels on municipal roofs, with the electricity used on site.",
        ("renewable-share", "energy-saved"),
        ("boo", "lease"),
    ),
    Archetype(
        "energy",
        "goods",
        "34928500-3",
        "LED street lighting with smart dimming",
        "Replace sodium street lights with LED luminaires dimmed by presence sensors.",
        ("energy-saved", "co2-reduction", "life-cycle-cost-saving"),
        ("dbfom", "other"),
    ),
    Archetype(
        "energy",
        "works",
        "45251250-8",
        "Heat-pump plant using treated wastewater",
        "A large heat-pump plant recovering heat from the treated effluent of the sewage works.",
        ("renewable-share", "co2-reduction"),
        ("bto", "dbfo", "boot"),
    ),
    # water
    Archetype(
        "water",
        "works",
        "45252127-4",
        "Wastewater treatment plant upgrade for nutrient removal",
        "Upgrade the treatment plant to meet stricter nitrogen and phosphorus limits.",
        ("nutrient-removal", "energy-saved"),
        ("dbfo", "bot", "rot", "dbfom"),
    ),
    Archetype(
        "water",
        "services",
        "65100000-4",
        "Smart metering and leak detection in the water network",
        "Acoustic sensors and smart meters to find leaks before they become bursts.",
        ("water-loss-reduction", "digital-uptake"),
        ("management-contract",),
        IP,
    ),
    Archetype(
        "water",
        "works",
        "45232130-2",
        "Stormwater management with green infrastructure in {district}",
        "Rain gardens, green roofs and retention ponds instead of larger storm-water pipes.",
        ("life-cycle-cost-saving", "user-satisfaction-score"),
        ("alliance",),
    ),
    Archetype(
        "water",
        "services",
        "90481000-2",
        "Operation and maintenance of the sewage works",
        "Operate and maintain the sewage treatment plant with performance-based fees.",
        ("availability", "energy-saved"),
        ("management-contract", "lease"),
    ),
    # waste
    Archetype(
        "waste",
        "works",
        "45252300-1",
        "Waste-to-energy plant",
        "A combined heat and power plant burning residual waste that cannot be recycled.",
        ("energy-saved", "recycling-rate", "co2-reduction"),
        ("boot", "bot", "dbfom", "boo", "institutional-jv"),
    ),
    Archetype(
        "waste",
        "services",
        "90512000-9",
        "Household waste collection with electric refuse trucks",
        "Collection of household waste with electric trucks and route optimisation.",
        ("co2-reduction", "recycling-rate"),
    ),
    Archetype(
        "waste",
        "goods",
        "42914000-6",
        "Underground waste containers with fill-level sensors",
        "Deep containers whose sensors tell the collector when they need emptying.",
        ("recycling-rate", "life-cycle-cost-saving"),
    ),
    Archetype(
        "waste",
        "services",
        "90513000-6",
        "Biowaste treatment and biogas production",
        "Treat separately collected food waste and sell the biogas to the bus operator.",
        ("recycling-rate", "renewable-share"),
        ("concession", "bto"),
    ),
    # buildings
    Archetype(
        "buildings",
        "works",
        "45214200-2",
        "New school campus in {district}, built and maintained under one contract",
        "A school for 900 pupils, designed for low life-cycle cost and flexible use.",
        ("energy-saved", "user-satisfaction-score", "availability"),
        ("dbfom", "db-fm", "dbfo", "lease"),
    ),
    Archetype(
        "buildings",
        "works",
        "45453000-7",
        "Deep energy renovation of the city hall",
        "Renovate the listed city hall to near-zero energy while keeping its heritage value.",
        ("energy-saved", "co2-reduction"),
        ("rot",),
    ),
    Archetype(
        "buildings",
        "services",
        "79993000-1",
        "Facility management of municipal office buildings",
        "One facility-management contract for all office buildings, paid on performance.",
        ("user-satisfaction-score", "life-cycle-cost-saving"),
        ("management-contract",),
    ),
    Archetype(
        "buildings",
        "works",
        "45210000-2",
        "Mass-timber office building for the city administration",
        "A multi-storey timber building with low embodied carbon.",
        ("co2-reduction", "energy-saved"),
        (),
        DESIGN,
    ),
    # health
    Archetype(
        "health",
        "works",
        "45215140-0",
        "Primary-care health centre in {district}",
        "A health centre combining a clinic, a dental clinic and social services.",
        ("waiting-time-reduction", "user-satisfaction-score"),
        ("dbfom", "db-fm", "lease", "bto"),
    ),
    Archetype(
        "health",
        "goods",
        "33195000-3",
        "Remote patient-monitoring for chronic patients",
        "Devices and a service letting nurses follow chronic patients at home.",
        ("waiting-time-reduction", "user-satisfaction-score"),
        (),
        IP,
    ),
    Archetype(
        "health",
        "goods",
        "48814000-7",
        "Digital triage platform for emergency clinics",
        "A platform that assesses urgency before arrival and directs patients to the right care.",
        ("waiting-time-reduction", "digital-uptake"),
    ),
    Archetype(
        "health",
        "services",
        "73120000-9",
        "Pre-commercial procurement of AI-assisted diagnostics",
        "Three phases of R&D competing on AI support for reading medical images.",
        ("waiting-time-reduction",),
        (),
        PCP,
    ),
    # social care
    Archetype(
        "social-care",
        "services",
        "85312000-9",
        "Outcome-based home-care services",
        "Home care paid partly on the independence and well-being of the clients.",
        ("user-satisfaction-score", "response-time-reduction"),
    ),
    Archetype(
        "social-care",
        "goods",
        "33196200-2",
        "Digital telecare alarms for home-care clients",
        "Replace analogue safety alarms with digital alarms and fall detectors.",
        ("response-time-reduction", "user-satisfaction-score"),
    ),
    Archetype(
        "social-care",
        "works",
        "45215213-3",
        "Care home for the elderly in {district}",
        "A care home with 120 places, designed with residents and staff.",
        ("user-satisfaction-score", "energy-saved"),
        ("dbfom", "db-fm", "lease", "institutional-jv"),
    ),
    Archetype(
        "social-care",
        "services",
        "73100000-3",
        "Pre-commercial procurement of fall-prevention solutions",
        "R&D competition for solutions that prevent falls among elderly people at home.",
        ("response-time-reduction", "user-satisfaction-score"),
        (),
        PCP,
    ),
    # education
    Archetype(
        "education",
        "goods",
        "48190000-6",
        "Adaptive learning platform for primary schools",
        "A learning platform adapting exercises to each pupil, with open interfaces.",
        ("digital-uptake", "user-satisfaction-score"),
        (),
        IP,
    ),
    Archetype(
        "education",
        "goods",
        "39160000-1",
        "Circular school furniture with take-back",
        "Durable school furniture that the supplier refurbishes and takes back.",
        ("co2-reduction", "life-cycle-cost-saving"),
    ),
    Archetype(
        "education",
        "services",
        "55523100-3",
        "Climate-smart school meals",
        "School meals with more plant-based food, seasonal produce and less food waste.",
        ("co2-reduction", "user-satisfaction-score"),
    ),
    Archetype(
        "education",
        "works",
        "45214100-1",
        "Passive-house kindergarten in {district}",
        "A kindergarten for 200 children built to the passive-house standard.",
        ("energy-saved", "user-satisfaction-score"),
        ("db-fm", "dbfom"),
    ),
    # ict
    Archetype(
        "ict",
        "services",
        "72322000-8",
        "Open-data platform for city services",
        "A platform publishing city data sets through open interfaces.",
        ("digital-uptake",),
    ),
    Archetype(
        "ict",
        "services",
        "72212000-4",
        "Citizen e-service portal",
        "One portal for applications, permits and bookings, designed with residents.",
        ("digital-uptake", "user-satisfaction-score"),
    ),
    Archetype(
        "ict",
        "works",
        "45231600-1",
        "Municipal fibre network",
        "Open-access fibre to every municipal building and to households in under-served areas.",
        ("digital-uptake", "availability"),
        ("concession", "institutional-jv", "bot"),
    ),
    Archetype(
        "ict",
        "services",
        "73000000-2",
        "Pre-commercial procurement of a digital twin of the city",
        "R&D competition for a 3D city model used in planning and permits.",
        ("digital-uptake",),
        (),
        PCP,
    ),
    # environment
    Archetype(
        "environment",
        "services",
        "77310000-6",
        "Urban greenery maintenance with biodiversity criteria",
        "Maintenance of parks and green areas with targets for biodiversity.",
        ("co2-reduction", "user-satisfaction-score"),
    ),
    Archetype(
        "environment",
        "goods",
        "38432000-2",
        "Low-cost air-quality sensor network",
        "A dense network of low-cost sensors calibrated against reference stations.",
        ("digital-uptake", "availability"),
        (),
        IP,
    ),
    Archetype(
        "environment",
        "works",
        "45246400-7",
        "Coastal flood protection with nature-based solutions",
        "Dunes, wetlands and a low sea wall protecting the shore against storm surges.",
        ("life-cycle-cost-saving", "user-satisfaction-score"),
        ("alliance", "dbfo"),
    ),
    Archetype(
        "environment",
        "works",
        "45000000-7",
        "Emission-free construction site pilot",
        "A street reconstruction carried out with electric machinery only.",
        ("co2-reduction",),
    ),
    # public safety
    Archetype(
        "public-safety",
        "goods",
        "34144210-3",
        "Electric fire and rescue vehicles",
        "Battery-electric fire engines for the inner-city stations.",
        ("co2-reduction", "response-time-reduction"),
    ),
    Archetype(
        "public-safety",
        "goods",
        "35120000-1",
        "Privacy-by-design video surveillance at transport hubs",
        "Cameras that blur faces by default, with strict access logging.",
        ("response-time-reduction",),
    ),
    Archetype(
        "public-safety",
        "works",
        "45216121-8",
        "Joint fire station and emergency response centre in {district}",
        "A fire station shared with the ambulance service and the emergency call centre.",
        ("response-time-reduction", "availability"),
        ("dbfom", "db-fm"),
    ),
    Archetype(
        "public-safety",
        "services",
        "73120000-9",
        "Pre-commercial procurement of drones for search and rescue",
        "R&D competition for drones that find people in water and forest.",
        ("response-time-reduction",),
        (),
        PCP,
    ),
    # culture
    Archetype(
        "culture",
        "works",
        "45212300-9",
        "New central library",
        "A library open to all, with maker spaces and a low-energy design.",
        ("user-satisfaction-score", "energy-saved"),
        ("db-fm", "dbfom"),
        DESIGN,
    ),
    Archetype(
        "culture",
        "services",
        "71220000-6",
        "Architectural competition for a waterfront concert hall",
        "An open design contest for a concert hall on the former harbour.",
        ("user-satisfaction-score",),
        (),
        DESIGN,
    ),
    Archetype(
        "culture",
        "works",
        "45212212-5",
        "Public swimming hall in {district}",
        "A swimming hall with heat recovery from the pool water.",
        ("user-satisfaction-score", "energy-saved"),
        ("dbfom", "concession", "boot", "institutional-jv"),
    ),
    Archetype(
        "culture",
        "services",
        "92511000-6",
        "Self-service library technology",
        "Self-service loans and staff-less opening hours in branch libraries.",
        ("user-satisfaction-score", "digital-uptake"),
    ),
    # other
    Archetype(
        "other",
        "goods",
        "34110000-1",
        "Joint procurement of electric cars for the city fleet",
        "Several cities buy electric cars together to get better terms and service.",
        ("co2-reduction", "life-cycle-cost-saving"),
    ),
    Archetype(
        "other",
        "services",
        "55520000-1",
        "Central kitchen catering for city services",
        "Catering for care homes and day-care centres from a central kitchen.",
        ("co2-reduction", "user-satisfaction-score"),
    ),
    Archetype(
        "other",
        "services",
        "79418000-7",
        "Spend analytics for the central procurement unit",
        "A service analysing the city's purchases to find savings and risks.",
        ("life-cycle-cost-saving",),
    ),
    Archetype(
        "other",
        "goods",
        "30192000-1",
        "Circular office supplies and equipment",
        "Office supplies with recycled content and a take-back service.",
        ("co2-reduction",),
    ),
)

# --------------------------------------------------------------------------------------
# KPIs: (unit, baseline range, improvement range, decimals, upper bound)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiSpec:
    unit: str
    baseline: tuple[float, float]
    improvement: tuple[float, float]
    decimals: int
    upper: float | None = None


KPIS: dict[str, KpiSpec] = {
    "co2-reduction": KpiSpec("t CO2e/yr", (0, 0), (150, 6000), 0),
    "energy-saved": KpiSpec("MWh/yr", (0, 0), (200, 25000), 0),
    "life-cycle-cost-saving": KpiSpec("%", (0, 0), (5, 22), 1),
    "waiting-time-reduction": KpiSpec("%", (0, 0), (10, 40), 1),
    "user-satisfaction-score": KpiSpec("points (1-5)", (2.8, 3.6), (0.3, 0.9), 1, 5),
    "recycling-rate": KpiSpec("%", (25, 45), (8, 20), 1, 100),
    "availability": KpiSpec("%", (95, 97.5), (1.5, 2.4), 1, 99.9),
    "renewable-share": KpiSpec("%", (10, 40), (15, 40), 1, 100),
    "water-loss-reduction": KpiSpec("%", (0, 0), (10, 30), 1),
    "ridership-increase": KpiSpec("%", (0, 0), (5, 25), 1),
    "response-time-reduction": KpiSpec("%", (0, 0), (10, 30), 1),
    "digital-uptake": KpiSpec("% of users", (5, 30), (20, 45), 1, 100),
    "nutrient-removal": KpiSpec("%", (60, 75), (10, 20), 1, 99),
}

LESSONS: dict[str, tuple[str, ...]] = {
    "market-dialogue": (
        "The market dialogue showed that suppliers could meet a stricter target than we "
        "had assumed; hold it before the budget is fixed.",
        "Publish the questions and answers of the market dialogue so that every supplier "
        "gets the same information.",
    ),
    "functional-specification": (
        "Describing the need rather than the solution brought in proposals we had not "
        "thought of, but evaluating them took twice the time planned.",
    ),
    "outcome-based-payment": (
        "Tie payments to a few measurable outcomes and agree early how they are measured.",
        "The outcome-based payment worked once the baseline had been measured jointly with "
        "the supplier.",
    ),
    "life-cycle-costing": (
        "Life-cycle costing changed the ranking of the tenders; a shared calculation tool "
        "kept the bids comparable.",
    ),
    "innovation-award-criteria": (
        "Award criteria for innovation need clear scoring guidance, or evaluators disagree.",
    ),
    "pre-commercial": (
        "Running the R&D phases with a neighbouring city halved the cost for each buyer.",
        "Plan the follow-up procurement before the R&D phases end, or the results stall.",
    ),
    "ppi": ("Being the first buyer of a new solution needs a named owner in operations.",),
    "joint-cross-border": (
        "Joint procurement with other cities took longer to set up than expected, but the "
        "prices were clearly better.",
    ),
    "sustainability-criteria": (
        "Verifiable sustainability criteria (labels or declarations) were easier to check "
        "than self-declared commitments.",
    ),
    "variants-allowed": ("Allowing variants attracted smaller suppliers with new ideas.",),
    "ppp": (
        "The public sector comparator must be updated at each stage; ours was two years old.",
        "Availability payments kept the operator focused on quality; deductions were rare.",
        "Handing construction risk to the private partner worked; interface risks with our "
        "own networks stayed with us and caused most of the delays.",
    ),
    "general": (
        "Involve the end users from the start; their needs changed the specification.",
        "Contract management needs as much attention as the tender itself.",
        "A single bid was a warning sign: the market had not been consulted enough.",
        "Keep the documents short; suppliers asked fewer questions when they were.",
    ),
}

BEST_PRACTICE_REASONS: tuple[str, ...] = (
    "Met or exceeded every KPI target and the approach has been reused by other departments.",
    "Shows how {approach} can work in a mid-sized contract; documents are ready to share.",
    "Clear, measurable outcomes with an independent evaluation after the first year.",
    "Attracted several SMEs and new entrants while keeping costs within budget.",
    "A transferable model for {sector} that other member cities have asked about.",
)

# --------------------------------------------------------------------------------------
# Procedure, PPP and risk rules
# --------------------------------------------------------------------------------------

TIME_TO_AWARD: dict[str, tuple[int, int]] = {
    "open": (45, 150),
    "restricted": (90, 210),
    "competitive-negotiation": (110, 260),
    "competitive-dialogue": (180, 420),
    "innovation-partnership": (160, 380),
    "negotiated-without-publication": (20, 60),
    "design-contest": (90, 200),
    "pre-commercial": (120, 280),
    "below-threshold": (25, 80),
    "other": (40, 160),
}
SINGLE_BID: dict[str, float] = {
    "open": 0.29,
    "restricted": 0.23,
    "competitive-negotiation": 0.33,
    "competitive-dialogue": 0.25,
    "innovation-partnership": 0.35,
    "negotiated-without-publication": 0.85,
    "design-contest": 0.04,
    "pre-commercial": 0.05,
    "below-threshold": 0.32,
    "other": 0.35,
}
PPP_PROCEDURES = (
    ("competitive-dialogue", 45),
    ("competitive-negotiation", 30),
    ("restricted", 15),
    ("open", 6),
    ("other", 4),
)
PPP_DURATION: dict[str, tuple[int, int]] = {
    "dbfo": (20, 30),
    "dbfom": (20, 30),
    "db-fm": (10, 25),
    "bot": (15, 30),
    "boot": (20, 30),
    "boo": (15, 25),
    "bto": (15, 25),
    "rot": (10, 20),
    "concession": (8, 25),
    "management-contract": (4, 10),
    "lease": (5, 15),
    "institutional-jv": (10, 30),
    "alliance": (3, 7),
    "other": (5, 15),
}
MECHANISMS: dict[str, tuple[tuple[str, int], ...]] = {
    "dbfo": (("availability", 75), ("shadow-toll", 10), ("mixed", 15)),
    "dbfom": (("availability", 75), ("shadow-toll", 10), ("mixed", 15)),
    "db-fm": (("availability", 85), ("mixed", 15)),
    "bto": (("availability", 60), ("user-charges", 20), ("mixed", 20)),
    "bot": (("user-charges", 50), ("availability", 25), ("mixed", 25)),
    "boot": (("user-charges", 55), ("availability", 20), ("mixed", 25)),
    "boo": (("user-charges", 55), ("availability", 25), ("mixed", 20)),
    "rot": (("availability", 50), ("user-charges", 30), ("mixed", 20)),
    "concession": (("user-charges", 70), ("mixed", 30)),
    "management-contract": (("availability", 70), ("mixed", 30)),
    "lease": (("availability", 80), ("mixed", 20)),
    "institutional-jv": (("user-charges", 40), ("mixed", 40), ("availability", 20)),
    "alliance": (("availability", 40), ("mixed", 60)),
    "other": (("availability", 50), ("mixed", 30), ("user-charges", 20)),
}
NO_PRIVATE_FINANCE = ("management-contract", "alliance", "lease")

# (allocation, weight) per risk category; revenue depends on the payment mechanism
RISKS: dict[str, tuple[tuple[str, int], ...]] = {
    "design": (("private", 80), ("shared", 15), ("public", 5)),
    "construction": (("private", 85), ("shared", 15)),
    "completion": (("private", 80), ("shared", 20)),
    "land-availability": (("public", 80), ("shared", 15), ("private", 5)),
    "environmental": (("public", 40), ("shared", 40), ("private", 20)),
    "availability-and-quality": (("private", 90), ("shared", 10)),
    "other-revenue": (("private", 50), ("shared", 50)),
    "inflation-and-fx": (("shared", 50), ("public", 30), ("private", 20)),
    "finance-availability": (("private", 85), ("shared", 15)),
    "refinancing": (("shared", 50), ("private", 40), ("public", 10)),
    "change-in-law": (("public", 75), ("shared", 25)),
    "force-majeure": (("shared", 70), ("public", 20), ("private", 10)),
    "early-termination": (("shared", 50), ("public", 30), ("private", 20)),
    "compliance": (("private", 60), ("shared", 30), ("public", 10)),
}
REVENUE_RISK: dict[str, tuple[tuple[str, int], ...]] = {
    "availability": (("public", 90), ("shared", 10)),
    "shadow-toll": (("shared", 60), ("private", 40)),
    "user-charges": (("private", 75), ("shared", 25)),
    "mixed": (("shared", 80), ("private", 10), ("public", 10)),
}
ALWAYS_RISKS = ("construction", "revenue", "change-in-law", "availability-and-quality")
PPP_SHARE = 0.28
CANCELLED = 5
STAGES_NOW = ("planned", "tender", "awarded", "planned", "tender", "started", "awarded")
BEST_PRACTICE_TARGET = 17
