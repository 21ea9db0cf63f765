"""Exchange endpoints: the catalogue, sharing requests, the gateway and the evidence. Thin: every rule
lives in services/selectors."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["exchange 数据共享交换"])
