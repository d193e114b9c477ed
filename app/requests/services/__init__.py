"""Services of the requests feature: every state change, permission check and commit.

Split by subject: `organizations` (profiles, invitations, verification), `intake` (drafts,
attachments, submit, withdraw), `review` (spec versions, thread, publish, send back, reject).
"""
