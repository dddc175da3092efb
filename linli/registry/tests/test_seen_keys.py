"""The import's record of the ID numbers a file has shown (``SeenKeys``) answers as a dict would."""

from __future__ import annotations

import random

from linli.registry.services._streaming import SeenKeys


def test_seen_keys_answer_as_a_dict_over_many_batches():
    rng = random.Random(7)
    seen, want = SeenKeys(), {}
    row = 1
    for _ in range(60):
        keys = [rng.choice([rng.getrandbits(64), rng.randrange(500)]) for _ in range(rng.randrange(1, 80))]
        got = seen.first_rows(keys)
        assert got == [want.get(k, 0) for k in keys]
        new = {}
        for k in keys:
            row += 1
            if k not in want and k not in new:
                new[k] = row
        seen.add(new)
        want.update(new)
    assert len(seen.runs) < 8  # merged as they grow
    absent = next(k for k in range(1000, 2000) if k not in want)
    assert seen.get(max(want)) == want[max(want)] and seen.get(absent) is None
