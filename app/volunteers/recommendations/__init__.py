"""Recommendations: how well an open request suits a volunteer (scoring) and why, as a page and a panel."""
