"""Computed data elements carry their source's definition as their description (the dashboard shows it)."""

import pytest

from linli.indicators.models import DataElement
from linli.indicators.providers import sync_elements
from linli.lifecircle import indicators as lifecircle_elements


@pytest.mark.django_db
def test_a_generated_description_becomes_the_definition_and_an_edited_one_is_kept():
    sync_elements()
    within = DataElement.objects.get(code="lifecircle_nursery_within")
    assert within.description == lifecircle_elements.DEFINITION
    DataElement.objects.filter(code=within.code).update(description="由lifecircle.coverage计算")
    population = DataElement.objects.get(code="lifecircle_nursery_population")
    population.description = "本区自定的说明"
    population.save()
    assert sync_elements() == 0  # nothing new
    assert DataElement.objects.get(code=within.code).description == lifecircle_elements.DEFINITION
    assert DataElement.objects.get(code=population.code).description == "本区自定的说明"
