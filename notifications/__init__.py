"""Turns loyalty events into inbox messages and push notifications."""
