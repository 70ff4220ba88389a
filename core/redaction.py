"""Taking a secret out of text before it is logged, in every form it can take there.

A secret sent in a query string or a form body is percent-encoded (`+` → `%2B`, `/` → `%2F`, space → `+` or
`%20`, hex digits in either case), so an exception message quoting the request URL holds the encoded form, which
a plain `str.replace` of the secret misses.
"""

import re


def _char_forms(char: str) -> str:
    encoded = "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
    forms = [re.escape(char), f"(?i:{re.escape(encoded)})"]
    if char == " ":
        forms.append(r"\+")
    return "(?:" + "|".join(forms) + ")"


def redact_secret(text: str, secret: str, label: str = "[redacted]") -> str:
    """`text` with every occurrence of `secret`, plain or percent-encoded (any mix), replaced by `label`."""
    if not secret:
        return text
    pattern = "".join(_char_forms(char) for char in secret)
    return re.sub(pattern, label, text)
