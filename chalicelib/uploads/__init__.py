"""Verification of uploaded files by content (the line of defence moto cannot enforce)."""
