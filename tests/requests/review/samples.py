"""A spec as the drafter makes it from a food bank's answers, for the review tests."""

# What a drafter might have made of a food bank's answers, with the questions it could not settle.
DRAFTED = {
    "summary": "A map of surplus food donors and families in need, with routes for volunteer drivers.",
    "background": "Retirees run a food bank.\nThey keep every record on paper.",
    "users_and_roles": ["Staff", "Volunteer drivers", "Donors"],
    "data_entities": ["Donor", "Recipient", "Donation", "Pick-up"],
    "user_stories": ["As staff I can see donors and recipients on a map",
                     "As a volunteer driver I can get a route for the day's pick-ups"],
    "acceptance_criteria": ["Works on a phone"],
    "constraints": ["No hosting budget"],
    "skills": ["maps-routing", "website"],
    "team_size": 2,
    "effort_hours": 120,
    "effort_reasoning": "Two stories, four entities and a map integration.",
    "open_questions": ["How many volunteers will use it each day?",
                       "Who may see recipients' addresses?"],
}
