"""API schemas of regions that other modules' APIs share (a region named in their rows)."""

from ninja import Schema


class RegionRef(Schema):
    """A region as other records name it: its code, name and level."""

    code: str
    name: str
    level: int
    level_label: str
