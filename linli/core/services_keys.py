"""Key rotation for encrypted personal-data fields."""

from __future__ import annotations

from collections.abc import Iterator

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from linli.core.models import AuditAction, AuditLog
from linli.core.personal import EncryptedField, cipher


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[EncryptedField]]]:
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
        if fields:
            yield model, fields


def keys_rotate(*, batch_size: int = 2000) -> dict[str, int]:
    """Re-encrypt every token not under the current key and recompute its blind index.

    Safe to run twice and to interrupt: each batch commits on its own, rows already under the
    current key are skipped, and lookups use every key's index meanwhile (``blind_lookup``).
    """
    c = cipher()
    counts: dict[str, int] = {}
    for model, fields in encrypted_fields():
        names = [f.attname for f in fields]
        # Cast to plain text so that the tokens come back as stored, not decrypted.
        tokens = {f"_tok{i}": Cast(n, output_field=models.TextField()) for i, n in enumerate(names)}
        raw = model._default_manager.annotate(**tokens).values_list("pk", *tokens).order_by("pk")
        stale = [
            row[0]
            for row in raw.iterator(chunk_size=batch_size)
            if any(tok and c.needs_rotation(tok) for tok in row[1:])
        ]
        done = 0
        for i in range(0, len(stale), batch_size):
            with transaction.atomic():
                objs = list(
                    model._default_manager.select_for_update().filter(pk__in=stale[i : i + batch_size])
                )
                update = []
                for obj in objs:
                    for f in fields:
                        f.pre_save(obj, add=False)  # recompute the blind index under the current key
                    update.append(obj)
                model._default_manager.bulk_update(
                    update, names + [f.index_field for f in fields if f.index_field]
                )
                done += len(update)
        counts[model._meta.label] = done
    AuditLog.objects.create(
        actor=None,
        actor_name="system",
        action=AuditAction.KEY_ROTATION,
        subject_label=f"密钥轮换至 {c.current.key_id}",
        row_count=sum(counts.values()),
        detail={"counts": counts, "key_id": c.current.key_id},
    )
    return counts
