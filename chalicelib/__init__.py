"""Domain logic, models and AWS access of the talent-grading platform.

Nothing in this package imports chalice: routes live in app.py, and functions/ reuses the
services directly.
"""
