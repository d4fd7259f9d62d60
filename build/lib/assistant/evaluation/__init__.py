"""Answer-quality evaluation: golden datasets, metrics, thresholds, history and reports.

The datasets, thresholds, baselines and history live in ``eval/``; ``pytest eval/`` runs the
suite, ``assistant eval report`` draws the trends.
"""
