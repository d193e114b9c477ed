"""Claims: a volunteer asks for a seat, the organisation answers, commitments are renewed or concluded."""
