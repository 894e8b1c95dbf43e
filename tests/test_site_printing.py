"""A runbook's links to other pages carry their full address for print (`opsbook.site.printing`);
the browser tests read the addresses back from Chromium's PDF."""

from __future__ import annotations

from opsbook.site.printing import with_addresses

SITE = "https://giftgenius.github.io/handbook/"
PAGE = "runbooks/rb-checkout-failure/"


def test_links_to_other_pages_get_their_published_address():
    html = ('<p>See <a href="../rb-secret-leak/">rb-secret-leak</a> and '
            '<a title="SLO" href="../../slos/#checkout-success">the SLO</a>.</p>')
    assert with_addresses(html, SITE, PAGE) == (
        '<p>See <a href="../rb-secret-leak/" data-ops-address="https://giftgenius.github.io/handbook/runbooks/'
        'rb-secret-leak/">rb-secret-leak</a> and <a title="SLO" href="../../slos/#checkout-success" '
        'data-ops-address="https://giftgenius.github.io/handbook/slos/#checkout-success">the SLO</a>.</p>')


def test_addresses_anchors_and_sites_without_a_url_are_left_alone():
    html = ('<a href="https://grafana.example/d/x?a=1&amp;b=2">dashboard</a> <a href="mailto:oncall@example.com">'
            'mail</a> <a class="headerlink" href="#quick-mitigation">¶</a>')
    assert with_addresses(html, SITE, PAGE) == html
    assert with_addresses('<a href="../rb-secret-leak/">x</a>', "", PAGE) == '<a href="../rb-secret-leak/">x</a>'


def test_a_site_url_without_its_last_slash():
    assert 'data-ops-address="https://giftgenius.github.io/handbook/runbooks/rb-secret-leak/"' in with_addresses(
        '<a href="../rb-secret-leak/">x</a>', SITE.rstrip("/"), PAGE)
