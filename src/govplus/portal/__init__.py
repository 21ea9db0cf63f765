"""portal — the shell of the web site: what every module's pages stand on.

Owns the base template and its navigation (built from the modules' `NavEntry`s, `context.py`), sign-in,
registration and TOTP (`views_auth`), the home page, the language switch and the message inbox
(`views_shell`), the error pages, the public page cache (`page_cache.public_page`) and the page helpers
(`helpers`: `staff_required`, `applicant_required`, `user_of`, `field_errors`). Each module's pages live in
that module (`catalog/views.py`, `cases/views_*.py`, with `templates/<module>/`); views validate input,
call one service or selector and render; they hold no business rules.
"""
