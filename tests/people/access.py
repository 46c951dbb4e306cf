"""Who may open the people app's own account-security URLs (the foundation's people URLs are in
tests/web/access.py). Merged by tests/test_access_matrix.py."""

ENTRIES = {
    "people_lockouts": ({"headteacher", "dpl"}, {}),
}
