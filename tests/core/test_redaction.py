import pytest

from core.redaction import redact_secret


@pytest.mark.parametrize("text", [
    "secret a+b/c d here", "url?k=a%2Bb%2Fc+d&x=1", "url?k=a%2bb%2fc%20d", "mixed a+b%2Fc d",
])
def test_every_form_of_the_secret_is_replaced(text):
    assert redact_secret(text, "a+b/c d", "[x]").count("[x]") == 1
    assert "a+b" not in redact_secret(text, "a+b/c d", "[x]")


def test_nothing_to_redact():
    assert redact_secret("plain text", "", "[x]") == "plain text"
    assert redact_secret("plain text", "other", "[x]") == "plain text"
