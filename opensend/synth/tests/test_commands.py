"""``opensend synth`` and ``opensend demo``: what they print, refuse and set up, and who can
see which children afterwards."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from opensend.core.models import Area, Membership, User
from opensend.core.roles import Role
from opensend.people import policy
from opensend.people.models import Child, FamilyContact, Involvement, Placement, SENStatus
from opensend.people.selectors import children_visible_to
from opensend.synth import demo
from opensend.synth.management.commands import demo as demo_command

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- opensend synth --------------------------------------------------------------------------


def test_synth_prints_a_summary_and_a_digest():
    output = run(
        "synth",
        "--profile",
        "stockton",
        "--scale",
        "0.02",
        "--seed",
        "4",
        "--on",
        "2026-01-15",
        "--digest",
    )
    assert "Generated Tessbridge (synthetic): LA code 991, ONS code E06999991" in output
    assert "as on 15 January 2026" in output
    plans = round(1132 * 0.02)
    assert re.search(rf"EHC plan\s+{plans}\b", output)
    assert re.search(r"SEN support\s+82\b", output)
    assert "MLD moderate learning difficulty" in output
    assert "Placed at a setting in another area" in output
    assert re.search(r"Digest: [0-9a-f]{64}", output)
    assert Child.objects.filter(area__la_code="991").count() == plans + 82 + 4 + round(0.06 * plans)


def test_synth_with_a_name_and_area_code_and_replace():
    run("synth", "--profile", "halton", "--scale", "0.01", "--area-code", "996", "--name", "Brook")
    assert Area.objects.get(la_code="996").name == "Brook (synthetic)"
    with pytest.raises(CommandError, match="--replace"):
        run("synth", "--profile", "halton", "--scale", "0.01", "--area-code", "996")
    output = run(
        "synth", "--profile", "halton", "--scale", "0.01", "--area-code", "996", "--replace"
    )
    assert output.startswith("Regenerated Halford Vale (synthetic)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "0"], "more than 0"),
        (["--area-code", "999"], "kept for the shared area"),
        (["--area-code", "012"], "990 to 998"),
        (["--on", "15/01/2026"], "like 2026-01-15"),
    ],
)
def test_synth_refuses_bad_input_clearly(args, message):
    with pytest.raises(CommandError, match=message):
        run("synth", "--profile", "halton", *args)


def test_synth_refuses_a_real_area():
    Area.objects.create(name="Halton", la_code="990", ons_code="E06000006", region="E12000002")
    with pytest.raises(CommandError, match="real area"):
        run("synth", "--profile", "halton", "--scale", "0.01", "--replace")


# --- opensend demo ---------------------------------------------------------------------------


@pytest.fixture
def static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    return settings.STATIC_ROOT


def demo_run(*extra: str) -> tuple[str, str]:
    output = run("demo", "--no-serve", "--scale", "0.05", *extra)
    match = re.search(r"Password for every account below: (\S+)", output)
    assert match is not None
    return output, match.group(1)


def test_demo_twice_generates_once_and_resets_the_accounts(static_root):
    first, password = demo_run()
    assert "Generating the demo area (halton profile, scale 0.05, seed 2026)" in first
    assert "http://127.0.0.1:8000/" in first
    area = Area.objects.get(la_code="990")
    children = Child.objects.filter(area=area).count()
    emails = set(User.objects.values_list("email", flat=True))
    assert {f"{a.local_part}@{demo.DEMO_DOMAIN}" for a in demo.STAFF} <= emails
    assert demo.PARENT_EMAIL in emails
    for email in emails:
        assert User.objects.get(email=email).check_password(password)
        assert email in first
    assert (static_root / "web").exists()

    second, new_password = demo_run()
    assert "Generating" not in second
    assert f"Using the synthetic area {area.name} (990)" in second
    assert new_password != password
    assert Child.objects.filter(area=area).count() == children
    assert User.objects.count() == len(emails)
    for user in User.objects.all():
        assert user.check_password(new_password)
        assert Membership.objects.current().filter(user=user).count() <= 1
    assert FamilyContact.objects.filter(user__email=demo.PARENT_EMAIL).count() == 1


def user(local_part: str) -> User:
    return User.objects.get(email=f"{local_part}@{demo.DEMO_DOMAIN}")


def visible(local_part: str) -> set[int]:
    return set(children_visible_to(user(local_part)).values_list("pk", flat=True))


def test_demo_accounts_see_what_their_relationship_allows(static_root):
    demo_run()
    area = Area.objects.get(la_code="990")
    everyone = set(Child.objects.filter(area=area).values_list("pk", flat=True))

    assert visible("coordinator") == everyone
    assert visible("manager") == everyone

    parent = User.objects.get(email=demo.PARENT_EMAIL)
    contact = FamilyContact.objects.get(user=parent)
    assert contact.has_parental_responsibility
    assert contact.child.sen_status == SENStatus.EHC_PLAN
    assert visible("parent") == {contact.child_id}
    grants = policy.grants_for(parent)
    assert policy.decide(grants, contact.child, policy.Action.VIEW).allowed
    other = Child.objects.filter(area=area).exclude(pk=contact.child_id).first()
    assert not policy.decide(grants, other, policy.Action.VIEW).allowed

    senco = user("senco")
    school = Membership.objects.current().get(user=senco).organisation
    on_roll = set(
        Placement.objects.filter(setting=school, end_date__isnull=True).values_list(
            "child_id", flat=True
        )
    )
    assert on_roll
    assert visible("senco") == on_roll
    assert contact.child_id in on_roll  # the parent's child is at the SENCO's school

    trust = Membership.objects.current().get(user=user("health")).organisation
    involved = set(
        Involvement.objects.filter(organisation=trust, end_date__isnull=True).values_list(
            "child_id", flat=True
        )
    )
    assert involved
    assert visible("health") == involved

    council = Membership.objects.current().get(user=user("social")).organisation
    allocated = set(
        Involvement.objects.filter(organisation=council, end_date__isnull=True).values_list(
            "child_id", flat=True
        )
    )
    assert allocated
    assert visible("social") == allocated

    with_plans = set(
        Child.objects.filter(area=area, sen_status=SENStatus.EHC_PLAN).values_list("pk", flat=True)
    )
    assert with_plans <= visible("dco")

    for aggregate_only in ("commissioner", "analyst", "board", "localoffer", "provider"):
        assert visible(aggregate_only) == set()
    # the Local Offer officer runs the area's Local Offer; the provider edits its own services
    from opensend.directory import permissions

    assert permissions.is_officer(user("localoffer"), area)
    editable = permissions.editable_services(user("provider"), area)
    assert editable.exists()
    assert editable.count() < permissions.editable_services(user("localoffer"), area).count()
    roles = {
        local: Membership.objects.current().get(user=user(local)).role_codes
        for local in ("commissioner", "analyst", "board", "dco")
    }
    assert roles["dco"] == {Role.DESIGNATED_CLINICAL_OFFICER.value}
    assert roles["board"] == {Role.BOARD_MEMBER.value}


def test_demo_serves_with_gunicorn_unless_told_not_to(static_root, monkeypatch):
    calls = []

    def fake_exec(path, argv, env):
        calls.append((path, argv, env))

    monkeypatch.setattr(demo_command.os, "execvpe", fake_exec)
    run("demo", "--scale", "0.02", "--host", "127.0.0.1", "--port", "8123")
    (path, argv, env) = calls[0]
    assert path.endswith("gunicorn")
    assert argv[:2] == ["gunicorn", "opensend.config.wsgi"]
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"
    assert argv[argv.index("--workers") + 1] == "2"
    assert int(argv[argv.index("--threads") + 1]) > 1
    assert env["DJANGO_SETTINGS_MODULE"] == "opensend.config.test"


def test_demo_accounts_are_never_put_in_a_real_area():
    real = Area.objects.create(
        name="Halton", la_code="876", ons_code="E06000006", region="E12000002"
    )
    with pytest.raises(demo.GenerationError, match="real area"):
        demo.demo_users_reset(area=real, password=demo.new_password())


def test_banner_lists_each_sign_in():
    lines = demo_command.banner(
        "http://127.0.0.1:8000/",
        "Halford Vale (synthetic)",
        "demo-secret",
        [demo.SignIn("a@demo.opensend.test", "SENCO", "A School", "pupils on roll at A School")],
    )
    text = "\n".join(lines)
    assert "http://127.0.0.1:8000/" in text
    assert "demo-secret" in text
    assert "a@demo.opensend.test" in text
    assert "pupils on roll at A School" in text


def test_demo_says_so_when_gunicorn_is_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(demo_command.sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(demo_command.shutil, "which", lambda name: None)
    with pytest.raises(CommandError, match="gunicorn is not installed"):
        demo_command.gunicorn_path()
