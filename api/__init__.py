"""Litestar API for the mobile app (/api/v1/me) and the store tills (/api/v1/pos)."""
