"""esg-pipeline: yearly ESG reports in, comparable metrics out."""
