"""The study's analyses as functions returning tables, its statistics and figures."""
