"""Demo step placeholder (filled below)."""


def demo_run(**_kw):
    return {}


def demo_loaded() -> bool:
    return False
