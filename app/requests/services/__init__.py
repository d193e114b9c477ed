"""Services of the requests feature: every state change, permission check and commit.

Split by subject: `organizations` (profiles, invitations, verification), `intake` (drafts,
attachments, submit, withdraw), `review` (intake queue, spec versions, publish, send back,
reject), `thread` (the coordinator–nonprofit discussion) and `spec_text` (the spec's canonical
form, text rendering and line diff: pure functions).
"""
