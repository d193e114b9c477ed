"""Impact: what delivered projects gave, for the home page and the coordinators' figures."""
