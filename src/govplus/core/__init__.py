"""core — what every module stands on.

Owns: the base model, the working-day calendar (`calendar.WorkingCalendar`), the hash-chained audit log
(`audit.audit_record`, `audit.audit_verify`), the error family (`errors.GovplusError`), personal-data
protection (`crypto`), notifications (`notify.notification_send`, `selectors.notification_list_for`),
background tasks (`tasks`), the Django-free BPMN engine (`engine`) and module registration (`modules`).
"""
