"""A small self-contained test lesson ("98") and hostile submissions for the grader tests."""
