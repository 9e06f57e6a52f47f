"""The payment seam: how a person's share is paid before it is neutralised.

A WeChat Pay or Alipay adapter implements `PaymentProvider`: it confirms a payment made in its own flow and
returns the reference to record. The built-in providers need no network: `free` (the organiser pays) and
`on_site` (paid at the registration desk, confirmed by the organiser's staff).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from errors import ValidationError


@dataclass(frozen=True)
class Payment:
    method: str
    reference: str
    amount_cny: Decimal


class PaymentProvider(Protocol):
    name: str

    def confirm(self, *, amount_cny: Decimal, reference: str) -> Payment:
        """The payment of `amount_cny` that `reference` names, confirmed; a refusal raises a DomainError."""


class FreeProvider:
    name = "free"

    def confirm(self, *, amount_cny: Decimal, reference: str) -> Payment:
        return Payment("free", reference or "free", Decimal(0))


class OnSiteProvider:
    name = "on_site"

    def confirm(self, *, amount_cny: Decimal, reference: str) -> Payment:
        if not reference.strip():
            raise ValidationError("a payment made on site needs the receipt's reference",
                                  fields={"payment_reference": ["required for a payment on site"]})
        return Payment("on_site", reference.strip(), amount_cny)


PROVIDERS: dict[str, PaymentProvider] = {p.name: p for p in (FreeProvider(), OnSiteProvider())}


def provider(name: str) -> PaymentProvider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ValidationError(f"unknown payment method '{name}'",
                              fields={"payment_method": [f"one of {', '.join(PROVIDERS)}"]}) from None
