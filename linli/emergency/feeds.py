"""The Atom feed of the warnings in force (/api/emergency/warnings.atom), a Django syndication feed
for other systems (screens, 政务公开 platforms): each entry links its CAP 1.2 message. Public, so it
carries what the warning itself publishes — headline, area, description — and no personal data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.utils.feedgenerator import Atom1Feed, Enclosure

from linli.core.links import public_url
from linli.emergency import selectors
from linli.emergency.models import Warning

FEED_PATH = "/api/emergency/warnings.atom"


def cap_path(number: str) -> str:
    """Where a warning's CAP 1.2 message is served (public)."""
    return f"/api/emergency/warnings/{number}.cap"


class WarningFeed(Feed):
    """生效中的预警 as Atom: one entry per public warning in force, linking its CAP message. Made once
    per request (the API operation calls ``WarningFeed()(request)``): the links are absolute with
    ``LINLI_PUBLIC_URL`` or the request's host."""

    feed_type = Atom1Feed
    title = "邻里 · 生效中的预警"
    subtitle = "突发事件预警信息（每条附 CAP 1.2 报文）"
    language = "zh-CN"
    item_guid_is_permalink = False
    request: HttpRequest

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request

    def link(self) -> str:
        return public_url(self.request, FEED_PATH)

    def feed_guid(self) -> str:
        return self.link()

    def items(self) -> list[Warning]:
        return list(selectors.public_warnings())

    def item_title(self, item: Warning) -> str:
        return item.headline

    def item_description(self, item: Warning) -> str:
        return f"{item.area_desc}：{item.description[:300]}"

    def item_link(self, item: Warning) -> str:
        return public_url(self.request, cap_path(item.number))

    def item_guid(self, item: Warning) -> str:
        return f"urn:linli:warning:{item.identifier}"

    def item_author_name(self, item: Warning) -> str:
        return item.sender_name or item.sender

    def item_pubdate(self, item: Warning) -> dt.datetime:
        return item.sent

    def item_updateddate(self, item: Warning) -> dt.datetime:
        return item.sent

    def item_categories(self, item: Warning) -> list[str]:
        return [item.get_hazard_display()]

    def item_enclosures(self, item: Warning) -> list[Enclosure]:
        return [Enclosure(self.item_link(item), "0", "application/cap+xml")]
