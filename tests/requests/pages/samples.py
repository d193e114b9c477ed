"""A spec as a coordinator edits it, in Markdown, for the request page tests."""

# A spec a coordinator edited, written in Markdown the way coordinators write it.
SPEC = {
    "summary": "A **map** of surplus food donors and families in need.\n\n"
               "- red dots: donors\n- blue dots: families",
    "background": "## How it works today\n\nRetirees keep every record *on paper*. "
                  "See [our site](https://foodbank.example.org/about).",
    "users_and_roles": ["Staff who plan pick-ups", "Volunteer drivers"],
    "data_entities": ["Donor", "Recipient", "Donation"],
    "user_stories": ["As staff I can see donors and recipients on a **map**",
                     "As a volunteer driver I can get a route for the day's pick-ups"],
    "acceptance_criteria": ["Works on a phone over a slow connection"],
    "constraints": ["No hosting budget"],
    "skills": ["maps-routing", "website"],
    "team_size": 3,
    "effort_hours": 120,
    "effort_reasoning": "Two stories, three entities and a *map integration*.",
    "open_questions": ["Who may see recipients' addresses?"],
}
