"""Catalogues loaded by data migrations come back after a flush, and edited ones are left alone."""

import pytest
from django.core.management import call_command

from linli.cases.models import Category
from linli.facilities.models import FacilityType
from linli.lifecircle.models import CircleStandard
from linli.services.models import TaxonomyTerm


@pytest.mark.django_db(transaction=True)
def test_a_flush_puts_the_catalogues_back():
    call_command("flush", interactive=False, verbosity=0)
    assert FacilityType.objects.filter(code="elderly_station").exists()
    assert Category.objects.exists()
    assert TaxonomyTerm.objects.exists()
    assert CircleStandard.objects.filter(type__code="elderly_station").exists()


@pytest.mark.django_db(transaction=True)
def test_a_catalogue_with_rows_is_not_reloaded():
    FacilityType.objects.filter(code="elderly_station").update(name="居家养老服务站")
    call_command("migrate", verbosity=0)
    assert FacilityType.objects.get(code="elderly_station").name == "居家养老服务站"
