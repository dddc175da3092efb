"""Row validation (pure): every problem is named by its column, values are normalised."""

import datetime as dt

from linli.core.engine.idnumber import make
from linli.registry.engine.rows import clean_building, clean_household, clean_person
from linli.registry.models import ETHNICITIES

TODAY = dt.date(2026, 11, 22)
ETH = frozenset(ETHNICITIES)


def person(**kw):
    row = {
        "name": "张三",
        "id_number": make("350504", dt.date(1950, 3, 1), 1, "M"),
        "region_code": "350504001001001",
    }
    row.update(kw)
    return clean_person(row, ethnicities=ETH, today=TODAY)


def keys(problems):
    return {k for k, _ in problems}


def test_valid_person_derives_sex_and_birth():
    out, problems = person(relation="户主", residence_type="流动", ethnicity="畲")
    assert problems == []
    assert (out["sex"], out["birth_date"], out["relation"], out["residence_type"], out["ethnicity"]) == (
        "M",
        dt.date(1950, 3, 1),
        "head",
        "floating",
        "畲族",
    )


def test_conflicting_sex_and_birth_are_reported():
    _, problems = person(sex="女", birth_date="1950-03-02")
    assert keys(problems) == {"sex", "birth_date"}


def test_excel_scientific_notation_is_explained():
    _, problems = person(id_number="3.50504E+17")
    assert "科学计数法" in dict(problems)["id_number"]


def test_without_id_sex_and_birth_are_required():
    _, problems = person(id_number="")
    assert keys(problems) == {"sex", "birth_date"}
    out, problems = person(id_number="", sex="女", birth_date="2001年5月6日")
    assert problems == [] and out["birth_date"] == dt.date(2001, 5, 6)


def test_bad_values_each_name_their_column():
    _, problems = person(
        name="", phone="12345", relation="邻居", residence_type="暂住", ethnicity="火星族", region_code="3505"
    )
    assert keys(problems) == {"name", "phone", "relation", "residence_type", "ethnicity", "region_code"}


def test_html_in_name_is_refused():
    _, problems = person(name="<script>")
    assert keys(problems) == {"name"}


def test_household_and_building_rows():
    assert clean_household({"code": "H1", "region_code": "350504001001"})[1] == []
    assert keys(clean_household({"code": "H 1", "region_code": "1"})[1]) == {"code", "region_code"}
    out, problems = clean_building(
        {
            "code": "B1",
            "name": "1号楼",
            "region_code": "350504001001001",
            "lat": "24.9",
            "lon": "118.6",
            "floors": "18",
            "kind": "小区",
        }
    )
    assert problems == [] and out["kind"] == "estate" and out["floors"] == 18
    _, problems = clean_building(
        {
            "code": "B1",
            "name": "x",
            "region_code": "350504001001001",
            "lat": "95",
            "lon": "abc",
            "floors": "0",
        }
    )
    assert keys(problems) == {"lat", "lon", "floors"}


def test_full_width_id_is_stored_in_ascii():
    n = make("350504", dt.date(1950, 3, 1), 1, "M")
    out, problems = person(id_number=n.translate(str.maketrans("0123456789", "０１２３４５６７８９")))
    assert problems == [] and out["id_number"] == n
