"""Services of the volunteers feature: `profiles`, `claims` (and later check-ins, delivery, events)."""
