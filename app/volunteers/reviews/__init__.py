"""Reviews after delivery: the organisation reviews each team member, the team reviews the organisation."""
