"""`govplus events failed | retry [ID ...|--all] | sweep`: see and mend failed domain-event deliveries."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from govplus.core.events import events_failed, events_retry, events_sweep


class Command(BaseCommand):
    help = "领域事件投递 / domain-event deliveries: list failed ones, retry them, run the sweep"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["failed", "retry", "sweep"])
        parser.add_argument("ids", nargs="*", type=int, help="delivery ids (retry)")
        parser.add_argument("--all", action="store_true", help="retry every failed delivery")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "failed":
            self._list_failed()
        elif action == "retry":
            self._retry(ids=options["ids"], everything=options["all"])
        else:
            self.stdout.write(f"sweep: {events_sweep()}")

    def _list_failed(self) -> None:
        failed = events_failed()
        if not failed:
            self.stdout.write("没有投递失败的事件 / no failed deliveries")
            return
        self.stdout.write(f"投递失败 {len(failed)} 项 / {len(failed)} failed deliveries:")
        for delivery in failed:
            self.stdout.write(
                f"#{delivery.pk}  event {delivery.event_id} {delivery.event.name}  → {delivery.handler}  "
                f"attempts {delivery.attempts}  last {delivery.next_attempt_at:%Y-%m-%d %H:%M}  "
                f"{delivery.last_error.splitlines()[0] if delivery.last_error else ''}"
            )

    def _retry(self, *, ids: list[int], everything: bool) -> None:
        if bool(ids) == everything:
            raise CommandError("请给出投递编号或 --all / give delivery ids or --all")
        count = events_retry(actor=None, delivery_ids=None if everything else ids)
        if not count:
            raise CommandError("没有可重试的失败投递 / no such failed delivery")
        counts = events_sweep()
        self.stdout.write(f"已重新投递 {count} 项 / {count} re-queued; now: {counts}")
