"""四个不漏: the 合计 row reads on a phone as the other rows do (each figure labelled with its check)."""

from __future__ import annotations

import re

from django.urls import reverse

from linli.registry.selectors import CHECKS


def test_total_row_cells_carry_their_labels(world, client_for):
    page = client_for(world.accounts.community_worker).get(reverse("registry:audit")).content.decode()
    foot = re.search(r"<tfoot>(.*?)</tfoot>", page, re.S)
    assert foot is not None
    labels = re.findall(r'data-label="([^"]*)"', foot.group(1))
    assert labels == [label for _, label in CHECKS] + ["合计"]
    assert "合计（万福社区居委会）" in foot.group(1)
