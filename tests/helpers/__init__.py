"""Shared test helpers (no test state: functions and classes only)."""
