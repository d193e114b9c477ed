"""An event's live board: the matching engine and its reasons, run, move, lock, confirm, the report."""
