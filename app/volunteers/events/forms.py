"""Event forms: registering and ranking (H5's section), and the coordinator's event, feature, check-in
and board forms."""

from __future__ import annotations

# --- public and volunteer forms -------------------------------------------------------------------


# --- coordinators ---------------------------------------------------------------------------------
