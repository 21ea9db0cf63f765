"""The portal shell: the site's pages and the message inbox in the navigation (see core/modules.py)."""

from govplus.core.modules import SIGNED_IN, ModuleSpec, NavEntry, gettext_noop

MODULE = ModuleSpec(
    name="portal",
    urls="govplus.portal.urls",
    navigation=(NavEntry(gettext_noop("消息"), "portal:inbox", audience=SIGNED_IN, order=50, badge="unread_count"),),
)
