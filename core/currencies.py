"""ISO 4217 currency codes an account may bill conversions in (GA4, Google Ads and webhooks carry it as is).

Active national and regional currencies; not the fund, precious-metal, testing and "no currency" codes
(BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW, XAG, XAU, XBA–XBD, XDR, XPD, XPT, XSU, XTS, XUA, XXX).
"""

from django.core.exceptions import ValidationError

ISO_4217 = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF
CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL
HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL
MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON
RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
""".split())


def validate_currency(value: str) -> None:
    if value not in ISO_4217:
        raise ValidationError("“%(value)s” is not an ISO 4217 currency code (e.g. USD, EUR, GBP).",
                              params={"value": str(value)[:10]}, code="invalid_currency")
