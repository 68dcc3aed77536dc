"""Stage 8 Review Desk: the service package behind the pages and the command line."""
