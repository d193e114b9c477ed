"""Coordinator review: the intake queue, spec versions and diffs, the thread, publish, send back, reject."""
