"""The demo shop's fixed catalogue: products, suppliers and customer name pools."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DemoProduct:
    """One catalogue entry; prices are in the shop's base currency (USD)."""

    sku: str
    name: str
    category: str
    price: str
    on_hand: int
    lead_time_days: int | None
    supplier: str
    alternatives: tuple[str, ...] = ()
    handling_days: int | None = None


# Why: substitutes are offered only in the order's own currency, and the demo customer pays USD.
BASE_CURRENCY = "USD"
BREWLINE = "Brewline GmbH"
NORDIC = "Nordic Kitchenworks AB"
TRAILHEAD = "Trailhead Supply Co."
HARBOUR = "Harbour Book Distributors"
LOOM = "Loom & Lantern Ltd"

# The demo customer's lines use these SKUs; the stock and purchase orders below are set so that
# each one ends up with a different confidence kind (DESIGN §5.5).
IN_STOCK_SKU = "KT-KNIF-02"
CONFIRMED_SKU = "CG-KETL-02"
PLANNED_SKU = "OD-TENT-01"
ESTIMATE_SKU = "CG-GRND-01"
UNKNOWN_SKU = "CG-ESPM-06"

PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        "CG-GRND-01",
        "Conical Burr Grinder Pro",
        "Coffee gear",
        "189.00",
        0,
        21,
        BREWLINE,
        ("CG-GRND-07",),
    ),
    DemoProduct("CG-KETL-02", "Gooseneck Kettle 1 L", "Coffee gear", "69.90", 0, 14, BREWLINE),
    DemoProduct("CG-DRIP-03", "Ceramic Pour-Over Dripper", "Coffee gear", "24.50", 3, 10, BREWLINE),
    DemoProduct("CG-SCAL-04", "Espresso Scale with Timer", "Coffee gear", "49.00", 2, 12, BREWLINE),
    DemoProduct("CG-TAMP-05", "Calibrated Tamper 58 mm", "Coffee gear", "39.00", 25, 10, BREWLINE),
    DemoProduct(
        "CG-ESPM-06",
        "Dual Boiler Espresso Machine",
        "Coffee gear",
        "1290.00",
        0,
        None,
        BREWLINE,
        handling_days=2,
    ),
    DemoProduct("CG-GRND-07", "Hand Grinder Compact", "Coffee gear", "99.00", 14, 14, BREWLINE),
    DemoProduct(
        "KT-DOVN-01",
        "Cast Iron Dutch Oven 5.5 L",
        "Kitchen",
        "119.00",
        1,
        30,
        NORDIC,
        ("KT-PANS-05",),
    ),
    DemoProduct("KT-KNIF-02", "Chef's Knife 21 cm", "Kitchen", "89.00", 40, 14, NORDIC),
    DemoProduct("KT-BORD-03", "End-Grain Cutting Board", "Kitchen", "74.00", 12, 21, NORDIC),
    DemoProduct("KT-MIXR-04", "Stand Mixer 5 L", "Kitchen", "449.00", 0, 28, NORDIC),
    DemoProduct("KT-PANS-05", "Carbon Steel Frying Pan 28 cm", "Kitchen", "54.00", 18, 14, NORDIC),
    DemoProduct("KT-SCAL-06", "Digital Kitchen Scale", "Kitchen", "29.90", 30, 7, NORDIC),
    DemoProduct(
        "OD-TENT-01",
        "Ultralight Tent 2P",
        "Outdoor",
        "379.00",
        0,
        35,
        TRAILHEAD,
        ("OD-PACK-05",),
    ),
    DemoProduct("OD-SBAG-02", "Down Sleeping Bag -5 °C", "Outdoor", "259.00", 0, 28, TRAILHEAD),
    DemoProduct("OD-STOV-03", "Backpacking Stove", "Outdoor", "59.00", 22, 14, TRAILHEAD),
    DemoProduct(
        "OD-LAMP-04", "Rechargeable Headlamp 400 lm", "Outdoor", "39.90", 35, 10, TRAILHEAD
    ),
    DemoProduct("OD-PACK-05", "Trekking Backpack 48 L", "Outdoor", "189.00", 0, 21, TRAILHEAD),
    DemoProduct("OD-BOTL-06", "Insulated Bottle 750 ml", "Outdoor", "32.00", 60, 7, TRAILHEAD),
    DemoProduct("BK-COFF-01", "The World Atlas of Coffee", "Books", "35.00", 15, 5, HARBOUR),
    DemoProduct("BK-BREA-02", "Flour Water Salt Yeast", "Books", "32.00", 9, 5, HARBOUR),
    DemoProduct("BK-TRAI-03", "Long Trails of Europe", "Books", "28.00", 0, 10, HARBOUR),
    DemoProduct("BK-FERM-04", "The Art of Fermentation", "Books", "39.00", 0, 12, HARBOUR),
    DemoProduct(
        "HM-LAMP-01",
        "Linen Table Lamp",
        "Home",
        "79.00",
        6,
        18,
        LOOM,
        ("HM-THRW-02",),
    ),
    DemoProduct("HM-THRW-02", "Merino Throw Blanket", "Home", "129.00", 0, 25, LOOM),
)


