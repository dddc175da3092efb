"""Page forms of 诉求办理 (the pages' input goes through a form, as the API's through a schema)."""

from __future__ import annotations

from django import forms

from linli.cases.services import MAX_TEXT


class PublicTextForm(forms.Form):
    """修改公开内容: the text the public feed shows of a request, and the version it was read at."""

    text = forms.CharField(label="公开内容", max_length=MAX_TEXT, strip=True)
    version = forms.IntegerField(label="版本", min_value=1)
