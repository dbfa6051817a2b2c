"""Reference data dbt reads as seeds, generated from the project's Python sources of truth."""
