"""cohort-eval: evaluation of cohort-based professional development programmes.

Pure, DataFrame-in/DataFrame-out functions used by the thin Snakemake rule scripts in
``workflow/scripts/``. File I/O lives in :mod:`cohort_eval.io`; great-expectations lives in
:mod:`cohort_eval.guard`; nothing here imports snakemake.
"""

__version__ = "0.1.0"
