"""catalog — the service catalog (政务服务事项清单) and its public lists.

Owns service items with every standard element (GB/T 36110-style 事项要素), their materials, life-event
themes, the BPMN process definitions an item runs, Chinese search, the power list (权力清单) and
responsibility list (责任清单), and JSON import/export. Public functions: `services.service_item_*`,
`services.catalog_import`, `selectors.service_search`, `selectors.service_get_published`.
"""
