"""Accounts: sign-up, sessions, tokens and passwords (services), who is signed in (auth), the account
pages (views, forms), the API (api), `flask users` (cli), sign-in limits (throttle), password rules
(passwords)."""
