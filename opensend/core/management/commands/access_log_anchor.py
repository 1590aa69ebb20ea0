"""opensend access-log-anchor

Prints the current end of the access log's hash chain as SEQ:HASH. Record it somewhere the
database's administrators cannot change (a board paper, a signed email, the SIRO's log); later,
`opensend access-log-verify --expect SEQ:HASH` proves the history up to it is unchanged."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from opensend.core.models import GENESIS_HASH, AccessLogHead


class Command(BaseCommand):
    help = "Print the access log's current anchor (SEQ:HASH)."

    def handle(self, *args: Any, **options: Any) -> None:
        head = AccessLogHead.objects.filter(pk=1).first()
        seq, digest = (head.seq, head.hash) if head else (0, GENESIS_HASH)
        self.stdout.write(f"{seq}:{digest}")
