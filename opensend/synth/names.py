"""Names, places and contact details for synthetic people and settings.

Children's given names are our own lists of names common among children in England; adults'
given names and the main list of surnames come from Faker's ``en_GB`` person provider (its
tables, drawn with our seeded ``random.Random`` so every run gives the same names). Places
("Bramholme", "Rushthwaite") are invented from syllables. Phone numbers are in Ofcom's range
reserved for drama (07700 900000–900999) and emails use the reserved domain example.com, so
nothing reaches a real person.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from faker.providers.person.en_GB import Provider as FakerPerson

from opensend.people.names import fold


def _ranked(names: Sequence[str]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Names with Zipf-like weights by rank: the first is the most common."""
    return tuple(names), tuple(1.0 / (rank + 8) for rank in range(len(names)))


# --- children's given names, by name group -----------------------------------------------

_BOYS_BRITISH = (
    "Oliver", "Jack", "Harry", "George", "Noah", "Charlie", "Jacob", "Alfie", "Freddie",
    "Oscar", "Leo", "Archie", "Thomas", "Joshua", "James", "William", "Henry", "Ethan", "Max",
    "Logan", "Lucas", "Isaac", "Riley", "Theo", "Dylan", "Callum", "Kai", "Tyler", "Lewis",
    "Liam", "Mason", "Harrison", "Finley", "Reuben", "Ryan", "Daniel", "Samuel", "Benjamin",
    "Alexander", "Matthew", "Luke", "Adam", "Owen", "Connor", "Kieran", "Jayden", "Bailey",
    "Jamie", "Aaron", "Elliot", "Toby", "Jake", "Louie", "Ronnie", "Teddy", "Albie", "Arthur",
    "Frankie", "Rory", "Sonny", "Stanley", "Tommy", "Ellis", "Jude", "Harvey", "Zachary",
    "Sebastian", "Caleb", "Nathan", "Cameron", "Brandon", "Declan", "Niall", "Euan", "Seán",
)  # fmt: skip
_GIRLS_BRITISH = (
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophia", "Grace", "Mia", "Poppy", "Ella",
    "Lily", "Evie", "Isabella", "Sophie", "Ivy", "Freya", "Harper", "Willow", "Chloe",
    "Jessica", "Ruby", "Ellie", "Daisy", "Lucy", "Megan", "Holly", "Phoebe", "Scarlett", "Erin",
    "Lola", "Millie", "Maisie", "Charlotte", "Hannah", "Amber", "Leah", "Niamh", "Katie",
    "Lauren", "Abigail", "Rosie", "Imogen", "Matilda", "Florence", "Elsie", "Esme", "Molly",
    "Eva", "Bethany", "Caitlin", "Courtney", "Paige", "Jasmine", "Summer", "Layla", "Violet",
    "Thea", "Zoë", "Chloé", "Eleanor", "Alice", "Elizabeth", "Harriet", "Georgia", "Aoife",
)  # fmt: skip
_BOYS_SOUTH_ASIAN = (
    "Muhammad", "Mohammed", "Ibrahim", "Yusuf", "Ayaan", "Zayn", "Hamza", "Aryan", "Arjun",
    "Rayyan", "Ali", "Omar", "Haris", "Ismail", "Ahmed", "Abdullah", "Rohan", "Dev",
    "Vihaan", "Kabir", "Zain", "Idris", "Musa", "Aarav", "Harjot",
)  # fmt: skip
_GIRLS_SOUTH_ASIAN = (
    "Aisha", "Maryam", "Fatima", "Zara", "Hafsa", "Khadija", "Inaaya", "Anaya", "Amira",
    "Safa", "Priya", "Anika", "Diya", "Ayesha", "Hania", "Noor", "Zainab", "Sana", "Simran",
    "Isha", "Eesha", "Manahil", "Jannat", "Harleen", "Tanvi",
)  # fmt: skip
_BOYS_AFRICAN_CARIBBEAN = (
    "Daniel", "David", "Emmanuel", "Samuel", "Joshua", "Elijah", "Isaiah", "Micah", "Kofi",
    "Tobi", "Chidi", "Femi", "Kwame", "Tendai", "Jerome", "Malachi", "Jayden", "Abdirahman",
    "Mohamed", "Nathaniel",
)  # fmt: skip
_GIRLS_AFRICAN_CARIBBEAN = (
    "Grace", "Blessing", "Favour", "Precious", "Esther", "Abigail", "Amara", "Chiamaka",
    "Adaeze", "Nia", "Imani", "Zawadi", "Ama", "Tiana", "Shanice", "Hodan", "Ayan", "Deborah",
    "Naomi", "Serena",
)  # fmt: skip
_BOYS_EUROPEAN = (
    "Jakub", "Szymon", "Filip", "Mateusz", "Oliwer", "Antoni", "Luca", "Matei", "Andrei",
    "David", "Darius", "Lukas", "Nikola", "Marko", "Tomáš", "Kacper", "Aleksander", "Mihai",
)  # fmt: skip
_GIRLS_EUROPEAN = (
    "Zuzanna", "Julia", "Maja", "Lena", "Hanna", "Alicja", "Maria", "Ioana", "Elena", "Sofia",
    "Anastasia", "Daria", "Emilia", "Natalia", "Viktória", "Oliwia", "Amelia", "Bianca",
)  # fmt: skip

