"""opensend demo [--host 127.0.0.1] [--port 8000] [--no-serve] [--profile halton] [--seed 2026]

Migrates the database, generates the demo area if there is no synthetic area yet, creates or
resets the demo accounts with one new password, collects static files, prints where to go
and how to sign in, then serves OpenSEND with gunicorn.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from opensend.synth import demo, generator
from opensend.synth.generator.commissioning import commissioning_add_if_missing
from opensend.synth.generator.local_offer import local_offer_add_if_missing
from opensend.synth.generator.performance import performance_add_if_missing
from opensend.synth.profiles import PROFILES

WORKERS = 2
THREADS = 4


def gunicorn_path() -> str:
    beside = Path(sys.executable).with_name("gunicorn")
    if beside.exists():
        return str(beside)
    found = shutil.which("gunicorn")
    if found is None:
        raise CommandError("gunicorn is not installed: run ./run setup first.")
    return found


def settings_module() -> str:
    """The settings the web server runs with: the ones this command runs with."""
    return (
        os.environ.get("DJANGO_SETTINGS_MODULE")
        or getattr(settings, "SETTINGS_MODULE", None)
        or "opensend.config.base"
    )


class Command(BaseCommand):
    help = "Set up the demo (database, synthetic area, demo accounts) and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="prepare everything, then stop")
        parser.add_argument("--profile", default="halton", choices=sorted(PROFILES))
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--scale", type=float, default=1.0, help="size of the demo area (1 is Halton-sized)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        say = self.stdout.write
        say("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        area = demo.demo_area()
        if area is None:
            say(
                f"Generating the demo area ({options['profile']} profile, scale "
                f"{options['scale']:g}, seed {options['seed']})…"
            )
            try:
                result = generator.generate(
                    acting_user=None,
                    options=generator.make_options(
                        profile=options["profile"],
                        scale=options["scale"],
                        seed=options["seed"],
                        # dated today, so the demo's open EHC work is current, not months
                        # overdue as it would be dated to the last census
                        on=timezone.localdate(),
                    ),
                )
            except generator.GenerationError as error:
                raise CommandError(str(error)) from error
            area = result.area
            say(
                f"  {result.children:,} children, {result.rows['core.Organisation']:,} "
                f"organisations in {result.seconds:.1f} seconds."
            )
        else:
            say(f"Using the synthetic area {area.name} ({area.la_code}).")
            if local_offer_add_if_missing(area=area, seed=options["seed"]):
                say("  Generated its Local Offer.")
            try:
                made = commissioning_add_if_missing(
                    area=area, seed=options["seed"], on=timezone.localdate()
                )
            except generator.GenerationError as error:
                raise CommandError(str(error)) from error
            if made:
                say("  Generated its pathways, waiting lists and commissions.")
            try:
                made = performance_add_if_missing(
                    area=area, seed=options["seed"], on=timezone.localdate()
                )
            except generator.GenerationError as error:
                raise CommandError(str(error)) from error
            if made:
                say("  Generated its KPIs and responsibility disputes.")
        password = demo.new_password()
        try:
            sign_ins = demo.demo_users_reset(area=area, password=password)
        except generator.GenerationError as error:
            raise CommandError(str(error)) from error
        call_command("collectstatic", interactive=False, verbosity=0)
        url = f"http://{options['host']}:{options['port']}/"
        for line in banner(url, area.name, password, sign_ins):
            say(line)
        if options["no_serve"]:
            return
        self.stdout.flush()
        os.execvpe(  # noqa: S606 - replaces this process with the web server, on purpose
            gunicorn_path(),
            [
                "gunicorn",
                "opensend.config.wsgi",
                "--bind",
                f"{options['host']}:{options['port']}",
                "--workers",
                str(WORKERS),
                "--threads",
                str(THREADS),
                "--access-logfile",
                "-",
            ],
            {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module()},
        )


def banner(url: str, area_name: str, password: str, sign_ins: list[demo.SignIn]) -> list[str]:
    email_width = max(len(s.email) for s in sign_ins)
    role_width = max(len(s.role) for s in sign_ins)
    rule = "=" * 78
    lines = [
        "",
        rule,
        f"  OpenSEND demo: {url}",
        f"  Area: {area_name}. Every child, family and setting is fictional.",
        f"  Password for every account below: {password}",
        rule,
        "",
        f"  {'Email'.ljust(email_width)}  {'Role'.ljust(role_width)}  Sees",
    ]
    for sign_in in sign_ins:
        lines.append(
            f"  {sign_in.email.ljust(email_width)}  {sign_in.role.ljust(role_width)}  "
            f"{sign_in.sees}"
        )
    lines += [
        "",
        "  Stop the server with Ctrl+C. Run `opensend demo` again for a new password.",
        "",
    ]
    return lines
