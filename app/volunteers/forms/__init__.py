"""WTForms of the volunteers feature, one module per subject."""