# --- surnames ------------------------------------------------------------------------------

_SURNAMES_SOUTH_ASIAN = (
    "Khan", "Ahmed", "Hussain", "Ali", "Begum", "Patel", "Shah", "Iqbal", "Rahman", "Akhtar",
    "Mahmood", "Islam", "Uddin", "Mohammed", "Chowdhury", "Singh", "Kaur", "Sharma", "Miah",
    "Bibi", "Hassan", "Butt", "Malik", "Qureshi", "Mirza", "Aziz", "Javed", "Rashid", "Nawaz",
    "Sultana", "Gill", "Sandhu", "Mistry", "Parmar", "Chauhan",
)  # fmt: skip
_SURNAMES_AFRICAN_CARIBBEAN = (
    "Okafor", "Adeyemi", "Mensah", "Osei", "Boateng", "Okonkwo", "Nwosu", "Adebayo", "Eze",
    "Asante", "Owusu", "Campbell", "Brown", "Williams", "Clarke", "Grant", "Francis",
    "Mohamed", "Abdi", "Hassan", "Ibrahim", "Farah", "Juma", "Mwangi", "Okoro", "Bello",
)  # fmt: skip
_SURNAMES_EUROPEAN = (
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński",
    "Popescu", "Ionescu", "Stan", "Dumitru", "Horvat", "Kováč", "Petrov", "Ivanova", "Balogh",
    "Varga", "Kazlauskas", "Jankauskas", "Ozols", "Silva", "Santos", "Ferreira",
)  # fmt: skip
_SURNAMES_EAST_ASIAN = (
    "Chen", "Wang", "Li", "Zhang", "Liu", "Wong", "Lee", "Lin", "Huang", "Yang", "Nguyen",
    "Tran", "Le",
)  # fmt: skip
#: Uncommon surnames, each given to few children, so that a search for a rare name finds a
#: handful. Also names with apostrophes and particles, which search must handle.
_SURNAMES_RARE = (
    "Quennell", "Attwater", "Blenkinsop", "Cattermole", "Dimmock", "Fairweather", "Gathercole",
    "Hindmarsh", "Ingleby", "Jephcott", "Kitchingman", "Loveridge", "Mountjoy", "Nettleship",
    "Oddie", "Pennycook", "Quarmby", "Rattenbury", "Shufflebotham", "Tapsell", "Umfreville",
    "Vowles", "Winterbottom", "Yeandle", "Zouche", "O'Brien", "O'Connor", "O'Sullivan",
    "D'Souza", "de la Cruz", "Van der Berg", "MacAulay", "St John", "Ní Bhriain", "Ó Súilleabháin",
)  # fmt: skip

_BRITISH_SURNAMES = tuple(FakerPerson.last_names.keys())
_BRITISH_SURNAME_WEIGHTS = tuple(float(weight) for weight in FakerPerson.last_names.values())
_ADULT_MEN = tuple(FakerPerson.first_names_male)
_ADULT_WOMEN = tuple(FakerPerson.first_names_female)

#: Usual short forms, for preferred names.
SHORT_FORMS = {
    "Alexander": "Alex",
    "Benjamin": "Ben",
    "Charlotte": "Lottie",
    "Daniel": "Dan",
    "Elizabeth": "Beth",
    "Isabella": "Bella",
    "Jessica": "Jess",
    "Joshua": "Josh",
    "Matthew": "Matt",
    "Nathaniel": "Nate",
    "Oliver": "Ollie",
    "Olivia": "Liv",
    "Samuel": "Sam",
    "Sebastian": "Seb",
    "Thomas": "Tom",
    "William": "Will",
    "Zachary": "Zac",
    "Abigail": "Abi",
    "Eleanor": "Ellie",
    "Harriet": "Hattie",
}


@dataclass(frozen=True)
class NameGroup:
    boys: tuple[tuple[str, ...], tuple[float, ...]]
    girls: tuple[tuple[str, ...], tuple[float, ...]]
    surnames: tuple[tuple[str, ...], tuple[float, ...]]
    languages: tuple[str, ...]


