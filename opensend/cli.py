"""The ``opensend`` command line.

``opensend demo``, ``opensend synth``, ``opensend import-census`` and every other Django
management command (``opensend migrate``, ``opensend check`` ...) run through here, with the
settings module defaulting to the embedded configuration.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opensend.config.base")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "opensend"
    if len(args) > 1 and "-" in args[1] and not args[1].startswith("-"):
        # Our own commands read best with hyphens (``opensend import-census``); Django's
        # command modules are named with underscores.
        args[1] = args[1].replace("-", "_")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
