from django.test import RequestFactory, override_settings

from linli.core.links import public_url


@override_settings(ALLOWED_HOSTS=["10.0.0.5"])
def test_public_url_prints_the_public_address_not_the_internal_host():
    request = RequestFactory().get("/volunteers/list/", HTTP_HOST="10.0.0.5:8000")
    assert public_url(request, "/volunteers/verify/") == "http://10.0.0.5:8000/volunteers/verify/"
    with override_settings(ALLOWED_HOSTS=["10.0.0.5"], LINLI_PUBLIC_URL="https://linli.example.gov.cn/"):
        assert public_url(request, "/volunteers/verify/") == "https://linli.example.gov.cn/volunteers/verify/"
