"""A module declaring a scope another module owns (only for tests/test_modules.py)."""
