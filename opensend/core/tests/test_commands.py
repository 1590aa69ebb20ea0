import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from opensend.core import bank_holidays
from opensend.core.models import Area, BankHolidayOverride, Membership, Organisation, User


@pytest.fixture(autouse=True)
def fresh_holidays():
    bank_holidays.clear_cache()
    yield
    bank_holidays.clear_cache()


@pytest.mark.django_db
def test_bank_holidays_lists_a_year(capsys):
    call_command("bank_holidays", "--year", "2026")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Thu 1 January 2026"
    assert "Mon 28 December 2026" in lines  # the Boxing Day substitute
    assert len(lines) == 8


@pytest.mark.django_db
def test_bank_holidays_load_the_govuk_feed(tmp_path, capsys):
    installed = sorted(
        day for day in bank_holidays.england_and_wales(2027, 2027) if day.weekday() < 5
    )
    events = [
        {"title": "Holiday", "date": day.isoformat()}
        for day in installed
        if day != dt.date(2027, 5, 31)
    ]
    events.append({"title": "A proclaimed day", "date": "2027-06-07"})
    feed = tmp_path / "bank-holidays.json"
    feed.write_text(
        json.dumps({"england-and-wales": {"division": "england-and-wales", "events": events}})
    )
    call_command("bank_holidays", "--load", str(feed))
    assert "1 added, 1 removed" in capsys.readouterr().out
    days = bank_holidays.england_and_wales(2027, 2027)
    assert dt.date(2027, 6, 7) in days
    assert dt.date(2027, 5, 31) not in days
    assert BankHolidayOverride.objects.count() == 2


@pytest.mark.django_db
def test_bank_holidays_refuse_a_file_that_is_not_the_feed(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"scotland": {}}))
    with pytest.raises(CommandError, match=r"not the GOV\.UK bank holidays feed"):
        call_command("bank_holidays", "--load", str(bad))
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(CommandError, match=r"Could not read broken\.json"):
        call_command("bank_holidays", "--load", str(broken))


@pytest.mark.django_db
def test_setting_up_an_area_an_organisation_and_a_user(capsys):
    call_command(
        "area_add",
        "--name",
        "Halford Vale",
        "--la-code",
        "990",
        "--ons-code",
        "E06999001",
        "--region",
        "north west",
    )
    call_command(
        "organisation_add",
        "--name",
        "Halford Vale Council",
        "--kind",
        "local_authority",
        "--areas",
        "990",
        "--home-area",
        "990",
    )
    organisation = Organisation.objects.get(name="Halford Vale Council")
    call_command(
        "user_add",
        "--email",
        "Casey@Example.org",
        "--name",
        "Casey",
        "--organisation",
        str(organisation.pk),
        "--roles",
        "ehc_coordinator,send_manager",
        "--areas",
        "990",
    )
    out = capsys.readouterr().out
    password = out.split("Password (shown once): ")[1].strip()
    user = User.objects.get(email="casey@example.org")
    assert user.check_password(password)
    membership = Membership.objects.get(user=user)
    assert membership.role_codes == {"ehc_coordinator", "send_manager"}
    assert [a.la_code for a in membership.areas.all()] == ["990"]
    assert Area.objects.get(la_code="990").region == "E12000002"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("command", "args", "message"),
    [
        (
            "area_add",
            ["--name", "X", "--la-code", "99", "--ons-code", "E06999001", "--region", "London"],
            "3 digits",
        ),
        (
            "area_add",
            ["--name", "X", "--la-code", "991", "--ons-code", "E06999001", "--region", "Wales"],
            "Unknown region",
        ),
        (
            "organisation_add",
            ["--name", "X", "--kind", "school", "--areas", "123"],
            "No area with LA code 123",
        ),
        (
            "user_add",
            [
                "--email",
                "a@b.org",
                "--name",
                "A",
                "--organisation",
                "999999",
                "--roles",
                "senco",
                "--areas",
                "",
            ],
            "No organisation with id",
        ),
    ],
)
def test_setup_commands_explain_bad_input(command, args, message):
    with pytest.raises(CommandError, match=message):
        call_command(command, *args)
    assert not User.objects.filter(email="a@b.org").exists()


@pytest.mark.django_db
def test_user_add_refuses_a_role_the_organisation_cannot_have(area, local_authority):
    with pytest.raises(CommandError, match="SENCO is not a role in a local authority"):
        call_command(
            "user_add",
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--organisation",
            str(local_authority.pk),
            "--roles",
            "senco",
            "--areas",
            area.la_code,
        )
    assert not User.objects.filter(email="x@example.org").exists()


def test_cli_translates_hyphens(monkeypatch):
    from opensend import cli

    seen = {}
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line",
        lambda args: seen.setdefault("args", args),
    )
    cli.main(["whatever", "import-census", "--help-me"])
    assert seen["args"] == ["opensend", "import_census", "--help-me"]
