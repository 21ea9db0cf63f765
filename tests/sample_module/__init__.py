"""A module that exists only in the tests: it proves a new module plugs in by declaring itself.

It is enabled with GOVPLUS_EXTRA_APPS=tests.sample_module and touches no file outside this folder.
"""
