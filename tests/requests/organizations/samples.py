"""A complete organisation profile, as the profile form and API take it."""

PROFILE = {
    "name": "Green Roots Food Bank",
    "description": "Retirees collect surplus food from supermarkets and bring it to families in need.",
    "cause_areas": ["food", "poverty-relief"],
    "region": "Shanghai",
    "website": "https://greenroots.example.org",
    "registration_number": "53310000MJ0000202B",
    "contact_name": "Wang Min",
    "contact_phone": "+86 138 0000 0202",
    "contact_email": "wangmin@greenroots.example.org",
}
