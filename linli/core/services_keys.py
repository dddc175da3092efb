"""Key rotation for encrypted personal-data fields."""

from __future__ import annotations

from collections.abc import Iterator

from django.apps import apps
from django.db import models, transaction
from django.db.models import Count, Min, Value
from django.db.models.functions import Cast, StrIndex, Substr

from linli.core.engine.crypto import KeyConfigError
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


def keys_check() -> dict[str, int]:
    """Check that the configured keys open the data: every key id used by an encrypted value is
    configured, and one value under each key decrypts. Returns the values counted per key id; raises
    ``KeyConfigError`` naming the missing or wrong key (a restore with the wrong keys fails here)."""
    c = cipher()
    configured = {k.key_id for k in c.keys}
    used: dict[str, int] = {}
    for model, fields in encrypted_fields():
        for f in fields:
            token = Cast(f.attname, output_field=models.TextField())
            kid = Substr(token, 1, StrIndex(token, Value("$")) - 1)
            rows = (
                model._default_manager.annotate(_tok=token)
                .exclude(_tok__isnull=True)
                .exclude(_tok="")
                .annotate(_kid=kid)
                .values("_kid")
                .annotate(n=Count("pk"), sample=Min("pk"))
            )
            for row in rows:
                key_id = row["_kid"] or "(无)"
                used[key_id] = used.get(key_id, 0) + row["n"]
                if key_id not in configured:
                    raise KeyConfigError(
                        f"缺少密钥 {key_id}：{model._meta.verbose_name}的{f.verbose_name}等 {row['n']} 条数据用它加密，"
                        f"请在 LINLI_FIELD_KEYS 中加入密钥 {key_id}"
                    )
                try:
                    obj = model._default_manager.get(pk=row["sample"])  # decrypts as it loads
                    value = getattr(obj, f.attname)
                    if hasattr(value, "reveal"):
                        value.reveal()
                except Exception as exc:
                    raise KeyConfigError(
                        f"密钥 {key_id} 与数据不符：{model._meta.verbose_name}的{f.verbose_name}无法解密"
                        f"（配置的 {key_id} 不是加密这些数据时用的那把密钥）"
                    ) from exc
    return used
