"""Contests and quizzes on the brand's published posts, with a draw anyone can verify (issue 17)."""
