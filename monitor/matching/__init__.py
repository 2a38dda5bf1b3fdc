"""Matching: which tracked claims an item is about, its stance on each, and who says so. Pure code."""
