"""appeals' part of the platform: the Open311 GeoReport v2 API and, later, its pages (see core/modules.py)."""

from govplus.core.modules import ModuleSpec

MODULE = ModuleSpec(name="appeals", urls="govplus.appeals.urls")
