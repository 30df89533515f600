"""Which consumer-law regime an order falls under, from the country it ships to."""

from __future__ import annotations

from bot.domain.model import Jurisdiction

# The 27 member states of the European Union (ISO 3166-1 alpha-2), whose consumer law the EU
# regime follows; Greece is `GR` in ISO 3166 (Shopify and WooCommerce use ISO codes).
EU_COUNTRIES = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    }
)
UK_COUNTRIES = frozenset({"GB"})
US_COUNTRIES = frozenset({"US"})


def jurisdiction_of(country_code: str | None) -> Jurisdiction | None:
    """US → US, an EU member state → EU, GB → UK, anything else (or none) → None.

    The `jurisdiction` column of DESIGN §4 takes these values; a platform's address gives only
    the country, so its orders are mapped here (Shopify's `country_code`, WooCommerce's
    `billing_country`/`shipping_country`).
    """
    code = (country_code or "").strip().upper()
    if code in US_COUNTRIES:
        return Jurisdiction.US
    if code in EU_COUNTRIES:
        return Jurisdiction.EU
    if code in UK_COUNTRIES:
        return Jurisdiction.UK
    return None