BRITISH = NameGroup(
    boys=_ranked(_BOYS_BRITISH),
    girls=_ranked(_GIRLS_BRITISH),
    surnames=(_BRITISH_SURNAMES, _BRITISH_SURNAME_WEIGHTS),
    languages=("English",),
)
GROUPS: dict[str, NameGroup] = {
    "british": BRITISH,
    "south_asian": NameGroup(
        _ranked(_BOYS_SOUTH_ASIAN),
        _ranked(_GIRLS_SOUTH_ASIAN),
        _ranked(_SURNAMES_SOUTH_ASIAN),
        ("Urdu", "Punjabi", "Bengali", "Gujarati"),
    ),
    "african_caribbean": NameGroup(
        _ranked(_BOYS_AFRICAN_CARIBBEAN),
        _ranked(_GIRLS_AFRICAN_CARIBBEAN),
        _ranked(_SURNAMES_AFRICAN_CARIBBEAN),
        ("Somali", "Yoruba", "Arabic", "Tigrinya", "Twi"),
    ),
    "european": NameGroup(
        _ranked(_BOYS_EUROPEAN),
        _ranked(_GIRLS_EUROPEAN),
        _ranked(_SURNAMES_EUROPEAN),
        ("Polish", "Romanian", "Lithuanian", "Hungarian", "Portuguese"),
    ),
    "east_asian": NameGroup(
        BRITISH.boys,
        BRITISH.girls,
        _ranked(_SURNAMES_EAST_ASIAN),
        ("Cantonese", "Mandarin", "Vietnamese"),
    ),
    "other": NameGroup(
        _ranked(_BOYS_SOUTH_ASIAN[:10] + _BOYS_BRITISH[:20]),
        _ranked(_GIRLS_SOUTH_ASIAN[:10] + _GIRLS_BRITISH[:20]),
        _ranked(("Hassan", "Ahmadi", "Karimi", "Rahimi", "Mahmoud", "Saleh", "Haddad", "Aziz")),
        ("Arabic", "Kurdish", "Farsi", "Pashto"),
    ),
}

#: Which name group a CBDS ethnicity code draws names from.
ETHNICITY_GROUP: dict[str, str] = {
    "WBRI": "british",
    "WIRI": "british",
    "WIRT": "british",
    "WOTH": "european",
    "WROM": "european",
    "MWBC": "british",
    "MWBA": "british",
    "MWAS": "british",
    "MOTH": "british",
    "AIND": "south_asian",
    "APKN": "south_asian",
    "ABAN": "south_asian",
    "AOTH": "south_asian",
    "BCRB": "african_caribbean",
    "BAFR": "african_caribbean",
    "BOTH": "african_caribbean",
    "CHNE": "east_asian",
    "OOTH": "other",
    "REFU": "british",
    "NOBT": "british",
}


class NamePicker:
    """Draws names with the generator's seeded ``random.Random``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _pick(self, table: tuple[tuple[str, ...], tuple[float, ...]]) -> str:
        names, weights = table
        return self.rng.choices(names, weights)[0]

    def child_forename(self, group: str, sex: str) -> str:
        names = GROUPS[group]
        return self._pick(names.girls if sex == "F" else names.boys)

    def surname(self, group: str) -> str:
        roll = self.rng.random()
        if roll < 0.012:
            return self.rng.choice(_SURNAMES_RARE)
        if group == "british" and roll < 0.03:
            first = self._pick(BRITISH.surnames)
            second = self._pick(BRITISH.surnames)
            if first != second:
                return f"{first}-{second}"
        return self._pick(GROUPS[group].surnames)

    def adult_forename(self, sex: str) -> str:
        return self.rng.choice(_ADULT_WOMEN if sex == "F" else _ADULT_MEN)

    def language(self, group: str) -> str:
        return self.rng.choice(GROUPS[group].languages)


# --- places --------------------------------------------------------------------------------

_PLACE_STARTS = (
    "Ash", "Bram", "Cal", "Dun", "Elder", "Fern", "Glen", "Hazel", "Kel", "Lark", "Marl",
    "Nor", "Oak", "Pen", "Quarry", "Rush", "Sel", "Thorn", "Wil", "Yew", "Brack", "Cross",
    "Holly", "Linn", "Moss", "Red", "Sand", "Stan", "Whin", "Birk",
)  # fmt: skip
_PLACE_ENDS = (
    "by", "combe", "den", "field", "ford", "ham", "holme", "ley", "mere", "stead", "thwaite",
    "ton", "wick", "worth", "dale", "brook", "side", "gate",
)  # fmt: skip

#: Every invented place name, in a fixed order.
PLACES: tuple[str, ...] = tuple(
    start + end for start, end in itertools.product(_PLACE_STARTS, _PLACE_ENDS)
)

STREET_KINDS = ("Road", "Street", "Lane", "Avenue", "Close", "Grove", "Drive", "Way", "Crescent")

#: Letters used in the inward part of a postcode (never C, I, K, M, O or V).
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def postcode(rng: random.Random, districts: Sequence[str]) -> str:
    """A postcode in one of the given real districts with an invented inward part."""
    district = rng.choice(districts)
    return f"{district} {rng.randrange(10)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"


def street_address(rng: random.Random) -> str:
    return f"{rng.randrange(1, 200)} {rng.choice(PLACES)} {rng.choice(STREET_KINDS)}"


def drama_phone(rng: random.Random) -> str:
    """A mobile number from the range Ofcom keeps for drama: never a real line."""
    return f"07700 900{rng.randrange(1000):03d}"


def email_for(name: str, serial: int) -> str:
    """An address at the reserved domain example.com, in plain ASCII."""
    local = ".".join(part for part in (fold(word) for word in name.split()) if part)
    return f"{local or 'contact'}.{serial}@example.com"
