"""opensend access-log-verify [--expect SEQ:HASH]

Recomputes the access log's hash chain from the first entry and reports any entry that was
changed, removed or reordered. Give an anchor recorded earlier (from `opensend
access-log-anchor`) to check that the log still contains exactly that history."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opensend.core import access_log


def parse_anchor(value: str) -> tuple[int, str]:
    seq, _, digest = value.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise CommandError("An anchor looks like 1234:<64 hexadecimal characters>.")
    return int(seq), digest.lower()


class Command(BaseCommand):
    help = "Verify the access log's hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--expect", help="an anchor SEQ:HASH recorded earlier")

    def handle(self, *args: Any, **options: Any) -> None:
        expect = parse_anchor(options["expect"]) if options.get("expect") else None
        result = access_log.verify(expect)
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"The access log is intact: {result.checked} entries, "
                    f"head {result.head_seq}:{result.head_hash}"
                )
            )
            return
        for problem in result.problems:
            self.stderr.write(f"Entry {problem.seq}: {problem.message}")
        raise CommandError(
            f"The access log has been tampered with: {len(result.problems)} problem(s) "
            f"in {result.checked} entries."
        )
