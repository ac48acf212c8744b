"""The variables table of step 3 (issue 19): the variables of the deposit's ready files (real
NetCDF files made by ncgen, CSV files) offered ticked while nobody decided, the depositor's list
kept as saved, an unticked variable never back by itself, the review's word on what the files hold
beyond the list, and submission filling the variables of a deposit whose table was never saved.
Through the test client: the page is read as a browser reads its form, and posted back."""

from __future__ import annotations

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from deposit import services, wizard
from deposit.models import Deposit
from deposit.workflow import Action
from tests.deposit.test_wizard import netcdf_from_cdl, save, step_url
from tests.factories import complete_metadata

pytestmark = pytest.mark.django_db

GLIDER_VARIABLES = ["conductivity", "density", "salinity", "temperature", "u", "v"]


@pytest.fixture
def draft(depositor, communities):
    return services.deposit_create(owner=depositor, metadata=complete_metadata(), community="ocean")


@pytest.fixture
def glider(tmp_path):
    return netcdf_from_cdl("ru07-20130824T170228_rt0", tmp_path)


def upload(deposit, depositor, name: str, data: bytes) -> None:
    services.file_add_bytes(deposit=deposit, actor=depositor, name=name, chunks=[data], size=len(data))


def fresh(deposit) -> Deposit:
    return Deposit.objects.get(pk=deposit.pk)


def page_of(client, deposit, step="where_when"):
    response = client.get(step_url(deposit, step))
    assert response.status_code == 200
    return lxml_html.fromstring(response.content)


def form_fields(page) -> dict[str, str]:
    """What the browser posts of the step's form: its inputs (checkboxes only when ticked), selects
    and text areas, outside the templates of new lines."""
    fields: dict[str, str] = {}
    form = page.get_element_by_id("wizard-form")
    for el in form.xpath(".//input[@name] | .//select[@name] | .//textarea[@name]"):
        if el.xpath("ancestor::template"):
            continue
        if el.tag == "input" and el.get("type") == "checkbox":
            if el.get("checked") is not None:
                fields[el.get("name")] = el.get("value", "on")
        elif el.tag == "select":
            chosen = el.xpath("option[@selected]") or el.xpath("option")
            fields[el.get("name")] = chosen[0].get("value", "") if chosen else ""
        elif el.tag == "textarea":
            fields[el.get("name")] = el.text or ""
        elif el.get("type") not in ("submit", "button"):
            fields[el.get("name")] = el.get("value", "")
    return fields


def table_lines(page) -> list[tuple[str, bool]]:
    """The table's lines: (name, ticked)."""
    lines = []
    for row in page.xpath("//*[@id='f-variables']//fieldset[@data-row][not(ancestor::template)]"):
        [name] = row.xpath(".//input[@data-name='name']/@value")
        lines.append((name, bool(row.xpath(".//input[@data-name='keep'][@checked]"))))
    return lines


def test_a_netcdf_files_variables_are_offered_ticked_and_kept_once_the_step_is_saved(client, depositor, draft, glider):
    upload(draft, depositor, "ru07_glider.nc", glider)
    client.force_login(depositor)
    page = page_of(client, draft)
    assert table_lines(page) == [(name, True) for name in GLIDER_VARIABLES]
    assert "variables" not in fresh(draft).metadata  # offered, not stored: nobody decided yet
    temperature = page.xpath("//input[@name='variables-3-unit_text']/@value")
    assert temperature == ["Celsius"]

    fields = form_fields(page)
    del fields["variables-5-keep"]  # `v` unticked
    fields["variables-3-unit_text"] = "degC"  # and a unit corrected
    assert save(client, draft, "where_when", fields).status_code == 200

    variables = fresh(draft).metadata["variables"]
    assert [v["name"] for v in variables] == GLIDER_VARIABLES[:5]
    assert variables[3] == {
        "name": "temperature",
        "description": "Temperature",
        "property_id": "https://cfconventions.org/Data/cf-standard-names/current/build/cf-standard-name-table.html"
        "#sea_water_temperature",
        "unit_text": "degC",
        "unit_code": "CEL",  # the code follows the unit as corrected
    }
    # `v` is offered again, unticked: it never comes back by itself
    page = page_of(client, draft)
    assert table_lines(page) == [(name, True) for name in GLIDER_VARIABLES[:5]] + [("v", False)]
    assert "1 variable of your files is not in your list" in page.text_content()
    assert save(client, draft, "where_when", form_fields(page)).status_code == 200
    assert [v["name"] for v in fresh(draft).metadata["variables"]] == GLIDER_VARIABLES[:5]


