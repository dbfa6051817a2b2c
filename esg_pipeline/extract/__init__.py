"""Indicator extraction: deterministic rules from report text to metrics (see extractor.py)."""
from esg_pipeline.extract.extractor import extract_document, extract_metrics
from esg_pipeline.extract.metric import Metric

__all__ = ["extract_document", "extract_metrics", "Metric"]
