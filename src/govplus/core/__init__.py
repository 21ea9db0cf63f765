"""core — what every module stands on.

Owns: the base model, the working-day calendar (`calendar.WorkingCalendar`), the hash-chained audit log
(`audit.audit_record`, `audit.audit_verify`), the error family (`errors.GovplusError`), personal-data
protection (`crypto`), notifications (`notify.notification_send`) and background tasks (`tasks`).
"""