def test_a_step_saved_before_the_files_leaves_the_variables_undecided_and_later_files_arrive(
    client, depositor, draft, glider
):
    client.force_login(depositor)
    page = page_of(client, draft)
    assert table_lines(page) == [] and "No variable yet" in page.text_content()
    assert save(client, draft, "where_when", form_fields(page)).status_code == 200
    assert "variables" not in fresh(draft).metadata

    upload(draft, depositor, "ru07_glider.nc", glider)  # step 4, after step 3
    review = client.get(reverse("deposit:wizard-review", kwargs={"pk": draft.pk})).content.decode()
    assert "The 6 variables found in your files are listed as measured when you submit" in review
    deposit = services.deposit_act(deposit=fresh(draft), action=Action.submit, actor=depositor)
    assert [v["name"] for v in deposit.metadata["variables"]] == GLIDER_VARIABLES


def test_every_variable_unticked_is_an_empty_list_that_submission_keeps(client, depositor, draft, glider):
    upload(draft, depositor, "ru07_glider.nc", glider)
    client.force_login(depositor)
    fields = {k: v for k, v in form_fields(page_of(client, draft)).items() if not k.endswith("-keep")}
    assert save(client, draft, "where_when", fields).status_code == 200
    assert fresh(draft).metadata["variables"] == []
    review = client.get(reverse("deposit:wizard-review", kwargs={"pk": draft.pk})).content.decode()
    assert "6 variables of your files are not in your list of variables" in review
    deposit = services.deposit_act(deposit=fresh(draft), action=Action.submit, actor=depositor)
    assert deposit.metadata["variables"] == []


def test_a_csv_and_a_netcdf_file_give_one_table_naming_the_files_each_variable_is_in(client, depositor, draft, glider):
    upload(draft, depositor, "casts/ctd.csv", b"time,temperature,psal [PSU]\n2024-04-25,12.5,35.1\n")
    upload(draft, depositor, "ru07_glider.nc", glider)
    client.force_login(depositor)
    page = page_of(client, draft)
    names = [name for name, _ticked in table_lines(page)]
    assert names == ["temperature", "psal [PSU]", "conductivity", "density", "salinity", "u", "v"]
    [temperature] = page.xpath("//fieldset[@id='f-variables-0']")
    assert "In 2 files: casts/ctd.csv, ru07_glider.nc" in " ".join(temperature.text_content().split())
    assert page.xpath("//input[@name='variables-1-unit_text']/@value") == ["PSU"]


def test_a_variable_typed_by_hand_is_checked_at_submission_against_its_step_and_field(client, depositor, draft):
    client.force_login(depositor)
    fields = form_fields(page_of(client, draft))
    fields.update({"variables-0-keep": "on", "variables-0-name": "temp", "variables-0-property_id": "not a link"})
    fields.update({"variables-1-keep": "on", "variables-1-name": "temp"})
    assert save(client, draft, "where_when", fields).status_code == 200
    assert fresh(draft).metadata["variables"] == [{"name": "temp", "property_id": "not a link"}, {"name": "temp"}]
    problems = {p["field"]: p for p in services.deposit_problems(fresh(draft))}
    assert problems["variables.0.property_id"]["step"] == "where_when"
    page = page_of(client, draft)
    assert page.xpath("//*[@id='f-variables-0-property_id-problems']/li")
    fields = form_fields(page)
    fields["variables-0-property_id"] = "http://vocab.nerc.ac.uk/collection/P01/current/TEMPPR01/"
    assert save(client, draft, "where_when", fields).status_code == 200
    problems = {p["field"]: p for p in services.deposit_problems(fresh(draft))}
    assert "variables.0.property_id" not in problems
    assert problems["variables.1.name"]["step"] == "where_when"
    assert page_of(client, draft).xpath("//*[@id='f-variables-1-name-problems']/li")
    assert wizard.problem_anchor({"step": "where_when", "field": "variables.1.name"}, fresh(draft).metadata)[1] == (
        "f-variables-1-name"
    )


def test_the_moderator_reads_the_variables_in_step_3_and_comments_on_them_there(depositor, draft, glider):
    from moderation import review

    upload(draft, depositor, "ru07_glider.nc", glider)
    deposit = services.deposit_act(deposit=fresh(draft), action=Action.submit, actor=depositor)
    [where_when] = [s for s in review.sections(deposit.metadata, deposit) if s.slug == "where_when"]
    groups = {g.anchor: g for g in where_when.groups}
    temperature = groups["variables-3"]
    assert str(temperature.label) == "Variables 4"
    assert [(str(r.label), r.value) for r in temperature.rows][:2] == [
        ("Name", "temperature"),
        ("Description", "Temperature"),
    ]
    assert review.step_of_anchor("variables-3") == "where_when"
