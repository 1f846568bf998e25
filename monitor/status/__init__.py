"""Goal statuses: the per-goal engine and the set-based path (being gathered behind one entry point)."""
