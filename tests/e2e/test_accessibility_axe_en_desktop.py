"""axe-core on every kind of page, in English at desktop width (1280 x 900): the walk and its data set
in tests/e2e/axe_walk.py, one file per language x width so that the suite's processes share them."""

from tests.e2e import axe_walk

pytestmark = axe_walk.PYTESTMARK
estate = axe_walk.estate  # the fixture (`site` is tests/e2e/conftest.py's)


def test_no_critical_or_serious_violation_and_the_moderate_ones_are_listed(browser, estate, capsys):
    axe_walk.check(browser, estate, "en", "desktop", capsys)
