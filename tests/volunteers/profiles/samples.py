"""A complete, valid submission of the profile edit form."""

# A complete, valid submission of the edit form.
FORM = {
    "skills": ["python", "database-design"],
    "level_python": "4",
    "level_database_design": "3",
    "hours_per_week": "6",
    "city": "成都",
    "timezone": "Asia/Shanghai",
    "remote": "remote",
    "languages": ["zh", "en"],
    "causes": ["health", "food"],
    "github_url": "https://github.com/fangwang",
    "portfolio_url": "fang.example.org",
    "bio": "Backend engineer; I like tidy databases.",
    "phone": "+86 138 0000 1234",
}
