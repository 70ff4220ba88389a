from core.templatetags.callpool import wrap_at_slashes


def test_wrap_at_slashes_lets_a_page_wrap_after_each_slash_and_escapes_first():
    assert wrap_at_slashes("localhost/services/water-heaters") == "localhost/<wbr>services/<wbr>water-heaters"
    assert wrap_at_slashes("<b>/x") == "&lt;b&gt;/<wbr>x"
    assert wrap_at_slashes("google / cpc") == "google / cpc"  # spaces already let it wrap
    assert wrap_at_slashes(None) == ""
