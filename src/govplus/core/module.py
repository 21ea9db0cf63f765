"""core's part of the platform: the audit log's transparency API (tree heads, inclusion and consistency
proofs; see core/modules.py)."""

from govplus.core.modules import ApiRouter, ModuleSpec

MODULE = ModuleSpec(
    name="core",
    api_routers=(ApiRouter("govplus.core.audit_api:router"),),
)
