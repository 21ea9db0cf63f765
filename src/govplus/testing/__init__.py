"""Test support shipped with the package (factories used by the test suite and the benchmarks)."""
