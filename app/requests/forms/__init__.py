"""WTForms of the requests feature, one module per subject."""