@dataclass(frozen=True, slots=True)
class Region:
    """Where a group of customers lives: language, time zones, law, money and phone style."""

    language: str
    jurisdiction: str
    currency: str
    rate: str
    timezones: tuple[str, ...]
    phone_prefix: str
    email_domain: str
    # Full names with the ASCII local part of their e-mail address.
    people: tuple[tuple[str, str], ...]


REGIONS: tuple[Region, ...] = (
    Region(
        "en",
        "US",
        "USD",
        "1",
        ("America/New_York", "America/Chicago", "America/Los_Angeles"),
        "+1 555 01",
        "example.com",
        (
            ("Emily Carter", "emily.carter"),
            ("Jacob Miller", "jacob.miller"),
            ("Olivia Brooks", "olivia.brooks"),
            ("Daniel Hughes", "daniel.hughes"),
            ("Sophia Bennett", "sophia.bennett"),
            ("Marcus Reed", "marcus.reed"),
            ("Grace Sullivan", "grace.sullivan"),
        ),
    ),
    Region(
        "en",
        "UK",
        "GBP",
        "0.79",
        ("Europe/London",),
        "+44 7700 900",
        "example.co.uk",
        (
            ("Oliver Whitfield", "oliver.whitfield"),
            ("Charlotte Evans", "charlotte.evans"),
            ("Harry Dawson", "harry.dawson"),
            ("Amelia Clarke", "amelia.clarke"),
            ("Isla Murray", "isla.murray"),
        ),
    ),
    Region(
        "de",
        "EU",
        "EUR",
        "0.92",
        ("Europe/Berlin", "Europe/Vienna", "Europe/Zurich"),
        "+49 151 2345",
        "beispiel.de",
        (
            ("Lukas Schneider", "lukas.schneider"),
            ("Anna Weber", "anna.weber"),
            ("Jonas Fischer", "jonas.fischer"),
            ("Lea Hoffmann", "lea.hoffmann"),
            ("Felix Wagner", "felix.wagner"),
            ("Marie Becker", "marie.becker"),
            ("Jürgen Schäfer", "juergen.schaefer"),
        ),
    ),
    Region(
        "es",
        "EU",
        "EUR",
        "0.92",
        ("Europe/Madrid", "Atlantic/Canary"),
        "+34 612 34",
        "ejemplo.es",
        (
            ("Lucía García", "lucia.garcia"),
            ("Javier Martínez", "javier.martinez"),
            ("Carmen López", "carmen.lopez"),
            ("Diego Sánchez", "diego.sanchez"),
            ("Elena Romero", "elena.romero"),
            ("Pablo Navarro", "pablo.navarro"),
        ),
    ),
    Region(
        "fr",
        "EU",
        "EUR",
        "0.92",
        ("Europe/Paris", "Europe/Brussels"),
        "+33 6 12 34",
        "exemple.fr",
        (
            ("Camille Dubois", "camille.dubois"),
            ("Louis Martin", "louis.martin"),
            ("Chloé Bernard", "chloe.bernard"),
            ("Hugo Lefèvre", "hugo.lefevre"),
            ("Manon Girard", "manon.girard"),
            ("Théo Moreau", "theo.moreau"),
        ),
    ),
    Region(
        "ru",
        "EU",
        "EUR",
        "0.92",
        ("Europe/Riga", "Europe/Berlin", "Europe/Tallinn"),
        "+371 2 123",
        "primer.lv",
        (
            ("Анна Смирнова", "anna.smirnova"),
            ("Дмитрий Иванов", "dmitry.ivanov"),
            ("Ольга Кузнецова", "olga.kuznetsova"),
            ("Сергей Попов", "sergey.popov"),
            ("Мария Соколова", "maria.sokolova"),
            ("Иван Волков", "ivan.volkov"),
        ),
    ),
)
