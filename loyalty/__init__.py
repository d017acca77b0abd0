"""Thân Thiết's domain: the loyalty programme's rules over Piccolo tables."""
