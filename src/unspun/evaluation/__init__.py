"""Evaluation: the PAN plagdet measure, dataset readers, and the logic behind ``unspun eval``."""
