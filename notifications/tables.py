"""Notification tables: devices, inbox messages, deliveries, consents."""

from __future__ import annotations
