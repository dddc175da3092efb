"""The pages speak Simplified Chinese whatever language the browser asks for."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize("asked", ["en-US,en;q=0.9", "fr", ""])
def test_a_browser_asking_for_another_language_gets_chinese(client, asked):
    response = client.post(
        reverse("login"), {"username": "nobody", "password": "wrong-password"}, HTTP_ACCEPT_LANGUAGE=asked
    )
    assert response.headers["Content-Language"] == "zh-hans"
    [error] = response.context["form"].non_field_errors()
    assert "密码" in error and "password" not in error
