from govplus.core.modules import ModuleSpec, OAuthScope

MODULE = ModuleSpec(name="duplicate", scopes=(OAuthScope("tasks", "重复", "duplicate"),))
